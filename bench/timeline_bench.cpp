// Case 11: the Timeline's cost per event (beside case 5's hook cost per event:
// what one consumer adds on the drain thread), and the time of a seek to a
// random moment of a 1,000,000-event recording (the scrubber's budget is one
// 16 ms frame): the Timeline alone, and with the flow canvas's model (built
// with the GUI, which the canvas keyframes belong to).
//
// The events are a synthetic, well-formed pool log (4 workers, jobs that
// queue, run and end, a few rejected), so the figure is the Timeline's alone.
#include <time.h>

#include <random>
#include <vector>

#include "bench_support.h"
#include "poolviz/job.h"
#include "poolviz/recording.h"
#if POOLVIZ_BENCH_CANVAS
#include "gui/canvas_keyframes.h"
#endif

namespace poolviz::bench {
namespace {

std::vector<Event> pool_log(std::size_t events) {
  std::mt19937_64 rng(1);
  std::vector<Event> log;
  log.reserve(events + 8);
  auto add = [&](Event e) {
    e.seq = log.size() + 1;
    log.push_back(e);
  };
  for (int w = 0; w < 4; ++w) add(events::worker_spawned(w, WorkerReason::start, w + 1));
  // Four jobs in flight at a time, 10 ms apart: a steady 100 jobs/s per worker.
  Nanos t = 0;
  for (std::uint64_t id = 1; log.size() < events; ++id) {
    t += kMillisecond;
    const JobId job{id};
    const int worker = static_cast<int>(id % 4);
    add(events::submitted(job, 0, 0, 0).at(t));
    if (rng() % 20 == 0) {
      add(events::rejected(job, RejectReason::none).at(t));
      continue;
    }
    add(events::enqueued(job, -1, 1).at(t));
    add(events::started(job, worker, 1, 0).at(t + static_cast<Nanos>(rng() % 5) * kMillisecond));
    add(events::finished(job, worker, Outcome::completed, 1).at(t + 5 * kMillisecond));
  }
  return log;
}

void cost_per_event(benchmark::State& state) {
  const std::vector<Event> log = pool_log(scaled<std::size_t>(1'000'000, 100'000));
  double seconds = 0;
  for (auto _ : state) {
    Timeline timeline;
    const Nanos t0 = steady_now();
    timeline.on_events(log);
    seconds = to_seconds(steady_now() - t0);
    benchmark::DoNotOptimize(timeline.counts().completed);
    state.SetIterationTime(seconds);
  }
  state.counters["ns_per_event"] = seconds * 1e9 / static_cast<double>(log.size());
}

Nanos thread_cpu_now() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<Nanos>(ts.tv_sec) * kSecond + ts.tv_nsec;
}

/// Seeks to random moments of a 1M-event recording made the way the window
/// makes it (Recording::for_scrubbing); with `canvas`, the flow canvas's model
/// seeks too (CanvasKeyframes), as Session::seek does. Wall time is what the
/// user waits; CPU time is the same work without the other processes of a
/// loaded machine.
void seek_case(benchmark::State& state, bool canvas) {
  const std::vector<Event> log = pool_log(1'000'000);
  const std::int64_t rss_before_kb = proc_status("VmRSS");
  Recording recording = Recording::for_scrubbing(TimelineOptions{});
  recording.on_events(log);
#if POOLVIZ_BENCH_CANVAS
  gui::FlowModelOptions canvas_options;
  gui::CanvasKeyframes keys;
  keys.reset(canvas_options);
  if (canvas) keys.feed(recording);
  gui::FlowModel model;
#endif
  const std::int64_t rss_after_kb = proc_status("VmRSS");
  std::mt19937_64 rng(2);
  const int seeks = scaled(200, 20);
  double worst = 0, total = 0, cpu_worst = 0, cpu_total = 0;
  for (auto _ : state) {
    worst = total = cpu_worst = cpu_total = 0;
    for (int i = 0; i < seeks; ++i) {
      const Nanos t = static_cast<Nanos>(rng() % static_cast<std::uint64_t>(recording.end_time()));
      const Nanos t0 = steady_now();
      const Nanos c0 = thread_cpu_now();
      const Timeline at = recording.state_at(t);
#if POOLVIZ_BENCH_CANVAS
      if (canvas) keys.seek(recording, t, &at, model);
#endif
      const double cpu_ms = to_seconds(thread_cpu_now() - c0) * 1e3;
      const double ms = to_seconds(steady_now() - t0) * 1e3;
      benchmark::DoNotOptimize(at.counts().completed);
      worst = std::max(worst, ms);
      total += ms;
      cpu_worst = std::max(cpu_worst, cpu_ms);
      cpu_total += cpu_ms;
    }
    state.SetIterationTime(total / 1e3);
  }
  state.counters["events_count"] = static_cast<double>(recording.size());
  state.counters["keyframes_count"] = static_cast<double>(recording.keyframes());
  state.counters["seek_mean_ms"] = total / seeks;
  state.counters["seek_worst_ms"] = worst;
  state.counters["seek_cpu_mean_ms"] = cpu_total / seeks;
  state.counters["seek_cpu_worst_ms"] = cpu_worst;
  state.counters["recording_MB"] = static_cast<double>(recording.memory_bytes()) / 1e6;
  state.counters["rss_growth_MB"] = static_cast<double>(rss_after_kb - rss_before_kb) / 1e3;
}

void seek(benchmark::State& state) { seek_case(state, false); }
void seek_with_canvas(benchmark::State& state) { seek_case(state, true); }

const bool registered = [] {
  add("c11_timeline_per_event/poolviz", cost_per_event);
  add("c11_seek_1M_events/poolviz", seek, false);
#if POOLVIZ_BENCH_CANVAS
  add("c11_seek_1M_events_with_canvas/poolviz", seek_with_canvas, false);
#endif
  return true;
}();

}  // namespace
}  // namespace poolviz::bench
