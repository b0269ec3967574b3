// Per-job timeouts, retry with backoff, and error reporting: the mechanics
// live in ExecutorCore; these deterministic runs (ManualClock) check that the
// counts of timed_out / retried / failed match the configuration exactly and
// that a retried job keeps its id.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <stdexcept>
#include <thread>
#include <vector>

#include "poolviz/worker_pool.h"
#include "poolviz/pool_spec.h"
#include "poolviz/synthetic.h"
#include "poolviz/work_stealing.h"
#include "support/accounting.h"
#include "support/event_recorder.h"
#include "support/test_jobs.h"
#include "support/watchdog.h"

namespace poolviz {
namespace {

using test::make_job;
using test::Watchdog;

using test::env_of;

PoolConfig workers(int n) {
  PoolConfig config;
  config.workers = n;
  return config;
}

Job synthetic_job(WorkKind kind, Nanos service, Nanos timeout = 0, double fail = 0,
                  std::uint64_t seed = 0) {
  SyntheticWork work;
  work.kind = kind;
  work.service = service;
  work.fail_probability = fail;
  work.seed = seed;
  return make_job(make_synthetic(work), timeout);
}

/// Moves a manual clock on in `step`s until `executor` has nothing outstanding.
/// Not a sleep: every step is work the engine must react to; the loop ends as
/// soon as the run does (a Watchdog guards against a run that never ends).
void advance_until_idle(ManualClock& clock, Executor& executor, Nanos step) {
  while (executor.stats().outstanding > 0) {
    clock.advance(step);
    std::this_thread::yield();
  }
}

// [SECTION] Timeouts ------------------------------------------------------------

// Tutorial 000: a 5 s budget, 3 workers, 2 jobs. With 2 s of work it never fires.
TEST(Timeouts, JobWithinItsBudgetCompletes) {
  Watchdog watchdog(std::chrono::seconds(60), "timeout never fires");
  ManualClock clock;
  WorkerPool pool(workers(3), env_of(clock));
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(pool.submit(synthetic_job(WorkKind::io, 2 * kSecond, 5 * kSecond)));
  }
  clock.wait_for_sleepers(2);
  clock.advance(2 * kSecond);
  pool.wait_idle();
  const ExecutorStats s = pool.stats();
  EXPECT_EQ(s.completed, 2U);
  EXPECT_EQ(s.timed_out, 0U);
}

// ... and with 6 s of work every job ends timed_out at exactly 5 s.
TEST(Timeouts, JobPastItsBudgetEndsTimedOutAtTheDeadline) {
  Watchdog watchdog(std::chrono::seconds(60), "timeout fires");
  ManualClock clock;
  EventBus bus;
  test::EventRecorder recorder;
  bus.attach(&recorder);
  WorkerPool pool(workers(3), env_of(clock, &bus));
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(pool.submit(synthetic_job(WorkKind::io, 6 * kSecond, 5 * kSecond)));
  }
  clock.wait_for_sleepers(2);
  clock.advance(5 * kSecond);
  pool.wait_idle();
  const ExecutorStats s = pool.stats();
  EXPECT_EQ(s.timed_out, 2U);
  EXPECT_EQ(s.completed, 0U);
  pool.shutdown(ShutdownMode::drain);
  bus.drain(true);
  int finished = 0;
  for (const Event& e : recorder.events()) {
    if (e.kind != EventKind::finished) continue;
    ++finished;
    EXPECT_EQ(e.finished.outcome, Outcome::timed_out);
    EXPECT_EQ(e.t, 5 * kSecond);
  }
  EXPECT_EQ(finished, 2);
  test::expect_accounting(pool.stats());
}

// A job that never looks at its deadline cannot be cut short (cooperative),
// but coming back late still counts as timed_out.
TEST(Timeouts, JobThatIgnoresItsDeadlineStillEndsTimedOut) {
  Watchdog watchdog(std::chrono::seconds(60), "late job");
  ManualClock clock;
  WorkerPool pool(workers(1), env_of(clock));
  test::JobGate gate;
  ASSERT_TRUE(pool.submit(make_job([&](JobContext&) { gate.pass(); }, kSecond)));
  gate.wait_for_arrivals(1);
  clock.advance(2 * kSecond);
  gate.open();
  pool.wait_idle();
  EXPECT_EQ(pool.stats().timed_out, 1U);
}

