// Histogram: log-linear buckets with a stated relative error bound.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "poolviz/metrics.h"

namespace poolviz {
namespace {

TEST(Histogram, EmptyReportsZeros) {
  Histogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.percentile(50), 0);
  EXPECT_EQ(h.min(), 0);
  EXPECT_EQ(h.max(), 0);
  EXPECT_EQ(h.mean(), 0.0);
}

TEST(Histogram, SmallValuesAreExact) {
  Histogram h;
  for (int v = 0; v < 64; ++v) h.record(v);
  for (int v = 0; v < 64; ++v) {
    EXPECT_EQ(Histogram::bucket_low(Histogram::bucket_of(v)), v);
    EXPECT_EQ(Histogram::bucket_high(Histogram::bucket_of(v)), v);
  }
  EXPECT_EQ(h.percentile(50), 31);
  EXPECT_EQ(h.percentile(100), 63);
  EXPECT_EQ(h.percentile(0), 0);
}

TEST(Histogram, BucketsTileTheRangeWithoutGaps) {
  for (int b = 0; b + 1 < Histogram::kBucketCount; ++b) {
    ASSERT_EQ(Histogram::bucket_high(b) + 1, Histogram::bucket_low(b + 1)) << "bucket " << b;
    ASSERT_EQ(Histogram::bucket_of(Histogram::bucket_low(b)), b);
    ASSERT_EQ(Histogram::bucket_of(Histogram::bucket_high(b)), b);
  }
  EXPECT_EQ(Histogram::bucket_of(INT64_MAX), Histogram::kBucketCount - 1);
}

TEST(Histogram, BucketWidthIsAtMostOneThirtySecondOfItsLowerBound) {
  for (int b = 64; b < Histogram::kBucketCount; ++b) {
    const auto low = static_cast<double>(Histogram::bucket_low(b));
    const auto width = static_cast<double>(Histogram::bucket_high(b)) - low + 1;
    ASSERT_LE(width / low, 1.0 / 32.0 + 1e-12) << "bucket " << b;
  }
}

TEST(Histogram, PercentilesStayWithinTheStatedRelativeError) {
  std::mt19937_64 rng(42);
  std::lognormal_distribution<double> dist(16.0, 2.0);  // ~9 ms median in ns, wide tail
  std::vector<std::int64_t> values;
  Histogram h;
  for (int i = 0; i < 100'000; ++i) {
    const auto v = static_cast<std::int64_t>(dist(rng));
    values.push_back(v);
    h.record(v);
  }
  std::sort(values.begin(), values.end());
  for (double p : {1.0, 10.0, 25.0, 50.0, 75.0, 90.0, 95.0, 99.0, 99.9, 100.0}) {
    const auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(values.size())));
    const std::int64_t exact = values[std::max<std::size_t>(rank, 1) - 1];
    const std::int64_t approx = h.percentile(p);
    const double error = std::abs(static_cast<double>(approx - exact)) / static_cast<double>(exact);
    EXPECT_LE(error, Histogram::kMaxRelativeError) << "p" << p << " exact " << exact << " got " << approx;
  }
  EXPECT_EQ(h.min(), values.front());
  EXPECT_EQ(h.max(), values.back());
}

TEST(Histogram, TheExtremeRanksAreExact) {
  // Ten jobs: p99 is the tenth value by nearest rank, i.e. the max, exactly
  // (a bucket midpoint below the max would print "p99 297.8 < max 301.4").
  Histogram h;
  for (int i = 1; i <= 10; ++i) h.record(290'000'000 + i * 1'140'000);
  EXPECT_EQ(h.percentile(99), h.max());
  EXPECT_EQ(h.percentile(100), h.max());
  EXPECT_EQ(h.percentile(0), h.min());
  EXPECT_LE(h.percentile(95), h.max());
}

TEST(Histogram, MeanIsExact) {
  Histogram h;
  h.record(1'000'000);
  h.record(3'000'000);
  h.record(-5);  // recorded as 0
  EXPECT_DOUBLE_EQ(h.mean(), 4'000'000.0 / 3.0);
  EXPECT_EQ(h.min(), 0);
}

TEST(Histogram, MergeEqualsRecordingEverythingInOne) {
  Histogram a, b, all;
  for (std::int64_t v = 1; v < 5000; v += 7) {
    (v % 2 ? a : b).record(v * 1000);
    all.record(v * 1000);
  }
  a.merge(b);
  EXPECT_EQ(a.count(), all.count());
  for (double p : {5.0, 50.0, 99.0}) EXPECT_EQ(a.percentile(p), all.percentile(p));
  EXPECT_EQ(a.min(), all.min());
  EXPECT_EQ(a.max(), all.max());
}

TEST(Histogram, ResetForgetsEverything) {
  Histogram h;
  h.record(123456);
  h.reset();
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.percentile(99), 0);
}

}  // namespace
}  // namespace poolviz
