// app/cli/headless.h — `poolviz run`: a scenario on the real engine without a
// window, with a progress line, a human or JSON summary, and the exports.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "poolviz/export.h"
#include "poolviz/scenario.h"

namespace poolviz::cli {

struct HeadlessOptions {
  double speed = 1.0;
  std::optional<double> duration_s;  // hard stop in scenario seconds
  std::optional<std::uint64_t> seed;
  bool json = false;        // exactly one JSON object on stdout
  std::string csv_path;     // empty = no CSV
  std::string trace_path;   // empty = no trace
  std::string record_path;  // empty = no recording (the full event stream, see poolviz/recording.h)
  bool quiet = false;       // no progress line, no human summary (errors still go to stderr)
};

/// Runs `scenario` to completion (or duration) and prints the summary; on a
/// terminal, a progress line on stderr (jobs done, scenario time, real time left).
/// Ctrl-C stops the run, prints the summary so far marked partial ("partial":
/// true in JSON) and returns 130. Else returns 0, or 1 when the run or an export failed.
int run_headless(const Scenario& scenario, const HeadlessOptions& options);

}  // namespace poolviz::cli
