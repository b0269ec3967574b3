// poolviz/occupancy.h — jobs in the system over time, measured from events:
// the measured side of Little's law (L = λ·W) and of the Erlang C check.
//
// [SECTION] WaitBatchMeans — a bounded batch-means estimate of the mean wait's noise
// [SECTION] Occupancy      — the EventSink: N(t), L, λ, W, P(arrival finds ≥ c)
//
// A job is "in the system" from its `submitted` event until its `rejected` or
// final `finished` event (a retry is neither: the job stays in). Everything is
// scenario time, read off the events' own timestamps, so the figures do not
// depend on when the bus was drained.
//
// Contract: an EventSink like Metrics: on_events() runs on the draining thread
// (the Run's poll()), and the getters are for that same thread. Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <unordered_map>
#include <vector>

#include "poolviz/clock.h"
#include "poolviz/event.h"

namespace poolviz {

// [SECTION] WaitBatchMeans ------------------------------------------------------

/// Waits of successive jobs are strongly correlated (a busy spell delays many in
/// a row), so the usual σ/√n understates the noise of their mean. Batch means:
/// cut the sequence into consecutive batches, treat the batch means as nearly
/// independent and take their spread. Memory is bounded: at most kMaxBatches
/// batches; when full, neighbours merge and the batch size doubles.
class WaitBatchMeans {
 public:
  static constexpr std::size_t kMaxBatches = 64;
  /// Fewer complete batches than this: no interval is given (NaN).
  static constexpr std::size_t kMinBatches = 10;

  void add(double value);
  std::uint64_t count() const { return count_; }
  double mean() const { return count_ ? total_ / static_cast<double>(count_) : 0.0; }
  /// Half-width of an approximate 95 % confidence interval for the mean
  /// (t ≈ 2 × standard error of the complete batches' means); NaN when too few.
  double ci95_half_width() const;
  std::size_t batches() const { return sums_.size(); }
  std::size_t batch_size() const { return batch_size_; }

 private:
  std::vector<double> sums_;  // complete batches, each of batch_size_ values
  std::size_t batch_size_ = 1;
  double open_sum_ = 0;
  std::size_t open_count_ = 0;
  double total_ = 0;
  std::uint64_t count_ = 0;
};

// [SECTION] Occupancy -----------------------------------------------------------

/// Little's law, measured. All times in scenario seconds.
struct LittleLaw {
  double window_s = 0;        // [0, now]
  double mean_in_system = 0;  // L: time-mean of N(t) over the window
  double arrival_rate = 0;    // λ: accepted jobs / window
  double mean_sojourn_s = 0;  // W: mean time in system of the accepted jobs that left
  double lambda_w = 0;        // λ·W
  /// (L − λW) / λW; 0 when λW is 0. Over a window that starts and ends with an
  /// empty system the two sides are equal by construction (that is the law);
  /// live, the gap is the time of jobs still inside.
  double relative_gap = 0;
  std::int64_t in_system_now = 0;
};

class Occupancy final : public EventSink {
 public:
  /// `servers`: the pool's worker count c, for P(arrival finds ≥ c); 0 = unknown.
  explicit Occupancy(int servers = 0) : servers_(servers) {}

  void on_events(std::span<const Event> batch) override;

  /// The Little's-law figures over [0, now] (now ≥ the last event's time).
  LittleLaw little(Nanos now) const;
  /// Time-mean of max(N − c, 0) over [0, now]: the queue of an ideal c-server FIFO.
  double mean_queue_beyond_servers(Nanos now) const;

  /// Fraction of accepted arrivals that found at least c jobs in the system
  /// (by PASTA, what Erlang C calls the probability of waiting). NaN when c is 0.
  double p_arrival_finds_all_busy() const;
  /// Waits (submit → first start) in start order, in seconds, for the mean's noise.
  const WaitBatchMeans& waits() const { return waits_; }

  std::uint64_t accepted() const { return accepted_; }
  std::uint64_t refused() const { return refused_; }
  std::int64_t in_system() const { return in_system_; }
  Nanos last_event() const { return last_t_; }

 private:
  void integrate_to(Nanos t);

  int servers_;
  struct JobRecord {
    Nanos submitted = 0;
    bool started = false;
    bool found_busy = false;  // N ≥ c when it arrived
  };

  std::unordered_map<std::uint64_t, JobRecord> jobs_;  // the jobs in the system
  std::int64_t in_system_ = 0;
  Nanos last_t_ = 0;
  double area_ = 0;         // ∫ N dt, in job·ns
  double queue_area_ = 0;   // ∫ max(N − c, 0) dt
  std::uint64_t accepted_ = 0, refused_ = 0, left_ = 0;
  std::uint64_t found_busy_ = 0;
  double sojourn_sum_s_ = 0;
  WaitBatchMeans waits_;
};

}  // namespace poolviz
