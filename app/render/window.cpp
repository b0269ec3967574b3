#include "render/window.h"

#include "render/gl.h"
// The GL declarations must come first: GLFW would otherwise include its own.
#include <GLFW/glfw3.h>
#include <backends/imgui_impl_glfw.h>
#include <backends/imgui_impl_opengl3.h>
#include <imgui.h>
#if defined(__EMSCRIPTEN__)
#include <emscripten/html5.h>
#endif

#include <cfloat>
#include <cstdio>
#include <stdexcept>
#include <utility>

namespace poolviz::render {

namespace {

/// Loads the GL functions of the current context (glad); the browser's are linked in.
bool load_gl_functions() {
#if POOLVIZ_GLES3
  return true;
#else
  return gladLoadGL(glfwGetProcAddress) != 0;
#endif
}

void print_glfw_error(int code, const char* what) {
  // Only worth a line when it explains a failure; GLFW reports init problems here.
  std::fprintf(stderr, "poolviz: GLFW error %d: %s\n", code, what);
}

}  // namespace

bool display_available() {
  glfwSetErrorCallback(nullptr);  // probing: a missing display is an answer, not an error
  const bool ok = glfwInit() == GLFW_TRUE;
  if (ok) glfwTerminate();
  return ok;
}

Window::Window(const WindowOptions& options) {
  glfwSetErrorCallback(print_glfw_error);
  if (glfwInit() != GLFW_TRUE) {
    throw std::runtime_error("cannot open a window: no display (set DISPLAY, or run under xvfb-run)");
  }
#if POOLVIZ_GLES3
  // The browser: WebGL 2 (OpenGL ES 3.0) on the page's <canvas id="canvas">.
  glfwWindowHint(GLFW_CLIENT_API, GLFW_OPENGL_ES_API);
  glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
  glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 0);
#else
  glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
  glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 3);
  glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE);
  glfwWindowHint(GLFW_OPENGL_FORWARD_COMPAT, GLFW_TRUE);
#endif
  glfwWindowHint(GLFW_VISIBLE, options.visible ? GLFW_TRUE : GLFW_FALSE);
#if !POOLVIZ_GLES3  // emscripten's GLFW is 3.2: no monitor scaling (the page is laid out in CSS pixels)
  glfwWindowHint(GLFW_SCALE_TO_MONITOR, GLFW_TRUE);
#endif
  window_ = glfwCreateWindow(options.width, options.height, options.title.c_str(), nullptr, nullptr);
  if (window_ == nullptr) {
    glfwTerminate();
    throw std::runtime_error("cannot create an OpenGL 3.3 core window");
  }
  glfwMakeContextCurrent(window_);
  if (!load_gl_functions()) {
    glfwDestroyWindow(window_);
    glfwTerminate();
    throw std::runtime_error("cannot load the OpenGL 3.3 functions");
  }
  glfwSwapInterval(options.vsync ? 1 : 0);
  glfwSetWindowSizeLimits(window_, 640, 400, GLFW_DONT_CARE, GLFW_DONT_CARE);

  glfwSetWindowUserPointer(window_, this);
  glfwSetDropCallback(window_, [](GLFWwindow* w, int count, const char** paths) {
    auto* self = static_cast<Window*>(glfwGetWindowUserPointer(w));
    for (int i = 0; i < count; ++i) self->dropped_.emplace_back(paths[i]);
  });

  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  ImGui::GetIO().IniFilename = nullptr;  // the layout is computed, not remembered
  ImGui_ImplGlfw_InitForOpenGL(window_, true);
  ImGui_ImplOpenGL3_Init(kGlslVersion);
}

Window::~Window() {
  ImGui_ImplOpenGL3_Shutdown();
  ImGui_ImplGlfw_Shutdown();
  ImGui::DestroyContext();
  glfwDestroyWindow(window_);
  glfwTerminate();
}

bool Window::should_close() const { return glfwWindowShouldClose(window_) != 0; }
void Window::request_close() { glfwSetWindowShouldClose(window_, GLFW_TRUE); }

void Window::poll_events(double wait_seconds) {
  if (wait_seconds > 0) {
    glfwWaitEventsTimeout(wait_seconds);
  } else {
    glfwPollEvents();
  }
}

bool Window::iconified() const { return glfwGetWindowAttrib(window_, GLFW_ICONIFIED) != 0; }

float Window::content_scale() const {
#if defined(__EMSCRIPTEN__)
  // The canvas's drawing buffer is CSS pixels × devicePixelRatio (gui/web_page.h).
  return static_cast<float>(emscripten_get_device_pixel_ratio());
#elif POOLVIZ_GLES3
  return 1.0F;
#else
  float x = 1, y = 1;
  glfwGetWindowContentScale(window_, &x, &y);
  return x > 0 ? x : 1.0F;
#endif
}

void Window::framebuffer_size(int& width, int& height) const {
  glfwGetFramebufferSize(window_, &width, &height);
}

void Window::window_size(int& width, int& height) const { glfwGetWindowSize(window_, &width, &height); }

void Window::begin_frame(int forced_width, int forced_height) {
  ImGui_ImplOpenGL3_NewFrame();
  ImGui_ImplGlfw_NewFrame();
  if (forced_width > 0 && forced_height > 0) {
    ImGuiIO& io = ImGui::GetIO();
    io.DisplaySize = ImVec2(static_cast<float>(forced_width), static_cast<float>(forced_height));
    io.DisplayFramebufferScale = ImVec2(1, 1);
    io.MousePos = ImVec2(-FLT_MAX, -FLT_MAX);  // no pointer in a screenshot
  }
  ImGui::NewFrame();
}

void Window::render(const float clear_rgb[3], int width, int height) {
  ImGui::Render();
  if (width <= 0 || height <= 0) framebuffer_size(width, height);
  glViewport(0, 0, width, height);
  glClearColor(clear_rgb[0], clear_rgb[1], clear_rgb[2], 1.0F);
  glClear(GL_COLOR_BUFFER_BIT);
  ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());
}

void Window::swap() { glfwSwapBuffers(window_); }

std::vector<std::string> Window::take_dropped_paths() { return std::exchange(dropped_, {}); }

std::string take_gl_errors() {
  std::string seen;
  for (int guard = 0; guard < 32; ++guard) {
    const GLenum e = glGetError();
    if (e == GL_NO_ERROR) break;
    char code[16];
    std::snprintf(code, sizeof code, "%s0x%04x", seen.empty() ? "" : " ", e);
    seen += code;
  }
  return seen;
}

}  // namespace poolviz::render
