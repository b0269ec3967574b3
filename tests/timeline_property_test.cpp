// The one-timeline property: for real runs of random scenarios and seeds, at
// random moments, every view's figures (the canvas model, the counters row, the
// newest plot point, the CLI summary at the end) equal what a tiny reference
// recomputes from the raw event log.
//
// Runs use the real ScenarioClock at high speed; the assertions compare
// figures derived from one recorded log, never how long anything took.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "gui/flow_model.h"
#include "gui/plot_series.h"
#include "poolviz/job.h"
#include "poolviz/run.h"
#include "poolviz/timeline.h"

namespace poolviz {
namespace {

/// Every event the bus delivered, in delivery order.
class Recorder final : public EventSink {
 public:
  void on_events(std::span<const Event> batch) override { log.insert(log.end(), batch.begin(), batch.end()); }
  std::vector<Event> log;
};

/// The reference: a job's state by (job, stage), gauges by counting states.
struct Reference {
  // handing: enqueued at depth 0, handed straight to a worker; never queued.
  enum class State { arriving, queued, handing, gate, running, retry };
  struct Job {
    State state = State::arriving;
    Nanos submitted = 0;
    bool started = false;
  };
  int stages = 1;
  Nanos period = 100 * kMillisecond;
  Nanos window = 5 * kSecond;
  std::map<std::pair<std::uint64_t, int>, Job> jobs;
  std::uint64_t submitted = 0, completed = 0, failed = 0, timed_out = 0, cancelled = 0, rejected = 0;
  std::map<int, std::int64_t> workers;  // per stage, the newest x
  std::vector<std::pair<std::int64_t, Nanos>> waits;  // (period index of the start, wait)
  Nanos newest = 0;
  double tokens = -1;
  struct Snapshot {
    Nanos t = -1;
    std::int64_t in_queue = 0, in_service = 0, workers = 0;
    std::uint64_t submitted = 0, completed = 0;
  } at_boundary;

  std::int64_t count(State s) const {
    return std::count_if(jobs.begin(), jobs.end(), [&](const auto& j) { return j.second.state == s; });
  }
  std::int64_t in_system() const {
    std::set<std::uint64_t> ids;
    for (const auto& [key, job] : jobs) ids.insert(key.first);
    return static_cast<std::int64_t>(ids.size());
  }
  std::int64_t workers_alive() const {
    std::int64_t n = 0;
    for (const auto& [stage, x] : workers) n += x;
    return n;
  }

  void apply(const Event& e) {
    const Nanos t = std::max(newest, e.t);
    if (t / period > newest / period) {
      // Period boundaries crossed: the timeline samples the state as it is now.
      at_boundary = {t / period * period, count(State::queued), count(State::gate) + count(State::running),
                     workers_alive(), submitted, completed};
    }
    newest = t;
    const int stage = std::min<int>(e.source, stages - 1);
    const auto key = std::make_pair(e.job, stage);
    const auto found = jobs.find(key);
    switch (e.kind) {
      case EventKind::submitted: {
        // Waits count from the planned arrival: less how late the submit came.
        Job job{State::arriving, e.t - std::max<Nanos>(from_ms(e.submitted.late_ms), 0), false};
        if (stage > 0) {
          if (auto prev = jobs.find({e.job, stage - 1}); prev != jobs.end()) job.submitted = prev->second.submitted;
          job.started = true;
        } else {
          ++submitted;
        }
        jobs[key] = job;
        break;
      }
      case EventKind::enqueued:
      case EventKind::stolen:
        if (found == jobs.end()) break;
        found->second.state = e.kind == EventKind::enqueued && e.enqueued.depth_after == 0 ? State::handing : State::queued;
        break;
      case EventKind::gate_waiting:
        if (found != jobs.end()) found->second.state = State::gate;
        break;
      case EventKind::started:
        if (found == jobs.end()) break;
        found->second.state = State::running;
        if (!found->second.started) {
          found->second.started = true;
          waits.emplace_back(newest / period, e.t - found->second.submitted);
        }
        break;
      case EventKind::retried:
        if (found != jobs.end()) found->second.state = State::retry;
        break;
      case EventKind::rejected:
        ++rejected;
        if (found != jobs.end()) jobs.erase(found);
        break;
      case EventKind::finished: {
        const Outcome outcome = e.finished.outcome;
        if (outcome == Outcome::completed && stage < stages - 1) {
          if (found != jobs.end()) jobs.erase(found);
          break;
        }
        if (outcome == Outcome::completed) ++completed;
        if (outcome == Outcome::failed) ++failed;
        if (outcome == Outcome::timed_out) ++timed_out;
        if (outcome == Outcome::cancelled) ++cancelled;
        if (found != jobs.end()) jobs.erase(found);
        break;
      }
      case EventKind::worker_spawned:
        workers[stage] = e.worker_spawned.alive_after;
        break;
      case EventKind::worker_retired:
        workers[stage] = e.worker_retired.alive_after;
        break;
      case EventKind::token_taken:
        tokens = e.token_taken.tokens;
        break;
      case EventKind::token_refilled:
        tokens = e.token_refilled.tokens;
        break;
      default: break;
    }
  }

