// poolviz/compare.h — two to four strategies side by side on the same arrivals.
//
// [SECTION] Variants        — which scenarios run: [[compare]] blocks or --variant
// [SECTION] Comparison      — the Runs, started together, one transport, polled together
// [SECTION] ComparisonTable — the side-by-side figures, the best one per row
// [SECTION] Exports         — JSON (`compare --json`) and CSV
//
//   auto variants = plan_variants(load_scenario("load-balancing"), {});
//   poolviz::Comparison cmp(std::move(variants), {.speed = 20});
//   cmp.start();
//   while (!cmp.finished()) { cmp.poll(); /* draw, or wait a little */ }
//   cmp.stop();
//   ComparisonTable table = cmp.table();
//
// Same arrivals: every variant's Run owns its own WorkloadGenerator built from
// the same WorkloadSpec (and seed), and the generator is deterministic, so each
// engine sees the same arrival times, service times, priorities and failures.
// A variant that overrides a workload.* key changes its own arrivals; the
// table says so (`arrivals_differ`).
//
// Fairness: the variants share this machine's cores. io-bound work (waiting)
// compares fairly; cpu-bound variants compete for the same cores, so each one
// runs slower than it would alone, and the scheduler shares the cores per
// thread, so the variant with more threads gets more CPU. `fairness_note()`
// says this in words.
//
// Threading: like Run, one controlling thread calls everything here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <vector>

#include "poolviz/timeline.h"
#include "poolviz/run.h"
#include "poolviz/scenario.h"
#include "poolviz/theory_overlay.h"

namespace poolviz {

struct ComparisonTable;

// [SECTION] Variants ------------------------------------------------------------

inline constexpr std::size_t kMinVariants = 2;
inline constexpr std::size_t kMaxVariants = 4;

struct VariantPlan {
  std::string label;
  Scenario scenario;  // base with the variant's overrides applied
  std::vector<Override> overrides;
};

/// Parses a --variant text: "label: key=value,key=value" or "key=value,key=value"
/// (the label then defaults to the assignments themselves). Throws ScenarioError
/// (source "--variant") when an item is not KEY=VALUE.
CompareVariant parse_variant(std::string_view text);

/// The variants to run:
///   * `extra` empty  → the scenario's [[compare]] list; if it names only one
///     variant, the scenario as written runs beside it as "as written";
///   * `extra` given  → the scenario as written, then each of `extra`.
/// Throws ScenarioError when that makes fewer than 2 or more than 4 variants,
/// or when a variant's override is invalid (the message names the variant).
std::vector<VariantPlan> plan_variants(const Scenario& base, std::span<const CompareVariant> extra);

/// The workload.* keys a variant overrides (its arrivals then differ from the others').
std::vector<std::string> workload_overrides(const VariantPlan& plan);

// [SECTION] Comparison ----------------------------------------------------------

struct ComparisonOptions {
  double speed = 1.0;
  std::optional<std::uint64_t> seed;   // overrides workload.seed for every variant
  std::optional<double> duration_s;    // stop every variant after this much scenario time
  bool start_paused = false;           // start() leaves the shared transport paused
  Nanos sample_period = 100 * kMillisecond;
  bool keep_all_samples = false;
};

class Comparison {
 public:
  /// Builds every Run paused (arrivals do not start until start()). Throws
  /// std::invalid_argument for fewer than 2 or more than 4 variants, or what Run throws.
  Comparison(std::vector<VariantPlan> variants, ComparisonOptions options = {});
  ~Comparison();
  Comparison(const Comparison&) = delete;
  Comparison& operator=(const Comparison&) = delete;

  /// Starts every arrival thread while the clocks are still paused, then (unless
  /// options.start_paused) resumes all clocks back to back, so the variants'
  /// scenario times start within microseconds of each other.
  void start();

