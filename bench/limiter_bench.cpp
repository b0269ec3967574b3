// Case 6: the token bucket's acquire cost (ns, uncontended, permits always
// available) and its rate error over a long run at 1,000/s with burst 1.
//
// The limiter is poolviz's TokenBucketLimiter, unobserved (no bus), as a
// worker meets it at the gate.
#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>
#include "poolviz/compat_thread.h"

#include "bench_support.h"
#include "poolviz/token_bucket_limiter.h"

namespace poolviz::bench {
namespace {

std::shared_ptr<Limiter> token_bucket(double rate, int burst, Clock& clock) {
  return std::make_shared<TokenBucketLimiter>(
      TokenBucketConfig{.capacity = burst, .rate = rate, .drop = false}, clock);
}

void acquire_cost(benchmark::State& state) {
  const long n = scaled(2'000'000L, 200'000L);
  double seconds = 0;
  for (auto _ : state) {
    RealClock clock;
    // A billion tokens banked: every acquire finds one.
    auto bucket = token_bucket(1e9, 1'000'000'000, clock);
    poolviz::stop_source never;
    const Nanos t0 = steady_now();
    for (long i = 0; i < n; ++i) {
      benchmark::DoNotOptimize(
          bucket->acquire(JobId{static_cast<std::uint64_t>(i + 1)}, never.get_token()));
    }
    seconds = to_seconds(steady_now() - t0);
    state.SetIterationTime(seconds);
  }
  state.counters["ns_per_acquire"] = seconds * 1e9 / static_cast<double>(n);
}

/// Takes tokens as fast as the bucket gives them for `span` and compares the
/// count with rate × time. With burst 1 every late wake-up of the waiting
/// thread is lost time (a bucket holds at most one token), so the error shows
/// the OS's wake latency as much as the bucket; a burst of 10 absorbs it.
void rate_error(benchmark::State& state, int burst) {
  constexpr double kRate = 1000;
  const Nanos span = quick() ? 2 * kSecond : 10 * kSecond;
  double error_pct = 0;
  for (auto _ : state) {
    RealClock clock;
    auto bucket = token_bucket(kRate, burst, clock);
    poolviz::stop_source never;
    // The bucket starts full: those tokens are free; count the rest.
    for (int i = 0; i < burst; ++i) bucket->acquire(JobId{1}, never.get_token());
    const Nanos t0 = clock.now();
    std::int64_t taken = 0;
    Nanos t = t0;
    while ((t = clock.now()) - t0 < span) {
      if (bucket->acquire(JobId{static_cast<std::uint64_t>(taken + 2)}, never.get_token())) ++taken;
    }
    const double expected = kRate * to_seconds(t - t0);
    error_pct = 100.0 * (static_cast<double>(taken) - expected) / expected;
    state.SetIterationTime(to_seconds(t - t0));
  }
  state.counters["rate_error_pct"] = error_pct;
}

const bool registered = [] {
  add("c6_acquire/poolviz", acquire_cost);
  // One 10 s run each is the figure asked for.
  add(
      "c6_rate/poolviz", [](benchmark::State& s) { rate_error(s, 1); }, false);
  add(
      "c6_rate_burst10/poolviz", [](benchmark::State& s) { rate_error(s, 10); }, false);
  return true;
}();

}  // namespace
}  // namespace poolviz::bench
