// Metrics: counters, gauges, latencies and the sampled series, from events.
#include <gtest/gtest.h>

#include <vector>

#include "poolviz/job.h"
#include "poolviz/metrics.h"

namespace poolviz {
namespace {

Event ev(EventKind kind, Nanos t, std::uint64_t job, int worker = -1, std::int64_t x = 0,
         std::uint8_t code = 0) {
  Event e;
  e.kind = kind;
  e.t = t;
  e.job = job;
  e.worker = worker;
  e.x = x;
  e.code = code;
  return e;
}

constexpr Nanos ms = kMillisecond;

TEST(Metrics, OneJobLifecycleGivesWaitServiceAndSojourn) {
  Metrics m;
  m.set_gauges(1, 1, -1);
  const std::vector<Event> events = {
      ev(EventKind::submitted, 0, 1),
      ev(EventKind::enqueued, 0, 1, -1, 1),
      ev(EventKind::started, 30 * ms, 1, 0, 1),
      ev(EventKind::finished, 80 * ms, 1, 0, 1, static_cast<std::uint8_t>(Outcome::completed)),
  };
  m.on_events(events);
  EXPECT_EQ(m.counters().submitted, 1u);
  EXPECT_EQ(m.counters().completed, 1u);
  EXPECT_EQ(m.queue_depth(), 0);
  EXPECT_EQ(m.in_service(), 0);
  EXPECT_EQ(m.queue_depth_max(), 1);
  EXPECT_NEAR(to_ms(m.wait().percentile(50)), 30.0, 30.0 / 64);
  EXPECT_NEAR(to_ms(m.service().percentile(50)), 50.0, 50.0 / 64);
  EXPECT_NEAR(to_ms(m.sojourn().percentile(50)), 80.0, 80.0 / 64);
  EXPECT_EQ(m.last_end(), 80 * ms);
}

TEST(Metrics, QueueDepthAndInServiceFollowTheJobs) {
  Metrics m;
  std::vector<Event> events;
  for (std::uint64_t j = 1; j <= 5; ++j) {
    events.push_back(ev(EventKind::submitted, 0, j));
    events.push_back(ev(EventKind::enqueued, 0, j));
  }
  events.push_back(ev(EventKind::started, 1 * ms, 1, 0, 1));
  events.push_back(ev(EventKind::gate_waiting, 1 * ms, 2, 1));
  m.on_events(events);
  EXPECT_EQ(m.queue_depth(), 3);
  EXPECT_EQ(m.in_service(), 2);
  // drop_oldest evicts a queued job: it leaves the queue and counts as rejected.
  const std::vector<Event> evict = {
      ev(EventKind::rejected, 2 * ms, 3, -1, 0, static_cast<std::uint8_t>(RejectReason::dropped_oldest))};
  m.on_events(evict);
  EXPECT_EQ(m.queue_depth(), 2);
  EXPECT_EQ(m.counters().rejected, 1u);
  // A cancelled job that never ran leaves the queue too.
  const std::vector<Event> cancel = {
      ev(EventKind::finished, 3 * ms, 4, -1, 0, static_cast<std::uint8_t>(Outcome::cancelled))};
  m.on_events(cancel);
  EXPECT_EQ(m.queue_depth(), 1);
  EXPECT_EQ(m.counters().cancelled, 1u);
  EXPECT_EQ(m.sojourn().count(), 0u);  // it never ran
}

TEST(Metrics, RetryLeavesServiceAndRequeues) {
  Metrics m;
  const std::vector<Event> events = {
      ev(EventKind::submitted, 0, 1),
      ev(EventKind::enqueued, 0, 1),
      ev(EventKind::started, 0, 1, 0, 1),
      ev(EventKind::retried, 10 * ms, 1, 0, 2),
      ev(EventKind::enqueued, 1010 * ms, 1),
      ev(EventKind::started, 1010 * ms, 1, 0, 2),
      ev(EventKind::finished, 1020 * ms, 1, 0, 2, static_cast<std::uint8_t>(Outcome::failed)),
  };
  m.on_events(std::span<const Event>(events).first(4));
  EXPECT_EQ(m.in_service(), 0);
  EXPECT_EQ(m.counters().retried, 1u);
  m.on_events(std::span<const Event>(events).subspan(4));
  EXPECT_EQ(m.counters().failed, 1u);
  EXPECT_EQ(m.wait().count(), 1u);  // wait is submit → first start only
  EXPECT_NEAR(to_ms(m.service().max()), 10.0, 0.001);
}

TEST(Metrics, SamplesComeOncePerPeriodEvenWhenQuiet) {
  Metrics m(MetricsOptions{.sample_period = 100 * ms, .series_capacity = 8, .keep_all_samples = true});
  m.advance_to(1050 * ms);
  EXPECT_EQ(m.all_samples().size(), 10u);
  EXPECT_EQ(m.series().size(), 8u);  // bounded ring: the newest 8
  EXPECT_DOUBLE_EQ(m.series().back().t_s, 1.0);
  EXPECT_DOUBLE_EQ(m.series()[0].t_s, 0.3);
}

TEST(Metrics, ThroughputCountsCompletionsOfTheLastSecond) {
  Metrics m(MetricsOptions{.sample_period = 100 * ms, .keep_all_samples = true});
  m.set_gauges(2, 2, -1);
  std::vector<Event> events;
  for (std::uint64_t j = 1; j <= 20; ++j) {
    const Nanos t = static_cast<Nanos>(j) * 50 * ms - 1;  // 20 jobs per second
    events.push_back(ev(EventKind::submitted, t - 10 * ms, j));
    events.push_back(ev(EventKind::started, t - 10 * ms, j, 0, 1));
    events.push_back(ev(EventKind::finished, t, j, 0, 1));
  }
  m.on_events(events);
  m.advance_to(1000 * ms);
  ASSERT_EQ(m.all_samples().size(), 10u);
  EXPECT_NEAR(m.all_samples().back().throughput_per_s, 20.0, 1e-9);
  EXPECT_EQ(m.all_samples().back().completed, 20u);
}

TEST(Metrics, UtilizationIsBusyTimeOverWorkerTime) {
  Metrics m;
  m.set_gauges(2, 2, -1);
  const std::vector<Event> events = {
      ev(EventKind::submitted, 0, 1),
      ev(EventKind::started, 0, 1, 0, 1),
      ev(EventKind::finished, 100 * ms, 1, 0, 1),
  };
  m.on_events(events);
  EXPECT_NEAR(m.utilization(), 0.5, 1e-9);  // one of two workers busy the whole span
}

TEST(Metrics, SourceFilterIgnoresOtherExecutors) {
  Metrics m(MetricsOptions{.source = 1, .filter_source = true});
  Event mine = ev(EventKind::submitted, 0, 1);
  mine.source = 1;
  Event other = ev(EventKind::submitted, 0, 2);
  other.source = 2;
  const std::vector<Event> events = {mine, other};
  m.on_events(events);
  EXPECT_EQ(m.counters().submitted, 1u);
}

TEST(Metrics, WorkerPeaksIgnoreStartupAndShutdownRamps) {
  Metrics m;
  m.set_gauges(3, 3, -1);
  std::vector<Event> events;
  for (int w = 0; w < 3; ++w) {
    events.push_back(ev(EventKind::worker_spawned, 0, 0, w, w + 1,
                        static_cast<std::uint8_t>(WorkerReason::start)));
  }
  events.push_back(ev(EventKind::worker_spawned, 5 * ms, 0, 3, 4,
                      static_cast<std::uint8_t>(WorkerReason::scale_up)));
  for (int w = 0; w < 4; ++w) {
    events.push_back(ev(EventKind::worker_retired, 9 * ms, 0, w, 3 - w,
                        static_cast<std::uint8_t>(WorkerReason::shutdown)));
  }
  m.on_events(events);
  EXPECT_EQ(m.workers_min(), 3);
  EXPECT_EQ(m.workers_max(), 4);
  EXPECT_EQ(m.threads_max(), 4);
}

}  // namespace
}  // namespace poolviz

