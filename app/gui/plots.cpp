// The live plots: a small plot widget drawn on ImDrawList (ImPlot is not
// packaged in Debian), and the panel that lays six of them on one shared,
// scrolling time axis with one hover cursor.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "gui/panels.h"

namespace poolviz::gui {

std::string format_number(double v) {
  char buf[32];
  if (std::abs(v) >= 100 || v == std::floor(v)) {
    std::snprintf(buf, sizeof buf, "%.0f", v);
  } else if (std::abs(v) >= 10) {
    std::snprintf(buf, sizeof buf, "%.1f", v);
  } else if (std::abs(v) >= 0.01) {
    std::snprintf(buf, sizeof buf, "%.2f", v);  // never scientific notation on screen
  } else {
    return "0";
  }
  return buf;
}

namespace {

struct PlotLine {
  const TimeSeries* series;
  const char* label;
  ImU32 colour;
  const char* suffix = "";  // after the value: "/s" (the window is in the title)
  double now_t = -1;        // a gauge: its value now (the counters row's), drawn last
  double now_v = 0;
};

struct PlotSpec {
  const char* title;
  const char* unit;       // "ms", "jobs", "/s", "%"
  double fixed_max = 0;   // 0 = fit the visible data
  const char* window = nullptr;  // "last 5 s": after the unit, so the unit stays beside the name
};

/// 1, 2, 5 × 10^k at or above v.
double nice_ceil(double v) {
  if (v <= 0) return 1;
  const double p = std::pow(10.0, std::floor(std::log10(v)));
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    if (m * p >= v - 1e-9) return m * p;
  }
  return 10 * p;
}

/// The plot area's geometry: [pa, pb] in pixels shows [t0, t1] × [0, hi].
struct PlotArea {
  ImVec2 pa, pb;
  double t0, t1, hi;
  float x_of(double t) const {
    return pa.x + static_cast<float>((t - t0) / (t1 - t0)) * (pb.x - pa.x);
  }
  float y_of(double v) const {
    return pb.y - static_cast<float>(std::clamp(v / hi, 0.0, 1.05)) * (pb.y - pa.y);
  }
};

/// Each line's legend text: its value at the hover cursor, or its newest.
std::vector<std::string> legend_texts(std::span<const PlotLine> lines, double t0, double t1,
                                      const UiState& ui, double shown) {
  std::vector<std::string> legend;
  for (const PlotLine& l : lines) {
    std::optional<double> v;
    if (l.now_t >= 0 && !std::isnan(ui.hover_t) && ui.hover_t >= l.now_t) {
      v = l.now_v;  // a gauge at (or past) its newest moment: the counters row's number
    } else if (!std::isnan(ui.hover_t) && ui.hover_t >= t0 && ui.hover_t <= t1) {
      v = l.series->value_at(ui.hover_t);
    } else if (l.now_t >= 0) {
      v = l.now_v;
    } else if (!l.series->empty()) {
      v = l.series->newest().v;
    }
    legend.push_back(std::string(l.label) + " " + (v ? format_number(*v * shown) + l.suffix : "-"));
  }
  return legend;
}

/// Y range: from 0 to a round number above what is visible (or the spec's fixed top).
double y_top(const PlotSpec& spec, std::span<const PlotLine> lines, double t0, double t1) {
  double hi = 0;
  for (const PlotLine& l : lines) {
    double lo_v = 0, hi_v = 0;
    if (l.series->range(t0, t1, lo_v, hi_v)) hi = std::max(hi, hi_v);
    if (l.now_t >= t0 && l.now_t <= t1) hi = std::max(hi, l.now_v);
  }
  return spec.fixed_max > 0 ? spec.fixed_max : nice_ceil(std::max(hi * 1.08, 1.0));
}

/// Grid and axes with units: three value lines, time ticks in round seconds.
void draw_axes(ImDrawList* dl, const PlotArea& area, double shown, const Theme& theme) {
  const Palette& pal = theme.colours();
  ImFont* small = theme.small;
  const float fs = small->FontSize;
  for (int i = 0; i <= 2; ++i) {
    const double v = area.hi * i / 2;
    const float y = area.y_of(v);
    dl->AddLine(ImVec2(area.pa.x, y), ImVec2(area.pb.x, y), pal.grid);
    const std::string label = format_number(v * shown);
    const ImVec2 ts = small->CalcTextSizeA(fs, FLT_MAX, 0, label.c_str());
    dl->AddText(small, fs, ImVec2(area.pa.x - ts.x - 4, y - fs / 2), pal.text_dim, label.c_str());
  }
  const double span = area.t1 - area.t0;
  double tick = 1;
  for (double s : {0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0}) {
    tick = s;
    if (span / s <= 6) break;
  }
  for (double t = std::ceil(area.t0 / tick) * tick; t <= area.t1 + 1e-9; t += tick) {
    const float x = area.x_of(t);
    dl->AddLine(ImVec2(x, area.pb.y), ImVec2(x, area.pb.y + 3), pal.text_dim);
    char label[32];
    std::snprintf(label, sizeof label, tick < 1 ? "%.1f s" : "%.0f s", t);
    const ImVec2 ts = small->CalcTextSizeA(fs, FLT_MAX, 0, label);
    dl->AddText(small, fs, ImVec2(std::min(x - ts.x / 2, area.pb.x - ts.x), area.pb.y + 2),
                pal.text_dim, label);
  }
}

/// Lines: at most ~2 points per pixel column, so a long window stays cheap.
void draw_lines(ImDrawList* dl, const PlotArea& area, std::span<const PlotLine> lines,
                float thickness) {
  const ImVec2 pa = area.pa;
  const ImVec2 pb = area.pb;
  dl->PushClipRect(ImVec2(pa.x, pa.y - 2), ImVec2(pb.x + 1, pb.y + 1), true);
  std::vector<ImVec2> pts;
  for (const PlotLine& l : lines) {
    const TimeSeries& s = *l.series;
    if (s.empty()) continue;
    std::size_t i = s.lower_bound(area.t0);
    if (i > 0) --i;
    const std::size_t n = s.size() - i;
    const std::size_t stride = std::max<std::size_t>(1, n / static_cast<std::size_t>(2 * (pb.x - pa.x) + 1));
    pts.clear();
    for (; i < s.size(); i += stride) pts.emplace_back(area.x_of(s.at(i).t), area.y_of(s.at(i).v));
    const auto& last = s.newest();
    pts.emplace_back(area.x_of(last.t), area.y_of(last.v));
    if (l.now_t > last.t) pts.emplace_back(area.x_of(l.now_t), area.y_of(l.now_v));
    if (pts.size() >= 2) dl->AddPolyline(pts.data(), static_cast<int>(pts.size()), l.colour, 0, thickness);
  }
  dl->PopClipRect();
}

/// The title, then each line's swatch and legend text, on one line or wrapped to two.
void draw_title_and_legend(ImDrawList* dl, ImVec2 a, ImVec2 b, const char* title, float title_w,
                           bool wrap, std::span<const PlotLine> lines,
                           const std::vector<std::string>& legend, const Theme& theme) {
  const Palette& pal = theme.colours();
  ImFont* small = theme.small;
  const float fs = small->FontSize;
  const float sw = fs * 0.8F;
  dl->AddText(ImVec2(a.x + 8, a.y + 3), pal.text, title);
  float x = wrap ? a.x + 8 : a.x + 8 + title_w;
  const float ly = wrap ? a.y + 3 + ImGui::GetFontSize() + 1 : a.y + 3 + (ImGui::GetFontSize() - fs) / 2 + 1;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const ImVec2 ts = small->CalcTextSizeA(fs, FLT_MAX, 0, legend[i].c_str());
    if (x + sw + 4 + ts.x > b.x - 4) break;
    const float cy = ly + (fs - sw) / 2;
    dl->AddRectFilled(ImVec2(x, cy), ImVec2(x + sw, cy + sw), lines[i].colour, 2);
    dl->AddText(small, fs, ImVec2(x + sw + 4, ly), pal.text, legend[i].c_str());
    x += sw + 4 + ts.x + 10;
  }
}

