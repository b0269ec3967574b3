// The seeded workload generator: same seed, same arrivals; each pattern's shape.
#include <gtest/gtest.h>

#include <map>
#include <stdexcept>

#include "poolviz/workload.h"

namespace poolviz {
namespace {

WorkloadSpec poisson_spec(std::uint64_t seed) {
  WorkloadSpec s;
  s.arrival = ArrivalPattern::poisson;
  s.rate = 50;
  s.count = 500;
  s.service = ServiceDistribution::lognormal;
  s.service_mean_ms = 20;
  s.priorities = {{1, 1}, {2, 2}, {3, 1}};
  s.seed = seed;
  return s;
}

TEST(Workload, SameSeedGivesSameArrivals) {
  const auto a = generate_arrivals(poisson_spec(7), 1000);
  const auto b = generate_arrivals(poisson_spec(7), 1000);
  ASSERT_EQ(a.size(), 500u);
  EXPECT_EQ(a, b);
}

TEST(Workload, DifferentSeedsGiveDifferentArrivals) {
  EXPECT_NE(generate_arrivals(poisson_spec(7), 100), generate_arrivals(poisson_spec(8), 100));
}

TEST(Workload, EveryServiceDistributionIsDeterministicAndNonNegative) {
  for (ServiceDistribution d : {ServiceDistribution::fixed, ServiceDistribution::uniform,
                                ServiceDistribution::exponential, ServiceDistribution::lognormal,
                                ServiceDistribution::bimodal}) {
    WorkloadSpec s = poisson_spec(3);
    s.service = d;
    const auto a = generate_arrivals(s, 300);
    EXPECT_EQ(a, generate_arrivals(s, 300)) << to_string(d);
    double total = 0;
    for (const PlannedJob& j : a) {
      ASSERT_GE(j.service, 0);
      total += to_ms(j.service);
    }
    // Bimodal's mean is above the fast mode's; all others centre on the mean.
    const double mean = total / static_cast<double>(a.size());
    EXPECT_GT(mean, 5.0) << to_string(d);
    EXPECT_LT(mean, d == ServiceDistribution::bimodal ? 80.0 : 40.0) << to_string(d);
  }
}

TEST(Workload, PoissonArrivalsAreOrderedAndAverageTheRate) {
  const auto a = generate_arrivals(poisson_spec(11), 1000);
  for (std::size_t i = 1; i < a.size(); ++i) ASSERT_GE(a[i].at, a[i - 1].at);
  const double span_s = to_seconds(a.back().at);
  const double rate = static_cast<double>(a.size()) / span_s;
  EXPECT_GT(rate, 40.0);
  EXPECT_LT(rate, 60.0);
}

TEST(Workload, ConstantArrivalsAreEvenlySpaced) {
  WorkloadSpec s;
  s.arrival = ArrivalPattern::constant;
  s.rate = 4;
  s.count = 5;
  const auto a = generate_arrivals(s, 100);
  ASSERT_EQ(a.size(), 5u);
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a[i].at, static_cast<Nanos>(i) * 250 * kMillisecond);
}

TEST(Workload, DurationEndsAnOpenStreamWithoutCount) {
  WorkloadSpec s;
  s.arrival = ArrivalPattern::constant;
  s.rate = 10;
  s.duration_s = 2;
  const auto a = generate_arrivals(s, 1000);
  ASSERT_FALSE(a.empty());
  EXPECT_LE(a.back().at, 2 * kSecond);
  EXPECT_EQ(a.size(), 21u);  // t = 0, 0.1, ..., 2.0
}

TEST(Workload, BurstsArriveTogetherAtTheirInterval) {
  WorkloadSpec s;
  s.arrival = ArrivalPattern::bursts;
  s.burst_size = 20;
  s.burst_interval_s = 5;
  s.count = 60;
  const auto a = generate_arrivals(s, 100);
  ASSERT_EQ(a.size(), 60u);
  EXPECT_EQ(a[0].at, 0);
  EXPECT_EQ(a[19].at, 0);
  EXPECT_EQ(a[20].at, 5 * kSecond);
  EXPECT_EQ(a[59].at, 10 * kSecond);
}

TEST(Workload, ClosedLoopStartsOneJobPerClientThenThinks) {
  WorkloadSpec s;
  s.arrival = ArrivalPattern::closed_loop;
  s.clients = 3;
  s.think_ms = 50;
  s.count = 10;
  const auto a = generate_arrivals(s, 100);
  ASSERT_EQ(a.size(), 10u);
  for (int c = 0; c < 3; ++c) {
    EXPECT_EQ(a[static_cast<std::size_t>(c)].client, c);
    EXPECT_EQ(a[static_cast<std::size_t>(c)].at, 0);
  }
  EXPECT_EQ(a[3].client, -1);
  EXPECT_EQ(a[3].at, 50 * kMillisecond);
}

TEST(Workload, BimodalSlowEveryMarksEveryNthJob) {
  WorkloadSpec s;
  s.count = 9;
  s.service = ServiceDistribution::bimodal;
  s.service_mean_ms = 100;
  s.slow_every = 3;
  s.slow_factor = 10;
  const auto a = generate_arrivals(s, 100);
  for (std::size_t i = 0; i < a.size(); ++i) {
    const bool slow = (i + 1) % 3 == 0;
    EXPECT_EQ(a[i].slow, slow) << i;
    EXPECT_EQ(a[i].service, slow ? 1000 * kMillisecond : 100 * kMillisecond) << i;
  }
}

TEST(Workload, PriorityMixFollowsTheWeights) {
  WorkloadSpec s = poisson_spec(5);
  s.count = 4000;
  std::map<int, int> seen;
  for (const PlannedJob& j : generate_arrivals(s, 4000)) ++seen[j.priority];
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_GT(seen[2], seen[1]);
  EXPECT_GT(seen[2], seen[3]);
  EXPECT_NEAR(seen[2] / 4000.0, 0.5, 0.05);
}

TEST(Workload, LiveRateChangeShapesLaterArrivals) {
  WorkloadSpec s;
  s.arrival = ArrivalPattern::constant;
  s.rate = 10;
  s.count = 4;
  WorkloadGenerator g(s);
  EXPECT_EQ(g.next()->at, 0);
  g.set_rate(1);
  EXPECT_EQ(g.next()->at, 100 * kMillisecond);  // already scheduled at the old rate
  EXPECT_EQ(g.next()->at, 1100 * kMillisecond);
}

TEST(Workload, ValidateRejectsOutOfRangeValues) {
  WorkloadSpec s;
  s.count = 1;
  EXPECT_NO_THROW(validate(s));
  s.rate = -1;
  EXPECT_THROW(validate(s), std::invalid_argument);
  s.rate = 1;
  s.failure_rate = 1.5;
  EXPECT_THROW(validate(s), std::invalid_argument);
  s.failure_rate = 0;
  s.count = 0;  // all_at_once needs a count
  EXPECT_THROW(validate(s), std::invalid_argument);
  s.arrival = ArrivalPattern::poisson;  // and open patterns need count or duration
  EXPECT_THROW(validate(s), std::invalid_argument);
  s.duration_s = 1;
  EXPECT_NO_THROW(validate(s));
}

TEST(Workload, MakeJobCarriesPriorityTagTimeoutAndRetry) {
  WorkloadSpec s;
  s.count = 1;
  s.timeout_ms = 250;
  s.retry.max_attempts = 3;
  PlannedJob planned;
  planned.priority = 4;
  planned.slow = true;
  planned.service = 10 * kMillisecond;
  const Job job = make_job(s, planned);
  EXPECT_EQ(job.priority, 4);
  EXPECT_EQ(job.tag, 1);
  EXPECT_EQ(job.timeout, 250 * kMillisecond);
  EXPECT_EQ(job.retry.max_attempts, 3);
  EXPECT_TRUE(static_cast<bool>(job.fn));
}

}  // namespace
}  // namespace poolviz
