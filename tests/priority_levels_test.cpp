// Multi-level priority pool: WorkerPool with a PriorityLevelsQueue (a FIFO per
// level, the highest level served first). The tutorial's version scans the
// levels in a loop with two flaws (LESSONS, priority-levels): after a job it
// sweeps on downwards instead of restarting at the top, and it then waits on
// the top queue only, so low jobs stall at idle workers. Both are tested here.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <vector>

#include "poolviz/clock.h"
#include "poolviz/event.h"
#include "poolviz/worker_pool.h"
#include "poolviz/pool_spec.h"
#include "poolviz/priority_queue.h"
#include "support/accounting.h"
#include "support/event_recorder.h"
#include "support/test_jobs.h"
#include "support/watchdog.h"

namespace poolviz {
namespace {

using test::EventRecorder;
using test::expect_accounting;
using test::JobGate;
using test::make_job;
using test::Watchdog;
using namespace std::chrono_literals;

constexpr int kLow = 0, kMedium = 1, kHigh = 2;  // the tutorial's three levels

using test::env_of;

Job at_level(int priority, JobFn fn = {}) {
  Job job = make_job(std::move(fn));
  job.priority = priority;
  return job;
}

/// Positions (in `ids`) of the jobs in the order they started.
std::vector<std::size_t> ran_in(const EventRecorder& recorder,
                                const std::vector<std::uint64_t>& ids) {
  std::vector<std::size_t> order;
  for (const Event& e : recorder.events()) {
    if (e.kind != EventKind::started) continue;
    const auto it = std::find(ids.begin(), ids.end(), e.job);
    if (it != ids.end()) order.push_back(static_cast<std::size_t>(it - ids.begin()));
  }
  return order;
}

TEST(PriorityLevels, OneWorkerServesTheHighestLevelFirstAndFifoWithinALevel) {
  Watchdog watchdog(60s, "level order");
  ManualClock clock;
  EventBus bus;
  EventRecorder recorder;
  bus.attach(&recorder);
  WorkerPool pool(PoolConfig{.workers = 1}, env_of(clock, &bus),
                 std::make_unique<PriorityLevelsQueue>(3));
  JobGate gate;
  ASSERT_TRUE(pool.submit(at_level(kLow, [&](JobContext& ctx) { gate.pass(ctx); })));
  gate.wait_for_arrivals(1);

  // Out-of-range priorities clamp to the outer levels (7 → high, -3 → low).
  const std::vector<int> priorities = {kLow, kHigh, kMedium, -3, 7, kMedium, kHigh};
  std::vector<std::uint64_t> ids;
  for (int p : priorities) ids.push_back(pool.submit(at_level(p)).id.value);
  gate.open();
  pool.shutdown(ShutdownMode::drain);
  bus.drain(true);
  EXPECT_EQ(ran_in(recorder, ids), (std::vector<std::size_t>{1, 4, 6, 2, 5, 0, 3}));
  expect_accounting(pool.stats());
}

TEST(PriorityLevels, AfterEachJobTheWorkerRestartsAtTheTopLevel) {
  // Queue: low A, low B. While A runs, a high job H arrives. A sweep that goes
  // on downwards would take B next; restarting at the top takes H.
  Watchdog watchdog(60s, "restart at top");
  ManualClock clock;
  EventBus bus;
  EventRecorder recorder;
  bus.attach(&recorder);
  WorkerPool pool(PoolConfig{.workers = 1}, env_of(clock, &bus),
                 std::make_unique<PriorityLevelsQueue>(3));
  JobGate gate;
  ASSERT_TRUE(pool.submit(at_level(kLow, [&](JobContext& ctx) { gate.pass(ctx); })));
  gate.wait_for_arrivals(1);

  std::vector<std::uint64_t> ids(3);  // A, B, H
  ids[0] = pool.submit(at_level(kLow,
                                [&](JobContext& ctx) {
                                  ids[2] = ctx.executor().submit(at_level(kHigh)).id.value;
                                }))
               .id.value;
  ids[1] = pool.submit(at_level(kLow)).id.value;
  gate.open();
  pool.wait_idle();  // H is admitted before A ends, so idle means H ran too
  pool.shutdown(ShutdownMode::drain);
  bus.drain(true);
  EXPECT_EQ(ran_in(recorder, ids), (std::vector<std::size_t>{0, 2, 1}));
  expect_accounting(pool.stats());
}

TEST(PriorityLevels, LowJobsArrivingAtIdleWorkersAllRun) {
  // The tutorial's worker waits on the top queue only: low jobs stall there.
  Watchdog watchdog(60s, "low jobs at idle workers");
  ManualClock clock;
  WorkerPool pool(PoolConfig{.workers = 3}, env_of(clock), std::make_unique<PriorityLevelsQueue>(3));
  std::atomic<int> ran{0};
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(pool.submit(at_level(kLow, [&](JobContext&) { ran.fetch_add(1); })));
  }
  pool.wait_idle();
  EXPECT_EQ(ran.load(), 10);
  pool.shutdown(ShutdownMode::drain);
  expect_accounting(pool.stats());
}

TEST(PriorityLevels, SteadyTopLevelLoadStarvesTheLowLevel) {
  // No aging in the level variant: while high jobs keep coming, a low one waits.
  Watchdog watchdog(60s, "level starvation");
  ManualClock clock;
  EventBus bus;
  EventRecorder recorder;
  bus.attach(&recorder);
  WorkerPool pool(PoolConfig{.workers = 1}, env_of(clock, &bus),
                 std::make_unique<PriorityLevelsQueue>(3));
  JobGate gate;
  ASSERT_TRUE(pool.submit(at_level(kHigh, [&](JobContext& ctx) { gate.pass(ctx); })));
  gate.wait_for_arrivals(1);
  const std::uint64_t low = pool.submit(at_level(kLow)).id.value;
  // Each high job submits the next one: the top level is never empty.
  constexpr int kChain = 20;
  std::function<void(JobContext&, int)> chain = [&](JobContext& ctx, int left) {
    if (left > 0) {
      EXPECT_TRUE(ctx.executor().submit(
          at_level(kHigh, [&chain, left](JobContext& c) { chain(c, left - 1); })));
    }
  };
  ASSERT_TRUE(pool.submit(at_level(kHigh, [&](JobContext& ctx) { chain(ctx, kChain); })));
  gate.open();
  pool.wait_idle();  // each link is admitted before its parent ends
  pool.shutdown(ShutdownMode::drain);
  bus.drain(true);
  const auto order = recorder.events();
  std::size_t high_starts_before_low = 0;
  for (const Event& e : order) {
    if (e.kind != EventKind::started) continue;
    if (e.job == low) break;
    ++high_starts_before_low;
  }
  EXPECT_EQ(high_starts_before_low, static_cast<std::size_t>(kChain + 2));  // gate + chain
  expect_accounting(pool.stats());
}

TEST(PriorityLevels, TheFactoryBuildsThreeLevelsByDefault) {
  Watchdog watchdog(60s, "factory");
  ManualClock clock;
  PoolSpec spec;
  spec.strategy = Strategy::priority_levels;
  spec.workers = 3;
  auto pool = make_executor(spec, env_of(clock));
  EXPECT_EQ(pool->strategy(), "priority_levels");
  for (int i = 0; i < 30; ++i) ASSERT_TRUE(pool->submit(at_level(i % 4)));
  pool->shutdown(ShutdownMode::drain);
  expect_accounting(pool->stats());

  PriorityLevelsQueue levels;
  EXPECT_EQ(levels.levels(), 3);
  EXPECT_EQ(levels.level_of(99), 2);
  EXPECT_EQ(levels.level_of(-1), 0);
}

}  // namespace
}  // namespace poolviz
