#include "poolviz/lesson_check.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

namespace poolviz {

// [SECTION] MachineLoad ---------------------------------------------------------

MachineSnapshot machine_snapshot() {
  MachineSnapshot m;
  m.cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (std::ifstream loadavg("/proc/loadavg"); loadavg) loadavg >> m.load1;
  if (std::ifstream stat("/proc/stat"); stat) {
    std::string line;
    std::getline(stat, line);
    std::istringstream fields(line);
    std::string cpu;
    fields >> cpu;
    unsigned long long value = 0;
    for (int i = 0; fields >> value; ++i) {
      m.total += value;
      if (i == 7) m.steal = value;  // user nice system idle iowait irq softirq steal ...
      if (i == 7) break;
    }
  }
  return m;
}

std::string machine_load_text(const MachineSnapshot& since, const MachineSnapshot& now) {
  char text[160];
  const double total = static_cast<double>(now.total - since.total);
  const double steal = total > 0 ? 100.0 * static_cast<double>(now.steal - since.steal) / total : 0;
  std::snprintf(text, sizeof text, "machine load %.1f on %d cores, steal time %.0f %% during the check", now.load1,
                now.cores, steal);
  return text;
}

// [SECTION] Checking ------------------------------------------------------------

bool ScenarioCheck::held() const {
  return error.empty() && std::all_of(claims.begin(), claims.end(), [](const ClaimCheck& c) {
           return c.outcome.evaluated && c.outcome.held;
         });
}

RunSummary run_claim_variant(const Scenario& base, const ClaimVariant& variant, double speed, double budget_s) {
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  RunOptions options;
  options.speed = speed;
  Run run(claim_variant_scenario(base, variant, cores), options);
  const auto started = std::chrono::steady_clock::now();
  run.start();
  bool cut = false;
  while (!run.finished()) {
    run.poll();
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    if (std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count() > budget_s) {
      cut = true;
      break;
    }
  }
  run.poll();
  run.stop(cut ? ShutdownMode::cancel : ShutdownMode::drain);
  return run.summary();
}

namespace {

/// Runs (at most once per variant and speed) and evaluates `claim`.
class VariantRuns {
 public:
  VariantRuns(const Scenario& scenario, const CheckOptions& options) : scenario_(scenario), options_(options) {}

  ClaimOutcome evaluate(const LessonClaim& claim, bool fresh) {
    if (fresh) {
      for (const ClaimVariant& v : claim.variants) runs_.erase(key(v, claim.speed));
    }
    for (const ClaimVariant& v : claim.variants) {
      const std::string k = key(v, claim.speed);
      if (runs_.contains(k)) continue;
      if (options_.progress) {
        options_.progress(scenario_.id + ": " + v.label + (claim.speed != 1 ? " at " + speed_text(claim.speed) : ""));
      }
      runs_[k] = run_claim_variant(scenario_, v, claim.speed, options_.run_budget_s);
    }
    const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    return evaluate_claim(
        claim,
        [&](const ClaimVariant& v) -> const RunSummary* {
          const auto it = runs_.find(key(v, claim.speed));
          return it == runs_.end() ? nullptr : &it->second;
        },
        cores);
  }

 private:
  static std::string speed_text(double speed) {
    char text[32];
    std::snprintf(text, sizeof text, "%g×", speed);
    return text;
  }
  static std::string key(const ClaimVariant& v, double speed) { return v.key() + "@" + std::to_string(speed); }

  const Scenario& scenario_;
  const CheckOptions& options_;
  std::map<std::string, RunSummary> runs_;
};

}  // namespace

ScenarioCheck check_scenario(const Scenario& scenario, const CheckOptions& options) {
  ScenarioCheck report;
  report.id = scenario.id;
  report.source = scenario.source_name;
  const auto started = std::chrono::steady_clock::now();
  const MachineSnapshot before = machine_snapshot();
  VariantRuns runs(scenario, options);
  try {
    for (const LessonClaim& claim : scenario.lessons) {
      ClaimCheck check{claim, runs.evaluate(claim, false), false, ""};
      if (!check.outcome.held && claim.noise_sensitive && options.rerun_on_failure) {
        check.rerun = true;
        check.outcome = runs.evaluate(claim, true);
      }
      if (!check.outcome.held) check.machine = machine_load_text(before, machine_snapshot());
      report.claims.push_back(std::move(check));
    }
  } catch (const std::exception& e) {
    report.error = e.what();
  }
  report.real_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return report;
}

}  // namespace poolviz
