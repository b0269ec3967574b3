// poolviz/clock.h — the three clocks every engine component reads time from.
//
// [SECTION] Time units
// [SECTION] Clock (interface)
// [SECTION] RealClock      — steady wall time since construction
// [SECTION] ScenarioClock  — real time × speed, pausable; what users see
// [SECTION] ManualClock    — advanced by hand; what tests use
//
// Every figure a user reads (wait, service, sojourn, rates) is scenario time.
// Synthetic jobs do their work in the clock's time, so pausing a ScenarioClock
// freezes them mid-flight and a ManualClock lets tests step through a run
// without sleeping.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include "poolviz/compat_thread.h"

namespace poolviz {

// [SECTION] Time units --------------------------------------------------------

/// Nanoseconds in a clock's own time domain.
using Nanos = std::int64_t;

inline constexpr Nanos kMicrosecond = 1'000;
inline constexpr Nanos kMillisecond = 1'000'000;
inline constexpr Nanos kSecond = 1'000'000'000;
inline constexpr Nanos kNever = INT64_MAX;

constexpr double to_ms(Nanos n) { return static_cast<double>(n) / 1e6; }
constexpr double to_seconds(Nanos n) { return static_cast<double>(n) / 1e9; }
constexpr Nanos from_ms(double ms) { return static_cast<Nanos>(ms * 1e6); }
constexpr Nanos from_seconds(double s) { return static_cast<Nanos>(s * 1e9); }

/// Real monotonic time in nanoseconds (steady_clock), for measuring real costs.
Nanos steady_now();

/// CPU time the calling thread has received, in nanoseconds (the thread CPU
/// clock). Where a platform has none (the browser build), real time instead.
Nanos thread_cpu_now();

// [SECTION] Clock (interface) -------------------------------------------------

/// A source of time that threads can also wait on. All members are thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;

  /// Current time of this clock, starting near 0.
  virtual Nanos now() const = 0;

  /// Blocks until now() >= deadline or `stop` is requested.
  /// Returns true when the deadline was reached, false when stopped first.
  virtual bool sleep_until(Nanos deadline, poolviz::stop_token stop) = 0;

  /// True when spinning on a CPU makes this clock's time pass (real and running
  /// scenario time). False for a paused scenario clock and for the manual clock:
  /// cpu-bound synthetic work then waits instead of burning a core for nothing.
  virtual bool flows() const { return true; }

  /// Clock time per unit of real time while it flows (a scenario clock's
  /// speed). CPU-bound synthetic work turns the CPU time its thread receives
  /// into clock time at this rate.
  virtual double rate() const { return 1.0; }
};

// [SECTION] RealClock ---------------------------------------------------------

class RealClock final : public Clock {
 public:
  RealClock();
  Nanos now() const override;
  bool sleep_until(Nanos deadline, poolviz::stop_token stop) override;

 private:
  Nanos origin_;
};

// [SECTION] ScenarioClock -----------------------------------------------------

/// Scenario time = real time × speed, pausable, speed changeable while running.
/// now() is lock-free (a seqlock over the time base); pause/resume/set_speed take
/// a mutex and wake every sleeper so that deadlines are re-evaluated.
class ScenarioClock final : public Clock {
 public:
  explicit ScenarioClock(double speed = 1.0, bool start_paused = false);

  Nanos now() const override;
  bool sleep_until(Nanos deadline, poolviz::stop_token stop) override;
  bool flows() const override { return !paused(); }
  double rate() const override { return speed(); }

  void pause();
  void resume();
  bool paused() const { return paused_.load(std::memory_order_relaxed); }
  /// Speed must be > 0 (pause is how time stops).
  void set_speed(double speed);
  double speed() const { return speed_.load(std::memory_order_relaxed); }

 private:
  // Rebases the time so that `now()` is continuous across pause/speed changes.
  // Caller holds mutex_.
  template <class Fn>
  void rebase(Fn&& change);

  // Seqlock: writers (under mutex_) make version_ odd, store the base, make it
  // even again with release; readers retry while odd or changed. All fields are
  // atomics so the racy reads are well-defined (and TSan-clean).
  std::atomic<std::uint64_t> version_{0};
  std::atomic<Nanos> base_real_{0};
  std::atomic<Nanos> base_scenario_{0};
  std::atomic<double> speed_{1.0};
  std::atomic<bool> paused_{false};

  std::mutex mutex_;
  poolviz::condition_variable_any changed_;
};

// [SECTION] ManualClock -------------------------------------------------------

/// Time moves only when a test calls advance()/set(). Sleepers wake when their
/// deadline is reached. wait_for_sleepers() lets a test wait, without sleeping,
/// until the engine's threads are parked on the clock.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(Nanos start = 0) : now_(start) {}

  Nanos now() const override { return now_.load(std::memory_order_acquire); }
  bool sleep_until(Nanos deadline, poolviz::stop_token stop) override;
  bool flows() const override { return false; }

  /// Moves time forward by `delta` (>= 0) and wakes sleepers whose deadline passed.
  void advance(Nanos delta);
  /// Sets the time; may go backwards (components must not mint time from that).
  void set(Nanos t);

  /// Number of threads currently blocked in sleep_until().
  int sleepers() const;
  /// Blocks until at least `n` threads are blocked in sleep_until().
  void wait_for_sleepers(int n);

 private:
  std::atomic<Nanos> now_;
  mutable std::mutex mutex_;
  poolviz::condition_variable_any changed_;
  int sleepers_ = 0;
};

}  // namespace poolviz
