// Case 8: the tutorials' headline table — 10,000 jobs that each wait 1 ms of
// io (make_synthetic io on a RealClock), submitted as one burst, on poolviz's
// thread-per-task executor against a WorkerPool of 50 workers. Figures: peak
// OS threads and peak RSS of the process (sampled every millisecond, and the
// kernel's VmHWM after a reset), p50/p99 submit-to-finish latency, wall time.
// Each runs in a fresh process (scripts/bench), as RSS is process-wide.
#include <atomic>
#include <chrono>
#include <memory>
#include "poolviz/compat_thread.h"
#include <thread>
#include <vector>

#include "bench_support.h"
#include "poolviz/worker_pool.h"
#include "poolviz/synthetic.h"
#include "poolviz/thread_per_task.h"

namespace poolviz::bench {
namespace {

constexpr int kJobs = 10'000;

struct Peaks {
  std::atomic<std::int64_t> threads{0};
  std::atomic<std::int64_t> rss_kib{0};
};

template <class MakeExecutor>
void headline(benchmark::State& state, MakeExecutor make) {
  for (auto _ : state) {
    RealClock clock;
    auto executor = make(clock);
    std::vector<Nanos> latency(kJobs, 0);
    const JobFn io = make_synthetic({.kind = WorkKind::io, .service = kMillisecond});

    const std::int64_t rss_before = proc_status("VmRSS");
    const bool hwm_ok = reset_peak_rss();
    Peaks peaks;
    // Relaxed: the peaks are read after join(), which orders them.
    poolviz::jthread sampler([&peaks](poolviz::stop_token stop) {
      while (!stop.stop_requested()) {
        peaks.threads.store(
            std::max(peaks.threads.load(std::memory_order_relaxed), proc_status("Threads")),
            std::memory_order_relaxed);
        peaks.rss_kib.store(
            std::max(peaks.rss_kib.load(std::memory_order_relaxed), proc_status("VmRSS")),
            std::memory_order_relaxed);
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    });

    const Nanos t0 = steady_now();
    std::int64_t refused = 0;
    for (int i = 0; i < kJobs; ++i) {
      Job job;
      const Nanos submitted = steady_now();
      job.fn = [&io, &latency, i, submitted](JobContext& ctx) {
        io(ctx);
        latency[static_cast<std::size_t>(i)] = steady_now() - submitted;
      };
      if (!executor->submit(std::move(job))) ++refused;
    }
    executor->wait_idle();
    const Nanos t1 = steady_now();
    sampler.request_stop();
    sampler.join();
    const std::int64_t hwm = proc_status("VmHWM");
    executor->shutdown(ShutdownMode::drain);

    std::erase(latency, 0);  // refused jobs never ran
    state.SetIterationTime(to_seconds(t1 - t0));
    state.counters["peak_threads_count"] = static_cast<double>(peaks.threads.load());
    state.counters["peak_rss_mib"] =
        static_cast<double>(hwm_ok ? std::max(hwm, peaks.rss_kib.load()) : peaks.rss_kib.load()) /
        1024.0;
    state.counters["rss_growth_mib"] =
        static_cast<double>(peaks.rss_kib.load() - rss_before) / 1024.0;
    state.counters["p50_latency_ms"] = to_ms(quantile(latency, 0.50));
    state.counters["p99_latency_ms"] = to_ms(quantile(latency, 0.99));
    state.counters["wall_ms"] = to_ms(t1 - t0);
    state.counters["refused_count"] = static_cast<double>(refused);
  }
}

const bool registered = [] {
  add(
      "c8/thread_per_task",
      [](benchmark::State& s) {
        headline(s, [](Clock& clock) {
          // The demo's 2,000-thread safety cap would refuse most of the burst;
          // the headline is what happens without one.
          return std::make_unique<ThreadPerTask>(ThreadPerTaskConfig{.max_threads = 2 * kJobs},
                                                 env_on(clock));
        });
      },
      false);
  add(
      "c8/poolviz",
      [](benchmark::State& s) {
        headline(s, [](Clock& clock) {
          return std::make_unique<WorkerPool>(PoolConfig{.workers = 50}, env_on(clock));
        });
      },
      false);
  return true;
}();

}  // namespace
}  // namespace poolviz::bench
