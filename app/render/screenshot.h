// app/render/screenshot.h — reading rendered pixels back and writing PNGs.
//
// [SECTION] OffscreenTarget — a framebuffer of a given size, not the window's
// [SECTION] PNG output
//
// Contract: GL calls, so only on the thread that owns the window's context.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace poolviz::render {

// [SECTION] OffscreenTarget ------------------------------------------------------

/// An RGBA8 framebuffer object: `poolviz screenshot --size WxH` renders into
/// one, so the picture has the requested size whatever the screen is.
class OffscreenTarget {
 public:
  OffscreenTarget(int width, int height);  // throws std::runtime_error when incomplete
  ~OffscreenTarget();
  OffscreenTarget(const OffscreenTarget&) = delete;
  OffscreenTarget& operator=(const OffscreenTarget&) = delete;

  void bind();    // draw and read into this target
  void unbind();  // back to the window's framebuffer
  int width() const { return width_; }
  int height() const { return height_; }

 private:
  unsigned framebuffer_ = 0;
  unsigned colour_ = 0;
  int width_;
  int height_;
};

// [SECTION] PNG output ----------------------------------------------------------------

/// RGB pixels of the bound read framebuffer (`back` = the window's back
/// buffer), top row first.
std::vector<std::uint8_t> read_pixels(int width, int height, bool back_buffer);

/// Waits until the GL has executed every command of the frame. An off-screen
/// frame is never swapped, and a software GL (llvmpipe under Xvfb) keeps the
/// commands of unswapped frames queued: without this, a screenshot of minute
/// 60 held every frame's draw data (1.3 GB).
void finish_frame();

/// Writes 8-bit RGB rows (top first) as a PNG. False with `error` set on failure.
bool write_png(const std::string& path, int width, int height,
               const std::vector<std::uint8_t>& rgb, std::string& error);

}  // namespace poolviz::render
