// Case 4: the priority pool's per-job cost against the FIFO pool's. Both are
// WorkerPool with one worker; the producer posts N empty jobs with priorities
// spread over 0..7, then waits. The cost per job is the whole span over N.
//
// The priority pool comes from make_executor(Strategy::priority); until that
// strategy is wired into the factory it answers with a FIFO pool, the run
// reports `placeholder_count` = 1 and the report marks the row.
#include <cstdint>
#include <string>

#include "bench_support.h"
#include "poolviz/pool_spec.h"

namespace poolviz::bench {
namespace {

void per_job_cost(benchmark::State& state, Strategy strategy) {
  const long jobs = scaled(500'000L, 100'000L);
  bool placeholder = false;
  double seconds = 0;
  double cpu_seconds = 0;
  for (auto _ : state) {
    RealClock clock;
    PoolSpec spec;
    spec.strategy = strategy;
    spec.workers = 1;
    auto executor = make_executor(spec, env_on(clock));
    placeholder = executor->strategy() != to_string(strategy);
    std::uint32_t x = 12345;  // xorshift: the same priorities every run
    const Nanos cpu0 = process_cpu_now();
    const Nanos t0 = steady_now();
    for (long i = 0; i < jobs; ++i) {
      x ^= x << 13;
      x ^= x >> 17;
      x ^= x << 5;
      Job job;
      job.priority = static_cast<int>(x & 7U);
      job.fn = [](JobContext&) {};
      executor->submit(std::move(job));
    }
    executor->wait_idle();
    seconds = to_seconds(steady_now() - t0);
    cpu_seconds = to_seconds(process_cpu_now() - cpu0);
    executor->shutdown(ShutdownMode::drain);
    state.SetIterationTime(seconds);
  }
  state.counters["ns_per_job"] = seconds * 1e9 / static_cast<double>(jobs);
  // CPU time of producer and worker: the cost that a busy machine does not blur.
  state.counters["cpu_ns_per_job"] = cpu_seconds * 1e9 / static_cast<double>(jobs);
  state.counters["placeholder_count"] = placeholder ? 1 : 0;
}

const bool registered = [] {
  add("c4_fifo/poolviz", [](benchmark::State& s) { per_job_cost(s, Strategy::fixed); });
  add("c4_priority/poolviz", [](benchmark::State& s) { per_job_cost(s, Strategy::priority); });
  return true;
}();

}  // namespace
}  // namespace poolviz::bench
