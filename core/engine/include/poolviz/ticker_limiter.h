// poolviz/ticker_limiter.h — a metronome: one job start per tick, whatever the
// worker count (the tutorials' `time.Tick(100ms)` shared by 3 workers).
//
// Contract:
// - Ticks fall on a fixed grid: construction time + k × interval, k >= 1, so
//   the first release is one interval after the start (tutorial 003: first
//   start at 500 ms with a 500 ms ticker).
// - Like a Go ticker, at most one tick is buffered: idle time banks no burst.
// - Time going backwards releases nothing early: a tick is counted once, when
//   the clock first reaches it.
// - Emits token_refilled (value 1, x = 1) when a tick arrives and token_taken
//   (job, value 0) when a job takes it. Ticks are computed lazily; a waiter
//   sleeps until exactly the next tick, so while jobs wait they are on time.
// - Thread-safe. A new rate is a new limiter (Run swaps it in).
#pragma once

#include <cstdint>
#include <mutex>
#include "poolviz/compat_thread.h"

#include "poolviz/clock.h"
#include "poolviz/event.h"
#include "poolviz/limiter.h"

namespace poolviz {

struct TickerConfig {
  Nanos interval = 0;  // clock time between releases; 0 = 1 s
  bool drop = false;   // refuse at submit (limiter_drop) when no tick is ready
};

class TickerLimiter final : public Limiter {
 public:
  /// `clock` (and `bus`, when given) must outlive the limiter.
  TickerLimiter(TickerConfig config, Clock& clock, EventBus* bus = nullptr,
                std::uint8_t source = 0);

  /// First come, first served: jobs held at the gate take the ticks in the
  /// order they reached it (a Go ticker's channel is a FIFO of receivers).
  bool acquire(JobId job, poolviz::stop_token stop) override;
  /// Takes a ready tick only when no held job is waiting for it.
  bool try_acquire(JobId job) override;
  std::string_view kind() const override { return "ticker"; }
  /// 1 when a tick is waiting to be taken, else 0; capacity 1.
  LimiterLevel level() const override;
  bool drops_at_submit() const override { return drop_; }

  Nanos interval() const;

 private:
  void catch_up_locked(Nanos now);
  bool take_locked(JobId job);

  Clock& clock_;
  EventBus* bus_;
  std::uint8_t source_;
  bool drop_;

  mutable std::mutex mutex_;  // guards everything below
  Nanos interval_;
  Nanos next_tick_;
  bool tick_ready_ = false;  // the one buffered tick
  GateLine waiting_;  // the acquire() calls holding a job, in arrival order
};

}  // namespace poolviz
