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
#if defined(__EMSCRIPTEN__)
#include <emscripten.h>
#endif

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
#include <thread>
#include <vector>

#include "gui/compare_panel.h"
#include "gui/gui.h"
#include "gui/panels.h"
#include "poolviz/compat_thread.h"
#include "poolviz/thread_per_task.h"
#include "render/screenshot.h"
#include "render/window.h"
#if defined(__EMSCRIPTEN__)
#include "gui/web_page.h"
#endif

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

  const ImVec2 canvas_at = ImGui::GetCursorScreenPos();
  draw_flow_canvas(session, theme, ImVec2(main_w, top_h), real_dt);
  ui.canvas_rect[0] = canvas_at.x;
  ui.canvas_rect[1] = canvas_at.y;
  ui.canvas_rect[2] = main_w;
  ui.canvas_rect[3] = top_h;
  ImGui::SameLine();
  draw_explain_panel(session, theme, ImVec2(side_w, top_h));

  draw_timeline_bar(session, theme, main_w + side_w + style.ItemSpacing.x);

  const ImVec2 counters_at = ImGui::GetCursorScreenPos();
  draw_counters_row(session, theme);
  ui.counters_rect[0] = counters_at.x;
  ui.counters_rect[1] = counters_at.y;
  ui.counters_rect[2] = main_w + side_w + style.ItemSpacing.x;
  ui.counters_rect[3] = counters_h;

  ImGui::BeginChild("plots", ImVec2(main_w, bottom_h), false, ImGuiWindowFlags_NoScrollbar);
  draw_plots(session, ui, theme, ImVec2(main_w, bottom_h));
  ImGui::EndChild();
  ImGui::SameLine();
  draw_controls(session, theme, ImVec2(side_w, bottom_h));
  ImGui::End();
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

double now_ms();

/// CPU time this thread has used, in ms (the browser has no thread CPU clock:
/// there the main thread's wall time, which it spends drawing or idle).
double thread_cpu_ms() {
#if defined(__EMSCRIPTEN__)
  return now_ms();
#else
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
#endif
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
  if (!render::write_png(path, w, h, render::read_pixels(w, h, true), error)) return false;
#if defined(__EMSCRIPTEN__)
  // The file is in the page's memory: hand it to the browser as a download.
  EM_ASM(
      {
        const path = UTF8ToString($0);
        const blob = new Blob([FS.readFile(path)], {type : 'image/png'});
        const link = document.createElement('a');
        link.href = URL.createObjectURL(blob);
        link.download = path.split('/').pop();
        link.click();
        setTimeout(() => URL.revokeObjectURL(link.href), 10000);
        FS.unlink(path);
      },
      path.c_str());
#endif
  return true;
}

/// The window's recording of its run, in the file format of `run --record`.
bool write_session_recording(const Session& session, const std::string& path) {
  const Recording* recording = session.recording();
  if (recording == nullptr || recording->trimmed()) {
    std::fprintf(stderr, "poolviz: %s: the window kept no whole recording of this run\n", path.c_str());
    return false;
  }
  std::ofstream out(path);
  RecordingHeader header;
  header.scenario = session.scenario().id;
  header.stages = recording->timeline_options().stages;
  header.sample_period = recording->timeline_options().sample_period;
  write_recording(out, header, recording->events());
  out.close();
  if (!out) std::fprintf(stderr, "poolviz: cannot write the recording %s\n", path.c_str());
  return static_cast<bool>(out);
}

}  // namespace

bool display_available() { return render::display_available(); }

namespace {

/// Step 1: the scenario to open, or the recording to replay. A replay reads the
/// whole file before any window opens: a bad file fails here, naming the line,
/// and nothing is shown half-loaded. False (after saying why) when it cannot.
bool load_opening(const GuiOptions& options, Scenario& scenario, std::optional<LoadedRecording>& replay) {
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
    return false;
  }
  return true;
}

/// Everything one window shows and the loop that draws it (gui::run's steps).
class WindowLoop
#if defined(__EMSCRIPTEN__)
    final : public PageWindow
