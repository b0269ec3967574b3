// app/gui/web_page.h — the browser build's page around the window: the
// canvas sized to the page, and the hooks app/web/shell.html wraps as
// window.poolviz (what the user's buttons and scripts/web-check call).
//
// Browser build only (__EMSCRIPTEN__); main thread only, like the frame loop.
#pragma once

#if defined(__EMSCRIPTEN__)

#include <cstdint>
#include <string>

namespace poolviz::gui {

class Session;
class CompareView;

/// What the page's status hook reports of the window (read, never kept).
struct PageFigures {
  const Session* session = nullptr;
  const CompareView* compare = nullptr;  // null when compare mode is off
  std::uint64_t frames = 0;
  double frame_ms = 0;  // the main thread's mean time per frame, recent frames
  std::string gl_errors;
};

/// The one window of the page, as the hooks reach it (gui::run sets it).
class PageWindow {
 public:
  virtual ~PageWindow() = default;
  virtual PageFigures figures() const = 0;
  virtual void set_paused(bool paused) = 0;
  virtual void request_screenshot() = 0;
  /// A scenario file the page wrote into its file system (the user's pick).
  virtual void open_file(const std::string& path) = 0;
  /// The Reset button.
  virtual void restart() = 0;
  /// The scenario picker: a built-in scenario by id.
  virtual void load(const std::string& id) = 0;
  /// The Compare checkbox.
  virtual void set_compare(bool on) = 0;
};
void set_page_window(PageWindow* window);

/// The canvas at the page's size: CSS pixels = the browser window's, drawing
/// buffer = CSS × devicePixelRatio, so nothing is stretched or blurred. Call
/// before each frame; returns devicePixelRatio (the UI's scale).
float fit_canvas_to_page();

}  // namespace poolviz::gui

#endif
