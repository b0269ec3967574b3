// poolviz/work_stealing.h — a deque per worker, a shared injector, and idle
// workers that steal from a random victim before they park.
//
// [SECTION] ChaseLevDeque        — the per-worker deque (owner LIFO, thieves FIFO)
// [SECTION] WorkStealingExecutor — the strategy
// [SECTION] JobGroup             — fork-join: spawn children, wait without blocking
//
// What the tutorial (004) teaches, made real: each worker owns a local queue;
// when it runs dry it tries the global queue, then steals from a peer. The
// owner pops its newest job (LIFO, cache-warm, depth-first for fork-join); a
// thief takes the victim's oldest (FIFO, the biggest piece of a divided
// problem). Unlike the seed code, idle workers sleep on a condition variable
// (no 1 µs polling) and the victim is random (no hot spot on worker 0).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "poolviz/executor.h"
#include "poolviz/executor_core.h"

namespace poolviz {

// [SECTION] ChaseLevDeque -----------------------------------------------------

/// A work-stealing deque of pointers (Chase & Lev 2005, with the memory orders
/// of Lê, Pop, Cohen & Zappa Nardelli 2013, "Correct and Efficient
/// Work-Stealing for Weak Memory Models").
///
/// Contract: push()/take() only from the owning thread; steal() from any thread.
/// Every pushed pointer comes out exactly once, through take() or a successful
/// steal(). The deque never owns what it holds: whoever gets a pointer out owns it.
///
/// Memory orders. The paper uses relaxed accesses plus two seq_cst fences (in
/// take, between the store to bottom and the load of top; in steal, between
/// the loads of top and bottom). ThreadSanitizer does not model standalone
/// fences, so here those four accesses are seq_cst operations instead: the
/// single total order over them gives the same guarantee (Dekker-style: either
/// the owner sees the thief's increment of top, or the thief sees the owner's
/// decrement of bottom, so the last element is contended by CAS, never taken
/// twice). push() publishes the slot with a seq_cst (hence release) store of
/// bottom that thieves read with a seq_cst (hence acquire) load. The ring
/// pointer is released by grow() and acquired by thieves. Slots are relaxed
/// atomics because a thief may read a slot the owner is overwriting; such a
/// thief's CAS on top then fails and the value is discarded.
template <class T>
class ChaseLevDeque {
 public:
  explicit ChaseLevDeque(std::int64_t initial_capacity = 64) {
    std::int64_t capacity = 2;
    while (capacity < initial_capacity) capacity *= 2;
    rings_.push_back(std::make_unique<Ring>(capacity));
    ring_.store(rings_.back().get(), std::memory_order_relaxed);
  }
  ChaseLevDeque(const ChaseLevDeque&) = delete;
  ChaseLevDeque& operator=(const ChaseLevDeque&) = delete;

  /// Owner only. Never fails (the ring grows).
  void push(T* item) {
    const std::int64_t b = bottom_.load(std::memory_order_relaxed);  // only the owner writes it
    const std::int64_t t = top_.load(std::memory_order_acquire);
    Ring* ring = ring_.load(std::memory_order_relaxed);  // only the owner writes it
    if (b - t > ring->capacity - 1) ring = grow(ring, t, b);
    ring->put(b, item);
    bottom_.store(b + 1, std::memory_order_seq_cst);  // publishes the slot (paper: release fence)
  }

  /// Owner only. The newest item, or nullptr when empty.
  T* take() {
    const std::int64_t b = bottom_.load(std::memory_order_relaxed) - 1;
    Ring* ring = ring_.load(std::memory_order_relaxed);
    // seq_cst store then seq_cst load: not reordered (paper: seq_cst fence between).
    bottom_.store(b, std::memory_order_seq_cst);
    std::int64_t t = top_.load(std::memory_order_seq_cst);
    if (t > b) {  // empty: restore bottom
      bottom_.store(b + 1, std::memory_order_relaxed);
      return nullptr;
    }
    T* item = ring->get(b);
    if (t == b) {
      // The last item: a thief may be taking it too; the CAS on top decides.
      if (!top_.compare_exchange_strong(t, t + 1, std::memory_order_seq_cst,
                                        std::memory_order_relaxed)) {
        item = nullptr;
      }
      bottom_.store(b + 1, std::memory_order_relaxed);
    }
    return item;
  }

