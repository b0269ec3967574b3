// poolviz/executor_core.h — the machinery every strategy shares, so that a
// strategy is only its queues and its workers.
//
// A strategy owns one ExecutorCore and calls it at each step of a job's life:
//   admit()        every submission, before the strategy decides
//   refuse()       the strategy refused (or evicted) an admitted job
//   enqueued()     the job is waiting in a queue
//   run()          a worker runs one attempt: gate, started, callable, outcome,
//                  then either finished or a retry handed back through requeue
//   cancel_unrun() a queued job was dropped by shutdown(cancel)
// The core keeps the counters (the accounting invariant lives here), emits the
// events, remembers recent failure messages, and runs the retry timer.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <queue>
#include "poolviz/compat_thread.h"
#include <thread>
#include <vector>

#include "poolviz/cache_line.h"
#include "poolviz/executor.h"

namespace poolviz {

class ExecutorCore {
 public:
  /// `owner` is the strategy that holds this core (jobs see it through JobContext).
  ExecutorCore(ExecutorEnv env, Executor& owner);
  ~ExecutorCore();
  ExecutorCore(const ExecutorCore&) = delete;
  ExecutorCore& operator=(const ExecutorCore&) = delete;

  Clock& clock() const { return *env_.clock; }
  const ExecutorEnv& env() const { return env_; }
  Limiter* limiter() const { return env_.limiter.get(); }

  /// True when events are observed: one relaxed load. Check before building one.
  bool events_on() const { return env_.bus != nullptr && env_.bus->enabled(); }
  /// Emits one event (built with a maker from poolviz::events), stamped with
  /// now() and this executor's source; a no-op when no sink is attached.
  /// Inline so an unobserved run never builds the event.
  void emit(const Event& e) {
    if (events_on()) emit_now(e);
  }

  // Submission -------------------------------------------------------------
  /// Counts a submission, assigns an id when it has none, stamps the time.
  /// The job is outstanding from here until it ends (or is refused).
  /// Returns a refusal, already counted and reported, when the run is being
  /// cancelled (shut_down) or a drop-mode limiter has no permit (limiter_drop):
  /// the strategy then returns it as is and does nothing else with the job.
  [[nodiscard]] SubmitResult admit(Job& job);
  /// Refuses an admitted job (counts it rejected). Returns the submit answer.
  SubmitResult refuse(const Job& job, RejectReason why, std::int64_t depth = 0,
                      std::int64_t capacity = 0);
  /// Records that an admitted job waits in queue `queue` (-1 = the shared one).
  /// `at` > 0 stamps the event with that time (the submit stamp, when the job
  /// went straight in) instead of reading the clock again.
  void enqueued(JobId job, int queue, std::int64_t depth, Nanos at = 0, Nanos size_estimate = 0);

  // Running ----------------------------------------------------------------
  /// Runs one attempt of `job` on `worker` (-2 = the submitting thread). After
  /// it, the job has ended (counted, `finished` emitted) or was handed to the
  /// requeue hook for a retry after its backoff. Once the run is cancelled a
  /// job that reaches run() ends cancelled without starting.
  void run(Job& job, int worker);
  /// Ends a job that never ran as cancelled.
  void cancel_unrun(const Job& job);

  /// Where a job goes back after its retry backoff. The strategy must accept it
  /// even while draining; after a cancel it should cancel_unrun() it instead.
  using Requeue = std::function<void(Job&&)>;
  void set_requeue(Requeue requeue) { requeue_ = std::move(requeue); }

  // Lifecycle --------------------------------------------------------------
  /// Cooperative cancellation seen by every running job, gate and retry wait.
  poolviz::stop_token stop_token() const { return stop_.get_token(); }
  bool stopping() const { return stop_.stop_requested(); }
  /// Cancels running jobs (cooperatively) and every pending retry.
  void request_stop();
  /// Blocks until nothing is outstanding.
  void wait_idle();
  std::int64_t outstanding() const;
  /// Stops the retry timer thread; pending retries end cancelled.
  void stop_retry_timer();

  void count_steal() { steals_.fetch_add(1, std::memory_order_relaxed); }

  /// The counters every strategy shares; the strategy adds queue and worker figures.
  ExecutorStats counters() const;
  std::vector<Executor::Failure> recent_failures() const;

 private:
  void emit_now(const Event& e);
  void finish(const Job& job, int worker, Outcome outcome);
  // Refuses a job that holds no drop-mode permit (admit's own refusals).
  SubmitResult refuse_unpermitted(const Job& job, RejectReason why);
  // True when the limiter is passed at submit (drop mode) rather than at start.
  bool gate_at_submit() const;
  void end_one();
  Nanos backoff_for(const Job& job) const;
  void schedule_retry(Job&& job, Nanos due);
  void retry_timer_main();
  void remember_failure(JobId job, std::string message);

  ExecutorEnv env_;
  Executor& owner_;
  Requeue requeue_;
  poolviz::stop_source stop_;
  std::optional<poolviz::stop_callback<std::function<void()>>> forward_cancel_;

  // The counters sit on two cache lines by who writes them, so that a
  // submitting thread and the workers do not invalidate each other's line on
  // every job (false sharing). Outstanding is submitted_ − ended_: no counter
  // is written by both sides per job.
  // Submitting side (admit, refuse):
  alignas(kCacheLine) std::atomic<std::uint64_t> next_id_{1};
  std::atomic<std::uint64_t> submitted_{0}, rejected_{0};
  // Worker side (run, finish); idle_waiters_ is written only by wait_idle().
  alignas(kCacheLine) std::atomic<std::uint64_t> ended_{0};  // ended or refused
  std::atomic<std::int64_t> in_service_{0};
  std::atomic<std::uint64_t> completed_{0}, failed_{0}, cancelled_{0}, timed_out_{0},
      retried_{0}, steals_{0};
  alignas(kCacheLine) std::atomic<int> idle_waiters_{0};

  alignas(kCacheLine) std::mutex idle_mutex_;
  std::condition_variable idle_cv_;

  mutable std::mutex failures_mutex_;
  std::deque<Executor::Failure> failures_;

  // Retry timer: a min-heap of (due, job) served by one lazily started thread.
  struct PendingRetry {
    Nanos due;
    std::uint64_t order;
    Job job;
  };
  struct LaterFirst {
    bool operator()(const PendingRetry& a, const PendingRetry& b) const {
      return a.due != b.due ? a.due > b.due : a.order > b.order;
    }
  };
  std::mutex retry_mutex_;
  poolviz::condition_variable_any retry_cv_;
  std::priority_queue<PendingRetry, std::vector<PendingRetry>, LaterFirst> retries_;
  std::uint64_t retry_order_ = 0;
  poolviz::stop_source retry_wake_;  // interrupts the timer's clock sleep
  bool retry_closed_ = false;
  std::thread retry_thread_;
};

}  // namespace poolviz
