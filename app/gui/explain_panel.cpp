// The explanation panel: what this scenario teaches, what to watch for, and a
// live log of the engine's decisions in plain words.
#include <cstdio>

#include "gui/panels.h"

namespace poolviz::gui {

namespace {

ImU32 log_colour(const Theme& theme, int kind) {
  const Palette& pal = theme.colours();
  switch (static_cast<EventKind>(kind)) {
    case EventKind::rejected: return theme.text_tone(pal.of(JobPlace::failed));
    case EventKind::finished: return theme.text_tone(pal.of(JobPlace::timed_out));
    case EventKind::stolen:
    case EventKind::blocked: return theme.text_tone(rgb(okabe_ito::kOrange));
    case EventKind::worker_spawned: return theme.text_tone(pal.of(JobPlace::completed));
    case EventKind::worker_retired:
    case EventKind::pool_resized: return pal.accent;
    case EventKind::retried: return pal.text;
    default: return pal.text_dim;
  }
}

}  // namespace

void draw_explain_panel(Session& session, const Theme& theme, ImVec2 size) {
  const Scenario& scenario = session.scenario();
  const Palette& pal = theme.colours();
  ImGui::BeginChild("explain", size, false);
  ImGui::PushFont(theme.large);
  ImGui::TextWrapped("%s", scenario.title.empty() ? scenario.id.c_str() : scenario.title.c_str());
  ImGui::PopFont();
  ImGui::PushStyleColor(ImGuiCol_Text, ImGui::ColorConvertU32ToFloat4(pal.text_dim));
  ImGui::Text("%s · %s", scenario.id.c_str(), std::string(to_string(scenario.pool.strategy)).c_str());
  ImGui::PopStyleColor();
  ImGui::Spacing();

  // The text half of the panel scrolls on its own, so the log always has room.
  const float text_h = size.y * 0.46F;
  ImGui::BeginChild("explain-text", ImVec2(0, text_h), false);
  // When the run has ended, the lesson's claims come first: checked on this machine.
  if (const LessonCheckView& checks = session.lesson_checks(); checks.ready) {
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(pal.accent), "The lesson, checked on this machine");
    draw_lesson_checks(checks, theme);
    ImGui::Separator();
  }
  ImGui::TextWrapped("%s", scenario.summary.c_str());
  if (!scenario.watch.empty()) {
    ImGui::Spacing();
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(pal.accent), "Watch for");
    for (const std::string& w : scenario.watch) {
      ImGui::Bullet();
      ImGui::TextWrapped("%s", w.c_str());
    }
  }
  ImGui::EndChild();

  ImGui::Separator();
  ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(pal.accent), "What the pool just decided");
  ImGui::BeginChild("decision-log", ImVec2(0, 0), false);
  const FlowModel& model = session.model();
  const auto& log = model.log();
  // Stick to the bottom when new lines arrive, unless the reader scrolled up.
  ImGuiStorage* storage = ImGui::GetStateStorage();
  const ImGuiID seen_key = ImGui::GetID("seen-serial");
  const int seen_serial = storage->GetInt(seen_key, -1);
  const bool at_bottom = ImGui::GetScrollY() >= ImGui::GetScrollMaxY() - 4;
  if (log.empty()) {
    ImGui::PushStyleColor(ImGuiCol_Text, ImGui::ColorConvertU32ToFloat4(pal.text_dim));
    ImGui::TextWrapped("Nothing yet: rejections, steals, resizes and failures appear here.");
    ImGui::PopStyleColor();
  }
  ImGui::PushFont(theme.small);
  for (const LogLine& line : log) {
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(pal.text_dim), "%6.1f s", to_seconds(line.t));
    ImGui::SameLine();
    ImGui::PushStyleColor(ImGuiCol_Text, ImGui::ColorConvertU32ToFloat4(log_colour(theme, line.kind)));
    ImGui::TextWrapped("%s", line.text.c_str());
    ImGui::PopStyleColor();
  }
  ImGui::PopFont();
  const int serial = static_cast<int>(model.log_serial());
  if (serial != seen_serial && at_bottom) ImGui::SetScrollHereY(1.0F);
  storage->SetInt(seen_key, serial);
  ImGui::EndChild();
  ImGui::EndChild();
}

}  // namespace poolviz::gui
