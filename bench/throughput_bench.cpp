// Case 1: empty-task throughput — one producer posts N empty tasks, then waits
// for all; 1 and 2 workers. Case 5: the same on poolviz with an event sink
// attached and drained at the GUI's rate (every 16 ms) against no sink.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include "poolviz/compat_thread.h"
#include <string>
#include <thread>

#include "bench_support.h"
#include "peers.h"
#include "poolviz/run.h"

namespace poolviz::bench {
namespace {

long empty_jobs() {
  return scaled(1'000'000L, 100'000L);
}
// Thread creation costs ~10-50 µs: fewer tasks keep the run short, the rate is per task.
long thread_jobs() {
  return scaled(20'000L, 5'000L);
}

struct Timing {
  double seconds = 0;      // wall time
  double cpu_seconds = 0;  // CPU time of every thread of the process
};

/// Posts `jobs` empty tasks to a fresh Impl and waits for all of them. Pool
/// start-up and tear-down are outside the timed span except where a library's
/// only "wait for all" is its destructor/join (asio, rvaser, textbook,
/// threads): joining idle threads costs microseconds against 100+ ms.
template <class Impl>
Timing time_empty_tasks(int workers, long jobs) {
  auto impl = std::make_unique<Impl>(workers);
  const Nanos cpu0 = process_cpu_now();
  const Nanos t0 = steady_now();
  for (long i = 0; i < jobs; ++i) impl->post([] {});
  impl->drain();
  const Nanos t1 = steady_now();
  const Nanos cpu1 = process_cpu_now();
  return {to_seconds(t1 - t0), to_seconds(cpu1 - cpu0)};
}

template <class Impl>
void empty_throughput(benchmark::State& state, int workers) {
  const long jobs = std::string(Impl::kName) == "thread_per_task" ? thread_jobs() : empty_jobs();
  Timing t;
  for (auto _ : state) {
    t = time_empty_tasks<Impl>(workers, jobs);
    state.SetIterationTime(t.seconds);
  }
  state.counters["jobs_per_s"] = static_cast<double>(jobs) / t.seconds;
  state.counters["ns_per_job"] = t.seconds * 1e9 / static_cast<double>(jobs);
  // Idle-spinning workers (TBB) count here too: it is CPU the machine loses.
  state.counters["cpu_ns_per_job"] = t.cpu_seconds * 1e9 / static_cast<double>(jobs);
}

template <class Impl>
void register_throughput() {
  for (int workers : {1, 2}) {
    add("c1_w" + std::to_string(workers) + "/" + Impl::kName,
        [workers](benchmark::State& s) { empty_throughput<Impl>(s, workers); });
  }
}

// Case 5 ----------------------------------------------------------------------

/// Counts what it is handed, as cheaply as a sink can (the cost measured is
/// the engine's, not a consumer's).
class CountingSink final : public EventSink {
 public:
  void on_events(std::span<const Event> batch) override { count += batch.size(); }
  // Only touched by drain(), which the bus serialises; read by the drainer.
  std::uint64_t count = 0;
};

struct HookRun {
  double seconds = 0;
  double cpu_seconds = 0;  // every thread of the process, the drainer included
  std::uint64_t events = 0;
  std::uint64_t dropped = 0;
  std::uint64_t largest_batch = 0;
  double longest_gap = 0;  // seconds between two drains, at most (the drainer's 16 ms, or more when not scheduled)
};

// The GUI's bus: RunOptions::bus_ring_capacity's default, drained every frame.
const std::size_t kGuiRing = RunOptions{}.bus_ring_capacity;
// Large enough that a case-1 flood drops nothing between two 16 ms drains, so
// the cost per event is that of events delivered, not of events dropped.
constexpr std::size_t kNoDropRing = 1 << 18;

/// One case-1 run on poolviz; with a ring capacity, a sink is attached and a
/// thread drains the bus every 16 ms, as the GUI's frame loop does.
HookRun hook_run(int workers, long jobs, std::size_t ring) {
  HookRun run;
  if (ring == 0) {
    const Timing t = time_empty_tasks<PoolvizPool>(workers, jobs);
    run.seconds = t.seconds;
    run.cpu_seconds = t.cpu_seconds;
    return run;
  }
  EventBus bus(ring);
  CountingSink sink;
  bus.attach(&sink);
  // The largest count one drain delivered (a drain hands it over in parts).
  std::uint64_t largest_drain = 0;
  Nanos longest_gap = 0;
  poolviz::jthread drainer([&bus, &sink, &largest_drain, &longest_gap](poolviz::stop_token stop) {
    Nanos last = steady_now();
    while (!stop.stop_requested()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(16));
      const std::uint64_t before = sink.count;
      bus.drain();
      largest_drain = std::max(largest_drain, sink.count - before);
      const Nanos now = steady_now();
      longest_gap = std::max(longest_gap, now - last);
      last = now;
    }
  });
  {
    auto impl = std::make_unique<PoolvizPool>(workers, &bus);
    const Nanos cpu0 = process_cpu_now();
    const Nanos t0 = steady_now();
    for (long i = 0; i < jobs; ++i) impl->post([] {});
    impl->drain();
    run.seconds = to_seconds(steady_now() - t0);
    drainer.request_stop();
    drainer.join();  // its last drain is part of the cost
    run.cpu_seconds = to_seconds(process_cpu_now() - cpu0);
  }
  run.largest_batch = largest_drain;
  run.longest_gap = to_seconds(longest_gap);
  bus.drain(true);
  run.events = bus.emitted();
  run.dropped = bus.dropped();
  return run;
}

void hook_overhead(benchmark::State& state, int workers) {
  const long jobs = empty_jobs();
  // Off and on alternate so that machine noise hits both alike; best of each.
  const int rounds = scaled(5, 1);
  HookRun off{1e9, 1e9}, on{1e9, 1e9}, gui{1e9, 1e9};
  double off_cpu = 1e9, on_cpu = 1e9;
  for (auto _ : state) {
    for (int r = 0; r < rounds; ++r) {
      const HookRun a = hook_run(workers, jobs, 0);
      const HookRun b = hook_run(workers, jobs, kNoDropRing);
      const HookRun c = hook_run(workers, jobs, kGuiRing);
      if (a.seconds < off.seconds) off = a;
      if (b.seconds < on.seconds) on = b;
      off_cpu = std::min(off_cpu, a.cpu_seconds);
      on_cpu = std::min(on_cpu, b.cpu_seconds);
      if (r == 0 || c.dropped > gui.dropped) gui = c;
    }
    state.SetIterationTime(on.seconds);
  }
  const double events = static_cast<double>(on.events + on.dropped);
  state.counters["ns_per_event"] = std::max(0.0, (on.seconds - off.seconds) * 1e9 / events);
  state.counters["slowdown_x"] = on.seconds / off.seconds;
  // The same from CPU time (all threads, the 16 ms drainer included): what the
  // hooks cost the machine, much less blurred by other load than wall time.
  state.counters["cpu_ns_per_event"] = std::max(0.0, (on_cpu - off_cpu) * 1e9 / events);
  state.counters["cpu_slowdown_x"] = on_cpu / off_cpu;
  state.counters["dropped_count"] = static_cast<double>(gui.dropped);
  // The drops' cause: the longest time between two drains in that run (the
  // drainer asks for 16 ms; on a loaded machine it is not scheduled for longer).
  state.counters["drain_gap_ms"] = gui.longest_gap * 1e3;
  state.counters["dropped_big_ring_count"] = static_cast<double>(on.dropped);
  state.counters["events_per_job_count"] = events / static_cast<double>(jobs);
  state.counters["events_per_frame_count"] = static_cast<double>(on.largest_batch);
  state.counters["jobs_per_s"] = static_cast<double>(jobs) / on.seconds;
}

const bool registered = [] {
  register_throughput<PoolvizPool>();
  register_throughput<AsioPool>();
  register_throughput<RvaserPool>();
  register_throughput<TbbPool>();
  register_throughput<TextbookAdapter>();
  register_throughput<ThreadPerTaskRaw>();
  for (int workers : {1, 2}) {
    add(
        "c5_w" + std::to_string(workers) + "/poolviz",
        [workers](benchmark::State& s) { hook_overhead(s, workers); }, false);
    // For `scripts/bench --callgrind` only: case 1 with the sink on (no-drop ring).
    add(
        "cg_hooks_w" + std::to_string(workers) + "/poolviz",
        [workers](benchmark::State& s) {
          const long jobs = empty_jobs();
          HookRun run;
          for (auto _ : s) {
            run = hook_run(workers, jobs, kNoDropRing);
            s.SetIterationTime(run.seconds);
          }
          s.counters["events_per_job_count"] =
              static_cast<double>(run.events + run.dropped) / static_cast<double>(jobs);
        },
        false);
  }
  return true;
}();

}  // namespace
}  // namespace poolviz::bench
