#include "poolviz/timeline.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "poolviz/job.h"

namespace poolviz {

// [SECTION] Timeline --------------------------------------------------------------

namespace {

std::size_t periods_in(Nanos span, Nanos period) {
  return static_cast<std::size_t>(std::max<Nanos>(1, (span + period - 1) / period));
}

JobPhase phase_of(Outcome outcome) {
  switch (outcome) {
    case Outcome::completed: return JobPhase::completed;
    case Outcome::failed: return JobPhase::failed;
    case Outcome::timed_out: return JobPhase::timed_out;
    case Outcome::cancelled: return JobPhase::cancelled;
  }
  return JobPhase::failed;
}

/// A window's percentile: its running sum's bucket, clamped to the exact range
/// of the periods it holds (what merging the periods would give).
template <class Periods>
double window_percentile(const Histogram& window, const Periods& periods, double p) {
  if (window.count() == 0) return -1.0;
  std::int64_t lo = INT64_MAX, hi = INT64_MIN;
  for (const auto& period : periods) {
    if (period.count == 0) continue;
    lo = std::min(lo, period.min);
    hi = std::max(hi, period.max);
  }
  return to_ms(std::clamp(window.percentile(p), lo, hi));
}

}  // namespace

const char* to_string(JobPhase phase) {
  switch (phase) {
    case JobPhase::arriving: return "arriving";
    case JobPhase::queued: return "queued";
    case JobPhase::at_gate: return "at the gate";
    case JobPhase::running: return "running";
    case JobPhase::retry_wait: return "waiting to retry";
    case JobPhase::completed: return "completed";
    case JobPhase::failed: return "failed";
    case JobPhase::timed_out: return "timed out";
    case JobPhase::cancelled: return "cancelled";
    case JobPhase::rejected: return "rejected";
  }
  return "?";
}

Timeline::Timeline(TimelineOptions options) : options_(options), series_(options.series_capacity) {
  if (options_.sample_period <= 0) options_.sample_period = 100 * kMillisecond;
  options_.stages = std::max(options_.stages, 1);
  next_sample_ = options_.sample_period;
  stages_.resize(static_cast<std::size_t>(options_.stages));
  stage_service_.resize(static_cast<std::size_t>(options_.stages));
  wait_periods_.resize(periods_in(options_.window, options_.sample_period));
  sojourn_periods_.resize(wait_periods_.size());
  rate_periods_.resize(periods_in(options_.rate_window, options_.sample_period));
}

std::size_t Timeline::ceiling_bytes(const TimelineOptions& o) {
  const Nanos period = o.sample_period > 0 ? o.sample_period : 100 * kMillisecond;
  const std::size_t stages = static_cast<std::size_t>(std::max(o.stages, 1));
  // A window period holds at most one (bucket, count) entry per bucket: no more than a Histogram.
  const std::size_t histograms = 5 + stages + kPriorityLevels + 2 * periods_in(o.window, period);
  return sizeof(Timeline) + histograms * sizeof(Histogram) + o.recent_jobs * sizeof(JobLifecycle) +
         o.series_capacity * sizeof(Sample) + periods_in(o.rate_window, period) * sizeof(PeriodCounts) +
         stages * sizeof(StageCounts) + WaitBatchMeans::kMaxBatches * sizeof(double);
}

std::size_t Timeline::memory_bytes() const {
  std::size_t bytes = sizeof(Timeline);
  bytes += (5 + stage_service_.size() + priority_wait_.size()) * sizeof(Histogram);
  for (const auto* periods : {&wait_periods_, &sojourn_periods_}) {
    for (const PeriodValues& p : *periods) bytes += sizeof(PeriodValues) + p.buckets.capacity() * sizeof(p.buckets[0]);
  }
  bytes += recent_.capacity() * sizeof(JobLifecycle);
  bytes += series_.capacity() * sizeof(Sample) + all_samples_.capacity() * sizeof(Sample);
  bytes += rate_periods_.capacity() * sizeof(PeriodCounts) + stages_.capacity() * sizeof(StageCounts);
  bytes += WaitBatchMeans::kMaxBatches * sizeof(double);
  // The map: one node per job in the system plus the bucket array.
  bytes += live_.size() * live_job_bytes() + live_.bucket_count() * sizeof(void*);
  return bytes;
}

void Timeline::on_events(std::span<const Event> batch) {
  for (const Event& e : batch) {
    const int stage = static_cast<int>(e.source) - static_cast<int>(options_.source);
    if (options_.filter_source && (stage < 0 || stage >= options_.stages)) continue;
    apply(e);
  }
}

void Timeline::advance_to(Nanos now) {
  while (now >= next_sample_) {
    integrate_to(next_sample_);
    emit_sample(next_sample_);
    next_sample_ += options_.sample_period;
  }
  integrate_to(now);
}

void Timeline::integrate_to(Nanos t) {
  if (t <= integrated_to_) return;  // stragglers stamped slightly earlier add nothing
  const auto dt = static_cast<double>(t - integrated_to_);
  const auto workers = static_cast<double>(std::max<std::int64_t>(counts_.workers_alive, 0));
  // A worker is busy while it runs a job; more running jobs than workers (the
  // caller-runs thread) count as full utilisation, not more.
  const double busy = std::min(static_cast<double>(counts_.running), workers);
  depth_area_ += static_cast<double>(counts_.in_queue) * dt;
  busy_area_ += busy * dt;
  worker_area_ += workers * dt;
  period_busy_area_ += busy * dt;
  period_worker_area_ += workers * dt;
  system_area_ += static_cast<double>(counts_.in_system) * dt;
  if (options_.servers > 0 && counts_.in_system > options_.servers) {
    beyond_servers_area_ += static_cast<double>(counts_.in_system - options_.servers) * dt;
  }
  integrated_to_ = t;
}

double Timeline::queue_depth_mean() const {
  if (last_end_ > 0) return depth_area_at_end_ / static_cast<double>(last_end_);
  return integrated_to_ > 0 ? depth_area_ / static_cast<double>(integrated_to_) : 0.0;
}

double Timeline::utilization() const {
  if (last_end_ > 0) return worker_area_at_end_ > 0 ? busy_area_at_end_ / worker_area_at_end_ : 0.0;
  return worker_area_ > 0 ? busy_area_ / worker_area_ : 0.0;
}

void Timeline::emit_sample(Nanos t_end) {
  this_period_.busy_area = period_busy_area_;
  this_period_.worker_area = period_worker_area_;
  rate_periods_[period_index_ % rate_periods_.size()] = this_period_;
  ++period_index_;
  this_period_ = {};
  const std::uint64_t k = std::min<std::uint64_t>(period_index_, rate_periods_.size());
  PeriodCounts recent;
  for (std::uint64_t i = 0; i < k; ++i) {
    const PeriodCounts& p = rate_periods_[(period_index_ - 1 - i) % rate_periods_.size()];
    recent.done += p.done;
    recent.arrived += p.arrived;
    recent.rejected += p.rejected;
    recent.busy_area += p.busy_area;
    recent.worker_area += p.worker_area;
  }
  const double span_s = to_seconds(options_.sample_period) * static_cast<double>(k);

  Sample s;
  s.t_s = to_seconds(t_end);
  s.submitted = counts_.submitted;
  s.completed = counts_.completed;
  s.rejected = counts_.rejected;
  s.failed = counts_.failed;
  s.cancelled = counts_.cancelled;
  s.timed_out = counts_.timed_out;
  s.queue_depth = counts_.in_queue;
  s.in_service = counts_.in_service();
  s.running = counts_.running;
  s.in_system = counts_.in_system;
  s.workers = counts_.workers_alive;
  s.threads = counts_.threads_alive();
  s.throughput_per_s = static_cast<double>(recent.done) / span_s;
  s.arrivals_per_s = static_cast<double>(recent.arrived) / span_s;
  s.rejections_per_s = static_cast<double>(recent.rejected) / span_s;
  s.wait_p50_ms = window_percentile(wait_window_, wait_periods_, 50);
  s.wait_p95_ms = window_percentile(wait_window_, wait_periods_, 95);
  s.wait_p99_ms = window_percentile(wait_window_, wait_periods_, 99);
  s.sojourn_p99_ms = window_percentile(sojourn_window_, sojourn_periods_, 99);
  s.utilization = period_worker_area_ > 0 ? period_busy_area_ / period_worker_area_ : 0.0;
  s.utilization_recent = recent.worker_area > 0 ? recent.busy_area / recent.worker_area : 0.0;
  s.tokens = tokens_.seen ? tokens_.level : -1.0;
  period_busy_area_ = period_worker_area_ = 0;

  // The oldest period leaves the window; the next one starts empty.
  period_slot_ = (period_slot_ + 1) % wait_periods_.size();
  for (const auto& [bucket, n] : wait_periods_[period_slot_].buckets) wait_window_.remove_bucket(bucket, n);
  for (const auto& [bucket, n] : sojourn_periods_[period_slot_].buckets) sojourn_window_.remove_bucket(bucket, n);
  wait_periods_[period_slot_].clear();
  sojourn_periods_[period_slot_].clear();

  series_.push(s);
  if (options_.keep_all_samples) all_samples_.push_back(s);
}

void Timeline::PeriodValues::record(std::int64_t value) {
  value = std::max<std::int64_t>(value, 0);
  const auto bucket = static_cast<std::uint16_t>(Histogram::bucket_of(value));
  auto it = std::lower_bound(buckets.begin(), buckets.end(), bucket,
                             [](const auto& entry, std::uint16_t b) { return entry.first < b; });
  if (it == buckets.end() || it->first != bucket) it = buckets.insert(it, {bucket, 0});
  ++it->second;
  min = count == 0 ? value : std::min(min, value);
  max = count == 0 ? value : std::max(max, value);
  ++count;
}

void Timeline::PeriodValues::clear() {
  buckets.clear();  // keeps its capacity: at most one entry per bucket
  count = 0;
}

void Timeline::record_windowed(std::vector<PeriodValues>& periods, Histogram& window, Nanos value) {
  periods[period_slot_].record(value);
  window.record(value);
}

int Timeline::stage_of(const Event& e) const {
  return std::clamp(static_cast<int>(e.source) - static_cast<int>(options_.source), 0, options_.stages - 1);
}

std::uint64_t Timeline::key_of(std::uint64_t job, int stage) const {
  // A pipeline hands an item (one job id) to the next stage from inside the
  // previous stage's job, so the stages' events interleave: one record per stage.
  return options_.stages <= 1 ? job : job | (static_cast<std::uint64_t>(stage) << 56);
}

void Timeline::leave_phase(JobLifecycle& job) {
  StageCounts& stage = stages_[job.stage];
  switch (job.phase) {
    case JobPhase::queued:
      if (job.handed_off) {
        --counts_.handing_off;
      } else {
        --counts_.in_queue;
        --stage.in_queue;
      }
      job.handed_off = false;
      break;
    case JobPhase::at_gate:
      --counts_.at_gate;
      --stage.in_service;
      break;
    case JobPhase::running:
      --counts_.running;
      --stage.in_service;
      break;
    case JobPhase::retry_wait: --counts_.retry_waiting; break;
    case JobPhase::arriving:
    case JobPhase::completed:
    case JobPhase::failed:
    case JobPhase::timed_out:
    case JobPhase::cancelled:
    case JobPhase::rejected: break;
  }
  job.phase = JobPhase::arriving;
}

void Timeline::enter_phase(JobLifecycle& job, JobPhase phase, bool handed_off) {
  leave_phase(job);
  job.phase = phase;
  StageCounts& stage = stages_[job.stage];
  switch (phase) {
    case JobPhase::queued:
      // A job handed straight to an idle worker is on its way, not waiting in
      // the queue: in no queue figure (depth, mean, max, plots, counters).
      job.handed_off = handed_off;
      if (handed_off) {
        ++counts_.handing_off;
        break;
      }
      ++counts_.in_queue;
      ++stage.in_queue;
      queue_depth_max_ = std::max(queue_depth_max_, counts_.in_queue);
      break;
    case JobPhase::at_gate:
      ++counts_.at_gate;
      ++stage.in_service;
      break;
    case JobPhase::running:
      ++counts_.running;
      ++stage.in_service;
      break;
    case JobPhase::retry_wait: ++counts_.retry_waiting; break;
    case JobPhase::arriving:
    case JobPhase::completed:
    case JobPhase::failed:
    case JobPhase::timed_out:
    case JobPhase::cancelled:
    case JobPhase::rejected: break;
  }
}

void Timeline::remember(const JobLifecycle& job) {
  if (options_.recent_jobs == 0) return;
  if (recent_.size() < options_.recent_jobs) {
    recent_.push_back(job);
  } else {
    recent_[recent_next_] = job;
  }
  recent_next_ = (recent_next_ + 1) % options_.recent_jobs;
  ++recent_total_;
}

std::vector<JobLifecycle> Timeline::recent_jobs() const {
  std::vector<JobLifecycle> out;
  out.reserve(recent_.size());
  const std::size_t start = recent_.size() < options_.recent_jobs ? 0 : recent_next_;
  for (std::size_t i = 0; i < recent_.size(); ++i) out.push_back(recent_[(start + i) % recent_.size()]);
  return out;
}

const JobLifecycle* Timeline::job(std::uint64_t id, int stage) const {
  if (auto it = live_.find(key_of(id, stage)); it != live_.end()) return &it->second;
  for (std::size_t i = recent_.size(); i-- > 0;) {
    if (recent_[i].id == id && recent_[i].stage == stage) return &recent_[i];
  }
  return nullptr;
}

const Histogram* Timeline::wait_of_priority(int priority) const {
  for (const auto& [p, h] : priority_wait_) {
    if (p == priority) return &h;
  }
  return nullptr;
}

std::vector<int> Timeline::priorities() const {
  std::vector<int> out;
  for (const auto& entry : priority_wait_) out.push_back(entry.first);
  std::sort(out.begin(), out.end());
  return out;
}

void Timeline::end_job(std::unordered_map<std::uint64_t, JobLifecycle>::iterator it, const Event& e,
                       JobPhase phase) {
  JobLifecycle& job = it->second;
  leave_phase(job);
  job.phase = phase;
  job.ended = e.t;
  remember(job);
  live_.erase(it);
}

void Timeline::on_submitted(const Event& e) {
  const int stage = stage_of(e);
  JobLifecycle job;
  job.id = e.job;
  // Timed from the planned arrival: a producer that fell behind submitted late,
  // and that delay is waiting too (Job::arrival).
  job.submitted = planned_arrival(e);
  job.stage = static_cast<std::uint8_t>(stage);
  job.priority = static_cast<std::int16_t>(
      std::clamp<std::int64_t>(e.submitted.priority, INT16_MIN, INT16_MAX));
  if (stage > 0) {
    // An item moving on inside a pipeline: it keeps its first submit time, its
    // wait was counted at stage 0, and it is already in the system.
    if (auto it = live_.find(key_of(e.job, stage - 1)); it != live_.end()) job.submitted = it->second.submitted;
    job.first_start = job.submitted;
    live_[key_of(e.job, stage)] = job;
    return;
  }
  ++counts_.submitted;
  ++this_period_.arrived;
  const bool found_busy = options_.servers > 0 && counts_.in_system >= options_.servers;
  if (found_busy) ++found_busy_;
  job.found_busy = found_busy;
  ++accepted_;
  ++counts_.in_system;
  // It was in the system from when it was due: L counts what W counts (Little's law).
  system_area_ += static_cast<double>(e.t - job.submitted);
  live_[key_of(e.job, 0)] = job;
}

void Timeline::on_rejected(const Event& e) {
  ++counts_.rejected;
  ++this_period_.rejected;
  const int stage = stage_of(e);
  auto it = live_.find(key_of(e.job, stage));
  if (it == live_.end()) return;  // its submitted event was dropped
  JobLifecycle& job = it->second;
  const bool refused_at_door = stage == 0 && e.rejected.reason != RejectReason::dropped_oldest;
  if (refused_at_door) {
    // Never accepted: neither an arrival of the queue nor a departure.
    --accepted_;
    ++refused_;
    if (job.found_busy) --found_busy_;
  } else {
    ++left_;
    sojourn_sum_s_ += to_seconds(e.t - job.submitted);
  }
  --counts_.in_system;
  job.reject_reason = static_cast<std::uint8_t>(e.rejected.reason);
  end_job(it, e, JobPhase::rejected);
}

void Timeline::on_finished(const Event& e) {
  const int stage = stage_of(e);
  const Outcome outcome = e.finished.outcome;
  auto it = live_.find(key_of(e.job, stage));
  const auto record_service = [&](const JobLifecycle& job) {
    if (job.phase == JobPhase::running && job.last_start >= 0) {
      service_.record(e.t - job.last_start);
      stage_service_[job.stage].record(e.t - job.last_start);
    }
  };
  if (outcome == Outcome::completed && stage < options_.stages - 1) {
    // Done with one pipeline stage, not with the pipeline.
    if (it != live_.end()) {
      record_service(it->second);
      leave_phase(it->second);
      live_.erase(it);
    }
    return;
  }
  switch (outcome) {
    case Outcome::completed: ++counts_.completed; break;
    case Outcome::failed: ++counts_.failed; break;
    case Outcome::timed_out: ++counts_.timed_out; break;
    case Outcome::cancelled: ++counts_.cancelled; break;
  }
  ++this_period_.done;
  if (e.t >= last_end_ && e.t <= integrated_to_) {
    last_end_ = e.t;
    depth_area_at_end_ = depth_area_;
    busy_area_at_end_ = busy_area_;
    worker_area_at_end_ = worker_area_;
  }
  if (it == live_.end()) return;
  JobLifecycle& job = it->second;
  record_service(job);
  if (job.first_start >= 0) {
    sojourn_.record(e.t - job.submitted);
    record_windowed(sojourn_periods_, sojourn_window_, e.t - job.submitted);
  }
  ++left_;
  sojourn_sum_s_ += to_seconds(e.t - job.submitted);
  --counts_.in_system;
  end_job(it, e, phase_of(outcome));
}

void Timeline::on_workers(const Event& e) {
  // The stage's workers alive after the change; the pool is their sum.
  const payload::WorkerChange& change =
      e.kind == EventKind::worker_spawned ? e.worker_spawned : e.worker_retired;
  StageCounts& stage = stages_[static_cast<std::size_t>(stage_of(e))];
  const std::int64_t before = counts_.workers_alive;
  counts_.workers_alive += change.alive_after - stage.workers_alive;
  stage.workers_alive = change.alive_after;
  // Every worker is a thread, so a spawn burst shows in the peak (thread per
  // task). Start-up and shutdown ramps are not pool sizes anyone chose.
  counts_.threads_max = std::max(counts_.threads_max, counts_.workers_alive);
  const WorkerReason why = change.reason;
  if (why == WorkerReason::shutdown || counts_.workers_alive <= 0) return;
  // The start-up ramp reaches the chosen size (a maximum) from below.
  workers_max_ = std::max(workers_max_, counts_.workers_alive);
  if (why != WorkerReason::start) {
    // The first change after the start-up ramp: the size the ramp reached counts too.
    const std::int64_t low = workers_min_seen_ || before <= 0 ? counts_.workers_alive
                                                                : std::min(before, counts_.workers_alive);
    workers_min_ = workers_min_seen_ ? std::min(workers_min_, low) : low;
    workers_min_seen_ = true;
  }
}

void Timeline::apply(const Event& e) {
  advance_to(std::max<Nanos>(e.t, 0));
  last_event_ = std::max(last_event_, e.t);
  const int stage = stage_of(e);
  switch (e.kind) {
    case EventKind::submitted: on_submitted(e); break;
    case EventKind::rejected: on_rejected(e); break;
    case EventKind::enqueued:
    case EventKind::stolen: {
      if (e.kind == EventKind::stolen) ++counts_.steals;
      auto it = live_.find(key_of(e.job, stage));
      if (it == live_.end()) break;
      // Depth 0: the pool handed the job straight to an idle worker (fixed_pool.cpp).
      enter_phase(it->second, JobPhase::queued,
                  e.kind == EventKind::enqueued && e.enqueued.depth_after == 0);
      it->second.worker = e.worker;
      break;
    }
    case EventKind::gate_waiting: {
      auto it = live_.find(key_of(e.job, stage));
      if (it == live_.end()) break;
      enter_phase(it->second, JobPhase::at_gate);
      it->second.worker = e.worker;
      break;
    }
    case EventKind::started: {
      ++counts_.started;
      auto it = live_.find(key_of(e.job, stage));
      if (it == live_.end()) break;
      JobLifecycle& job = it->second;
      enter_phase(job, JobPhase::running);
      job.worker = e.worker;
      job.last_start = e.t;
      if (job.attempts < 255) ++job.attempts;
      if (job.first_start < 0) {
        job.first_start = e.t;
        const Nanos wait = e.t - job.submitted;
        wait_.record(wait);
        record_windowed(wait_periods_, wait_window_, wait);
        waits_.add(to_seconds(wait));
        auto p = std::find_if(priority_wait_.begin(), priority_wait_.end(),
                              [&](const auto& entry) { return entry.first == job.priority; });
        if (p == priority_wait_.end() && priority_wait_.size() < kPriorityLevels) {
          priority_wait_.emplace_back(job.priority, Histogram{});
          p = priority_wait_.end() - 1;
        }
        if (p != priority_wait_.end()) p->second.record(wait);
      }
      break;
    }
    case EventKind::retried: {
      ++counts_.retried;
      if (auto it = live_.find(key_of(e.job, stage)); it != live_.end()) enter_phase(it->second, JobPhase::retry_wait);
      break;
    }
    case EventKind::finished: on_finished(e); break;
    case EventKind::worker_spawned:
    case EventKind::worker_retired: on_workers(e); break;
    case EventKind::token_taken:
    case EventKind::token_refilled: {
      const payload::Tokens& level =
          e.kind == EventKind::token_taken ? e.token_taken : e.token_refilled;
      tokens_.seen = true;
      tokens_.level = level.tokens;
      tokens_.capacity = static_cast<double>(level.capacity);
      if (e.kind == EventKind::token_refilled) tokens_.last_refill = e.t;
      break;
    }
    case EventKind::blocked:
    case EventKind::unblocked: {
      // In a pipeline, a stage > 0's queue is filled by the previous stage's workers, not the producer.
      std::int64_t& blocked = stage_of(e) > 0 ? counts_.blocked_handoffs : counts_.blocked_producers;
      blocked = e.kind == EventKind::blocked ? blocked + 1 : std::max<std::int64_t>(0, blocked - 1);
      break;
    }
    case EventKind::progress:
    case EventKind::worker_parked:
    case EventKind::worker_woken:
    case EventKind::pool_resized: break;
  }
}

LittleLaw Timeline::little(Nanos now) const {
  LittleLaw l;
  const Nanos end = std::max(now, integrated_to_);
  l.window_s = to_seconds(end);
  l.in_system_now = counts_.in_system;
  if (end <= 0) return l;
  const double area = system_area_ + static_cast<double>(counts_.in_system) * static_cast<double>(end - integrated_to_);
  l.mean_in_system = area / static_cast<double>(end);
  l.arrival_rate = static_cast<double>(accepted_) / l.window_s;
  l.mean_sojourn_s = left_ ? sojourn_sum_s_ / static_cast<double>(left_) : 0.0;
  l.lambda_w = l.arrival_rate * l.mean_sojourn_s;
  l.relative_gap = l.lambda_w > 0 ? (l.mean_in_system - l.lambda_w) / l.lambda_w : 0.0;
  return l;
}

double Timeline::mean_queue_beyond_servers(Nanos now) const {
  const Nanos end = std::max(now, integrated_to_);
  if (end <= 0 || options_.servers <= 0) return 0;
  double area = beyond_servers_area_;
  if (counts_.in_system > options_.servers) {
    area += static_cast<double>(counts_.in_system - options_.servers) * static_cast<double>(end - integrated_to_);
  }
  return area / static_cast<double>(end);
}

double Timeline::p_arrival_finds_all_busy() const {
  if (options_.servers <= 0) return NAN;
  return accepted_ ? static_cast<double>(found_busy_) / static_cast<double>(accepted_) : 0.0;
}

}  // namespace poolviz