  enum class StealResult : std::uint8_t { stolen, empty, lost_race };

  /// Any thread. The oldest item, or nullptr with `why` = empty or lost_race
  /// (another thief or the owner got there first; worth trying again).
  T* steal(StealResult& why) {
    std::int64_t t = top_.load(std::memory_order_seq_cst);  // paper: acquire + seq_cst fence
    const std::int64_t b = bottom_.load(std::memory_order_seq_cst);  // paper: acquire
    if (t >= b) {
      why = StealResult::empty;
      return nullptr;
    }
    Ring* ring = ring_.load(std::memory_order_acquire);  // paper: consume
    T* item = ring->get(t);
    if (!top_.compare_exchange_strong(t, t + 1, std::memory_order_seq_cst,
                                      std::memory_order_relaxed)) {
      why = StealResult::lost_race;
      return nullptr;
    }
    why = StealResult::stolen;
    return item;
  }

  /// Items held, as seen by a racy snapshot (exact when the owner is quiet).
  std::int64_t size() const {
    const std::int64_t b = bottom_.load(std::memory_order_relaxed);
    const std::int64_t t = top_.load(std::memory_order_relaxed);
    return b > t ? b - t : 0;
  }

 private:
  struct Ring {
    explicit Ring(std::int64_t cap)
        : capacity(cap),
          slots(std::make_unique<std::atomic<T*>[]>(static_cast<std::size_t>(cap))) {}
    T* get(std::int64_t i) const {
      return slots[static_cast<std::size_t>(i & (capacity - 1))].load(std::memory_order_relaxed);
    }
    void put(std::int64_t i, T* item) {
      slots[static_cast<std::size_t>(i & (capacity - 1))].store(item, std::memory_order_relaxed);
    }
    std::int64_t capacity;
    std::unique_ptr<std::atomic<T*>[]> slots;
  };

  // Owner only. Copies the live range into a ring twice the size. The old ring
  // stays allocated until the deque dies: a thief may still be reading it.
  Ring* grow(Ring* old, std::int64_t t, std::int64_t b) {
    auto bigger = std::make_unique<Ring>(old->capacity * 2);
    for (std::int64_t i = t; i < b; ++i) bigger->put(i, old->get(i));
    Ring* raw = bigger.get();
    rings_.push_back(std::move(bigger));
    ring_.store(raw, std::memory_order_release);
    return raw;
  }

  alignas(64) std::atomic<std::int64_t> top_{0};
  alignas(64) std::atomic<std::int64_t> bottom_{0};
  std::atomic<Ring*> ring_{nullptr};
  std::vector<std::unique_ptr<Ring>> rings_;  // owner only; every ring ever used
};

// [SECTION] WorkStealingExecutor ----------------------------------------------

struct WorkStealingConfig {
  int workers = 0;  // 0 = hardware threads
};

/// Outside submissions go to the shared injector (FIFO). A job's children
/// (JobContext::spawn, JobGroup::spawn) go to the bottom of the running
/// worker's own deque. A worker looks for work in this order: own deque
/// (newest first), injector, then steals from the other workers starting at a
/// random victim (`stolen` event: worker = thief, x = victim). With nothing
/// found it parks on a condition variable until a submit or spawn wakes it.
///
/// Not supported: a bounded injector (submit never refuses for capacity) and
/// live resize (set_workers returns false): a deque per worker makes both
/// more than a demo needs.
class WorkStealingExecutor final : public Executor {
 public:
  WorkStealingExecutor(WorkStealingConfig config, ExecutorEnv env);
  ~WorkStealingExecutor() override;

  std::string_view strategy() const override { return "work_stealing"; }
  SubmitResult submit(Job job) override { return submit_outside(std::move(job)); }
  SubmitResult try_submit(Job job) override { return submit_outside(std::move(job)); }
  SubmitResult spawn(Job child, JobContext& parent) override;
  std::vector<Job> shutdown(ShutdownMode mode) override;
  void wait_idle() override { core_.wait_idle(); }
  bool set_workers(int) override { return false; }
  ExecutorStats stats() const override;
  std::vector<Failure> recent_failures() const override { return core_.recent_failures(); }

