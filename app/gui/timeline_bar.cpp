// The timeline bar under the flow canvas: the recorded span of the run, a
// handle at the moment shown, "Live" to return to now, "Replay" to play the
// recording from the moment shown, and whether the engine runs meanwhile.
#include <GLFW/glfw3.h>

#include <algorithm>
#include <cstdio>

#include "gui/panels.h"

namespace poolviz::gui {

void draw_timeline_bar(Scrubbable& session, const Theme& theme, float width) {
  const Palette& pal = theme.colours();
  const double end = std::max(session.recorded_seconds(), 0.001);
  const double start = std::min(session.recorded_from_seconds(), end - 0.001);  // later once old events are forgotten
  const bool scrubbing = session.scrubbing();
  ImGui::PushID("timeline bar");

  // Live / Replay buttons, then the bar, then what is shown.
  if (ImGui::Button("Live")) session.live();
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("Back to now (End)");
  ImGui::SameLine();
  if (ImGui::Button(session.replaying() ? "Stop replay" : "Replay")) {
    // From the start when live or at the end of the recording, else from the moment shown.
    if (!scrubbing || session.scrub_seconds() >= session.recorded_seconds()) session.seek(0);
    session.set_replaying(!session.replaying());
  }
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("Play the recording from the moment shown, at the transport's speed");
  ImGui::SameLine();

  char status[128];
  if (scrubbing) {
    if (start > 0) {
      std::snprintf(status, sizeof status, "showing %.2f s (%.2f-%.2f s recorded)  |  %s", session.scrub_seconds(),
                    start, end, session.engine_state());
    } else {
      std::snprintf(status, sizeof status, "showing %.2f s of %.2f s recorded  |  %s", session.scrub_seconds(), end,
                    session.engine_state());
    }
  } else {
    std::snprintf(status, sizeof status, "live  |  %s  |  drag, or Left/Right, to go back",
                  session.engine_state());
  }
  const float status_w = ImGui::CalcTextSize(status).x + 12;
  const float bar_w = std::max(width - ImGui::GetCursorPosX() - status_w, 60.0F);
  ImGui::InvisibleButton("bar", ImVec2(bar_w, ImGui::GetFrameHeight()));
  const ImVec2 a = ImGui::GetItemRectMin();
  const ImVec2 b = ImGui::GetItemRectMax();
  if (ImGui::IsItemActive()) {
    const double f = std::clamp((ImGui::GetIO().MousePos.x - a.x) / (b.x - a.x), 0.0F, 1.0F);
    session.seek(start + f * (end - start));
  }
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const float mid = (a.y + b.y) / 2;
  dl->AddRectFilled(ImVec2(a.x, mid - 3), ImVec2(b.x, mid + 3), pal.grid, 3);
  const double shown = scrubbing ? session.scrub_seconds() : end;
  const float x = a.x + static_cast<float>((shown - start) / (end - start)) * (b.x - a.x);
  dl->AddRectFilled(ImVec2(a.x, mid - 3), ImVec2(x, mid + 3), scrubbing ? pal.series[1] : pal.series[0], 3);
  dl->AddCircleFilled(ImVec2(x, mid), ImGui::GetFrameHeight() * 0.32F, scrubbing ? pal.series[1] : pal.text);
  ImGui::SameLine();
  ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(scrubbing ? pal.text : pal.text_dim), "%s", status);
  ImGui::PopID();
}

void handle_scrub_keys(Scrubbable& session) {
  const ImGuiIO& io = ImGui::GetIO();
  const double step = io.KeyShift ? 1.0 : 0.1;
  const double from = session.scrubbing() ? session.scrub_seconds() : session.recorded_seconds();
  if (ImGui::IsKeyPressed(GLFW_KEY_LEFT, true)) session.seek(from - step);
  if (ImGui::IsKeyPressed(GLFW_KEY_RIGHT, true) && session.scrubbing()) {
    if (from + step >= session.recorded_seconds()) {
      session.live();
    } else {
      session.seek(from + step);
    }
  }
  if (ImGui::IsKeyPressed(GLFW_KEY_END, false)) session.live();
}

}  // namespace poolviz::gui
