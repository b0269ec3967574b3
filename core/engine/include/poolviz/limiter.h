// poolviz/limiter.h — the gate a job passes between leaving the queue and
// starting on a worker (the tutorials' ticker, token bucket and semaphore).
//
// A limiter is attached to any executor through ExecutorEnv::limiter. The
// worker that dequeued a job holds it at the gate (a `gate_waiting` event)
// until acquire() grants a permit, exactly as the tutorials' workers block on
// `<-ticker.C` or a semaphore while holding the job they took.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string_view>

#include "poolviz/compat_thread.h"

#include "poolviz/job.h"

namespace poolviz {

/// A snapshot for display: tokens for buckets, permits in use for semaphores.
struct LimiterLevel {
  double level = 0;     // tokens available, or permits in use
  double capacity = 0;  // bucket size, or max in flight
};

/// The jobs held at a gate, in the order they reached it: only the front one
/// may take a permit (first come, first served, as a Go channel serves its
/// waiting receivers). A worker coming back with a new job joins at the back;
/// it never overtakes the ones already waiting. The limiter's mutex guards it.
class GateLine {
 public:
  /// Joins at the back; the ticket names this waiter.
  std::uint64_t join() {
    waiting_.push_back(next_ticket_);
    return next_ticket_++;
  }
  bool is_front(std::uint64_t ticket) const { return waiting_.front() == ticket; }
  /// The front waiter took its permit.
  void pop_front() { waiting_.pop_front(); }
  /// A waiter gave up (stop requested).
  void leave(std::uint64_t ticket) { std::erase(waiting_, ticket); }
  bool empty() const { return waiting_.empty(); }
  std::size_t size() const { return waiting_.size(); }

 private:
  std::deque<std::uint64_t> waiting_;
  std::uint64_t next_ticket_ = 0;
};

class Limiter {
 public:
  virtual ~Limiter() = default;

  /// Blocks until `job` may start; false when `stop` was requested first.
  virtual bool acquire(JobId job, poolviz::stop_token stop) = 0;
  /// Never blocks; true when a permit was taken.
  virtual bool try_acquire(JobId job) = 0;
  /// Returns the permit acquire() took once the job has ended (semaphores);
  /// rate limiters ignore it. Called on every path, failure included.
  virtual void release() {}

  /// Drop mode (LimiterSpec::drop): instead of holding jobs at the gate, the
  /// executor's admission takes a permit with try_acquire() at submit and
  /// refuses the job with limiter_drop when there is none (an HTTP 429). The
  /// job then starts without the gate; release() is called when it ends.
  virtual bool drops_at_submit() const { return false; }

  virtual std::string_view kind() const = 0;
  virtual LimiterLevel level() const = 0;
};

}  // namespace poolviz
