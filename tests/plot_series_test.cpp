// The live plots' bounded series and the sampler that fills them.
#include <gtest/gtest.h>

#include <vector>

#include "gui/flow_model.h"
#include "gui/plot_series.h"

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

TEST(WindowQuantile, NearestRankQuantiles) {
  WindowQuantile w(10);
  for (int i = 1; i <= 100; ++i) w.add(0, i);
  EXPECT_EQ(*w.quantile(0.5), 50);
  EXPECT_EQ(*w.quantile(0.95), 95);
  EXPECT_EQ(*w.quantile(0.99), 99);
  EXPECT_EQ(*w.quantile(1.0), 100);
}

TEST(WindowQuantile, ForgetsSamplesOlderThanTheWindow) {
  WindowQuantile w(2);
  w.add(0, 1000);
  w.add(3, 1);
  w.expire(3);
  EXPECT_EQ(w.size(), 1u);
  EXPECT_EQ(*w.quantile(0.99), 1);
  w.expire(10);
  EXPECT_FALSE(w.quantile(0.5).has_value());
}

TEST(WindowQuantile, IsBoundedInSamples) {
  WindowQuantile w(1e9, 16);
  for (int i = 0; i < 1000; ++i) w.add(i, i);
  EXPECT_EQ(w.size(), 16u);
}

TEST(PlotSeriesSet, AppendsOnePointPerPeriodOfScenarioTime) {
  FlowModel model;
  PlotSeriesSet set(64, 0.1);
  set.sample(model, 0.0);
  set.sample(model, 0.05);  // same period: nothing new
  set.sample(model, 0.1);
  set.sample(model, 5.0);   // a long gap gives one point, not fifty
  EXPECT_EQ(set.queue_depth.size(), 3u);
  EXPECT_DOUBLE_EQ(set.newest_time(), 5.0);
}

TEST(PlotSeriesSet, ReadsDepthWaitsAndThroughputFromTheModel) {
  FlowModel model;
  std::vector<Event> es;
  auto e = [](EventKind k, Nanos t, std::uint64_t job, int worker = -1, std::int64_t x = 0) {
    Event ev;
    ev.kind = k;
    ev.t = t;
    ev.job = job;
    ev.worker = worker;
    ev.x = x;
    return ev;
  };
  es.push_back(e(EventKind::worker_spawned, 0, 0, 0, 1));
  for (std::uint64_t id = 1; id <= 4; ++id) {
    es.push_back(e(EventKind::submitted, 0, id));
    es.push_back(e(EventKind::enqueued, 0, id));
  }
  es.push_back(e(EventKind::started, 200 * kMillisecond, 1, 0, 1));
  es.push_back(e(EventKind::finished, 300 * kMillisecond, 1, 0, 1));
  model.on_events(es);
  PlotSeriesSet set(64, 0.1);
  set.sample(model, 0.3, {.threads = 1, .tokens = -1});
  EXPECT_EQ(set.queue_depth.newest().v, 3);
  EXPECT_DOUBLE_EQ(set.wait_p99.newest().v, 200.0);
  EXPECT_DOUBLE_EQ(set.threads.newest().v, 1);
  EXPECT_TRUE(set.tokens.empty());
  EXPECT_DOUBLE_EQ(set.utilisation.newest().v, 0.0);
}

}  // namespace
}  // namespace poolviz::gui