  // One transport for all variants. The clocks are separate objects and are
  // paused/resumed one after the other; they differ by at most the few µs of
  // real time that takes (× speed).
  void pause();
  void resume();
  bool paused() const;
  void set_speed(double speed);
  double speed() const { return speed_; }

  /// Polls every Run (drains its events into its Timeline and any
  /// attached sink).
  void poll();
  /// True when every variant is finished.
  bool finished() const;
  /// Stops every variant: drain when it finished on its own, cancel when it was
  /// cut short (by duration). Idempotent.
  void stop();

  std::size_t size() const { return variants_.size(); }
  const std::string& label(std::size_t i) const { return variants_[i]->plan.label; }
  const VariantPlan& plan(std::size_t i) const { return variants_[i]->plan; }
  Run& run(std::size_t i) { return *variants_[i]->run; }
  const Run& run(std::size_t i) const { return *variants_[i]->run; }
  const Timeline& occupancy(std::size_t i) const { return variants_[i]->run->timeline(); }
  const TheoryCheck& theory(std::size_t i) const { return variants_[i]->theory; }
  /// Scenario seconds of the most advanced variant.
  double now_seconds() const;

  RunSummary summary(std::size_t i) const { return variants_[i]->run->summary(); }
  Overlay overlay(std::size_t i) const;
  /// The side-by-side table of the current figures (live or final).
  ComparisonTable table() const;

 private:
  struct Variant {
    VariantPlan plan;
    TheoryCheck theory;
    std::unique_ptr<Run> run;  // declared last: destroyed first, while the sinks exist
    explicit Variant(VariantPlan p) : plan(std::move(p)) {}
  };
  std::vector<std::unique_ptr<Variant>> variants_;
  ComparisonOptions options_;
  double speed_;
  bool started_ = false;
  bool stopped_ = false;
};

// [SECTION] ComparisonTable -----------------------------------------------------

enum class Better : std::uint8_t { lower, higher, none };

/// Indices of the best values for `better`: every index whose value equals the
/// best (within 1e-9 relative). Empty when `better` is none, when fewer than two
/// values are finite, or when all finite values are equal (nothing stands out).
std::vector<std::size_t> best_indices(std::span<const double> values, Better better);

struct TableRow {
  std::string name;  // "wait p50"
  std::string unit;  // "ms"
  Better better = Better::lower;
  std::vector<double> values;  // one per variant; NaN = not available
  std::vector<std::size_t> best;
};

struct ComparisonTable {
  std::vector<std::string> labels;
  std::vector<std::string> strategies;
  std::vector<TableRow> rows;
  std::vector<bool> arrivals_differ;  // per variant: overrides workload.*
  double process_peak_rss_mb = 0;     // one figure for the whole process
  std::string fairness_note;
};

/// How fair a side-by-side comparison is, in words (the table's note, in the
/// window and `poolviz compare`).
std::string fairness_note(bool cpu_bound, std::size_t variants, unsigned cores);

/// Builds the table from per-variant summaries (pure, for tests and exports).
/// `stack_bytes`: the stack each OS thread reserves (see default_thread_stack_bytes()).
ComparisonTable make_table(std::span<const std::string> labels, std::span<const RunSummary> summaries,
                           std::size_t stack_bytes);

/// The default stack size a new std::thread reserves on this system (pthread default).
std::size_t default_thread_stack_bytes();

/// Fixed-width plain text: one column per variant, '*' marks the best in a row.
std::string format_table(const ComparisonTable& table);

// [SECTION] Exports -------------------------------------------------------------

/// `compare --json`: an array of `run --json` objects (summary_to_json), one per
/// variant, each with "variant" (its label) and "overrides", plus "theory" and
/// "little" (Little's law) objects.
std::string comparison_to_json(const Comparison& comparison, int indent = 2);
/// `compare --csv`: one row per variant: variant, strategy, then the table's rows.
void write_comparison_csv(std::ostream& out, const ComparisonTable& table);

}  // namespace poolviz
