// Shortest job first: a shared heap keyed on Job::size_estimate (smallest
// first, FIFO among equals), with the priority heap's aging so that a long
// job climbs as it waits. The pool test holds the only worker with a gated job
// while the queue fills, so the start order is the order the queue hands out.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <vector>

#include "poolviz/clock.h"
#include "poolviz/event.h"
#include "poolviz/pool_spec.h"
#include "poolviz/priority_queue.h"
#include "poolviz/scenario.h"
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

Job sized(Nanos size, JobFn fn = {}) {
  Job job = make_job(std::move(fn));
  job.size_estimate = size;
  return job;
}

std::vector<Nanos> pop_sizes(PriorityQueue& queue, Nanos now) {
  std::vector<Nanos> out;
  while (queue.size() > 0) out.push_back(queue.pop(now).size_estimate);
  return out;
}

TEST(ShortestJobFirst, TheQueueHandsOutTheSmallestEstimateFirst) {
  PriorityQueue queue(0, nullptr, QueueRank::shortest_first);
  EXPECT_EQ(queue.strategy(), "shortest_job_first");
  for (int ms : {300, 100, 200, 50}) queue.push(sized(ms * kMillisecond));
  EXPECT_EQ(pop_sizes(queue, 0),
            (std::vector<Nanos>{50 * kMillisecond, 100 * kMillisecond, 200 * kMillisecond, 300 * kMillisecond}));
}

TEST(ShortestJobFirst, EqualEstimatesLeaveInArrivalOrder) {
  PriorityQueue queue(0, nullptr, QueueRank::shortest_first);
  for (int tag = 0; tag < 5; ++tag) {
    Job job = sized(10 * kMillisecond);
    job.tag = static_cast<std::uint16_t>(tag);
    queue.push(std::move(job));
  }
  for (int tag = 0; tag < 5; ++tag) EXPECT_EQ(queue.pop(0).tag, tag);
}

TEST(ShortestJobFirst, WithAgingALongJobOvertakesShortJobsThatArriveLongAfterIt) {
  // Every 10 ms waited counts as 1 ms less work.
  ManualClock clock;
  PriorityQueue queue(10 * kMillisecond, &clock, QueueRank::shortest_first);
  queue.push(sized(100 * kMillisecond));  // t = 0
  clock.set(500 * kMillisecond);
  queue.push(sized(10 * kMillisecond));  // 100 − 50 = 50 ms still ahead of the long one: goes first
  EXPECT_EQ(queue.pop(clock.now()).size_estimate, 10 * kMillisecond);
  clock.set(kSecond);
  queue.push(sized(10 * kMillisecond));  // the long job has waited 1 s: 100 − 100 = 0 < 10
  EXPECT_EQ(queue.pop(clock.now()).size_estimate, 100 * kMillisecond);
}

TEST(ShortestJobFirst, OneWorkerRunsQueuedJobsShortestFirst) {
  Watchdog watchdog(60s, "shortest-job-first order");
  ManualClock clock;
  EventBus bus;
  EventRecorder recorder;
  bus.attach(&recorder);
  PoolSpec spec;
  spec.strategy = Strategy::shortest_job_first;
  spec.workers = 1;
  auto pool = make_executor(spec, env_of(clock, &bus));
  EXPECT_EQ(pool->strategy(), "shortest_job_first");
  JobGate gate;
  ASSERT_TRUE(pool->submit(sized(kSecond, [&](JobContext& ctx) { gate.pass(ctx); })));
  gate.wait_for_arrivals(1);  // the only worker is busy: the jobs below queue up
  const std::vector<int> sizes_ms = {40, 10, 30, 10, 20};
  std::vector<std::uint64_t> ids;
  for (int ms : sizes_ms) ids.push_back(pool->submit(sized(ms * kMillisecond)).id.value);
  gate.open();
  pool->shutdown(ShutdownMode::drain);
  bus.drain(true);
  test::expect_accounting(pool->stats());

  std::vector<int> ran_ms;
  for (const Event& e : recorder.events()) {
    if (e.kind != EventKind::started) continue;
    const auto it = std::find(ids.begin(), ids.end(), e.job);
    if (it != ids.end()) ran_ms.push_back(sizes_ms[static_cast<std::size_t>(it - ids.begin())]);
  }
  EXPECT_EQ(ran_ms, (std::vector<int>{10, 10, 20, 30, 40}));
  // The enqueued events carry the estimate, so a view can draw the queue by size.
  for (const Event& e : recorder.events()) {
    if (e.kind == EventKind::enqueued && e.job == ids[0]) {
      EXPECT_FLOAT_EQ(e.enqueued.size_estimate_ms, 40.0F);
    }
  }
}

TEST(ShortestJobFirst, TheDescriptorDrawsTheQueueBySizeAndCountsFixedServers) {
  const StrategyDescriptor& d = describe(Strategy::shortest_job_first);
  EXPECT_EQ(d.name, "shortest_job_first");
  EXPECT_EQ(d.queue_order, QueueOrder::shortest_first);
  EXPECT_TRUE(d.fixed_servers);
  EXPECT_TRUE(reads(d.settings, "pool.aging_ms"));
  EXPECT_EQ(parse_strategy("shortest_job_first"), Strategy::shortest_job_first);
}

TEST(ShortestJobFirst, TheBuiltInScenarioComparesFifoAndAging) {
  const Scenario s = load_scenario("shortest-job-first");
  EXPECT_EQ(s.pool.strategy, Strategy::shortest_job_first);
  ASSERT_EQ(s.compare.size(), 3u);
  EXPECT_EQ(apply_variant(s, s.compare[1]).pool.strategy, Strategy::fixed);
  EXPECT_GT(apply_variant(s, s.compare[2]).pool.aging_interval, 0);
  EXPECT_FALSE(s.lessons.empty());
}

}  // namespace
}  // namespace poolviz
