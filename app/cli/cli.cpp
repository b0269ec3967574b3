#include "cli/cli.h"

#include <cstdio>

namespace poolviz::cli {

int run(int, char**) {
  std::puts("poolviz: the command line is not built yet");
  return 0;
}

}  // namespace poolviz::cli
