#include "gui/plot_series.h"

#include <algorithm>
#include <cassert>
#include <cmath>

namespace poolviz::gui {

// TimeSeries ---------------------------------------------------------------------

TimeSeries::TimeSeries(std::size_t capacity) : points_(std::max<std::size_t>(capacity, 1)) {}

void TimeSeries::push(double t, double v) {
  if (size_ > 0 && t < newest().t) return;
  if (size_ < points_.size()) {
    points_[(head_ + size_) % points_.size()] = {t, v};
    ++size_;
  } else {
    points_[head_] = {t, v};
    head_ = (head_ + 1) % points_.size();
  }
}

void TimeSeries::clear() { head_ = size_ = 0; }

const TimeSeries::Point& TimeSeries::at(std::size_t i) const {
  assert(i < size_);
  return points_[(head_ + i) % points_.size()];
}

std::size_t TimeSeries::lower_bound(double t) const {
  std::size_t lo = 0, hi = size_;
  while (lo < hi) {
    const std::size_t mid = (lo + hi) / 2;
    if (at(mid).t < t) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}

std::optional<double> TimeSeries::value_at(double t) const {
  if (size_ == 0 || t < at(0).t) return std::nullopt;
  std::size_t i = lower_bound(t);
  if (i < size_ && at(i).t == t) return at(i).v;
  return at(i - 1).v;
}

bool TimeSeries::range(double t0, double t1, double& lo, double& hi) const {
  bool any = false;
  for (std::size_t i = lower_bound(t0); i < size_ && at(i).t <= t1; ++i) {
    const double v = at(i).v;
    if (!any) {
      lo = hi = v;
      any = true;
    } else {
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
  }
  return any;
}

// PlotSeriesSet ---------------------------------------------------------------------

PlotSeriesSet::PlotSeriesSet(std::size_t capacity)
    : queue_depth(capacity), in_service(capacity), running(capacity), at_gate(capacity), wait_p50(capacity), wait_p95(capacity),
      wait_p99(capacity), sojourn_p99(capacity), throughput(capacity), arrivals(capacity),
      rejections(capacity), utilisation(capacity), threads(capacity), workers(capacity),
      tokens(capacity), permits_in_use(capacity) {}

void PlotSeriesSet::clear() {
  now = {};
  for (TimeSeries* s : {&queue_depth, &in_service, &running, &at_gate, &wait_p50, &wait_p95, &wait_p99, &sojourn_p99,
                        &throughput, &arrivals, &rejections, &utilisation, &threads, &workers,
                        &tokens, &permits_in_use}) {
    s->clear();
  }
}

double PlotSeriesSet::newest_time() const {
  return queue_depth.empty() ? 0 : queue_depth.newest().t;
}

void PlotSeriesSet::sample(const Timeline& timeline) {
  window_s = to_seconds(timeline.options().window);
  rate_window_s = to_seconds(timeline.options().rate_window);
  const SampleRing& ring = timeline.series();
  const double capacity = timeline.tokens().capacity;
  const double newest = queue_depth.empty() ? -1 : newest_time();
  // Newest first back to what is already here, then appended oldest first.
  std::size_t first = ring.size();
  while (first > 0 && ring[first - 1].t_s > newest) --first;
  for (std::size_t i = first; i < ring.size(); ++i) {
    const Sample& s = ring[i];
    const double t = s.t_s;
    queue_depth.push(t, static_cast<double>(s.queue_depth));
    in_service.push(t, static_cast<double>(s.in_service));
    running.push(t, static_cast<double>(s.running));
    at_gate.push(t, static_cast<double>(s.in_service - s.running));
    // An empty window (-1) is a gap, not a zero.
    if (s.wait_p50_ms >= 0) wait_p50.push(t, s.wait_p50_ms);
    if (s.wait_p95_ms >= 0) wait_p95.push(t, s.wait_p95_ms);
    if (s.wait_p99_ms >= 0) wait_p99.push(t, s.wait_p99_ms);
    if (s.sojourn_p99_ms >= 0) sojourn_p99.push(t, s.sojourn_p99_ms);
    throughput.push(t, s.throughput_per_s);
    arrivals.push(t, s.arrivals_per_s);
    rejections.push(t, s.rejections_per_s);
    if (s.workers > 0) utilisation.push(t, 100.0 * s.utilization_recent);  // over the rate window, as the rates
    threads.push(t, static_cast<double>(s.threads));
    workers.push(t, static_cast<double>(s.workers));
    if (s.tokens >= 0) tokens.push(t, s.tokens);
    if (s.tokens >= 0 && capacity > 0) permits_in_use.push(t, std::max(capacity - s.tokens, 0.0));
  }
  now = now_of(timeline);
}

PlotSeriesSet::Now PlotSeriesSet::now_of(const Timeline& timeline) {
  const TimelineCounts& c = timeline.counts();
  Now n;
  n.t = to_seconds(timeline.now());
  n.queue_depth = static_cast<double>(c.in_queue);
  n.in_service = static_cast<double>(c.in_service());
  n.running = static_cast<double>(c.running);
  n.at_gate = static_cast<double>(c.at_gate);
  n.threads = static_cast<double>(c.threads_alive());
  n.workers = static_cast<double>(c.workers_alive);
  n.tokens = timeline.tokens().seen ? timeline.tokens().level : -1;
  const double capacity = timeline.tokens().capacity;
  n.permits_in_use = n.tokens >= 0 && capacity > 0 ? std::max(capacity - n.tokens, 0.0) : -1;
  return n;
}

}  // namespace poolviz::gui
