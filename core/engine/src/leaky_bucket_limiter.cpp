#include "poolviz/leaky_bucket_limiter.h"

#include <algorithm>
#include <cmath>

#include "limiter_events.h"

namespace poolviz {

LeakyBucketLimiter::LeakyBucketLimiter(LeakyBucketConfig config, Clock& clock, EventBus* bus,
                                       std::uint8_t source)
    : clock_(clock),
      bus_(bus),
      source_(source),
      drop_(config.drop),
      capacity_(std::max(1, config.capacity)),
      rate_(config.rate > 0 && std::isfinite(config.rate) ? config.rate : 1.0),
      interval_(std::max<Nanos>(1, from_seconds(1.0 / rate_))),
      next_leak_(clock.now()),
      metered_at_(clock.now()) {}

void LeakyBucketLimiter::emit_locked(EventKind kind, JobId job, double water) const {
  detail::emit_limiter_event(bus_, clock_, source_, kind, job, std::max(0.0, capacity_ - water), capacity_);
}

bool LeakyBucketLimiter::acquire(JobId job, poolviz::stop_token stop) {
  std::unique_lock lock(mutex_);
  if (stop.stop_requested()) return false;
  const Nanos now = clock_.now();
  const Nanos leave_at = std::max(now, next_leak_);
  next_leak_ = leave_at + interval_;
  ++waiting_;
  emit_locked(EventKind::token_taken, job, waiting_);
  lock.unlock();
  const bool left = leave_at <= now || clock_.sleep_until(leave_at, stop);
  lock.lock();
  --waiting_;
  // A stopped job that was the last one scheduled gives its slot back.
  if (!left && next_leak_ == leave_at + interval_) next_leak_ = leave_at;
  emit_locked(EventKind::token_refilled, {}, waiting_);
  return left && !stop.stop_requested();
}

void LeakyBucketLimiter::drain_meter_locked(Nanos now) const {
  if (now <= metered_at_) return;
  meter_ = std::max(0.0, meter_ - to_seconds(now - metered_at_) * rate_);
  metered_at_ = now;
}

bool LeakyBucketLimiter::try_acquire(JobId job) {
  std::lock_guard lock(mutex_);
  drain_meter_locked(clock_.now());
  // A small tolerance: a job arriving on the exact leak instant is not refused by rounding.
  if (meter_ + 1 > capacity_ + 1e-9) return false;
  meter_ += 1;
  emit_locked(EventKind::token_taken, job, meter_);
  return true;
}

LimiterLevel LeakyBucketLimiter::level() const {
  std::lock_guard lock(mutex_);
  if (drop_) {
    drain_meter_locked(clock_.now());
    return {meter_, static_cast<double>(capacity_)};
  }
  return {static_cast<double>(waiting_), static_cast<double>(capacity_)};
}

}  // namespace poolviz
