// poolviz/worker_pool.h — N workers pulling from queues they share with the
// submitters: the one worker-pool engine behind several strategies.
//
// The tutorials' basic pool: workers read a buffered jobs channel until it is
// closed. Three things are pluggable, each described in its own header:
//   * the queue discipline of the shared queue (FIFO by default; the priority
//     pools pass a queue from priority_queue.h),
//   * per-worker queues with a dispatcher instead of one shared queue
//     (PoolConfig::dispatch, see dispatcher.h),
//   * dynamic scaling between min and max workers (PoolConfig::scaling, see
//     scaling_policy.h).
// The bound, what happens when it is hit (Overflow) and the worker count can
// change while running.
//
// Workers park on their own condition variable, so a push wakes exactly one
// worker (any parked one for the shared queue, the target's for a per-worker
// queue) and the scaler can retire exactly the worker that idled too long.
//
// Direct hand-off: a job submitted while a worker is idle goes straight to
// that worker and never takes a queue slot, as a Go send to a goroutine
// waiting on the channel or a Java pool's new worker's first task. So a pool
// admits exactly (idle workers + free queue slots) before its overflow policy
// applies, every run. A worker counts as idle from the moment it is spawned
// (not when its thread gets round to parking) until it is handed a job, so
// the rule does not depend on thread start-up timing. Invariant (under
// mutex_): while a worker is parked, the queue it serves is empty.
//
// The lane: an unbounded FIFO pool (shared queue, no scaling) keeps its jobs
// in a lock-free MPMC queue (moodycamel::ConcurrentQueue) instead. A submit
// that finds no parked worker pushes without the pool mutex, and a worker runs
// what the lane holds without it, spinning briefly before it parks. A submit
// that sees a parked worker takes the mutex and hands the job over, as above.
// Bounding such a pool while it runs (set_queue_capacity) closes the lane:
// every push and take then goes through the mutex again.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include "poolviz/compat_thread.h"
#include <thread>
#include <vector>

#include "poolviz/dispatcher.h"
#include "poolviz/scaling_policy.h"
#include "poolviz/executor.h"
#include "poolviz/executor_core.h"
#include "poolviz/job_queue.h"
#include "poolviz/sizing.h"

namespace poolviz {

class LaneQueue;  // worker_pool.cpp

struct PoolConfig {
  int workers = 0;                 // 0 = hardware threads; with scaling, 0 = min_workers
  std::size_t queue_capacity = 0;  // 0 = unbounded; with dispatch, per worker queue
  Overflow overflow = Overflow::block;
  Dispatch dispatch = Dispatch::shared;  // round_robin / least_loaded: a FIFO per worker
  ScalingPolicy scaling = {};            // off unless scaling.max_workers > 0
};

class WorkerPool final : public Executor {
 public:
  /// `queue` is the shared queue's discipline (nullptr = FIFO); it is not used
  /// with per-worker dispatch, where every worker queue is a FIFO.
  WorkerPool(PoolConfig config, ExecutorEnv env, std::unique_ptr<JobQueue> queue = nullptr);
  ~WorkerPool() override;

  /// "dynamic" when scaling, otherwise the shared queue's name ("fixed", "priority", ...).
  std::string_view strategy() const override;
  SubmitResult submit(Job job) override { return submit_impl(std::move(job), true); }
  SubmitResult try_submit(Job job) override { return submit_impl(std::move(job), false); }
  SubmitResult spawn(Job child, JobContext& parent) override;
  std::vector<Job> shutdown(ShutdownMode mode) override;
  void wait_idle() override { core_.wait_idle(); }
  /// With scaling, the count is clamped to [min, max] and the scaler may move it again.
  bool set_workers(int count) override;
  bool set_queue_capacity(std::size_t capacity) override;
  ExecutorStats stats() const override;
  std::vector<Failure> recent_failures() const override { return core_.recent_failures(); }

 private:
  static constexpr int kShared = -1;  // queue index of the shared queue

  struct Worker {
    std::thread thread;             // joined before the slot is reused
    std::condition_variable wake;   // signalled by unpark_locked()
    std::unique_ptr<JobQueue> own;  // per-worker dispatch only
    std::optional<Job> handoff;     // handed over while parked; runs before any queued job
    bool live = false;              // a thread runs in this slot
    bool parked = false;            // waiting for work (listed in parked_)
    bool running = false;           // holds a job
    bool retire = false;            // told by the scaler to retire when it wakes
    Nanos idle_since = 0;           // clock time it parked (scaling only)
  };

  SubmitResult submit_impl(Job&& job, bool may_block);
  JobQueue& queue_at(int index);
  bool accepts_locked(int index) const;
  int pick_queue_locked();
  std::size_t depth_locked() const;
  /// A parked worker that may take a job pushed to queue `index`, or -1.
  int idle_worker_locked(int index) const;
  /// Pushes, emits `enqueued` (stamped `stamp` when > 0, else now), wakes a
  /// worker, and (rescale) lets the scaler react.
  void push_locked(Job&& job, int index, bool rescale = true, Nanos stamp = 0);
  void requeue(Job&& job);
  // The lane (lane_ != nullptr): a push without the mutex, or false when the
  // lane is closed or a worker is parked (then the locked path hands it over).
  bool submit_lane(Job& job);
  void wake_for_lane();
  void close_lane_locked();
  void worker_main_lane(int slot);

  void spawn_workers_locked(WorkerReason why);
  void worker_main(int slot);
  void leave_locked(int slot, WorkerReason why);
  void park_locked(int slot);
  void unpark_locked(int slot);
  int staying_locked() const { return alive_ - retiring_; }
  void join_all();

  void scale_up_locked();
  void retire_idle_locked(Nanos now);
  void scaler_main();
  void poke_scaler_locked();
  void stop_scaler();

  ExecutorCore core_;
  LaneQueue* lane_;                  // queue_, when it is the lane; else nullptr
  std::unique_ptr<JobQueue> queue_;  // the shared queue (empty with dispatch)
  const bool timed_queue_;           // queue_->uses_time(), read without the lock
  const ScalingPolicy scaling_;      // resolved; enabled() says whether it applies

  mutable std::mutex mutex_;          // guards everything below
  std::condition_variable not_full_;  // blocked producers wait for room
  std::size_t capacity_;
  Overflow overflow_;
  Dispatcher dispatcher_;
  std::vector<QueueLoad> loads_;  // dispatcher snapshot, reused
  int target_workers_;
  int alive_ = 0;
  int retiring_ = 0;  // told to retire, not gone yet
  int blocked_producers_ = 0;
  bool closing_ = false;                          // no new submissions
  bool stopping_ = false;                         // workers exit once their queue is empty
  std::vector<std::unique_ptr<Worker>> workers_;  // by slot; slots are reused
  std::vector<int> parked_;                       // parked slots, oldest first

  // The lane (see the top).
  alignas(kCacheLine) std::atomic<bool> lane_open_{false};  // pushes may skip the mutex
  std::atomic<int> lane_users_{0};  // submits between their lane_open_ check and push
  alignas(kCacheLine) std::atomic<int> parked_count_{0};  // parked_.size(), read without the lock

  // Scaler (scaling only): wakes at the next periodic check or idle deadline.
  std::thread scaler_;
  std::condition_variable scaler_cv_;  // no deadline: waits here for a poke
  poolviz::stop_source scaler_wake_;       // interrupts its clock sleep
  Nanos scaler_deadline_ = kNever;     // what it sleeps until; kNever = on scaler_cv_
  Nanos next_check_ = 0;
  bool scaler_stop_ = false;
};

}  // namespace poolviz
