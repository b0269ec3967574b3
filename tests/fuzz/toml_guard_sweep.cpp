// Deterministic companion to scenario_fuzz, built the same way (toml++
// header-only, ASan+UBSan, asserts on): every code point in and around the
// ranges toml++ 3.3.0 cannot classify, in every place of a TOML document where
// the parser looks at it. A run must end in a parsed scenario or a
// ScenarioError; an assertion or a UBSan report fails it (core/src/toml_guard.h).
#include <cstdio>
#include <string>

#include "poolviz/scenario.h"

namespace {

std::string utf8(char32_t c) {
  std::string s;
  if (c < 0x800) {
    s += static_cast<char>(0xC0 | (c >> 6));
  } else {
    s += static_cast<char>(0xE0 | (c >> 12));
    s += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
  }
  s += static_cast<char>(0x80 | (c & 0x3F));
  return s;
}

// X marks where the code point goes.
const char* const kPlaces[] = {
    "X = 1\n", "a X = 1\n", "a = X\n", "a = 1 X\n", "a = 1X\n", "[X]\n", "[a.X]\n", "a.X = 1\n",
    "a = [X]\n", "a = {X = 1}\n", "a = { b = 1 X}\n", "a = tXue\n", "a = 1979-05-27TX\n",
    "a = 0xX\n", "\"a\"X = 1\n", "a = \"X\"\n", "a = \"\\X\"\n", "a = \"\"\"X\"\"\"\n",
    "a = \"\"\"\\X\"\"\"\n", "a = \"\"\"\\\nX\"\"\"\n", "a = \"\"\"\\\r\nX\"\"\"\n",
    "a = \"\"\"\\  X\"\"\"\n", "a = \"\"\"\\ \n  \n X\"\"\"\n", "a = 'X'\n", "a = '''X'''\n", "# X\n",
    // After a malformed value toml++ scans ahead over anything to word its error.
    "a = 4\"X\"\n", "a = 4'X'\n", "a = 4 # X\n", "a = tru'X'\n", "a = 4'''X''''\n", "'X' = 1\n",
    "a = 'X\n", "a = '''X", "a = \"X", "a = 4\"\"\"X\n", "a = '''X''''\n", "a = 'a\\X\"'\n",
};

}  // namespace

int main() {
  long documents = 0;
  const char32_t ranges[][2] = {{0x80, 0x4FF}, {0x1600, 0x1900}, {0x2000, 0x2100}, {0x2C60, 0x3070},
                                {0xFEF0, 0xFFFD}};
  for (const auto& range : ranges) {
    for (char32_t c = range[0]; c <= range[1]; ++c) {
      for (const char* place : kPlaces) {
        std::string doc;
        for (const char* p = place; *p != '\0'; ++p) doc += *p == 'X' ? utf8(c) : std::string(1, *p);
        ++documents;
        try {
          (void)poolviz::parse_scenario(doc, "sweep.toml");
        } catch (const poolviz::ScenarioError&) {
          // Expected: these documents are not whole scenarios.
        }
      }
    }
  }
  std::printf("toml_guard_sweep: %ld documents, no undefined behaviour\n", documents);
  return 0;
}
