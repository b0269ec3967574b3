// app/gui/compare_panel.h — compare mode: two to four variants of one scenario
// on the same seeded arrivals, side by side.
//
//   +-- transport (one for all variants) --------------------------------------+
//   | variant 1 flow canvas (compact)      | [Plots] [Table] [Theory] [Sweep]   |
//   | variant 2 flow canvas                |  overlaid plots, one colour per    |
//   | ...                                  |  variant; best figure highlighted  |
//   +--------------------------------------+------------------------------------+
//
// Each variant is a gui::Session (its own Run, view model and plot series), so
// the flow canvas and the series are the main window's own code. The Sessions
// are built paused and released together; because each Run's workload
// generator is seeded from the same spec, every variant sees the same arrivals.
//
// Contract: GUI thread only. Destroying a CompareView stops every Run
// (cancel) and joins its threads.
#pragma once

#include <imgui.h>

#include <memory>
#include <string>
#include <vector>

#include "gui/hockey_stick.h"
#include "gui/panels.h"
#include "gui/session.h"
#include "poolviz/compare.h"
#include "poolviz/timeline.h"
#include "poolviz/theory_overlay.h"

namespace poolviz::gui {

class CompareView final : public Scrubbable {
 public:
  /// Variants from `base`'s [[compare]] blocks, or the base + `extra` (see
  /// plan_variants); a scenario with no [[compare]] starts with itself alone
  /// and the user adds variants. Throws ScenarioError / std::invalid_argument.
  CompareView(const Scenario& base, std::vector<CompareVariant> extra, double speed);
  ~CompareView();

  /// Once per frame: every variant's Session::frame.
  void frame(float real_dt);

  // One transport for all variants.
  bool paused() const;
  void set_paused(bool paused);
  double speed() const { return speed_; }
  void set_speed(double speed);
  /// Every variant again from time 0, same arrivals.
  void restart();
  /// Adds a variant (base + overrides) and restarts all; false when 4 already
  /// run. Throws ScenarioError for an invalid override.
  bool add_variant(const CompareVariant& variant);
  /// Removes variant i (not the last one) and restarts all.
  void remove_variant(std::size_t i);
  double now_seconds() const;
  bool finished() const;

  std::size_t size() const { return variants_.size(); }
  const std::string& label(std::size_t i) const { return variants_[i]->plan.label; }
  Session& session(std::size_t i) { return *variants_[i]->session; }
  const Scenario& base() const { return base_; }

  /// The side-by-side table and each variant's theory overlay, from the live figures.
  ComparisonTable table() const;
  Overlay overlay(std::size_t i) const;

  SweepRunner& sweep() { return sweep_; }

  // One scrubber for every variant: seek() moves them all to the same moment
  // (a variant that ended earlier shows its end); Replay plays them together.
  bool scrubbing() const override { return scrub_t_ >= 0; }
  double scrub_seconds() const override { return scrub_t_; }
  double recorded_seconds() const override;
  double recorded_from_seconds() const override;
  void seek(double seconds) override;
  void live() override;
  bool replaying() const override { return replaying_; }
  void set_replaying(bool replaying) override { replaying_ = replaying && scrubbing(); }
  const char* engine_state() const override { return paused() ? "engines paused" : "engines running"; }

  /// The base scenario's lesson claims, checked against the variants once all
  /// have finished (ready = false before); a claim reads a variant by its
  /// overrides, so variants the user added count too.
  const LessonCheckView& lesson_checks();

  /// The Sweep tab's form (kept here so it survives between frames).
  struct SweepForm {
    float from = 0, to = 0;  // arrivals per second; to = 0: fill from the scenario
    int steps = 8;
    float speed = 10;
  } sweep_form;

 private:
  struct Variant {
    VariantPlan plan;
    TheoryCheck theory;
    std::unique_ptr<Session> session;
    explicit Variant(VariantPlan p) : plan(std::move(p)) {}
  };
  void build();

  Scenario base_;
  std::vector<VariantPlan> plans_;
  double speed_;
  std::vector<std::unique_ptr<Variant>> variants_;
  int frames_until_release_ = 0;  // > 0: the clocks start when it reaches 0
  double scrub_t_ = -1;           // < 0 = live
  bool replaying_ = false;
  SweepRunner sweep_;
  LessonCheckView lesson_checks_;

 public:
  /// The "add variant" form (kept here so it survives between frames).
  struct AddForm {
    int strategy = 0;  // index into strategy_names()
    int workers = 4;
    std::string error;
  } add_form;
};

/// The main window's hook. Draws a "Compare" checkbox on the current line;
/// while it is ticked, keeps `view` on `session`'s scenario (built on first use
/// and when the scenario changes), pauses the single run, draws the compare
/// view below it (the rest of the window) and returns true, so the caller
/// skips its own panels this frame.
bool draw_compare_mode(std::unique_ptr<CompareView>& view, Session& session, UiState& ui, const Theme& theme,
                       float real_dt);

/// The whole compare view in `size`: transport, stacked canvases, plots, table, theory, sweep.
void draw_compare_panel(CompareView& view, UiState& ui, const Theme& theme, ImVec2 size, float real_dt);

}  // namespace poolviz::gui
