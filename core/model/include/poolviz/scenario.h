// poolviz/scenario.h — a scenario: the unit users think in (one pattern, one
// lesson), read from TOML and also embedded in the binary.
//
// [SECTION] Scenario        — plain data: text for the student, pool, limiter,
//                             workload, view hints, compare variants
// [SECTION] ScenarioError   — `file:line:col: key: message`
// [SECTION] Parsing and overrides
// [SECTION] The built-in library
//
// Contract: parse_scenario() validates everything once, at the edge; a
// Scenario that came out of it (or out of apply_override()) is runnable.
// Unknown keys are errors with a "did you mean" when a known key is close.
// All functions are thread-safe (no globals; the built-in library is immutable).
#pragma once

#include <cstddef>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "poolviz/lesson.h"
#include "poolviz/pool_spec.h"
#include "poolviz/workload.h"

namespace poolviz {

// [SECTION] Scenario ------------------------------------------------------------

/// [view]: hints for the GUI; nothing in the engine reads them.
struct ViewHints {
  /// Plots to show first, by name: queue_depth, throughput, wait, sojourn,
  /// workers, threads, tokens, utilization, in_service. Empty = the GUI's default.
  std::vector<std::string> plots;
  /// What a lane is: "workers" (default), "threads" (thread per task), "stages".
  std::string lanes = "workers";
  /// Words on the completed and rejected bins instead of "completed" and
  /// "rejected" (an HTTP front end: "202 accepted", "503 queue full"). Empty = default.
  std::string completed_label;
  std::string rejected_label;
  /// Playback speed the window opens at (0.1 to 20), for runs that are over in
  /// a blink at 1×; 0 = 1×. `--speed` on the command line wins.
  double speed = 0;
};

/// One `--set`-style override: `key` as in apply_override(), `value` as text.
struct Override {
  std::string key;
  std::string value;
  friend bool operator==(const Override&, const Override&) = default;
};

/// [[compare]]: one variant of the side-by-side view = the base scenario with
/// these overrides applied in order.
struct CompareVariant {
  std::string label;
  std::vector<Override> overrides;
};

/// [[stage]] (pipeline scenarios only): stages joined by bounded queues. When
/// `stages` is non-empty, Run builds a pipeline; `pool`'s strategy is unused and
/// the workload's service time is scaled per stage by `service_factor`.
struct StageSpec {
  std::string name;
  int workers = 1;
  std::size_t queue_capacity = 0;  // bounded queue in front of the stage; 0 = unbounded
  double service_factor = 1;       // × workload service time
};

/// [shutdown]: shut the pool down at a scenario time (the cancellation lesson).
/// Intake stops then; `drain` still runs what was accepted, `cancel` cuts
/// running jobs (cooperatively) and never starts the queued ones.
struct ShutdownSpec {
  double at_s = 0;  // 0 = no scheduled shutdown
  ShutdownMode mode = ShutdownMode::drain;
};

struct Scenario {
  // [scenario]
  std::string id;                  // lower-case-with-dashes, unique in a library
  std::string title;
  std::string summary;             // two sentences
  std::vector<std::string> watch;  // predict-then-watch bullets for a student
  int order = 0;                   // place in the built-in library's teaching order (0 = last)
  // [pool], [limiter], [workload], [shutdown], [view], [[compare]], [[stage]]
  PoolSpec pool;
  LimiterSpec limiter;
  WorkloadSpec workload;
  ShutdownSpec shutdown;
  ViewHints view;
  std::vector<CompareVariant> compare;
  std::vector<StageSpec> stages;
  // [[lesson]]: the lesson as checkable claims (poolviz/lesson.h); checked by
  // `poolviz check` and shown when a run ends.
  std::vector<LessonClaim> lessons;
  // Where it came from: a file name ("basic.toml") or "builtin:<id>".
  std::string source_name;
};

// [SECTION] ScenarioError -------------------------------------------------------

/// what() is `source:line:col: key: message`, e.g.
///   basic.toml:7:11: pool.overflow: "drop" is not one of block, reject, drop_oldest, caller_runs
/// line/col are 1-based, 0 when unknown (then what() omits them: `source: key: message`).
class ScenarioError : public std::runtime_error {
 public:
  ScenarioError(std::string source, int line, int column, std::string key, std::string message);

  const std::string& source() const { return source_; }
  int line() const { return line_; }
  int column() const { return column_; }
  const std::string& key() const { return key_; }
  const std::string& message() const { return message_; }

 private:
  std::string source_;
  int line_;
  int column_;
  std::string key_;
  std::string message_;
};

// [SECTION] Parsing and overrides -----------------------------------------------

/// Parses and validates one scenario. Throws ScenarioError (TOML syntax errors
/// included, with key "toml"). `source_name` only labels messages.
Scenario parse_scenario(std::string_view toml_text, std::string_view source_name);

/// The keys --set accepts, in the order help texts list them.
std::span<const std::string_view> override_keys();

/// Applies one `--set key=value`, then re-validates. Throws ScenarioError with
/// source "--set", line/col 0, and a message naming what is allowed (the enum
/// names, or the range) or, for an unknown key, the known keys and a "did you mean".
void apply_override(Scenario& scenario, std::string_view key, std::string_view value);
/// Splits "key=value" and applies it; throws ScenarioError when there is no '='.
void apply_override(Scenario& scenario, std::string_view assignment);

/// A copy of `base` with one compare variant's overrides applied (label kept in title).
Scenario apply_variant(const Scenario& base, const CompareVariant& variant);

/// `path_or_id`: a built-in id ("basic-pool"), or a path to a .toml file.
/// A path that exists wins over an id. Throws ScenarioError: unknown id (with
/// the list and a "did you mean"), unreadable file, or any parse error.
Scenario load_scenario(std::string_view path_or_id);

// [SECTION] The built-in library ------------------------------------------------

struct BuiltinScenarioText {
  std::string_view id;         // file stem: scenarios/<id>.toml
  std::string_view toml_text;  // embedded at build time
};

/// The TOML texts embedded from scenarios/*.toml, ordered as a teacher would
/// present them (basic-pool first).
std::span<const BuiltinScenarioText> builtin_scenario_texts();

/// Every built-in scenario, parsed (parsed once per call; cheap enough for a menu).
std::vector<Scenario> builtin_scenarios();

/// The scenario `poolviz` opens with no arguments.
inline constexpr std::string_view kDefaultScenarioId = "basic-pool";

/// Levenshtein-closest of `candidates` to `word` when close enough to suggest, else "".
std::string did_you_mean(std::string_view word, std::span<const std::string_view> candidates);

}  // namespace poolviz
