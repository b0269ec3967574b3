// Direct hand-off: a job submitted while a worker is idle goes straight to
// that worker and takes no queue slot (Go: a send to a goroutine waiting on
// the channel; Java: a new worker's first task). A pool therefore admits
// exactly idle workers + free queue slots before its overflow policy applies,
// deterministically, however late its threads first get to run.
//
// Determinism: the manual clock never moves and gated jobs hold the workers,
// so nothing finishes during the burst; the counts cannot depend on timing.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <string>
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

using test::env_of;
using test::EventRecorder;
using test::JobGate;
using test::make_job;
using test::Watchdog;
using namespace std::chrono_literals;

constexpr int kWorkers = 3;
constexpr std::size_t kQueue = 4;
constexpr int kBurst = 50;

PoolConfig bounded(Overflow overflow) {
  PoolConfig config;
  config.workers = kWorkers;
  config.queue_capacity = kQueue;
  config.overflow = overflow;
  return config;
}

struct BurstResult {
  int accepted = 0;
  ExecutorStats stats;
};

/// Submits a burst of gated jobs straight after the pool was built, without
/// waiting for its threads, then reads the pool while every job is still held.
BurstResult burst(WorkerPool& pool, JobGate& gate, bool blocking_submit) {
  BurstResult r;
  for (int i = 0; i < kBurst; ++i) {
    Job job = make_job([&gate](JobContext& ctx) { gate.pass(ctx); });
    const SubmitResult answer =
        blocking_submit ? pool.submit(std::move(job)) : pool.try_submit(std::move(job));
    if (answer) ++r.accepted;
  }
  gate.wait_for_arrivals(kWorkers);  // the three handed-off jobs are running
  r.stats = pool.stats();
  return r;
}

class DirectHandoff : public ::testing::TestWithParam<Overflow> {};

TEST_P(DirectHandoff, BurstOnIdleWorkersAdmitsIdleWorkersPlusFreeSlots) {
  Watchdog watchdog(60s, "burst of 50 on 3 idle workers and 4 slots");
  ManualClock clock;
  WorkerPool pool(bounded(GetParam()), env_of(clock));
  JobGate gate;
  // try_submit: blocking and caller_runs refuse instead of waiting or running
  // on this thread; reject and drop_oldest answer the same either way.
  const BurstResult r = burst(pool, gate, false);

  EXPECT_EQ(r.stats.queue_depth, static_cast<std::int64_t>(kQueue));
  EXPECT_EQ(r.stats.workers_busy, kWorkers);
  EXPECT_EQ(r.stats.rejected, static_cast<std::uint64_t>(kBurst - kWorkers - static_cast<int>(kQueue)))
      << "3 idle workers + 4 free slots = 7 admitted, 43 refused";
  if (GetParam() == Overflow::drop_oldest) {
    EXPECT_EQ(r.accepted, kBurst) << "drop_oldest takes every job and evicts the oldest queued";
  } else {
    EXPECT_EQ(r.accepted, kWorkers + static_cast<int>(kQueue));
  }
  gate.open();
  pool.shutdown(ShutdownMode::drain);
  const ExecutorStats end = pool.stats();
  EXPECT_EQ(end.completed, static_cast<std::uint64_t>(kWorkers + static_cast<int>(kQueue)));
  test::expect_accounting(end);
}

INSTANTIATE_TEST_SUITE_P(EveryOverflowPolicy, DirectHandoff,
                         ::testing::Values(Overflow::reject, Overflow::block, Overflow::drop_oldest,
                                           Overflow::caller_runs),
                         [](const auto& info) { return std::string(to_string(info.param)); });

/// The queue depth after each enqueue, in order (0 = handed straight to a worker).
std::vector<std::int64_t> enqueued_depths(const EventRecorder& recorder) {
  std::vector<std::int64_t> depths;
  for (const Event& e : recorder.events()) {
    if (e.kind == EventKind::enqueued) depths.push_back(e.enqueued.depth_after);
  }
  return depths;
}

TEST(DirectHandoffRule, RejectPolicyAdmitsSevenWithBlockingSubmitToo) {
  Watchdog watchdog(60s, "reject policy, submit()");
  ManualClock clock;
  WorkerPool pool(bounded(Overflow::reject), env_of(clock));
  JobGate gate;
  const BurstResult r = burst(pool, gate, true);
  EXPECT_EQ(r.accepted, 7);
  EXPECT_EQ(r.stats.rejected, 43U);
  gate.open();
  pool.shutdown(ShutdownMode::drain);
}

TEST(DirectHandoffRule, HandedOffJobsPassTheQueueAtDepthZero) {
  Watchdog watchdog(60s, "hand-off events");
  ManualClock clock;
  EventBus bus;
  EventRecorder recorder;
  bus.attach(&recorder);
  WorkerPool pool(bounded(Overflow::reject), env_of(clock, &bus));
  JobGate gate;
  burst(pool, gate, false);
  gate.open();
  pool.shutdown(ShutdownMode::drain);
  bus.drain();
  const std::vector<std::int64_t> depths = enqueued_depths(recorder);
  // Three straight to a worker, then the queue fills 1, 2, 3, 4.
  EXPECT_EQ(depths, (std::vector<std::int64_t>{0, 0, 0, 1, 2, 3, 4}));
}

TEST(DirectHandoffRule, AnUnboundedPoolHandsOffToIdleWorkersBeforeItsLane) {
  // An unbounded FIFO pool queues in its lock-free lane, but a job submitted
  // while a worker is idle still goes straight to that worker.
  Watchdog watchdog(60s, "hand-off beside the lane");
  ManualClock clock;
  EventBus bus;
  EventRecorder recorder;
  bus.attach(&recorder);
  PoolConfig config;
  config.workers = kWorkers;
  WorkerPool pool(config, env_of(clock, &bus));
  JobGate gate;
  for (int i = 0; i < kWorkers + 2; ++i) {
    ASSERT_TRUE(pool.submit(make_job([&gate](JobContext& ctx) { gate.pass(ctx); })));
  }
  gate.wait_for_arrivals(kWorkers);
  EXPECT_EQ(pool.stats().queue_depth, 2);
  gate.open();
  pool.shutdown(ShutdownMode::drain);
  bus.drain();
  const std::vector<std::int64_t> depths = enqueued_depths(recorder);
  EXPECT_EQ(depths, (std::vector<std::int64_t>{0, 0, 0, 1, 2}));
  test::expect_accounting(pool.stats());
}

TEST(DirectHandoffRule, CancelShutdownCancelsAHandedOffJobThatHasNotStarted) {
  Watchdog watchdog(60s, "cancel a handed-off job");
  ManualClock clock;
  WorkerPool pool(bounded(Overflow::reject), env_of(clock));
  JobGate gate;
  // Whether the worker took it before the shutdown or not, it ends exactly once.
  ASSERT_TRUE(pool.submit(make_job([&gate](JobContext& ctx) { gate.pass(ctx); })));
  pool.shutdown(ShutdownMode::cancel);
  const ExecutorStats s = pool.stats();
  EXPECT_EQ(s.completed + s.cancelled, 1U);
  test::expect_accounting(s);
}

}  // namespace
}  // namespace poolviz
