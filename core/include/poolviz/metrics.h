// poolviz/metrics.h — numbers derived from the event stream: counters,
// latency histograms, gauges and bounded time series.
//
// [SECTION] Histogram      — log-bucketed, bounded relative error, O(1) record
// [SECTION] Sample         — one row of the time series (also one CSV row)
// [SECTION] SampleRing     — bounded ring of Samples (ImPlot-style scrolling buffer)
// [SECTION] Metrics        — the EventSink that maintains all of the above
//
// Everything is in scenario time. Metrics is fed only through on_events() (the
// EventBus drain thread) and set_gauges()/advance_to() (the Run); it is not
// thread-safe by itself: read it from the thread that polls the Run.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <unordered_map>
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
  void reset();

  std::uint64_t count() const { return count_; }
  std::int64_t min() const { return count_ ? min_ : 0; }
  std::int64_t max() const { return count_ ? max_ : 0; }
  double mean() const { return count_ ? sum_ / static_cast<double>(count_) : 0.0; }
  /// The value at percentile `p` (0..100) by nearest rank; 0 when empty.
  std::int64_t percentile(double p) const;

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

struct Sample {
  double t_s = 0;  // scenario seconds at the end of the period
  std::uint64_t submitted = 0, completed = 0, rejected = 0;  // cumulative
  std::uint64_t failed = 0, cancelled = 0, timed_out = 0;    // cumulative
  std::int64_t queue_depth = 0;
  std::int64_t in_service = 0;
  std::int64_t workers = 0;
  std::int64_t threads = 0;
  double throughput_per_s = 0;  // completions over the last second
  double wait_p50_ms = 0, wait_p99_ms = 0, sojourn_p99_ms = 0;  // jobs of the last ~second
  double utilization = 0;       // busy workers / workers, averaged over the period
  double tokens = -1;           // limiter level; -1 = no limiter with a level
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

// [SECTION] Metrics -------------------------------------------------------------

struct MetricsOptions {
  Nanos sample_period = 100 * kMillisecond;
  std::size_t series_capacity = 6000;  // samples kept in series() (10 min at 100 ms)
  bool keep_all_samples = false;       // also keep every sample in all_samples() (CSV)
  std::uint8_t source = 0;             // only events with this source are counted
  bool filter_source = false;          // false = count every event on the bus
  /// A pipeline's stage k emits with source + k. With stages > 1 an item is
  /// submitted at stage 0 (wait = until its first start there), completes at
  /// the last stage (sojourn = through the whole pipeline), and ends early on
  /// any failure; worker gauges then come from set_gauges() only.
  int stages = 1;
};

/// Counters as seen in the event stream (events may be dropped under overload;
/// the executor's own ExecutorStats are the exact figures).
struct EventCounters {
  std::uint64_t submitted = 0, completed = 0, failed = 0, rejected = 0, cancelled = 0,
                timed_out = 0, retried = 0, steals = 0, started = 0;
};

class Metrics final : public EventSink {
 public:
  explicit Metrics(MetricsOptions options = {});

  void on_events(std::span<const Event> batch) override;

  /// Values the event stream does not carry exactly; the Run sets them at each
  /// poll from ExecutorStats and the limiter. tokens < 0 = none.
  void set_gauges(std::int64_t threads, std::int64_t workers, double tokens);
  /// Emits the samples of every period that ended at or before `now`
  /// (the Run calls it after draining, so quiet periods still get rows).
  void advance_to(Nanos now);

  const EventCounters& counters() const { return counters_; }
  const Histogram& wait() const { return wait_; }        // submit → first start
  const Histogram& service() const { return service_; }  // last start → end
  const Histogram& sojourn() const { return sojourn_; }  // submit → end (jobs that ran)

  std::int64_t queue_depth() const { return queue_depth_; }
  std::int64_t in_service() const { return in_service_; }
  std::int64_t workers() const { return workers_; }
  std::int64_t threads() const { return threads_; }
  double tokens() const { return tokens_; }
  /// Time-weighted mean and max of queue depth from the start to the last job
  /// end (to now while no job has ended).
  double queue_depth_mean() const;
  std::int64_t queue_depth_max() const { return queue_depth_max_; }
  std::int64_t threads_max() const { return threads_max_; }
  std::int64_t workers_min() const { return workers_min_seen_ ? workers_min_ : workers_; }
  std::int64_t workers_max() const { return workers_max_; }
  /// Busy-worker time / worker time over the same span (0..1).
  double utilization() const;
  /// Scenario time of the last job end seen (0 = none).
  Nanos last_end() const { return last_end_; }

  const SampleRing& series() const { return series_; }
  const std::vector<Sample>& all_samples() const { return all_samples_; }
  Nanos sample_period() const { return options_.sample_period; }

 private:
  enum class JobState : std::uint8_t { queued, holding, running, retry_wait, other };
  struct JobRecord {
    Nanos submitted = 0;
    Nanos last_start = -1;
    bool started_once = false;
    JobState state = JobState::other;
  };

  void apply(const Event& e);
  void integrate_to(Nanos t);  // accumulates time-weighted gauges up to t
  void emit_sample(Nanos t_end);
  void leave_state(JobRecord& job);
  int stage_of(const Event& e) const;  // pipeline stage that emitted `e` (0 otherwise)
  std::uint64_t record_key(const Event& e) const;

  MetricsOptions options_;
  EventCounters counters_;
  Histogram wait_, service_, sojourn_;
  // Windowed histograms for the series: two alternating 1 s windows.
  Histogram wait_window_[2], sojourn_window_[2];
  int window_ = 0;
  Nanos window_start_ = 0;

  std::unordered_map<std::uint64_t, JobRecord> jobs_;
  std::int64_t queue_depth_ = 0, in_service_ = 0, workers_ = 0, busy_ = 0;
  std::int64_t threads_ = 0;
  double tokens_ = -1;
  std::int64_t queue_depth_max_ = 0, threads_max_ = 0, workers_min_ = 0, workers_max_ = 0;
  bool workers_min_seen_ = false;
  Nanos last_end_ = 0;

  // Time integrals (gauge × ns) since 0, and over the current sample period.
  Nanos integrated_to_ = 0;
  double depth_area_ = 0, busy_area_ = 0, worker_area_ = 0;
  double period_busy_area_ = 0, period_worker_area_ = 0;
  // The integrals as they stood at the last job end: the summary's span ends there.
  double depth_area_at_end_ = 0, busy_area_at_end_ = 0, worker_area_at_end_ = 0;

  Nanos next_sample_;
  std::array<std::uint64_t, 64> completions_per_period_{};  // ring for throughput
  std::uint64_t period_index_ = 0;
  std::uint64_t completed_this_period_ = 0;

  SampleRing series_;
  std::vector<Sample> all_samples_;
};

}  // namespace poolviz
