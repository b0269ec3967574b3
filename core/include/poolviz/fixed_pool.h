// poolviz/fixed_pool.h — N workers pulling from one shared queue.
//
// The tutorials' basic pool: workers read a buffered jobs channel until it is
// closed. The queue discipline is pluggable (FIFO by default; the priority
// pool is this pool with a priority queue), as are the bound and what happens
// when the bound is hit (Overflow). The worker count can change while running.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "poolviz/executor.h"
#include "poolviz/executor_core.h"
#include "poolviz/job_queue.h"

namespace poolviz {

struct PoolConfig {
  int workers = 0;                 // 0 = hardware threads
  std::size_t queue_capacity = 0;  // 0 = unbounded
  Overflow overflow = Overflow::block;
};

/// Hardware threads (at least 1).
int hardware_workers();

class FixedPool final : public Executor {
 public:
  FixedPool(PoolConfig config, ExecutorEnv env, std::unique_ptr<JobQueue> queue = nullptr);
  ~FixedPool() override;

  std::string_view strategy() const override { return queue_->strategy(); }
  SubmitResult submit(Job job) override { return submit_impl(std::move(job), true); }
  SubmitResult try_submit(Job job) override { return submit_impl(std::move(job), false); }
  SubmitResult spawn(Job child, JobContext& parent) override;
  std::vector<Job> shutdown(ShutdownMode mode) override;
  void wait_idle() override { core_.wait_idle(); }
  bool set_workers(int count) override;
  bool set_queue_capacity(std::size_t capacity) override;
  ExecutorStats stats() const override;
  std::vector<Failure> recent_failures() const override { return core_.recent_failures(); }

 private:
  SubmitResult submit_impl(Job job, bool may_block);
  void push_locked(Job&& job);
  void requeue(Job&& job);
  void spawn_workers_locked();
  void worker_main(int slot);
  void join_all();

  ExecutorCore core_;
  std::unique_ptr<JobQueue> queue_;

  mutable std::mutex mutex_;           // guards everything below
  std::condition_variable not_empty_;  // workers wait for jobs (or retirement)
  std::condition_variable not_full_;   // blocked producers wait for room
  std::size_t capacity_;
  Overflow overflow_;
  int target_workers_;
  int alive_ = 0;
  int idle_ = 0;
  int blocked_producers_ = 0;
  bool closing_ = false;   // no new submissions
  bool stopping_ = false;  // workers exit once the queue is empty
  std::vector<std::thread> threads_;  // by slot; a retired slot's thread is joined on reuse
  std::vector<bool> slot_busy_;
};

}  // namespace poolviz