void draw_time_plot(const PlotSpec& spec, std::span<const PlotLine> lines, double t0, double t1,
                    ImVec2 size, UiState& ui, const Theme& theme) {
  const Palette& pal = theme.colours();
  ImGui::PushID(spec.title);
  ImGui::InvisibleButton("plot", size);
  const bool hovered = ImGui::IsItemHovered();
  const ImVec2 a = ImGui::GetItemRectMin();
  const ImVec2 b = ImGui::GetItemRectMax();
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->AddRectFilled(a, b, pal.canvas_bg, 4);
  dl->AddRect(a, b, pal.grid, 4);

  ImFont* small = theme.small;
  const float fs = small->FontSize;
  // Long waits read in seconds: a plot in ms whose visible values reach 2 s shows s.
  double visible_max = 0;
  for (const PlotLine& l : lines) {
    double lo_v = 0, hi_v = 0;
    if (l.series->range(t0, t1, lo_v, hi_v)) visible_max = std::max(visible_max, hi_v);
  }
  const bool in_seconds = std::string_view(spec.unit) == "ms" && visible_max >= 2000;
  const double shown = in_seconds ? 0.001 : 1.0;  // displayed value = value × shown
  // Title "Name (unit)" then the legend; the legend wraps to a second line if needed.
  char title[96];
  if (spec.window != nullptr) {
    std::snprintf(title, sizeof title, "%s (%s), %s", spec.title, in_seconds ? "s" : spec.unit,
                  spec.window);
  } else {
    std::snprintf(title, sizeof title, "%s (%s)", spec.title, in_seconds ? "s" : spec.unit);
  }
  const float sw = fs * 0.8F;
  const std::vector<std::string> legend = legend_texts(lines, t0, t1, ui, shown);
  float legend_w = 0;
  for (const auto& text : legend)
    legend_w += sw + 4 + small->CalcTextSizeA(fs, FLT_MAX, 0, text.c_str()).x + 10;
  const float title_w = ImGui::CalcTextSize(title).x + 10;
  const bool wrap = 8 + title_w + legend_w > size.x - 8;
  const float title_h = ImGui::GetFontSize() + 4 + (wrap ? fs + 2 : 0);
  const float left = ImGui::CalcTextSize("0000").x + 8;
  const float bottom = fs + 4;
  const PlotArea area{ImVec2(a.x + left, a.y + title_h + 4), ImVec2(b.x - 8, b.y - bottom), t0, t1,
                      y_top(spec, lines, t0, t1)};
  if (area.pb.x - area.pa.x < 20 || area.pb.y - area.pa.y < 12) {
    ImGui::PopID();
    return;
  }
  draw_axes(dl, area, shown, theme);
  draw_lines(dl, area, lines, std::max(1.5F, theme.scale() * 1.8F));

  // The shared hover cursor: any plot under the mouse sets it for all of them.
  if (hovered) {
    const double t =
        t0 + (ImGui::GetIO().MousePos.x - area.pa.x) / (area.pb.x - area.pa.x) * (t1 - t0);
    ui.next_hover_t = std::clamp(t, t0, t1);
  }
  const bool cursor = !std::isnan(ui.hover_t) && ui.hover_t >= t0 && ui.hover_t <= t1;
  if (cursor) {
    const float x = area.x_of(ui.hover_t);
    dl->AddLine(ImVec2(x, area.pa.y), ImVec2(x, area.pb.y), pal.text_dim, 1.0F);
  }
  // Title and legend: each series' value at the cursor (or the newest).
  draw_title_and_legend(dl, a, b, title, title_w, wrap, lines, legend, theme);
  if (cursor && hovered) {
    char label[32];
    std::snprintf(label, sizeof label, "%s", clock_text(ui.hover_t).c_str());
    ImGui::SetTooltip("%s", label);
  }
  ImGui::PopID();
}

}  // namespace

