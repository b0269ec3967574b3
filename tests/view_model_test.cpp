// The flow canvas's view model, fed with hand-made events (and once with a
// real pool's), checked without a window.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "gui/flow_model.h"
#include "poolviz/clock.h"
#include "poolviz/event.h"
#include "poolviz/executor.h"
#include "poolviz/job.h"
#include "poolviz/worker_pool.h"
#include "support/event_builder.h"

namespace poolviz::gui {
namespace {

void feed(FlowModel& m, std::vector<Event> events) { m.on_events(events); }

bool log_has(const FlowModel& m, const std::string& text) {
  return std::any_of(m.log().begin(), m.log().end(),
                     [&](const LogLine& l) { return l.text == text; });
}

FlowGeometry geometry(int lanes = 3, bool worker_queues = false) {
  return FlowGeometry::make(1000, 600, 12, lanes, worker_queues);
}

TEST(FlowModel, SubmittedJobWaitsAtArrivalsThenJoinsTheSharedQueue) {
  FlowModel m;
  feed(m, {ev::submitted(0, 1, 2)});
  ASSERT_NE(m.job(1), nullptr);
  EXPECT_EQ(m.job(1)->place, JobPlace::arriving);
  EXPECT_EQ(m.job(1)->priority, 2);
  feed(m, {ev::enqueued(1, 1, -1, 1)});
  EXPECT_EQ(m.job(1)->place, JobPlace::queued);
  EXPECT_EQ(m.counts().in_queue, 1);
  EXPECT_EQ(m.queue_order(-1), std::vector<std::uint64_t>{1});
}

TEST(FlowModel, StartedJobLeavesTheQueueForItsWorkersLane) {
  FlowModel m;
  feed(m, {ev::worker_spawned(0, 2, WorkerReason::start, 1), ev::submitted(0, 7),
           ev::enqueued(0, 7, -1, 1), ev::started(5 * kMillisecond, 7, 2, 1)});
  EXPECT_EQ(m.job(7)->place, JobPlace::running);
  EXPECT_EQ(m.job(7)->lane, 2);
  EXPECT_EQ(m.counts().in_queue, 0);
  EXPECT_EQ(m.counts().running, 1);
  ASSERT_NE(m.lane(2), nullptr);
  EXPECT_EQ(m.lane(2)->state, LaneState::busy);
  EXPECT_EQ(m.lane(2)->job, 7u);
  feed(m, {ev::progress(6 * kMillisecond, 7, 2, 0.5F)});
  EXPECT_FLOAT_EQ(m.job(7)->progress, 0.5F);
  ASSERT_EQ(m.timeline().wait().count(), 1u);
  EXPECT_EQ(m.timeline().wait().max(), 5 * kMillisecond);
}

TEST(FlowModel, QueueOrderIsHeadFirstAndSkipsJobsThatLeft) {
  FlowModel m;
  std::vector<Event> es;
  for (std::uint64_t id = 1; id <= 5; ++id) {
    es.push_back(ev::submitted(0, id));
    es.push_back(ev::enqueued(0, id, -1, static_cast<std::int64_t>(id)));
  }
  es.push_back(ev::started(1, 1, 0, 1));
  es.push_back(ev::started(1, 3, 1, 1));  // out of order (a priority pop)
  feed(m, es);
  EXPECT_EQ(m.queue_order(-1), (std::vector<std::uint64_t>{2, 4, 5}));
  EXPECT_EQ(m.queue_size(-1), 3);
}

TEST(FlowModel, PriorityQueueIsDrawnInTheOrderItWillBeServed) {
  FlowModel m({.queue_by_priority = true});
  feed(m, {ev::submitted(0, 1), ev::enqueued(0, 1), ev::submitted(0, 2, 1), ev::enqueued(0, 2),
           ev::submitted(0, 3, 2), ev::enqueued(0, 3)});
  EXPECT_EQ(m.queue_order(-1), (std::vector<std::uint64_t>{3, 2, 1}));
}

TEST(FlowModel, FinishedJobsCountIntoTheirBins) {
  FlowModel m;
  std::vector<Event> es;
  for (std::uint64_t id = 1; id <= 4; ++id) {
    es.push_back(ev::submitted(0, id));
    es.push_back(ev::started(0, id, 0, 1));
    es.push_back(ev::finished(kSecond, id, 0, static_cast<Outcome>(id - 1), 1));
  }
  feed(m, es);
  EXPECT_EQ(m.counts().completed, 1u);
  EXPECT_EQ(m.counts().failed, 1u);
  EXPECT_EQ(m.counts().timed_out, 1u);
  EXPECT_EQ(m.counts().cancelled, 1u);
  EXPECT_EQ(m.counts().running, 0);
  EXPECT_TRUE(log_has(m, "job 2 failed for good after 1 attempt"));
  EXPECT_TRUE(log_has(m, "job 3 timed out (attempt 1)"));
}

TEST(FlowModel, RejectionIsExplainedWithTheQueueBound) {
  FlowModel m;
  feed(m, {ev::submitted(0, 118), ev::rejected(0, 118, RejectReason::queue_full, 8, 8)});
  EXPECT_TRUE(log_has(m, "job 118 rejected: queue full (8/8)"));
  EXPECT_EQ(m.counts().rejected, 1u);
  EXPECT_EQ(m.known_capacity(), 8);
}

TEST(FlowModel, AFloodOfRejectionsBecomesOneSummaryLine) {
  FlowModel m;
  std::vector<Event> es;
  for (std::uint64_t id = 1; id <= 50; ++id) {
    es.push_back(ev::submitted(0, id));
    es.push_back(ev::rejected(0, id, RejectReason::queue_full, 8, 8));
  }
  feed(m, es);
  EXPECT_EQ(m.counts().rejected, 50u);
  EXPECT_LE(m.log().size(), 5u);
  EXPECT_EQ(m.log().back().text,
            "... and 46 more jobs rejected (last: job 50 rejected: queue full (8/8))");
}

TEST(FlowModel, StealMovesTheJobToTheThiefAndDrawsAnArc) {
  FlowModel m;
  feed(m, {ev::worker_spawned(0, 0, WorkerReason::start, 1),
           ev::worker_spawned(0, 2, WorkerReason::start, 2), ev::submitted(0, 40),
           ev::enqueued(0, 40, 0, 1), ev::submitted(0, 41), ev::enqueued(0, 41, 0, 2),
           ev::stolen(1, 40, 2, 0)});
  EXPECT_TRUE(m.has_worker_queues());
  EXPECT_EQ(m.queue_order(0), std::vector<std::uint64_t>{41});
  EXPECT_EQ(m.queue_order(2), std::vector<std::uint64_t>{40});
  ASSERT_EQ(m.steal_arcs().size(), 1u);
  EXPECT_EQ(m.steal_arcs()[0].victim, 0);
  EXPECT_EQ(m.steal_arcs()[0].thief, 2);
  EXPECT_TRUE(log_has(m, "worker 2 stole job 40 from worker 0"));
  EXPECT_EQ(m.counts().steals, 1u);
  // The arc is a moment, not a fixture.
  m.animate(geometry(3, true), 1.0F);
  EXPECT_TRUE(m.steal_arcs().empty());
}

TEST(FlowModel, IdleRetirementSaysHowLongTheWorkerIdled) {
  FlowModel m;
  feed(m, {ev::worker_spawned(0, 3, WorkerReason::scale_up, 4), ev::worker_parked(kSecond, 3),
           ev::worker_retired(3 * kSecond, 3, WorkerReason::idle_timeout, 3)});
  EXPECT_TRUE(log_has(m, "worker 3 started: scale up (4 alive)"));
  EXPECT_TRUE(log_has(m, "worker 3 retired: idle 2.0 s (3 alive)"));
  ASSERT_NE(m.lane(3), nullptr);
  EXPECT_EQ(m.lane(3)->state, LaneState::retired);
  EXPECT_EQ(m.lane(3)->note, "idle 2.0 s");
  EXPECT_EQ(m.counts().workers_alive, 3);
  // It stays on screen for a moment with its reason, then its lane goes.
  m.animate(geometry(), 1.0F);
  EXPECT_NE(m.lane(3), nullptr);
  m.animate(geometry(), 2.0F);
  EXPECT_EQ(m.lane(3), nullptr);
}

TEST(FlowModel, AReusedWorkerSlotComesBackAsAFreshLane) {
  FlowModel m;
  feed(m, {ev::worker_spawned(0, 1, WorkerReason::start, 2),
           ev::worker_retired(1, 1, WorkerReason::resized, 1),
           ev::worker_spawned(2, 1, WorkerReason::resized, 2)});
  ASSERT_NE(m.lane(1), nullptr);
  EXPECT_EQ(m.lane(1)->state, LaneState::idle);
  EXPECT_EQ(m.lanes().size(), 1u);
}

TEST(FlowModel, RetryWaitKeepsTheJobOutOfTheLaneAndCountsOnce) {
  FlowModel m;
  feed(m, {ev::worker_spawned(0, 0, WorkerReason::start, 1), ev::submitted(0, 9),
           ev::enqueued(0, 9), ev::started(0, 9, 0, 1), ev::retried(kSecond, 9, 0, 2, 1000)});
  EXPECT_EQ(m.job(9)->place, JobPlace::retry_wait);
  EXPECT_EQ(m.lane(0)->state, LaneState::idle);
  EXPECT_EQ(m.counts().running, 0);
  EXPECT_EQ(m.counts().retry_waiting, 1);
  EXPECT_TRUE(log_has(m, "job 9 attempt 1 failed: retry 2 in 1.0 s"));
  feed(m, {ev::enqueued(2 * kSecond, 9), ev::started(2 * kSecond, 9, 0, 2),
           ev::finished(3 * kSecond, 9, 0, Outcome::completed, 2)});
  EXPECT_EQ(m.counts().completed, 1u);
  EXPECT_EQ(m.counts().retry_waiting, 0);
  EXPECT_EQ(m.counts().in_queue, 0);
  EXPECT_EQ(m.timeline().wait().count(), 1u);  // the wait counts the first start only
}

TEST(FlowModel, ThreadPerTaskCountsThreadsWithoutLanes) {
  FlowModel m({.threads_mode = true});
  std::vector<Event> es;
  for (int i = 0; i < 30; ++i) {
    const auto id = static_cast<std::uint64_t>(i + 1);
    es.push_back(ev::submitted(0, id));
    es.push_back(ev::worker_spawned(0, i, WorkerReason::start, i + 1));
    es.push_back(ev::enqueued(0, id, i));
    es.push_back(ev::started(0, id, i, 1));
  }
  feed(m, es);
  EXPECT_EQ(m.counts().threads_alive, 30);
  EXPECT_EQ(m.counts().peak_threads, 30);
  EXPECT_EQ(m.counts().running, 30);
  EXPECT_EQ(m.counts().in_queue, 0);
  EXPECT_TRUE(m.lanes().empty());
}

TEST(FlowModel, ALongQueueCollapsesToACount) {
  FlowModel m({.collapse_queue_above = 10});
  std::vector<Event> es;
  for (std::uint64_t id = 1; id <= 11; ++id) {
    es.push_back(ev::submitted(0, id));
    es.push_back(ev::enqueued(0, id));
  }
  feed(m, std::vector<Event>(es.begin(), es.end() - 2));
  EXPECT_FALSE(m.queue_collapsed());
  feed(m, std::vector<Event>(es.end() - 2, es.end()));
  EXPECT_TRUE(m.queue_collapsed());
}

TEST(FlowModel, ChipsMoveSmoothlyTowardTheirPlace) {
  FlowModel m;
  feed(m, {ev::worker_spawned(0, 0, WorkerReason::start, 1), ev::submitted(0, 1),
           ev::started(0, 1, 0, 1)});
  const FlowGeometry g = geometry(1);
  m.animate(g, 0.0F);  // places the chip at the arrivals column
  const Point start = m.job(1)->pos;
  const Point target = m.target_of(*m.job(1), g);
  ASSERT_GT(std::abs(target.x - start.x), 100.0F);
  m.animate(g, 1.0F / 60);
  const Point one_frame = m.job(1)->pos;
  EXPECT_GT(one_frame.x, start.x);
  EXPECT_LT(one_frame.x, target.x);  // part of the way, not a jump
  for (int i = 0; i < 120; ++i) m.animate(g, 1.0F / 60);
  EXPECT_NEAR(m.job(1)->pos.x, target.x, 0.5F);
  EXPECT_NEAR(m.job(1)->pos.y, target.y, 0.5F);
  // The running chip sits inside its worker's lane.
  const auto lane = g.lane(0);
  EXPECT_GE(target.y, lane.y);
  EXPECT_LE(target.y, lane.y + lane.h);
}

TEST(FlowModel, EndedChipsFlyToTheirBinThenLeave) {
  FlowModel m;
  feed(m, {ev::submitted(0, 1), ev::started(0, 1, 0, 1)});
  const FlowGeometry g = geometry(1);
  m.animate(g, 0.0F);
  feed(m, {ev::finished(kSecond, 1, 0, Outcome::failed, 1)});
  ASSERT_NE(m.job(1), nullptr);
  const Point bin = m.target_of(*m.job(1), g);
  const auto& rect = g.bins[bin_index(JobPlace::failed)];
  EXPECT_GE(bin.x, rect.x);
  EXPECT_LE(bin.y, rect.y + rect.h);
  for (int i = 0; i < 60; ++i) m.animate(g, 1.0F / 60);
  EXPECT_EQ(m.job(1), nullptr);
  EXPECT_EQ(m.counts().failed, 1u);
}

TEST(FlowModel, GateShowsTheTokenLevel) {
  FlowModel m;
  feed(m, {ev::token_refilled(kSecond, 5.0F, 5), ev::token_taken(kSecond, 3, 4.0F, 5)});
  EXPECT_TRUE(m.gate().seen);
  EXPECT_FLOAT_EQ(m.gate().level, 4.0F);
  EXPECT_FLOAT_EQ(m.gate().capacity, 5.0F);
  EXPECT_EQ(m.gate().last_refill, kSecond);
}

TEST(FlowModel, AJobHeldAtTheGateShowsOnItsWorkersLane) {
  FlowModel m;
  feed(m, {ev::worker_spawned(0, 1, WorkerReason::start, 2), ev::submitted(0, 4),
           ev::enqueued(0, 4), ev::gate_waiting(0, 4, 1)});
  EXPECT_EQ(m.job(4)->place, JobPlace::at_gate);
  EXPECT_EQ(m.lane(1)->state, LaneState::waiting_gate);
  EXPECT_EQ(m.counts().at_gate, 1);
  EXPECT_EQ(m.counts().in_queue, 0);
}

Event at_stage(Event e, std::uint8_t stage) {
  e.source = stage;
  return e;
}

TEST(FlowModel, APipelineItemCrossesEveryStageAndLandsOnce) {
  FlowModel m({.stage_names = {"fetch", "store"}});
  const auto done = static_cast<std::uint8_t>(Outcome::completed);
  feed(m, {at_stage(ev::worker_spawned(0, 0, WorkerReason::start, 1), 0),
           at_stage(ev::worker_spawned(0, 0, WorkerReason::start, 1), 1),
           at_stage(ev::submitted(0, 7), 0), at_stage(ev::enqueued(0, 7, -1, 1), 0),
           at_stage(ev::started(1, 7, 0, 1), 0)});
  EXPECT_EQ(m.counts().workers_alive, 2);  // one per stage, summed
  ASSERT_EQ(m.lanes().size(), 2u);
  EXPECT_EQ(m.lane_name(m.lanes()[1].id), "store 0");
  EXPECT_EQ(m.lane_stage(m.lanes()[1].id), "store");
  EXPECT_EQ(m.lane(0)->job, 7u);

  // Stage 0's body hands the item to stage 1 before its own `finished`.
  feed(m, {at_stage(ev::submitted(2, 7), 1), at_stage(ev::enqueued(2, 7, -1, 1), 1)});
  EXPECT_EQ(m.job(7)->place, JobPlace::queued);
  EXPECT_EQ(m.queue_size(FlowModel::kStageLaneStride), 1);  // left of store's first lane
  feed(m, {at_stage(ev::finished(3, 7, 0, static_cast<Outcome>(done), 1), 0)});
  EXPECT_EQ(m.counts().completed, 0u);  // a hand-off, not an outcome
  EXPECT_EQ(m.lane(0)->state, LaneState::idle);
  EXPECT_EQ(m.job(7)->place, JobPlace::queued);

  feed(m, {at_stage(ev::started(4, 7, 0, 1), 1),
           at_stage(ev::finished(5, 7, 0, static_cast<Outcome>(done), 1), 1)});
  EXPECT_EQ(m.counts().submitted, 1u);
  EXPECT_EQ(m.counts().completed, 1u);
  EXPECT_EQ(m.lane(FlowModel::kStageLaneStride)->jobs_done, 1u);
  EXPECT_EQ(m.lane(0)->jobs_done, 1u);
}

TEST(FlowModel, ResetForgetsTheOldRun) {
  FlowModel m;
  feed(m, {ev::submitted(0, 1), ev::enqueued(0, 1)});
  m.reset();
  EXPECT_EQ(m.counts().submitted, 0u);
  EXPECT_TRUE(m.jobs().empty());
  EXPECT_TRUE(m.queue_order(-1).empty());
}

TEST(FlowModel, FedByARealPoolEveryJobEndsInABin) {
  ManualClock clock;
  EventBus bus;
  FlowModel m;
  bus.attach(&m);
  {
    PoolConfig config;
    config.workers = 3;
    ExecutorEnv env;
    env.clock = &clock;
    env.bus = &bus;
    WorkerPool pool(config, env);
    for (int i = 0; i < 200; ++i) {
      Job job;
      job.fn = [](JobContext&) {};
      ASSERT_TRUE(pool.submit(std::move(job)).accepted());
      if (i % 16 == 0) bus.drain();  // the GUI drains while the pool runs
    }
    pool.wait_idle();
    pool.shutdown(ShutdownMode::drain);
  }
  bus.drain(true);
  bus.detach(&m);
  EXPECT_EQ(m.counts().submitted, 200u);
  EXPECT_EQ(m.counts().completed + m.counts().failed, 200u);
  EXPECT_EQ(m.counts().in_queue, 0);
  EXPECT_EQ(m.counts().running, 0);
  EXPECT_EQ(m.counts().workers_alive, 0);
}

}  // namespace
}  // namespace poolviz::gui
