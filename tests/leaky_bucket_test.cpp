// Leaky bucket: jobs leave the gate one every 1/rate, never closer, whatever
// the burst; idle time banks nothing; drop mode is the meter (GCRA) form.
// Everything runs on the ManualClock: a waiter parks on the clock, the test
// moves time and sees who has left.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "poolviz/clock.h"
#include "poolviz/compat_thread.h"
#include "poolviz/leaky_bucket_limiter.h"
#include "poolviz/pool_spec.h"
#include "support/limiter_fixtures.h"
#include "support/watchdog.h"

namespace poolviz {
namespace {

using test::Watchdog;
using namespace std::chrono_literals;

LeakyBucketConfig bucket_of(int capacity, double rate, bool drop = false) {
  return test::bucket_of<LeakyBucketConfig>(capacity, rate, drop);
}

/// Starts `n` waiters at the gate one after the other (each parked on the
/// clock before the next pours in, so the leave order is the pour order).
/// `left[i]` becomes true when waiter i passes.
class Waiters {
 public:
  Waiters(LeakyBucketLimiter& bucket, ManualClock& clock, int n) : left_(static_cast<std::size_t>(n)) {
    for (int i = 0; i < n; ++i) {
      threads_.emplace_back([this, &bucket, i] {
        if (bucket.acquire(JobId{static_cast<std::uint64_t>(i + 1)}, {})) {
          left_[static_cast<std::size_t>(i)].store(true, std::memory_order_release);
        }
      });
      clock.wait_for_sleepers(i + 1);
    }
  }
  ~Waiters() {
    for (auto& t : threads_) t.join();
  }
  int count_left() const {
    int n = 0;
    for (const auto& l : left_) n += l.load(std::memory_order_acquire) ? 1 : 0;
    return n;
  }

 private:
  std::vector<std::atomic<bool>> left_;
  std::vector<std::thread> threads_;
};

TEST(LeakyBucket, TheFirstJobPassesAtOnceAndTheNextOneIntervalLater) {
  Watchdog watchdog(30s, "leaky bucket first job");
  ManualClock clock;
  LeakyBucketLimiter bucket(bucket_of(5, 2.0), clock);
  EXPECT_EQ(bucket.interval(), 500 * kMillisecond);
  ASSERT_TRUE(bucket.acquire(JobId{1}, {}));  // no wait: the bucket was empty
  std::atomic<Nanos> left_at{-1};
  std::thread second([&] {
    if (bucket.acquire(JobId{2}, {})) left_at.store(clock.now());
  });
  clock.wait_for_sleepers(1);
  clock.set(500 * kMillisecond);
  second.join();
  EXPECT_EQ(left_at.load(), 500 * kMillisecond);
}

TEST(LeakyBucket, ABurstLeavesOnePerIntervalWhereATokenBucketWouldLetItThrough) {
  Watchdog watchdog(30s, "leaky bucket burst");
  ManualClock clock;
  LeakyBucketLimiter bucket(bucket_of(5, 2.0), clock);
  ASSERT_TRUE(bucket.acquire(JobId{100}, {}));
  {
    Waiters burst(bucket, clock, 4);  // four more pour in at t = 0
    EXPECT_EQ(bucket.level().level, 4);
    for (int step = 1; step <= 4; ++step) {
      clock.set(step * 500 * kMillisecond);
      // Exactly `step` have left: the one due now, not the ones after it.
      while (burst.count_left() < step) std::this_thread::yield();
      if (step < 4) clock.wait_for_sleepers(4 - step);
      EXPECT_EQ(burst.count_left(), step);
    }
  }
  EXPECT_EQ(bucket.level().level, 0);
}

TEST(LeakyBucket, IdleTimeBanksNoBurst) {
  Watchdog watchdog(30s, "leaky bucket idle");
  ManualClock clock;
  LeakyBucketLimiter bucket(bucket_of(5, 2.0), clock);
  clock.set(10 * kSecond);  // a long quiet spell
  ASSERT_TRUE(bucket.acquire(JobId{1}, {}));
  std::atomic<Nanos> left_at{-1};
  std::thread second([&] {
    if (bucket.acquire(JobId{2}, {})) left_at.store(clock.now());
  });
  clock.wait_for_sleepers(1);
  clock.set(10 * kSecond + 500 * kMillisecond);
  second.join();
  EXPECT_EQ(left_at.load(), 10 * kSecond + 500 * kMillisecond);
}

TEST(LeakyBucket, AStoppedWaiterGivesItsSlotBack) {
  Watchdog watchdog(30s, "leaky bucket stop");
  ManualClock clock;
  LeakyBucketLimiter bucket(bucket_of(5, 2.0), clock);
  ASSERT_TRUE(bucket.acquire(JobId{1}, {}));
  poolviz::stop_source stop;
  std::thread waiter([&] { EXPECT_FALSE(bucket.acquire(JobId{2}, stop.get_token())); });
  clock.wait_for_sleepers(1);
  stop.request_stop();
  waiter.join();
  // The slot at 500 ms is free again: the next job leaves then, not at 1 s.
  std::atomic<Nanos> left_at{-1};
  std::thread next([&] {
    if (bucket.acquire(JobId{3}, {})) left_at.store(clock.now());
  });
  clock.wait_for_sleepers(1);
  clock.set(500 * kMillisecond);
  next.join();
  EXPECT_EQ(left_at.load(), 500 * kMillisecond);
}

TEST(LeakyBucket, DropModeRefusesWhatWouldOverflowTheBucket) {
  ManualClock clock;
  LeakyBucketLimiter bucket(bucket_of(2, 1.0, true), clock);
  EXPECT_TRUE(bucket.drops_at_submit());
  EXPECT_TRUE(bucket.try_acquire(JobId{1}));
  EXPECT_TRUE(bucket.try_acquire(JobId{2}));
  EXPECT_FALSE(bucket.try_acquire(JobId{3}));  // full: 2 of 2
  clock.set(kSecond);                          // one job's worth has leaked
  EXPECT_TRUE(bucket.try_acquire(JobId{4}));
  EXPECT_FALSE(bucket.try_acquire(JobId{5}));
}

TEST(LeakyBucket, TheDescriptorSaysHowToDrawAndChangeIt) {
  const LimiterDescriptor& d = describe(LimiterKind::leaky_bucket);
  EXPECT_EQ(d.name, "leaky_bucket");
  EXPECT_TRUE(d.has_rate);         // limiter.rate required, changed live
  EXPECT_TRUE(d.level_is_in_use);  // the gauge shows water, not room
  EXPECT_EQ(parse_limiter("leaky_bucket"), LimiterKind::leaky_bucket);
  ManualClock clock;
  LimiterSpec spec;
  spec.kind = LimiterKind::leaky_bucket;
  spec.rate = 4;
  spec.burst = 3;
  auto limiter = make_limiter(spec, clock, nullptr);
  ASSERT_NE(limiter, nullptr);
  EXPECT_EQ(limiter->kind(), "leaky_bucket");
  EXPECT_EQ(limiter->level().capacity, 3);
}

}  // namespace
}  // namespace poolviz
