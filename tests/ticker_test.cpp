// Ticker: one job start per tick whatever the worker count; at most one tick
// banked; time going backwards releases nothing; held jobs are served first come, first served.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "poolviz/compat_thread.h"
#include "poolviz/pool_spec.h"
#include "poolviz/ticker_limiter.h"
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

using test::StartLog;
using test::workers;

using test::env_of;

TickerConfig every(Nanos interval) {
  TickerConfig config;
  config.interval = interval;
  return config;
}

class TickerWorkers : public ::testing::TestWithParam<int> {};

// Tutorial 000: a 100 ms ticker, 10 jobs → starts at 100, 200, ..., 1000 ms.
// With twice the workers it is no faster: the metronome sets the pace.
TEST_P(TickerWorkers, ReleasesExactlyOneJobPerTick) {
  Watchdog watchdog(std::chrono::seconds(60), "ticker pacing");
  ManualClock clock;
  auto ticker = std::make_shared<TickerLimiter>(every(100 * kMillisecond), clock);
  WorkerPool pool(workers(GetParam()), env_of(clock, ticker));
  StartLog log;
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(pool.submit(make_job([&](JobContext& ctx) { log.record(ctx.clock().now()); })));
  }
  std::vector<Nanos> expected;
  for (std::size_t k = 1; k <= 10; ++k) {
    clock.advance(100 * kMillisecond);
    log.wait_for(k);
    expected.push_back(static_cast<Nanos>(k) * 100 * kMillisecond);
  }
  pool.shutdown(ShutdownMode::drain);
  EXPECT_EQ(log.sorted(), expected);
  test::expect_accounting(pool.stats());
}

INSTANTIATE_TEST_SUITE_P(Ticker, TickerWorkers, ::testing::Values(1, 3, 6));

TEST(Ticker, FirstReleaseComesOneIntervalAfterTheStart) {
  ManualClock clock;
  TickerLimiter ticker(every(500 * kMillisecond), clock);
  EXPECT_FALSE(ticker.try_acquire({}));
  clock.advance(499 * kMillisecond);
  EXPECT_FALSE(ticker.try_acquire({}));
  clock.advance(kMillisecond);
  EXPECT_TRUE(ticker.try_acquire({}));
  EXPECT_FALSE(ticker.try_acquire({}));
}

TEST(Ticker, IdleTimeBanksAtMostOneTick) {
  ManualClock clock;
  TickerLimiter ticker(every(100 * kMillisecond), clock);
  clock.advance(kSecond);  // ten ticks pass unread
  EXPECT_EQ(ticker.level().level, 1.0);
  EXPECT_TRUE(ticker.try_acquire({}));
  EXPECT_FALSE(ticker.try_acquire({})) << "a ticker must not burst after idle time";
  clock.advance(100 * kMillisecond);  // the grid stays put: next tick at 1.1 s
  EXPECT_TRUE(ticker.try_acquire({}));
}

TEST(Ticker, TimeGoingBackwardsReleasesNothing) {
  ManualClock clock;
  TickerLimiter ticker(every(100 * kMillisecond), clock);
  clock.advance(100 * kMillisecond);
  ASSERT_TRUE(ticker.try_acquire({}));
  clock.set(0);
  EXPECT_FALSE(ticker.try_acquire({}));
  clock.set(100 * kMillisecond);
  EXPECT_FALSE(ticker.try_acquire({})) << "the 100 ms tick was already taken";
  clock.set(200 * kMillisecond);
  EXPECT_TRUE(ticker.try_acquire({}));
}

TEST(Ticker, EmitsOneRefillPerTickAndOneTakePerRelease) {
  ManualClock clock;
  EventBus bus;
  test::EventRecorder recorder;
  bus.attach(&recorder);
  TickerLimiter ticker(every(100 * kMillisecond), clock, &bus, 2);
  for (std::uint64_t job = 1; job <= 3; ++job) {
    clock.advance(100 * kMillisecond);
    ASSERT_TRUE(ticker.try_acquire(JobId{job}));
  }
  bus.drain(true);
  EXPECT_EQ(recorder.count(EventKind::token_refilled), 3U);
  EXPECT_EQ(recorder.count(EventKind::token_taken), 3U);
  for (const Event& e : recorder.events()) {
    EXPECT_EQ(e.source, 2);
    if (e.kind == EventKind::token_taken) {
      EXPECT_EQ(e.t % (100 * kMillisecond), 0);
    }
  }
}

// A held job takes the ticks in the order it reached the gate: five jobs
// queue at the gate one after another, and tick k releases the k-th.
TEST(Ticker, HeldJobsTakeTheTicksInTheOrderTheyArrived) {
  Watchdog watchdog(std::chrono::seconds(60), "ticker FIFO");
  ManualClock clock;
  TickerLimiter ticker(every(100 * kMillisecond), clock);
  test::GateHolders holders;
  constexpr int kJobs = 5;
  holders.start(
      kJobs, [&](JobId job) { return ticker.acquire(job, {}); },
      [&](int i) { clock.wait_for_sleepers(i); });
  for (std::size_t k = 1; k <= kJobs; ++k) {
    clock.advance(100 * kMillisecond);
    holders.wait_for(k);
    clock.wait_for_sleepers(kJobs - static_cast<int>(k));  // the rest are back asleep
  }
  EXPECT_EQ(holders.order(), (std::vector<std::uint64_t>{1, 2, 3, 4, 5}));
}

TEST(Ticker, MakeLimiterTurnsTheRateIntoAnInterval) {
  ManualClock clock;
  LimiterSpec spec;
  spec.kind = LimiterKind::ticker;
  spec.rate = 2;  // tutorial 003: 500 ms
  auto limiter = make_limiter(spec, clock, nullptr);
  ASSERT_NE(limiter, nullptr);
  EXPECT_EQ(limiter->kind(), "ticker");
  auto* ticker = dynamic_cast<TickerLimiter*>(limiter.get());
  ASSERT_NE(ticker, nullptr);
  EXPECT_EQ(ticker->interval(), 500 * kMillisecond);
}

}  // namespace
}  // namespace poolviz
