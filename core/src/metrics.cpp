#include "poolviz/metrics.h"

#include <algorithm>
#include <bit>
#include <cmath>

#include "poolviz/job.h"

namespace poolviz {

// [SECTION] Histogram -----------------------------------------------------------

namespace {
constexpr int kExactBelowBits = 6;  // values < 64 are exact
constexpr int kSubBuckets = 1 << Histogram::kSubBucketBits;
}  // namespace

int Histogram::bucket_of(std::int64_t value) {
  if (value < (1 << kExactBelowBits)) return static_cast<int>(std::max<std::int64_t>(value, 0));
  const auto v = static_cast<std::uint64_t>(value);
  const int e = 63 - std::countl_zero(v);  // 2^e <= v < 2^(e+1), e >= 6
  const int shift = e - kSubBucketBits;
  const int mantissa = static_cast<int>(v >> shift) - kSubBuckets;  // 0..31
  return (1 << kExactBelowBits) + (e - kExactBelowBits) * kSubBuckets + mantissa;
}

std::int64_t Histogram::bucket_low(int bucket) {
  if (bucket < (1 << kExactBelowBits)) return bucket;
  const int rest = bucket - (1 << kExactBelowBits);
  const int e = rest / kSubBuckets + kExactBelowBits;
  const int mantissa = rest % kSubBuckets + kSubBuckets;
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(mantissa) << (e - kSubBucketBits));
}

std::int64_t Histogram::bucket_high(int bucket) {
  if (bucket < (1 << kExactBelowBits)) return bucket;
  const int rest = bucket - (1 << kExactBelowBits);
  const int e = rest / kSubBuckets + kExactBelowBits;
  const std::uint64_t width = 1ULL << (e - kSubBucketBits);
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(bucket_low(bucket)) + width - 1);
}

void Histogram::record(std::int64_t value) {
  value = std::max<std::int64_t>(value, 0);
  ++buckets_[static_cast<std::size_t>(bucket_of(value))];
  if (count_ == 0) {
    min_ = max_ = value;
  } else {
    min_ = std::min(min_, value);
    max_ = std::max(max_, value);
  }
  ++count_;
  sum_ += static_cast<double>(value);
}

void Histogram::merge(const Histogram& other) {
  if (other.count_ == 0) return;
  for (std::size_t i = 0; i < buckets_.size(); ++i) buckets_[i] += other.buckets_[i];
  if (count_ == 0) {
    min_ = other.min_;
    max_ = other.max_;
  } else {
    min_ = std::min(min_, other.min_);
    max_ = std::max(max_, other.max_);
  }
  count_ += other.count_;
  sum_ += other.sum_;
}

void Histogram::reset() { *this = Histogram{}; }

std::int64_t Histogram::percentile(double p) const {
  if (count_ == 0) return 0;
  p = std::clamp(p, 0.0, 100.0);
  // Nearest rank: the smallest value with at least p % of the values at or below it.
  auto rank = static_cast<std::uint64_t>(std::ceil(p / 100.0 * static_cast<double>(count_)));
  rank = std::clamp<std::uint64_t>(rank, 1, count_);
  std::uint64_t seen = 0;
  for (int b = 0; b < kBucketCount; ++b) {
    seen += buckets_[static_cast<std::size_t>(b)];
    if (seen >= rank) {
      const std::int64_t low = bucket_low(b);
      const std::int64_t mid = low + (bucket_high(b) - low) / 2;
      return std::clamp(mid, min_, max_);
    }
  }
  return max_;
}

LatencySummary summarize_ms(const Histogram& h) {
  LatencySummary s;
  s.mean_ms = h.mean() / 1e6;
  s.p50_ms = to_ms(h.percentile(50));
  s.p95_ms = to_ms(h.percentile(95));
  s.p99_ms = to_ms(h.percentile(99));
  s.max_ms = to_ms(h.max());
  return s;
}

// [SECTION] SampleRing ----------------------------------------------------------

void SampleRing::push(const Sample& sample) {
  if (size_ < slots_.size()) {
    slots_[(head_ + size_) % slots_.size()] = sample;
    ++size_;
  } else {
    slots_[head_] = sample;
    head_ = (head_ + 1) % slots_.size();
  }
}

// [SECTION] Metrics -------------------------------------------------------------

Metrics::Metrics(MetricsOptions options)
    : options_(options),
      next_sample_(options.sample_period > 0 ? options.sample_period : 100 * kMillisecond),
      series_(options.series_capacity) {
  if (options_.sample_period <= 0) options_.sample_period = 100 * kMillisecond;
}

void Metrics::on_events(std::span<const Event> batch) {
  for (const Event& e : batch) {
    const int stage = static_cast<int>(e.source) - static_cast<int>(options_.source);
    if (options_.filter_source && (stage < 0 || stage >= std::max(options_.stages, 1))) continue;
    apply(e);
  }
}

