// tests/support/limiter_fixtures.h — what the limiter tests (token bucket,
// leaky bucket, ticker, max concurrency) build their pools and gates from,
// and the log of start times they check the pacing with.
#pragma once

#include <algorithm>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <vector>

#include "poolviz/clock.h"
#include "poolviz/compat_thread.h"
#include "poolviz/event.h"
#include "poolviz/job.h"
#include "poolviz/worker_pool.h"
#include "support/event_recorder.h"

namespace poolviz::test {

/// A pool of `n` workers, everything else at its default.
inline PoolConfig workers(int n) {
  PoolConfig config;
  config.workers = n;
  return config;
}

/// A bucket config (TokenBucketConfig, LeakyBucketConfig): `capacity`, `rate`
/// per second, drop mode or not.
template <class Config>
Config bucket_of(int capacity, double rate, bool drop = false) {
  Config config;
  config.capacity = capacity;
  config.rate = rate;
  config.drop = drop;
  return config;
}

/// Start times of jobs, in clock time; a test can wait for the n-th start.
class StartLog {
 public:
  void record(Nanos t) {
    std::lock_guard lock(mutex_);
    starts_.push_back(t);
    changed_.notify_all();
  }
  void wait_for(std::size_t n) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return starts_.size() >= n; });
  }
  std::vector<Nanos> sorted() const {
    std::lock_guard lock(mutex_);
    std::vector<Nanos> s = starts_;
    std::sort(s.begin(), s.end());
    return s;
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<Nanos> starts_;
};

/// The jobs a gate let through, in the order it granted them: the job ids of
/// its token_taken events (the limiter emits them under its own lock).
inline std::vector<std::uint64_t> granted_jobs(EventBus& bus, const EventRecorder& recorder) {
  bus.drain(true);
  std::vector<std::uint64_t> jobs;
  for (const Event& e : recorder.events())
    if (e.kind == EventKind::token_taken && e.job != 0) jobs.push_back(e.job);
  return jobs;
}

/// Jobs 1..n held at a gate by one thread each, arriving one after another,
/// and the order in which the gate lets them through.
class GateHolders {
 public:
  /// Holder i calls `acquire(JobId{i})`; `arrived(i)` returns once i holders
  /// are at the gate, so holder i + 1 comes strictly after holder i.
  template <class Acquire, class Arrived>
  void start(int n, Acquire acquire, Arrived arrived) {
    for (int i = 1; i <= n; ++i) {
      threads_.emplace_back([this, acquire, i] {
        const auto id = static_cast<std::uint64_t>(i);
        if (!acquire(JobId{id})) return;
        std::lock_guard lock(mutex_);
        order_.push_back(id);
        changed_.notify_all();
      });
      arrived(i);
    }
  }
  /// Blocks until k holders have been let through.
  void wait_for(std::size_t k) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return order_.size() >= k; });
  }
  std::vector<std::uint64_t> order() {
    std::lock_guard lock(mutex_);
    return order_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::uint64_t> order_;
  std::vector<poolviz::jthread> threads_;  // last: joined before the rest goes
};

}  // namespace poolviz::test
