// The main window: layout of the panels, keyboard shortcuts, the frame loop,
// frame statistics, and screenshot mode (gui::run).
//
//  +--------------------------- transport ----------------------------------+
//  | flow canvas                                       | explanation panel  |
//  |                                                   |                    |
//  +------------------------- counters row ------------+--------------------+
//  | plots (one shared time axis)                      | controls           |
//  +---------------------------------------------------+--------------------+
#include <GLFW/glfw3.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <vector>

#include "gui/compare_panel.h"
#include "gui/gui.h"
#include "gui/panels.h"
#include "render/screenshot.h"
#include "render/window.h"

namespace poolviz::gui {

namespace {

// SIGINT/SIGTERM close the window like its close button (the run is cancelled
// and joined). A signal handler can only set a flag of this type.
volatile std::sig_atomic_t close_requested = 0;
void request_close_on_signal(int) { close_requested = 1; }

void draw_main_window(Session& session, std::unique_ptr<CompareView>& compare, UiState& ui, const Theme& theme,
                      ImVec2 display, float real_dt) {
  ImGui::SetNextWindowPos(ImVec2(0, 0));
  ImGui::SetNextWindowSize(display);
  ImGui::Begin("poolviz", nullptr,
               ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoSavedSettings |
                   ImGuiWindowFlags_NoBringToFrontOnFocus | ImGuiWindowFlags_NoScrollWithMouse);
  const float s = theme.scale();
  const ImGuiStyle& style = ImGui::GetStyle();

  draw_transport(session, ui, theme, compare != nullptr);
  if (draw_compare_mode(compare, session, ui, theme, real_dt)) {  // the "Compare" toggle and its view
    ImGui::End();
    return;
  }
  ImGui::Separator();

  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const float side_w = std::clamp(avail.x * 0.25F, 250 * s, 520 * s);
  const float counters_h = ImGui::GetFrameHeight();
  const float bottom_h = std::clamp(avail.y * 0.34F, 170 * s, 420 * s);
  const float bar_h = ImGui::GetFrameHeight();
  const float top_h = std::max(avail.y - bottom_h - counters_h - bar_h - 4 * style.ItemSpacing.y, 120 * s);
  const float main_w = avail.x - side_w - style.ItemSpacing.x;

  draw_flow_canvas(session, theme, ImVec2(main_w, top_h), real_dt);
  ImGui::SameLine();
  draw_explain_panel(session, theme, ImVec2(side_w, top_h));

  draw_timeline_bar(session, theme, main_w + side_w + style.ItemSpacing.x);

  draw_counters_row(session, theme);

  ImGui::BeginChild("plots", ImVec2(main_w, bottom_h), false, ImGuiWindowFlags_NoScrollbar);
  draw_plots(session, ui, theme, ImVec2(main_w, bottom_h));
  ImGui::EndChild();
  ImGui::SameLine();
  draw_controls(session, theme, ImVec2(side_w, bottom_h));
  ImGui::End();
}

/// `scrub`: what ←/→ move (the session, or every compare variant together).
void handle_keys(Session& session, UiState& ui, Scrubbable& scrub) {
  const ImGuiIO& io = ImGui::GetIO();
  if (io.WantTextInput) return;
  // Dear ImGui 1.86 with the GLFW backend indexes keys by GLFW key code.
  if (ImGui::IsKeyPressed(GLFW_KEY_SPACE, false)) session.set_paused(!session.paused());
  if (ImGui::IsKeyPressed(GLFW_KEY_PERIOD, true)) session.step();
  if (ImGui::IsKeyPressed(GLFW_KEY_R, false)) session.restart();
  if (ImGui::IsKeyPressed(GLFW_KEY_EQUAL, true) || ImGui::IsKeyPressed(GLFW_KEY_KP_ADD, true)) {
    session.set_speed(session.speed() * 1.5);
  }
  if (ImGui::IsKeyPressed(GLFW_KEY_MINUS, true) || ImGui::IsKeyPressed(GLFW_KEY_KP_SUBTRACT, true)) {
    session.set_speed(session.speed() / 1.5);
  }
  if (ImGui::IsKeyPressed(GLFW_KEY_F12, false)) ui.screenshot_requested = true;
  handle_scrub_keys(scrub);
}

/// Per-frame cost, printed at exit: the GUI thread's own CPU time (what the
/// window costs; the machine's other threads cannot inflate it) and the wall
/// time from the start of a frame to its end (what the user waits for, which
/// a saturated machine, e.g. thousands of spawned threads, does inflate).
struct FrameStats {
  std::vector<double> cpu_ms, wall_ms;
  void add(double cpu, double wall) {
    if (cpu_ms.size() >= 1'000'000) return;
    cpu_ms.push_back(cpu);
    wall_ms.push_back(wall);
  }
  static void print_one(const char* what, std::vector<double> v) {
    std::sort(v.begin(), v.end());
    double sum = 0;
    for (double x : v) sum += x;
    const std::size_t p99 = std::min(v.size() - 1, static_cast<std::size_t>(std::ceil(0.99 * v.size())) - 1);
    std::printf("  %-22s mean %6.2f ms   p99 %6.2f ms   max %6.2f ms\n", what, sum / static_cast<double>(v.size()),
                v[p99], v.back());
  }
  void print(const char* label) const {
    if (cpu_ms.empty()) return;
    // The first frames build the font atlas and compile shaders: reported
    // apart, so the steady state is not hidden behind a one-off.
    constexpr std::size_t kWarmUp = 30;
    const std::size_t skip = cpu_ms.size() > 2 * kWarmUp ? kWarmUp : 0;
    std::printf("%s: %zu frames (the first %zu, warm-up, max %.1f ms CPU, not counted below)\n", label,
                cpu_ms.size(), skip, skip > 0 ? *std::max_element(cpu_ms.begin(), cpu_ms.begin() + skip) : 0.0);
    print_one("CPU time (GUI thread)", {cpu_ms.begin() + static_cast<std::ptrdiff_t>(skip), cpu_ms.end()});
    print_one("wall time", {wall_ms.begin() + static_cast<std::ptrdiff_t>(skip), wall_ms.end()});
  }
};

/// CPU time this thread has used, in ms.
double thread_cpu_ms() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

double now_ms() {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::string screenshot_name(const Session& session) {
  char name[128];
  std::snprintf(name, sizeof name, "poolviz-%s-%.1fs.png", session.scenario().id.c_str(), session.now_seconds());
  return name;
}

bool save_window(render::Window& window, const std::string& path, std::string& error) {
  int w = 0, h = 0;
  window.framebuffer_size(w, h);
  return render::write_png(path, w, h, render::read_pixels(w, h, true), error);
}

}  // namespace

bool display_available() { return render::display_available(); }

int run(const GuiOptions& options) {
  const bool screenshot_mode = options.screenshot_at >= 0;
  Scenario scenario;
  // A replay reads the whole file before any window opens: a bad file fails
  // here, naming the line, and nothing is shown half-loaded.
  std::optional<LoadedRecording> replay;
  try {
    if (!options.replay_path.empty()) {
      std::ifstream in(options.replay_path);
      if (!in) throw std::runtime_error("cannot open the recording " + options.replay_path);
      replay = read_recording(in, options.replay_path);
      scenario = load_scenario(replay->header.scenario);
    } else {
      scenario = options.served_run != nullptr
                     ? options.served_run->scenario()
                     : load_scenario(options.scenario.empty() ? std::string(kDefaultScenarioId) : options.scenario);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "poolviz: %s\n", e.what());
    return 1;
  }
  // Held around each frame's use of a served Run (see GuiOptions::served_lock).
  const auto lock_served = [&] {
    return options.served_lock != nullptr ? std::unique_lock(*options.served_lock) : std::unique_lock<std::mutex>();
  };
  if (screenshot_mode && options.screenshot_out.empty()) {
    std::fprintf(stderr, "poolviz: screenshot needs an output path\n");
    return 2;
  }

  std::unique_ptr<render::Window> window;
  try {
    render::WindowOptions wo;
    wo.width = options.width;
    wo.height = options.height;
    wo.title = "poolviz: " + (scenario.title.empty() ? scenario.id : scenario.title);
    wo.visible = !screenshot_mode;
    wo.vsync = !screenshot_mode;
    window = std::make_unique<render::Window>(wo);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "poolviz: %s\n", e.what());
    return 1;
  }

