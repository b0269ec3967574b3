// The lesson claims panel: ✓ / ✗ per claim, with the figures measured here.
#include "gui/lesson_panel.h"

#include <imgui.h>

#include <algorithm>
#include <cstdio>
#include <thread>

#include "poolviz/synthetic.h"

namespace poolviz::gui {

namespace {

std::string number_text(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%.6g", v);
  return text;
}

void compare_field(std::vector<std::string>& out, const char* key, const std::string& was, const std::string& now) {
  if (was != now) out.push_back(std::string(key) + " = " + now + " (the scenario says " + was + ")");
}

}  // namespace

std::vector<std::string> scenario_changes(const Scenario& original, const Scenario& now) {
  std::vector<std::string> out;
  const PoolSpec& a = original.pool;
  const PoolSpec& b = now.pool;
  auto str = [](std::string_view v) { return std::string(v); };
  auto workers = [](int w) { return w > 0 ? std::to_string(w) : std::string("cores"); };
  compare_field(out, "pool.strategy", str(to_string(a.strategy)), str(to_string(b.strategy)));
  compare_field(out, "pool.workers", workers(a.workers), workers(b.workers));
  compare_field(out, "pool.queue_capacity", std::to_string(a.queue_capacity), std::to_string(b.queue_capacity));
  compare_field(out, "pool.overflow", str(to_string(a.overflow)), str(to_string(b.overflow)));
  compare_field(out, "pool.min_workers", std::to_string(a.min_workers), std::to_string(b.min_workers));
  compare_field(out, "pool.max_workers", std::to_string(a.max_workers), std::to_string(b.max_workers));
  compare_field(out, "pool.max_threads", std::to_string(a.max_threads), std::to_string(b.max_threads));
  compare_field(out, "limiter.rate", number_text(original.limiter.rate), number_text(now.limiter.rate));
  compare_field(out, "limiter.burst", number_text(original.limiter.burst), number_text(now.limiter.burst));
  compare_field(out, "limiter.max_in_flight", std::to_string(original.limiter.max_in_flight),
                std::to_string(now.limiter.max_in_flight));
  compare_field(out, "workload.rate", number_text(original.workload.rate), number_text(now.workload.rate));
  compare_field(out, "workload.service_mean_ms", number_text(original.workload.service_mean_ms),
                number_text(now.workload.service_mean_ms));
  compare_field(out, "workload.kind", str(to_string(original.workload.kind)), str(to_string(now.workload.kind)));
  return out;
}

LessonCheckView check_lessons(const Scenario& base, const ClaimSummaryLookup& lookup,
                              const std::vector<std::string>& changes, const std::string& machine,
                              const std::string& missing_hint, bool side_by_side) {
  LessonCheckView view;
  view.ready = true;
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  for (const LessonClaim& claim : base.lessons) {
    LessonCheckView::Row row{claim.claim, claim.check, evaluate_claim(claim, lookup, cores), ""};
    if (side_by_side && reads_process_wide_figures(claim)) {
      row.outcome.evaluated = row.outcome.held = false;
      row.why = "CPU time and memory belong to the whole process, and here the variants shared it. Run `poolviz "
                "check " + base.id + "`: it runs each variant alone.";
    } else if (!row.outcome.evaluated) {
      row.why = "Not on screen: it reads \"" + row.outcome.missing + "\". " + missing_hint;
    } else if (!row.outcome.held) {
      if (!changes.empty()) {
        row.why = "You set ";
        for (std::size_t i = 0; i < changes.size(); ++i) row.why += (i ? "; " : "") + changes[i];
        row.why += ". The claim is about the scenario's own settings.";
      }
      if (claim.noise_sensitive && !machine.empty()) {
        row.why += (row.why.empty() ? "" : " ") + std::string("Timings stretch on a busy machine: ") + machine +
                   ". `poolviz check " + base.id + "` runs it again alone.";
      }
    }
    view.rows.push_back(std::move(row));
  }
  return view;
}

namespace {

/// A tick, a cross or a small circle, drawn as lines one text line high.
void draw_mark(int kind, ImU32 colour) {
  const float h = ImGui::GetTextLineHeight();
  const ImVec2 p = ImGui::GetCursorScreenPos();
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const float w = std::max(1.5F, h * 0.12F);
  if (kind == 1) {  // ✓
    dl->AddLine(ImVec2(p.x + h * 0.15F, p.y + h * 0.55F), ImVec2(p.x + h * 0.4F, p.y + h * 0.8F), colour, w);
    dl->AddLine(ImVec2(p.x + h * 0.4F, p.y + h * 0.8F), ImVec2(p.x + h * 0.85F, p.y + h * 0.2F), colour, w);
  } else if (kind == 0) {  // ✗
    dl->AddLine(ImVec2(p.x + h * 0.2F, p.y + h * 0.2F), ImVec2(p.x + h * 0.8F, p.y + h * 0.8F), colour, w);
    dl->AddLine(ImVec2(p.x + h * 0.8F, p.y + h * 0.2F), ImVec2(p.x + h * 0.2F, p.y + h * 0.8F), colour, w);
  } else {  // not measured here
    dl->AddCircle(ImVec2(p.x + h * 0.5F, p.y + h * 0.5F), h * 0.25F, colour, 12, w * 0.8F);
  }
  ImGui::Dummy(ImVec2(h, h));
}

}  // namespace

void draw_lesson_checks(const LessonCheckView& view, const Theme& theme) {
  const Palette& pal = theme.colours();
  const ImU32 good = theme.text_tone(pal.of(JobPlace::completed));
  const ImU32 bad = theme.text_tone(pal.of(JobPlace::failed));
  for (const LessonCheckView::Row& row : view.rows) {
    ImGui::PushID(&row);
    const int kind = !row.outcome.evaluated ? 2 : row.outcome.held ? 1 : 0;
    draw_mark(kind, kind == 1 ? good : kind == 0 ? bad : pal.text_dim);
    ImGui::SameLine();
    ImGui::BeginGroup();
    ImGui::TextWrapped("%s", row.claim.c_str());
    ImGui::PushFont(theme.small);
    if (row.outcome.evaluated && !row.outcome.terms.empty()) {
      ImGui::PushStyleColor(ImGuiCol_Text, ImGui::ColorConvertU32ToFloat4(kind == 0 ? bad : pal.text));
      // One line per run: "label: field value, field value".
      const std::string measured = row.outcome.measured();
      ImGui::TextUnformatted("Measured here:");
      std::size_t start = 0;
      while (start < measured.size()) {
        const std::size_t end = std::min(measured.find("; ", start), measured.size());
        ImGui::Bullet();
        ImGui::TextWrapped("%s", measured.substr(start, end - start).c_str());
        start = end + 2;
      }
      ImGui::PopStyleColor();
    }
    ImGui::PushStyleColor(ImGuiCol_Text, ImGui::ColorConvertU32ToFloat4(pal.text_dim));
    ImGui::TextWrapped("check: %s", row.check.c_str());
    if (!row.why.empty()) ImGui::TextWrapped("%s", row.why.c_str());
    ImGui::PopStyleColor();
    ImGui::PopFont();
    ImGui::EndGroup();
    ImGui::PopID();
    ImGui::Spacing();
  }
}

}  // namespace poolviz::gui
