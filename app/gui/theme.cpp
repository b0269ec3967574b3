#include "gui/theme.h"

#include <backends/imgui_impl_opengl3.h>

#include <algorithm>
#include <cmath>
#include <span>
#include <filesystem>

namespace poolviz::gui {

namespace {

constexpr const char* kFontPaths[] = {
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
};
constexpr const char* kBoldFontPaths[] = {
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
    "/usr/share/fonts/TTF/DejaVuSans-Bold.ttf",
};

const char* first_existing(std::span<const char* const> paths) {
  for (const char* p : paths) {
    std::error_code ec;
    if (std::filesystem::exists(p, ec)) return p;
  }
  return nullptr;
}

}  // namespace

ImU32 rgb(unsigned c, int alpha) {
  return IM_COL32((c >> 16) & 0xFF, (c >> 8) & 0xFF, c & 0xFF, std::clamp(alpha, 0, 255));
}

ImU32 fade(ImU32 colour, float factor) {
  const auto a = static_cast<float>((colour >> IM_COL32_A_SHIFT) & 0xFF) * std::clamp(factor, 0.0F, 1.0F);
  return (colour & ~IM_COL32_A_MASK) | (static_cast<ImU32>(a) << IM_COL32_A_SHIFT);
}

ImU32 Theme::text_tone(ImU32 hue) const {
  if (dark_) return hue;
  ImVec4 c = ImGui::ColorConvertU32ToFloat4(hue);
  // 55 % brightness brings every Okabe–Ito hue to at least 4.5:1 on white.
  c.x *= 0.55F, c.y *= 0.55F, c.z *= 0.55F;
  return ImGui::ColorConvertFloat4ToU32(c);
}

void Theme::apply(bool dark, float scale) {
  scale = std::clamp(scale, 0.5F, 4.0F);
  if (scale != font_scale_) fonts_dirty_ = true;
  dark_ = dark;
  scale_ = scale;

  ImGuiStyle style;
  if (dark) {
    ImGui::StyleColorsDark(&style);
  } else {
    ImGui::StyleColorsLight(&style);
  }
  style.WindowRounding = 0;
  style.ChildRounding = 4;
  style.FrameRounding = 4;
  style.GrabRounding = 4;
  style.WindowPadding = ImVec2(8, 6);
  style.FramePadding = ImVec2(7, 4);
  style.ItemSpacing = ImVec2(8, 5);
  style.ScrollbarSize = 14;
  style.ScaleAllSizes(scale);
  ImGui::GetStyle() = style;

  using namespace okabe_ito;
  Palette& p = palette_;
  const auto idx = [](JobPlace j) { return static_cast<int>(j); };
  p.place[idx(JobPlace::arriving)] = rgb(kSkyBlue);
  p.place[idx(JobPlace::queued)] = rgb(kSkyBlue);
  p.place[idx(JobPlace::at_gate)] = rgb(kOrange);
  p.place[idx(JobPlace::running)] = rgb(kBlue);
  p.place[idx(JobPlace::retry_wait)] = rgb(kYellow);
  p.place[idx(JobPlace::completed)] = rgb(kBluishGreen);
  p.place[idx(JobPlace::failed)] = rgb(kVermillion);
  p.place[idx(JobPlace::timed_out)] = rgb(kReddishPurple);
  p.place[idx(JobPlace::cancelled)] = rgb(0x999999);
  p.place[idx(JobPlace::rejected)] = dark ? rgb(0xF2F2F2) : rgb(kBlack);
  if (dark) {
    p.text = rgb(0xEAEAEA);
    p.text_dim = rgb(0xA0A4AA);
    p.canvas_bg = rgb(0x1B1E23);
    p.panel_bg = rgb(0x24282E);
    p.lane_bg = rgb(0x2C3138);
    p.lane_busy_bg = rgb(0x233447);
    p.lane_border = rgb(0x4A515B);
    p.grid = rgb(0x3A4048);
    p.accent = rgb(kSkyBlue);
    p.chip_border = rgb(0x0E1013, 200);
  } else {
    p.text = rgb(0x1A1A1A);
    p.text_dim = rgb(0x5C6066);
    p.canvas_bg = rgb(0xF7F7F5);
    p.panel_bg = rgb(0xEDEDEA);
    p.lane_bg = rgb(0xE4E6E8);
    p.lane_busy_bg = rgb(0xD6E6F4);
    p.lane_border = rgb(0xA9AEB5);
    p.grid = rgb(0xD0D3D8);
    p.accent = rgb(kBlue);
    p.chip_border = rgb(0x202020, 170);
  }
  const unsigned series[6] = {kBlue, kOrange, kVermillion, kBluishGreen, kReddishPurple, kSkyBlue};
  for (int i = 0; i < 6; ++i) p.series[i] = rgb(series[i]);
  if (dark) p.series[0] = rgb(kSkyBlue), p.series[5] = rgb(kYellow);

  ImGuiStyle& s = ImGui::GetStyle();
  s.Colors[ImGuiCol_WindowBg] = ImGui::ColorConvertU32ToFloat4(p.panel_bg);
  s.Colors[ImGuiCol_ChildBg] = ImVec4(0, 0, 0, 0);
  s.Colors[ImGuiCol_Text] = ImGui::ColorConvertU32ToFloat4(p.text);
  s.Colors[ImGuiCol_TextDisabled] = ImGui::ColorConvertU32ToFloat4(p.text_dim);
}

void Theme::rebuild_fonts() {
  ImGuiIO& io = ImGui::GetIO();
  io.Fonts->Clear();
  const float base = 16.0F * scale_;
  ImFontConfig config;
  config.OversampleH = 2;
  config.OversampleV = 1;
  regular = large = small = nullptr;
  if (const char* path = first_existing(kFontPaths)) {
    regular = io.Fonts->AddFontFromFileTTF(path, base, &config);
    small = io.Fonts->AddFontFromFileTTF(path, std::round(base * 0.8F), &config);
  }
  if (const char* bold = first_existing(kBoldFontPaths)) {
    large = io.Fonts->AddFontFromFileTTF(bold, std::round(base * 1.35F), &config);
  }
  if (regular == nullptr) {
    // No DejaVu: ImGui's built-in font, scaled (blurrier, but it works everywhere).
    ImFontConfig fallback;
    fallback.SizePixels = std::round(13.0F * scale_);
    regular = small = io.Fonts->AddFontDefault(&fallback);
  }
  if (large == nullptr) large = regular;
  if (small == nullptr) small = regular;
  io.FontDefault = regular;
  io.Fonts->Build();
  ImGui_ImplOpenGL3_DestroyFontsTexture();
  ImGui_ImplOpenGL3_CreateFontsTexture();
  font_scale_ = scale_;
  fonts_dirty_ = false;
}

}  // namespace poolviz::gui
