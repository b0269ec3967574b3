#include "poolviz/fixed_pool.h"

#include <algorithm>

namespace poolviz {

std::vector<Job> FifoQueue::take_all() {
  std::vector<Job> all(std::make_move_iterator(jobs_.begin()), std::make_move_iterator(jobs_.end()));
  jobs_.clear();
  return all;
}

int hardware_workers() { return std::max(1, static_cast<int>(std::thread::hardware_concurrency())); }

FixedPool::FixedPool(PoolConfig config, ExecutorEnv env, std::unique_ptr<JobQueue> queue)
    : core_(std::move(env), *this),
      queue_(queue ? std::move(queue) : std::make_unique<FifoQueue>()),
      capacity_(config.queue_capacity),
      overflow_(config.overflow),
      target_workers_(config.workers > 0 ? config.workers : hardware_workers()) {
  core_.set_requeue([this](Job&& job) { requeue(std::move(job)); });
  std::lock_guard lock(mutex_);
  spawn_workers_locked();
}

FixedPool::~FixedPool() { shutdown(ShutdownMode::cancel); }

SubmitResult FixedPool::submit_impl(Job job, bool may_block) {
  if (SubmitResult refused = core_.admit(job); !refused) return refused;
  const JobId id = job.id;
  std::unique_lock lock(mutex_);
  if (closing_) {
    lock.unlock();
    return core_.refuse(job, RejectReason::shut_down);
  }
  if (capacity_ > 0 && queue_->size() >= capacity_) {
    const auto depth = static_cast<std::int64_t>(queue_->size());
    const auto cap = static_cast<std::int64_t>(capacity_);
    switch (overflow_) {
      case Overflow::block:
        if (!may_block) {
          lock.unlock();
          return core_.refuse(job, RejectReason::queue_full, depth, cap);
        }
        ++blocked_producers_;
        core_.emit(EventKind::blocked, id, -1, depth);
        not_full_.wait(lock, [&] { return closing_ || capacity_ == 0 || queue_->size() < capacity_; });
        --blocked_producers_;
        core_.emit(EventKind::unblocked, id, -1, static_cast<std::int64_t>(queue_->size()));
        if (closing_) {
          lock.unlock();
          return core_.refuse(job, RejectReason::shut_down);
        }
        break;
      case Overflow::reject:
        lock.unlock();
        return core_.refuse(job, RejectReason::queue_full, depth, cap);
      case Overflow::drop_oldest: {
        Job evicted = queue_->evict();
        push_locked(std::move(job));
        lock.unlock();
        core_.refuse(evicted, RejectReason::dropped_oldest, depth, cap);
        return SubmitResult{id};
      }
      case Overflow::caller_runs:
        lock.unlock();
        if (!may_block) return core_.refuse(job, RejectReason::queue_full, depth, cap);
        core_.run(job, -2);
        return SubmitResult{id};
    }
  }
  push_locked(std::move(job));
  return SubmitResult{id};
}

SubmitResult FixedPool::spawn(Job child, JobContext&) {
  if (SubmitResult refused = core_.admit(child); !refused) return refused;
  const JobId id = child.id;
  std::unique_lock lock(mutex_);
  if (stopping_) {
    lock.unlock();
    return core_.refuse(child, RejectReason::shut_down);
  }
  push_locked(std::move(child));  // children bypass the bound: a parent must not wait on itself
  return SubmitResult{id};
}

void FixedPool::push_locked(Job&& job) {
  const JobId id = job.id;
  queue_->push(std::move(job));
  // Emitted under the lock, so before any worker can take the job (seq order).
  core_.enqueued(id, -1, static_cast<std::int64_t>(queue_->size()));
  if (idle_ > 0) not_empty_.notify_one();
}

void FixedPool::requeue(Job&& job) {
  std::unique_lock lock(mutex_);
  if (stopping_) {
    lock.unlock();
    core_.cancel_unrun(job);
    return;
  }
  push_locked(std::move(job));
}

void FixedPool::spawn_workers_locked() {
  while (alive_ < target_workers_) {
    const auto free_slot = std::find(slot_busy_.begin(), slot_busy_.end(), false);
    const auto slot = static_cast<std::size_t>(free_slot - slot_busy_.begin());
    if (slot == slot_busy_.size()) {
      slot_busy_.push_back(false);
      threads_.emplace_back();
    }
    // A retired worker released the lock as its last act, so this join is short.
    if (threads_[slot].joinable()) threads_[slot].join();
    slot_busy_[slot] = true;
    ++alive_;
    threads_[slot] = std::thread([this, slot] { worker_main(static_cast<int>(slot)); });
    core_.emit(EventKind::worker_spawned, {}, static_cast<int>(slot), alive_, 0, 0,
               static_cast<std::uint8_t>(WorkerReason::start));
  }
}

void FixedPool::worker_main(int slot) {
  const bool timed_queue = queue_->uses_time();
  std::unique_lock lock(mutex_);
  for (;;) {
    if (alive_ > target_workers_ && !stopping_) {
      --alive_;
      slot_busy_[static_cast<std::size_t>(slot)] = false;
      core_.emit(EventKind::worker_retired, {}, slot, alive_, 0, 0,
                 static_cast<std::uint8_t>(WorkerReason::resized));
      return;
    }
    if (queue_->size() == 0) {
      if (stopping_) break;
      ++idle_;
      core_.emit(EventKind::worker_parked, {}, slot);
      not_empty_.wait(lock);
      --idle_;
      core_.emit(EventKind::worker_woken, {}, slot);
      continue;
    }
    Job job = queue_->pop(timed_queue ? core_.clock().now() : 0);
    if (blocked_producers_ > 0) not_full_.notify_one();
    lock.unlock();
    core_.run(job, slot);
    lock.lock();
  }
  --alive_;
  core_.emit(EventKind::worker_retired, {}, slot, alive_, 0, 0,
             static_cast<std::uint8_t>(WorkerReason::shutdown));
}

bool FixedPool::set_workers(int count) {
  count = std::max(count, 1);
  std::lock_guard lock(mutex_);
  if (closing_) return false;
  const int before = target_workers_;
  target_workers_ = count;
  spawn_workers_locked();
  not_empty_.notify_all();  // idle extras wake up and retire
  core_.emit(EventKind::pool_resized, {}, -1, count, before, 0,
             static_cast<std::uint8_t>(ResizeReason::manual));
  return true;
}

bool FixedPool::set_queue_capacity(std::size_t capacity) {
  std::lock_guard lock(mutex_);
  capacity_ = capacity;
  not_full_.notify_all();
  return true;
}

std::vector<Job> FixedPool::shutdown(ShutdownMode mode) {
  std::vector<Job> unrun;
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || (closing_ && mode == ShutdownMode::drain)) return {};
    closing_ = true;
    not_full_.notify_all();  // blocked producers are refused
    if (mode == ShutdownMode::cancel) {
      stopping_ = true;
      unrun = queue_->take_all();
      not_empty_.notify_all();
    }
  }
  if (mode == ShutdownMode::drain) {
    core_.wait_idle();  // every accepted job, retries included, runs
    std::lock_guard lock(mutex_);
    stopping_ = true;
    not_empty_.notify_all();
  } else {
    core_.request_stop();
    for (const Job& job : unrun) core_.cancel_unrun(job);
  }
  join_all();
  core_.stop_retry_timer();
  return unrun;
}

void FixedPool::join_all() {
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(mutex_);
    threads.swap(threads_);
  }
  for (auto& t : threads) {
    if (t.joinable()) t.join();
  }
}

ExecutorStats FixedPool::stats() const {
  ExecutorStats s = core_.counters();
  std::lock_guard lock(mutex_);
  s.queue_depth = static_cast<std::int64_t>(queue_->size());
  s.workers_alive = alive_;
  s.workers_busy = alive_ - idle_;
  s.threads_alive = alive_;
  return s;
}

}  // namespace poolviz
