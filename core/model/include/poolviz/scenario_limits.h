// poolviz/scenario_limits.h — what a scenario may cost to read. load_scenario()
// and parse_scenario() refuse anything past these with the size or the count,
// so a stray file cannot take gigabytes or minutes.
//
// load_scenario() also refuses, before reading, a path that is not a regular
// file (a directory, a device, a FIFO), and names the OS's reason when a file
// cannot be read.
#pragma once

#include <cstddef>

namespace poolviz {

/// Scenario texts and files larger than this are refused with their size (a
/// real scenario is a few KiB).
inline constexpr std::size_t kMaxScenarioFileBytes = std::size_t{1} << 20;

/// [[compare]] tables a scenario may have (the compare view shows 4 at once).
/// Each is checked against the scenario without the others, so checking them
/// costs the same for the first and the last.
inline constexpr std::size_t kMaxCompareVariants = 16;

}  // namespace poolviz
