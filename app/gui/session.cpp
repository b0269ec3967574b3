#include "gui/session.h"

#include <algorithm>
#include <utility>

namespace poolviz::gui {

Session::Session(Scenario scenario, double speed, bool start_paused)
    : scenario_(std::move(scenario)), edited_(scenario_), speed_(speed), start_paused_(start_paused) {
  start_run();
}

Session::Session(Run& served)
    : scenario_(served.scenario()), edited_(scenario_), speed_(served.clock().speed()), start_paused_(false) {
  run_ = &served;
  reset_view();
  model_.bind(&run_->timeline());
  run_->attach(&model_);
}

Session::~Session() {
  if (run_ == nullptr) return;
  if (owned_) run_->stop(ShutdownMode::cancel);
  run_->detach(&model_);
}

bool Session::threads_mode() const {
  return scenario_.pool.strategy == Strategy::thread_per_task || scenario_.view.lanes == "threads";
}

void Session::reset_view() {
  FlowModelOptions options;
  options.threads_mode = threads_mode();
  options.queue_by_priority = scenario_.pool.strategy == Strategy::priority;
  if (scenario_.stages.size() > 1) {
    for (const StageSpec& stage : scenario_.stages) options.stage_names.push_back(stage.name);
  }
  model_.reset(options);
  series_.clear();
  step_until_ = -1;
}

void Session::start_run() {
  if (owned_) {
    owned_->stop(ShutdownMode::cancel);
    owned_->detach(&model_);
    owned_.reset();
  }
  reset_view();
  RunOptions run_options;
  run_options.speed = speed_;
  run_options.start_paused = start_paused_;
  owned_ = std::make_unique<Run>(scenario_, run_options);
  run_ = owned_.get();
  model_.bind(&run_->timeline());
  run_->attach(&model_);
  run_->start();
}

bool Session::refuse_when_served() {
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
  speed_ = opening_speed(scenario_);
  start_run();
  say("loaded " + scenario_.id);
}

void Session::restart() {
  if (refuse_when_served()) return;
  scenario_ = edited_;
  start_paused_ = paused();
  start_run();
}

void Session::frame(float /*real_dt*/) {
  run_->poll();
  const double now = now_seconds();
  if (step_until_ >= 0 && now >= step_until_) {
    run_->clock().pause();
    step_until_ = -1;
  }
  series_.sample(run_->timeline());
}

bool Session::paused() const { return run_->clock().paused() && step_until_ < 0; }

void Session::set_paused(bool paused) {
  step_until_ = -1;
  if (paused) {
    run_->clock().pause();
  } else {
    run_->clock().resume();
  }
}

void Session::step(double seconds) {
  step_until_ = now_seconds() + seconds;
  run_->clock().resume();
}

void Session::set_speed(double speed) {
  speed_ = std::clamp(speed, 0.1, 20.0);
  run_->clock().set_speed(speed_);
}

double Session::now_seconds() const { return to_seconds(run_->now()); }

void Session::say(std::string message, bool error) {
  status = std::move(message);
  status_is_error = error;
}

}  // namespace poolviz::gui
