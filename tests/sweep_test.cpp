// Sweeps: parsing --set-range, and well-formed JSON/CSV from a small sweep at high speed.
#include "poolviz/sweep.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <nlohmann/json.hpp>
#include <sstream>

#include "support/watchdog.h"

namespace poolviz {
namespace {

TEST(SweepRange, ParsesKeyFromToAndSteps) {
  const SweepRange r = parse_sweep_range("workload.rate=5:38:12");
  EXPECT_EQ(r.key, "workload.rate");
  EXPECT_DOUBLE_EQ(r.from, 5);
  EXPECT_DOUBLE_EQ(r.to, 38);
  EXPECT_EQ(r.steps, 12);
}

TEST(SweepRange, StepsAreEvenlySpacedWithBothEndsIncluded) {
  const SweepRange r = parse_sweep_range("workload.rate=10:30:5");
  EXPECT_EQ(r.values(), (std::vector<double>{10, 15, 20, 25, 30}));
  EXPECT_EQ(parse_sweep_range("workload.rate=7:9:1").values(), std::vector<double>{7});
}

TEST(SweepRange, RejectsMalformedRanges) {
  EXPECT_THROW(parse_sweep_range("workload.rate"), ScenarioError);
  EXPECT_THROW(parse_sweep_range("workload.rate=1:2"), ScenarioError);
  EXPECT_THROW(parse_sweep_range("workload.rate=1:x:3"), ScenarioError);
  EXPECT_THROW(parse_sweep_range("workload.rate=1:2:0"), ScenarioError);
  EXPECT_THROW(parse_sweep_range("workload.rate=1:2:2.5"), ScenarioError);
}

Scenario small_poisson_pool() {
  Scenario s;
  s.id = "test-sweep";
  s.source_name = "test";
  s.pool.strategy = Strategy::fixed;
  s.pool.workers = 2;
  s.workload.arrival = ArrivalPattern::poisson;
  s.workload.rate = 50;
  s.workload.count = 20;
  s.workload.service = ServiceDistribution::exponential;
  s.workload.service_mean_ms = 5;
  s.workload.kind = WorkKind::io;
  s.workload.seed = 3;
  return s;
}

TEST(SweepOutput, JsonAndCsvAreWellFormedOnASmallSweep) {
  test::Watchdog watchdog(std::chrono::seconds(60), "a small sweep at high speed");
  const SweepRange range = parse_sweep_range("workload.rate=100:500:3");
  SweepOptions options;
  options.speed = 20;
  std::size_t reported = 0;
  const std::vector<SweepPoint> points =
      run_sweep(small_poisson_pool(), range, options, [&reported](std::size_t, const SweepPoint&) { ++reported; });
  ASSERT_EQ(points.size(), 3U);
  EXPECT_EQ(reported, 3U);

  const nlohmann::json parsed = nlohmann::json::parse(sweep_to_json("test-sweep", range, points));
  EXPECT_EQ(parsed.at("key").get<std::string>(), "workload.rate");
  ASSERT_EQ(parsed.at("points").size(), 3U);
  const nlohmann::json& first = parsed.at("points")[0];
  EXPECT_DOUBLE_EQ(first.at("value").get<double>(), 100);
  EXPECT_NEAR(first.at("rho").get<double>(), 0.25, 1e-12);  // 100/s ÷ (2 × 200/s)
  EXPECT_EQ(first.at("theory").at("fit").get<std::string>(), "exact");
  EXPECT_TRUE(first.at("measured").contains("wait_p99_ms"));
  EXPECT_EQ(first.at("measured").at("completed").get<std::uint64_t>(), 20U);
  // 500/s on 2 workers of 200/s each is past full load: theory says so, with no number.
  const nlohmann::json& last = parsed.at("points")[2];
  EXPECT_TRUE(last.at("theory").at("unstable").get<bool>());
  EXPECT_TRUE(last.at("theory").at("mean_wait_ms").is_null());

  std::ostringstream csv;
  write_sweep_csv(csv, range, points);
  const std::string text = csv.str();
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 4);
  EXPECT_EQ(text.rfind("workload.rate,rho,", 0), 0U);
  EXPECT_NE(format_sweep(range, points).find("unbounded"), std::string::npos);
}

}  // namespace
}  // namespace poolviz