TEST(Timeouts, CpuBoundSyntheticWorkStopsAtItsDeadline) {
  Watchdog watchdog(std::chrono::seconds(60), "cpu timeout");
  ManualClock clock;
  WorkerPool pool(workers(2), env_of(clock));
  ASSERT_TRUE(pool.submit(synthetic_job(WorkKind::cpu, 10 * kSecond, kSecond)));
  advance_until_idle(clock, pool, 100 * kMillisecond);
  EXPECT_EQ(pool.stats().timed_out, 1U);
}

// [SECTION] Retries -------------------------------------------------------------

// Always fails; 3 attempts, backoff 1 s then 2 s (tutorial 000's pauses).
TEST(Retries, FailingJobIsRetriedUpToMaxAttemptsAndKeepsItsId) {
  Watchdog watchdog(std::chrono::seconds(60), "retries");
  ManualClock clock;
  EventBus bus;
  test::EventRecorder recorder;
  bus.attach(&recorder);
  WorkerPool pool(workers(2), env_of(clock, &bus));
  test::Tally attempts;
  Job job = make_job([&](JobContext&) {
    attempts.add();
    throw std::runtime_error("flaky");
  });
  job.retry.max_attempts = 3;
  job.retry.base_backoff = kSecond;
  job.retry.factor = 2;
  const SubmitResult submitted = pool.submit(std::move(job));
  ASSERT_TRUE(submitted);

  attempts.wait_for(1);
  clock.wait_for_sleepers(1);  // the retry timer waits out the first backoff
  clock.advance(kSecond);
  attempts.wait_for(2);
  clock.wait_for_sleepers(1);
  clock.advance(2 * kSecond);
  pool.wait_idle();
  EXPECT_EQ(attempts.value(), 3);
  const ExecutorStats s = pool.stats();
  EXPECT_EQ(s.retried, 2U);
  EXPECT_EQ(s.failed, 1U);
  EXPECT_EQ(s.submitted, 1U);
  pool.shutdown(ShutdownMode::drain);
  bus.drain(true);

  std::vector<std::int64_t> started_attempts;
  std::vector<std::int32_t> backoffs_ms;
  std::vector<Nanos> start_times;
  for (const Event& e : recorder.events()) {
    if (e.job == 0) continue;
    EXPECT_EQ(e.job, submitted.id.value) << "a retry must keep its job id";
    if (e.kind == EventKind::started) {
      started_attempts.push_back(e.started.attempt);
      start_times.push_back(e.t);
    }
    if (e.kind == EventKind::retried) backoffs_ms.push_back(e.retried.backoff_ms);
  }
  EXPECT_EQ(started_attempts, (std::vector<std::int64_t>{1, 2, 3}));
  EXPECT_EQ(backoffs_ms, (std::vector<std::int32_t>{1000, 2000}));
  EXPECT_EQ(start_times, (std::vector<Nanos>{0, kSecond, 3 * kSecond}));
  ASSERT_FALSE(pool.recent_failures().empty());
  EXPECT_EQ(pool.recent_failures().back().message, "flaky");
  EXPECT_EQ(pool.recent_failures().back().job, submitted.id);
}

TEST(Retries, BackoffGrowsByTheFactorUpToTheCap) {
  Watchdog watchdog(std::chrono::seconds(60), "backoff cap");
  ManualClock clock;
  EventBus bus;
  test::EventRecorder recorder;
  bus.attach(&recorder);
  WorkerPool pool(workers(1), env_of(clock, &bus));
  Job job = make_job([](JobContext&) { throw std::runtime_error("down"); });
  job.retry.max_attempts = 5;
  job.retry.base_backoff = 100 * kMillisecond;
  job.retry.factor = 3;
  job.retry.max_backoff = kSecond;
  ASSERT_TRUE(pool.submit(std::move(job)));
  advance_until_idle(clock, pool, 50 * kMillisecond);
  pool.shutdown(ShutdownMode::drain);
  bus.drain(true);
  std::vector<std::int32_t> backoffs_ms;
  for (const Event& e : recorder.events()) {
    if (e.kind == EventKind::retried) backoffs_ms.push_back(e.retried.backoff_ms);
  }
  EXPECT_EQ(backoffs_ms, (std::vector<std::int32_t>{100, 300, 900, 1000}));
  EXPECT_EQ(pool.stats().retried, 4U);
  EXPECT_EQ(pool.stats().failed, 1U);
}