namespace poolviz {
namespace {

TEST(Metrics, PipelineItemCountsOnceFromFirstSubmitToLastStage) {
  Metrics m(MetricsOptions{.stages = 2});
  auto at_stage = [](Event e, std::uint8_t stage) {
    e.source = stage;
    return e;
  };
  const std::vector<Event> events = {
      at_stage(ev(EventKind::submitted, 0, 1), 0),
      at_stage(ev(EventKind::started, 10 * ms, 1, 0, 1), 0),
      // The stage-0 worker hands the item on before its own job has finished.
      at_stage(ev(EventKind::submitted, 30 * ms, 1), 1),
      at_stage(ev(EventKind::enqueued, 30 * ms, 1), 1),
      at_stage(ev(EventKind::started, 30 * ms, 1, 1, 1), 1),
      at_stage(ev(EventKind::finished, 30 * ms, 1, 0, 1), 0),
      at_stage(ev(EventKind::finished, 90 * ms, 1, 0, 1), 1),
  };
  m.on_events(events);
  EXPECT_EQ(m.counters().submitted, 1u);
  EXPECT_EQ(m.counters().completed, 1u);
  EXPECT_EQ(m.wait().count(), 1u);
  EXPECT_EQ(m.service().count(), 2u);  // one per stage: 20 ms and 60 ms
  EXPECT_NEAR(to_ms(m.service().max()), 60.0, 1e-9);
  EXPECT_NEAR(to_ms(m.service().min()), 20.0, 1e-9);
  ASSERT_EQ(m.sojourn().count(), 1u);
  EXPECT_NEAR(to_ms(m.sojourn().max()), 90.0, 1e-9);
  EXPECT_EQ(m.queue_depth(), 0);
  EXPECT_EQ(m.in_service(), 0);
}

}  // namespace
}  // namespace poolviz
