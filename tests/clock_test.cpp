// Clocks: real, scenario (real × speed, pausable) and manual. No test here
// asserts how long anything took; time is either moved by hand (ManualClock),
// frozen (a paused ScenarioClock) or so fast (speed 1e6) that any wait ends.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include "poolviz/compat_thread.h"
#include <thread>
#include <vector>

#include "poolviz/clock.h"
#include "support/watchdog.h"

namespace poolviz {
namespace {

using test::Watchdog;
using namespace std::chrono_literals;

// [SECTION] ManualClock ---------------------------------------------------------

TEST(ManualClock, SleeperWakesOnlyWhenTimeReachesItsDeadline) {
  Watchdog watchdog(30s, "manual clock sleeper");
  ManualClock clock(10);
  EXPECT_EQ(clock.now(), 10);
  EXPECT_FALSE(clock.flows());
  std::atomic<int> result{-1};
  std::thread sleeper([&] { result = clock.sleep_until(100, poolviz::stop_token{}); });
  clock.wait_for_sleepers(1);
  clock.advance(50);  // 60 < 100: the sleeper stays (it is counted until it returns)
  EXPECT_EQ(clock.sleepers(), 1);
  EXPECT_EQ(result.load(), -1);
  clock.advance(40);
  sleeper.join();
  EXPECT_EQ(result.load(), 1);
  EXPECT_EQ(clock.sleepers(), 0);
  EXPECT_EQ(clock.now(), 100);
}

TEST(ManualClock, StopWakesASleeperWithFalse) {
  Watchdog watchdog(30s, "manual clock stop");
  ManualClock clock;
  poolviz::stop_source stop;
  std::atomic<int> result{-1};
  std::thread sleeper([&] { result = clock.sleep_until(kNever, stop.get_token()); });
  clock.wait_for_sleepers(1);
  stop.request_stop();
  sleeper.join();
  EXPECT_EQ(result.load(), 0);
}

TEST(ManualClock, PastDeadlineReturnsAtOnceAndSetMayGoBackwards) {
  ManualClock clock(1000);
  EXPECT_TRUE(clock.sleep_until(999, poolviz::stop_token{}));
  clock.advance(-5);  // negative steps are ignored
  EXPECT_EQ(clock.now(), 1000);
  clock.set(200);
  EXPECT_EQ(clock.now(), 200);
}

TEST(ManualClock, OneAdvanceWakesEverySleeperWhoseDeadlinePassed) {
  Watchdog watchdog(30s, "manual clock many sleepers");
  ManualClock clock;
  std::atomic<int> woke{0};
  std::vector<std::thread> sleepers;
  for (int i = 1; i <= 4; ++i) {
    sleepers.emplace_back([&, i] {
      if (clock.sleep_until(i * kMillisecond, poolviz::stop_token{})) ++woke;
    });
  }
  clock.wait_for_sleepers(4);
  clock.advance(2 * kMillisecond);  // wakes the sleepers at 1 and 2 ms only
  clock.advance(2 * kMillisecond);  // and now the others
  for (auto& t : sleepers) t.join();
  EXPECT_EQ(woke.load(), 4);
}

// [SECTION] RealClock -----------------------------------------------------------

TEST(RealClock, StartsNearZeroAndNeverGoesBackwards) {
  RealClock clock;
  Nanos last = clock.now();
  EXPECT_GE(last, 0);
  for (int i = 0; i < 1000; ++i) {
    const Nanos now = clock.now();
    ASSERT_GE(now, last);
    last = now;
  }
  EXPECT_TRUE(clock.flows());
}

TEST(RealClock, SleepReturnsTrueAtTheDeadlineAndFalseWhenStopped) {
  Watchdog watchdog(30s, "real clock sleep");
  RealClock clock;
  EXPECT_TRUE(clock.sleep_until(clock.now() + kMicrosecond, poolviz::stop_token{}));
  poolviz::stop_source stop;
  stop.request_stop();
  EXPECT_FALSE(clock.sleep_until(clock.now() + 3600 * kSecond, stop.get_token()));
}

// [SECTION] ScenarioClock -------------------------------------------------------

TEST(ScenarioClock, PausedTimeStandsStill) {
  ScenarioClock clock(1.0, /*start_paused=*/true);
  EXPECT_TRUE(clock.paused());
  EXPECT_FALSE(clock.flows());
  const Nanos t = clock.now();
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(clock.now(), t);
}

TEST(ScenarioClock, ResumeAndSpeedChangesContinueFromTheSameTime) {
  ScenarioClock clock(1e6);
  clock.pause();
  const Nanos paused_at = clock.now();
  EXPECT_EQ(clock.now(), paused_at);
  clock.resume();
  EXPECT_GE(clock.now(), paused_at) << "no jump back on resume";
  const Nanos before = clock.now();
  clock.set_speed(0.5);
  EXPECT_GE(clock.now(), before) << "no jump back on a speed change";
  EXPECT_DOUBLE_EQ(clock.speed(), 0.5);
}

TEST(ScenarioClock, NonPositiveSpeedIsIgnored) {
  ScenarioClock clock(2.0);
  clock.set_speed(0);
  clock.set_speed(-1);
  EXPECT_DOUBLE_EQ(clock.speed(), 2.0);
  ScenarioClock defaulted(0);
  EXPECT_DOUBLE_EQ(defaulted.speed(), 1.0);
}

TEST(ScenarioClock, NowNeverGoesBackwardsWhilePausedResumedAndRespeeded) {
  Watchdog watchdog(60s, "scenario clock readers");
  // At 1e6× a nanosecond of real time is a millisecond of scenario time, so a
  // rebase that is not atomic for readers shows up as time going backwards.
  ScenarioClock clock(1e6);
  std::atomic<bool> writing{true};
  std::atomic<int> backwards{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < 2; ++r) {
    readers.emplace_back([&] {
      Nanos last = clock.now();
      while (writing.load(std::memory_order_relaxed)) {
        const Nanos now = clock.now();
        if (now < last) backwards.fetch_add(1, std::memory_order_relaxed);
        last = now;
      }
    });
  }
  for (int i = 0; i < 3000; ++i) {
    switch (i % 4) {
      case 0:
        clock.pause();
        break;
      case 1:
        clock.resume();
        break;
      case 2:
        clock.set_speed(2e6);
        break;
      case 3:
        clock.set_speed(1e6);
        break;
    }
  }
  writing = false;
  for (auto& t : readers) t.join();
  EXPECT_EQ(backwards.load(), 0);
}

TEST(ScenarioClock, SleeperOnAPausedClockWakesOnResume) {
  Watchdog watchdog(30s, "scenario clock resume");
  ScenarioClock clock(1e6, /*start_paused=*/true);
  const Nanos deadline = clock.now() + 1 * kSecond;  // a microsecond of real time once running
  std::atomic<int> result{-1};
  std::thread sleeper([&] { result = clock.sleep_until(deadline, poolviz::stop_token{}); });
  EXPECT_EQ(clock.now(), deadline - 1 * kSecond) << "paused: the deadline cannot have come";
  clock.resume();
  sleeper.join();
  EXPECT_EQ(result.load(), 1);
  EXPECT_GE(clock.now(), deadline);
}

TEST(ScenarioClock, SleeperOnASlowClockWakesWhenSpedUp) {
  Watchdog watchdog(30s, "scenario clock speed-up");
  ScenarioClock clock(1e-6);  // one second of scenario time: eleven days of real time
  const Nanos deadline = clock.now() + 1 * kSecond;
  std::atomic<int> result{-1};
  std::thread sleeper([&] { result = clock.sleep_until(deadline, poolviz::stop_token{}); });
  clock.set_speed(1e9);  // now a nanosecond of real time is a second of scenario time
  sleeper.join();
  EXPECT_EQ(result.load(), 1);
  EXPECT_GE(clock.now(), deadline);
}

TEST(ScenarioClock, SleeperOnAPausedClockWakesOnStop) {
  Watchdog watchdog(30s, "scenario clock stop");
  ScenarioClock clock(1.0, /*start_paused=*/true);
  poolviz::stop_source stop;
  std::atomic<int> result{-1};
  std::thread sleeper([&] { result = clock.sleep_until(clock.now() + kSecond, stop.get_token()); });
  stop.request_stop();
  sleeper.join();
  EXPECT_EQ(result.load(), 0);
}

TEST(ScenarioClock, SleeperOnARunningSlowClockWakesOnStop) {
  Watchdog watchdog(30s, "scenario clock stop while running");
  ScenarioClock clock(1e-6);  // an hour of scenario time would take ages of real time
  poolviz::stop_source stop;
  std::atomic<int> result{-1};
  std::thread sleeper(
      [&] { result = clock.sleep_until(clock.now() + 3600 * kSecond, stop.get_token()); });
  stop.request_stop();
  sleeper.join();
  EXPECT_EQ(result.load(), 0);
}

TEST(ScenarioClock, AnAbsurdSpeedSaturatesInsteadOfWrapping) {
  // 1e18x reaches the int64 range within the first nanoseconds of real time:
  // the clock must stop at its limit, never wrap negative (serve --speed 1e9
  // once left tasks "running" forever this way).
  ScenarioClock clock(1e18);
  Nanos previous = 0;
  for (int i = 0; i < 1000; ++i) {
    const Nanos now = clock.now();
    ASSERT_GE(now, previous) << "sample " << i;
    ASSERT_LE(now, kNever / 2) << "room is left for deadlines added to it";
    previous = now;
  }
  clock.set_speed(1.0);  // a rebase at the limit stays there
  EXPECT_GE(clock.now(), previous);
}

}  // namespace
}  // namespace poolviz
