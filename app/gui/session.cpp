#include "gui/session.h"

#include <algorithm>
#include <utility>

#include "poolviz/run_reaper.h"

namespace poolviz::gui {

namespace {

/// The scrubber's recording (Recording::for_scrubbing: the most recent 1M
/// events, light keyframes).
std::unique_ptr<Recording> make_recording(const TimelineOptions& options) {
  return std::make_unique<Recording>(Recording::for_scrubbing(options));
}

#if defined(__EMSCRIPTEN__)
/// The page's one reaper: made by the first retire, on the main thread; lives as long as the page.
RunReaper& page_reaper() {
  static RunReaper reaper;
  return reaper;
}
#endif

}  // namespace

// In the browser a thread the engine created from a worker starts only when the
// page's main thread reads its message, so the main thread must never join one
// (run_reaper.h): the page draws on while the old run's threads end.
void retire(std::unique_ptr<Run> run) {
  if (!run) return;
#if defined(__EMSCRIPTEN__)
  page_reaper().retire(std::move(run));
#else
  run->stop(ShutdownMode::cancel);
  run.reset();
#endif
}

void retire(poolviz::jthread thread) {
  if (!thread.joinable()) return;
#if defined(__EMSCRIPTEN__)
  page_reaper().retire(std::move(thread));
#else
  thread.request_stop();
  thread.join();
#endif
}

Session::Session(Scenario scenario, double speed, bool start_paused)
    : scenario_(std::move(scenario)), edited_(scenario_), original_(scenario_), speed_(speed),
      start_paused_(start_paused) {
  start_run();
}

Session::Session(Run& served)
    : scenario_(served.scenario()), edited_(scenario_), original_(scenario_), speed_(served.clock().speed()),
      start_paused_(false) {
  run_ = &served;
  reset_view();
  model_.bind(&run_->timeline());
  run_->attach(&model_);
  recording_ = make_recording(run_->timeline().options());
  run_->attach(recording_.get());
}

Session::Session(Scenario scenario, const LoadedRecording& recording)
    : scenario_(std::move(scenario)), edited_(scenario_), original_(scenario_), speed_(1.0), start_paused_(true) {
  replay_ = true;
  reset_view();
  RunOptions run_options;
  run_options.start_paused = true;
  run_options.sample_period = recording.header.sample_period;
  owned_ = std::make_unique<Run>(scenario_, run_options);  // never started: the engine stays idle
  run_ = owned_.get();
  model_.bind(&run_->timeline());
  recording_ = make_recording(run_->timeline().options());
  recording_->on_events(recording.events);
  if (recording_) canvas_keys_.feed(*recording_);
  // The plots show the whole recording (the scrubber's cursor marks the moment).
  Timeline whole(run_->timeline().options());
  whole.on_events(recording.events);
  whole.advance_to(recording_->end_time());
  series_.sample(whole);
  seek(recorded_seconds());
}

Session::~Session() {
  if (run_ == nullptr) return;
  run_->detach(&model_);
  if (recording_) run_->detach(recording_.get());
  model_.bind(nullptr);
  retire(std::move(owned_));
}

bool Session::threads_mode() const {
  // A pool always has lanes to draw, whatever the [view] hint says: a compare
  // variant that swaps thread-per-task for a pool of 50 must show its queue.
  return describe(scenario_.pool.strategy).thread_per_job;
}

void Session::reset_view() {
  FlowModelOptions options;
  options.threads_mode = threads_mode();
  const QueueOrder order = describe(scenario_.pool.strategy).queue_order;
  options.queue_by_priority = order == QueueOrder::priority;
  options.queue_by_size = order == QueueOrder::shortest_first;
  if (scenario_.pool.strategy == Strategy::priority_levels) {
    options.priority_levels = scenario_.pool.levels > 0 ? scenario_.pool.levels : 3;  // pool_spec.h: 0 = 3
  }
  if (scenario_.stages.size() > 1) {
    for (const StageSpec& stage : scenario_.stages) options.stage_names.push_back(stage.name);
  }
  model_.reset(options);
  series_.clear();
  step_until_ = -1;
  lesson_checks_ = {};
  machine_at_start_ = machine_snapshot();
  scrub_t_ = -1;
  replaying_ = false;
  canvas_keys_.reset(model_.options());
}

const LessonCheckView& Session::lesson_checks() {
  if (lesson_checks_.ready || !finished() || original_.lessons.empty()) return lesson_checks_;
  const RunSummary summary = run_->summary();
  // This run is the scenario as written, possibly with the user's edits.
  const std::vector<std::string> changes = scenario_changes(original_, edited_);
  lesson_checks_ = check_lessons(
      original_,
      [&](const ClaimVariant& v) -> const RunSummary* { return v.overrides.empty() ? &summary : nullptr; },
      changes, machine_load(),
      "Tick Compare to run the scenario's variants side by side, or run `poolviz check " + original_.id + "`.");
  return lesson_checks_;
}

std::string Session::machine_load() const { return machine_load_text(machine_at_start_, machine_snapshot()); }

void Session::start_run() {
  if (owned_) {
    owned_->detach(&model_);
    if (recording_) owned_->detach(recording_.get());
    model_.bind(nullptr);
    run_ = nullptr;
    retire(std::move(owned_));
  }
  reset_view();
  RunOptions run_options;
  run_options.speed = speed_;
  run_options.start_paused = start_paused_;
  owned_ = std::make_unique<Run>(scenario_, run_options);
  run_ = owned_.get();
  model_.bind(&run_->timeline());
  run_->attach(&model_);
  recording_ = make_recording(run_->timeline().options());
  run_->attach(recording_.get());
  run_->start();
}

bool Session::refuse_when_served() {
  if (replay_) {
    say("this window replays a recording: open a scenario with `poolviz gui` to run one", true);
    return true;
  }
  if (!served()) return false;
  say("this pool serves HTTP tasks: restart or open a scenario with `poolviz gui`", true);
  return true;
}

double Session::opening_speed(const Scenario& scenario) {
  return scenario.view.speed > 0 ? std::clamp(scenario.view.speed, 0.1, 20.0) : 1.0;
}

void Session::load(Scenario scenario) {
  if (refuse_when_served()) return;
  scenario_ = std::move(scenario);
  edited_ = scenario_;
  original_ = scenario_;
  speed_ = opening_speed(scenario_);
  start_paused_ = true;  // a new scenario opens on its first frame: press Space to start
  start_run();
  say("loaded " + scenario_.id);
}

void Session::restart() {
  if (refuse_when_served()) return;
  scenario_ = edited_;
  start_paused_ = paused();
  start_run();
}

void Session::frame(float real_dt) {
  run_->poll();
  if (recording_) canvas_keys_.feed(*recording_);
  if (replaying_) {
    const double next = scrub_t_ + static_cast<double>(real_dt) * speed_;
    if (next >= recorded_seconds()) {
      live();
    } else {
      seek(next);
    }
  }
  const double now = now_seconds();
  if (step_until_ >= 0 && now >= step_until_) {
    run_->clock().pause();
    step_until_ = -1;
  }
  if (!replay_) series_.sample(run_->timeline());  // a replay's series are the recording's
}

void Session::seek(double seconds) {
  if (!recording_) return;
  const Nanos t =
      std::clamp(from_seconds(std::max(seconds, 0.0)), recording_->start_time(), recording_->end_time());
  scrub_t_ = to_seconds(t);
  scrub_timeline_ = recording_->state_at(t);
  // The canvas: from its newest keyframe at or before t.
  canvas_keys_.seek(*recording_, t, &scrub_timeline_, scrub_model_);
}

void Session::live() {
  if (replay_) {  // no "now" but the recording's end
    replaying_ = false;
    seek(recorded_seconds());
    return;
  }
  scrub_t_ = -1;
  replaying_ = false;
  scrub_model_.reset(model_.options());
}

bool Session::paused() const {
  if (replay_) return !replaying_;  // a recording file: the transport plays the recording
  return run_->clock().paused() && step_until_ < 0;
}

void Session::set_paused(bool paused) {
  if (replay_) {
    // From the start when at the end of the recording, else from the moment shown.
    if (!paused && (!scrubbing() || scrub_t_ >= recorded_seconds())) seek(0);
    set_replaying(!paused);
    return;
  }
  step_until_ = -1;
  if (paused) {
    run_->clock().pause();
  } else {
    run_->clock().resume();
  }
}

void Session::step(double seconds) {
  if (replay_) {  // the recording moves on; the idle engine is never started
    replaying_ = false;
    seek((scrubbing() ? scrub_t_ : 0) + seconds);
    return;
  }
  step_until_ = now_seconds() + seconds;
  run_->clock().resume();
}

void Session::set_speed(double speed) {
  speed_ = std::clamp(speed, 0.1, 20.0);
  run_->clock().set_speed(speed_);
}

double Session::now_seconds() const { return replay_ ? recorded_seconds() : to_seconds(run_->now()); }

void Session::say(std::string message, bool error) {
  status = std::move(message);
  status_is_error = error;
}

}  // namespace poolviz::gui
