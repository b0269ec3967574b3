// app/gui/session.h — what the window shows: one live Run of one Scenario,
// the view model and plot series fed from it, and the transport state.
//
// The engine never waits on the GUI: frame() drains the Run's events once per
// frame (Run::poll) into the view model and the plots, nothing more. Every
// panel reads and edits the run through this one object, so no state is kept
// twice.
//
// Contract: GUI thread only. Destroying a Session (or restart()) stops its Run
// with cancellation and joins every engine thread.
//
// Scrubbing: the Session records the run's events (a Recording with Timeline
// keyframes). seek(t) shows a past moment: model() and timeline() then answer
// for that moment (the canvas, counters, decision log and explanation follow),
// the plots draw a cursor line there, and the engine goes on or stays paused
// as it was (engine_state() says which). live() returns to now.
//
// A served Session (`poolviz serve --gui`) shows a Run it does not own: the
// HTTP server's. It never starts, restarts, replaces or stops that Run; the
// owner serialises the Run's controlling calls by locking around each frame.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "gui/canvas_keyframes.h"
#include "gui/flow_model.h"
#include "gui/lesson_panel.h"
#include "gui/plot_series.h"
#include "poolviz/compat_thread.h"
#include "poolviz/lesson_check.h"
#include "poolviz/recording.h"
#include "poolviz/run.h"
#include "poolviz/scenario.h"

namespace poolviz::gui {

/// What the timeline bar moves: one Session, or every variant of a compare
/// view together (CompareView), through the same calls.
class Scrubbable {
 public:
  virtual ~Scrubbable() = default;
  virtual bool scrubbing() const = 0;
  /// Scenario seconds shown while scrubbing.
  virtual double scrub_seconds() const = 0;
  /// The recorded span: [recorded_from_seconds(), recorded_seconds()].
  virtual double recorded_seconds() const = 0;
  virtual double recorded_from_seconds() const = 0;
  /// Shows scenario time `seconds` (clamped to the recorded span).
  virtual void seek(double seconds) = 0;
  /// Back to now.
  virtual void live() = 0;
  /// Plays the recording from the moment shown at the transport's speed.
  virtual bool replaying() const = 0;
  virtual void set_replaying(bool replaying) = 0;
  /// "engine paused", "engine running", ... for the screen.
  virtual const char* engine_state() const = 0;
};

/// Stops and destroys a Run the window let go of (its sinks detached), or
/// stops and joins a thread of the window's: on the desktop here and now
/// (closing the window waits for the joins); in the browser on the page's
/// long-lived reaper thread (poolviz/run_reaper.h), never on its main thread.
void retire(std::unique_ptr<Run> run);
void retire(poolviz::jthread thread);

class Session final : public Scrubbable {
 public:
  Session(Scenario scenario, double speed, bool start_paused);
  /// Shows `served` (already started by its owner, who outlives this Session).
  explicit Session(Run& served);
  /// Replays `recording` (of `scenario`): no arrivals reach the engine, which
  /// stays idle; the views scrub and play the recording. Opens at its end.
  Session(Scenario scenario, const LoadedRecording& recording);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  /// True when the Run belongs to `poolviz serve`: no restart, no new scenario.
  bool served() const { return owned_ == nullptr; }

  /// Replaces the scenario and starts it from time 0, at its [view] speed.
  /// Served: refused with a status message.
  void load(Scenario scenario);
  /// Starts the current (possibly edited) scenario again from time 0.
  /// Served: refused with a status message.
  void restart();

  /// Once per frame: drain events, sample plots, finish a pending step.
  void frame(float real_dt);

  // Transport ---------------------------------------------------------------
  // Replaying a recording file, Play/Pause and Step act on the recording (the
  // idle engine is never started).
  bool paused() const;
  void set_paused(bool paused);
  /// Runs `seconds` of scenario time, then pauses.
  void step(double seconds = 0.1);
  double speed() const { return speed_; }
  void set_speed(double speed);
  /// Scenario seconds since the run started.
  double now_seconds() const;
  bool finished() const { return run_ && run_->finished(); }

