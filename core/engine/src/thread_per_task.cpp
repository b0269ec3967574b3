#include "poolviz/thread_per_task.h"

#include <algorithm>
#include <system_error>

namespace poolviz {

namespace {

int effective_max_threads(int requested) {
  const int cap = requested > 0 ? requested : 2000;
  return kPlatformThreadCap > 0 ? std::min(cap, kPlatformThreadCap) : cap;
}

}  // namespace

ThreadPerTask::ThreadPerTask(ThreadPerTaskConfig config, ExecutorEnv env)
    : core_(std::move(env), *this), max_threads_(effective_max_threads(config.max_threads)) {
  // A retry gets a fresh thread, cap or not: it was accepted and must not be lost.
  core_.set_requeue([this](Job&& job) { start_thread(std::move(job), false); });
}

ThreadPerTask::~ThreadPerTask() { shutdown(ShutdownMode::cancel); }

void ThreadPerTask::set_max_threads(int max_threads) {
  std::lock_guard lock(mutex_);
  max_threads_ = effective_max_threads(max_threads);
}

SubmitResult ThreadPerTask::start_thread(Job job, bool admit) {
  if (admit) {
    if (SubmitResult refused = core_.admit(job); !refused) return refused;
  }
  const JobId id = job.id;
  std::unique_lock lock(mutex_);
  reap_locked();
  if (core_.stopping() || (admit && closing_)) {
    lock.unlock();
    if (!admit) {
      core_.cancel_unrun(job);
      return SubmitResult{id};
    }
    return core_.refuse(job, RejectReason::shut_down);
  }
  const auto alive = static_cast<std::int64_t>(threads_.size());
  if (admit && alive >= max_threads_) {
    lock.unlock();
    return core_.refuse(job, RejectReason::thread_cap, alive, max_threads_);
  }
  const std::uint64_t index = next_thread_++;
  const int worker = static_cast<int>(index & 0x7fffffff);
  // Emitted before the thread exists: once it does, its own started/finished/
  // retired events can come first, and each job's events must stay in order.
  core_.emit(events::worker_spawned(worker, WorkerReason::start, alive + 1));
  core_.enqueued(id, worker, 0);
  try {
    threads_.emplace(index, std::thread([this, index, worker, job = std::move(job)]() mutable {
      core_.run(job, worker);
      std::lock_guard done(mutex_);
      // After shutdown() took the threads, it joins this one itself.
      if (threads_.contains(index)) finished_.push_back(index);
      core_.emit(
          events::worker_retired(worker, WorkerReason::shutdown,
                                 static_cast<std::int64_t>(threads_.size() - finished_.size())));
    }));
  } catch (const std::system_error&) {
    // The OS refused a thread. The lambda (and the job) were destroyed unrun.
    core_.emit(events::worker_retired(worker, WorkerReason::shutdown, alive));
    lock.unlock();
    Job unrun;
    unrun.id = id;
    if (!admit) {
      core_.cancel_unrun(unrun);
      return SubmitResult{id};
    }
    return core_.refuse(unrun, RejectReason::thread_cap, alive, max_threads_);
  }
  peak_threads_ = std::max<std::int64_t>(peak_threads_, alive + 1);
  return SubmitResult{id};
}

void ThreadPerTask::reap_locked() {
  for (std::uint64_t index : finished_) {
    auto it = threads_.find(index);
    it->second.join();  // it has pushed itself here as its last act: a short join
    threads_.erase(it);
  }
  finished_.clear();
}

std::vector<Job> ThreadPerTask::shutdown(ShutdownMode mode) {
  {
    std::lock_guard lock(mutex_);
    if (closing_ && mode == ShutdownMode::drain) return {};
    closing_ = true;
  }
  if (mode == ShutdownMode::drain) {
    core_.wait_idle();
  } else {
    core_.request_stop();
  }
  core_.stop_retry_timer();
  std::unordered_map<std::uint64_t, std::thread> threads;
  {
    std::lock_guard lock(mutex_);
    threads.swap(threads_);
    finished_.clear();
  }
  for (auto& [index, thread] : threads) thread.join();
  return {};  // nothing ever waits in a queue here
}

ExecutorStats ThreadPerTask::stats() const {
  ExecutorStats s = core_.counters();
  std::lock_guard lock(mutex_);
  const auto alive = static_cast<std::int64_t>(threads_.size() - finished_.size());
  s.workers_alive = alive;
  s.workers_busy = alive;
  s.threads_alive = alive;
  return s;
}

}  // namespace poolviz
