// poolviz/concurrency_limiter.h — a counting semaphore on jobs in flight (the
// tutorial's 2 permits in front of 5 workers). It limits concurrency, not rate:
// halving the job length doubles the throughput.
//
// Contract:
// - acquire() takes one of `max_in_flight` permits, blocking while none is free;
//   the executor calls release() when the job's attempt ends, on every path
//   (failure and exception included: ExecutorCore::run releases after the
//   callable returns or throws). In drop mode the permit is taken at submit and
//   held until the job ends, retries included.
// - Emits token_taken (job, value = permits free after, x = max) and
//   token_refilled (value = permits free after the release, x = max).
// - level(): permits in use (the limiter.h convention), capacity = max.
// - Thread-safe; set_max_in_flight() may be called while jobs wait.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include "poolviz/compat_thread.h"

#include "poolviz/clock.h"
#include "poolviz/event.h"
#include "poolviz/limiter.h"

namespace poolviz {

struct ConcurrencyConfig {
  int max_in_flight = 0;  // 0 = 1
  bool drop = false;      // refuse at submit (limiter_drop) when every permit is held
};

class ConcurrencyLimiter final : public Limiter {
 public:
  /// `clock` (and `bus`, when given) must outlive the limiter; the clock only stamps events.
  ConcurrencyLimiter(ConcurrencyConfig config, Clock& clock, EventBus* bus = nullptr,
                     std::uint8_t source = 0);

  /// First come, first served: a freed permit goes to the job that has waited
  /// longest at the gate, never to a worker arriving with a new job.
  bool acquire(JobId job, poolviz::stop_token stop) override;
  /// Takes a free permit only when no held job is waiting for one.
  bool try_acquire(JobId job) override;
  void release() override;
  std::string_view kind() const override { return "max_concurrency"; }
  LimiterLevel level() const override;
  bool drops_at_submit() const override { return drop_; }

  /// Live change of the cap. Lowering it never interrupts a running job; new
  /// starts wait until the count falls below the new cap.
  void set_max_in_flight(int max_in_flight);
  int in_flight() const;
  /// Jobs held at the gate now.
  int waiting() const;

 private:
  bool take_locked(JobId job);

  Clock& clock_;
  EventBus* bus_;
  std::uint8_t source_;
  bool drop_;

  mutable std::mutex mutex_;  // guards everything below
  poolviz::condition_variable_any permit_freed_;
  int max_;
  int in_use_ = 0;
  GateLine waiting_;  // the acquire() calls holding a job, in arrival order
};

}  // namespace poolviz
