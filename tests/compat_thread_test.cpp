// poolviz/compat_thread.h: jthread, stop_token, stop_callback, the stop_token
// waits of condition_variable_any, atomic_ref and from_chars_double. In the
// `compat` preset these are poolviz's own; elsewhere the std:: ones, so the
// same expectations hold for both. No sleeps: each wait ends by a stop request
// or a notification, and a Watchdog fails a hang.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <limits>
#include <mutex>
#include <string_view>

#include "poolviz/compat_thread.h"
#include "support/watchdog.h"

namespace poolviz {
namespace {

using test::Watchdog;
using namespace std::chrono_literals;

TEST(CompatThread, JthreadPassesItsStopTokenAndStopsAndJoinsWhenDestroyed) {
  Watchdog watchdog(30s, "jthread stop on destruction");
  std::atomic<bool> saw_stop{false};
  {
    poolviz::jthread worker([&](poolviz::stop_token stop) {
      while (!stop.stop_requested()) std::this_thread::yield();
      saw_stop = true;
    });
    EXPECT_TRUE(worker.joinable());
    EXPECT_TRUE(worker.get_stop_token().stop_possible());
  }
  EXPECT_TRUE(saw_stop);
}

TEST(CompatThread, JthreadRunsAFunctionThatTakesNoToken) {
  int ran = 0;
  { poolviz::jthread worker([&](int n) { ran = n; }, 7); }
  EXPECT_EQ(ran, 7);
}

TEST(CompatThread, StopCallbackRunsOnceOnRequestAndAtOnceWhenAlreadyStopped) {
  poolviz::stop_source source;
  int calls = 0;
  {
    poolviz::stop_callback callback(source.get_token(), [&] { ++calls; });
    EXPECT_EQ(calls, 0);
    EXPECT_TRUE(source.request_stop());
    EXPECT_FALSE(source.request_stop());  // only the first request counts
    EXPECT_EQ(calls, 1);
  }
  poolviz::stop_callback late(source.get_token(), [&] { ++calls; });
  EXPECT_EQ(calls, 2);
}

TEST(CompatThread, DestroyedStopCallbackIsNotCalled) {
  poolviz::stop_source source;
  int calls = 0;
  { poolviz::stop_callback callback(source.get_token(), [&] { ++calls; }); }
  source.request_stop();
  EXPECT_EQ(calls, 0);
  EXPECT_FALSE(poolviz::stop_token{}.stop_possible());
  EXPECT_FALSE(poolviz::stop_source(poolviz::nostopstate).request_stop());
}

TEST(CompatThread, StopRequestWakesAConditionWaitWhosePredicateStaysFalse) {
  Watchdog watchdog(30s, "condition_variable_any wait with a stop_token");
  std::mutex mutex;
  poolviz::condition_variable_any cv;
  std::atomic<int> result{-1};
  poolviz::jthread waiter([&](poolviz::stop_token stop) {
    std::unique_lock lock(mutex);
    result = cv.wait(lock, stop, [] { return false; }) ? 1 : 0;
  });
  waiter.request_stop();
  waiter.join();
  EXPECT_EQ(result, 0);
}

TEST(CompatThread, NotifiedConditionWaitReturnsThePredicate) {
  Watchdog watchdog(30s, "condition_variable_any wait_for with a stop_token");
  std::mutex mutex;
  poolviz::condition_variable_any cv;
  bool ready = false;
  std::atomic<int> result{-1};
  poolviz::jthread waiter([&](poolviz::stop_token stop) {
    std::unique_lock lock(mutex);
    result = cv.wait_for(lock, stop, 1h, [&] { return ready; }) ? 1 : 0;
  });
  {
    std::lock_guard lock(mutex);
    ready = true;
  }
  cv.notify_all();
  waiter.join();
  EXPECT_EQ(result, 1);
}

TEST(CompatThread, TimedConditionWaitEndsWithThePredicate) {
  std::mutex mutex;
  poolviz::condition_variable_any cv;
  poolviz::stop_source source;
  std::unique_lock lock(mutex);
  EXPECT_FALSE(cv.wait_until(lock, source.get_token(), std::chrono::steady_clock::now(), [] { return false; }));
}

TEST(CompatThread, AtomicRefLoadsWhatItStored) {
  std::uint64_t cell = 0;
  poolviz::atomic_ref<std::uint64_t>(cell).store(42, std::memory_order_release);
  EXPECT_EQ(poolviz::atomic_ref<std::uint64_t>(cell).load(std::memory_order_acquire), 42U);
}

struct Parsed {
  std::errc ec;
  double value;
  std::size_t used;
};
Parsed parse(std::string_view text) {
  double value = -1;
  const auto [end, ec] = poolviz::from_chars_double(text.data(), text.data() + text.size(), value);
  return {ec, value, static_cast<std::size_t>(end - text.data())};
}

TEST(CompatThread, FromCharsDoubleReadsWhatFromCharsReads) {
  EXPECT_EQ(parse("2.5").value, 2.5);
  EXPECT_EQ(parse("-0.125").value, -0.125);
  EXPECT_EQ(parse("1e3").value, 1000.0);
  EXPECT_EQ(parse("7").value, 7.0);
  const Parsed partial = parse("3.5s");
  EXPECT_EQ(partial.ec, std::errc{});
  EXPECT_EQ(partial.value, 3.5);
  EXPECT_EQ(partial.used, 3U);
}

TEST(CompatThread, FromCharsDoubleRejectsWhatFromCharsRejects) {
  for (std::string_view text : {"", " 1", "+1", "abc", "-", ".", "--1"}) {
    const Parsed p = parse(text);
    EXPECT_EQ(p.ec, std::errc::invalid_argument) << '"' << text << '"';
    EXPECT_EQ(p.value, -1) << "left untouched on failure: \"" << text << '"';
  }
  EXPECT_EQ(parse("0x10").used, 1U);  // the general format stops at the 'x'
  EXPECT_EQ(parse("1e999").ec, std::errc::result_out_of_range);
}

}  // namespace
}  // namespace poolviz
