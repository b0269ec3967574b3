// Backpressure: a bounded queue either slows the producer (submit blocks) or
// answers "queue full" at once (try_submit, or the reject policy), which is
// what an HTTP front end turns into 503. Shown side by side on one pool, and
// with the tutorial's HTTP numbers (002: 5 workers, 100 slots).
//
// Determinism: gated jobs hold the workers, so "the queue is full" is a fact;
// a blocked producer is seen through its `blocked` event.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "poolviz/clock.h"
#include "poolviz/event.h"
#include "poolviz/worker_pool.h"
#include "support/accounting.h"
#include "support/event_recorder.h"
#include "support/test_jobs.h"
#include "support/watchdog.h"

namespace poolviz {
namespace {

using test::EventRecorder;
using test::expect_accounting;
using test::has_event;
using test::JobGate;
using test::make_job;
using test::Watchdog;
using namespace std::chrono_literals;

using test::env_of;

PoolConfig bounded(int workers, std::size_t capacity, Overflow overflow) {
  PoolConfig config;
  config.workers = workers;
  config.queue_capacity = capacity;
  config.overflow = overflow;
  return config;
}

/// Fills `pool` (all workers held at `gate`, then `capacity` queued).
void fill(WorkerPool& pool, JobGate& gate, int workers, std::size_t capacity) {
  for (int i = 0; i < workers; ++i) {
    ASSERT_TRUE(pool.submit(make_job([&](JobContext& ctx) { gate.pass(ctx); })));
  }
  gate.wait_for_arrivals(workers);
  for (std::size_t i = 0; i < capacity; ++i) {
    ASSERT_TRUE(pool.try_submit(make_job([&](JobContext& ctx) { gate.pass(ctx); })));
  }
  ASSERT_EQ(pool.stats().queue_depth, static_cast<std::int64_t>(capacity));
}

TEST(Backpressure, TrySubmitAnswersQueueFullWhileSubmitWaitsForRoom) {
  Watchdog watchdog(60s, "try_submit beside submit");
  ManualClock clock;
  EventBus bus;
  EventRecorder recorder;
  bus.attach(&recorder);
  WorkerPool pool(bounded(1, 2, Overflow::block), env_of(clock, &bus));
  JobGate gate;
  fill(pool, gate, 1, 2);

  // Non-blocking: refused at once, with the depth and bound in the answer's event.
  const SubmitResult refused = pool.try_submit(make_job({}));
  EXPECT_EQ(refused.reason, RejectReason::queue_full);
  EXPECT_EQ(pool.stats().rejected, 1U);

  // Blocking: the producer waits until a worker makes room.
  std::atomic<bool> returned{false};
  SubmitResult waited;
  std::thread producer([&] {
    waited = pool.submit(make_job({}));
    returned.store(true);
  });
  recorder.drain_until(
      bus, [](const std::vector<Event>& events) { return has_event(events, EventKind::blocked); });
  EXPECT_FALSE(returned.load()) << "a full queue holds the producer";
  gate.open();
  producer.join();
  EXPECT_TRUE(waited.accepted());

  pool.shutdown(ShutdownMode::drain);
  bus.drain(true);
  const ExecutorStats stats = pool.stats();
  expect_accounting(stats);
  EXPECT_EQ(stats.completed, 4U);
  EXPECT_EQ(stats.rejected, 1U);
  for (const Event& e : recorder.events()) {
    if (e.kind == EventKind::rejected) {
      EXPECT_EQ(e.rejected.reason, RejectReason::queue_full);
      EXPECT_EQ(e.rejected.depth, 2) << "depth";
      EXPECT_EQ(e.rejected.capacity, 2) << "capacity";
    }
  }
  EXPECT_TRUE(has_event(recorder.events(), EventKind::unblocked));
}

TEST(Backpressure, TheTutorialsHttpPoolAccepts105AndRefusesThe106th) {
  // 002: 5 workers, 100 slots; full → 503. 5 running + 100 queued are accepted.
  Watchdog watchdog(60s, "002 numbers");
  ManualClock clock;
  WorkerPool pool(bounded(5, 100, Overflow::reject), env_of(clock));
  JobGate gate;
  fill(pool, gate, 5, 100);
  const SubmitResult answer = pool.submit(make_job({}));  // reject policy: submit never waits
  EXPECT_EQ(answer.reason, RejectReason::queue_full);
  gate.open();
  pool.shutdown(ShutdownMode::drain);
  const ExecutorStats stats = pool.stats();
  expect_accounting(stats);
  EXPECT_EQ(stats.completed, 105U);
  EXPECT_EQ(stats.rejected, 1U);
}

TEST(Backpressure, RaisingTheBoundReleasesABlockedProducer) {
  Watchdog watchdog(60s, "raise the bound");
  ManualClock clock;
  EventBus bus;
  EventRecorder recorder;
  bus.attach(&recorder);
  WorkerPool pool(bounded(1, 1, Overflow::block), env_of(clock, &bus));
  JobGate gate;
  fill(pool, gate, 1, 1);
  std::thread producer([&] { EXPECT_TRUE(pool.submit(make_job({}))); });
  recorder.drain_until(
      bus, [](const std::vector<Event>& events) { return has_event(events, EventKind::blocked); });
  ASSERT_TRUE(pool.set_queue_capacity(2));  // room without any job ending
  producer.join();
  EXPECT_EQ(pool.stats().queue_depth, 2);
  gate.open();
  pool.shutdown(ShutdownMode::drain);
  expect_accounting(pool.stats());
}

TEST(Backpressure, AnUnboundedPoolBoundedWhileRunningHoldsTheBound) {
  // An unbounded FIFO pool queues in its lock-free lane; a bound set while it
  // runs closes the lane (the bound is checked under the pool's lock), and
  // taking the bound away opens it again.
  Watchdog watchdog(60s, "bound an unbounded pool");
  ManualClock clock;
  WorkerPool pool(bounded(1, 0, Overflow::reject), env_of(clock));
  JobGate gate;
  fill(pool, gate, 1, 3);
  const auto gated = [&] { return make_job([&](JobContext& ctx) { gate.pass(ctx); }); };
  ASSERT_TRUE(pool.set_queue_capacity(4));
  EXPECT_TRUE(pool.try_submit(gated()));
  EXPECT_FALSE(pool.try_submit(gated()));  // 4 queued: full
  EXPECT_FALSE(pool.submit(gated()));      // the reject policy
  EXPECT_EQ(pool.stats().queue_depth, 4);
  ASSERT_TRUE(pool.set_queue_capacity(0));
  EXPECT_TRUE(pool.try_submit(gated()));
  EXPECT_EQ(pool.stats().queue_depth, 5);
  gate.open();
  pool.shutdown(ShutdownMode::drain);
  const ExecutorStats stats = pool.stats();
  expect_accounting(stats);
  EXPECT_EQ(stats.completed, 6U);
  EXPECT_EQ(stats.rejected, 2U);
}

TEST(Backpressure, PerWorkerQueuesAnswerQueueFullForAFullTargetQueue) {
  // Round-robin with a bound per worker queue: the dispatcher's target decides.
  Watchdog watchdog(60s, "per-worker bound");
  ManualClock clock;
  PoolConfig config = bounded(2, 1, Overflow::block);
  config.dispatch = Dispatch::round_robin;
  WorkerPool pool(config, env_of(clock));
  JobGate gate;
  // Jobs 0,1 run on workers 0,1; jobs 2,3 fill their queues (1 slot each).
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(pool.submit(make_job([&](JobContext& ctx) { gate.pass(ctx); })));
  }
  gate.wait_for_arrivals(2);
  for (int i = 0; i < 2; ++i) ASSERT_TRUE(pool.try_submit(make_job({})));
  EXPECT_EQ(pool.try_submit(make_job({})).reason, RejectReason::queue_full);
  gate.open();
  pool.shutdown(ShutdownMode::drain);
  const ExecutorStats stats = pool.stats();
  expect_accounting(stats);
  EXPECT_EQ(stats.completed, 4U);
  EXPECT_EQ(stats.rejected, 1U);
}

}  // namespace
}  // namespace poolviz
