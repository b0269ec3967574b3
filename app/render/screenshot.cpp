#include "render/screenshot.h"

#include "render/gl.h"
// libstb ships the compiled stb_image_write (stbi_write_png is exported by
// libstb.so), so only the declarations are included here; the browser build
// has no libstb and compiles Debian's header itself.
#if defined(__EMSCRIPTEN__)
#define STB_IMAGE_WRITE_IMPLEMENTATION
#endif
#include <stb_image_write.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace poolviz::render {

OffscreenTarget::OffscreenTarget(int width, int height) : width_(width), height_(height) {
  glGenFramebuffers(1, &framebuffer_);
  glGenRenderbuffers(1, &colour_);
  glBindRenderbuffer(GL_RENDERBUFFER, colour_);
  glRenderbufferStorage(GL_RENDERBUFFER, GL_RGBA8, width, height);
  glBindFramebuffer(GL_FRAMEBUFFER, framebuffer_);
  glFramebufferRenderbuffer(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_RENDERBUFFER, colour_);
  const GLenum status = glCheckFramebufferStatus(GL_FRAMEBUFFER);
  glBindFramebuffer(GL_FRAMEBUFFER, 0);
  if (status != GL_FRAMEBUFFER_COMPLETE) {
    glDeleteFramebuffers(1, &framebuffer_);
    glDeleteRenderbuffers(1, &colour_);
    throw std::runtime_error("cannot create an off-screen framebuffer of the requested size");
  }
}

OffscreenTarget::~OffscreenTarget() {
  glDeleteFramebuffers(1, &framebuffer_);
  glDeleteRenderbuffers(1, &colour_);
}

void OffscreenTarget::bind() { glBindFramebuffer(GL_FRAMEBUFFER, framebuffer_); }
void OffscreenTarget::unbind() { glBindFramebuffer(GL_FRAMEBUFFER, 0); }

std::vector<std::uint8_t> read_pixels(int width, int height, bool back_buffer) {
  if (back_buffer) glReadBuffer(GL_BACK);
  const std::size_t pixels = static_cast<std::size_t>(width) * static_cast<std::size_t>(height);
  std::vector<std::uint8_t> rgb(pixels * 3);
  glPixelStorei(GL_PACK_ALIGNMENT, 1);
#if POOLVIZ_GLES3
  // WebGL 2 reads only RGBA bytes from the default framebuffer.
  std::vector<std::uint8_t> rgba(pixels * 4);
  glReadPixels(0, 0, width, height, GL_RGBA, GL_UNSIGNED_BYTE, rgba.data());
  for (std::size_t i = 0; i < pixels; ++i) std::memcpy(&rgb[i * 3], &rgba[i * 4], 3);
#else
  glReadPixels(0, 0, width, height, GL_RGB, GL_UNSIGNED_BYTE, rgb.data());
#endif
  // GL's rows start at the bottom; PNG's at the top.
  const std::size_t stride = static_cast<std::size_t>(width) * 3;
  std::vector<std::uint8_t> row(stride);
  for (int y = 0; y < height / 2; ++y) {
    std::uint8_t* a = rgb.data() + static_cast<std::size_t>(y) * stride;
    std::uint8_t* b = rgb.data() + static_cast<std::size_t>(height - 1 - y) * stride;
    std::memcpy(row.data(), a, stride);
    std::memcpy(a, b, stride);
    std::memcpy(b, row.data(), stride);
  }
  return rgb;
}

bool write_png(const std::string& path, int width, int height,
               const std::vector<std::uint8_t>& rgb, std::string& error) {
  if (rgb.size() != static_cast<std::size_t>(width) * static_cast<std::size_t>(height) * 3) {
    error = "pixel buffer does not match the image size";
    return false;
  }
  errno = 0;
  if (stbi_write_png(path.c_str(), width, height, 3, rgb.data(), width * 3) == 0) {
    error = "cannot write " + path + ": " + std::strerror(errno != 0 ? errno : EIO);
    return false;
  }
  return true;
}

void finish_frame() { glFinish(); }

}  // namespace poolviz::render
