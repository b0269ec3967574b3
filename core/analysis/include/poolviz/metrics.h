// poolviz/metrics.h — the value types of the run's figures: latency
// histograms, one row of the time series, and the bounded ring of rows. The
// Timeline (poolviz/timeline.h) is the one consumer of events that fills them.
//
// [SECTION] Histogram      — log-bucketed, bounded relative error, O(1) record
// [SECTION] Sample         — one row of the time series (also one CSV row)
// [SECTION] SampleRing     — bounded ring of Samples (ImPlot-style scrolling buffer)
//
// Everything is in scenario time. Plain values, not thread-safe.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "poolviz/clock.h"
#include "poolviz/event.h"

namespace poolviz {

// [SECTION] Histogram -----------------------------------------------------------

/// Non-negative integer values (nanoseconds here) in log-linear buckets, HDR
/// style: values below 64 get a bucket each (exact); above, every power of two
/// [2^e, 2^(e+1)) is split into 32 equal buckets, so a bucket's width is at
/// most 1/32 of its lower bound. percentile() reports the bucket's midpoint,
/// clamped to [min(), max()]: its relative error is at most 1/64 (1.5625 %).
/// count, min, max and mean are exact. Fixed size (1,888 buckets), no allocation
/// after construction, merge() is bucket-wise addition.
class Histogram {
 public:
  static constexpr int kSubBucketBits = 5;
  static constexpr double kMaxRelativeError = 1.0 / 64.0;

  void record(std::int64_t value);  // negative values are recorded as 0
  void merge(const Histogram& other);
  /// Takes back `n` values recorded earlier in `bucket`: a sliding window keeps
  /// a running sum instead of re-merging its periods. min(), max() and mean()
  /// keep what they were (they cannot be taken back); percentile() clamps to
  /// that wider range, so a caller that knows the exact range clamps again.
  void remove_bucket(int bucket, std::uint64_t n);
  void reset();

  std::uint64_t count() const { return count_; }
  std::int64_t min() const { return count_ ? min_ : 0; }
  std::int64_t max() const { return count_ ? max_ : 0; }
  double mean() const { return count_ ? sum_ / static_cast<double>(count_) : 0.0; }
  /// The value at percentile `p` (0..100) by nearest rank; 0 when empty.
  std::int64_t percentile(double p) const;

  /// Values recorded in `bucket` (0 <= bucket < kBucketCount), for exporters
  /// that re-bin (GET /metrics' fixed `le` buckets).
  std::uint64_t in_bucket(int bucket) const { return buckets_[static_cast<std::size_t>(bucket)]; }

  /// Bucket arithmetic, public for tests.
  static int bucket_of(std::int64_t value);
  static std::int64_t bucket_low(int bucket);   // smallest value in the bucket
  static std::int64_t bucket_high(int bucket);  // largest value in the bucket

  static constexpr int kBucketCount = 64 + (63 - 6) * 32;

 private:
  std::array<std::uint64_t, kBucketCount> buckets_{};
  std::uint64_t count_ = 0;
  std::int64_t min_ = 0;
  std::int64_t max_ = 0;
  double sum_ = 0;
};

/// mean/p50/p95/p99/max of a histogram of nanoseconds, in milliseconds.
struct LatencySummary {
  double mean_ms = 0, p50_ms = 0, p95_ms = 0, p99_ms = 0, max_ms = 0;
};
LatencySummary summarize_ms(const Histogram& histogram);

// [SECTION] Sample --------------------------------------------------------------

/// The run at the end of one sample period. Gauges are the Timeline's at that
/// moment; rates are over TimelineOptions::rate_window ("done 2.5/s over 1 s");
/// percentiles are windowed over TimelineOptions::window ("p99 wait, last 5 s"),
/// -1 when no job fell in the window.
struct Sample {
  double t_s = 0;  // scenario seconds at the end of the period
  std::uint64_t submitted = 0, completed = 0, rejected = 0;  // cumulative
  std::uint64_t failed = 0, cancelled = 0, timed_out = 0;    // cumulative
  std::int64_t queue_depth = 0;
  std::int64_t in_service = 0;  // at the gate + running
  std::int64_t workers = 0;
  std::int64_t threads = 0;
  double throughput_per_s = 0;  // completions (any outcome) over the rate window
  double wait_p50_ms = 0, wait_p99_ms = 0, sojourn_p99_ms = 0;  // over the window
  double utilization = 0;       // running jobs / workers, averaged over the period
  double tokens = -1;           // limiter level; -1 = no limiter with a level
  std::int64_t running = 0;
  std::int64_t in_system = 0;
  double arrivals_per_s = 0, rejections_per_s = 0;  // over the rate window
  double wait_p95_ms = 0;                           // over the window
  /// Busy worker time / worker time over the rate window, smoothed as the
  /// rates are ("busy 71 % over 1 s"); `utilization` is one period's.
  double utilization_recent = 0;
};

// [SECTION] SampleRing ----------------------------------------------------------

/// The newest `capacity` samples; older ones are overwritten. Index 0 = oldest.
class SampleRing {
 public:
  explicit SampleRing(std::size_t capacity = 6000) : slots_(capacity ? capacity : 1) {}
  void push(const Sample& sample);
  std::size_t size() const { return size_; }
  std::size_t capacity() const { return slots_.size(); }
  bool empty() const { return size_ == 0; }
  const Sample& operator[](std::size_t i) const { return slots_[(head_ + i) % slots_.size()]; }
  const Sample& back() const { return (*this)[size_ - 1]; }
  void clear() { head_ = size_ = 0; }

 private:
  std::vector<Sample> slots_;
  std::size_t head_ = 0;  // oldest
  std::size_t size_ = 0;
};

}  // namespace poolviz
