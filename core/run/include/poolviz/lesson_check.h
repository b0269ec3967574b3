// poolviz/lesson_check.h — `poolviz check`: run a scenario's claims headless.
//
// [SECTION] MachineLoad   — what else the machine was doing (load, steal time)
// [SECTION] Checking      — run each variant a claim reads, evaluate, re-run once
//
// Each distinct variant (at each speed) runs once, alone, on the real engine;
// claims that read the same variant share its run. A claim that reads timings
// (noise = true, the default) and did not hold is re-run once with fresh runs
// before it is reported, and the report then carries the machine's load and
// steal time.
//
// Threading: one controlling thread; each Run joins its threads before the next.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "poolviz/lesson.h"
#include "poolviz/run.h"
#include "poolviz/scenario.h"

namespace poolviz {

// [SECTION] MachineLoad ---------------------------------------------------------

/// A snapshot of /proc/loadavg and /proc/stat (zeros where unreadable).
struct MachineSnapshot {
  double load1 = 0;                  // 1-minute load average
  unsigned long long total = 0;      // jiffies, all CPU states
  unsigned long long steal = 0;      // jiffies stolen by the hypervisor
  int cores = 1;
};
MachineSnapshot machine_snapshot();
/// "load 3.9 on 2 cores, steal 4 % since the check began"
std::string machine_load_text(const MachineSnapshot& since, const MachineSnapshot& now);

// [SECTION] Checking ------------------------------------------------------------

struct ClaimCheck {
  LessonClaim claim;
  ClaimOutcome outcome;
  bool rerun = false;    // the first evaluation failed and the claim was run again
  std::string machine;   // machine load beside a failure (empty when it held)
};

struct ScenarioCheck {
  std::string id;
  std::string source;
  std::vector<ClaimCheck> claims;
  std::string error;          // a run could not be built (empty = none)
  double real_seconds = 0;    // wall time the check took
  bool held() const;
};

struct CheckOptions {
  /// Called before each run with a short description ("cpu-vs-io-sizing: 32 workers").
  std::function<void(const std::string&)> progress;
  bool rerun_on_failure = true;
  /// A run that takes longer than this (real seconds) is cut and its claims fail.
  double run_budget_s = 120;
};

/// Runs the variants `scenario.lessons` read and evaluates every claim.
ScenarioCheck check_scenario(const Scenario& scenario, const CheckOptions& options = {});

/// Runs one variant headless at `speed` to its end and returns its summary.
RunSummary run_claim_variant(const Scenario& base, const ClaimVariant& variant, double speed, double budget_s);

}  // namespace poolviz
