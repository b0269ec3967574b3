// The transport bar: which scenario, play/pause/step/reset, speed, the
// scenario clock, screenshot, and the look (theme, UI scale); and the keys
// that do the same (handle_keys).

#include <GLFW/glfw3.h>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdio>

#include "gui/panels.h"

namespace poolviz::gui {

std::string clock_text(double seconds) {
  char buf[32];
  std::snprintf(buf, sizeof buf, seconds < 10 ? "t = %.2f s" : "t = %.1f s", seconds);
  return buf;
}

void open_scenario(Session& session, const std::string& path_or_id) {
  try {
    session.load(load_scenario(path_or_id));
  } catch (const std::exception& e) {
    session.say(e.what(), true);
  }
}

namespace {

// The id (what the README and the CLI use) and the title of each built-in scenario.
void draw_scenario_picker(Session& session, const UiState& ui, const Palette& pal, float s) {
  const Scenario& current = session.scenario();
  ImGui::SetNextItemWidth(std::clamp(ImGui::GetContentRegionAvail().x * 0.17F, 140 * s, 320 * s));
  ImGui::SetNextWindowSizeConstraints(ImVec2(560 * s, 0), ImVec2(FLT_MAX, FLT_MAX));  // the popup fits the titles
  if (ImGui::BeginCombo("##scenario", current.id.c_str(), ImGuiComboFlags_HeightLarge)) {
    const float title_x = 210 * s;
    for (const Scenario& sc : ui.library) {
      const bool selected = sc.id == current.id;
      const std::string label = sc.id + "##" + sc.id;
      if (ImGui::Selectable(label.c_str(), selected)) session.load(sc);
      const bool hovered = ImGui::IsItemHovered();
      if (!sc.title.empty()) {
        ImGui::SameLine(title_x);
        ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(pal.text_dim), "%s", sc.title.c_str());
      }
      if (hovered && !sc.summary.empty()) {
        ImGui::BeginTooltip();
        ImGui::PushTextWrapPos(ImGui::GetFontSize() * 32);
        ImGui::TextUnformatted(sc.summary.c_str());
        ImGui::PopTextWrapPos();
        ImGui::EndTooltip();
      }
      if (selected) ImGui::SetItemDefaultFocus();
    }
    ImGui::EndCombo();
  }
  if (ImGui::IsItemHovered() && !current.title.empty()) ImGui::SetTooltip("%s", current.title.c_str());
}

// "Open..." and its popup: a .toml path or a built-in id.
void draw_open_file(Session& session, UiState& ui, float s) {
  if (ImGui::Button("Open...")) {
    ui.open_dialog = true;
    ImGui::OpenPopup("open-file");
  }
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("Open a scenario .toml (or drop one onto the window)");
  if (ImGui::BeginPopup("open-file")) {
    ImGui::TextUnformatted("Scenario file (.toml) or built-in id:");
    char buf[512];
    std::snprintf(buf, sizeof buf, "%s", ui.open_path.c_str());
    ImGui::SetNextItemWidth(420 * s);
    if (ImGui::IsWindowAppearing()) ImGui::SetKeyboardFocusHere();
    const bool enter = ImGui::InputText("##path", buf, sizeof buf, ImGuiInputTextFlags_EnterReturnsTrue);
    ui.open_path = buf;
    ImGui::SameLine();
    if (ImGui::Button("Open") || enter) {
      open_scenario(session, ui.open_path);
      ImGui::CloseCurrentPopup();
    }
    ImGui::EndPopup();
  }
}

// Play/pause, step, reset.
void draw_play_buttons(Session& session) {
  const bool paused = session.paused();
  if (ImGui::Button(paused ? "  Play  " : " Pause  ")) session.set_paused(!paused);
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("Space");
  ImGui::SameLine();
  if (ImGui::Button("Step")) session.step();
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("'.' runs 0.1 s of scenario time, then pauses");
  ImGui::SameLine();
  if (ImGui::Button("Reset")) session.restart();
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("R: start this scenario again from 0 s");
}

// Speed: a log slider from 0.1× to 20×, and − / + buttons.
void draw_speed(Session& session, float s) {
  if (ImGui::Button("-")) session.set_speed(session.speed() / 1.5);
  ImGui::SameLine(0, 2 * s);
  float speed = static_cast<float>(session.speed());
  ImGui::SetNextItemWidth(96 * s);
  if (ImGui::SliderFloat("##speed", &speed, 0.1F, 20.0F, "speed %.2gx",
                         ImGuiSliderFlags_Logarithmic | ImGuiSliderFlags_NoRoundToFormat)) {
    session.set_speed(speed);
  }
  ImGui::SameLine(0, 2 * s);
  if (ImGui::Button("+")) session.set_speed(session.speed() * 1.5);
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("Scenario time = real time x speed ('+' and '-' keys)");
}

// The scenario clock (or the moment being scrubbed to).
void draw_clock(Session& session, const Theme& theme, bool comparing) {
  const Palette& pal = theme.colours();
  ImGui::AlignTextToFramePadding();
  ImGui::PushFont(theme.large);
  if (comparing) {
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(pal.text_dim), "comparing");
  } else if (session.scrubbing()) {
    // The span recorded is under the timeline bar; one "of" on screen, not two.
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(pal.text), "%s, back in time", clock_text(session.scrub_seconds()).c_str());
  } else {
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(pal.text), "%s", clock_text(session.now_seconds()).c_str());
  }
  ImGui::PopFont();
}

