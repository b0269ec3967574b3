// app/gui/lesson_panel.h — the scenario's lesson claims, checked on this
// machine when a run (or a compare) ends: a ✓ or ✗ per claim with the figures
// measured beside it, and for a ✗ the reasons it may not have held.
#pragma once

#include <string>
#include <vector>

#include "gui/theme.h"
#include "poolviz/lesson.h"
#include "poolviz/scenario.h"

namespace poolviz::gui {

/// The settings a user changed from `original` (the scenario as loaded) in
/// `now`, as "pool.workers = 40 (the scenario says 3)"; empty when none.
std::vector<std::string> scenario_changes(const Scenario& original, const Scenario& now);

/// Everything the panel shows, evaluated once when the run ends.
struct LessonCheckView {
  struct Row {
    std::string claim;
    std::string check;
    ClaimOutcome outcome;
    std::string why;  // for a ✗: changed settings, machine load; for a missing run: where to see it
  };
  std::vector<Row> rows;
  bool ready = false;
};

/// Evaluates every claim of `base` with `lookup`; `changes` and `machine`
/// explain a ✗; `missing_hint` explains a claim whose run is not on screen.
/// `side_by_side`: the runs shared this process, so claims about CPU time or
/// memory are not evaluated (`poolviz check` runs each alone).
LessonCheckView check_lessons(const Scenario& base, const ClaimSummaryLookup& lookup,
                              const std::vector<std::string>& changes, const std::string& machine,
                              const std::string& missing_hint, bool side_by_side = false);

/// Draws the rows (the ✓/✗ marks are drawn as lines, so any font will do).
void draw_lesson_checks(const LessonCheckView& view, const Theme& theme);

}  // namespace poolviz::gui
