// Pipeline of pools: every item passes every stage exactly once, accounting
// holds per stage and overall, a full downstream queue blocks upstream, and
// each stage's events carry its own source index.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <vector>

#include "poolviz/pipeline.h"
#include "support/accounting.h"
#include "support/event_recorder.h"
#include "support/test_jobs.h"
#include "support/watchdog.h"

namespace poolviz {
namespace {

using test::Watchdog;

ExecutorEnv env_of(Clock& clock, EventBus* bus = nullptr, std::uint8_t source = 0) {
  ExecutorEnv env;
  env.clock = &clock;
  env.bus = bus;
  env.source = source;
  return env;
}

PipelineStage stage(std::string name, int workers, std::size_t capacity, JobFn work) {
  PipelineStage s;
  s.name = std::move(name);
  s.workers = workers;
  s.queue_capacity = capacity;
  s.work = std::move(work);
  return s;
}

TEST(Pipeline, EveryItemPassesEveryStageExactlyOnce) {
  Watchdog watchdog(std::chrono::seconds(60), "pipeline exactly-once");
  constexpr int kItems = 2000;
  constexpr int kStages = 3;
  std::vector<std::atomic<int>> passes(static_cast<std::size_t>((kItems + 1) * kStages));
  auto record = [&](int k) {
    return [&passes, k](JobContext& ctx) {
      passes[static_cast<std::size_t>(ctx.id().value) * kStages + static_cast<std::size_t>(k)]
          .fetch_add(1, std::memory_order_relaxed);
    };
  };
  RealClock clock;
  std::vector<PipelineStage> stages;
  stages.push_back(stage("fetch", 2, 4, record(0)));
  stages.push_back(stage("parse", 3, 4, record(1)));
  stages.push_back(stage("store", 1, 4, record(2)));
  Pipeline pipeline(std::move(stages), env_of(clock));
  EXPECT_EQ(pipeline.stage_count(), 3U);
  EXPECT_EQ(pipeline.stage_name(1), "parse");
  for (int i = 0; i < kItems; ++i) ASSERT_TRUE(pipeline.submit(Job{}));
  pipeline.wait_idle();
  pipeline.shutdown(ShutdownMode::drain);

  int wrong = 0;
  for (int item = 1; item <= kItems; ++item) {
    for (int k = 0; k < kStages; ++k) {
      if (passes[static_cast<std::size_t>(item * kStages + k)].load() != 1) ++wrong;
    }
  }
  EXPECT_EQ(wrong, 0);
  for (std::size_t k = 0; k < pipeline.stage_count(); ++k) {
    const ExecutorStats s = pipeline.stage_stats(k);
    EXPECT_EQ(s.submitted, static_cast<std::uint64_t>(kItems)) << "stage " << k;
    EXPECT_EQ(s.completed, static_cast<std::uint64_t>(kItems)) << "stage " << k;
    test::expect_accounting(s);
  }
  const ExecutorStats total = pipeline.stats();
  EXPECT_EQ(total.submitted, static_cast<std::uint64_t>(kItems));
  EXPECT_EQ(total.completed, static_cast<std::uint64_t>(kItems));
  test::expect_accounting(total);
}

// fetch (1 worker, queue 10) → parse (1 worker, queue 2, held by a gate).
// parse holds item 1, its queue holds items 2 and 3, and fetch's worker is
// stuck handing over item 4; items 5..10 wait in fetch's queue.
TEST(Pipeline, FullDownstreamQueueBlocksTheUpstreamWorker) {
  Watchdog watchdog(std::chrono::seconds(60), "pipeline backpressure");
  ManualClock clock;
  EventBus bus;
  test::EventRecorder recorder;
  bus.attach(&recorder);
  test::JobGate gate;
  std::vector<PipelineStage> stages;
  stages.push_back(stage("fetch", 1, 10, nullptr));
  stages.push_back(stage("parse", 1, 2, [&](JobContext& ctx) { gate.pass(ctx); }));
  Pipeline pipeline(std::move(stages), env_of(clock, &bus));
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(pipeline.submit(Job{}));
  gate.wait_for_arrivals(1);
  // fetch may block briefly on item 3 before parse has taken item 1; blocking
  // on item 4 means the queue is [2, 3] with 1 held: a state that stays put.
  recorder.drain_until(bus, [](const std::vector<Event>& events) {
    return test::has_event(events, EventKind::blocked, 4);
  });

  const ExecutorStats fetch = pipeline.stage_stats(0);
  const ExecutorStats parse = pipeline.stage_stats(1);
  EXPECT_EQ(parse.queue_depth, 2);
  EXPECT_EQ(parse.in_service, 1);
  EXPECT_EQ(fetch.in_service, 1) << "fetch's worker holds item 4 on the full queue";
  EXPECT_EQ(fetch.queue_depth, 6);
  EXPECT_EQ(fetch.completed, 3U);
  for (const Event& e : recorder.events()) {
    if (e.kind == EventKind::blocked) {
      EXPECT_EQ(e.source, 1) << "the full queue is parse's";
      EXPECT_TRUE(e.job == 3U || e.job == 4U) << e.job;
    }
  }
  gate.open();
  pipeline.shutdown(ShutdownMode::drain);
  EXPECT_EQ(pipeline.stats().completed, 10U);
  test::expect_accounting(pipeline.stats());
}

TEST(Pipeline, FailedItemStopsAtItsStageAndAccountingHoldsPerStage) {
  Watchdog watchdog(std::chrono::seconds(60), "pipeline failures");
  RealClock clock;
  std::atomic<int> stored{0};
  std::vector<PipelineStage> stages;
  stages.push_back(stage("fetch", 2, 8, nullptr));
  stages.push_back(stage("parse", 2, 8, [](JobContext& ctx) {
    if (ctx.id().value % 5 == 0) throw std::runtime_error("malformed");
  }));
  stages.push_back(stage("store", 2, 8, [&](JobContext&) { ++stored; }));
  Pipeline pipeline(std::move(stages), env_of(clock));
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(pipeline.submit(Job{}));
  pipeline.shutdown(ShutdownMode::drain);

  EXPECT_EQ(stored.load(), 80);
  EXPECT_EQ(pipeline.stage_stats(1).failed, 20U);
  EXPECT_EQ(pipeline.stage_stats(2).submitted, 80U);
  for (std::size_t k = 0; k < 3; ++k) test::expect_accounting(pipeline.stage_stats(k));
  const ExecutorStats total = pipeline.stats();
  EXPECT_EQ(total.completed, 80U);
  EXPECT_EQ(total.failed, 20U);
  test::expect_accounting(total);
  ASSERT_FALSE(pipeline.recent_failures().empty());
  EXPECT_EQ(pipeline.recent_failures().front().message, "malformed");
}

TEST(Pipeline, RetriesApplyPerStageAndKeepTheItemId) {
  Watchdog watchdog(std::chrono::seconds(60), "pipeline retries");
  ManualClock clock;
  std::vector<PipelineStage> stages;
  stages.push_back(stage("fetch", 1, 8, [](JobContext& ctx) {
    if (ctx.attempt() == 1) throw std::runtime_error("timeout upstream");
  }));
  stages.push_back(stage("store", 1, 8, nullptr));
  Pipeline pipeline(std::move(stages), env_of(clock));
  Job item;
  item.retry.max_attempts = 2;  // no backoff: straight back into the queue
  const SubmitResult r = pipeline.submit(item);
  ASSERT_TRUE(r);
  pipeline.wait_idle();
  EXPECT_EQ(pipeline.stage_stats(0).retried, 1U);
  EXPECT_EQ(pipeline.stage_stats(1).completed, 1U);
  pipeline.shutdown(ShutdownMode::drain);
  test::expect_accounting(pipeline.stats());
}

TEST(Pipeline, EachStagesEventsCarryItsSourceIndex) {
  Watchdog watchdog(std::chrono::seconds(60), "pipeline sources");
  ManualClock clock;
  EventBus bus;
  test::EventRecorder recorder;
  bus.attach(&recorder);
  std::vector<PipelineStage> stages;
  for (const char* name : {"fetch", "parse", "store"}) stages.push_back(stage(name, 2, 4, nullptr));
  Pipeline pipeline(std::move(stages), env_of(clock, &bus, 4));
  std::vector<JobId> items;
  for (int i = 0; i < 20; ++i) items.push_back(pipeline.submit(Job{}).id);
  pipeline.shutdown(ShutdownMode::drain);
  bus.drain(true);
  for (JobId id : items) {
    std::vector<int> started_sources;
    for (const Event& e : recorder.of_job(id.value)) {
      if (e.kind == EventKind::started) started_sources.push_back(e.source);
    }
    std::sort(started_sources.begin(), started_sources.end());
    EXPECT_EQ(started_sources, (std::vector<int>{4, 5, 6})) << "item " << id.value;
  }
}

TEST(Pipeline, CancelReleasesUpstreamWorkersBlockedOnAFullStage) {
  Watchdog watchdog(std::chrono::seconds(60), "pipeline cancel");
  ManualClock clock;
  EventBus bus;
  test::EventRecorder recorder;
  bus.attach(&recorder);
  test::JobGate gate;
  std::vector<PipelineStage> stages;
  stages.push_back(stage("fetch", 2, 10, nullptr));
  stages.push_back(stage("parse", 1, 1, [&](JobContext& ctx) { gate.pass(ctx); }));
  Pipeline pipeline(std::move(stages), env_of(clock, &bus));
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(pipeline.submit(Job{}));
  gate.wait_for_arrivals(1);
  recorder.drain_until(bus, [](const std::vector<Event>& events) {
    return test::has_event(events, EventKind::blocked);
  });
  pipeline.shutdown(ShutdownMode::cancel);
  const ExecutorStats total = pipeline.stats();
  EXPECT_EQ(total.completed, 0U);
  test::expect_accounting(total);
  for (std::size_t k = 0; k < 2; ++k) test::expect_accounting(pipeline.stage_stats(k));
}

}  // namespace
}  // namespace poolviz