  // What panels read -----------------------------------------------------------
  Run& run() { return *run_; }
  const Scenario& scenario() const { return scenario_; }
  /// The scenario as edited by the controls (applied live or on restart).
  Scenario& edited() { return edited_; }
  /// The canvas model of the moment shown (the scrubbed one while scrubbing).
  FlowModel& model() { return scrubbing() ? scrub_model_ : model_; }
  /// The Timeline of the moment shown: every figure on screen is read here.
  const Timeline& timeline() const { return scrubbing() ? scrub_timeline_ : run_->timeline(); }
  PlotSeriesSet& series() { return series_; }
  /// A one-line message for the transport bar (errors, "saved ...").
  std::string status;
  bool status_is_error = false;
  /// Show "paused: press Space" style hints (off in screenshots).
  bool hints = true;
  void say(std::string message, bool error = false);

  /// True when lanes are OS threads (thread-per-task): no lanes, a count.
  bool threads_mode() const;

  /// The scenario as loaded (before any control edits): what its lesson claims are about.
  const Scenario& original() const { return original_; }
  /// The lesson claims, checked against this run once it has finished (ready
  /// = false before). Claims reading other variants say where to see them.
  const LessonCheckView& lesson_checks();
  /// Machine load and steal time since this run started ("" when unknown).
  std::string machine_load() const;
  // Scrubbing ---------------------------------------------------------------
  bool scrubbing() const override { return scrub_t_ >= 0; }
  /// True when this Session shows a recording file, not a live engine.
  bool replay() const { return replay_; }
  /// Shows scenario time `seconds` (clamped to the recorded span).
  void seek(double seconds) override;
  /// Back to now.
  void live() override;
  /// Plays the recording from the moment shown at the transport's speed (the
  /// engine is not touched); reaching the end of the recording goes live.
  void set_replaying(bool replaying) override { replaying_ = replaying && scrubbing(); }
  bool replaying() const override { return replaying_; }
  /// The run's events as recorded for seek() (nullptr before any run).
  const Recording* recording() const { return recording_.get(); }
  /// Scenario seconds shown while scrubbing; the recorded span's start and end
  /// (the start moves on once a long run's oldest events are forgotten).
  double scrub_seconds() const override { return scrub_t_; }
  double recorded_seconds() const override { return recording_ ? to_seconds(recording_->end_time()) : 0; }
  double recorded_from_seconds() const override { return recording_ ? to_seconds(recording_->start_time()) : 0; }
  /// "engine paused" or "engine running", for the screen.
  const char* engine_state() const override {
    return replay_ ? "replaying a recording (no engine)" : run_->clock().paused() ? "engine paused" : "engine running";
  }

  /// The speed a scenario opens at: its [view] speed hint, else 1×.
  static double opening_speed(const Scenario& scenario);

 private:
  void start_run();
  void reset_view();
  /// A served Session cannot restart; says so. True when refused.
  bool refuse_when_served();

  Scenario scenario_;
  Scenario edited_;
  Scenario original_;
  LessonCheckView lesson_checks_;
  MachineSnapshot machine_at_start_;
  double speed_;
  bool start_paused_;
  double step_until_ = -1;
  FlowModel model_;
  PlotSeriesSet series_;
  std::unique_ptr<Recording> recording_;  // the run's events, for seek()
  double scrub_t_ = -1;                   // < 0 = live
  bool replaying_ = false;
  bool replay_ = false;  // a recording file, no live run
  Timeline scrub_timeline_;
  FlowModel scrub_model_;
  CanvasKeyframes canvas_keys_;  // the canvas's keyframes, for seek()
  Run* run_ = nullptr;  // owned_ or the served Run
  std::unique_ptr<Run> owned_;  // declared last: destroyed first, while the model still exists
};

}  // namespace poolviz::gui
