// bench/bench_support.h — what every benchmark file shares: the quick/full
// switch, registration with one naming scheme, /proc readings, percentiles.
//
// Naming scheme (bench/report.py relies on it): "<case>/<impl>", where <case>
// is a short id (c1_w1, c2, ...) and <impl> one of poolviz, asio, rvaser, tbb,
// textbook, thread_per_task, condvar. Figures are user counters whose name
// ends in their unit (_per_s, _ns, _us, _ms, _kib, _mib, _x, _pct, _count).
#pragma once

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "poolviz/clock.h"
#include "poolviz/executor.h"

namespace poolviz::bench {

/// POOLVIZ_BENCH_QUICK=1 (set by `scripts/bench --quick`) shortens every case.
inline bool quick() {
  static const bool q = [] {
    const char* v = std::getenv("POOLVIZ_BENCH_QUICK");
    return v != nullptr && *v != '\0' && *v != '0';
  }();
  return q;
}

/// POOLVIZ_BENCH_SCALE (default 1) multiplies job counts; callgrind runs use a
/// small scale, twice, and subtract to get instructions per job.
inline double scale_factor() {
  static const double s = [] {
    const char* v = std::getenv("POOLVIZ_BENCH_SCALE");
    return v != nullptr ? std::max(std::atof(v), 1e-6) : 1.0;
  }();
  return s;
}

template <class T>
T scaled(T full, T quick_value) {
  return static_cast<T>(static_cast<double>(quick() ? quick_value : full) * scale_factor());
}

/// An environment on `clock`, observed through `bus` when given.
inline ExecutorEnv env_on(Clock& clock, EventBus* bus = nullptr) {
  ExecutorEnv env;
  env.clock = &clock;
  env.bus = bus;
  return env;
}

inline int repetitions() {
  return quick() ? 1 : 3;
}

/// Registers a one-iteration, manually timed benchmark repeated repetitions()
/// times (the report takes the median).
template <class Fn>
benchmark::internal::Benchmark* add(const std::string& name, Fn&& fn, bool repeat = true) {
  auto* b = benchmark::RegisterBenchmark(name.c_str(), std::forward<Fn>(fn));
  b->UseManualTime()->Iterations(1)->Unit(benchmark::kMillisecond);
  if (repeat && repetitions() > 1) b->Repetitions(repetitions())->ReportAggregatesOnly(true);
  return b;
}

/// A field of /proc/self/status as a number (kB for Vm*, a count for Threads);
/// -1 when absent.
inline std::int64_t proc_status(const std::string& field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.compare(0, field.size(), field) == 0 && line.size() > field.size() &&
        line[field.size()] == ':') {
      return std::atoll(line.c_str() + field.size() + 1);
    }
  }
  return -1;
}

/// CPU time of the whole process (every thread, live or exited), in ns. Unlike
/// wall time it barely moves when other processes load the machine.
inline Nanos process_cpu_now() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<Nanos>(ts.tv_sec) * kSecond + ts.tv_nsec;
}

/// Resets VmHWM to the current RSS (Linux >= 4.0); false when not allowed.
inline bool reset_peak_rss() {
  std::ofstream out("/proc/self/clear_refs");
  out << "5";
  out.flush();
  return static_cast<bool>(out);
}

/// The q-quantile (0..1) of `samples` (sorted in place), nearest rank.
inline Nanos quantile(std::vector<Nanos>& samples, double q) {
  if (samples.empty()) return 0;
  std::sort(samples.begin(), samples.end());
  const auto rank = static_cast<std::size_t>(q * static_cast<double>(samples.size() - 1) + 0.5);
  return samples[std::min(rank, samples.size() - 1)];
}

/// Spin-waits, yielding, so that a waiting producer leaves the core to the
/// worker when the machine is oversubscribed.
template <class Pred>
void spin_until(Pred&& done) {
  while (!done()) std::this_thread::yield();
}

}  // namespace poolviz::bench
