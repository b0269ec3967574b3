// The live plots' bounded series and the sampler that fills them.
#include <gtest/gtest.h>

#include <vector>

#include "gui/flow_model.h"
#include "gui/plot_series.h"
#include "support/event_builder.h"

namespace poolviz::gui {
namespace {

TEST(TimeSeries, KeepsOnlyTheNewestPointsWhenFull) {
  TimeSeries s(4);
  for (int i = 0; i < 10; ++i) s.push(i, i * 10);
  EXPECT_EQ(s.size(), 4u);
  EXPECT_EQ(s.capacity(), 4u);
  EXPECT_EQ(s.at(0).t, 6);
  EXPECT_EQ(s.newest().v, 90);
}

TEST(TimeSeries, IgnoresAPointOlderThanTheNewest) {
  TimeSeries s(8);
  s.push(2, 1);
  s.push(1, 5);
  EXPECT_EQ(s.size(), 1u);
}

TEST(TimeSeries, ValueAtReadsTheLastPointAtOrBeforeTheTime) {
  TimeSeries s(8);
  s.push(1, 10);
  s.push(2, 20);
  s.push(3, 30);
  EXPECT_FALSE(s.value_at(0.5).has_value());
  EXPECT_EQ(*s.value_at(1), 10);
  EXPECT_EQ(*s.value_at(2.5), 20);
  EXPECT_EQ(*s.value_at(9), 30);
}

TEST(TimeSeries, ValueAtWorksAcrossTheRingsWrap) {
  TimeSeries s(3);
  for (int i = 0; i < 7; ++i) s.push(i, i);
  EXPECT_EQ(*s.value_at(5.5), 5);
  EXPECT_FALSE(s.value_at(3.5).has_value());
}

TEST(TimeSeries, RangeCoversOnlyTheWindow) {
  TimeSeries s(16);
  for (int i = 0; i < 10; ++i) s.push(i, i % 2 == 0 ? i : -i);
  double lo = 0, hi = 0;
  ASSERT_TRUE(s.range(3, 6, lo, hi));
  EXPECT_EQ(lo, -5);
  EXPECT_EQ(hi, 6);
  EXPECT_FALSE(s.range(20, 30, lo, hi));
}

TEST(PlotSeriesSet, AppendsOnePointPerTimelineSample) {
  Timeline timeline(TimelineOptions{.sample_period = 100 * kMillisecond});
  PlotSeriesSet set(64);
  timeline.advance_to(50 * kMillisecond);
  set.sample(timeline);
  EXPECT_TRUE(set.queue_depth.empty());  // no period has ended yet
  timeline.advance_to(100 * kMillisecond);
  set.sample(timeline);
  set.sample(timeline);  // nothing new: no duplicate
  timeline.advance_to(500 * kMillisecond);
  set.sample(timeline);
  EXPECT_EQ(set.queue_depth.size(), 5u);
  EXPECT_DOUBLE_EQ(set.newest_time(), 0.5);
}

TEST(PlotSeriesSet, ShowsTheTimelinesFiguresAtEachSample) {
  Timeline timeline(TimelineOptions{.sample_period = 100 * kMillisecond});
  std::vector<Event> es;
  es.push_back(ev::worker_spawned(0, 0, WorkerReason::start, 1));
  for (std::uint64_t id = 1; id <= 4; ++id) {
    es.push_back(ev::submitted(0, id));
    es.push_back(ev::enqueued(0, id, -1, static_cast<std::int64_t>(id)));  // depth after
  }
  es.push_back(ev::started(200 * kMillisecond, 1, 0, 1));
  es.push_back(ev::finished(250 * kMillisecond, 1, 0, Outcome::completed, 1));
  timeline.on_events(es);
  timeline.advance_to(300 * kMillisecond);
  PlotSeriesSet set(64);
  set.sample(timeline);
  const Sample& last = *timeline.last_sample();
  EXPECT_EQ(set.queue_depth.newest().v, 3);
  EXPECT_EQ(set.queue_depth.newest().v, static_cast<double>(last.queue_depth));
  EXPECT_DOUBLE_EQ(set.wait_p99.newest().v, last.wait_p99_ms);
  EXPECT_NEAR(set.wait_p99.newest().v, 200.0, 200.0 / 64);
  EXPECT_DOUBLE_EQ(set.threads.newest().v, 1);
  EXPECT_TRUE(set.tokens.empty());
  EXPECT_DOUBLE_EQ(set.utilisation.newest().v, 100.0 * last.utilization_recent);
  EXPECT_NEAR(set.utilisation.newest().v, 100.0 / 6, 1e-9);  // busy 50 ms of the 0.3 s so far (rate window)
  EXPECT_NEAR(set.throughput.newest().v, 1 / 0.3, 1e-9);  // 1 done over the 0.3 s so far
}

}  // namespace
}  // namespace poolviz::gui