#endif
{
 public:
  explicit WindowLoop(const GuiOptions& options) : options_(options), screenshot_mode_(options.screenshot_at >= 0) {}

  /// Steps 2-3: the window (and an off-screen target for a screenshot), then
  /// the session and compare view. Returns an exit status, 0 = ready.
  int open(const Scenario& scenario, const std::optional<LoadedRecording>& replay);
  /// Step 4: frames until the window closes (or the screenshot is written).
  int loop();
  /// Step 5: closing mid-run cancels the runs and joins their threads before the window goes.
  void close();

#if defined(__EMSCRIPTEN__)
  // [SECTION] The browser ----------------------------------------------------
  // The page's main thread must return to the browser after every frame, so
  // instead of loop() the browser calls browser_frame() once per animation
  // frame; there is no idle wait (the browser throttles hidden tabs itself).
  // The canvas follows the page's size and devicePixelRatio (the UI's scale).
  void browser_frame() {
    if (const float dpr = fit_canvas_to_page(); dpr != page_scale_) {
      page_scale_ = dpr;
      ui_.theme_changed = true;
    }
    window_->poll_events();
    frame();
    ++browser_frames_;
  }
  PageFigures figures() const override;
  void set_paused(bool paused) override { compare_ ? compare_->set_paused(paused) : session_->set_paused(paused); }
  void request_screenshot() override { ui_.screenshot_requested = true; }
  void open_file(const std::string& path) override { window_->add_dropped_path(path); }
  void restart() override { compare_ ? compare_->restart() : session_->restart(); }
  void load(const std::string& id) override { open_scenario(*session_, id); }
  void set_compare(bool on) override;
#endif

 private:
  enum class Wait { draw, skip, close };
  /// Idle costs nothing: paused, finished or minimised, the loop sleeps until
  /// input arrives instead of drawing every frame (see kSettleMs).
  Wait wait_for_work();
  bool close_asked() const {
    return close_requested != 0 ||
           (options_.close_request != nullptr && options_.close_request->load(std::memory_order_relaxed));
  }
  /// One frame: drain, draw, render. Returns an exit status when the loop ends.
  std::optional<int> frame();
  /// Screenshot mode, after rendering: writes the PNG once settled.
  std::optional<int> screenshot_step(int fb_w, int fb_h);
  /// Scenario time of what is on screen: the variants' shared clock in compare mode.
  double shown_seconds() const {
    if (session_->replay()) return session_->recorded_seconds() + 1;  // a replay is there at once (a seek)
    return compare_ ? compare_->now_seconds() : session_->now_seconds();
  }
  /// Held around each frame's use of a served Run (see GuiOptions::served_lock).
  std::unique_lock<std::mutex> lock_served() const {
    return options_.served_lock != nullptr ? std::unique_lock(*options_.served_lock) : std::unique_lock<std::mutex>();
  }

  // Drawing at full rate while the run moves and for kSettleMs after it stops
  // or after any input, so chips settle, popups open and tooltips follow the
  // pointer; at rest a wait that times out draws nothing. Minimised while
  // running, 10 frames a second: the run's events must still be drained.
  static constexpr double kIdleWait = 0.5;       // s
  static constexpr double kMinimisedWait = 0.1;  // s
  static constexpr double kSettleMs = 1500;

  const GuiOptions& options_;
  const bool screenshot_mode_;
  std::unique_ptr<render::Window> window_;
  std::unique_ptr<render::OffscreenTarget> target_;
  UiState ui_;
  Theme theme_;
  std::unique_ptr<Session> session_;
  std::unique_ptr<CompareView> compare_;  // compare mode: on while it exists
  FrameStats stats_;
  std::string gl_errors_;
  double last_ms_ = now_ms();
  double last_activity_ms_ = now_ms();
  double deadline_ms_ = 0;  // screenshot mode: a watchdog in real time, so a stuck run fails CI instead of hanging
  int settle_frames_ = -1;  // screenshot mode: frames left after reaching the time
  // Screenshot mode: one thread per engine clock that pauses it the moment
  // scenario time reaches --at, so the picture shows that moment however long
  // a frame takes to render (under load a frame is 100+ ms of scenario time).
  // Declared after the sessions: they stop and join before the clocks go.
  std::vector<poolviz::jthread> pause_at_;

  void pause_clocks_at(double seconds);
  std::uint64_t browser_frames_ = 0;
  float page_scale_ = 1;  // the browser's devicePixelRatio as last applied
};

