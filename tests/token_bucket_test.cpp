// Token bucket: a burst up to capacity, then exactly one start per 1/rate;
// idle time refills only to capacity; time going backwards mints nothing.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <mutex>
#include <vector>

#include "poolviz/pool_spec.h"
#include "poolviz/token_bucket_limiter.h"
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

TokenBucketConfig bucket_of(int capacity, double rate, bool drop = false) {
  return test::bucket_of<TokenBucketConfig>(capacity, rate, drop);
}

// The tutorial's bucket (000): capacity 5, starts full, +1 token per second,
// 3 workers, 10 jobs: five start at once, then one per second, job 10 at 5 s.
TEST(TokenBucket, FirstBurstStartAtOnceThenExactlyOnePerInterval) {
  Watchdog watchdog(std::chrono::seconds(60), "token bucket burst");
  ManualClock clock;
  auto bucket = std::make_shared<TokenBucketLimiter>(bucket_of(5, 1.0), clock);
  WorkerPool pool(workers(3), env_of(clock, bucket));
  StartLog log;
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(pool.submit(make_job([&](JobContext& ctx) { log.record(ctx.clock().now()); })));
  }
  log.wait_for(5);
  for (std::size_t k = 1; k <= 5; ++k) {
    clock.advance(kSecond);
    log.wait_for(5 + k);
  }
  pool.wait_idle();
  pool.shutdown(ShutdownMode::drain);
  const std::vector<Nanos> expected = {0,       0,           0,           0,           0,
                                       kSecond, 2 * kSecond, 3 * kSecond, 4 * kSecond, 5 * kSecond};
  EXPECT_EQ(log.sorted(), expected);
  test::expect_accounting(pool.stats());
  EXPECT_EQ(pool.stats().completed, 10U);
}

TEST(TokenBucket, IdleTimeRefillsOnlyUpToCapacity) {
  ManualClock clock;
  TokenBucketLimiter bucket(bucket_of(5, 1.0), clock);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(bucket.try_acquire({}));
  EXPECT_FALSE(bucket.try_acquire({}));
  EXPECT_EQ(bucket.level().level, 0.0);

  clock.advance(10 * kSecond);  // ten intervals of idle time
  EXPECT_EQ(bucket.level().level, 5.0);
  EXPECT_EQ(bucket.level().capacity, 5.0);
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(bucket.try_acquire({})) << "token " << i;
  EXPECT_FALSE(bucket.try_acquire({})) << "idle time banked more than the capacity";
}

TEST(TokenBucket, PartialIntervalShowsAsAFractionalLevelButNoToken) {
  ManualClock clock;
  TokenBucketLimiter bucket(bucket_of(2, 4.0), clock);  // a token every 250 ms
  ASSERT_TRUE(bucket.try_acquire({}));
  ASSERT_TRUE(bucket.try_acquire({}));
  clock.advance(125 * kMillisecond);
  EXPECT_DOUBLE_EQ(bucket.level().level, 0.5);
  EXPECT_FALSE(bucket.try_acquire({}));
  clock.advance(125 * kMillisecond);
  EXPECT_TRUE(bucket.try_acquire({}));
}

TEST(TokenBucket, TimeGoingBackwardsMintsNoTokens) {
  ManualClock clock(10 * kSecond);
  TokenBucketLimiter bucket(bucket_of(2, 1.0), clock);
  ASSERT_TRUE(bucket.try_acquire({}));
  ASSERT_TRUE(bucket.try_acquire({}));

  clock.set(0);  // ten seconds back
  EXPECT_FALSE(bucket.try_acquire({}));
  EXPECT_EQ(bucket.level().level, 0.0);
  clock.set(10 * kSecond);  // back where we were: no time has passed since the drain
  EXPECT_FALSE(bucket.try_acquire({}));
  clock.set(10 * kSecond + 999 * kMillisecond);
  EXPECT_FALSE(bucket.try_acquire({}));
  clock.set(11 * kSecond);
  EXPECT_TRUE(bucket.try_acquire({}));
  EXPECT_FALSE(bucket.try_acquire({}));
}

TEST(TokenBucket, EmitsTakenAndRefilledEventsCarryingTheLevel) {
  ManualClock clock;
  EventBus bus;
  test::EventRecorder recorder;
  bus.attach(&recorder);
  TokenBucketLimiter bucket(bucket_of(3, 1.0), clock, &bus, 7);
  for (std::uint64_t job = 1; job <= 3; ++job) ASSERT_TRUE(bucket.try_acquire(JobId{job}));
  clock.advance(2 * kSecond);
  ASSERT_TRUE(bucket.try_acquire(JobId{4}));
  bus.drain(true);

  std::vector<float> taken, refilled;
  for (const Event& e : recorder.events()) {
    EXPECT_EQ(e.source, 7);
    const payload::Tokens& level =
        e.kind == EventKind::token_taken ? e.token_taken : e.token_refilled;
    EXPECT_EQ(level.capacity, 3);
    if (e.kind == EventKind::token_taken) taken.push_back(level.tokens);
    if (e.kind == EventKind::token_refilled) refilled.push_back(level.tokens);
  }
  EXPECT_EQ(taken, (std::vector<float>{2, 1, 0, 1}));
  EXPECT_EQ(refilled, (std::vector<float>{2}));
}

