// tests/support/watchdog.h — turns a hang into a loud failure.
//
// Usage: `Watchdog watchdog(std::chrono::seconds(30), "1,000 lifecycle cycles");`
// at the top of a test that loops or waits on the engine. If the scope has not
// ended after the limit (real time), the watchdog prints what hung and aborts
// the process, so CTest reports a crash naming the test instead of a timeout
// with no clue. FAIL() cannot help here: it only works on the test's thread,
// which is the one that is stuck.
//
// The limit is a safety net, not an assertion about speed: pick it ~10× above
// the slowest expected run (TSan on a busy 2-core machine).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

namespace poolviz::test {

class Watchdog {
 public:
  Watchdog(std::chrono::seconds limit, std::string what) : what_(std::move(what)) {
    thread_ = std::thread([this, limit] {
      std::unique_lock lock(mutex_);
      if (!disarmed_cv_.wait_for(lock, limit, [this] { return disarmed_; })) {
        std::fprintf(stderr, "\nWATCHDOG: '%s' did not finish within %lld s; aborting.\n",
                     what_.c_str(), static_cast<long long>(limit.count()));
        std::fflush(stderr);
        std::abort();
      }
    });
  }

  ~Watchdog() {
    {
      std::lock_guard lock(mutex_);
      disarmed_ = true;
    }
    disarmed_cv_.notify_one();
    thread_.join();
  }

  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

 private:
  std::string what_;
  std::mutex mutex_;
  std::condition_variable disarmed_cv_;
  bool disarmed_ = false;
  std::thread thread_;
};

}  // namespace poolviz::test
