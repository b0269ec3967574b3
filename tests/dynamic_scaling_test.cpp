// Dynamic scaling: WorkerPool with PoolConfig::scaling (min/max workers, scale
// up when depth > factor × workers, retire after idle_timeout, never below min).
//
// Time is the ManualClock: the only thread sleeping on it is the pool's scaler
// (jobs block on gates), so wait_for_sleepers(1) says "the scaler is waiting
// for its next deadline" and advance() makes that deadline pass. Where the
// test must wait for workers to park, it polls stats() (a condition, not a
// sleep) under a watchdog.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <random>
#include <thread>
#include <vector>

#include "poolviz/clock.h"
#include "poolviz/scaling_policy.h"
#include "poolviz/event.h"
#include "poolviz/worker_pool.h"
#include "poolviz/pool_spec.h"
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

using test::env_of;

PoolConfig scaling(int min, int max, Nanos idle_timeout = 2 * kSecond, Nanos interval = 0) {
  PoolConfig config;
  config.scaling.min_workers = min;
  config.scaling.max_workers = max;
  config.scaling.idle_timeout = idle_timeout;
  config.scaling.scale_interval = interval;
  return config;
}

/// Spins (yielding) until `done` holds; the test's Watchdog catches a hang.
void eventually(const std::function<bool()>& done) {
  while (!done()) std::this_thread::yield();
}

std::vector<Event> of_kind(const std::vector<Event>& events, EventKind kind) {
  std::vector<Event> out;
  std::copy_if(events.begin(), events.end(), std::back_inserter(out),
               [kind](const Event& e) { return e.kind == kind; });
  return out;
}

/// The worker count after every spawn and retirement stays within [min, max].
void expect_within_bounds(const std::vector<Event>& events, int min, int max) {
  for (const Event& e : events) {
    if (e.kind != EventKind::worker_spawned && e.kind != EventKind::worker_retired) continue;
    // The start (spawned one by one up to min) and the shutdown are outside the run.
    const payload::WorkerChange& change =
        e.kind == EventKind::worker_spawned ? e.worker_spawned : e.worker_retired;
    const WorkerReason why = change.reason;
    if (why == WorkerReason::start || why == WorkerReason::shutdown) continue;
    EXPECT_LE(change.alive_after, max) << to_string(e.kind) << " at seq " << e.seq;
    EXPECT_GE(change.alive_after, min) << to_string(e.kind) << " at seq " << e.seq;
  }
}

std::size_t count_with_reason(const std::vector<Event>& events, EventKind kind,
                              WorkerReason reason) {
  return static_cast<std::size_t>(std::count_if(events.begin(), events.end(), [&](const Event& e) {
    if (e.kind != kind) return false;
    return (kind == EventKind::worker_spawned ? e.worker_spawned.reason
                                              : e.worker_retired.reason) == reason;
  }));
}

