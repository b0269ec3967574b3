// poolviz — entry point; only dispatches to a command.
#include <cstdio>

int main() {
  std::puts("poolviz: engine only so far");
  return 0;
}
