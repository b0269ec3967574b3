// libFuzzer target: any bytes given to the scenario parser either parse into a
// valid Scenario or raise ScenarioError — never crash, hang or leak. A parsed
// scenario must also survive its own compare variants and one override.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "poolviz/scenario.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    poolviz::Scenario s = poolviz::parse_scenario(text, "fuzz.toml");
    for (const poolviz::CompareVariant& v : s.compare) (void)poolviz::apply_variant(s, v);
    // The first line doubles as a --set assignment, to fuzz overrides too.
    const std::string_view first_line = text.substr(0, text.find('\n'));
    poolviz::apply_override(s, first_line);
  } catch (const poolviz::ScenarioError&) {
    // Expected for malformed input.
  }
  return 0;
}
