#include "poolviz/concurrency_limiter.h"

#include <algorithm>
#include <cassert>

#include "limiter_events.h"

namespace poolviz {

ConcurrencyLimiter::ConcurrencyLimiter(ConcurrencyConfig config, Clock& clock, EventBus* bus,
                                       std::uint8_t source)
    : clock_(clock),
      bus_(bus),
      source_(source),
      drop_(config.drop),
      max_(config.max_in_flight > 0 ? config.max_in_flight : 1) {}

bool ConcurrencyLimiter::take_locked(JobId job) {
  if (in_use_ >= max_) return false;
  ++in_use_;
  detail::emit_limiter_event(bus_, clock_, source_, EventKind::token_taken, job, max_ - in_use_,
                             max_);
  return true;
}

bool ConcurrencyLimiter::acquire(JobId job, poolviz::stop_token stop) {
  std::unique_lock lock(mutex_);
  const std::uint64_t ticket = waiting_.join();
  const bool my_turn = permit_freed_.wait(
      lock, stop, [&] { return waiting_.is_front(ticket) && in_use_ < max_; });
  if (!my_turn) {
    waiting_.leave(ticket);
    permit_freed_.notify_all();  // the one behind may be first now
    return false;
  }
  waiting_.pop_front();
  take_locked(job);
  permit_freed_.notify_all();  // the next in line may find a permit too
  return true;
}

bool ConcurrencyLimiter::try_acquire(JobId job) {
  std::lock_guard lock(mutex_);
  return waiting_.empty() && take_locked(job);
}

void ConcurrencyLimiter::release() {
  std::lock_guard lock(mutex_);
  assert(in_use_ > 0 && "release() without a permit");
  --in_use_;
  detail::emit_limiter_event(bus_, clock_, source_, EventKind::token_refilled, {},
                             std::max(max_ - in_use_, 0), max_);
  permit_freed_.notify_all();  // only the front waiter takes it; the others sleep on
}

LimiterLevel ConcurrencyLimiter::level() const {
  std::lock_guard lock(mutex_);
  return {static_cast<double>(in_use_), static_cast<double>(max_)};
}

void ConcurrencyLimiter::set_max_in_flight(int max_in_flight) {
  std::lock_guard lock(mutex_);
  max_ = std::max(max_in_flight, 1);
  permit_freed_.notify_all();
}

int ConcurrencyLimiter::in_flight() const {
  std::lock_guard lock(mutex_);
  return in_use_;
}

int ConcurrencyLimiter::waiting() const {
  std::lock_guard lock(mutex_);
  return static_cast<int>(waiting_.size());
}

}  // namespace poolviz