// The last status message, clipped to `width`, in red when it is an error.
void draw_status(Session& session, const Palette& pal, float width) {
  if (!session.status.empty() && width > 40) {
    ImGui::AlignTextToFramePadding();
    ImGui::PushStyleColor(ImGuiCol_Text, ImGui::ColorConvertU32ToFloat4(
                                             session.status_is_error ? pal.of(JobPlace::failed) : pal.text_dim));
    const ImVec2 p = ImGui::GetCursorScreenPos();
    ImGui::PushClipRect(p, ImVec2(p.x + width, p.y + ImGui::GetFrameHeight()), true);
    ImGui::TextUnformatted(session.status.c_str());
    ImGui::PopClipRect();
    ImGui::PopStyleColor();
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", session.status.c_str());
    ImGui::SameLine();
  }
}

// The look (theme, UI scale) lives in one small popup, so the bar fits 1024 pixels.
void draw_view_popup(UiState& ui) {
  if (ImGui::Button("View")) ImGui::OpenPopup("view-popup");
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("Light or dark theme, text size");
  if (ImGui::BeginPopup("view-popup")) {
    if (ImGui::MenuItem("Dark theme", nullptr, ui.dark)) {
      ui.dark = !ui.dark;
      ui.theme_changed = true;
    }
    ImGui::Text("UI scale %.0f%%", ui.user_scale * 100);
    ImGui::SameLine();
    if (ImGui::Button("A-")) {
      ui.user_scale = std::max(0.6F, ui.user_scale - 0.1F);
      ui.theme_changed = true;
    }
    ImGui::SameLine();
    if (ImGui::Button("A+")) {
      ui.user_scale = std::min(3.0F, ui.user_scale + 0.1F);
      ui.theme_changed = true;
    }
    ImGui::EndPopup();
  }
}

}  // namespace

void draw_transport(Session& session, UiState& ui, const Theme& theme, bool comparing) {
  const Palette& pal = theme.colours();
  const float s = theme.scale();
  draw_scenario_picker(session, ui, pal, s);
  ImGui::SameLine();
  draw_open_file(session, ui, s);
  ImGui::SameLine(0, 18 * s);
  draw_play_buttons(session);
  ImGui::SameLine(0, 14 * s);
  draw_speed(session, s);
  ImGui::SameLine(0, 14 * s);
  draw_clock(session, theme, comparing);

  // Right side: status, look, screenshot (and the compare toggle after them).
  const ImGuiStyle& style = ImGui::GetStyle();
  const auto button_w = [&](const char* label) {
    return ImGui::CalcTextSize(label).x + 2 * style.FramePadding.x;
  };
  const float right_w =
      button_w("View") + button_w("Screenshot") + 2 * style.ItemSpacing.x + 115 * s;
  ImGui::SameLine(0, 18 * s);
  draw_status(session, pal, ImGui::GetContentRegionAvail().x - right_w);
  ImGui::SetCursorPosX(
      std::max(ImGui::GetCursorPosX(), ImGui::GetWindowContentRegionMax().x - right_w));
  draw_view_popup(ui);
  ImGui::SameLine();
  if (ImGui::Button("Screenshot")) ui.screenshot_requested = true;
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("F12: save a PNG of the window in the current folder");
  ImGui::SameLine();  // the compare toggle follows on this line
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

}  // namespace poolviz::gui
