// tests/support/test_jobs.h — jobs whose progress a test controls, without sleeps.
//
// [SECTION] env_of    — the ExecutorEnv most tests build (clock, bus, limiter)
// [SECTION] make_job  — a Job from a callable (and an optional timeout)
// [SECTION] JobGate   — jobs block in pass() until the test opens the gate or
//                       the job is cancelled; the test can wait until n jobs arrived
// [SECTION] Tally     — a counter the test can wait on (jobs report milestones)
//
// Typical use, a deterministically full queue (1 worker, capacity 2):
//   JobGate gate;
//   pool.submit(make_job([&](JobContext& ctx) { gate.pass(ctx); }));  // A holds the worker
//   gate.wait_for_arrivals(1);                                         // A is running
//   pool.submit(b); pool.submit(c);                                    // queue is full
//   ... check the overflow policy ...;  gate.open();
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include "poolviz/compat_thread.h"
#include <utility>

#include "poolviz/executor.h"
#include "poolviz/job.h"

namespace poolviz::test {

// [SECTION] env_of ------------------------------------------------------------

inline ExecutorEnv env_of(Clock& clock, EventBus* bus = nullptr) {
  ExecutorEnv env;
  env.clock = &clock;
  env.bus = bus;
  return env;
}

/// With a limiter in front of the workers.
inline ExecutorEnv env_of(Clock& clock, std::shared_ptr<Limiter> limiter, EventBus* bus = nullptr) {
  ExecutorEnv env = env_of(clock, bus);
  env.limiter = std::move(limiter);
  return env;
}

// [SECTION] make_job ----------------------------------------------------------

inline Job make_job(JobFn fn, Nanos timeout = 0) {
  Job job;
  job.timeout = timeout;
  job.fn = std::move(fn);
  return job;
}

// [SECTION] JobGate -----------------------------------------------------------

/// A one-way gate. Thread-safe. Jobs blocked in pass() are cancellable: a stop
/// request (shutdown(cancel), destruction) lets them through, and the job then
/// ends cancelled because pass() asks the context, which records the stop.
class JobGate {
 public:
  /// Called by a job. Blocks until open() or the job's stop token fires.
  /// Returns true when the gate was opened, false when the job was cancelled.
  bool pass(JobContext& ctx) {
    {
      std::unique_lock lock(mutex_);
      ++arrivals_;
      changed_.notify_all();
      poolviz::stop_token stop = ctx.stop_token();
      if (changed_.wait(lock, stop, [this] { return open_; })) return true;
    }
    ctx.stop_requested();  // records the cancellation the job saw
    return false;
  }

  /// Blocks a thread that is not a job (no cancellation).
  void pass() {
    std::unique_lock lock(mutex_);
    ++arrivals_;
    changed_.notify_all();
    changed_.wait(lock, [this] { return open_; });
  }

  void open() {
    std::lock_guard lock(mutex_);
    open_ = true;
    changed_.notify_all();
  }

  /// Blocks until at least `n` calls of pass() have begun (in total, not "now").
  void wait_for_arrivals(int n) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return arrivals_ >= n; });
  }

  int arrivals() const {
    std::lock_guard lock(mutex_);
    return arrivals_;
  }

 private:
  mutable std::mutex mutex_;
  poolviz::condition_variable_any changed_;
  int arrivals_ = 0;
  bool open_ = false;
};

// [SECTION] Tally -------------------------------------------------------------

/// A counter that a test can wait on. Thread-safe.
class Tally {
 public:
  void add(int n = 1) {
    std::lock_guard lock(mutex_);
    count_ += n;
    changed_.notify_all();
  }
  void wait_for(int n) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return count_ >= n; });
  }
  int value() const {
    std::lock_guard lock(mutex_);
    return count_;
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  int count_ = 0;
};

}  // namespace poolviz::test
