// ThreadPerTask: one OS thread per job, with a safety cap. The TCK behaviours
// that apply (no queue, so no overflow policy and nothing unrun to return).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

#include "poolviz/clock.h"
#include "poolviz/thread_per_task.h"
#include "support/accounting.h"
#include "support/test_jobs.h"
#include "support/watchdog.h"

namespace poolviz {
namespace {

using test::expect_accounting;
using test::JobGate;
using test::make_job;
using test::Watchdog;
using namespace std::chrono_literals;

using test::env_of;

TEST(ThreadPerTask, EveryJobRunsOnAThreadOfItsOwn) {
  Watchdog watchdog(60s, "thread per job");
  ManualClock clock;
  ThreadPerTask executor(ThreadPerTaskConfig{}, env_of(clock));
  JobGate gate;
  std::mutex mutex;
  std::set<std::thread::id> threads;
  constexpr int kJobs = 6;
  for (int i = 0; i < kJobs; ++i) {
    ASSERT_TRUE(executor.submit(make_job([&](JobContext& ctx) {
      {
        std::lock_guard lock(mutex);
        threads.insert(std::this_thread::get_id());
      }
      gate.pass(ctx);
    })));
  }
  gate.wait_for_arrivals(kJobs);  // all six are running at once
  EXPECT_EQ(executor.stats().threads_alive, kJobs);
  gate.open();
  executor.shutdown(ShutdownMode::drain);
  EXPECT_EQ(threads.size(), static_cast<std::size_t>(kJobs));
  EXPECT_NE(threads.count(std::this_thread::get_id()), 1U);
  const ExecutorStats s = executor.stats();
  EXPECT_EQ(s.completed, static_cast<std::uint64_t>(kJobs));
  EXPECT_EQ(s.threads_alive, 0);
  expect_accounting(s);
}

TEST(ThreadPerTask, CapRefusesWithThreadCapAndCanBeRaisedLive) {
  Watchdog watchdog(60s, "thread cap");
  ManualClock clock;
  ThreadPerTask executor(ThreadPerTaskConfig{.max_threads = 3}, env_of(clock));
  JobGate gate;
  std::atomic<int> ran{0};
  const auto blocked = [&] {
    return make_job([&](JobContext& ctx) {
      if (gate.pass(ctx)) ++ran;
    });
  };
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(executor.submit(blocked()));
  gate.wait_for_arrivals(3);
  EXPECT_EQ(executor.submit(blocked()).reason, RejectReason::thread_cap);
  EXPECT_EQ(executor.try_submit(blocked()).reason, RejectReason::thread_cap);

  executor.set_max_threads(4);
  EXPECT_TRUE(executor.submit(blocked()));
  gate.wait_for_arrivals(4);
  EXPECT_EQ(executor.submit(blocked()).reason, RejectReason::thread_cap);

  gate.open();
  executor.shutdown(ShutdownMode::drain);
  EXPECT_EQ(ran.load(), 4);
  const ExecutorStats s = executor.stats();
  EXPECT_EQ(s.completed, 4U);
  EXPECT_EQ(s.rejected, 3U);
  expect_accounting(s);
}

TEST(ThreadPerTask, ShutdownDrainRunsEveryAcceptedJobExactlyOnce) {
  Watchdog watchdog(60s, "thread-per-task drain");
  ManualClock clock;
  constexpr int kJobs = 200;
  std::vector<std::atomic<int>> runs(kJobs);
  ThreadPerTask executor(ThreadPerTaskConfig{}, env_of(clock));
  std::thread other([&] {
    for (int i = 0; i < kJobs; i += 2) {
      EXPECT_TRUE(executor.submit(
          make_job([&runs, i](JobContext&) { ++runs[static_cast<std::size_t>(i)]; })));
    }
  });
  for (int i = 1; i < kJobs; i += 2) {
    EXPECT_TRUE(executor.submit(
        make_job([&runs, i](JobContext&) { ++runs[static_cast<std::size_t>(i)]; })));
  }
  other.join();
  executor.shutdown(ShutdownMode::drain);
  for (int i = 0; i < kJobs; ++i)
    ASSERT_EQ(runs[static_cast<std::size_t>(i)].load(), 1) << "job " << i;
  expect_accounting(executor.stats());
}

TEST(ThreadPerTask, ShutdownCancelStopsRunningJobsAndHasNothingUnrunToReturn) {
  Watchdog watchdog(60s, "thread-per-task cancel");
  ManualClock clock;
  ThreadPerTask executor(ThreadPerTaskConfig{}, env_of(clock));
  JobGate gate;
  for (int i = 0; i < 3; ++i) executor.submit(make_job([&](JobContext& ctx) { gate.pass(ctx); }));
  gate.wait_for_arrivals(3);
  EXPECT_TRUE(executor.shutdown(ShutdownMode::cancel).empty());
  const ExecutorStats s = executor.stats();
  EXPECT_EQ(s.cancelled, 3U);
  EXPECT_EQ(s.threads_alive, 0);
  expect_accounting(s);
}

TEST(ThreadPerTask, SubmitAfterShutdownIsRejectedAsShutDown) {
  for (ShutdownMode mode : {ShutdownMode::drain, ShutdownMode::cancel}) {
    SCOPED_TRACE(mode == ShutdownMode::drain ? "after drain" : "after cancel");
    ManualClock clock;
    ThreadPerTask executor(ThreadPerTaskConfig{}, env_of(clock));
    executor.shutdown(mode);
    std::atomic<bool> ran{false};
    EXPECT_EQ(executor.submit(make_job([&](JobContext&) { ran = true; })).reason,
              RejectReason::shut_down);
    EXPECT_EQ(executor.try_submit(make_job([&](JobContext&) { ran = true; })).reason,
              RejectReason::shut_down);
    EXPECT_FALSE(ran.load());
    EXPECT_EQ(executor.stats().rejected, 2U);
    expect_accounting(executor.stats());
  }
}

TEST(ThreadPerTask, ThrowingJobsFailWithTheirMessage) {
  Watchdog watchdog(60s, "thread-per-task failures");
  ManualClock clock;
  ThreadPerTask executor(ThreadPerTaskConfig{}, env_of(clock));
  for (int i = 0; i < 20; ++i) {
    executor.submit(make_job([](JobContext&) { throw std::runtime_error("thread job failed"); }));
  }
  executor.shutdown(ShutdownMode::drain);
  const ExecutorStats s = executor.stats();
  EXPECT_EQ(s.failed, 20U);
  expect_accounting(s);
  const auto failures = executor.recent_failures();
  ASSERT_EQ(failures.size(), 20U);
  for (const auto& f : failures) EXPECT_EQ(f.message, "thread job failed");
}

TEST(ThreadPerTask, ARetryGetsAFreshThreadEvenAtTheCap) {
  Watchdog watchdog(60s, "retry at the cap");
  ManualClock clock;
  ThreadPerTask executor(ThreadPerTaskConfig{.max_threads = 1}, env_of(clock));
  Job job = make_job([](JobContext& ctx) {
    if (ctx.attempt() == 1) throw std::runtime_error("first attempt fails");
  });
  job.retry = RetryPolicy{.max_attempts = 2};  // no backoff: retried at once
  ASSERT_TRUE(executor.submit(std::move(job)));
  executor.wait_idle();
  const ExecutorStats s = executor.stats();
  EXPECT_EQ(s.retried, 1U);
  EXPECT_EQ(s.completed, 1U);
  EXPECT_EQ(s.rejected, 0U);
  expect_accounting(s);
}

TEST(ThreadPerTask, DestroyingARunningExecutorCancelsItsJobsAndReturns) {
  Watchdog watchdog(60s, "destroy thread-per-task");
  ManualClock clock;
  std::atomic<int> woke_by_stop{0};
  {
    ThreadPerTask executor(ThreadPerTaskConfig{}, env_of(clock));
    for (int i = 0; i < 4; ++i) {
      executor.submit(make_job([&](JobContext& ctx) {
        if (!ctx.sleep_until(ctx.clock().now() + 3600 * kSecond)) ++woke_by_stop;
      }));
    }
    clock.wait_for_sleepers(4);
  }
  EXPECT_EQ(woke_by_stop.load(), 4);
}

TEST(ThreadPerTask, HasNoWorkerCountToResize) {
  ManualClock clock;
  ThreadPerTask executor(ThreadPerTaskConfig{}, env_of(clock));
  EXPECT_FALSE(executor.set_workers(4));
  EXPECT_EQ(executor.strategy(), "thread_per_task");
}

}  // namespace
}  // namespace poolviz
