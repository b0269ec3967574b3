// app/gui/hockey_stick.h — the sweep view: wait against utilisation, measured
// dots beside the theory curve (the classic "hockey stick"), plus the small
// x/y plot widget it is drawn with (also used by the compare panel's overlays).
//
// [SECTION] XyPlot       — lines and dots on linear axes, with a legend
// [SECTION] SweepRunner  — runs poolviz::run_sweep on a background thread
// [SECTION] draw_hockey_stick
//
// Contract: GUI thread, inside an ImGui frame. SweepRunner's worker thread
// only runs the sweep; results cross to the GUI thread under one mutex.
#pragma once

#include <imgui.h>

#include <cstddef>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <cmath>
#include <vector>

#include "gui/theme.h"
#include "poolviz/compat_thread.h"
#include "poolviz/scenario.h"
#include "poolviz/sweep.h"

namespace poolviz::gui {

// [SECTION] XyPlot ---------------------------------------------------------------

struct XyPoint {
  double x = 0, y = 0;
};

struct XySeries {
  std::string label;
  ImU32 colour = 0;
  std::vector<XyPoint> points;  // drawn in order
  bool dots = false;            // true: markers, false: a polyline
  bool hollow = false;          // dots only: rings instead of discs
  std::vector<double> whiskers; // dots only: ± half-height per point (empty = none)
};

struct XyAxes {
  const char* title = "";
  const char* x_unit = "";
  const char* y_unit = "";
  double x_min = 0, x_max = 0;  // x_max 0 = fit the data
  double y_max = 0;             // 0 = fit the data (y starts at 0)
  double cursor_x = NAN;        // a vertical line there (the moment a scrubber shows); NaN = none
};

/// Draws one plot filling `size` at the cursor. Values outside the axes are clipped.
void draw_xy_plot(const XyAxes& axes, std::span<const XySeries> series, ImVec2 size, const Theme& theme);

// [SECTION] SweepRunner ------------------------------------------------------------

class SweepRunner {
 public:
  ~SweepRunner();  // stops the sweep (gui::retire joins it)
  /// Starts a sweep of `scenario` over `range` (stops a running one first).
  void start(const Scenario& scenario, const SweepRange& range, double speed);
  void stop();
  bool running() const;
  /// Steps finished so far (a copy), and how many the sweep has.
  std::vector<SweepPoint> points() const;
  std::size_t total_steps() const { return total_; }
  const Scenario& scenario() const { return scenario_; }
  const SweepRange& range() const { return range_; }
  std::string error() const;

 private:
  /// What the sweep's thread writes: shared with it, so a stopped sweep may
  /// finish after this runner moved on (in the browser it is joined elsewhere).
  struct Progress {
    mutable std::mutex mutex;  // guards the rest
    std::vector<SweepPoint> points;
    std::string error;
    bool done = false;
  };
  std::shared_ptr<Progress> progress_;  // null before the first start
  bool stopped_ = false;                 // stop() before the sweep was done
  std::size_t total_ = 0;
  Scenario scenario_;
  SweepRange range_;
  poolviz::jthread thread_;
};

// [SECTION] draw_hockey_stick ------------------------------------------------------

/// Mean wait (dots with their 95 % interval, p99 as hollow dots) against measured
/// utilisation, and the theory's mean wait as a curve over ρ in [0, 0.98].
void draw_hockey_stick(const SweepRunner& sweep, const Theme& theme, ImVec2 size);

}  // namespace poolviz::gui
