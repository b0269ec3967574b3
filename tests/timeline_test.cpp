// Timeline: counters, gauges, latencies, occupancy, the sampled series and
// the bounded job records, all from events.
#include <gtest/gtest.h>

#include <vector>

#include "poolviz/job.h"
#include "poolviz/timeline.h"
#include "support/event_builder.h"

namespace poolviz {
namespace {

constexpr Nanos ms = kMillisecond;

/// `n` workers start at time 0.
void spawn(Timeline& m, int n) {
  for (int w = 0; w < n; ++w) {
    m.apply(ev::worker_spawned(0, w, WorkerReason::start, w + 1));
  }
}

TEST(Timeline, OneJobLifecycleGivesWaitServiceAndSojourn) {
  Timeline m;
  spawn(m, 1);
  const std::vector<Event> events = {
      ev::submitted(0, 1),
      ev::enqueued(0, 1, -1, 1),
      ev::started(30 * ms, 1, 0, 1),
      ev::finished(80 * ms, 1, 0, Outcome::completed, 1),
  };
  m.on_events(events);
  EXPECT_EQ(m.counts().submitted, 1u);
  EXPECT_EQ(m.counts().completed, 1u);
  EXPECT_EQ(m.counts().in_queue, 0);
  EXPECT_EQ(m.counts().in_service(), 0);
  EXPECT_EQ(m.queue_depth_max(), 1);
  EXPECT_NEAR(to_ms(m.wait().percentile(50)), 30.0, 30.0 / 64);
  EXPECT_NEAR(to_ms(m.service().percentile(50)), 50.0, 50.0 / 64);
  EXPECT_NEAR(to_ms(m.sojourn().percentile(50)), 80.0, 80.0 / 64);
  EXPECT_EQ(m.last_end(), 80 * ms);
}

TEST(Timeline, QueueMaxLeavesOutJobsHandedStraightToAnIdleWorker) {
  // A ticker scenario's start: three idle workers are handed a job each
  // (enqueued at depth 0), seven more wait in the queue; the three are held at
  // the gate afterwards. The queue held 7 at most, not 10.
  Timeline m;
  spawn(m, 3);
  std::vector<Event> events;
  for (std::uint64_t j = 1; j <= 10; ++j) {
    events.push_back(ev::submitted(0, j));
    events.push_back(ev::enqueued(0, j, -1, j <= 3 ? 0 : static_cast<std::int64_t>(j - 3)));
  }
  for (std::uint64_t j = 1; j <= 3; ++j)
    events.push_back(ev::gate_waiting(1 * ms, j, static_cast<int>(j - 1)));
  m.on_events(events);
  EXPECT_EQ(m.counts().in_queue, 7);
  EXPECT_EQ(m.counts().at_gate, 3);
  EXPECT_EQ(m.queue_depth_max(), 7);
}

TEST(Timeline, JobsOnTheirWayToAWorkerAreInNoQueueFigure) {
  // Thread-per-task under load: five jobs handed to threads still being
  // created (enqueued at depth 0) wait a second to start. They are handing
  // off, not queued: depth, mean, max and the plotted sample all read 0.
  Timeline m;
  std::vector<Event> events;
  for (std::uint64_t j = 1; j <= 5; ++j) {
    events.push_back(ev::submitted(0, j));
    events.push_back(ev::enqueued(0, j, -1, 0));
  }
  m.on_events(events);
  m.advance_to(1000 * ms);
  EXPECT_EQ(m.counts().in_queue, 0);
  EXPECT_EQ(m.counts().handing_off, 5);
  EXPECT_EQ(m.queue_depth_max(), 0);
  EXPECT_EQ(m.queue_depth_mean(), 0.0);
  ASSERT_FALSE(m.series().empty());
  EXPECT_EQ(m.series().back().queue_depth, 0);
  m.apply(ev::started(1000 * ms, 1, 0, 1));
  EXPECT_EQ(m.counts().handing_off, 4);
}

TEST(Timeline, WaitsAreTimedFromThePlannedArrival) {
  // The producer submitted 40 ms after the job was due (submitted's value, ms):
  // the job waited 40 ms before the submit and 10 ms in the queue.
  Timeline m;
  spawn(m, 1);
  const Event late = ev::submitted(40 * ms, 1, 0, 0, 40);
  m.on_events(std::vector<Event>{late, ev::enqueued(40 * ms, 1, -1, 1),
                                 ev::started(50 * ms, 1, 0, 1),
                                 ev::finished(60 * ms, 1, 0, Outcome::completed, 1)});
  EXPECT_NEAR(to_ms(m.wait().percentile(50)), 50.0, 50.0 / 64);
  EXPECT_NEAR(to_ms(m.sojourn().percentile(50)), 60.0, 60.0 / 64);
  // L counts the job from when it was due too, so Little's law holds: one job
  // in the system for the whole 60 ms, L = λW = 1.
  const LittleLaw l = m.little(60 * ms);
  EXPECT_NEAR(l.mean_in_system, 1.0, 1e-9);
  EXPECT_NEAR(l.lambda_w, 1.0, 1e-9);
}

TEST(Timeline, QueueDepthAndInServiceFollowTheJobs) {
  Timeline m;
  std::vector<Event> events;
  for (std::uint64_t j = 1; j <= 5; ++j) {
    events.push_back(ev::submitted(0, j));
    events.push_back(ev::enqueued(0, j, -1, static_cast<std::int64_t>(j)));  // depth after
  }
  events.push_back(ev::started(1 * ms, 1, 0, 1));
  events.push_back(ev::gate_waiting(1 * ms, 2, 1));
  m.on_events(events);
  EXPECT_EQ(m.counts().in_queue, 3);
  EXPECT_EQ(m.counts().in_service(), 2);
  // drop_oldest evicts a queued job: it leaves the queue and counts as rejected.
  const std::vector<Event> evict = {ev::rejected(2 * ms, 3, RejectReason::dropped_oldest)};
  m.on_events(evict);
  EXPECT_EQ(m.counts().in_queue, 2);
  EXPECT_EQ(m.counts().rejected, 1u);
  // A cancelled job that never ran leaves the queue too.
  const std::vector<Event> cancel = {ev::finished(3 * ms, 4, -1, Outcome::cancelled, 0)};
  m.on_events(cancel);
  EXPECT_EQ(m.counts().in_queue, 1);
  EXPECT_EQ(m.counts().cancelled, 1u);
  EXPECT_EQ(m.sojourn().count(), 0u);  // it never ran
}

TEST(Timeline, RetryLeavesServiceAndRequeues) {
  Timeline m;
  const std::vector<Event> events = {
      ev::submitted(0, 1),
      ev::enqueued(0, 1),
      ev::started(0, 1, 0, 1),
      ev::retried(10 * ms, 1, 0, 2),
      ev::enqueued(1010 * ms, 1),
      ev::started(1010 * ms, 1, 0, 2),
      ev::finished(1020 * ms, 1, 0, Outcome::failed, 2),
  };
  m.on_events(std::span<const Event>(events).first(4));
  EXPECT_EQ(m.counts().in_service(), 0);
  EXPECT_EQ(m.counts().retried, 1u);
  m.on_events(std::span<const Event>(events).subspan(4));
  EXPECT_EQ(m.counts().failed, 1u);
  EXPECT_EQ(m.wait().count(), 1u);  // wait is submit → first start only
  EXPECT_NEAR(to_ms(m.service().max()), 10.0, 0.001);
}

TEST(Timeline, SamplesComeOncePerPeriodEvenWhenQuiet) {
  Timeline m(TimelineOptions{.sample_period = 100 * ms, .series_capacity = 8, .keep_all_samples = true});
  m.advance_to(1050 * ms);
  EXPECT_EQ(m.all_samples().size(), 10u);
  EXPECT_EQ(m.series().size(), 8u);  // bounded ring: the newest 8
  EXPECT_DOUBLE_EQ(m.series().back().t_s, 1.0);
  EXPECT_DOUBLE_EQ(m.series()[0].t_s, 0.3);
}

TEST(Timeline, ThroughputCountsCompletionsOfTheLastSecond) {
  Timeline m(TimelineOptions{.sample_period = 100 * ms, .keep_all_samples = true});
  spawn(m, 2);
  std::vector<Event> events;
  for (std::uint64_t j = 1; j <= 20; ++j) {
    const Nanos t = static_cast<Nanos>(j) * 50 * ms - 1;  // 20 jobs per second
    events.push_back(ev::submitted(t - 10 * ms, j));
    events.push_back(ev::started(t - 10 * ms, j, 0, 1));
    events.push_back(ev::finished(t, j, 0, Outcome::completed, 1));
  }
  m.on_events(events);
  m.advance_to(1000 * ms);
  ASSERT_EQ(m.all_samples().size(), 10u);
  EXPECT_NEAR(m.all_samples().back().throughput_per_s, 20.0, 1e-9);
  EXPECT_EQ(m.all_samples().back().completed, 20u);
}

TEST(Timeline, UtilizationIsBusyTimeOverWorkerTime) {
  Timeline m;
  spawn(m, 2);
  const std::vector<Event> events = {
      ev::submitted(0, 1),
      ev::started(0, 1, 0, 1),
      ev::finished(100 * ms, 1, 0, Outcome::completed, 1),
  };
  m.on_events(events);
  EXPECT_NEAR(m.utilization(), 0.5, 1e-9);  // one of two workers busy the whole span
}

TEST(Timeline, RecentUtilizationIsSmoothedOverTheRateWindowLikeTheRates) {
  Timeline m(TimelineOptions{.sample_period = 100 * ms, .keep_all_samples = true, .rate_window = 1000 * ms});
  spawn(m, 1);
  // Busy for the first 700 ms of each second, idle for the rest.
  std::vector<Event> events;
  for (std::uint64_t j = 1; j <= 2; ++j) {
    const Nanos t0 = static_cast<Nanos>(j - 1) * 1000 * ms;
    events.push_back(ev::submitted(t0, j));
    events.push_back(ev::started(t0, j, 0, 1));
    events.push_back(ev::finished(t0 + 700 * ms, j, 0, Outcome::completed, 1));
  }
  m.on_events(events);
  m.advance_to(2000 * ms);
  ASSERT_EQ(m.all_samples().size(), 20u);
  const Sample& busy = m.all_samples()[15];  // in a busy period of the second second
  EXPECT_NEAR(busy.utilization, 1.0, 1e-9);
  EXPECT_NEAR(busy.utilization_recent, 0.7, 1e-9);  // the last 1 s: 700 ms busy of 1000
  const Sample& idle = m.all_samples().back();
  EXPECT_NEAR(idle.utilization, 0.0, 1e-9);
  EXPECT_NEAR(idle.utilization_recent, 0.7, 1e-9);
}

TEST(Timeline, SourceFilterIgnoresOtherExecutors) {
  Timeline m(TimelineOptions{.source = 1, .filter_source = true});
  Event mine = ev::submitted(0, 1);
  mine.source = 1;
  Event other = ev::submitted(0, 2);
  other.source = 2;
  const std::vector<Event> events = {mine, other};
  m.on_events(events);
  EXPECT_EQ(m.counts().submitted, 1u);
}

TEST(Timeline, WorkerPeaksIgnoreStartupAndShutdownRamps) {
  Timeline m;
  spawn(m, 3);
  std::vector<Event> events;
  for (int w = 0; w < 3; ++w) {
    events.push_back(ev::worker_spawned(0, w, WorkerReason::start, w + 1));
  }
  events.push_back(ev::worker_spawned(5 * ms, 3, WorkerReason::scale_up, 4));
  for (int w = 0; w < 4; ++w) {
    events.push_back(ev::worker_retired(9 * ms, w, WorkerReason::shutdown, 3 - w));
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

TEST(Timeline, PipelineItemCountsOnceFromFirstSubmitToLastStage) {
  Timeline m(TimelineOptions{.stages = 2});
  auto at_stage = [](Event e, std::uint8_t stage) {
    e.source = stage;
    return e;
  };
  const std::vector<Event> events = {
      at_stage(ev::submitted(0, 1), 0),
      at_stage(ev::started(10 * ms, 1, 0, 1), 0),
      // The stage-0 worker hands the item on before its own job has finished.
      at_stage(ev::submitted(30 * ms, 1), 1),
      at_stage(ev::enqueued(30 * ms, 1), 1),
      at_stage(ev::started(30 * ms, 1, 1, 1), 1),
      at_stage(ev::finished(30 * ms, 1, 0, Outcome::completed, 1), 0),
      at_stage(ev::finished(90 * ms, 1, 0, Outcome::completed, 1), 1),
  };
  m.on_events(events);
  EXPECT_EQ(m.counts().submitted, 1u);
  EXPECT_EQ(m.counts().completed, 1u);
  EXPECT_EQ(m.wait().count(), 1u);
  EXPECT_EQ(m.service().count(), 2u);  // one per stage: 20 ms and 60 ms
  EXPECT_NEAR(to_ms(m.service().max()), 60.0, 1e-9);
  EXPECT_NEAR(to_ms(m.service().min()), 20.0, 1e-9);
  ASSERT_EQ(m.sojourn().count(), 1u);
  EXPECT_NEAR(to_ms(m.sojourn().max()), 90.0, 1e-9);
  EXPECT_EQ(m.counts().in_queue, 0);
  EXPECT_EQ(m.counts().in_service(), 0);
}

}  // namespace
}  // namespace poolviz

namespace poolviz {
namespace {

constexpr Nanos kMs = kMillisecond;

/// One job: submitted at `at`, started after `wait`, done `service` later.
void one_job(Timeline& m, std::uint64_t id, Nanos at, Nanos wait, Nanos service, int priority = 0) {
  m.apply(ev::submitted(at, id, priority));
  m.apply(ev::enqueued(at, id));
  m.apply(ev::started(at + wait, id, 0, 1));
  m.apply(ev::finished(at + wait + service, id, 0, Outcome::completed, 1));
}

TEST(Timeline, WindowedP99ForgetsOldJobsWhileTheWholeRunKeepsThem) {
  Timeline m(TimelineOptions{.sample_period = 100 * kMs, .window = kSecond});
  one_job(m, 1, 0, 900 * kMs, kMs);  // a long wait early on
  for (std::uint64_t j = 2; j < 50; ++j) one_job(m, j, 2 * kSecond + static_cast<Nanos>(j) * kMs, 5 * kMs, kMs);
  m.advance_to(3 * kSecond);
  ASSERT_NE(m.last_sample(), nullptr);
  EXPECT_NEAR(m.last_sample()->wait_p99_ms, 5.0, 5.0 / 64);        // last 1 s
  EXPECT_NEAR(to_ms(m.wait().percentile(100)), 900.0, 900.0 / 64);  // whole run
  m.advance_to(5 * kSecond);
  EXPECT_LT(m.last_sample()->wait_p99_ms, 0);  // nothing started in the last second: no figure, not 0
}

TEST(Timeline, RatesAreOverTheRateWindowNotOnePeriod) {
  Timeline m(TimelineOptions{.sample_period = 100 * kMs, .rate_window = kSecond});
  // Five completions at 0.05 s, then nothing: 5/s until the window passes them.
  for (std::uint64_t j = 1; j <= 5; ++j) one_job(m, j, 0, 0, 50 * kMs);
  m.advance_to(500 * kMs);
  EXPECT_NEAR(m.last_sample()->throughput_per_s, 10.0, 1e-9);  // 5 over the 0.5 s seen so far
  m.advance_to(kSecond);
  EXPECT_NEAR(m.last_sample()->throughput_per_s, 5.0, 1e-9);
  m.advance_to(1200 * kMs);
  EXPECT_NEAR(m.last_sample()->throughput_per_s, 0.0, 1e-9);
}

TEST(Timeline, WaitsAreKeptPerPriority) {
  Timeline m;
  one_job(m, 1, 0, 10 * kMs, kMs, 2);
  one_job(m, 2, 0, 40 * kMs, kMs, 0);
  ASSERT_NE(m.wait_of_priority(2), nullptr);
  EXPECT_NEAR(to_ms(m.wait_of_priority(2)->max()), 10.0, 1e-9);
  EXPECT_NEAR(to_ms(m.wait_of_priority(0)->max()), 40.0, 1e-9);
  EXPECT_EQ(m.priorities(), (std::vector<int>{0, 2}));
}

TEST(Timeline, EndedJobsAreKeptInFullOnlyForTheRecentSpan) {
  Timeline m(TimelineOptions{.recent_jobs = 4});
  for (std::uint64_t j = 1; j <= 10; ++j) one_job(m, j, static_cast<Nanos>(j) * kMs, kMs, kMs);
  const std::vector<JobLifecycle> recent = m.recent_jobs();
  ASSERT_EQ(recent.size(), 4u);
  EXPECT_EQ(recent.front().id, 7u);
  EXPECT_EQ(recent.back().id, 10u);
  EXPECT_EQ(recent.back().phase, JobPhase::completed);
  EXPECT_EQ(recent.back().first_start, 11 * kMs);
  EXPECT_EQ(m.job(3), nullptr);  // forgotten in full, counted in the aggregates
  EXPECT_EQ(m.wait().count(), 10u);
}

TEST(Timeline, MemoryPerJobAndItsCeilingAreBounded) {
  const TimelineOptions options{.recent_jobs = 1 << 12};
  Timeline m(options);
  EXPECT_LE(sizeof(JobLifecycle), 56u);
  EXPECT_LE(Timeline::live_job_bytes(), 128u);
  // A long run of jobs that all end: memory stays under the ceiling.
  for (std::uint64_t j = 1; j <= 200'000; ++j) {
    one_job(m, j, static_cast<Nanos>(j) * 10 * kMs, kMs, kMs);
  }
  EXPECT_LE(m.memory_bytes(), Timeline::ceiling_bytes(options));
  EXPECT_LT(Timeline::ceiling_bytes(options), std::size_t{8} << 20);  // a few MiB, not a function of run length
  // Jobs still in the system cost live_job_bytes() each, on top.
  for (std::uint64_t j = 1'000'000; j < 1'010'000; ++j) m.apply(ev::submitted(2001 * kSecond, j));
  EXPECT_LE(m.memory_bytes(), Timeline::ceiling_bytes(options) + 10'000 * Timeline::live_job_bytes() +
                                  m.counts().in_system * sizeof(void*) * 2);
}

TEST(Timeline, InServiceIsHeldAtTheGatePlusRunning) {
  Timeline m;
  m.apply(ev::submitted(0, 1));
  m.apply(ev::submitted(0, 2));
  m.apply(ev::gate_waiting(0, 1, 0));
  m.apply(ev::started(0, 2, 1, 1));
  EXPECT_EQ(m.counts().at_gate, 1);
  EXPECT_EQ(m.counts().running, 1);
  EXPECT_EQ(m.counts().in_service(), 2);
  EXPECT_EQ(m.counts().in_system, 2);
}

}  // namespace
}  // namespace poolviz
