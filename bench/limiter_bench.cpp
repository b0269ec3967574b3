// Case 6: the token bucket's acquire cost (ns, uncontended, permits always
// available) and its rate error over a long run at 1,000/s with burst 1.
//
// The limiter comes from make_limiter(LimiterKind::token_bucket). Until that
// kind lands the factory answers nullptr; the case then measures
// PlaceholderBucket below, reports `placeholder_count` = 1, and the report
// marks the row.
#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>
#include <stop_token>

#include "bench_support.h"
#include "poolviz/pool_spec.h"

namespace poolviz::bench {
namespace {

/// PLACEHOLDER, replaced by poolviz's own token bucket as soon as
/// make_limiter() builds one: a plain mutex-guarded bucket refilled lazily
/// from the clock, sleeping in the clock until the next token is due.
class PlaceholderBucket final : public Limiter {
 public:
  PlaceholderBucket(double rate, double burst, Clock& clock)
      : rate_(rate), burst_(burst), tokens_(burst), last_(clock.now()), clock_(clock) {}
  bool acquire(JobId, std::stop_token stop) override {
    for (;;) {
      Nanos due = 0;
      {
        std::lock_guard lock(mutex_);
        refill();
        if (tokens_ >= 1) {
          tokens_ -= 1;
          return true;
        }
        due = last_ + static_cast<Nanos>((1 - tokens_) / rate_ * 1e9);
      }
      if (!clock_.sleep_until(due, stop)) return false;
    }
  }
  bool try_acquire(JobId) override {
    std::lock_guard lock(mutex_);
    refill();
    if (tokens_ < 1) return false;
    tokens_ -= 1;
    return true;
  }
  std::string_view kind() const override { return "token_bucket (bench placeholder)"; }
  LimiterLevel level() const override { return {}; }

 private:
  void refill() {
    const Nanos now = clock_.now();
    tokens_ = std::min(burst_, tokens_ + static_cast<double>(now - last_) * rate_ / 1e9);
    last_ = now;
  }
  double rate_, burst_, tokens_;
  Nanos last_;
  Clock& clock_;
  std::mutex mutex_;
};

std::shared_ptr<Limiter> token_bucket(double rate, double burst, Clock& clock, bool& placeholder) {
  LimiterSpec spec;
  spec.kind = LimiterKind::token_bucket;
  spec.rate = rate;
  spec.burst = burst;
  auto limiter = make_limiter(spec, clock, nullptr);
  placeholder = limiter == nullptr;
  if (placeholder) limiter = std::make_shared<PlaceholderBucket>(rate, burst, clock);
  return limiter;
}

void acquire_cost(benchmark::State& state) {
  const long n = scaled(2'000'000L, 200'000L);
  bool placeholder = false;
  double seconds = 0;
  for (auto _ : state) {
    RealClock clock;
    // Refills far faster than we can take: every acquire finds a token.
    auto bucket = token_bucket(1e12, 1e12, clock, placeholder);
    std::stop_source never;
    const Nanos t0 = steady_now();
    for (long i = 0; i < n; ++i) {
      benchmark::DoNotOptimize(
          bucket->acquire(JobId{static_cast<std::uint64_t>(i + 1)}, never.get_token()));
    }
    seconds = to_seconds(steady_now() - t0);
    state.SetIterationTime(seconds);
  }
  state.counters["ns_per_acquire"] = seconds * 1e9 / static_cast<double>(n);
  state.counters["placeholder_count"] = placeholder ? 1 : 0;
}

void rate_error(benchmark::State& state) {
  constexpr double kRate = 1000;
  const Nanos span = quick() ? 2 * kSecond : 10 * kSecond;
  bool placeholder = false;
  double error_pct = 0;
  for (auto _ : state) {
    RealClock clock;
    auto bucket = token_bucket(kRate, 1, clock, placeholder);
    std::stop_source never;
    // The bucket starts full (1 token): that one is free; count the rest.
    bucket->acquire(JobId{1}, never.get_token());
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
  state.counters["placeholder_count"] = placeholder ? 1 : 0;
}

const bool registered = [] {
  add("c6_acquire/poolviz", acquire_cost);
  add("c6_rate/poolviz", rate_error, false);  // one 10 s run is the figure asked for
  return true;
}();

}  // namespace
}  // namespace poolviz::bench
