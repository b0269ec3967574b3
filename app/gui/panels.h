// app/gui/panels.h — the panels of the main window, one entry point each,
// one source file each:
//
//   transport.cpp      scenario picker, open file, play/pause/step/reset, speed, time, screenshot
//   flow_canvas.cpp    arrivals → queue → gate → worker lanes → outcome bins
//   explain_panel.cpp  summary, what to watch, live decision log
//   plots.cpp          live plots on one scrolling time axis (and the plot widget)
//   controls.cpp       live pool / limiter / workload edits
//   counters_row.cpp   submitted, completed, failed, ... events dropped
//   app_window.cpp     layout, keyboard, the frame loop, screenshot mode (gui::run)
//
// Contract: GUI thread, inside an ImGui frame.
#pragma once

#include <imgui.h>

#include <cmath>
#include <string>
#include <vector>

#include "gui/session.h"
#include "gui/theme.h"

namespace poolviz::gui {

/// The window's own settings and requests, shared by the panels.
struct UiState {
  bool dark = true;
  float user_scale = 1.0F;       // × the monitor's content scale
  bool theme_changed = true;     // apply theme/fonts before the next frame
  bool screenshot_requested = false;
  bool open_dialog = false;      // the "open scenario file" popup
  std::string open_path;
  std::vector<Scenario> library;  // built-in scenarios, for the picker
  /// The plots' shared hover cursor: the time under the mouse in any plot last
  /// frame (NaN = none), read by every plot this frame.
  double hover_t = NAN;
  double next_hover_t = NAN;
  double plot_window_s = 30;     // width of the scrolling time axis
  /// Where the canvas and the counters row were drawn last frame (x, y, w, h in
  /// pixels): `screenshot` prints them, so a test can compare those regions.
  float canvas_rect[4] = {0, 0, 0, 0};
  float counters_rect[4] = {0, 0, 0, 0};
};

/// Loads a scenario by id or path into the session; reports errors in its status line.
void open_scenario(Session& session, const std::string& path_or_id);

/// `comparing`: the Compare view is on, the single run waits paused; the bar
/// then does not show the single run's clock (the compare bar has the one clock).
void draw_transport(Session& session, UiState& ui, const Theme& theme, bool comparing = false);
/// The transport's keys (Space, '.', R, +/-, F12) and ←/→ on `scrub` (the session,
/// or every compare variant together).
void handle_keys(Session& session, UiState& ui, Scrubbable& scrub);
void draw_flow_canvas(Session& session, const Theme& theme, ImVec2 size, float real_dt);
void draw_explain_panel(Session& session, const Theme& theme, ImVec2 size);
void draw_plots(Session& session, UiState& ui, const Theme& theme, ImVec2 size);
/// The live plots' time axis, [t0, t1] in scenario seconds: it fits the run (a
/// 0.4 s run fills the plot), follows it as it grows up to `window_s` wide, and
/// while `shown` is scrubbed far back it moves to keep the moment shown in view.
/// The single run's plots and the compare view's overlays both use it.
struct PlotTimeAxis {
  double t0 = 0, t1 = 0;
};
PlotTimeAxis plot_time_axis(double now, const Scrubbable& shown, double window_s);
void draw_controls(Session& session, const Theme& theme, ImVec2 size);
void draw_counters_row(Session& session, const Theme& theme);
/// A number as a person would write it on an axis or in a legend: 2.5, 40,
/// 1200, never scientific notation. The counters row uses it too, so a figure
/// shown in both reads the same.
std::string format_number(double v);
/// Scenario time for the clocks: "t = 0.25 s" below 10 s (sub-second
/// scenarios need the hundredths), "t = 12.3 s" from there on.
std::string clock_text(double seconds);
/// The bar under the flow canvas: drag (or ←/→, Shift for 1 s) to any moment
/// of the recorded span; "Live" returns to now; says whether the engine runs.
/// In compare mode the same bar moves every variant together.
void draw_timeline_bar(Scrubbable& target, const Theme& theme, float width);
/// ←/→ (Shift: bigger steps) scrub, End goes live. Called by handle_keys.
void handle_scrub_keys(Scrubbable& target);

}  // namespace poolviz::gui