void WindowLoop::pause_clocks_at(double seconds) {
  if (seconds <= 0 || session_->replay()) return;
  const auto pause_at = [this, t = from_seconds(seconds)](ScenarioClock& clock) {
    pause_at_.emplace_back([&clock, t](poolviz::stop_token stop) {
      if (clock.sleep_until(t, stop)) clock.pause();
    });
  };
  if (!compare_) {
    pause_at(session_->run().clock());
    return;
  }
  for (std::size_t i = 0; i < compare_->size(); ++i) pause_at(compare_->session(i).run().clock());
}

int WindowLoop::open(const Scenario& scenario, const std::optional<LoadedRecording>& replay) {
  try {
    render::WindowOptions wo;
    wo.width = options_.width;
    wo.height = options_.height;
    wo.title = "poolviz: " + (scenario.title.empty() ? scenario.id : scenario.title);
    wo.visible = !screenshot_mode_;
    wo.vsync = !screenshot_mode_;
    window_ = std::make_unique<render::Window>(wo);
    if (screenshot_mode_) target_ = std::make_unique<render::OffscreenTarget>(options_.width, options_.height);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "poolviz: %s\n", e.what());
    return 1;
  }
  ui_.dark = !options_.light;
  try {
    ui_.library = builtin_scenarios();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "poolviz: built-in scenarios: %s\n", e.what());
  }
  try {
    const double speed =
        options_.speed > 0 ? std::clamp(options_.speed, 0.1, 20.0) : Session::opening_speed(scenario);
    if (options_.served_run != nullptr) {
      const auto lock = lock_served();
      session_ = std::make_unique<Session>(*options_.served_run);
      session_->say(options_.served_banner);
    } else if (replay) {
      session_ = std::make_unique<Session>(scenario, *replay);
      session_->set_speed(speed);
    } else {
      // The window opens on the first frame, paused: the student predicts, then presses Space.
      // A screenshot needs time to flow.
      session_ = std::make_unique<Session>(scenario, speed, /*start_paused=*/!screenshot_mode_);
    }
    session_->hints = !screenshot_mode_;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "poolviz: cannot run %s: %s\n", scenario.id.c_str(), e.what());
    return 1;
  }
  if (options_.compare) {
    try {
      compare_ = std::make_unique<CompareView>(scenario, std::vector<CompareVariant>{}, session_->speed());
      session_->set_paused(true);  // the single run waits while the variants run
      for (std::size_t i = 0; i < compare_->size(); ++i) compare_->session(i).hints = !screenshot_mode_;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "poolviz: cannot compare %s: %s\n", scenario.id.c_str(), e.what());
      return 1;
    }
  }
  if (screenshot_mode_) pause_clocks_at(options_.screenshot_at);
  last_ms_ = last_activity_ms_ = now_ms();
  deadline_ms_ = last_ms_ + 1000.0 * (options_.screenshot_at / session_->speed() + 60.0);
  return 0;
}

WindowLoop::Wait WindowLoop::wait_for_work() {
  // A served run is the server's: it never rests while the server runs.
  const bool at_rest = options_.served_run == nullptr &&
                       (compare_ ? compare_->paused() || compare_->finished()
                                 : session_->paused() || session_->finished());
  const bool minimised = !screenshot_mode_ && window_->iconified();
  if (!screenshot_mode_ && (minimised || (at_rest && now_ms() - last_activity_ms_ > kSettleMs))) {
    const double wait = minimised && !at_rest ? kMinimisedWait : kIdleWait;
    const double wait_start = now_ms();
    window_->poll_events(wait);
    if (now_ms() - wait_start < 900 * wait) {
      last_activity_ms_ = now_ms();  // woken early: input (or an expose) arrived, draw
    } else if (at_rest) {
      return close_asked() ? Wait::close : Wait::skip;  // nothing changed: keep the last picture
    }
  } else {
    window_->poll_events();
    if (!at_rest) last_activity_ms_ = now_ms();
  }
  return close_asked() ? Wait::close : Wait::draw;
}