  /// Exact nearest-rank p99 of the waits the sample at `t_end` covers; -1 when none.
  double windowed_p99_ms(Nanos t_end) const {
    const std::int64_t last = t_end / period - 1;
    const std::int64_t first = last - window / period + 1;
    std::vector<Nanos> v;
    for (const auto& [p, w] : waits) {
      if (p >= first && p <= last) v.push_back(w);
    }
    if (v.empty()) return -1;
    std::sort(v.begin(), v.end());
    const auto rank = static_cast<std::size_t>(std::ceil(0.99 * static_cast<double>(v.size())));
    return to_ms(v[std::clamp<std::size_t>(rank, 1, v.size()) - 1]);
  }
  Nanos max_wait() const {
    Nanos m = 0;
    for (const auto& [p, w] : waits) m = std::max(m, w);
    return m;
  }
};

Scenario shortened(Scenario s) {
  if (s.id == "unbounded-spawn") apply_override(s, "workload.count=300");
  if (s.id == "backpressure") apply_override(s, "workload.duration=4");
  if (s.id == "priority") apply_override(s, "workload.duration=2");
  if (s.id == "pipeline") apply_override(s, "workload.duration=2");
  return s;
}

std::vector<Event> record_run(const Scenario& scenario, std::uint64_t seed, RunSummary& summary, Run*& out_run,
                              std::unique_ptr<Run>& holder, Recorder& recorder) {
  holder = std::make_unique<Run>(scenario, RunOptions{.speed = 200, .seed = seed});
  Run& run = *holder;
  out_run = &run;
  run.attach(&recorder);
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  run.start();
  while (!run.finished() && std::chrono::steady_clock::now() < give_up) {
    run.poll();
    // Paces the poll loop (as the CLI does); nothing is synchronised by it.
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  run.stop(run.finished() ? ShutdownMode::drain : ShutdownMode::cancel);
  run.detach(&recorder);
  summary = run.summary();
  return recorder.log;
}

void expect_counts_equal(const TimelineCounts& c, const Reference& ref, const std::string& where) {
  EXPECT_EQ(c.submitted, ref.submitted) << where;
  EXPECT_EQ(c.completed, ref.completed) << where;
  EXPECT_EQ(c.failed, ref.failed) << where;
  EXPECT_EQ(c.timed_out, ref.timed_out) << where;
  EXPECT_EQ(c.cancelled, ref.cancelled) << where;
  EXPECT_EQ(c.rejected, ref.rejected) << where;
  EXPECT_EQ(c.in_queue, ref.count(Reference::State::queued)) << where;
  EXPECT_EQ(c.at_gate, ref.count(Reference::State::gate)) << where;
  EXPECT_EQ(c.running, ref.count(Reference::State::running)) << where;
  EXPECT_EQ(c.retry_waiting, ref.count(Reference::State::retry)) << where;
  EXPECT_EQ(c.in_system, ref.in_system()) << where;
  EXPECT_EQ(c.workers_alive, ref.workers_alive()) << where;
}

class EveryViewAgrees : public ::testing::TestWithParam<std::string> {};

TEST_P(EveryViewAgrees, WithAReferenceRecomputedFromTheRawLog) {
  std::mt19937_64 rng(std::hash<std::string>{}(GetParam()));
  const Scenario scenario = shortened(load_scenario(GetParam()));
  const std::uint64_t seed = rng() % 1000 + 1;
  SCOPED_TRACE("seed " + std::to_string(seed));
  RunSummary summary;
  poolviz::Run* run = nullptr;
  std::unique_ptr<poolviz::Run> holder;
  Recorder recorder;
  const std::vector<Event> log = record_run(scenario, seed, summary, run, holder, recorder);
  ASSERT_FALSE(log.empty());

  const int stages = scenario.stages.empty() ? 1 : static_cast<int>(scenario.stages.size());
  TimelineOptions options;
  options.stages = stages;
  // Random moments: cut the log at random points and compare every view there.
  std::vector<std::size_t> cuts{log.size()};
  for (int i = 0; i < 6; ++i) cuts.push_back(rng() % log.size());
  std::sort(cuts.begin(), cuts.end());

  Reference ref;
  ref.stages = stages;
  Timeline timeline(options);
  gui::FlowModelOptions canvas_options;
  if (stages > 1) {
    for (const StageSpec& s : scenario.stages) canvas_options.stage_names.push_back(s.name);
  }
  gui::FlowModel canvas(canvas_options);  // its own Timeline, fed the same events
  gui::PlotSeriesSet plots;
  std::size_t next = 0;
  for (const std::size_t cut : cuts) {
    for (; next < cut; ++next) {
      ref.apply(log[next]);
      timeline.apply(log[next]);
      canvas.apply(log[next]);
    }
    plots.sample(timeline);
    const std::string where = GetParam() + " after " + std::to_string(cut) + " events";
    expect_counts_equal(timeline.counts(), ref, where + " (counters row)");
    expect_counts_equal(canvas.timeline().counts(), ref, where + " (canvas)");
    const gui::FlowCounts fc = canvas.counts();
    EXPECT_EQ(fc.in_queue, ref.count(Reference::State::queued)) << where;
    EXPECT_EQ(fc.running + fc.at_gate, ref.count(Reference::State::gate) + ref.count(Reference::State::running))
        << where;
    EXPECT_EQ(fc.threads_alive, ref.workers_alive()) << where;
    if (ref.tokens >= 0) {
      EXPECT_DOUBLE_EQ(canvas.gate().level, static_cast<float>(ref.tokens)) << where;
    }
    EXPECT_EQ(timeline.wait().count(), ref.waits.size()) << where;
    EXPECT_EQ(timeline.wait().max(), ref.max_wait()) << where;
    // The newest plot point is the state at the newest period boundary.
    if (ref.at_boundary.t > 0) {
      ASSERT_FALSE(plots.queue_depth.empty()) << where;
      EXPECT_DOUBLE_EQ(plots.queue_depth.newest().t, to_seconds(ref.at_boundary.t)) << where;
      EXPECT_EQ(plots.queue_depth.newest().v, static_cast<double>(ref.at_boundary.in_queue)) << where;
      EXPECT_EQ(plots.in_service.newest().v, static_cast<double>(ref.at_boundary.in_service)) << where;
      EXPECT_EQ(plots.threads.newest().v, static_cast<double>(ref.at_boundary.workers)) << where;
      const double p99 = ref.windowed_p99_ms(ref.at_boundary.t);
      const double shown = timeline.last_sample()->wait_p99_ms;
      if (p99 < 0) {
        EXPECT_LT(shown, 0) << where;
      } else {
        EXPECT_NEAR(shown, p99, p99 * Histogram::kMaxRelativeError + 1e-6) << where;
      }
    }
  }

  // The CLI summary at the end: exact counters from the executor equal the
  // log's when nothing was dropped; latencies are the Timeline's.
  if (summary.events_dropped == 0) {
    EXPECT_EQ(summary.jobs.submitted, ref.submitted);
    EXPECT_EQ(summary.jobs.completed, ref.completed);
    EXPECT_EQ(summary.jobs.rejected, ref.rejected);
    EXPECT_EQ(summary.jobs.failed + summary.jobs.timed_out + summary.jobs.cancelled,
              ref.failed + ref.timed_out + ref.cancelled);
    EXPECT_DOUBLE_EQ(summary.wait_ms.max_ms, to_ms(ref.max_wait()));
    expect_counts_equal(run->timeline().counts(), ref, GetParam() + " (the run's own timeline)");
  }
}

INSTANTIATE_TEST_SUITE_P(Scenarios, EveryViewAgrees,
                         ::testing::Values("basic-pool", "backpressure", "rate-limit-ticker",
                                           "rate-limit-token-bucket", "pipeline", "timeouts-retries",
                                           "work-stealing", "unbounded-spawn", "priority", "dynamic-scaling"),
                         [](const auto& info) {
                           std::string name = info.param;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

}  // namespace
}  // namespace poolviz
