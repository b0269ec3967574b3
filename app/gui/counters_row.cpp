// The counters row: the run's figures at a glance, all from the Timeline (the
// canvas and the plots read the same one), drops from the event bus.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

#include "poolviz/sizing.h"
#include "poolviz/theory_overlay.h"

#include "gui/panels.h"

namespace poolviz::gui {

void draw_counters_row(Session& session, const Theme& theme) {
  Run& run = session.run();
  const Timeline& timeline = session.timeline();  // the moment shown (scrubbed or now)
  const TimelineCounts& st = timeline.counts();
  const Palette& pal = theme.colours();
  // The plot's newest p99 point: jobs that started in the last window.
  const Sample* last = timeline.last_sample();
  const double p99 = last != nullptr ? last->wait_p99_ms : -1;
  char p99_label[40];
  std::snprintf(p99_label, sizeof p99_label, "p99 wait%s, %.0f s",
                session.scenario().stages.empty() ? "" : " at stage 1",  // as the wait plot's title
                to_seconds(timeline.options().window));
  struct Cell {
    const char* label;
    std::string value;
    ImU32 colour;
  };
  auto n = [](auto v) { return std::to_string(v); };
  char p99_text[32];
  if (p99 < 0) {
    std::snprintf(p99_text, sizeof p99_text, "-");
  } else if (p99 >= 10'000) {
    std::snprintf(p99_text, sizeof p99_text, "%.1f s", p99 / 1000);
  } else {
    std::snprintf(p99_text, sizeof p99_text, "%s ms", format_number(p99).c_str());  // as the wait plot's legend
  }
  const std::uint64_t dropped = run.bus().dropped();
  std::vector<Cell> cells = {
      {"submitted", n(st.submitted), pal.text},
      {"completed", n(st.completed), pal.of(JobPlace::completed)},
      {"failed", n(st.failed + st.timed_out), pal.of(JobPlace::failed)},
      {"rejected", n(st.rejected), pal.of(JobPlace::rejected)},
      {"in queue", n(st.in_queue), pal.of(JobPlace::queued)},
      {"running", n(st.running), pal.of(JobPlace::running)},
      {"threads", n(st.threads_alive()), pal.text},
      {p99_label, p99_text, pal.text},
      {"dropped", n(dropped), dropped > 0 ? pal.of(JobPlace::failed) : pal.text_dim},
  };
  // Behind a limiter, the jobs workers hold at its gate, beside those running.
  if (session.scenario().limiter.kind != LimiterKind::none) {
    const auto running_at = std::find_if(cells.begin(), cells.end(), [](const Cell& c) {
      return std::string_view(c.label) == "running";
    });
    cells.insert(running_at + 1, Cell{"at the gate", n(st.at_gate), pal.text});
  }
  // The figures the scenario's question is about. Where queueing theory
  // applies: how often an arrival waited and the mean wait, whole run, as the
  // theory tab and `poolviz run` read them (the Timeline's). Where jobs burn
  // CPU: the jobs' CPU time per running second, per core.
  const Scenario& scenario = session.scenario();
  char p_wait[32] = "-", mean_wait[32] = "-", cpu[32] = "-";
  const bool theory = theory_for(scenario).fit != TheoryFit::not_applicable;
  if (theory) {
    const double p = timeline.p_arrival_finds_all_busy();
    if (std::isfinite(p) && timeline.accepted() > 0) std::snprintf(p_wait, sizeof p_wait, "%.0f %%", 100 * p);
    if (timeline.wait().count() > 0) {
      std::snprintf(mean_wait, sizeof mean_wait, "%s ms", format_number(to_ms(static_cast<Nanos>(timeline.wait().mean()))).c_str());
    }
    cells.insert(cells.end() - 2, {{"P(wait)", p_wait, pal.text}, {"mean wait", mean_wait, pal.text}});
  }
  const bool burns_cpu = scenario.workload.kind == WorkKind::cpu || scenario.workload.cpu_ms > 0;
  if (burns_cpu) {
    const RunSummary summary = run.summary();
    if (summary.cores > 0 && summary.duration_s > 0) {
      std::snprintf(cpu, sizeof cpu, "%.0f %%", 100 * summary.cpu_cores_used / summary.cores);
    }
    cells.insert(cells.end() - 1, Cell{"CPU / core", cpu, pal.text});
  }
  ImGui::PushFont(theme.small);  // nine figures must fit a 1024-wide window
  const float width = ImGui::GetContentRegionAvail().x;
  // Each cell as wide as its words, the spare room shared out evenly between them.
  std::vector<float> widths;
  float used = 0;
  for (const Cell& cell : cells) {
    widths.push_back(ImGui::CalcTextSize(cell.label).x + ImGui::GetStyle().ItemSpacing.x +
                     ImGui::CalcTextSize(cell.value.c_str()).x);
    used += widths.back();
  }
  const float spare = std::max(0.0F, width - used) / static_cast<float>(cells.size());
  float x = ImGui::GetCursorPosX();
  for (std::size_t i = 0; i < cells.size(); ++i) {
    if (i > 0) ImGui::SameLine(x);
    x += widths[i] + spare;
    ImGui::BeginGroup();
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(pal.text_dim), "%s", cells[i].label);
    ImGui::SameLine();
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(cells[i].colour == pal.text_dim ? pal.text : theme.text_tone(cells[i].colour)),
                       "%s", cells[i].value.c_str());
    ImGui::EndGroup();
    if (ImGui::IsItemHovered()) {
      if (std::string_view(cells[i].label) == "failed") {
        ImGui::SetTooltip("failed %llu, timed out %llu, cancelled %llu",
                          static_cast<unsigned long long>(st.failed), static_cast<unsigned long long>(st.timed_out),
                          static_cast<unsigned long long>(st.cancelled));
      } else if (std::string_view(cells[i].label) == "running") {
        ImGui::SetTooltip("jobs a worker is executing now; %lld more are held by workers at the limiter gate",
                          static_cast<long long>(st.at_gate));
      } else if (cells[i].label == p99_label) {
        ImGui::SetTooltip("p99 of the waits of the jobs that started in the last %.0f s of scenario time\n"
                          "(whole run: %.0f ms)",
                          to_seconds(timeline.options().window), to_ms(timeline.wait().percentile(99)));
      } else if (std::string_view(cells[i].label) == "P(wait)") {
        ImGui::SetTooltip("share of the arrivals that found every worker busy (whole run);\nErlang C's probability of waiting");
      } else if (std::string_view(cells[i].label) == "mean wait") {
        ImGui::SetTooltip("mean wait before start of every job that started (whole run)");
      } else if (std::string_view(cells[i].label) == "CPU / core") {
        ImGui::SetTooltip("CPU time the jobs burned per second of running, per core (%d cores)", hardware_workers());
      } else if (std::string_view(cells[i].label) == "dropped") {
        ImGui::SetTooltip("events dropped: the engine could not hand them to the GUI in time\n(the pool never waits for the GUI)");
      }
    }
  }
  ImGui::PopFont();
}

}  // namespace poolviz::gui