std::optional<int> WindowLoop::frame() {
  const double frame_start = now_ms();
  const double frame_cpu_start = thread_cpu_ms();
  const float real_dt = static_cast<float>(std::min((frame_start - last_ms_) / 1000.0, 0.25));
  last_ms_ = frame_start;

  if (ui_.theme_changed) {
    const float content = screenshot_mode_ ? 1.0F : window_->content_scale();
    theme_.apply(ui_.dark, content * ui_.user_scale);
    if (theme_.fonts_dirty()) theme_.rebuild_fonts();
    ui_.theme_changed = false;
  }
  auto served = lock_served();  // released before rendering: GL never touches the Run
  for (const std::string& path : window_->take_dropped_paths()) open_scenario(*session_, path);

  session_->frame(real_dt);
  if (screenshot_mode_ && settle_frames_ < 0 && shown_seconds() >= options_.screenshot_at) {
    session_->set_paused(true);
    if (compare_) compare_->set_paused(true);
    if (session_->replay()) session_->seek(options_.screenshot_at);
    if (options_.scrub_to >= 0) session_->seek(options_.scrub_to);
    if (compare_ && options_.scrub_to >= 0) compare_->seek(options_.scrub_to);
    settle_frames_ = 3;
  }

  int fb_w = options_.width, fb_h = options_.height;
  if (screenshot_mode_) {
    target_->bind();
  } else {
    window_->framebuffer_size(fb_w, fb_h);
  }
  window_->begin_frame(screenshot_mode_ ? fb_w : 0, screenshot_mode_ ? fb_h : 0);
  if (!screenshot_mode_) handle_keys(*session_, ui_, compare_ ? static_cast<Scrubbable&>(*compare_) : *session_);
  ui_.hover_t = ui_.next_hover_t;
  ui_.next_hover_t = NAN;
  // Settling frames snap chips to their places, so the picture shows state, not motion.
  const float dt = settle_frames_ >= 0 ? 1.0F : real_dt;
  draw_main_window(*session_, compare_, ui_, theme_, ImGui::GetIO().DisplaySize, dt);
  if (served.owns_lock()) served.unlock();
  const float clear[3] = {0, 0, 0};
  window_->render(clear, fb_w, fb_h);
  stats_.add(thread_cpu_ms() - frame_cpu_start, now_ms() - frame_start);
  if (std::string e = render::take_gl_errors(); !e.empty()) gl_errors_ += (gl_errors_.empty() ? "" : " ") + e;

  if (screenshot_mode_) return screenshot_step(fb_w, fb_h);
  if (ui_.screenshot_requested) {
    ui_.screenshot_requested = false;
    std::string error;
    const std::string path = screenshot_name(*session_);
    if (save_window(*window_, path, error)) {
#if defined(__EMSCRIPTEN__)
      session_->say("downloaded " + path);  // the browser's download folder
#else
      session_->say("saved " + std::filesystem::absolute(path).string());
#endif
    } else {
      session_->say(error, true);
    }
  }
  window_->swap();
  return std::nullopt;
}

