// bench/peers.h — every implementation the benchmarks compare, behind one
// tiny shape so that a case is written once:
//
//   Impl impl(workers);    // starts `workers` threads (thread-per-task ignores it)
//   impl.post(f);          // f is a void() callable; any thread
//   impl.drain();          // returns once every posted task has run; stops the pool
//
// Each adapter uses its library's ordinary API and its own way to wait for
// everything (asio join, TBB task_group::wait, rvaser's destructor), so no
// peer pays for a completion counter it would not use.
#pragma once

#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/task_arena.h>
#include <oneapi/tbb/task_group.h>

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <thread_pool/thread_pool.hpp>
#include <vector>

#include "bench_support.h"
#include "poolviz/clock.h"
#include "poolviz/event.h"
#include "poolviz/worker_pool.h"
#include "textbook_pool.h"

namespace poolviz::bench {

/// poolviz's WorkerPool (FIFO, unbounded), optionally observed through `bus`.
class PoolvizPool {
 public:
  static constexpr const char* kName = "poolviz";
  explicit PoolvizPool(int workers, EventBus* bus = nullptr)
      : pool_(PoolConfig{.workers = workers}, env_on(clock_, bus)) {}
  template <class F>
  void post(F&& f) {
    Job job;
    job.fn = [f = std::forward<F>(f)](JobContext&) mutable { f(); };
    pool_.submit(std::move(job));
  }
  void drain() { pool_.shutdown(ShutdownMode::drain); }
  WorkerPool& pool() { return pool_; }

 private:
  RealClock clock_;
  WorkerPool pool_;
};

class AsioPool {
 public:
  static constexpr const char* kName = "asio";
  explicit AsioPool(int workers) : pool_(static_cast<std::size_t>(workers)) {}
  template <class F>
  void post(F&& f) {
    boost::asio::post(pool_, std::forward<F>(f));
  }
  void drain() { pool_.join(); }  // waits for outstanding work, then joins

 private:
  boost::asio::thread_pool pool_;
};

class RvaserPool {
 public:
  static constexpr const char* kName = "rvaser";
  explicit RvaserPool(int workers)
      : pool_(std::make_unique<thread_pool::ThreadPool>(static_cast<std::size_t>(workers))) {}
  template <class F>
  void post(F&& f) {
    pool_->Submit(std::forward<F>(f));  // the future is dropped: waiting is the destructor's
  }
  void drain() { pool_.reset(); }  // its destructor runs every queued task, then joins

 private:
  std::unique_ptr<thread_pool::ThreadPool> pool_;
};

/// oneTBB: `workers` worker threads in an arena with no slot kept for the
/// producer, so the submitting thread never runs tasks itself (as with the
/// other pools); tasks are task_group tasks enqueued from outside.
class TbbPool {
 public:
  static constexpr const char* kName = "tbb";
  explicit TbbPool(int workers)
      : limit_(tbb::global_control::max_allowed_parallelism, static_cast<std::size_t>(workers) + 1),
        arena_(workers, 0) {
    arena_.initialize();
  }
  template <class F>
  void post(F&& f) {
    arena_.enqueue(group_.defer(std::forward<F>(f)));
  }
  void drain() {
    arena_.execute([this] { group_.wait(); });
  }
  tbb::task_arena& arena() { return arena_; }
  tbb::task_group& group() { return group_; }

 private:
  tbb::global_control limit_;
  tbb::task_arena arena_;
  tbb::task_group group_;
};

class TextbookAdapter {
 public:
  static constexpr const char* kName = "textbook";
  explicit TextbookAdapter(int workers) : pool_(std::make_unique<TextbookPool>(workers)) {}
  template <class F>
  void post(F&& f) {
    pool_->post(std::forward<F>(f));
  }
  void drain() { pool_.reset(); }

 private:
  std::unique_ptr<TextbookPool> pool_;
};

/// The anti-pattern: a new std::thread for every task, joined at the end.
class ThreadPerTaskRaw {
 public:
  static constexpr const char* kName = "thread_per_task";
  explicit ThreadPerTaskRaw(int /*workers*/) {}
  template <class F>
  void post(F&& f) {
    threads_.emplace_back(std::forward<F>(f));
  }
  void drain() {
    for (auto& t : threads_) t.join();
    threads_.clear();
  }

 private:
  std::vector<std::thread> threads_;
};

/// A bare condition-variable hand-off to one parked thread: the floor under
/// any pool's idle submit-to-start latency (case 2 only; one task in flight).
class CondvarWake {
 public:
  static constexpr const char* kName = "condvar";
  explicit CondvarWake(int /*workers*/) : thread_([this] { work(); }) {}
  ~CondvarWake() { drain(); }
  template <class F>
  void post(F&& f) {
    {
      std::lock_guard lock(mutex_);
      task_ = std::forward<F>(f);
    }
    cv_.notify_one();
  }
  void drain() {
    {
      std::lock_guard lock(mutex_);
      quit_ = true;
    }
    cv_.notify_one();
    if (thread_.joinable()) thread_.join();
  }

 private:
  void work() {
    std::unique_lock lock(mutex_);
    for (;;) {
      cv_.wait(lock, [this] { return quit_ || task_; });
      if (task_) {
        std::function<void()> task = std::move(task_);
        task_ = nullptr;
        task();
        continue;
      }
      return;
    }
  }
  std::mutex mutex_;  // guards task_ and quit_
  std::condition_variable cv_;
  std::function<void()> task_;
  bool quit_ = false;
  std::thread thread_;
};

}  // namespace poolviz::bench
