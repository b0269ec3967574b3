// poolviz/job.h — a unit of work, what it is told while it runs, and how it ends.
//
// [SECTION] Ids and outcomes
// [SECTION] RetryPolicy
// [SECTION] Job
// [SECTION] JobContext — what a running job can see and do
#pragma once

#include <compare>
#include <cstdint>
#include <functional>
#include "poolviz/compat_thread.h"
#include <string_view>

#include "poolviz/clock.h"

namespace poolviz {

class Executor;
class ExecutorCore;

// [SECTION] Ids and outcomes --------------------------------------------------

struct JobId {
  std::uint64_t value = 0;  // 0 = not assigned yet
  explicit operator bool() const { return value != 0; }
  friend auto operator<=>(JobId, JobId) = default;
};

/// How an accepted job ended. Every accepted job ends exactly once.
enum class Outcome : std::uint8_t { completed, failed, timed_out, cancelled };

/// Why a submission was refused (or, for drop_oldest, why an accepted job was evicted).
enum class RejectReason : std::uint8_t {
  none,
  queue_full,      // bounded queue at capacity (backpressure; HTTP would say 503)
  shut_down,       // submit after shutdown began
  limiter_drop,    // a limiter in drop mode had no permit
  thread_cap,      // thread-per-task hit its safety cap
  dropped_oldest,  // evicted from a full queue to make room for a newer job
};

std::string_view to_string(Outcome outcome);
std::string_view to_string(RejectReason reason);

// [SECTION] RetryPolicy -------------------------------------------------------

/// Exponential backoff: the pause before attempt k+1 is
/// min(max_backoff, base_backoff × factor^(k-1)), then ± jitter × itself.
/// Zero-initialised means "one attempt, no retry".
struct RetryPolicy {
  int max_attempts = 0;     // 0 or 1 = no retry
  Nanos base_backoff = 0;   // scenario time
  double factor = 2.0;
  Nanos max_backoff = 0;    // 0 = no cap
  double jitter = 0.0;      // 0..1
  bool retry_timeouts = true;
};

/// How an attempt ended: the one rule, for the engine (ExecutorCore) and the
/// HTTP server's task status alike. A job that saw its stop ends cancelled;
/// one that saw its deadline, or came back at or after it without throwing,
/// timed out; one that threw failed; the rest completed.
inline Outcome classify_outcome(bool threw, bool observed_cancel, bool observed_deadline, Nanos now, Nanos deadline) {
  if (observed_cancel) return Outcome::cancelled;
  if (observed_deadline || (!threw && deadline != kNever && now >= deadline)) return Outcome::timed_out;
  return threw ? Outcome::failed : Outcome::completed;
}

/// True when an attempt that ended with `outcome` is tried again: a failure
/// (or a timeout, when the policy says so) with attempts left, not stopping.
inline bool should_retry(Outcome outcome, int attempt, const RetryPolicy& retry, bool stopping) {
  const bool retryable = outcome == Outcome::failed || (outcome == Outcome::timed_out && retry.retry_timeouts);
  return retryable && attempt < retry.max_attempts && !stopping;
}

// [SECTION] Job ---------------------------------------------------------------

class JobContext;
using JobFn = std::function<void(JobContext&)>;

struct Job {
  JobId id;                // assigned by submit when 0
  int priority = 0;        // larger = more urgent
  std::uint16_t tag = 0;   // class of work (colour, stage, client); free for the caller
  int attempt = 0;         // attempts started so far (the executor counts)
  Nanos timeout = 0;       // per-attempt budget in scenario time; 0 = none
  Nanos size_estimate = 0; // expected service in scenario time (shortest-job-first); 0 = unknown
  RetryPolicy retry;
  Nanos submitted_at = 0;  // stamped by the executor at submit
  /// When the job was due to arrive (scenario time), stamped by whoever planned
  /// it (Run: the workload's arrival time); < 0 = at its submit. A producer
  /// that falls behind (a blocked submit, a slow thread start) submits late:
  /// waits are timed from here, so that delay counts as waiting.
  Nanos arrival = -1;
  JobFn fn;
};

// [SECTION] JobContext --------------------------------------------------------

/// Handed to a job's callable by the worker that runs it; valid only during
/// the call. Cancellation and timeouts are cooperative: a job that wants to be
/// stoppable asks stop_requested() or waits with sleep_until().
class JobContext {
 public:
  /// `stop` is the executor's own stop source, read in place: a job costs no
  /// stop_token copy (two atomic read-modify-writes) unless it asks for one.
  JobContext(ExecutorCore& core, Executor& executor, const Job& job, int worker, Nanos deadline,
             const poolviz::stop_source& stop)
      : core_(core), executor_(executor), job_(job), worker_(worker), deadline_(deadline),
        stop_(stop) {}

  JobId id() const { return job_.id; }
  int worker() const { return worker_; }
  int attempt() const { return job_.attempt; }
  int priority() const { return job_.priority; }
  Clock& clock() const;
  Executor& executor() const { return executor_; }

  /// Run-wide cancellation (shutdown(cancel) or the environment's stop token).
  poolviz::stop_token stop_token() const { return stop_.get_token(); }
  /// Scenario time at which this attempt times out; kNever when it has no timeout.
  Nanos deadline() const { return deadline_; }

  /// True when the job should give up: cancelled, or past its deadline.
  /// Observing it decides the outcome (cancelled / timed_out) if the job returns.
  bool stop_requested();

  /// Waits in the clock's time until `t`, the deadline, or cancellation.
  /// Returns true when `t` was reached.
  bool sleep_until(Nanos t);

  /// Reports progress 0..1 (drawn as the job's progress bar).
  void progress(float fraction);

  /// Submits a child job to the same executor. On the work-stealing executor
  /// the child goes to this worker's own deque.
  bool spawn(Job child);

  // Read by the executor after the call.
  bool observed_cancel() const { return observed_cancel_; }
  bool observed_deadline() const { return observed_deadline_; }

 private:
  ExecutorCore& core_;
  Executor& executor_;
  const Job& job_;
  int worker_;
  Nanos deadline_;
  const poolviz::stop_source& stop_;  // outlives the call: owned by the executor's core
  bool observed_cancel_ = false;
  bool observed_deadline_ = false;
};

}  // namespace poolviz