void Metrics::set_gauges(std::int64_t threads, std::int64_t workers, double tokens) {
  threads_ = threads;
  threads_max_ = std::max(threads_max_, threads);
  workers_ = workers;
  if (workers > 0) {
    workers_min_ = workers_min_seen_ ? std::min(workers_min_, workers) : workers;
    workers_min_seen_ = true;
    workers_max_ = std::max(workers_max_, workers);
  }
  tokens_ = tokens;
}

void Metrics::advance_to(Nanos now) {
  while (now >= next_sample_) {
    integrate_to(next_sample_);
    emit_sample(next_sample_);
    next_sample_ += options_.sample_period;
  }
  integrate_to(now);
}

void Metrics::integrate_to(Nanos t) {
  if (t <= integrated_to_) return;  // stragglers stamped slightly earlier add nothing
  const auto dt = static_cast<double>(t - integrated_to_);
  const auto running = static_cast<double>(busy_);
  const auto workers = static_cast<double>(std::max<std::int64_t>(workers_, 0));
  depth_area_ += static_cast<double>(queue_depth_) * dt;
  // A worker is busy while it runs a job; more running jobs than workers (the
  // caller-runs thread) count as full utilisation, not more.
  busy_area_ += std::min(running, workers) * dt;
  worker_area_ += workers * dt;
  period_busy_area_ += std::min(running, workers) * dt;
  period_worker_area_ += workers * dt;
  integrated_to_ = t;
}

double Metrics::queue_depth_mean() const {
  if (last_end_ > 0) return depth_area_at_end_ / static_cast<double>(last_end_);
  return integrated_to_ > 0 ? depth_area_ / static_cast<double>(integrated_to_) : 0.0;
}

double Metrics::utilization() const {
  if (last_end_ > 0) return worker_area_at_end_ > 0 ? busy_area_at_end_ / worker_area_at_end_ : 0.0;
  return worker_area_ > 0 ? busy_area_ / worker_area_ : 0.0;
}

void Metrics::emit_sample(Nanos t_end) {
  // Throughput: completions over the last second's worth of periods.
  completions_per_period_[period_index_ % completions_per_period_.size()] = completed_this_period_;
  ++period_index_;
  completed_this_period_ = 0;
  const auto per_second =
      static_cast<std::uint64_t>(std::max<Nanos>(kSecond / options_.sample_period, 1));
  const std::uint64_t k = std::min<std::uint64_t>(
      {per_second, period_index_, static_cast<std::uint64_t>(completions_per_period_.size())});
  std::uint64_t recent = 0;
  for (std::uint64_t i = 0; i < k; ++i) {
    recent += completions_per_period_[(period_index_ - 1 - i) % completions_per_period_.size()];
  }

  Sample s;
  s.t_s = to_seconds(t_end);
  s.submitted = counters_.submitted;
  s.completed = counters_.completed;
  s.rejected = counters_.rejected;
  s.failed = counters_.failed;
  s.cancelled = counters_.cancelled;
  s.timed_out = counters_.timed_out;
  s.queue_depth = queue_depth_;
  s.in_service = in_service_;
  s.workers = workers_;
  s.threads = threads_;
  s.throughput_per_s =
      static_cast<double>(recent) / (to_seconds(options_.sample_period) * static_cast<double>(k));
  // Latency percentiles over the current and the previous 1 s window.
  Histogram wait = wait_window_[0];
  wait.merge(wait_window_[1]);
  Histogram sojourn = sojourn_window_[0];
  sojourn.merge(sojourn_window_[1]);
  s.wait_p50_ms = to_ms(wait.percentile(50));
  s.wait_p99_ms = to_ms(wait.percentile(99));
  s.sojourn_p99_ms = to_ms(sojourn.percentile(99));
  s.utilization = period_worker_area_ > 0 ? period_busy_area_ / period_worker_area_ : 0.0;
  s.tokens = tokens_;
  period_busy_area_ = period_worker_area_ = 0;

  if (t_end - window_start_ >= kSecond) {
    window_ ^= 1;
    wait_window_[window_].reset();
    sojourn_window_[window_].reset();
    window_start_ = t_end;
  }

  series_.push(s);
  if (options_.keep_all_samples) all_samples_.push_back(s);
}

int Metrics::stage_of(const Event& e) const {
  return std::max(0, static_cast<int>(e.source) - static_cast<int>(options_.source));
}

void Metrics::leave_state(JobRecord& job) {
  switch (job.state) {
    case JobState::queued: --queue_depth_; break;
    case JobState::holding: --in_service_; break;
    case JobState::running:
      --in_service_;
      --busy_;
      break;
    case JobState::retry_wait:
    case JobState::other: break;
  }
  job.state = JobState::other;
}

std::uint64_t Metrics::record_key(const Event& e) const {
  // A pipeline hands an item (one job id) to the next stage from inside the
  // previous stage's job, so the stages' events interleave: one record per stage.
  if (options_.stages <= 1) return e.job;
  return e.job | (static_cast<std::uint64_t>(stage_of(e)) << 56);
}