namespace {

/// The plots a window can show; `[view] plots` names them (scenario.cpp checks the names).
enum class PlotKind { queue_depth, wait, throughput, utilization, threads, sojourn, in_service, tokens };

std::optional<PlotKind> plot_kind(std::string_view name) {
  if (name == "queue_depth") return PlotKind::queue_depth;
  if (name == "wait") return PlotKind::wait;
  if (name == "throughput") return PlotKind::throughput;
  if (name == "utilization") return PlotKind::utilization;
  if (name == "threads" || name == "workers") return PlotKind::threads;  // one plot draws both
  if (name == "sojourn") return PlotKind::sojourn;
  if (name == "in_service") return PlotKind::in_service;
  if (name == "tokens") return PlotKind::tokens;
  return std::nullopt;
}

/// The six cells: the scenario's own plots first (`[view] plots`, the ones its
/// lesson is about), then the usual ones for its kind of pool, each once; a
/// plot that cannot apply (tokens without a limiter, utilisation of threads
/// that are not workers) is left out.
std::vector<PlotKind> chosen_plots(const Scenario& scenario, bool threads) {
  const bool limiter = scenario.limiter.kind != LimiterKind::none;
  auto applies = [&](PlotKind k) {
    if (k == PlotKind::tokens) return limiter;
    if (k == PlotKind::utilization) return !threads;
    return true;
  };
  std::vector<PlotKind> out;
  auto add = [&](PlotKind k) {
    if (out.size() < 6 && applies(k) && std::find(out.begin(), out.end(), k) == out.end()) out.push_back(k);
  };
  for (const std::string& name : scenario.view.plots) {
    if (const auto k = plot_kind(name)) add(*k);
  }
  for (PlotKind k : {PlotKind::queue_depth, PlotKind::wait, PlotKind::throughput, PlotKind::tokens,
                     PlotKind::utilization, PlotKind::threads, PlotKind::sojourn, PlotKind::in_service}) {
    add(k);
  }
  return out;
}

}  // namespace

