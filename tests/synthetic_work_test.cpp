// Synthetic work: cpu (spin) and io (wait) jobs that take a known amount of
// clock time, freeze while the scenario clock is paused, stop promptly when
// cancelled or past their deadline, and report progress.
#include <gtest/gtest.h>

#include <chrono>
#include <map>

#include "poolviz/clock.h"
#include "poolviz/event.h"
#include "poolviz/worker_pool.h"
#include "poolviz/synthetic.h"
#include "support/accounting.h"
#include "support/event_recorder.h"
#include "support/test_jobs.h"
#include "support/watchdog.h"

namespace poolviz {
namespace {

using test::EventRecorder;
using test::expect_accounting;
using test::has_event;
using test::make_job;
using test::Watchdog;
using namespace std::chrono_literals;

Job synthetic(WorkKind kind, Nanos service, Nanos timeout = 0, double fail_probability = 0) {
  return make_job(make_synthetic(SyntheticWork{
                      .kind = kind, .service = service, .fail_probability = fail_probability}),
                  timeout);
}

/// A pool observed through a bus, on a clock the test chooses.
struct ObservedPool {
  ObservedPool(Clock& clock, int workers) : pool(PoolConfig{.workers = workers}, env(clock)) {}
  ExecutorEnv env(Clock& clock) {
    bus.attach(&recorder);
    ExecutorEnv e;
    e.clock = &clock;
    e.bus = &bus;
    return e;
  }
  std::vector<float> progress_of(JobId id) const {
    std::vector<float> out;
    for (const Event& e : recorder.of_job(id.value)) {
      if (e.kind == EventKind::progress) out.push_back(e.progress.fraction);
    }
    return out;
  }
  void wait_started(int n) {
    recorder.drain_until(bus, [n](const std::vector<Event>& events) {
      int started = 0;
      for (const Event& e : events) started += e.kind == EventKind::started;
      return started >= n;
    });
  }

