// poolviz/theory_overlay.h — which queueing model describes a scenario, what it
// predicts, and how that sits beside what a run measured.
//
// [SECTION] TheoryCheck — the model for a scenario, or plain words why none fits
// [SECTION] Overlay     — predicted vs measured, row by row, with the relative difference
//
// The rules (theory_for):
//   * Poisson arrivals, exponential service, a fixed pool with a shared queue,
//     unbounded (or a blocking bound)        → M/M/c, Erlang C          (fit: exact)
//   * the same with non-exponential service,
//     or constant (deterministic) arrivals   → Allen–Cunneen, cs² from the
//                                              service distribution     (fit: approximation)
//   * a bounded queue that refuses or evicts → M/M/c/K, K = c + capacity (fit: bounded)
//   * ρ ≥ 1 on an unbounded queue            → "unstable: the queue grows
//                                              without bound"          (fit: unstable)
//   * anything else (bursts, closed loop, all at once, thread per task,
//     dynamic scaling, per-worker dispatch, limiters, retries, forks)  (fit: not_applicable)
// "Exact" means the model's assumptions hold; the run is still a finite sample
// measured on a real machine.
//
// Pure functions, thread-safe.
#pragma once

#include <cmath>
#include <string>
#include <string_view>
#include <vector>

#include "poolviz/timeline.h"
#include "poolviz/queueing.h"
#include "poolviz/summary.h"
#include "poolviz/scenario.h"

namespace poolviz {

// [SECTION] TheoryCheck ---------------------------------------------------------

enum class TheoryFit : std::uint8_t { exact, approximation, bounded, unstable, not_applicable };
std::string_view to_string(TheoryFit fit);

struct TheoryCheck {
  TheoryFit fit = TheoryFit::not_applicable;
  std::string model;       // "M/M/c (Erlang C)", ..., or "none"
  std::string reason;      // plain words: why this model, what is approximated, why none
  double lambda = 0;       // arrivals per scenario second
  double mu = 0;           // services per second per worker (1 / mean service)
  int servers = 0;         // c
  int capacity = 0;        // K for M/M/c/K (c + queue capacity), else 0
  double ca2 = 1, cs2 = 1; // squared coefficients of variation (arrivals, service)
  double offered_rho = 0;  // λ / (c μ)
  QueuePrediction prediction;  // meaningless when fit == not_applicable
};

/// Squared coefficient of variation of the service times `spec` draws
/// (fixed 0, exponential 1, uniform spread²/3, lognormal e^σ² − 1, bimodal from its two modes).
double service_cs2(const WorkloadSpec& spec);
/// The mean service time `spec` draws, in ms (bimodal mixes its modes).
double service_mean_ms(const WorkloadSpec& spec);

/// The model for `scenario`; `hardware_threads` resolves pool.workers = 0.
TheoryCheck theory_for(const Scenario& scenario, int hardware_threads);
/// The same, with std::thread::hardware_concurrency().
TheoryCheck theory_for(const Scenario& scenario);

// [SECTION] Overlay -------------------------------------------------------------

struct OverlayRow {
  std::string name;   // "P(wait)", "mean wait", ...
  std::string unit;   // "", "ms", "jobs"
  double predicted = 0;
  double measured = 0;
  double relative_difference = 0;  // (measured − predicted) / predicted; NaN when predicted is 0 or infinite
  double noise = -1;               // ± half-width of the measured value's 95 % interval; < 0 = unknown
};

struct Overlay {
  TheoryCheck check;
  std::vector<OverlayRow> rows;  // empty when the model does not apply or is unstable
  /// The prediction recomputed with the measured mean service time: a real
  /// machine's sleeps overshoot, which raises ρ; this shows how much of the gap
  /// that explains. Same model and inputs otherwise. NaN when not applicable.
  double mean_wait_ms_with_measured_service = NAN;
  LittleLaw little;
  /// The models describe a pool in steady state; a run starts empty. False
  /// while the measured figures still carry that start (too few jobs done, or
  /// a bounded queue under overload that has not filled yet).
  bool steady = true;
  /// One or two sentences on which span the figures cover; empty when the
  /// whole run is steady enough to need none.
  std::string steady_note;
};

/// Jobs done before a run's figures are taken as steady (the first met an
/// empty pool).
inline constexpr std::uint64_t kSteadyJobs = 300;

/// Sets `check`'s prediction beside a run's measurements.
Overlay make_overlay(const TheoryCheck& check, const RunSummary& summary, const Timeline& occupancy,
                     Nanos now);

/// Multi-line plain text: the model line, then one line per row, then Little's law.
std::string describe(const Overlay& overlay);

}  // namespace poolviz
