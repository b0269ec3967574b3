// app/common/flag_checks.h — one place for what the command line accepts and how
// it says no: the stated range of every numeric flag, the "did you mean" for
// unknown options, and OS errors with their reason. Every command uses these,
// so a range is stated once and every message reads the same way.
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <string_view>

namespace poolviz::flags {

/// An inclusive range a numeric flag accepts, sized for people: the help text
/// and every refusal print it as "0.01 to 1000 (×)".
struct NumberRange {
  double min = 0;
  double max = 0;
  std::string_view unit;  // what the number counts, e.g. "scenario seconds"
};

/// Headless runs: scenario time = real time × speed.
inline constexpr NumberRange kRunSpeed{0.01, 1000, "× real time"};
/// The window: the speed slider's range.
inline constexpr NumberRange kWindowSpeed{0.1, 20, "× real time"};
/// --duration: up to a day of scenario time.
inline constexpr NumberRange kDuration{0.001, 86'400, "scenario seconds"};
/// screenshot --at: up to an hour of scenario time (at most 3 minutes of real time at 20×).
inline constexpr NumberRange kScreenshotAt{0, 3'600, "scenario seconds"};

/// "0.01 to 1000 × real time"
std::string describe(NumberRange range);

/// A CLI11 check for a decimal number in `range`. Refuses text, NaN and
/// infinities with the range, and "3" in quotes with a "remove the quotes" hint.
CLI::Validator number_in(NumberRange range);
/// A CLI11 check for a whole number 0 to 2^64 - 1 (seeds).
CLI::Validator whole_number();

/// The message for a CLI11 parse error, without the "poolviz: error: " prefix:
/// CLI11's own, or for an unknown option or command the one meant
/// ("run: unknown option --sped; did you mean --speed?").
std::string explain_parse_error(const CLI::App& app, const CLI::ParseError& error, int argc, char** argv);

/// Empty when `path` can be written (it is created and removed again when it
/// did not exist), else "cannot write PATH: <the OS's reason>", so a bad --out
/// or --csv fails before the run rather than after it.
std::string check_writable(const std::string& path);

}  // namespace poolviz::flags