void Metrics::apply(const Event& e) {
  advance_to(std::max<Nanos>(e.t, 0));
  const std::uint64_t key = record_key(e);
  switch (e.kind) {
    case EventKind::submitted: {
      JobRecord& job = jobs_[key];
      job.submitted = e.t;
      if (const int stage = stage_of(e); stage > 0 && options_.stages > 1) {
        // An item moving on inside a pipeline: it keeps its first submit time
        // and its wait was counted at stage 0.
        const std::uint64_t previous = key - (1ULL << 56);
        if (auto it = jobs_.find(previous); it != jobs_.end()) job.submitted = it->second.submitted;
        job.started_once = true;
        break;
      }
      ++counters_.submitted;
      break;
    }
    case EventKind::rejected: {
      ++counters_.rejected;
      if (auto it = jobs_.find(key); it != jobs_.end()) {
        leave_state(it->second);
        jobs_.erase(it);
      }
      break;
    }
    case EventKind::enqueued: {
      JobRecord& job = jobs_[key];
      leave_state(job);
      job.state = JobState::queued;
      ++queue_depth_;
      queue_depth_max_ = std::max(queue_depth_max_, queue_depth_);
      break;
    }
    case EventKind::gate_waiting: {
      JobRecord& job = jobs_[key];
      leave_state(job);
      job.state = JobState::holding;
      ++in_service_;
      break;
    }
    case EventKind::started: {
      ++counters_.started;
      JobRecord& job = jobs_[key];
      leave_state(job);
      job.state = JobState::running;
      ++in_service_;
      ++busy_;
      if (!job.started_once) {
        job.started_once = true;
        wait_.record(e.t - job.submitted);
        wait_window_[window_].record(e.t - job.submitted);
      }
      job.last_start = e.t;
      break;
    }
    case EventKind::retried: {
      ++counters_.retried;
      if (auto it = jobs_.find(key); it != jobs_.end()) {
        leave_state(it->second);
        it->second.state = JobState::retry_wait;
      }
      break;
    }
    case EventKind::finished: {
      if (static_cast<Outcome>(e.code) == Outcome::completed && stage_of(e) < options_.stages - 1) {
        // Done with one pipeline stage, not with the pipeline.
        if (auto it = jobs_.find(key); it != jobs_.end()) {
          const bool ran = it->second.state == JobState::running;
          leave_state(it->second);
          if (ran && it->second.last_start >= 0) service_.record(e.t - it->second.last_start);
          jobs_.erase(it);
        }
        break;
      }
      switch (static_cast<Outcome>(e.code)) {
        case Outcome::completed:
          ++counters_.completed;
          ++completed_this_period_;
          break;
        case Outcome::failed: ++counters_.failed; break;
        case Outcome::timed_out: ++counters_.timed_out; break;
        case Outcome::cancelled: ++counters_.cancelled; break;
      }
      if (e.t >= last_end_ && e.t <= integrated_to_) {
        last_end_ = e.t;
        depth_area_at_end_ = depth_area_;
        busy_area_at_end_ = busy_area_;
        worker_area_at_end_ = worker_area_;
      }
      if (auto it = jobs_.find(key); it != jobs_.end()) {
        JobRecord& job = it->second;
        const bool ran = job.state == JobState::running;
        leave_state(job);
        if (ran && job.last_start >= 0) service_.record(e.t - job.last_start);
        if (job.started_once) {
          sojourn_.record(e.t - job.submitted);
          sojourn_window_[window_].record(e.t - job.submitted);
        }
        jobs_.erase(it);
      }
      break;
    }
    case EventKind::stolen: ++counters_.steals; break;
    case EventKind::worker_spawned:
    case EventKind::worker_retired:
      if (options_.stages > 1) break;  // x counts one stage's workers; gauges count all
      workers_ = e.x;
      // Every worker is a thread, so a spawn burst between two polls still
      // shows in the peak (thread per task). Start-up and shutdown ramps are
      // not pool sizes anyone chose: min/max come from resizes and the gauges.
      threads_max_ = std::max(threads_max_, workers_);
      if (const auto why = static_cast<WorkerReason>(e.code);
          why != WorkerReason::shutdown && why != WorkerReason::start && workers_ > 0) {
        workers_min_ = workers_min_seen_ ? std::min(workers_min_, workers_) : workers_;
        workers_min_seen_ = true;
        workers_max_ = std::max(workers_max_, workers_);
      }
      break;
    case EventKind::token_taken:
    case EventKind::token_refilled: tokens_ = e.value; break;
    case EventKind::progress:
    case EventKind::worker_parked:
    case EventKind::worker_woken:
    case EventKind::pool_resized:
    case EventKind::blocked:
    case EventKind::unblocked: break;
  }
}

}  // namespace poolviz