TEST(Retries, JitterStaysWithinItsBandAndRepeatsPerJob) {
  Watchdog watchdog(std::chrono::seconds(60), "jitter");
  auto run = [](std::vector<std::int32_t>& backoffs) {
    ManualClock clock;
    EventBus bus;
    test::EventRecorder recorder;
    bus.attach(&recorder);
    WorkerPool pool(workers(1), env_of(clock, &bus));
    for (int i = 0; i < 20; ++i) {
      Job job = make_job([](JobContext&) { throw std::runtime_error("down"); });
      job.retry.max_attempts = 2;
      job.retry.base_backoff = kSecond;
      job.retry.jitter = 0.5;
      ASSERT_TRUE(pool.submit(std::move(job)));
    }
    advance_until_idle(clock, pool, 100 * kMillisecond);
    pool.shutdown(ShutdownMode::drain);
    bus.drain(true);
    for (const Event& e : recorder.events()) {
      if (e.kind == EventKind::retried) backoffs.push_back(e.retried.backoff_ms);
    }
  };
  std::vector<std::int32_t> first, second;
  run(first);
  run(second);
  ASSERT_EQ(first.size(), 20U);
  for (std::int32_t ms : first) {
    EXPECT_GE(ms, 500);
    EXPECT_LE(ms, 1500);
  }
  std::sort(first.begin(), first.end());
  std::sort(second.begin(), second.end());
  EXPECT_EQ(first, second) << "jitter is decided by (job id, attempt): runs repeat";
  EXPECT_NE(first.front(), first.back()) << "jitter that never varies is no jitter";
}

// Tutorial 000: up to 3 tries, each failing with probability 1/2. Which tries
// fail is decided by (seed, job id, attempt), so the exact counts are known.
TEST(Retries, CountsMatchTheInjectedFailuresExactly) {
  Watchdog watchdog(std::chrono::seconds(60), "retry counts");
  constexpr std::uint64_t kSeed = 2024;
  constexpr int kJobs = 40;
  ManualClock clock;
  WorkerPool pool(workers(3), env_of(clock));
  std::vector<JobId> ids;
  for (int i = 0; i < kJobs; ++i) {
    Job job = synthetic_job(WorkKind::io, 100 * kMillisecond, 0, 0.5, kSeed);
    job.retry.max_attempts = 3;
    job.retry.base_backoff = kSecond;
    const SubmitResult r = pool.submit(std::move(job));
    ASSERT_TRUE(r);
    ids.push_back(r.id);
  }
  advance_until_idle(clock, pool, 50 * kMillisecond);

  std::uint64_t expected_retried = 0, expected_failed = 0;
  for (JobId id : ids) {
    int attempt = 1;
    while (injected_failure(kSeed, id.value, attempt, 0.5) && attempt < 3) ++attempt;
    expected_retried += static_cast<std::uint64_t>(attempt - 1);
    if (injected_failure(kSeed, id.value, attempt, 0.5)) ++expected_failed;
  }
  const ExecutorStats s = pool.stats();
  EXPECT_EQ(s.retried, expected_retried);
  EXPECT_EQ(s.failed, expected_failed);
  EXPECT_EQ(s.completed, kJobs - expected_failed);
  EXPECT_GT(expected_retried, 0U);  // the seed does exercise retries
  pool.shutdown(ShutdownMode::drain);
  test::expect_accounting(pool.stats());
}