  std::unique_ptr<render::OffscreenTarget> target;
  if (screenshot_mode) {
    try {
      target = std::make_unique<render::OffscreenTarget>(options.width, options.height);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "poolviz: %s\n", e.what());
      return 1;
    }
  }

  UiState ui;
  ui.dark = !options.light;
  try {
    ui.library = builtin_scenarios();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "poolviz: built-in scenarios: %s\n", e.what());
  }
  Theme theme;
  std::unique_ptr<Session> session;
  try {
    const double speed = options.speed > 0 ? std::clamp(options.speed, 0.1, 20.0)
                                           : Session::opening_speed(scenario);
    if (options.served_run != nullptr) {
      const auto lock = lock_served();
      session = std::make_unique<Session>(*options.served_run);
      session->say(options.served_banner);
    } else if (replay) {
      session = std::make_unique<Session>(scenario, *replay);
      session->set_speed(speed);
    } else {
      // The window opens on the first frame, paused: the student predicts, then presses Space.
      // A screenshot needs time to flow.
      session = std::make_unique<Session>(scenario, speed, /*start_paused=*/!screenshot_mode);
    }
    session->hints = !screenshot_mode;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "poolviz: cannot run %s: %s\n", scenario.id.c_str(), e.what());
    return 1;
  }

  std::unique_ptr<CompareView> compare;  // compare mode: on while it exists
  if (options.compare) {
    try {
      compare = std::make_unique<CompareView>(scenario, std::vector<CompareVariant>{}, session->speed());
      session->set_paused(true);  // the single run waits while the variants run
      for (std::size_t i = 0; i < compare->size(); ++i) compare->session(i).hints = !screenshot_mode;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "poolviz: cannot compare %s: %s\n", scenario.id.c_str(), e.what());
      return 1;
    }
  }
  // Scenario time of what is on screen: the variants' shared clock in compare mode.
  const auto shown_seconds = [&] {
    if (session->replay()) return session->recorded_seconds() + 1;  // a replay is there at once (seek below)
    return compare ? compare->now_seconds() : session->now_seconds();
  };
  FrameStats stats;
  std::string gl_errors;
  double last = now_ms();
  // Screenshot mode: a watchdog in real time, so a stuck run fails instead of hanging CI.
  const double deadline_ms = last + 1000.0 * (options.screenshot_at / session->speed() + 60.0);
  int settle_frames = -1;  // screenshot mode: frames left after reaching the time

  // Idle costs nothing: paused, finished or minimised, the loop sleeps until
  // input arrives instead of drawing every frame; at rest nothing on screen
  // changes, so a wait that times out draws nothing (the timeout only keeps the
  // close checks below alive). It draws at full rate while the run moves and for
  // kSettleMs after it stops or after any input, so chips settle, popups open
  // and tooltips follow the pointer. Minimised while running, it draws 10× a
  // second: the run's events must still be drained.
  constexpr double kIdleWait = 0.5;       // s
  constexpr double kMinimisedWait = 0.1;  // s
  constexpr double kSettleMs = 1500;
  double last_activity_ms = now_ms();

  std::signal(SIGINT, request_close_on_signal);
  std::signal(SIGTERM, request_close_on_signal);
  while (!window->should_close()) {
    // A served run is the server's: it never rests while the server runs.
    const bool at_rest = options.served_run == nullptr &&
                         (compare ? compare->paused() || compare->finished() : session->paused() || session->finished());
    const bool minimised = !screenshot_mode && window->iconified();
    if (!screenshot_mode && (minimised || (at_rest && now_ms() - last_activity_ms > kSettleMs))) {
      const double wait = minimised && !at_rest ? kMinimisedWait : kIdleWait;
      const double wait_start = now_ms();
      window->poll_events(wait);
      if (now_ms() - wait_start < 900 * wait) {
        last_activity_ms = now_ms();  // woken early: input (or an expose) arrived, draw
      } else if (at_rest) {
        if (close_requested != 0) break;
        if (options.close_request != nullptr && options.close_request->load(std::memory_order_relaxed)) break;
        continue;  // nothing changed: keep the last picture
      }
    } else {
      window->poll_events();
      if (!at_rest) last_activity_ms = now_ms();
    }
    if (close_requested != 0) break;
    if (options.close_request != nullptr && options.close_request->load(std::memory_order_relaxed)) break;
    const double frame_start = now_ms();
    const double frame_cpu_start = thread_cpu_ms();
    const float real_dt = static_cast<float>(std::min((frame_start - last) / 1000.0, 0.25));
    last = frame_start;

    if (ui.theme_changed) {
      const float content = screenshot_mode ? 1.0F : window->content_scale();
      theme.apply(ui.dark, content * ui.user_scale);
      if (theme.fonts_dirty()) theme.rebuild_fonts();
      ui.theme_changed = false;
    }
    auto served = lock_served();  // released before rendering: GL never touches the Run
    for (const std::string& path : window->take_dropped_paths()) open_scenario(*session, path);

    session->frame(real_dt);
    if (screenshot_mode && settle_frames < 0 && shown_seconds() >= options.screenshot_at) {
      session->set_paused(true);
      if (compare) compare->set_paused(true);
      if (session->replay()) session->seek(options.screenshot_at);
      if (options.scrub_to >= 0) session->seek(options.scrub_to);
      if (compare && options.scrub_to >= 0) compare->seek(options.scrub_to);
      settle_frames = 3;
    }

    int fb_w = 0, fb_h = 0;
    if (screenshot_mode) {
      fb_w = options.width;
      fb_h = options.height;
      target->bind();
    } else {
      window->framebuffer_size(fb_w, fb_h);
    }
    window->begin_frame(screenshot_mode ? fb_w : 0, screenshot_mode ? fb_h : 0);
    if (!screenshot_mode) handle_keys(*session, ui, compare ? static_cast<Scrubbable&>(*compare) : *session);
    ui.hover_t = ui.next_hover_t;
    ui.next_hover_t = NAN;
    // Settling frames snap chips to their places, so the picture shows state, not motion.
    const float dt = settle_frames >= 0 ? 1.0F : real_dt;
    draw_main_window(*session, compare, ui, theme, ImGui::GetIO().DisplaySize, dt);
    if (served.owns_lock()) served.unlock();
    const float clear[3] = {0, 0, 0};
    window->render(clear, fb_w, fb_h);
    stats.add(thread_cpu_ms() - frame_cpu_start, now_ms() - frame_start);

    if (std::string e = render::take_gl_errors(); !e.empty()) gl_errors += (gl_errors.empty() ? "" : " ") + e;

    if (screenshot_mode) {
      if (settle_frames == 0) {
        std::string error;
        const auto pixels = render::read_pixels(fb_w, fb_h, false);
        if (std::string e = render::take_gl_errors(); !e.empty()) gl_errors += " " + e;
        target->unbind();
        if (!gl_errors.empty()) {
          std::fprintf(stderr, "poolviz: OpenGL reported errors: %s\n", gl_errors.c_str());
          return 1;
        }
        if (!render::write_png(options.screenshot_out, fb_w, fb_h, pixels, error)) {
          std::fprintf(stderr, "poolviz: %s\n", error.c_str());
          return 1;
        }
        // The moment in the picture: a seek (replay, --scrub-to) moved it back from where the run stopped.
        const double pictured = compare && compare->scrubbing() ? compare->scrub_seconds()
                                : session->scrubbing()          ? session->scrub_seconds()
                                                                : shown_seconds();
        std::printf("wrote %s (%dx%d, %s%s at t = %.2f s)\n", options.screenshot_out.c_str(), fb_w, fb_h,
                    session->scenario().id.c_str(), compare ? " compared" : "", pictured);
        break;
      }
      if (settle_frames > 0) --settle_frames;
      render::finish_frame();
      target->unbind();
      if (now_ms() > deadline_ms) {
        std::fprintf(stderr, "poolviz: screenshot: scenario time %.2f s not reached in time (at %.2f s)\n",
                     options.screenshot_at, shown_seconds());
        return 1;
      }
      continue;
    }

    if (ui.screenshot_requested) {
      ui.screenshot_requested = false;
      std::string error;
      const std::string path = screenshot_name(*session);
      if (save_window(*window, path, error)) {
        session->say("saved " + std::filesystem::absolute(path).string());
      } else {
        session->say(error, true);
      }
    }
    window->swap();
  }

  // Closing mid-run: the Session stops its Run with cancellation and joins the
  // engine's threads before the window goes.
  const double close_start = now_ms();
  compare.reset();
  {
    const auto lock = lock_served();
    session.reset();
  }
  if (options.frame_stats) {
    stats.print(screenshot_mode ? "screenshot" : "gui");
    std::printf("shutdown took %.1f ms\n", now_ms() - close_start);
  }
  return 0;
}

}  // namespace poolviz::gui
