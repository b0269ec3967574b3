// app/render/window.h — the OS window, its OpenGL 3.3 context and the Dear
// ImGui backends (GLFW + OpenGL3): everything platform-specific the GUI needs.
//
// [SECTION] Window          — create, frame begin/end, input the GUI reads
// [SECTION] GL error check  — screenshot mode fails on any GL error
//
// Contract: one Window per process, created, used and destroyed on the main
// thread (GLFW's rule). The constructor throws std::runtime_error with a
// sentence when no display or no GL 3.3 context is available.
#pragma once

#include <string>
#include <utility>
#include <vector>

struct GLFWwindow;

namespace poolviz::render {

/// True when GLFW can reach a display (X11 or Wayland). Cheap; no window.
bool display_available();

struct WindowOptions {
  int width = 1280;
  int height = 800;
  std::string title = "poolviz";
  bool visible = true;  // false: a hidden window that only renders off-screen
  bool vsync = true;
};

class Window {
 public:
  explicit Window(const WindowOptions& options);
  ~Window();
  Window(const Window&) = delete;
  Window& operator=(const Window&) = delete;

  bool should_close() const;
  void request_close();
  /// Processes OS events. With `wait_seconds` > 0, sleeps until an event or
  /// that long (an idle GUI need not spin).
  void poll_events(double wait_seconds = 0);

  /// True while the window is minimised (nothing of it is visible).
  bool iconified() const;

  /// The monitor's content scale (1 on a plain display, 2 on a HiDPI one).
  float content_scale() const;
  void framebuffer_size(int& width, int& height) const;
  void window_size(int& width, int& height) const;

  /// Starts an ImGui frame. With `forced_width`/`forced_height` > 0 ImGui lays
  /// out for that size whatever the window is (off-screen screenshots).
  void begin_frame(int forced_width = 0, int forced_height = 0);
  /// Renders ImGui into the bound framebuffer of `width` × `height` (0 = the
  /// window's), clearing with `clear_rgb` first.
  void render(const float clear_rgb[3], int width = 0, int height = 0);
  /// Shows the rendered frame (window mode only).
  void swap();

  /// .toml (or any) paths dropped onto the window since the last call.
  std::vector<std::string> take_dropped_paths();
  /// A path opened another way (the web page's file picker), taken like a drop.
  void add_dropped_path(std::string path) { dropped_.push_back(std::move(path)); }

  GLFWwindow* handle() const { return window_; }

 private:
  GLFWwindow* window_ = nullptr;
  std::vector<std::string> dropped_;
};

// [SECTION] GL error check ------------------------------------------------------

/// Drains glGetError(); returns "" when there was none, else the codes seen.
std::string take_gl_errors();

}  // namespace poolviz::render
