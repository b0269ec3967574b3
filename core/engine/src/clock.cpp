#include "poolviz/clock.h"

#include <algorithm>
#include <chrono>
#include <ctime>

namespace poolviz {

Nanos steady_now() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

Nanos thread_cpu_now() {
#if defined(CLOCK_THREAD_CPUTIME_ID) && !defined(__EMSCRIPTEN__)
  timespec ts{};
  if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) == 0) {
    return static_cast<Nanos>(ts.tv_sec) * kSecond + static_cast<Nanos>(ts.tv_nsec);
  }
#endif
  return steady_now();
}

namespace {

// Waits on `cv` for at most `real_ns` of real time, until `woken()` holds
// after a notification, or until stopped. Long waits are capped so that a
// missed notification can never strand a sleeper for longer than the cap.
template <class Lock, class Woken>
void wait_real(poolviz::condition_variable_any& cv, Lock& lock, poolviz::stop_token& stop, Nanos real_ns,
               Woken woken) {
  constexpr Nanos kCap = 200 * kMillisecond;
  const auto until = std::chrono::steady_clock::now() +
                     std::chrono::nanoseconds(std::clamp<Nanos>(real_ns, 0, kCap));
  cv.wait_until(lock, stop, until, woken);
}

}  // namespace

// RealClock ------------------------------------------------------------------

RealClock::RealClock() : origin_(steady_now()) {}

Nanos RealClock::now() const { return steady_now() - origin_; }

bool RealClock::sleep_until(Nanos deadline, poolviz::stop_token stop) {
  std::mutex m;
  poolviz::condition_variable_any cv;
  std::unique_lock lock(m);
  for (;;) {
    if (stop.stop_requested()) return false;
    const Nanos left = deadline - now();
    if (left <= 0) return true;
    wait_real(cv, lock, stop, left, [] { return false; });  // nobody notifies: wait it out
  }
}

// ScenarioClock --------------------------------------------------------------

namespace {

// Scenario time stops here instead of wrapping (73 years: beyond any run even
// at 1000x, and far enough below kNever that deadlines added to it stay in range).
constexpr Nanos kScenarioTimeLimit = kNever / 4;

/// `n` nanoseconds as Nanos, saturated at ±kScenarioTimeLimit (a double beyond
/// the range of int64 must not be cast).
Nanos saturate(double n) {
  constexpr auto limit = static_cast<double>(kScenarioTimeLimit);
  if (!(n < limit)) return kScenarioTimeLimit;  // also NaN
  if (n <= -limit) return -kScenarioTimeLimit;
  return static_cast<Nanos>(n);
}

/// base + real_elapsed × speed, exact in integers while below the limit.
Nanos advance(Nanos base, Nanos real_elapsed, double speed) {
  const Nanos delta = saturate(static_cast<double>(real_elapsed) * speed);
  return base >= kScenarioTimeLimit - delta ? kScenarioTimeLimit : base + delta;
}

}  // namespace

ScenarioClock::ScenarioClock(double speed, bool start_paused) {
  base_real_.store(steady_now(), std::memory_order_relaxed);
  speed_.store(speed > 0 ? speed : 1.0, std::memory_order_relaxed);
  paused_.store(start_paused, std::memory_order_relaxed);
}

Nanos ScenarioClock::now() const {
  for (;;) {
    const std::uint64_t v1 = version_.load(std::memory_order_acquire);
    if (v1 & 1U) continue;  // a writer is mid-update
    const Nanos base_real = base_real_.load(std::memory_order_relaxed);
    const Nanos base_scenario = base_scenario_.load(std::memory_order_relaxed);
    const double speed = speed_.load(std::memory_order_relaxed);
    const bool paused = paused_.load(std::memory_order_relaxed);
    // Real time is sampled inside the read section, so the base was current at
    // that instant; sampled after the re-check, a reader delayed there could
    // apply an old base to a later instant and run ahead of a pause.
    const Nanos real = steady_now();
    // The acquire fence orders the field loads before the version re-check.
    std::atomic_thread_fence(std::memory_order_acquire);
    if (version_.load(std::memory_order_relaxed) != v1) continue;
    if (paused) return base_scenario;
    return advance(base_scenario, real - base_real, speed);
  }
}

template <class Fn>
void ScenarioClock::rebase(Fn&& change) {
  version_.fetch_add(1, std::memory_order_relaxed);  // odd: readers retry
  std::atomic_thread_fence(std::memory_order_release);
  // The rebase instant is taken once readers are held off: every reading
  // already returned was taken earlier, so none is later than `t` (monotonic).
  // Only writers (under mutex_) store these fields, so relaxed loads see the latest.
  const Nanos real = steady_now();
  const Nanos old_base = base_scenario_.load(std::memory_order_relaxed);
  const Nanos t = paused_.load(std::memory_order_relaxed)
                      ? old_base
                      : advance(old_base, real - base_real_.load(std::memory_order_relaxed),
                                speed_.load(std::memory_order_relaxed));
  base_real_.store(real, std::memory_order_relaxed);
  base_scenario_.store(t, std::memory_order_relaxed);
  change();
  version_.fetch_add(1, std::memory_order_release);  // even: publish
  changed_.notify_all();
}

void ScenarioClock::pause() {
  std::lock_guard lock(mutex_);
  rebase([&] { paused_.store(true, std::memory_order_relaxed); });
}

void ScenarioClock::resume() {
  std::lock_guard lock(mutex_);
  rebase([&] { paused_.store(false, std::memory_order_relaxed); });
}

void ScenarioClock::set_speed(double speed) {
  if (!(speed > 0)) return;
  std::lock_guard lock(mutex_);
  rebase([&] { speed_.store(speed, std::memory_order_relaxed); });
}

bool ScenarioClock::sleep_until(Nanos deadline, poolviz::stop_token stop) {
  std::unique_lock lock(mutex_);
  for (;;) {
    if (stop.stop_requested()) return false;
    const Nanos left = deadline - now();
    if (left <= 0) return true;
    if (paused()) {
      changed_.wait(lock, stop, [&] { return !paused(); });
      continue;
    }
    // A rebase (pause, speed change) bumps version_ under mutex_, which this
    // thread holds except while waiting: wake on it and recompute the wait at
    // the new speed. With an always-false predicate the notification was
    // ignored and a sped-up sleeper overslept by up to the cap (at 100x, 20 s
    // of scenario time).
    const std::uint64_t seen = version_.load(std::memory_order_relaxed);
    wait_real(changed_, lock, stop, saturate(static_cast<double>(left) / speed()) + 1,
              [&] { return version_.load(std::memory_order_relaxed) != seen; });
  }
}

// ManualClock ----------------------------------------------------------------

bool ManualClock::sleep_until(Nanos deadline, poolviz::stop_token stop) {
  std::unique_lock lock(mutex_);
  ++sleepers_;
  changed_.notify_all();  // wait_for_sleepers() listens on the same condition
  const bool reached = changed_.wait(lock, stop, [&] { return now() >= deadline; });
  --sleepers_;
  return reached;
}

void ManualClock::advance(Nanos delta) {
  std::lock_guard lock(mutex_);
  now_.fetch_add(std::max<Nanos>(delta, 0), std::memory_order_acq_rel);
  changed_.notify_all();
}

void ManualClock::set(Nanos t) {
  std::lock_guard lock(mutex_);
  now_.store(t, std::memory_order_release);
  changed_.notify_all();
}

int ManualClock::sleepers() const {
  std::lock_guard lock(mutex_);
  return sleepers_;
}

void ManualClock::wait_for_sleepers(int n) {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return sleepers_ >= n; });
}

}  // namespace poolviz
