// poolviz/lesson.h — a scenario's lesson as checkable claims.
//
// [SECTION] The check language
// [SECTION] LessonClaim     — one [[lesson]] table, parsed and resolved
// [SECTION] Parsing         — at scenario load, against the scenario's variants
// [SECTION] Evaluation      — over the summaries of finished runs
//
// A scenario file states its lesson in words and as a check over measured figures:
//
//   [[lesson]]
//   claim = "For CPU-bound jobs, workers beyond the core count do not finish sooner"
//   check = "makespan[CPU-bound, 32 workers] >= 0.9 * makespan[CPU-bound, workers = cores]"
//
// The check is evaluated over RunSummary figures (the same as `run --json`) of
// one or more runs of the scenario. Every [[lesson]] is parsed and resolved when
// the scenario loads; errors carry the column inside the expression.
//
// Thread-safety: everything here is pure; a LessonClaim is immutable once parsed.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace poolviz {

struct Scenario;
struct RunSummary;
struct Override;

// [SECTION] The check language ------------------------------------------------
//
//   check      := or
//   or         := and ("or" and)*
//   and        := comparison ("and" comparison)*
//   comparison := sum (("<" | "<=" | ">" | ">=" | "==" | "!=") sum)+   chained: 2 <= x <= 3
//   sum        := product (("+" | "-") product)*
//   product    := unary (("*" | "/") unary)*
//   unary      := "-" unary | number | "cores" | "(" sum ")" | func "(" sum ("," sum)* ")"
//               | field [ "[" variant "]" ]
//   func       := min | max | abs
//   field      := one of claim_fields() (makespan, admitted, wait.p99, threads.max, ...)
//   variant    := a [[compare]] label (exact words, case and spacing ignored, or 'quoted')
//               | KEY=VALUE, KEY=VALUE...   overrides on the scenario as written
//                                            (the value "cores" = this machine's cores)
//               | nothing / "as written"    the scenario as written (also: no brackets)
//
// The whole check must be a comparison (or several joined by and/or).

/// One figure a check can read from a RunSummary.
struct ClaimField {
  std::string_view name;         // "makespan"
  std::string_view unit;         // "s", "ms", "MB", "/s", "" (a count), "%" (a 0..1 ratio shown as %)
  std::string_view description;  // for `poolviz check --help` and error messages
  double (*read)(const RunSummary&);
  /// True for figures of the whole process (CPU time, resident memory): only a
  /// run that had the process to itself (`poolviz check`) measures them.
  bool process_wide = false;
};

/// Every field, in the order help texts list them.
std::span<const ClaimField> claim_fields();

/// "3.31 s", "20.7 ms", "1.96 s" (milliseconds of 1 s or more read in seconds),
/// "43", "70 %": no scientific notation.
std::string format_claim_value(double value, std::string_view unit);

// [SECTION] LessonClaim -------------------------------------------------------

/// A run a claim reads: the scenario as written with `overrides` applied in order.
struct ClaimVariant {
  std::string label;                 // the [[compare]] label, "as written", or the overrides as text
  std::vector<std::string> overrides;  // "key=value"; the value "cores" means this machine's cores
  /// Identity for sharing one run between claims: the overrides joined by ','.
  std::string key() const;
};

struct ClaimExpr;  // the parsed check (opaque)

struct LessonClaim {
  std::string claim;  // the lesson in words
  std::string check;  // the expression as written
  /// Playback speed the check runs at (scenario time = real time × speed):
  /// io-bound lessons allow a faster run; 1 by default.
  double speed = 1;
  /// Re-run once before reporting a failure when the check reads timings that
  /// machine load can stretch (true unless `noise = false`).
  bool noise_sensitive = true;
  int line = 0, column = 0;            // of the check string in its file (0 = unknown)
  std::vector<ClaimVariant> variants;  // the distinct runs the check reads
  std::shared_ptr<const ClaimExpr> expr;
};

// [SECTION] Parsing -------------------------------------------------------------

/// A problem inside a check expression; `offset` is the 0-based byte offset
/// into the expression text where it starts.
class ClaimSyntaxError : public std::runtime_error {
 public:
  ClaimSyntaxError(std::size_t offset, std::string message)
      : std::runtime_error(std::move(message)), offset_(offset) {}
  std::size_t offset() const { return offset_; }

 private:
  std::size_t offset_;
};

/// Parses `check` and resolves every variant against `scenario` (its [[compare]]
/// labels; overrides are validated with apply_override()). Fills `out.expr` and
/// `out.variants`. Throws ClaimSyntaxError. `scenario.lessons` is not read.
void parse_claim_check(std::string_view check, const Scenario& scenario, LessonClaim& out);

/// The scenario a ClaimVariant runs: `base` (as written, without its lessons and
/// compare list) with the overrides applied; "cores" = `cores`.
Scenario claim_variant_scenario(const Scenario& base, const ClaimVariant& variant, int cores);

// [SECTION] Evaluation ----------------------------------------------------------

/// One figure the check read, for "32 workers: makespan 3.31 s".
struct ClaimTerm {
  std::string variant;  // label
  std::string field;
  std::string unit;
  double value = 0;
};

struct ClaimOutcome {
  bool evaluated = false;  // false: a run it needs is missing (see `missing`)
  bool held = false;
  std::vector<ClaimTerm> terms;  // in the order the check reads them, each once
  std::string missing;           // label of the first variant that was not run
  /// "CPU-bound, 32 workers: makespan 3.31 s; CPU-bound, workers = cores: makespan 3.26 s"
  std::string measured() const;
};

/// True when the check reads a process-wide figure (cpu, rss): runs side by
/// side in one process (the compare view) cannot tell those apart.
bool reads_process_wide_figures(const LessonClaim& claim);

/// The summary of the run of `variant`, or nullptr when it was not run.
using ClaimSummaryLookup = std::function<const RunSummary*(const ClaimVariant&)>;

/// Evaluates the check. `cores` is the value of `cores` in arithmetic.
ClaimOutcome evaluate_claim(const LessonClaim& claim, const ClaimSummaryLookup& lookup, int cores);

}  // namespace poolviz
