// Max concurrency: a counting semaphore on jobs in flight. Never more than K
// run at once; a failing job gives its permit back.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <thread>

#include "poolviz/concurrency_limiter.h"
#include "poolviz/pool_spec.h"
#include "poolviz/worker_pool.h"
#include "support/accounting.h"
#include "support/event_recorder.h"
#include "support/limiter_fixtures.h"
#include "support/test_jobs.h"
#include "support/watchdog.h"

namespace poolviz {
namespace {

using test::make_job;
using test::Watchdog;

using test::workers;

using test::env_of;

ConcurrencyConfig permits(int max_in_flight, bool drop = false) {
  ConcurrencyConfig config;
  config.max_in_flight = max_in_flight;
  config.drop = drop;
  return config;
}

// Tutorial 001: 5 workers, 2 permits. Many short jobs on a real clock; a
// counter inside the jobs is the witness (this test is meant for TSan too).
TEST(MaxConcurrency, NeverMoreThanKJobsInFlight) {
  Watchdog watchdog(std::chrono::seconds(60), "max concurrency counter");
  RealClock clock;
  auto gate = std::make_shared<ConcurrencyLimiter>(permits(2), clock);
  WorkerPool pool(workers(5), env_of(clock, gate));
  std::atomic<int> in_flight{0};
  std::atomic<int> peak{0};
  for (int i = 0; i < 400; ++i) {
    ASSERT_TRUE(pool.submit(make_job([&](JobContext&) {
      const int now = in_flight.fetch_add(1) + 1;
      int seen = peak.load();
      while (now > seen && !peak.compare_exchange_weak(seen, now)) {
      }
      std::this_thread::yield();  // give the others a chance to overlap
      in_flight.fetch_sub(1);
    })));
  }
  pool.shutdown(ShutdownMode::drain);
  EXPECT_LE(peak.load(), 2);
  EXPECT_GE(peak.load(), 1);
  EXPECT_EQ(gate->in_flight(), 0);
  test::expect_accounting(pool.stats());
}

// Deterministic: two jobs hold both permits; the other three workers hold a
// job each at the gate and none of those starts until a permit comes back.
TEST(MaxConcurrency, WorkersAboveTheCapWaitAtTheGateHoldingTheirJob) {
  Watchdog watchdog(std::chrono::seconds(60), "max concurrency gate");
  ManualClock clock;
  EventBus bus;
  test::EventRecorder recorder;
  bus.attach(&recorder);
  auto gate = std::make_shared<ConcurrencyLimiter>(permits(2), clock, &bus);
  WorkerPool pool(workers(5), env_of(clock, gate, &bus));
  test::JobGate hold;
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(pool.submit(make_job([&](JobContext& ctx) { hold.pass(ctx); })));
  }
  hold.wait_for_arrivals(2);
  recorder.drain_until(bus, [](const std::vector<Event>& events) {
    return std::count_if(events.begin(), events.end(),
                         [](const Event& e) { return e.kind == EventKind::gate_waiting; }) >= 5;
  });
  EXPECT_EQ(hold.arrivals(), 2);
  EXPECT_EQ(gate->in_flight(), 2);
  EXPECT_EQ(gate->level().level, 2.0);
  EXPECT_EQ(pool.stats().in_service, 5);  // 2 running + 3 at the gate
  hold.open();
  pool.shutdown(ShutdownMode::drain);
  EXPECT_EQ(pool.stats().completed, 10U);
  EXPECT_EQ(gate->in_flight(), 0);
  bus.drain(true);
  EXPECT_EQ(recorder.count(EventKind::token_taken), 10U);
  EXPECT_EQ(recorder.count(EventKind::token_refilled), 10U);
}

// The seed code freed the permit after the work, not in cleanup: one throwing
// job narrowed the gate for good. With one permit, that would hang job two.
TEST(MaxConcurrency, FailingJobsGiveTheirPermitBack) {
  Watchdog watchdog(std::chrono::seconds(60), "permit release on failure");
  ManualClock clock;
  auto gate = std::make_shared<ConcurrencyLimiter>(permits(1), clock);
  WorkerPool pool(workers(3), env_of(clock, gate));
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(pool.submit(make_job([i](JobContext&) {
      if (i % 2 == 0) throw std::runtime_error("db down");
      if (i % 3 == 0) throw 42;  // not even an exception type
    })));
  }
  pool.shutdown(ShutdownMode::drain);
  const ExecutorStats s = pool.stats();
  EXPECT_EQ(s.failed, 10U + 3U);  // evens, plus 3, 9, 15
  EXPECT_EQ(s.completed, 7U);
  EXPECT_EQ(gate->in_flight(), 0);
  test::expect_accounting(s);
}