std::optional<int> WindowLoop::screenshot_step(int fb_w, int fb_h) {
  if (settle_frames_ == 0) {
    std::string error;
    const auto pixels = render::read_pixels(fb_w, fb_h, false);
    if (std::string e = render::take_gl_errors(); !e.empty()) gl_errors_ += " " + e;
    target_->unbind();
    if (!gl_errors_.empty()) {
      std::fprintf(stderr, "poolviz: OpenGL reported errors: %s\n", gl_errors_.c_str());
      return 1;
    }
    if (!render::write_png(options_.screenshot_out, fb_w, fb_h, pixels, error)) {
      std::fprintf(stderr, "poolviz: %s\n", error.c_str());
      return 1;
    }
    // The moment in the picture: a seek (replay, --scrub-to) moved it back from where the run stopped.
    const double pictured = compare_ && compare_->scrubbing() ? compare_->scrub_seconds()
                            : session_->scrubbing()           ? session_->scrub_seconds()
                                                              : shown_seconds();
    std::printf("wrote %s (%dx%d, %s%s at t = %.2f s)\n", options_.screenshot_out.c_str(), fb_w, fb_h,
                session_->scenario().id.c_str(), compare_ ? " compared" : "", pictured);
    std::printf("regions: canvas %.0f %.0f %.0f %.0f counters %.0f %.0f %.0f %.0f\n", ui_.canvas_rect[0],
                ui_.canvas_rect[1], ui_.canvas_rect[2], ui_.canvas_rect[3], ui_.counters_rect[0], ui_.counters_rect[1],
                ui_.counters_rect[2], ui_.counters_rect[3]);
    if (!options_.record_path.empty() && !write_session_recording(*session_, options_.record_path)) return 1;
    return 0;
  }
  if (settle_frames_ > 0) --settle_frames_;
  render::finish_frame();
  target_->unbind();
  if (now_ms() > deadline_ms_) {
    std::fprintf(stderr, "poolviz: screenshot: scenario time %.2f s not reached in time (at %.2f s)\n",
                 options_.screenshot_at, shown_seconds());
    return 1;
  }
  return std::nullopt;
}

int WindowLoop::loop() {
  std::signal(SIGINT, request_close_on_signal);
  std::signal(SIGTERM, request_close_on_signal);
  while (!window_->should_close()) {
    const Wait wait = wait_for_work();
    if (wait == Wait::close) break;
    if (wait == Wait::skip) continue;
    if (const std::optional<int> status = frame()) return *status;
  }
  return 0;
}

void WindowLoop::close() {
  const double close_start = now_ms();
  compare_.reset();
  {
    const auto lock = lock_served();
    session_.reset();
  }
  if (options_.frame_stats) {
    stats_.print(screenshot_mode_ ? "screenshot" : "gui");
    std::printf("shutdown took %.1f ms\n", now_ms() - close_start);
  }
}

#if defined(__EMSCRIPTEN__)

PageFigures WindowLoop::figures() const {
  // The main thread's mean time per frame over the last frames.
  constexpr std::size_t kRecent = 120;
  const std::size_t n = std::min(kRecent, stats_.wall_ms.size());
  double work = 0;
  for (std::size_t i = stats_.wall_ms.size() - n; i < stats_.wall_ms.size(); ++i) work += stats_.wall_ms[i];
  return {session_.get(), compare_.get(), browser_frames_, n > 0 ? work / static_cast<double>(n) : 0.0, gl_errors_};
}

void WindowLoop::set_compare(bool on) {
  compare_.reset();
  if (!on) return;
  try {  // as the Compare checkbox does (draw_compare_mode)
    compare_ = std::make_unique<CompareView>(session_->scenario(), std::vector<CompareVariant>{}, session_->speed());
    session_->set_paused(true);
  } catch (const std::exception& e) {
    session_->say(e.what(), true);
  }
}

// The one loop of the page: emscripten's main-loop callback takes no argument,
// so the browser build keeps it here (set once by run(), lives as long as the page).
WindowLoop* browser_loop = nullptr;

#endif

}  // namespace


int run(const GuiOptions& options) {
  Scenario scenario;
  std::optional<LoadedRecording> replay;
  if (!load_opening(options, scenario, replay)) return 1;
  if (options.screenshot_at >= 0 && options.screenshot_out.empty()) {
    std::fprintf(stderr, "poolviz: screenshot needs an output path\n");
    return 2;
  }
#if defined(__EMSCRIPTEN__)
  // run() returns at once; the page keeps the loop (and the options it reads).
  static const GuiOptions kept = options;
  auto* loop = new WindowLoop(kept);
  if (const int status = loop->open(scenario, replay); status != 0) return status;
  browser_loop = loop;
  set_page_window(loop);
  emscripten_set_main_loop([] { browser_loop->browser_frame(); }, 0, false);
  return 0;
#endif
  WindowLoop window(options);
  if (const int status = window.open(scenario, replay); status != 0) return status;
  const int status = window.loop();
  window.close();
  return status;
}

}  // namespace poolviz::gui
