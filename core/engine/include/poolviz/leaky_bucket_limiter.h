// poolviz/leaky_bucket_limiter.h — a bucket that leaks at a steady rate: jobs
// leave the gate one every 1/rate, never closer, however many pour in (the
// classic traffic shaper). A token bucket saves idle time up as tokens and
// lets a burst through; a leaky bucket saves nothing, so a burst of arrivals
// leaves as an evenly spaced stream.
//
// Contract:
// - Holding gate (drop = false): a job that reaches the gate pours into the
//   bucket and leaves at max(now, previous leave + 1/rate): the first job after
//   a quiet spell passes at once, every later one exactly 1/rate after the one
//   before. A job stopped while it waits gives its slot back when it was the
//   last one scheduled.
// - The level is the water in the bucket: jobs poured in and not yet leaked
//   (the gauge); capacity is the bucket's size (LimiterSpec::burst, display).
// - Drop mode (drop = true) is the meter form: the water rises by one per
//   admitted job and drains at `rate`; a job that would overflow a bucket of
//   `capacity` is refused. As a policer this admits exactly what a token bucket
//   of the same size and rate admits (both are the GCRA); the difference
//   between the two is in shaping, which needs the holding gate.
// - Emits token_taken when a job pours in and token_refilled when one leaks,
//   both with value = room left (capacity − water) and x = capacity, like a
//   semaphore's free permits.
// - Thread-safe. Time going backwards leaks nothing.
#pragma once

#include <cstdint>
#include <mutex>
#include "poolviz/compat_thread.h"

#include "poolviz/clock.h"
#include "poolviz/event.h"
#include "poolviz/limiter.h"

namespace poolviz {

struct LeakyBucketConfig {
  int capacity = 0;   // jobs the bucket holds; 0 = 1
  double rate = 0;    // jobs leaked per second of clock time; 0 = 1
  bool drop = false;  // meter at submit (limiter_drop when it would overflow)
};

class LeakyBucketLimiter final : public Limiter {
 public:
  /// `clock` (and `bus`, when given) must outlive the limiter.
  LeakyBucketLimiter(LeakyBucketConfig config, Clock& clock, EventBus* bus = nullptr,
                     std::uint8_t source = 0);

  bool acquire(JobId job, poolviz::stop_token stop) override;
  bool try_acquire(JobId job) override;
  std::string_view kind() const override { return "leaky_bucket"; }
  /// The water in the bucket (jobs waiting to leak, or the meter) of capacity.
  LimiterLevel level() const override;
  bool drops_at_submit() const override { return drop_; }

  /// The clock time between two leaks.
  Nanos interval() const { return interval_; }

 private:
  void drain_meter_locked(Nanos now) const;
  void emit_locked(EventKind kind, JobId job, double water) const;

  Clock& clock_;
  EventBus* bus_;
  std::uint8_t source_;
  bool drop_;
  int capacity_;
  double rate_;
  Nanos interval_;

  mutable std::mutex mutex_;  // guards everything below
  Nanos next_leak_ = 0;       // holding gate: the earliest time the next job may leave
  int waiting_ = 0;           // holding gate: jobs poured in and not yet leaked
  mutable double meter_ = 0;  // drop mode: water, in jobs
  mutable Nanos metered_at_ = 0;
};

}  // namespace poolviz