TEST(TokenBucket, DropModeRefusesAtSubmitWithLimiterDrop) {
  ManualClock clock;
  auto bucket = std::make_shared<TokenBucketLimiter>(bucket_of(2, 1.0, true), clock);
  WorkerPool pool(workers(1), env_of(clock, bucket));
  int accepted = 0, dropped = 0;
  for (int i = 0; i < 5; ++i) {
    const SubmitResult r = pool.submit(make_job([](JobContext&) {}));
    if (r) ++accepted;
    if (r.reason == RejectReason::limiter_drop) ++dropped;
  }
  EXPECT_EQ(accepted, 2);
  EXPECT_EQ(dropped, 3);
  clock.advance(kSecond);
  EXPECT_TRUE(pool.submit(make_job([](JobContext&) {})));
  pool.shutdown(ShutdownMode::drain);
  const ExecutorStats s = pool.stats();
  EXPECT_EQ(s.completed, 3U);
  EXPECT_EQ(s.rejected, 3U);
  test::expect_accounting(s);
}

TEST(TokenBucket, RaisingTheRateWakesAWaiterEarly) {
  Watchdog watchdog(std::chrono::seconds(60), "token bucket set_rate");
  ManualClock clock;
  auto bucket = std::make_shared<TokenBucketLimiter>(bucket_of(1, 1.0), clock);
  ASSERT_TRUE(bucket->try_acquire({}));
  WorkerPool pool(workers(1), env_of(clock, bucket));
  StartLog log;
  ASSERT_TRUE(pool.submit(make_job([&](JobContext& ctx) { log.record(ctx.clock().now()); })));
  clock.wait_for_sleepers(1);  // the worker waits for the token due at 1 s
  bucket->set_rate(10.0);      // now due at 100 ms
  EXPECT_EQ(bucket->refill_interval(), 100 * kMillisecond);
  clock.advance(100 * kMillisecond);
  log.wait_for(1);
  EXPECT_EQ(log.sorted(), std::vector<Nanos>{100 * kMillisecond});
  pool.shutdown(ShutdownMode::drain);
}

// Held jobs take the tokens in the order they reached the gate, one per
// refill and several when several arrive at once; a new job arriving while
// others wait does not overtake them (try_acquire refuses).
TEST(TokenBucket, HeldJobsTakeTheTokensInTheOrderTheyArrived) {
  Watchdog watchdog(std::chrono::seconds(60), "token bucket FIFO");
  ManualClock clock;
  EventBus bus;
  test::EventRecorder recorder;
  bus.attach(&recorder);
  TokenBucketLimiter bucket(bucket_of(3, 10.0), clock, &bus);  // +1 token per 100 ms
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(bucket.try_acquire({}));
  test::GateHolders holders;
  constexpr int kJobs = 5;
  holders.start(
      kJobs, [&](JobId job) { return bucket.acquire(job, {}); },
      [&](int i) { clock.wait_for_sleepers(i); });
  clock.advance(100 * kMillisecond);
  EXPECT_FALSE(bucket.try_acquire({})) << "a newcomer overtook the held jobs";
  holders.wait_for(1);
  clock.wait_for_sleepers(kJobs - 1);
  clock.advance(300 * kMillisecond);  // three tokens at once
  holders.wait_for(4);
  clock.wait_for_sleepers(1);
  clock.advance(100 * kMillisecond);
  holders.wait_for(5);
  EXPECT_EQ(test::granted_jobs(bus, recorder),
            (std::vector<std::uint64_t>{1, 2, 3, 4, 5}));
}

TEST(TokenBucket, MakeLimiterBuildsItFromTheSpec) {
  ManualClock clock;
  LimiterSpec spec;
  spec.kind = LimiterKind::token_bucket;
  spec.rate = 2;
  spec.burst = 5;
  auto limiter = make_limiter(spec, clock, nullptr);
  ASSERT_NE(limiter, nullptr);
  EXPECT_EQ(limiter->kind(), "token_bucket");
  EXPECT_EQ(limiter->level().capacity, 5.0);
  EXPECT_EQ(limiter->level().level, 5.0);
  EXPECT_FALSE(limiter->drops_at_submit());
}

}  // namespace
}  // namespace poolviz
