// poolviz/executor.h — the interface every pool strategy implements.
//
// [SECTION] Submission results and shutdown modes
// [SECTION] ExecutorStats
// [SECTION] ExecutorEnv — what an executor is built with (clock, bus, limiter)
// [SECTION] Executor
//
// Accounting invariant, true once an executor is idle or shut down:
//   submitted = completed + failed + rejected + cancelled + timed_out
// (retries keep their job id and are not new submissions).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include "poolviz/compat_thread.h"
#include <string>
#include <string_view>
#include <vector>

#include "poolviz/clock.h"
#include "poolviz/event.h"
#include "poolviz/job.h"
#include "poolviz/limiter.h"

namespace poolviz {

// [SECTION] Submission results and shutdown modes -----------------------------

struct SubmitResult {
  JobId id;
  RejectReason reason = RejectReason::none;
  bool accepted() const { return reason == RejectReason::none; }
  explicit operator bool() const { return accepted(); }
};

enum class ShutdownMode : std::uint8_t {
  drain,   // refuse new jobs, run every accepted job, join the workers
  cancel,  // refuse new jobs, cancel running ones cooperatively, return the unrun
};

/// What a bounded queue does with a job that arrives when it is full.
enum class Overflow : std::uint8_t {
  block,        // submit() waits for room (the producer slows down)
  reject,       // refuse with queue_full
  drop_oldest,  // evict the oldest queued job (reported rejected), take the new one
  caller_runs,  // the submitting thread runs the job itself
};

/// The policy's name, as scenarios spell it (`pool.overflow`); constexpr so the
/// model's descriptor table (poolviz/pool_spec.h) takes its names from here.
constexpr std::string_view to_string(Overflow overflow) {
  switch (overflow) {
    case Overflow::block:
      return "block";
    case Overflow::reject:
      return "reject";
    case Overflow::drop_oldest:
      return "drop_oldest";
    case Overflow::caller_runs:
      return "caller_runs";
  }
  return "?";
}

// [SECTION] ExecutorStats -----------------------------------------------------

struct ExecutorStats {
  std::uint64_t submitted = 0;
  std::uint64_t completed = 0;
  std::uint64_t failed = 0;
  std::uint64_t rejected = 0;
  std::uint64_t cancelled = 0;
  std::uint64_t timed_out = 0;
  std::uint64_t retried = 0;
  std::uint64_t steals = 0;
  std::int64_t queue_depth = 0;     // jobs waiting in queues (not at the gate, not running)
  std::int64_t in_service = 0;      // jobs a worker holds (at the gate or running)
  std::int64_t outstanding = 0;     // accepted and not yet ended (includes retry waits)
  std::int64_t workers_alive = 0;
  std::int64_t workers_busy = 0;
  std::int64_t threads_alive = 0;   // OS threads this executor owns right now

  std::uint64_t ended() const { return completed + failed + rejected + cancelled + timed_out; }
};

// [SECTION] ExecutorEnv -------------------------------------------------------

/// Everything an executor needs from outside. The clock must outlive the
/// executor; so must the bus when given.
struct ExecutorEnv {
  Clock* clock = nullptr;            // required
  EventBus* bus = nullptr;           // optional; events are only built when it has a sink
  std::uint8_t source = 0;           // stamped on events (stage or compare variant)
  std::shared_ptr<Limiter> limiter;  // optional gate before each start
  poolviz::stop_token cancel;            // optional run-wide cancellation from outside
};

// [SECTION] Executor ----------------------------------------------------------

/// Thread-safe. Destroying a running executor cancels it (as shutdown(cancel))
/// and joins every thread before returning.
class Executor {
 public:
  virtual ~Executor() = default;

  /// Short strategy name: "fixed", "thread_per_task", ...
  virtual std::string_view strategy() const = 0;

  /// Submits a job; may block when the overflow policy is `block`.
  virtual SubmitResult submit(Job job) = 0;
  /// Like submit() but never blocks (a `block` queue answers queue_full).
  virtual SubmitResult try_submit(Job job) = 0;
  /// Submits a child of the running job `parent` (fork-join). Never blocks and
  /// never refuses for capacity, so a parent cannot deadlock on its children.
  virtual SubmitResult spawn(Job child, JobContext& parent) = 0;

  /// drain: runs every accepted job, then joins. cancel: stops intake, cancels
  /// running jobs cooperatively, joins, and returns the jobs that never ran
  /// (they are reported cancelled). Idempotent; later calls return nothing.
  virtual std::vector<Job> shutdown(ShutdownMode mode) = 0;

  /// Blocks until nothing is queued, running, or waiting to retry.
  virtual void wait_idle() = 0;

  /// Live resize. Extra workers retire after their current job. Returns false
  /// when the strategy has no worker count (thread-per-task).
  virtual bool set_workers(int count) = 0;
  /// Live change of the queue bound (0 = unbounded). False when not supported.
  virtual bool set_queue_capacity(std::size_t /*capacity*/) { return false; }

  virtual ExecutorStats stats() const = 0;

  struct Failure {
    JobId job;
    std::string message;
  };
  /// The most recent failure messages (bounded), newest last.
  virtual std::vector<Failure> recent_failures() const = 0;
};

}  // namespace poolviz
