// Run-wide cancellation (ExecutorEnv::cancel, the tutorials' context cancel):
// running jobs are cut short cooperatively, queued ones never start, pending
// retries and jobs held at a limiter gate end cancelled, later submissions are
// refused, and the run returns without waiting for the clock.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include "poolviz/compat_thread.h"
#include <thread>
#include <vector>

#include "poolviz/worker_pool.h"
#include "poolviz/pool_spec.h"
#include "poolviz/synthetic.h"
#include "poolviz/ticker_limiter.h"
#include "support/accounting.h"
#include "support/event_recorder.h"
#include "support/test_jobs.h"
#include "support/watchdog.h"

namespace poolviz {
namespace {

using test::make_job;
using test::Watchdog;

ExecutorEnv env_of(Clock& clock, poolviz::stop_token cancel, EventBus* bus = nullptr) {
  ExecutorEnv env;
  env.clock = &clock;
  env.bus = bus;
  env.cancel = std::move(cancel);
  return env;
}

Job io_job(Nanos service) {
  SyntheticWork work;
  work.kind = WorkKind::io;
  work.service = service;
  return make_job(make_synthetic(work));
}

// Tutorial 001 with 600 ms jobs: 3 workers, 20 jobs, cancel at 2 s →
// 9 done (three waves of three), 3 cut short, 8 never start.
TEST(Cancellation, TutorialRunEndsWithNineDoneThreeCutEightNeverStarted) {
  Watchdog watchdog(std::chrono::seconds(60), "tutorial 001 cancel");
  ManualClock clock;
  poolviz::stop_source cancel;
  EventBus bus;
  test::EventRecorder recorder;
  bus.attach(&recorder);
  PoolConfig config;
  config.workers = 3;
  WorkerPool pool(config, env_of(clock, cancel.get_token(), &bus));
  test::Tally done;
  for (int i = 0; i < 20; ++i) {
    Job job = io_job(600 * kMillisecond);
    job.fn = [inner = job.fn, &done](JobContext& ctx) {
      inner(ctx);
      if (!ctx.stop_requested()) done.add();
    };
    ASSERT_TRUE(pool.submit(std::move(job)));
  }
  for (int wave = 1; wave <= 3; ++wave) {
    clock.wait_for_sleepers(3);  // three jobs mid-flight
    clock.advance(600 * kMillisecond);
    done.wait_for(3 * wave);
  }
  clock.wait_for_sleepers(3);
  clock.advance(200 * kMillisecond);  // t = 2 s
  cancel.request_stop();
  pool.wait_idle();  // returns with the clock standing still: nothing waits for time

  const ExecutorStats s = pool.stats();
  EXPECT_EQ(s.completed, 9U);
  EXPECT_EQ(s.cancelled, 11U);
  EXPECT_EQ(done.value(), 9);
  EXPECT_EQ(pool.submit(io_job(kMillisecond)).reason, RejectReason::shut_down);
  pool.shutdown(ShutdownMode::drain);
  bus.drain(true);
  EXPECT_EQ(recorder.count(EventKind::started), 12U) << "the 8 queued jobs must never start";
  test::expect_accounting(pool.stats());
}

class CancelEveryStrategy : public ::testing::TestWithParam<Strategy> {};

// Jobs of an hour each, on every strategy: cancellation must not wait for them.
TEST_P(CancelEveryStrategy, CancelledRunReturnsPromptly) {
  Watchdog watchdog(std::chrono::seconds(60), "prompt cancel");
  ManualClock clock;
  poolviz::stop_source cancel;
  PoolSpec spec;
  spec.strategy = GetParam();
  spec.workers = 2;
  auto pool = make_executor(spec, env_of(clock, cancel.get_token()));
  for (int i = 0; i < 6; ++i) ASSERT_TRUE(pool->submit(io_job(3600 * kSecond)));
  clock.wait_for_sleepers(GetParam() == Strategy::thread_per_task ? 6 : 2);
  cancel.request_stop();
  pool->wait_idle();
  const ExecutorStats s = pool->stats();
  EXPECT_EQ(s.cancelled, 6U);
  EXPECT_EQ(s.completed, 0U);
  EXPECT_EQ(pool->submit(io_job(kMillisecond)).reason, RejectReason::shut_down);
  pool->shutdown(ShutdownMode::drain);
  test::expect_accounting(pool->stats());
}

INSTANTIATE_TEST_SUITE_P(Cancellation, CancelEveryStrategy,
                         ::testing::Values(Strategy::fixed, Strategy::thread_per_task,
                                           Strategy::work_stealing));

TEST(Cancellation, PendingRetriesEndCancelled) {
  Watchdog watchdog(std::chrono::seconds(60), "cancel pending retries");
  ManualClock clock;
  poolviz::stop_source cancel;
  PoolConfig config;
  config.workers = 1;
  EventBus bus;
  test::EventRecorder recorder;
  bus.attach(&recorder);
  WorkerPool pool(config, env_of(clock, cancel.get_token(), &bus));
  test::Tally attempts;
  for (int i = 0; i < 3; ++i) {
    Job job = make_job([&](JobContext&) {
      attempts.add();
      throw std::runtime_error("down");
    });
    job.retry.max_attempts = 5;
    job.retry.base_backoff = 10 * kSecond;
    ASSERT_TRUE(pool.submit(std::move(job)));
  }
  attempts.wait_for(3);
  recorder.drain_until(bus, [](const std::vector<Event>& events) {
    return std::count_if(events.begin(), events.end(),
                         [](const Event& e) { return e.kind == EventKind::retried; }) == 3;
  });
  clock.wait_for_sleepers(1);  // the retry timer holds all three
  cancel.request_stop();
  pool.wait_idle();
  const ExecutorStats s = pool.stats();
  EXPECT_EQ(s.retried, 3U);
  EXPECT_EQ(s.cancelled, 3U);
  EXPECT_EQ(s.failed, 0U);
  EXPECT_EQ(attempts.value(), 3);
  pool.shutdown(ShutdownMode::drain);
  test::expect_accounting(pool.stats());
}

TEST(Cancellation, JobsHeldAtTheLimiterGateEndCancelled) {
  Watchdog watchdog(std::chrono::seconds(60), "cancel at the gate");
  ManualClock clock;
  poolviz::stop_source cancel;
  TickerConfig every_hour;
  every_hour.interval = 3600 * kSecond;
  auto ticker = std::make_shared<TickerLimiter>(every_hour, clock);
  ExecutorEnv env = env_of(clock, cancel.get_token());
  env.limiter = ticker;
  PoolConfig config;
  config.workers = 3;
  WorkerPool pool(config, env);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(pool.submit(make_job([](JobContext&) {})));
  clock.wait_for_sleepers(3);  // three workers wait for the tick, holding a job each
  cancel.request_stop();
  pool.wait_idle();
  const ExecutorStats s = pool.stats();
  EXPECT_EQ(s.cancelled, 5U);
  EXPECT_EQ(s.completed, 0U);
  pool.shutdown(ShutdownMode::drain);
  test::expect_accounting(pool.stats());
}

// A job that checks only between steps (003-style) finishes its current step.
TEST(Cancellation, JobThatNeverChecksRunsToItsEndButCountsCompleted) {
  Watchdog watchdog(std::chrono::seconds(60), "deaf job");
  ManualClock clock;
  poolviz::stop_source cancel;
  PoolConfig config;
  config.workers = 1;
  WorkerPool pool(config, env_of(clock, cancel.get_token()));
  test::JobGate gate;
  ASSERT_TRUE(pool.submit(make_job([&](JobContext&) { gate.pass(); })));
  ASSERT_TRUE(pool.submit(make_job([](JobContext&) {})));
  gate.wait_for_arrivals(1);
  cancel.request_stop();
  gate.open();
  pool.wait_idle();
  const ExecutorStats s = pool.stats();
  EXPECT_EQ(s.completed, 1U);  // it never looked, so it finished
  EXPECT_EQ(s.cancelled, 1U);  // the queued one never started
  pool.shutdown(ShutdownMode::drain);
}

TEST(Cancellation, AlreadyCancelledTokenRefusesEverySubmission) {
  ManualClock clock;
  poolviz::stop_source cancel;
  cancel.request_stop();
  PoolConfig config;
  config.workers = 1;
  WorkerPool pool(config, env_of(clock, cancel.get_token()));
  EXPECT_EQ(pool.submit(make_job([](JobContext&) {})).reason, RejectReason::shut_down);
  pool.shutdown(ShutdownMode::drain);
  const ExecutorStats s = pool.stats();
  EXPECT_EQ(s.rejected, 1U);
  test::expect_accounting(s);
}

}  // namespace
}  // namespace poolviz
