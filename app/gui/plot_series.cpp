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

// WindowQuantile -------------------------------------------------------------------

WindowQuantile::WindowQuantile(double window_seconds, std::size_t max_samples)
    : window_(window_seconds), max_(std::max<std::size_t>(max_samples, 1)) {}

void WindowQuantile::add(double t, double value) {
  samples_.emplace_back(t, value);
  while (samples_.size() > max_) samples_.pop_front();
}

void WindowQuantile::expire(double now) {
  while (!samples_.empty() && samples_.front().first < now - window_) samples_.pop_front();
}

std::optional<double> WindowQuantile::quantile(double q) const {
  if (samples_.empty()) return std::nullopt;
  scratch_.clear();
  for (const auto& s : samples_) scratch_.push_back(s.second);
  // Nearest rank: the smallest value with at least q of the samples at or below it.
  const auto n = scratch_.size();
  std::size_t rank = static_cast<std::size_t>(std::ceil(std::clamp(q, 0.0, 1.0) * static_cast<double>(n)));
  rank = std::clamp<std::size_t>(rank, 1, n) - 1;
  std::nth_element(scratch_.begin(), scratch_.begin() + static_cast<std::ptrdiff_t>(rank), scratch_.end());
  return scratch_[rank];
}

// PlotSeriesSet ---------------------------------------------------------------------

PlotSeriesSet::PlotSeriesSet(std::size_t capacity, double period_seconds)
    : queue_depth(capacity), in_service(capacity), wait_p50(capacity), wait_p95(capacity),
      wait_p99(capacity), sojourn_p99(capacity), throughput(capacity), arrivals(capacity),
      rejections(capacity), utilisation(capacity), threads(capacity), workers(capacity),
      tokens(capacity), period_(period_seconds) {}

void PlotSeriesSet::clear() {
  for (TimeSeries* s : {&queue_depth, &in_service, &wait_p50, &wait_p95, &wait_p99, &sojourn_p99,
                        &throughput, &arrivals, &rejections, &utilisation, &threads, &workers,
                        &tokens}) {
    s->clear();
  }
  next_t_ = 0;
  waits_ = WindowQuantile(2.0);
  sojourns_ = WindowQuantile(2.0);
  done_rate_ = {};
  submit_rate_ = {};
  reject_rate_ = {};
}

double PlotSeriesSet::newest_time() const {
  return queue_depth.empty() ? 0 : queue_depth.newest().t;
}

double PlotSeriesSet::RateWindow::rate(double now, std::uint64_t counter, double window) {
  marks.emplace_back(now, counter);
  while (marks.size() > 2 && marks[1].first <= now - window) marks.pop_front();
  const auto& [t0, c0] = marks.front();
  const double span = now - t0;
  return span > 0 ? static_cast<double>(counter - c0) / span : 0.0;
}

void PlotSeriesSet::sample(FlowModel& model, double now, PlotGauges gauges) {
  for (const auto& s : model.take_waits()) waits_.add(to_seconds(s.t), to_ms(s.value));
  for (const auto& s : model.take_sojourns()) sojourns_.add(to_seconds(s.t), to_ms(s.value));
  if (now < next_t_) return;
  // One point per period; a long frame (or a jump) yields one point, not a burst.
  next_t_ = (std::floor(now / period_) + 1) * period_;
  waits_.expire(now);
  sojourns_.expire(now);

  const FlowCounts& c = model.counts();
  queue_depth.push(now, static_cast<double>(c.in_queue));
  in_service.push(now, static_cast<double>(c.running + c.at_gate));
  const auto put_q = [&](TimeSeries& s, const WindowQuantile& w, double q) {
    if (auto v = w.quantile(q)) s.push(now, *v);
  };
  put_q(wait_p50, waits_, 0.50);
  put_q(wait_p95, waits_, 0.95);
  put_q(wait_p99, waits_, 0.99);
  put_q(sojourn_p99, sojourns_, 0.99);
  const std::uint64_t ended = c.completed + c.failed + c.timed_out + c.cancelled;
  throughput.push(now, done_rate_.rate(now, ended, 1.0));
  arrivals.push(now, submit_rate_.rate(now, c.submitted, 1.0));
  rejections.push(now, reject_rate_.rate(now, c.rejected, 1.0));
  const double alive = static_cast<double>(c.workers_alive);
  if (!model.options().threads_mode && alive > 0) {
    utilisation.push(now, 100.0 * std::min(1.0, static_cast<double>(c.running) / alive));
  }
  threads.push(now, gauges.threads >= 0 ? gauges.threads : static_cast<double>(c.threads_alive));
  workers.push(now, alive);
  if (gauges.tokens >= 0) {
    tokens.push(now, gauges.tokens);
  } else if (model.gate().seen) {
    tokens.push(now, model.gate().level);
  }
}

}  // namespace poolviz::gui