  int workers() const { return static_cast<int>(workers_.size()); }

 private:
  friend class JobGroup;
  struct Worker;

  SubmitResult submit_outside(Job job);
  void push_injector(Job&& job);
  void requeue(Job&& job);
  void worker_main(int self);
  std::unique_ptr<Job> find_work(int self, bool& contended);
  std::unique_ptr<Job> steal(int self, bool& contended);
  void run_one(std::unique_ptr<Job> job, int self);
  void notify_work();
  void wake_everyone();
  // JobGroup::wait on one of this executor's workers: runs other jobs until
  // the group's children have all ended; parks (woken by new work or by the
  // last child) when there is nothing to run.
  void help_until_done(int self, const std::atomic<std::int64_t>& pending,
                       std::atomic<bool>& helper_parked);
  // The worker index when the calling thread is one of this executor's workers, else -1.
  int current_worker() const;

  ExecutorCore core_;
  std::vector<std::unique_ptr<Worker>> workers_;

  std::mutex injector_mutex_;  // guards the three below
  std::deque<Job> injector_;
  bool closed_ = false;     // outside submissions are refused (drain or cancel began)
  bool cancelled_ = false;  // retries end cancelled instead of coming back
  std::atomic<std::int64_t> injector_size_{0};  // lock-free "is there anything" check

  // Parking (an event count). A producer makes work visible, bumps wake_epoch_
  // and, if anyone is parked, notifies under park_mutex_. A worker reads the
  // epoch before its last scan and parks only if it is unchanged; parked_ and
  // wake_epoch_ are seq_cst so producer and parker cannot both miss each other.
  std::mutex park_mutex_;
  std::condition_variable park_cv_;
  std::atomic<std::uint64_t> wake_epoch_{0};
  std::atomic<int> parked_{0};
  std::atomic<bool> stopping_{false};  // workers exit (after their current job)

  std::atomic<int> busy_{0};
  std::atomic<int> alive_{0};
  std::mutex lifecycle_mutex_;  // serialises shutdown()
  bool shut_down_ = false;
};

// [SECTION] JobGroup ----------------------------------------------------------

/// Fork-join inside a running job:
///   long fib(JobContext& ctx, int n) {
///     if (n < 2) return n;
///     long a = 0;
///     JobGroup group(ctx);
///     group.spawn([&a, n](JobContext& child) { a = fib(child, n - 1); });
///     const long b = fib(ctx, n - 2);
///     group.wait();  // on work stealing: runs other jobs meanwhile
///     return a + b;
///   }
/// Children may write into the parent's frame: wait() returns only after every
/// child has ended (completed, failed, timed out, cancelled or refused) and
/// been destroyed, which also orders their writes before the parent's reads.
/// On the work-stealing executor wait() keeps the worker busy with other jobs
/// (its own children first) and parks when there is none; on other executors
/// it blocks the worker. The destructor waits too. Not thread-safe: use a
/// group from the job that made it.
/// Caveat: with a max_concurrency gate (not in drop mode) a waiting parent
/// keeps its permit while the children it helps run need one each; give the
/// gate more permits than the fork-join nesting depth, or it deadlocks.
class JobGroup {
 public:
  explicit JobGroup(JobContext& parent);
  ~JobGroup();
  JobGroup(const JobGroup&) = delete;
  JobGroup& operator=(const JobGroup&) = delete;

  /// Spawns a child running `fn`; false when the executor refused it (run cancelled).
  bool spawn(JobFn fn);
  /// Spawns `child` (its priority, tag, timeout, retry policy are kept).
  bool spawn(Job child);
  /// Blocks (helping) until every child has ended.
  void wait();
  /// Children not yet ended.
  std::int64_t pending() const;

 private:
  struct State;
  struct ChildToken;
  JobContext& parent_;
  WorkStealingExecutor* stealing_;  // set when the parent runs on a work-stealing worker
  int worker_;
  State* state_;  // shared with the children's tokens (intrusive count)
};

}  // namespace poolviz
