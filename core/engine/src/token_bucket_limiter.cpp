#include "poolviz/token_bucket_limiter.h"

#include <algorithm>
#include <cmath>

#include "limiter_events.h"

namespace poolviz {

namespace {
Nanos interval_for(double per_second) {
  if (!(per_second > 0)) per_second = 1;
  return std::max<Nanos>(1, std::llround(1e9 / per_second));
}
}  // namespace

TokenBucketLimiter::TokenBucketLimiter(TokenBucketConfig config, Clock& clock, EventBus* bus,
                                       std::uint8_t source)
    : clock_(clock),
      bus_(bus),
      source_(source),
      drop_(config.drop),
      capacity_(config.capacity > 0 ? config.capacity : 1),
      tokens_(capacity_),
      interval_(interval_for(config.rate)),
      anchor_(clock.now()) {}

void TokenBucketLimiter::refill_locked(Nanos now) {
  if (tokens_ >= capacity_) {
    // Full: nothing accrues, and the grid restarts when the first token leaves.
    anchor_ = std::max(anchor_, now);
    return;
  }
  if (now <= anchor_) return;  // no time passed, or time went backwards: mint nothing
  const Nanos whole = (now - anchor_) / interval_;
  if (whole == 0) return;
  if (whole >= capacity_ - tokens_) {
    tokens_ = capacity_;
    anchor_ = now;
  } else {
    tokens_ += whole;
    anchor_ += whole * interval_;
  }
  detail::emit_limiter_event(bus_, clock_, source_, EventKind::token_refilled, {},
                             static_cast<double>(tokens_), static_cast<double>(capacity_));
}

bool TokenBucketLimiter::take_locked(JobId job) {
  refill_locked(clock_.now());
  if (tokens_ == 0) return false;
  --tokens_;
  detail::emit_limiter_event(bus_, clock_, source_, EventKind::token_taken, job,
                             static_cast<double>(tokens_), static_cast<double>(capacity_));
  return true;
}

bool TokenBucketLimiter::acquire(JobId job, poolviz::stop_token stop) {
  std::unique_lock lock(mutex_);
  const std::uint64_t ticket = waiting_.join();
  for (;;) {
    if (stop.stop_requested()) break;
    if (waiting_.is_front(ticket) && take_locked(job)) {
      waiting_.pop_front();
      wake_waiters_locked();  // the next in line may find a token left too
      return true;
    }
    const Nanos next_token = anchor_ + interval_;
    const poolviz::stop_token woken = wake_.get_token();
    lock.unlock();
    const bool slept = detail::sleep_until_either(clock_, next_token, stop, woken);
    lock.lock();
    if (!slept) break;
  }
  waiting_.leave(ticket);
  wake_waiters_locked();
  return false;
}

bool TokenBucketLimiter::try_acquire(JobId job) {
  std::lock_guard lock(mutex_);
  return waiting_.empty() && take_locked(job);
}

void TokenBucketLimiter::wake_waiters_locked() {
  wake_.request_stop();
  wake_ = poolviz::stop_source{};
}

LimiterLevel TokenBucketLimiter::level() const {
  std::lock_guard lock(mutex_);
  const Nanos now = clock_.now();
  double tokens = static_cast<double>(tokens_);
  if (tokens_ < capacity_ && now > anchor_) {
    tokens += static_cast<double>(now - anchor_) / static_cast<double>(interval_);
  }
  const auto capacity = static_cast<double>(capacity_);
  return {std::min(tokens, capacity), capacity};
}

void TokenBucketLimiter::set_rate(double per_second) {
  std::lock_guard lock(mutex_);
  refill_locked(clock_.now());  // time so far accrues at the old rate
  interval_ = interval_for(per_second);
  wake_waiters_locked();  // their next-token times are stale
}

Nanos TokenBucketLimiter::refill_interval() const {
  std::lock_guard lock(mutex_);
  return interval_;
}

}  // namespace poolviz