PlotTimeAxis plot_time_axis(double now, const Scrubbable& shown, double window_s) {
  double t1 = std::max(now, 0.5);
  if (shown.scrubbing()) t1 = std::clamp(shown.scrub_seconds() + window_s / 2, std::min(t1, window_s), t1);
  return {std::max(0.0, t1 - window_s), t1};
}

void draw_plots(Session& session, UiState& ui, const Theme& theme, ImVec2 size) {
  const Palette& pal = theme.colours();
  PlotSeriesSet& s = session.series();
  const double now = session.now_seconds();
  // Scrubbed back: the shared cursor line marks the moment shown (unless the mouse sets it).
  if (session.scrubbing() && std::isnan(ui.hover_t)) ui.hover_t = session.scrub_seconds();
  const PlotTimeAxis axis = plot_time_axis(now, session, ui.plot_window_s);
  const double t0 = axis.t0, t1 = axis.t1;
  char wait_window[48], sojourn_window[48], rate_window[64];
  // The two windows hold different jobs (a job that just started after a long
  // wait has not ended yet), so for a moment the wait p99 can exceed the time
  // in system p99: the titles say which jobs each one counts.
  std::snprintf(wait_window, sizeof wait_window, "started in last %.0f s", s.window_s);
  std::snprintf(sojourn_window, sizeof sojourn_window, "ended in last %.0f s", s.window_s);
  // The Timeline's rate is over the last rate window, or over the run so far
  // while the run is younger than that window: say which the figure read is.
  const double read_t = !std::isnan(ui.hover_t) && ui.hover_t >= t0 && ui.hover_t <= t1 ? ui.hover_t : s.now.t;
  if (read_t < s.rate_window_s) {
    std::snprintf(rate_window, sizeof rate_window, "since start");  // younger than the window
  } else {
    std::snprintf(rate_window, sizeof rate_window, "over last %.0f s", s.rate_window_s);
  }

  const bool threads = session.threads_mode();
  // The gate's plot reads as its gauge on the canvas: the same level (tokens
  // left, or a semaphore's permits / a leaky bucket's water in use), the same words.
  const LimiterDescriptor& gate = describe(session.scenario().limiter.kind);
  const std::string gate_title = "Gate: " + std::string(gate.gate_label);
  const std::string gauge = std::string(gate.gauge_label);
  // Scrubbed: a gauge's "now" is the moment shown, as in the counters row.
  const PlotSeriesSet::Now g = session.scrubbing() ? PlotSeriesSet::now_of(session.timeline()) : s.now;
  const double nt = g.t;
  // Jobs a worker holds: running, and (behind a limiter) held at its gate,
  // the words and figures of the canvas's lanes and the counters row.
  const bool gated = session.scenario().limiter.kind != LimiterKind::none;
  std::vector<PlotLine> depth = {{&s.queue_depth, "queued", pal.series[0], "", nt, g.queue_depth},
                                 {&s.running, "running", pal.series[1], "", nt, g.running}};
  std::vector<PlotLine> in_service = {{&s.running, "running", pal.series[1], "", nt, g.running}};
  if (gated) {
    depth.push_back({&s.at_gate, "at the gate", pal.series[2], "", nt, g.at_gate});
    in_service.push_back({&s.at_gate, "at the gate", pal.series[2], "", nt, g.at_gate});
  }
  const PlotLine wait[] = {{&s.wait_p50, "p50", pal.series[3]},
                           {&s.wait_p95, "p95", pal.series[1]},
                           {&s.wait_p99, "p99", pal.series[2]}};
  const PlotLine rate[] = {{&s.throughput, "done", pal.series[3], "/s"},
                           {&s.arrivals, "arrived", pal.series[0], "/s"},
                           {&s.rejections, "rejected", pal.series[2], "/s"}};
  const PlotLine util[] = {{&s.utilisation, "busy", pal.series[0], " %"}};
  const PlotLine sojourn[] = {{&s.sojourn_p99, "p99", pal.series[4]}};
  const PlotLine threads_line[] = {{&s.threads, "threads", pal.series[4], "", nt, g.threads},
                                   {&s.workers, "workers", pal.series[0], "", nt, g.workers}};
  const PlotLine threads_only[] = {{&s.threads, "threads", pal.series[4], "", nt, g.threads}};
  const PlotLine gate_level[] = {
      gate.level_is_in_use
          ? PlotLine{&s.permits_in_use, gauge.c_str(), pal.series[1], "", g.permits_in_use >= 0 ? nt : -1,
                     g.permits_in_use}
          : PlotLine{&s.tokens, gauge.c_str(), pal.series[1], "", g.tokens >= 0 ? nt : -1, g.tokens}};

  const std::vector<PlotKind> kinds = chosen_plots(session.scenario(), threads);
  const float gap = ImGui::GetStyle().ItemSpacing.x;
  // Three by two keeps every plot tall enough to read, down to a 1024-wide window.
  const int cols = size.x > 560 * theme.scale() ? 3 : 2;
  const int rows = std::max<int>(1, (static_cast<int>(kinds.size()) + cols - 1) / cols);
  const ImVec2 cell((size.x - gap * static_cast<float>(cols - 1)) / static_cast<float>(cols),
                    (size.y - ImGui::GetStyle().ItemSpacing.y * static_cast<float>(rows - 1)) /
                        static_cast<float>(rows));
  int index = 0;
  auto place = [&](const PlotSpec& spec, std::span<const PlotLine> lines) {
    if (index % cols != 0) ImGui::SameLine(0, gap);
    draw_time_plot(spec, lines, t0, t1, cell, ui, theme);
    ++index;
  };
  for (const PlotKind kind : kinds) {
    switch (kind) {
      case PlotKind::queue_depth: place({"Queue depth", "jobs"}, depth); break;
      case PlotKind::wait:
        // A pipeline item waits at every stage; this is its wait at the first
        // (the time in system covers the rest), and the title says so.
        place({session.scenario().stages.empty() ? "Wait before start" : "Wait before stage 1", "ms", 0,
               wait_window},
              wait);
        break;
      case PlotKind::throughput: place({"Throughput", "jobs/s", 0, rate_window}, rate); break;
      case PlotKind::utilization: place({"Utilisation", "%", 100, rate_window}, util); break;
      case PlotKind::threads:
        if (threads) {
          place({"Threads alive", "count"}, threads_only);
        } else {
          place({"Threads alive", "count"}, threads_line);
        }
        break;
      case PlotKind::sojourn: place({"Time in system p99", "ms", 0, sojourn_window}, sojourn); break;
      case PlotKind::in_service: place({"Jobs running", "jobs"}, in_service); break;
      case PlotKind::tokens:
        place({gate_title.c_str(), gauge.c_str()}, gate_level);
        break;
    }
  }
}

}  // namespace poolviz::gui
