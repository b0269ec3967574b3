#include "poolviz/ticker_limiter.h"

#include "limiter_events.h"

namespace poolviz {

TickerLimiter::TickerLimiter(TickerConfig config, Clock& clock, EventBus* bus, std::uint8_t source)
    : clock_(clock),
      bus_(bus),
      source_(source),
      drop_(config.drop),
      interval_(config.interval > 0 ? config.interval : kSecond),
      next_tick_(clock.now() + interval_) {}

void TickerLimiter::catch_up_locked(Nanos now) {
  if (now < next_tick_) return;
  // Every tick up to now collapses into the one buffered tick.
  const Nanos ticks = (now - next_tick_) / interval_ + 1;
  next_tick_ += ticks * interval_;
  tick_ready_ = true;
  detail::emit_limiter_event(bus_, clock_, source_, EventKind::token_refilled, {}, 1, 1);
}

bool TickerLimiter::take_locked(JobId job) {
  catch_up_locked(clock_.now());
  if (!tick_ready_) return false;
  tick_ready_ = false;
  detail::emit_limiter_event(bus_, clock_, source_, EventKind::token_taken, job, 0, 1);
  return true;
}

bool TickerLimiter::acquire(JobId job, poolviz::stop_token stop) {
  std::unique_lock lock(mutex_);
  const std::uint64_t ticket = waiting_.join();
  for (;;) {
    if (stop.stop_requested()) break;
    // Every waiter wakes at the tick; only the longest-waiting one takes it,
    // the others sleep on to the next tick (catching up moves next_tick_ on).
    catch_up_locked(clock_.now());
    if (waiting_.is_front(ticket) && take_locked(job)) {
      waiting_.pop_front();
      return true;
    }
    const Nanos next_tick = next_tick_;
    lock.unlock();
    const bool slept = clock_.sleep_until(next_tick, stop);
    lock.lock();
    if (!slept) break;
  }
  waiting_.leave(ticket);
  return false;
}

bool TickerLimiter::try_acquire(JobId job) {
  std::lock_guard lock(mutex_);
  return waiting_.empty() && take_locked(job);
}

LimiterLevel TickerLimiter::level() const {
  std::lock_guard lock(mutex_);
  const bool ready = tick_ready_ || clock_.now() >= next_tick_;
  return {ready ? 1.0 : 0.0, 1.0};
}

Nanos TickerLimiter::interval() const {
  std::lock_guard lock(mutex_);
  return interval_;
}

}  // namespace poolviz