TEST(DynamicScaling, GrowsToMaxUnderABurstThenShrinksToMinAfterIdleNeverOutside) {
  Watchdog watchdog(60s, "burst and idle");
  constexpr int kMin = 2, kMax = 5, kBurst = 30;
  ManualClock clock;
  EventBus bus;
  EventRecorder recorder;
  bus.attach(&recorder);
  WorkerPool pool(scaling(kMin, kMax), env_of(clock, &bus));
  EXPECT_EQ(pool.strategy(), "dynamic");
  EXPECT_EQ(pool.stats().workers_alive, kMin);

  JobGate gate;
  for (int i = 0; i < kBurst; ++i) {
    ASSERT_TRUE(pool.submit(make_job([&](JobContext& ctx) { gate.pass(ctx); })));
  }
  EXPECT_EQ(pool.stats().workers_alive, kMax) << "30 queued > 2 × workers all the way up";
  gate.wait_for_arrivals(kMax);

  gate.open();
  pool.wait_idle();
  eventually([&] { return pool.stats().workers_busy == 0; });  // every worker parked at t = 0
  clock.wait_for_sleepers(1);                                  // the scaler waits for t = 2 s
  clock.advance(2 * kSecond);
  eventually([&] { return pool.stats().workers_alive == kMin; });
  // All idle since the same instant: the retirements must stop at min together.
  clock.advance(10 * kSecond);
  EXPECT_EQ(pool.stats().workers_alive, kMin);

  pool.shutdown(ShutdownMode::drain);
  bus.drain(true);
  expect_accounting(pool.stats());
  const auto events = recorder.events();
  expect_within_bounds(events, kMin, kMax);

  // Every change has its decision event, with the reason and the depth behind it.
  const auto resized = of_kind(events, EventKind::pool_resized);
  int ups = 0, retires = 0;
  for (const Event& e : resized) {
    const payload::PoolResized& r = e.pool_resized;
    switch (r.reason) {
      case ResizeReason::scale_up:
        ++ups;
        EXPECT_GT(r.workers_after, r.workers_before);
        EXPECT_LE(r.workers_after, kMax);
        EXPECT_GT(r.trigger_depth, 2.0F * static_cast<float>(r.workers_before))
            << "depth > 2 × workers";
        break;
      case ResizeReason::idle_retire:
        ++retires;
        EXPECT_EQ(r.workers_after, r.workers_before - 1);
        EXPECT_GE(r.workers_after, kMin);
        break;
      default:
        ADD_FAILURE() << "unexpected resize reason " << static_cast<int>(r.reason);
    }
  }
  EXPECT_GE(ups, 1);
  EXPECT_EQ(retires, kMax - kMin);
  EXPECT_EQ(count_with_reason(events, EventKind::worker_spawned, WorkerReason::scale_up),
            static_cast<std::size_t>(kMax - kMin));
  EXPECT_EQ(count_with_reason(events, EventKind::worker_retired, WorkerReason::idle_timeout),
            static_cast<std::size_t>(kMax - kMin));
}

TEST(DynamicScaling, AWorkerIdleShorterThanTheTimeoutStays) {
  Watchdog watchdog(60s, "short idle");
  ManualClock clock;
  WorkerPool pool(scaling(1, 3), env_of(clock));
  ASSERT_TRUE(pool.set_workers(3));  // by hand, above min
  eventually([&] { return pool.stats().workers_busy == 0; });
  clock.wait_for_sleepers(1);
  clock.advance(2 * kSecond - 1);
  // The scaler re-arms for the exact deadline; it is asleep again before time moves on.
  clock.wait_for_sleepers(1);
  EXPECT_EQ(pool.stats().workers_alive, 3);
  clock.advance(1);
  eventually([&] { return pool.stats().workers_alive == 1; });
  pool.shutdown(ShutdownMode::drain);
  expect_accounting(pool.stats());
}

TEST(DynamicScaling, PeriodicCheckAddsDepthOverFactorAtTheInterval) {
  // The tutorial (003): min 2, max 10, check every 2 s, a burst of 20 jobs.
  Watchdog watchdog(60s, "periodic check");
  ManualClock clock;
  EventBus bus;
  EventRecorder recorder;
  bus.attach(&recorder);
  WorkerPool pool(scaling(2, 10, 2 * kSecond, 2 * kSecond), env_of(clock, &bus));
  JobGate gate;
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(pool.submit(make_job([&](JobContext& ctx) { gate.pass(ctx); })));
  }
  gate.wait_for_arrivals(2);  // the two workers hold a job each: 18 queued
  EXPECT_EQ(pool.stats().workers_alive, 2) << "no check until the interval";
  clock.wait_for_sleepers(1);
  clock.advance(2 * kSecond);
  eventually([&] { return pool.stats().workers_alive == 10; });  // 2 + min(10 - 2, 18 / 2)
  gate.open();
  pool.shutdown(ShutdownMode::drain);
  bus.drain(true);
  expect_accounting(pool.stats());

  const auto resized = of_kind(recorder.events(), EventKind::pool_resized);
  ASSERT_FALSE(resized.empty());
  EXPECT_EQ(resized.front().pool_resized.reason, ResizeReason::scale_up);
  EXPECT_EQ(resized.front().pool_resized.workers_before, 2);
  EXPECT_EQ(resized.front().pool_resized.workers_after, 10);
  EXPECT_EQ(resized.front().pool_resized.trigger_depth, 18.0F);
  ScalingPolicy policy = scaling(2, 10).scaling.resolved();
  EXPECT_EQ(explain_resize(resized.front(), policy), "depth 18 > 2×2: +8 workers");
}

