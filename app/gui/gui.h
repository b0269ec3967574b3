// app/gui/gui.h — the window: what the CLI calls to open the GUI or to render
// a screenshot off a live run.
#pragma once

#include <atomic>
#include <mutex>
#include <string>

namespace poolviz {
class Run;
}

namespace poolviz::gui {

struct GuiOptions {
  std::string scenario;       // built-in id or a .toml path; empty = the default scenario
  double speed = 0;            // 0 = the scenario's [view] speed, else 1×
  int width = 1280;
  int height = 800;
  bool frame_stats = false;   // print mean / p99 CPU frame time at exit
  bool light = false;         // start with the light theme (the View menu toggles it)
  // Screenshot mode: run to scenario time `screenshot_at`, write the PNG, exit.
  double screenshot_at = -1;  // < 0 = interactive
  double scrub_to = -1;       // screenshot: then show this earlier moment (scrubbed back)
  /// Replays this recording file (`run --record`) instead of running the scenario.
  std::string replay_path;
  /// Screenshot of a live run: also write the window's recording of it here
  /// (the format of `run --record`), so `--replay` can picture the same events.
  std::string record_path;
  std::string screenshot_out;
  bool compare = false;       // open in compare mode (the scenario's [[compare]] variants)
  // `poolviz serve --gui`: show this Run instead of starting one. Its owner
  // started it and outlives the window; `served_lock` is held around every
  // frame's use of it (the owner's HTTP handlers take the same lock), and
  // `close_request`, set from another thread, closes the window.
  Run* served_run = nullptr;
  std::mutex* served_lock = nullptr;
  const std::atomic<bool>* close_request = nullptr;
  std::string served_banner;  // shown in the status line, e.g. the URL
};

/// True when a window can be opened (an X11 or Wayland display is reachable).
bool display_available();

/// Runs the GUI until the window closes. Returns a process exit code.
int run(const GuiOptions& options);

}  // namespace poolviz::gui
