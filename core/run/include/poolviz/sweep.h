// poolviz/sweep.h — one scenario at a range of loads, run one after the other,
// measured beside what queueing theory predicts: the data of the hockey stick.
//
//   SweepRange range = parse_sweep_range("workload.rate=5:38:12");
//   std::vector<SweepPoint> points = run_sweep(scenario, range, {.speed = 10});
//
// Each step is a fresh Run (its own clock, pool and seeded arrivals) of the
// scenario with `range.key` set to the step's value; steps run sequentially so
// they do not compete for cores. Blocking: run_sweep() returns when every step
// has finished (or was cut at options.duration_s).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <ostream>
#include <span>
#include "poolviz/compat_thread.h"
#include <cmath>
#include <string>
#include <string_view>
#include <vector>

#include "poolviz/run.h"
#include "poolviz/scenario.h"
#include "poolviz/theory_overlay.h"

namespace poolviz {

struct SweepRange {
  std::string key;  // any numeric --set key; theory columns assume it is a load knob
  double from = 0;
  double to = 0;
  int steps = 0;    // points, ends included
  /// from, ..., to in `steps` evenly spaced points (just `from` when steps is 1).
  std::vector<double> values() const;
};

/// Parses "KEY=FROM:TO:STEPS", e.g. "workload.rate=5:38:12". Throws ScenarioError
/// (source "--set-range") naming what is wrong; the key itself is checked when applied.
SweepRange parse_sweep_range(std::string_view text);

struct SweepOptions {
  double speed = 10;
  std::optional<std::uint64_t> seed;
  std::optional<double> duration_s;  // per step: cut each run after this much scenario time
  /// When stop is requested, the step running is cut (cancel) and run_sweep
  /// returns the steps finished so far (the GUI's "stop sweep", closing the window).
  poolviz::stop_token stop;
};

struct SweepPoint {
  double value = 0;        // the swept key's value
  TheoryCheck theory;      // model, fit, ρ offered, prediction
  RunSummary summary;      // measured
  double wait_mean_ci95_ms = NAN;  // ± noise of the measured mean wait (batch means)
  double p_wait_measured = NAN;    // arrivals that found all c workers busy
  /// Theory's mean wait recomputed with the measured mean service time (a real
  /// machine's sleeps overshoot a little, which raises ρ); NaN when no model applies.
  double predicted_mean_wait_ms_with_measured_service = NAN;
  /// Theory's mean wait in ms; NaN when no model applies, +inf when unstable.
  double predicted_mean_wait_ms() const;
};

/// Runs every step. `on_point` (optional) is called after each step, e.g. for a progress line.
/// Throws ScenarioError when a value cannot be applied, std::invalid_argument when a step cannot run.
std::vector<SweepPoint> run_sweep(const Scenario& scenario, const SweepRange& range, const SweepOptions& options,
                                  const std::function<void(std::size_t index, const SweepPoint&)>& on_point = {});

/// Plain-text table: value, ρ, measured p50/p99/mean wait, utilisation, theory mean wait, model.
std::string format_sweep(const SweepRange& range, std::span<const SweepPoint> points);
/// {"scenario", "key", "points": [{value, rho, model, fit, measured{...}, theory{...}}]}.
std::string sweep_to_json(const std::string& scenario_id, const SweepRange& range, std::span<const SweepPoint> points,
                          int indent = 2);
/// Header + one row per step.
void write_sweep_csv(std::ostream& out, const SweepRange& range, std::span<const SweepPoint> points);

}  // namespace poolviz
