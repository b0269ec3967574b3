// app/gui/plot_series.h — bounded time series for the live plots, and the
// sampler that fills them from the view model once per frame.
//
// [SECTION] TimeSeries     — a fixed ring of (scenario time, value)
// [SECTION] WindowQuantile — p50/p95/p99 of the samples in a sliding window
// [SECTION] PlotSeriesSet  — every series the plots draw, on one time axis
//
// Plain C++ (no ImGui), single-threaded: the GUI thread owns it. Memory is
// fixed at construction: a long run overwrites its oldest points.
#pragma once

#include <cstddef>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "gui/flow_model.h"
#include "poolviz/clock.h"

namespace poolviz::gui {

// [SECTION] TimeSeries ------------------------------------------------------------

class TimeSeries {
 public:
  struct Point {
    double t = 0;  // scenario seconds
    double v = 0;
  };

  explicit TimeSeries(std::size_t capacity = 4096);

  /// Appends a point; time must not go backwards (a point older than the
  /// newest is ignored). Overwrites the oldest point when full.
  void push(double t, double v);
  void clear();

  std::size_t size() const { return size_; }
  std::size_t capacity() const { return points_.size(); }
  bool empty() const { return size_ == 0; }
  /// i-th oldest point, 0 <= i < size().
  const Point& at(std::size_t i) const;
  const Point& newest() const { return at(size_ - 1); }

  /// The value in force at time t (the last point at or before t), if any.
  std::optional<double> value_at(double t) const;
  /// Index of the first point with time >= t (size() when none).
  std::size_t lower_bound(double t) const;
  /// Min and max of the values with time in [t0, t1]; false when none.
  bool range(double t0, double t1, double& lo, double& hi) const;

 private:
  std::vector<Point> points_;
  std::size_t head_ = 0;  // index of the oldest point
  std::size_t size_ = 0;
};

// [SECTION] WindowQuantile ----------------------------------------------------------

/// Quantiles of the samples whose time lies in the last `window` seconds.
/// Holds at most `max_samples` (oldest dropped first).
class WindowQuantile {
 public:
  WindowQuantile(double window_seconds, std::size_t max_samples = 8192);
  void add(double t, double value);
  /// Drops samples older than now - window.
  void expire(double now);
  /// q in [0, 1]; nullopt when the window is empty.
  std::optional<double> quantile(double q) const;
  std::size_t size() const { return samples_.size(); }

 private:
  double window_;
  std::size_t max_;
  std::deque<std::pair<double, double>> samples_;
  mutable std::vector<double> scratch_;
};

// [SECTION] PlotSeriesSet -------------------------------------------------------------

/// Figures the event stream does not carry exactly (the Run's gauges).
struct PlotGauges {
  double threads = -1;  // OS threads the executor owns; < 0 = use the model's count
  double tokens = -1;   // limiter level; < 0 = none (or use the model's gate)
};

/// The live series, sampled every `period` of scenario time from the model.
struct PlotSeriesSet {
  explicit PlotSeriesSet(std::size_t capacity = 4096, double period_seconds = 0.1);

  TimeSeries queue_depth, in_service;                // jobs
  TimeSeries wait_p50, wait_p95, wait_p99;           // ms, jobs started in the last 2 s
  TimeSeries sojourn_p99;                            // ms, jobs ended in the last 2 s
  TimeSeries throughput, arrivals, rejections;       // jobs/s over the last 1 s
  TimeSeries utilisation;                            // % of alive workers busy
  TimeSeries threads, workers;                       // count
  TimeSeries tokens;                                 // limiter level

  /// Takes the model's new wait/sojourn samples and, every period of scenario
  /// time up to `now`, appends one point to each series.
  void sample(FlowModel& model, double now_seconds, PlotGauges gauges = {});
  void clear();
  double period() const { return period_; }
  /// Scenario seconds of the newest point (0 when none).
  double newest_time() const;

 private:
  double period_;
  double next_t_ = 0;
  WindowQuantile waits_{2.0};
  WindowQuantile sojourns_{2.0};
  struct RateWindow {
    std::deque<std::pair<double, std::uint64_t>> marks;  // (t, counter)
    double rate(double now, std::uint64_t counter, double window);
  } done_rate_, submit_rate_, reject_rate_;
};

}  // namespace poolviz::gui
