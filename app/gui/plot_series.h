// app/gui/plot_series.h — bounded time series for the live plots, copied
// from the Timeline's samples (which hold the one definition of each figure).
//
// [SECTION] TimeSeries     — a fixed ring of (scenario time, value)
// [SECTION] PlotSeriesSet  — every series the plots draw, on one time axis
//
// Plain C++ (no ImGui), single-threaded: the GUI thread owns it. Memory is
// fixed at construction: a long run overwrites its oldest points.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "poolviz/timeline.h"
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

// [SECTION] PlotSeriesSet -------------------------------------------------------------

/// The live series: one point per Timeline sample (every sample period of
/// scenario time). Windowed figures are the Timeline's: percentiles over the
/// last TimelineOptions::window, rates over TimelineOptions::rate_window.
struct PlotSeriesSet {
  explicit PlotSeriesSet(std::size_t capacity = 4096);

  TimeSeries queue_depth, in_service;                // jobs (in service = running + at the gate)
  TimeSeries running, at_gate;                       // jobs
  TimeSeries wait_p50, wait_p95, wait_p99;           // ms, jobs started in the window
  TimeSeries sojourn_p99;                            // ms, jobs ended in the window
  TimeSeries throughput, arrivals, rejections;       // jobs/s over the rate window
  TimeSeries utilisation;                            // % of worker time busy, over the rate window
  TimeSeries threads, workers;                       // count
  TimeSeries tokens;                                 // limiter level (tokens, free permits)
  TimeSeries permits_in_use;                         // a semaphore's capacity - free permits

  /// Appends every sample of `timeline` newer than the newest point.
  void sample(const Timeline& timeline);
  void clear();
  /// Scenario seconds of the newest point (0 when none).
  double newest_time() const;
  /// The windows the figures cover, in seconds (for the labels).
  double window_s = 5, rate_window_s = 1;
  /// The gauges now (the Timeline's, as the counters row and the canvas show
  /// them), drawn as each gauge line's last point and read in its legend, so
  /// the plot never lags the figures beside it by a sample period.
  struct Now {
    double t = -1;  // scenario seconds; < 0 = nothing yet
    double queue_depth = 0, in_service = 0, running = 0, at_gate = 0, threads = 0, workers = 0, tokens = -1,
           permits_in_use = -1;
  } now;
  /// The gauges of `timeline` at its now(): what the counters row shows.
  static Now now_of(const Timeline& timeline);
};

}  // namespace poolviz::gui
