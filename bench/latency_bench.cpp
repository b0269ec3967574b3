// Case 2: submit-to-start latency when the pool is idle. One worker, parked;
// the producer stamps the time, posts a task that stamps its start, and waits
// for it; then it pauses long enough for the worker to park again (TBB's
// workers spin for a while before they sleep). `condvar` is the floor: a bare
// mutex + condition-variable hand-off to one waiting thread.
#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "bench_support.h"
#include "peers.h"

namespace poolviz::bench {
namespace {

template <class Impl>
void idle_latency(benchmark::State& state) {
  const int samples = scaled(2000, 300);
  const auto gap = std::chrono::microseconds(2000);
  std::vector<Nanos> latency;
  latency.reserve(static_cast<std::size_t>(samples));
  for (auto _ : state) {
    Impl impl(1);
    // Release/acquire: the producer reads the worker's stamp after the task ran.
    std::atomic<Nanos> started{0};
    const Nanos run_start = steady_now();
    for (int i = -10; i < samples; ++i) {  // the first 10 warm the pool up
      std::this_thread::sleep_for(gap);
      started.store(0, std::memory_order_relaxed);
      const Nanos t0 = steady_now();
      impl.post([&started] { started.store(steady_now(), std::memory_order_release); });
      Nanos t1 = 0;
      spin_until([&] { return (t1 = started.load(std::memory_order_acquire)) != 0; });
      if (i >= 0) latency.push_back(t1 - t0);
    }
    impl.drain();
    state.SetIterationTime(to_seconds(steady_now() - run_start));
  }
  state.counters["p50_ns"] = static_cast<double>(quantile(latency, 0.50));
  state.counters["p99_ns"] = static_cast<double>(quantile(latency, 0.99));
}

template <class Impl>
void register_latency() {
  add(
      std::string("c2/") + Impl::kName, [](benchmark::State& s) { idle_latency<Impl>(s); },
      false);  // thousands of samples already; repeating would only cost time
}

const bool registered = [] {
  register_latency<PoolvizPool>();
  register_latency<AsioPool>();
  register_latency<RvaserPool>();
  register_latency<TbbPool>();
  register_latency<TextbookAdapter>();
  register_latency<ThreadPerTaskRaw>();
  register_latency<CondvarWake>();
  return true;
}();

}  // namespace
}  // namespace poolviz::bench