TEST(MaxConcurrency, CancelledRunReleasesJobsWaitingAtTheGate) {
  Watchdog watchdog(std::chrono::seconds(60), "cancel at the gate");
  ManualClock clock;
  EventBus bus;
  test::EventRecorder recorder;
  bus.attach(&recorder);
  auto gate = std::make_shared<ConcurrencyLimiter>(permits(1), clock);
  WorkerPool pool(workers(3), env_of(clock, gate, &bus));
  test::JobGate hold;
  for (int i = 0; i < 6; ++i) {
    ASSERT_TRUE(pool.submit(make_job([&](JobContext& ctx) { hold.pass(ctx); })));
  }
  hold.wait_for_arrivals(1);
  recorder.drain_until(bus, [](const std::vector<Event>& events) {
    return std::count_if(events.begin(), events.end(),
                         [](const Event& e) { return e.kind == EventKind::gate_waiting; }) >= 3;
  });
  const std::vector<Job> unrun = pool.shutdown(ShutdownMode::cancel);
  const ExecutorStats s = pool.stats();
  EXPECT_EQ(s.cancelled, 6U);
  EXPECT_EQ(unrun.size(), 3U);  // 1 running, 2 at the gate, 3 in the queue
  EXPECT_EQ(gate->in_flight(), 0);
  test::expect_accounting(s);
}

// Drop mode holds the permit from submit until the job ends: jobs in flight
// (queued or running) never exceed the cap, and the excess is refused.
TEST(MaxConcurrency, DropModeRefusesWhenEveryPermitIsHeld) {
  Watchdog watchdog(std::chrono::seconds(60), "drop mode");
  ManualClock clock;
  auto gate = std::make_shared<ConcurrencyLimiter>(permits(2, true), clock);
  WorkerPool pool(workers(1), env_of(clock, gate));
  test::JobGate hold;
  ASSERT_TRUE(pool.submit(make_job([&](JobContext& ctx) { hold.pass(ctx); })));
  ASSERT_TRUE(pool.submit(make_job([](JobContext&) {})));
  const SubmitResult third = pool.submit(make_job([](JobContext&) {}));
  EXPECT_EQ(third.reason, RejectReason::limiter_drop);
  EXPECT_EQ(gate->in_flight(), 2);
  hold.open();
  pool.wait_idle();
  EXPECT_EQ(gate->in_flight(), 0);
  EXPECT_TRUE(pool.submit(make_job([](JobContext&) {})));
  pool.shutdown(ShutdownMode::drain);
  const ExecutorStats s = pool.stats();
  EXPECT_EQ(s.completed, 3U);
  EXPECT_EQ(s.rejected, 1U);
  test::expect_accounting(s);
}

// A freed permit goes to the job that has waited longest at the gate: the
// tutorial's workers 3, 4, 5 start in the order they reached the semaphore,
// and a worker coming back with a new job waits behind them.
TEST(MaxConcurrency, HeldJobsTakeThePermitsInTheOrderTheyArrived) {
  Watchdog watchdog(std::chrono::seconds(60), "semaphore FIFO");
  ManualClock clock;
  EventBus bus;
  test::EventRecorder recorder;
  bus.attach(&recorder);
  ConcurrencyLimiter semaphore(permits(2), clock, &bus);
  ASSERT_TRUE(semaphore.try_acquire({}));
  ASSERT_TRUE(semaphore.try_acquire({}));
  test::GateHolders holders;
  constexpr int kJobs = 5;
  holders.start(
      kJobs, [&](JobId job) { return semaphore.acquire(job, {}); },
      [&](int i) {
        while (semaphore.waiting() < i) std::this_thread::yield();
      });
  semaphore.release();
  EXPECT_FALSE(semaphore.try_acquire({})) << "a newcomer overtook the held jobs";
  holders.wait_for(1);
  for (std::size_t k = 2; k <= kJobs; ++k) {
    semaphore.release();
    holders.wait_for(k);
  }
  EXPECT_EQ(test::granted_jobs(bus, recorder),
            (std::vector<std::uint64_t>{1, 2, 3, 4, 5}));
  semaphore.release();
  semaphore.release();
}

TEST(MaxConcurrency, MakeLimiterBuildsASemaphore) {
  ManualClock clock;
  LimiterSpec spec;
  spec.kind = LimiterKind::max_concurrency;
  spec.max_in_flight = 3;
  auto limiter = make_limiter(spec, clock, nullptr);
  ASSERT_NE(limiter, nullptr);
  EXPECT_EQ(limiter->kind(), "max_concurrency");
  EXPECT_EQ(limiter->level().capacity, 3.0);
  EXPECT_EQ(limiter->level().level, 0.0);
}

}  // namespace
}  // namespace poolviz
