#include "gui/web_page.h"

#if defined(__EMSCRIPTEN__)

#include <emscripten.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "gui/compare_panel.h"
#include "gui/session.h"
#include "poolviz/thread_per_task.h"

namespace poolviz::gui {

namespace {

PageWindow* page_window = nullptr;

int canvas_size[4] = {0, 0, 0, 0};  // drawing buffer w, h; CSS w, h (as last fitted)

// Browser.setCanvasSize tells GLFW (the window size ImGui reads) and clears
// the element's CSS size, so that is set after it. Writes the sizes to `out`.
EM_JS(void, fit_canvas_js, (double ratio, int* out), {
  const canvas = Module.canvas;
  const w = Math.max(1, window.innerWidth), h = Math.max(1, window.innerHeight);
  const pw = Math.round(w * ratio), ph = Math.round(h * ratio);
  if (canvas.width != pw || canvas.height != ph) Browser.setCanvasSize(pw, ph);
  if (canvas.style.width != w + 'px' || canvas.style.height != h + 'px') {
    canvas.style.width = w + 'px';
    canvas.style.height = h + 'px';
  }
  HEAP32[(out >> 2) + 0] = canvas.width;
  HEAP32[(out >> 2) + 1] = canvas.height;
  HEAP32[(out >> 2) + 2] = w;
  HEAP32[(out >> 2) + 3] = h;
});

nlohmann::json counts_json(const Session& session) {
  const TimelineCounts& c = session.timeline().counts();
  return {{"submitted", c.submitted}, {"completed", c.completed}, {"rejected", c.rejected},
          {"threads", c.threads_alive()}};
}

std::string status_json() {
  if (page_window == nullptr) return "{}";
  const PageFigures f = page_window->figures();
  const Session& s = *f.session;
  nlohmann::json j = counts_json(s);
  j["frames"] = f.frames;
  j["frame_ms"] = f.frame_ms;
  j["scenario"] = s.scenario().id;
  j["t"] = s.now_seconds();
  j["paused"] = s.paused();
  j["message"] = s.status;
  j["message_is_error"] = s.status_is_error;
  j["thread_cap"] = kPlatformThreadCap;
  j["hardware_concurrency"] = std::thread::hardware_concurrency();
  j["gl_errors"] = f.gl_errors;
  j["canvas"] = {canvas_size[0], canvas_size[1]};
  j["css"] = {canvas_size[2], canvas_size[3]};
  j["dpr"] = emscripten_get_device_pixel_ratio();
  if (f.compare != nullptr) {
    auto& compare = const_cast<CompareView&>(*f.compare);  // session(i) has no const overload
    nlohmann::json variants = nlohmann::json::array();
    for (std::size_t i = 0; i < compare.size(); ++i) {
      nlohmann::json v = counts_json(compare.session(i));
      v["label"] = compare.label(i);
      variants.push_back(std::move(v));
    }
    j["compare"] = std::move(variants);
  }
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

void set_page_window(PageWindow* window) { page_window = window; }

float fit_canvas_to_page() {
  const double dpr = emscripten_get_device_pixel_ratio();
  fit_canvas_js(dpr, canvas_size);
  return static_cast<float>(dpr);
}

}  // namespace poolviz::gui

// The page's hooks (app/web/shell.html wraps them as window.poolviz).
extern "C" {
EMSCRIPTEN_KEEPALIVE const char* poolviz_web_status() {
  static std::string last;
  last = poolviz::gui::status_json();
  return last.c_str();
}
EMSCRIPTEN_KEEPALIVE void poolviz_web_play(int playing) {
  if (poolviz::gui::page_window != nullptr) poolviz::gui::page_window->set_paused(playing == 0);
}
EMSCRIPTEN_KEEPALIVE void poolviz_web_screenshot() {
  if (poolviz::gui::page_window != nullptr) poolviz::gui::page_window->request_screenshot();
}
EMSCRIPTEN_KEEPALIVE void poolviz_web_open_file(const char* path) {
  if (poolviz::gui::page_window != nullptr) poolviz::gui::page_window->open_file(path);
}
EMSCRIPTEN_KEEPALIVE void poolviz_web_restart() {
  if (poolviz::gui::page_window != nullptr) poolviz::gui::page_window->restart();
}
EMSCRIPTEN_KEEPALIVE void poolviz_web_load(const char* id) {
  if (poolviz::gui::page_window != nullptr) poolviz::gui::page_window->load(id);
}
EMSCRIPTEN_KEEPALIVE void poolviz_web_compare(int on) {
  if (poolviz::gui::page_window != nullptr) poolviz::gui::page_window->set_compare(on != 0);
}
}

#endif