TEST(DynamicScaling, ResizeUnderLoadLosesNothing) {
  Watchdog watchdog(120s, "resize under load");
  constexpr int kMin = 1, kMax = 6;
  ManualClock clock;
  EventBus bus(1 << 16);
  EventRecorder recorder;
  bus.attach(&recorder);
  WorkerPool pool(scaling(kMin, kMax, kMillisecond), env_of(clock, &bus));
  constexpr int kProducers = 3, kPerProducer = 2000;
  std::vector<std::atomic<int>> runs(kProducers * kPerProducer);
  std::atomic<int> producers_done{0};
  std::vector<std::thread> producers;
  for (int p = 0; p < kProducers; ++p) {
    producers.emplace_back([&, p] {
      for (int i = 0; i < kPerProducer; ++i) {
        auto& counter = runs[static_cast<std::size_t>(p * kPerProducer + i)];
        EXPECT_TRUE(pool.submit(make_job([&counter](JobContext&) { counter.fetch_add(1); })));
      }
      producers_done.fetch_add(1);
    });
  }
  // Meanwhile time runs on (idle retirements) and the count is changed by hand.
  std::mt19937 rng(11);
  while (producers_done.load() < kProducers) {
    clock.advance(kMillisecond);
    if (rng() % 8 == 0) pool.set_workers(static_cast<int>(rng() % 8));
    bus.drain();
    std::this_thread::yield();
  }
  for (auto& t : producers) t.join();
  pool.wait_idle();
  for (const auto& r : runs) ASSERT_EQ(r.load(), 1);
  pool.shutdown(ShutdownMode::drain);
  bus.drain(true);
  expect_accounting(pool.stats());
  EXPECT_EQ(bus.dropped(), 0U);
  expect_within_bounds(recorder.events(), kMin, kMax);
}

TEST(DynamicScaling, TheFactoryFillsTheDefaults) {
  Watchdog watchdog(60s, "factory");
  ManualClock clock;
  PoolSpec spec;
  spec.strategy = Strategy::dynamic;
  spec.min_workers = 2;
  spec.max_workers = 4;
  auto pool = make_executor(spec, env_of(clock));
  EXPECT_EQ(pool->strategy(), "dynamic");
  EXPECT_EQ(pool->stats().workers_alive, 2);
  for (int i = 0; i < 40; ++i) ASSERT_TRUE(pool->submit(make_job({})));
  pool->shutdown(ShutdownMode::drain);
  expect_accounting(pool->stats());

  const ScalingPolicy defaults = ScalingPolicy{.max_workers = 1}.resolved();
  EXPECT_EQ(defaults.min_workers, 1);
  EXPECT_EQ(defaults.scale_up_factor, 2.0);
  EXPECT_EQ(defaults.idle_timeout, 2 * kSecond);
  EXPECT_EQ(scale_up_target(ScalingPolicy{.min_workers = 2, .max_workers = 10}.resolved(), 4, 9),
            8);  // 4 + 9 / 2
  EXPECT_EQ(scale_up_target(ScalingPolicy{.min_workers = 2, .max_workers = 10}.resolved(), 4, 8),
            4);
  EXPECT_EQ(scale_up_target(ScalingPolicy{.min_workers = 2, .max_workers = 10}.resolved(), 4, 99),
            10);
}

}  // namespace
}  // namespace poolviz
