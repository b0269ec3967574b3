// Case 7: what an idle worker costs — the RSS delta of 1,000 parked workers
// (KiB per worker) and the time to create them (µs per worker, constructor
// span). RSS is process-wide and glibc caches freed thread stacks, so each of
// these benchmarks must run in a fresh process (scripts/bench does).
// TBB is left out: its arena workers are a shared market, not owned threads.
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "bench_support.h"
#include "peers.h"

namespace poolviz::bench {
namespace {

constexpr int kWorkers = 1000;

/// 1,000 bare std::threads blocked on one condition variable: the floor.
class IdleThreads {
 public:
  static constexpr const char* kName = "thread_per_task";
  explicit IdleThreads(int n) {
    for (int i = 0; i < n; ++i) {
      threads_.emplace_back([this] {
        std::unique_lock lock(mutex_);
        cv_.wait(lock, [this] { return quit_; });
      });
    }
  }
  void drain() {
    {
      std::lock_guard lock(mutex_);
      quit_ = true;
    }
    cv_.notify_all();
    for (auto& t : threads_) t.join();
    threads_.clear();
  }

 private:
  std::mutex mutex_;  // guards quit_
  std::condition_variable cv_;
  bool quit_ = false;
  std::vector<std::thread> threads_;
};

template <class Impl>
void idle_worker_cost(benchmark::State& state) {
  for (auto _ : state) {
    const std::int64_t threads0 = proc_status("Threads");
    const std::int64_t rss0 = proc_status("VmRSS");
    const Nanos t0 = steady_now();
    auto impl = std::make_unique<Impl>(kWorkers);
    const Nanos t1 = steady_now();
    // Every worker has started and parked: its stack and TLS are touched.
    const Nanos give_up = steady_now() + 10 * kSecond;
    while (proc_status("Threads") < threads0 + kWorkers && steady_now() < give_up) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    const std::int64_t rss1 = proc_status("VmRSS");
    const std::int64_t threads1 = proc_status("Threads");
    impl->drain();
    state.SetIterationTime(to_seconds(t1 - t0));
    state.counters["rss_per_worker_kib"] = static_cast<double>(rss1 - rss0) / kWorkers;
    state.counters["create_per_worker_us"] = static_cast<double>(t1 - t0) / 1e3 / kWorkers;
    state.counters["threads_count"] = static_cast<double>(threads1 - threads0);
  }
}

template <class Impl>
void register_memory() {
  add(
      std::string("c7/") + Impl::kName, [](benchmark::State& s) { idle_worker_cost<Impl>(s); },
      false);
}

const bool registered = [] {
  register_memory<PoolvizPool>();
  register_memory<AsioPool>();
  register_memory<RvaserPool>();
  register_memory<TextbookAdapter>();
  register_memory<IdleThreads>();
  return true;
}();

}  // namespace
}  // namespace poolviz::bench
