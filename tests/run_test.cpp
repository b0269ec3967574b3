// Run: every built-in scenario runs headless on the real engine to the end with
// the accounting invariant; several runs coexist; the exports parse.
//
// Runs use the real ScenarioClock at high speed: the assertions are about
// accounting and shapes, never about how long anything took.
#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "poolviz/compat_thread.h"
#include "poolviz/export.h"
#include "poolviz/run.h"

namespace poolviz {
namespace {

constexpr double kSpeed = 200;

/// Polls until the run finishes; a run that takes more than `budget` of real
/// time fails the test instead of hanging it.
void run_to_end(Run& run, std::chrono::seconds budget = std::chrono::seconds(60)) {
  const auto give_up = std::chrono::steady_clock::now() + budget;
  run.start();
  while (!run.finished()) {
    run.poll();
    if (std::chrono::steady_clock::now() > give_up) {
      run.stop(ShutdownMode::cancel);
      FAIL() << run.scenario().id << " did not finish within " << budget.count() << " s";
    }
    // Paces the poll loop (as the CLI does); nothing is synchronised by it.
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  run.stop(ShutdownMode::drain);
}

/// Keeps each built-in scenario short enough for a sanitizer build.
Scenario shortened(Scenario s) {
  if (s.id == "unbounded-spawn") apply_override(s, "workload.count=300");
  if (s.id == "backpressure") apply_override(s, "workload.duration=8");
  if (s.id == "priority" || s.id == "priority-levels") apply_override(s, "workload.duration=2");
  if (s.id == "cpu-vs-io-sizing") apply_override(s, "workload.count=16");
  if (s.id == "pipeline") apply_override(s, "workload.duration=3");
  return s;
}

class BuiltinRun : public ::testing::TestWithParam<std::string> {};

TEST_P(BuiltinRun, RunsToTheEndWithTheAccountingInvariant) {
  poolviz::Run run(shortened(load_scenario(GetParam())), RunOptions{.speed = kSpeed});
  run_to_end(run);
  const RunSummary s = run.summary();
  EXPECT_EQ(s.scenario, GetParam());
  EXPECT_GT(s.jobs.submitted, 0u);
  EXPECT_TRUE(s.accounting_holds())
      << "submitted " << s.jobs.submitted << " completed " << s.jobs.completed << " failed "
      << s.jobs.failed << " rejected " << s.jobs.rejected << " cancelled " << s.jobs.cancelled
      << " timed_out " << s.jobs.timed_out;
  EXPECT_EQ(run.executor().stats().outstanding, 0);
  EXPECT_GE(s.wait_ms.p99_ms, s.wait_ms.p50_ms);
  EXPECT_GE(s.sojourn_ms.max_ms, s.sojourn_ms.p99_ms);
  EXPECT_GE(s.utilization, 0.0);
  EXPECT_LE(s.utilization, 1.0 + 1e-9);
  // Event-derived counts agree with the executor's when nothing was dropped.
  if (s.events_dropped == 0) {
    EXPECT_EQ(run.timeline().counts().submitted, s.jobs.submitted);
    EXPECT_EQ(run.timeline().counts().completed, s.jobs.completed);
  }
}

std::vector<std::string> builtin_ids() {
  std::vector<std::string> ids;
  for (const BuiltinScenarioText& t : builtin_scenario_texts()) ids.emplace_back(t.id);
  return ids;
}

INSTANTIATE_TEST_SUITE_P(Builtins, BuiltinRun, ::testing::ValuesIn(builtin_ids()),
                         [](const auto& info) {
                           std::string name = info.param;
                           for (char& c : name) {
                             if (c == '-') c = '_';
                           }
                           return name;
                         });

TEST(Run, CancellationScenarioCutsWhatIsLeftAtItsDeadline) {
  // 20 jobs of 600 ms on 3 workers cannot finish before the 2 s shutdown: at
  // most 3 waves (9 jobs) can, whatever the machine's speed; everything that
  // was submitted and did not complete was cancelled or refused.
  // Speed 20, not kSpeed: the shutdown timer is a thread like the workers, and
  // at 200x a sanitizer build on a loaded machine can wake it a wave too late.
  poolviz::Run run(load_scenario("cancellation"), RunOptions{.speed = 20});
  run_to_end(run);
  const RunSummary s = run.summary();
  EXPECT_LE(s.jobs.completed, 9u);
  EXPECT_GT(s.jobs.cancelled, 0u);
  EXPECT_EQ(s.jobs.completed + s.jobs.cancelled + s.jobs.rejected, s.jobs.submitted);
}

TEST(Run, ClosedLoopClientsResubmitUntilTheCount) {
  Scenario s = load_scenario("basic-pool");
  apply_override(s, "workload.arrival=closed_loop");
  apply_override(s, "workload.count=30");
  s.workload.clients = 4;
  s.workload.think_ms = 20;
  poolviz::Run run(s, RunOptions{.speed = kSpeed});
  run_to_end(run);
  EXPECT_EQ(run.summary().jobs.submitted, 30u);
  EXPECT_EQ(run.summary().jobs.completed, 30u);
}

TEST(Run, TwoRunsCoexistInOneProcess) {
  Scenario a = load_scenario("basic-pool");
  Scenario b = load_scenario("basic-pool");
  apply_override(b, "pool.workers=1");
  poolviz::Run first(a, RunOptions{.speed = kSpeed, .source = 0});
  poolviz::Run second(b, RunOptions{.speed = kSpeed, .source = 1});
  first.start();
  second.start();
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!(first.finished() && second.finished())) {
    first.poll();
    second.poll();
    ASSERT_LT(std::chrono::steady_clock::now(), give_up);
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  first.stop();
  second.stop();
  EXPECT_EQ(first.summary().jobs.completed, 10u);
  EXPECT_EQ(second.summary().jobs.completed, 10u);
  EXPECT_EQ(first.summary().workers_max, 3);
  EXPECT_EQ(second.summary().workers_max, 1);
}

TEST(Run, SeedOptionOverridesTheScenarioSeed) {
  poolviz::Run run(load_scenario("basic-pool"), RunOptions{.seed = 99});
  EXPECT_EQ(run.scenario().workload.seed, 99u);
}

TEST(Run, StartPausedHoldsArrivalsUntilResumed) {
  poolviz::Run run(load_scenario("basic-pool"), RunOptions{.speed = kSpeed, .start_paused = true});
  EXPECT_TRUE(run.clock().paused());
  run.start();
  EXPECT_FALSE(run.finished());
  run.clock().resume();
  run_to_end(run);  // start() again is a no-op
  EXPECT_EQ(run.summary().jobs.completed, 10u);
}

TEST(Run, LiveEditsReachTheExecutor) {
  poolviz::Run run(load_scenario("basic-pool"), RunOptions{.speed = kSpeed, .start_paused = true});
  run.start();
  EXPECT_TRUE(run.set_workers(5));
  EXPECT_FALSE(run.set_workers(0));
  EXPECT_FALSE(run.set_limiter_rate(3));  // basic-pool has no limiter
  run.set_arrival_rate(50);
  run.set_service_mean(20);
  run.clock().resume();
  run_to_end(run);
  EXPECT_TRUE(run.summary().accounting_holds());
}

TEST(Run, StopWhilePausedStillDrains) {
  poolviz::Run run(load_scenario("basic-pool"), RunOptions{.speed = kSpeed, .start_paused = true});
  run.start();
  run.stop(ShutdownMode::drain);
  EXPECT_TRUE(run.finished());
  EXPECT_TRUE(run.summary().accounting_holds());
}

TEST(Run, CancelNowCutsADrainShort) {
  // Jobs of ten minutes at 1x: the drain would outlast the test's timeout, so
  // finishing at all shows that cancel_now() (serve's second Ctrl-C) reached it.
  Scenario s = load_scenario("basic-pool");
  apply_override(s, "workload.service_mean_ms=600000");
  poolviz::Run run(s, RunOptions{.speed = 1});
  run.start();
  poolviz::jthread second_ctrl_c([&run] { run.cancel_now(); });
  run.stop(ShutdownMode::drain);
  const RunSummary summary = run.summary();
  EXPECT_EQ(summary.jobs.completed, 0u);
  EXPECT_TRUE(summary.accounting_holds());
}

TEST(Run, DestroyingARunningRunCancelsCleanly) {
  Scenario s = load_scenario("backpressure");
  { poolviz::Run run(s, RunOptions{.speed = kSpeed}); run.start(); run.poll(); }
  SUCCEED();
}

// [SECTION] Exports --------------------------------------------------------------

std::vector<std::string> split(const std::string& line, char sep) {
  std::vector<std::string> out;
  std::string field;
  std::istringstream in(line);
  while (std::getline(in, field, sep)) out.push_back(field);
  if (!line.empty() && line.back() == sep) out.emplace_back();
  return out;
}

TEST(Exports, CsvHasTheHeaderAndOneRowPerSample) {
  Scenario s = load_scenario("rate-limit-token-bucket");
  poolviz::Run run(s, RunOptions{.speed = kSpeed, .keep_all_samples = true});
  run_to_end(run);
  std::ostringstream out;
  write_csv(out, run.timeline().all_samples());
  std::istringstream in(out.str());
  std::string line;
  ASSERT_TRUE(std::getline(in, line));
  EXPECT_EQ(line, csv_header());
  const std::size_t columns = split(line, ',').size();
  EXPECT_EQ(columns, 14u);
  std::size_t rows = 0;
  double last_t = -1;
  while (std::getline(in, line)) {
    const auto fields = split(line, ',');
    ASSERT_EQ(fields.size(), columns) << line;
    const double t = std::stod(fields[0]);
    EXPECT_GT(t, last_t);
    last_t = t;
    EXPECT_FALSE(fields[13].empty()) << "a token bucket reports its tokens";
    ++rows;
  }
  EXPECT_EQ(rows, run.timeline().all_samples().size());
  EXPECT_GT(rows, 0u);
}

TEST(Exports, ChromeTraceParsesWithASlicePerJobAndFlowPairs) {
  poolviz::Run run(load_scenario("basic-pool"), RunOptions{.speed = kSpeed, .keep_all_samples = true});
  TraceRecorder trace;
  run.attach(&trace);
  run_to_end(run);
  run.detach(&trace);
  std::ostringstream out;
  write_chrome_trace(out, trace.events(), run.timeline().all_samples(), "basic-pool");
  const nlohmann::json doc = nlohmann::json::parse(out.str());
  ASSERT_TRUE(doc.contains("traceEvents"));
  int job_slices = 0, flow_starts = 0, flow_ends = 0, counters = 0;
  for (const auto& e : doc["traceEvents"]) {
    const std::string ph = e["ph"];
    if (ph == "X" && e.value("cat", "") == "job") {
      ++job_slices;
      EXPECT_GE(e["tid"].get<int>(), 1) << "job slices sit on worker tracks";
      EXPECT_GE(e["dur"].get<double>(), 0.0);
    }
    if (ph == "s" && e.value("cat", "") == "flow") ++flow_starts;
    if (ph == "f" && e.value("cat", "") == "flow") ++flow_ends;
    if (ph == "C") ++counters;
  }
  EXPECT_EQ(job_slices, 10);
  EXPECT_EQ(flow_starts, 10);
  EXPECT_EQ(flow_ends, 10);
  EXPECT_GT(counters, 0);
}

TEST(Exports, SummaryJsonHasExactlyTheDocumentedKeys) {
  poolviz::Run run(load_scenario("basic-pool"), RunOptions{.speed = kSpeed});
  run_to_end(run);
  const nlohmann::ordered_json j = nlohmann::ordered_json::parse(summary_to_json(run.summary()));
  std::vector<std::string> keys;
  for (const auto& [key, value] : j.items()) keys.push_back(key);
  const std::vector<std::string> expected = {
      "scenario",   "strategy",    "duration_s", "jobs",    "throughput_per_s",
      "wait_ms",    "service_ms",  "sojourn_ms", "wait_by_priority", "queue_depth", "threads",
      "workers",    "utilization", "steals",     "peak_rss_mb", "run_rss_mb", "cpu_s", "cpu",
      "job_memory_peak_mb", "events"};
  EXPECT_EQ(keys, expected);
  for (const char* k : {"submitted", "completed", "failed", "rejected", "cancelled", "timed_out", "retried"}) {
    EXPECT_TRUE(j["jobs"].contains(k)) << k;
  }
  for (const char* k : {"mean", "p50", "p95", "p99", "max"}) EXPECT_TRUE(j["sojourn_ms"].contains(k)) << k;
  EXPECT_EQ(j["jobs"]["completed"], 10);
}

}  // namespace
}  // namespace poolviz
