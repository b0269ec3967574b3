// poolviz/thread_per_task.h — the anti-pattern: one new OS thread per job.
//
// What `go handle(req)` for every request turns into when threads are real:
// concurrency equals arrivals, and threads, memory and scheduling cost grow
// with load. A safety cap (default 2,000 live threads) keeps a classroom demo
// from taking the machine down; past it, jobs are refused with thread_cap, as
// they are when the OS itself refuses a thread.
#pragma once

#include <cstdint>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "poolviz/executor.h"
#include "poolviz/executor_core.h"

namespace poolviz {

// The browser build defines POOLVIZ_THREAD_CAP: its page has a fixed pool of
// Web Workers (emscripten's PTHREAD_POOL_SIZE), and a thread asked for beyond
// it would wait for a worker the busy main thread cannot create. 0 = no cap.
#ifndef POOLVIZ_THREAD_CAP
#define POOLVIZ_THREAD_CAP 0
#endif
/// The most live threads this build lets thread-per-task hold, whatever the
/// scenario's max_threads says; 0 = no platform limit.
inline constexpr int kPlatformThreadCap = POOLVIZ_THREAD_CAP;

struct ThreadPerTaskConfig {
  int max_threads = 0;  // 0 = 2,000 (and never above kPlatformThreadCap)
};

class ThreadPerTask final : public Executor {
 public:
  ThreadPerTask(ThreadPerTaskConfig config, ExecutorEnv env);
  ~ThreadPerTask() override;

  std::string_view strategy() const override { return "thread_per_task"; }
  SubmitResult submit(Job job) override { return start_thread(std::move(job), true); }
  SubmitResult try_submit(Job job) override { return start_thread(std::move(job), true); }
  SubmitResult spawn(Job child, JobContext&) override { return start_thread(std::move(child), true); }
  std::vector<Job> shutdown(ShutdownMode mode) override;
  void wait_idle() override { core_.wait_idle(); }
  bool set_workers(int) override { return false; }
  ExecutorStats stats() const override;
  std::vector<Failure> recent_failures() const override { return core_.recent_failures(); }

  /// Live change of the safety cap.
  void set_max_threads(int max_threads);

 private:
  SubmitResult start_thread(Job job, bool admit);
  void reap_locked();

  ExecutorCore core_;
  mutable std::mutex mutex_;  // guards everything below
  int max_threads_;
  bool closing_ = false;
  std::int64_t peak_threads_ = 0;
  std::uint64_t next_thread_ = 0;
  std::unordered_map<std::uint64_t, std::thread> threads_;
  std::vector<std::uint64_t> finished_;  // threads that ended and wait to be joined
};

}  // namespace poolviz