TEST(Retries, TimedOutAttemptsAreRetriedOnlyWhenThePolicySaysSo) {
  Watchdog watchdog(std::chrono::seconds(60), "retry timeouts");
  for (bool retry_timeouts : {true, false}) {
    ManualClock clock;
    WorkerPool pool(workers(2), env_of(clock));
    Job job = synthetic_job(WorkKind::io, 10 * kSecond, kSecond);
    job.retry.max_attempts = 3;
    job.retry.base_backoff = kSecond;
    job.retry.retry_timeouts = retry_timeouts;
    ASSERT_TRUE(pool.submit(std::move(job)));
    advance_until_idle(clock, pool, 100 * kMillisecond);
    const ExecutorStats s = pool.stats();
    EXPECT_EQ(s.timed_out, 1U);
    EXPECT_EQ(s.retried, retry_timeouts ? 2U : 0U);
  }
}

// The same mechanics on the work-stealing executor (its own requeue path).
TEST(Retries, WorkStealingRetriesKeepTheirIdAndCountExactly) {
  Watchdog watchdog(std::chrono::seconds(60), "work stealing retries");
  ManualClock clock;
  WorkStealingConfig config;
  config.workers = 3;
  WorkStealingExecutor pool(config, env_of(clock));
  std::map<std::uint64_t, int> attempts_by_job;
  std::mutex mutex;
  for (int i = 0; i < 10; ++i) {
    Job job = make_job([&](JobContext& ctx) {
      {
        std::lock_guard lock(mutex);
        ++attempts_by_job[ctx.id().value];
      }
      if (ctx.attempt() < 4) throw std::runtime_error("not yet");
    });
    job.retry.max_attempts = 4;
    job.retry.base_backoff = 200 * kMillisecond;
    ASSERT_TRUE(pool.submit(std::move(job)));
  }
  advance_until_idle(clock, pool, 100 * kMillisecond);
  const ExecutorStats s = pool.stats();
  EXPECT_EQ(s.retried, 30U);
  EXPECT_EQ(s.completed, 10U);
  EXPECT_EQ(s.failed, 0U);
  std::lock_guard lock(mutex);
  EXPECT_EQ(attempts_by_job.size(), 10U);
  for (const auto& [id, attempts] : attempts_by_job) EXPECT_EQ(attempts, 4) << "job " << id;
}

// [SECTION] Error reporting -----------------------------------------------------

TEST(Errors, FailuresCarryTheirMessageAndForeignThrowsAreRecovered) {
  Watchdog watchdog(std::chrono::seconds(60), "errors");
  ManualClock clock;
  WorkerPool pool(workers(1), env_of(clock));
  const SubmitResult a =
      pool.submit(make_job([](JobContext&) { throw std::runtime_error("disk full"); }));
  const SubmitResult b = pool.submit(make_job([](JobContext&) { throw 7; }));
  const SubmitResult c = pool.submit(make_job([](JobContext&) {}));  // the worker survived
  pool.shutdown(ShutdownMode::drain);
  const ExecutorStats s = pool.stats();
  EXPECT_EQ(s.failed, 2U);
  EXPECT_EQ(s.completed, 1U);
  const std::vector<Executor::Failure> failures = pool.recent_failures();
  ASSERT_EQ(failures.size(), 2U);
  EXPECT_EQ(failures[0].job, a.id);
  EXPECT_EQ(failures[0].message, "disk full");
  EXPECT_EQ(failures[1].job, b.id);
  EXPECT_EQ(failures[1].message, "unknown exception");
  EXPECT_TRUE(c);
}

TEST(Errors, RecentFailuresAreBounded) {
  ManualClock clock;
  WorkerPool pool(workers(2), env_of(clock));
  for (int i = 0; i < 200; ++i) {
    ASSERT_TRUE(pool.submit(make_job([](JobContext&) { throw std::runtime_error("x"); })));
  }
  pool.shutdown(ShutdownMode::drain);
  EXPECT_EQ(pool.stats().failed, 200U);
  EXPECT_LE(pool.recent_failures().size(), 64U);
  EXPECT_FALSE(pool.recent_failures().empty());
}

}  // namespace
}  // namespace poolviz
