// poolviz/token_bucket_limiter.h — a bucket of tokens: bursts up to its
// capacity, then the refill rate (the tutorial's bucket of 5 refilled at 1/s).
//
// Contract:
// - Starts full. One token per job start (or per submit in drop mode).
// - Refill is whole tokens on a fixed grid: with rate r, a token arrives every
//   1/r seconds after the bucket last stopped being full, so N simultaneous
//   jobs start `capacity` at once and then exactly one per 1/r.
// - Idle time refills only up to capacity (a full bucket banks nothing).
// - Time going backwards (ManualClock::set) mints nothing: refill counts only
//   time past the latest instant already accounted for.
// - Emits token_taken (job, value = tokens left, x = capacity) and
//   token_refilled (value = tokens now) so the GUI can draw the bucket. Refill
//   is computed lazily when someone asks (a waiter wakes exactly at the next
//   token, so while jobs wait the events are on time).
// - Thread-safe; set_rate() may be called while jobs wait at the gate.
#pragma once

#include <cstdint>
#include <mutex>
#include "poolviz/compat_thread.h"

#include "poolviz/clock.h"
#include "poolviz/event.h"
#include "poolviz/limiter.h"

namespace poolviz {

struct TokenBucketConfig {
  int capacity = 0;   // tokens the bucket holds (its burst); 0 = 1
  double rate = 0;    // tokens added per second of clock time; 0 = 1
  bool drop = false;  // refuse at submit (limiter_drop) instead of holding at the gate
};

class TokenBucketLimiter final : public Limiter {
 public:
  /// `clock` (and `bus`, when given) must outlive the limiter.
  TokenBucketLimiter(TokenBucketConfig config, Clock& clock, EventBus* bus = nullptr,
                     std::uint8_t source = 0);

  /// First come, first served: jobs held at the gate take the tokens in the
  /// order they reached it.
  bool acquire(JobId job, poolviz::stop_token stop) override;
  /// Takes a token only when no held job is waiting for one.
  bool try_acquire(JobId job) override;
  std::string_view kind() const override { return "token_bucket"; }
  /// Whole tokens plus the fraction of the next one already accrued.
  LimiterLevel level() const override;
  bool drops_at_submit() const override { return drop_; }

  /// Live change of the refill rate (tokens per second, > 0).
  void set_rate(double per_second);
  /// Time between two refills, in clock time.
  Nanos refill_interval() const;

 private:
  void refill_locked(Nanos now);
  bool take_locked(JobId job);
  void wake_waiters_locked();

  Clock& clock_;
  EventBus* bus_;
  std::uint8_t source_;
  bool drop_;

  mutable std::mutex mutex_;  // guards everything below
  std::int64_t capacity_;
  std::int64_t tokens_;
  Nanos interval_;
  Nanos anchor_;      // tokens accrue on the grid anchor_ + k × interval_
  GateLine waiting_;  // the acquire() calls holding a job, in arrival order
  // Wakes every sleeping waiter: the rate changed (their next-token time is
  // stale) or the front of the line moved (the new front may find a token).
  poolviz::stop_source wake_;
};

}  // namespace poolviz