  EventBus bus;
  EventRecorder recorder;
  WorkerPool pool;
};

TEST(SyntheticWork, IoWorkProgressesOnlyAsTheClockMoves) {
  Watchdog watchdog(30s, "io work on a manual clock");
  ManualClock clock;
  ObservedPool observed(clock, 1);
  const JobId id = observed.pool.submit(synthetic(WorkKind::io, 100 * kMillisecond)).id;
  clock.wait_for_sleepers(1);
  clock.advance(50 * kMillisecond);
  observed.recorder.drain_until(observed.bus, [&](const std::vector<Event>& events) {
    for (const Event& e : events) {
      if (e.job == id.value && e.kind == EventKind::progress && e.progress.fraction >= 0.5F)
        return true;
    }
    return false;
  });
  EXPECT_EQ(observed.pool.stats().completed, 0U) << "half the service time has passed";
  clock.advance(50 * kMillisecond);
  observed.pool.wait_idle();
  EXPECT_EQ(observed.pool.stats().completed, 1U);

  observed.pool.shutdown(ShutdownMode::drain);
  observed.bus.drain(true);
  const std::vector<float> progress = observed.progress_of(id);
  ASSERT_FALSE(progress.empty());
  for (std::size_t i = 1; i < progress.size(); ++i) EXPECT_GE(progress[i], progress[i - 1]);
  EXPECT_FLOAT_EQ(progress.back(), 1.0F);
  EXPECT_LE(progress.size(), 21U) << "progress is reported in steps, not every wake";
}

TEST(SyntheticWork, CpuWorkOnAClockThatDoesNotFlowWaitsInsteadOfSpinning) {
  Watchdog watchdog(30s, "cpu work on a manual clock");
  ManualClock clock;
  ObservedPool observed(clock, 1);
  const JobId id = observed.pool.submit(synthetic(WorkKind::cpu, 100 * kMillisecond)).id;
  clock.wait_for_sleepers(1);  // parked on the clock: spinning would not make manual time pass
  clock.advance(100 * kMillisecond);
  observed.pool.wait_idle();
  EXPECT_EQ(observed.pool.stats().completed, 1U);
  observed.pool.shutdown(ShutdownMode::drain);
  observed.bus.drain(true);
  const std::vector<float> progress = observed.progress_of(id);
  ASSERT_FALSE(progress.empty());
  EXPECT_FLOAT_EQ(progress.back(), 1.0F);
}

TEST(SyntheticWork, CpuWorkOnAFlowingClockSpinsToItsBudget) {
  Watchdog watchdog(30s, "cpu work on a fast scenario clock");
  ScenarioClock clock(1e6);  // one second of scenario time is a microsecond of real time
  ObservedPool observed(clock, 1);
  observed.pool.submit(synthetic(WorkKind::cpu, 1 * kSecond));
  observed.pool.wait_idle();
  EXPECT_EQ(observed.pool.stats().completed, 1U);
}

TEST(SyntheticWork, APausedScenarioClockFreezesBothKindsOfWorkUntilResume) {
  Watchdog watchdog(30s, "paused scenario clock");
  ScenarioClock clock(1e6, /*start_paused=*/true);  // running, each job would take ~1 µs
  ObservedPool observed(clock, 2);
  const JobId io = observed.pool.submit(synthetic(WorkKind::io, 1 * kSecond)).id;
  const JobId cpu = observed.pool.submit(synthetic(WorkKind::cpu, 1 * kSecond)).id;
  observed.wait_started(2);
  const Nanos paused_at = clock.now();

  // Both jobs are running on a frozen clock: no time passes, so no work is done.
  EXPECT_EQ(clock.now(), paused_at);
  EXPECT_EQ(observed.pool.stats().completed, 0U);
  observed.bus.drain();
  EXPECT_FALSE(has_event(observed.recorder.events(), EventKind::progress));
  EXPECT_FALSE(has_event(observed.recorder.events(), EventKind::finished));

  clock.resume();
  observed.pool.wait_idle();
  const ExecutorStats s = observed.pool.stats();
  EXPECT_EQ(s.completed, 2U);
  expect_accounting(s);

  observed.pool.shutdown(ShutdownMode::drain);
  observed.bus.drain(true);
  for (JobId id : {io, cpu}) {
    Nanos started = -1, finished = -1;
    for (const Event& e : observed.recorder.of_job(id.value)) {
      if (e.kind == EventKind::started) started = e.t;
      if (e.kind == EventKind::finished) finished = e.t;
    }
    EXPECT_EQ(started, paused_at);
    EXPECT_GE(finished - started, 1 * kSecond) << "the full service time passed in scenario time";
  }
}

TEST(SyntheticWork, CancellingIoWorkIsPrompt) {
  Watchdog watchdog(30s, "cancel io work");
  for (bool manual : {true, false}) {
    SCOPED_TRACE(manual ? "manual clock" : "slow scenario clock");
    ManualClock manual_clock;
    ScenarioClock slow_clock(1e-6);  // an hour of scenario time is eons of real time
    Clock& clock = manual ? static_cast<Clock&>(manual_clock) : slow_clock;
    ObservedPool observed(clock, 1);
    observed.pool.submit(synthetic(WorkKind::io, 3600 * kSecond));
    observed.wait_started(1);
    observed.pool.shutdown(ShutdownMode::cancel);  // the stop token wakes the clock sleep
    const ExecutorStats s = observed.pool.stats();
    EXPECT_EQ(s.cancelled, 1U);
    expect_accounting(s);
  }
}

TEST(SyntheticWork, CancellingCpuWorkIsPrompt) {
  Watchdog watchdog(30s, "cancel cpu work");
  ScenarioClock slow_clock(1e-6);
  ObservedPool observed(slow_clock, 1);
  observed.pool.submit(synthetic(WorkKind::cpu, 3600 * kSecond));
  observed.wait_started(1);
  observed.pool.shutdown(ShutdownMode::cancel);  // checked between spin slices
  EXPECT_EQ(observed.pool.stats().cancelled, 1U);
  expect_accounting(observed.pool.stats());
}

TEST(SyntheticWork, WorkPastItsTimeoutEndsTimedOut) {
  Watchdog watchdog(30s, "synthetic timeouts");
  for (WorkKind kind : {WorkKind::io, WorkKind::cpu}) {
    SCOPED_TRACE(to_string(kind));
    ManualClock clock;
    ObservedPool observed(clock, 1);
    observed.pool.submit(synthetic(kind, 10 * kSecond, /*timeout=*/1 * kSecond));
    clock.wait_for_sleepers(1);
    clock.advance(1 * kSecond);
    observed.pool.wait_idle();
    const ExecutorStats s = observed.pool.stats();
    EXPECT_EQ(s.timed_out, 1U);
    expect_accounting(s);
  }
}

TEST(SyntheticWork, InjectedFailuresFailTheAttemptWithAKnownMessage) {
  Watchdog watchdog(30s, "injected failures");
  ManualClock clock;
  ObservedPool observed(clock, 2);
  Job job = synthetic(WorkKind::io, 0, 0, /*fail_probability=*/1.0);
  job.retry = RetryPolicy{.max_attempts = 3};
  observed.pool.submit(std::move(job));
  observed.pool.submit(synthetic(WorkKind::io, 0, 0, /*fail_probability=*/0.0));
  observed.pool.wait_idle();
  const ExecutorStats s = observed.pool.stats();
  EXPECT_EQ(s.failed, 1U);
  EXPECT_EQ(s.retried, 2U);
  EXPECT_EQ(s.completed, 1U);
  expect_accounting(s);
  const auto failures = observed.pool.recent_failures();
  ASSERT_FALSE(failures.empty());
  EXPECT_EQ(failures.back().message, "injected failure");
}

TEST(SyntheticWork, InjectedFailureIsAPureFunctionOfItsInputs) {
  EXPECT_FALSE(injected_failure(1, 1, 1, 0.0));
  EXPECT_TRUE(injected_failure(1, 1, 1, 1.0));
  int failures = 0;
  constexpr int kJobs = 10000;
  for (std::uint64_t job = 1; job <= kJobs; ++job) {
    const bool first = injected_failure(42, job, 1, 0.3);
    ASSERT_EQ(first, injected_failure(42, job, 1, 0.3)) << "same inputs, same answer";
    failures += first;
  }
  // Deterministic inputs, so this is a fixed number; the band only says the hash is fair.
  EXPECT_GT(failures, kJobs * 25 / 100);
  EXPECT_LT(failures, kJobs * 35 / 100);
  int differs = 0;
  for (std::uint64_t job = 1; job <= 100; ++job) {
    differs += injected_failure(42, job, 1, 0.5) != injected_failure(43, job, 1, 0.5);
  }
  EXPECT_GT(differs, 0) << "the seed matters";
}

TEST(SyntheticWork, KindsHaveNames) {
  EXPECT_EQ(to_string(WorkKind::cpu), "cpu");
  EXPECT_EQ(to_string(WorkKind::io), "io");
}

}  // namespace
}  // namespace poolviz
