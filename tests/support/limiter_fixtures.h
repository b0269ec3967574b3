// tests/support/limiter_fixtures.h — what the limiter tests (token bucket,
// leaky bucket, ticker, max concurrency) build their pools and gates from,
// and the log of start times they check the pacing with.
#pragma once

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <vector>

#include "poolviz/clock.h"
#include "poolviz/worker_pool.h"

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

}  // namespace poolviz::test
