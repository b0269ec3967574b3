// The sweep view (wait vs utilisation: measured dots, theory curve) and the
// x/y plot widget it is drawn with.
#include "gui/hockey_stick.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdio>
#include <string_view>

#include "poolviz/queueing.h"
#include "poolviz/theory_overlay.h"

namespace poolviz::gui {

// [SECTION] XyPlot ---------------------------------------------------------------

namespace {

/// 1, 2, 5 × 10^k at or above v.
double round_up(double v) {
  if (!(v > 0)) return 1;
  const double p = std::pow(10.0, std::floor(std::log10(v)));
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    if (m * p >= v - 1e-12) return m * p;
  }
  return 10 * p;
}

std::string axis_label(double v, const char* unit) {
  char buf[48];
  if (std::abs(v) >= 100 || v == std::floor(v)) {
    std::snprintf(buf, sizeof buf, "%.0f%s%s", v, unit[0] ? " " : "", unit);
  } else {
    std::snprintf(buf, sizeof buf, "%.2g%s%s", v, unit[0] ? " " : "", unit);
  }
  return buf;
}

}  // namespace

void draw_xy_plot(const XyAxes& axes, std::span<const XySeries> series, ImVec2 size, const Theme& theme) {
  const Palette& pal = theme.colours();
  ImGui::PushID(axes.title);
  ImGui::InvisibleButton("xy", size);
  const ImVec2 a = ImGui::GetItemRectMin();
  const ImVec2 b = ImGui::GetItemRectMax();
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->AddRectFilled(a, b, pal.canvas_bg, 4);
  dl->AddRect(a, b, pal.grid, 4);
  ImFont* small = theme.small != nullptr ? theme.small : ImGui::GetFont();
  const float fs = small->FontSize;
  // Title, then the legend on the same line while it fits, wrapping onto more
  // lines above the plot: every series drawn is named.
  const float sw = fs * 0.8F;
  const float line_h = ImGui::GetFontSize() + 2;
  std::vector<ImVec2> legend_at;  // top-left of each series' legend entry
  {
    float x = a.x + 8 + ImGui::CalcTextSize(axes.title).x + 12;
    float y = a.y + 3;
    for (const XySeries& s : series) {
      const float w = sw + 4 + small->CalcTextSizeA(fs, FLT_MAX, 0, s.label.c_str()).x;
      if (x + w > b.x - 4 && x > a.x + 8) {
        x = a.x + 8;
        y += line_h;
      }
      legend_at.emplace_back(x, y);
      x += w + 12;
    }
  }
  const float title_h = (legend_at.empty() ? a.y + 3 : legend_at.back().y) - a.y + line_h + 2;
  double x_hi = axes.x_max, y_hi = axes.y_max;
  if (x_hi <= 0 || y_hi <= 0) {
    double xm = 0, ym = 0;
    for (const XySeries& s : series) {
      for (std::size_t i = 0; i < s.points.size(); ++i) {
        const XyPoint& p = s.points[i];
        if (std::isfinite(p.x)) xm = std::max(xm, p.x);
        const double w = i < s.whiskers.size() && std::isfinite(s.whiskers[i]) ? s.whiskers[i] : 0;
        if (std::isfinite(p.y)) ym = std::max(ym, p.y + w);
      }
    }
    if (x_hi <= 0) x_hi = round_up(xm * 1.05);
    if (y_hi <= 0) y_hi = round_up(ym * 1.08);
  }
  // Long waits read in seconds (an axis in ms reaching 2 s shows s), and the
  // margin is as wide as the widest y label, so no label is cut.
  const bool in_seconds = std::string_view(axes.y_unit) == "ms" && y_hi >= 2000;
  const char* y_unit = in_seconds ? "s" : axes.y_unit;
  const double y_shown = in_seconds ? 0.001 : 1.0;  // label value = value × y_shown
  float left = 0;
  for (int i = 0; i <= 4; i += 2) {
    left = std::max(left, small->CalcTextSizeA(fs, FLT_MAX, 0, axis_label(y_hi * i / 4 * y_shown, y_unit).c_str()).x);
  }
  left += 10;
  const ImVec2 pa(a.x + left, a.y + title_h + 4);
  const ImVec2 pb(b.x - 10, b.y - fs - 6);
  if (pb.x - pa.x < 30 || pb.y - pa.y < 20) {
    ImGui::PopID();
    return;
  }
  const double x_lo = axes.x_min;
  const auto x_of = [&](double x) {
    return pa.x + static_cast<float>((x - x_lo) / (x_hi - x_lo)) * (pb.x - pa.x);
  };
  const auto y_of = [&](double y) { return pb.y - static_cast<float>(y / y_hi) * (pb.y - pa.y); };

  for (int i = 0; i <= 4; ++i) {
    const double v = y_hi * i / 4;
    const float y = y_of(v);
    dl->AddLine(ImVec2(pa.x, y), ImVec2(pb.x, y), pal.grid);
    if (i % 2 == 0) {
      const std::string label = axis_label(v * y_shown, y_unit);
      const ImVec2 ts = small->CalcTextSizeA(fs, FLT_MAX, 0, label.c_str());
      dl->AddText(small, fs, ImVec2(pa.x - ts.x - 4, y - fs / 2), pal.text_dim, label.c_str());
    }
  }
  // Ticks on round values (1, 2 or 5 × 10^k apart, at most five gaps): a
  // 30 s window reads 20, 25, 30 s ..., never quarters like 27.5 s.
  const double step = round_up((x_hi - x_lo) / 5);
  for (double v = std::ceil(x_lo / step - 1e-9) * step; v <= x_hi + step * 1e-6; v += step) {
    const float x = x_of(v);
    dl->AddLine(ImVec2(x, pb.y), ImVec2(x, pb.y + 3), pal.text_dim);
    const std::string label = axis_label(std::abs(v) < step * 1e-6 ? 0.0 : v, axes.x_unit);
    const ImVec2 ts = small->CalcTextSizeA(fs, FLT_MAX, 0, label.c_str());
    dl->AddText(small, fs, ImVec2(std::clamp(x - ts.x / 2, pa.x - ts.x / 2, pb.x - ts.x), pb.y + 3), pal.text_dim,
                label.c_str());
  }

  dl->PushClipRect(ImVec2(pa.x - 4, pa.y - 4), ImVec2(pb.x + 4, pb.y + 4), true);
  if (std::isfinite(axes.cursor_x) && axes.cursor_x >= x_lo && axes.cursor_x <= x_hi) {
    dl->AddLine(ImVec2(x_of(axes.cursor_x), pa.y), ImVec2(x_of(axes.cursor_x), pb.y), pal.text_dim, 1.0F);
  }
  const float thickness = std::max(1.5F, theme.scale() * 1.8F);
  const float radius = std::max(2.5F, theme.scale() * 3.0F);
  std::vector<ImVec2> pts;
  for (const XySeries& s : series) {
    if (s.dots) {
      for (std::size_t i = 0; i < s.points.size(); ++i) {
        const XyPoint& p = s.points[i];
        if (!std::isfinite(p.x) || !std::isfinite(p.y)) continue;
        const ImVec2 c(x_of(p.x), y_of(p.y));
        if (i < s.whiskers.size() && std::isfinite(s.whiskers[i]) && s.whiskers[i] > 0) {
          dl->AddLine(ImVec2(c.x, y_of(std::max(0.0, p.y - s.whiskers[i]))), ImVec2(c.x, y_of(p.y + s.whiskers[i])),
                      s.colour, 1.0F);
        }
        if (s.hollow) {
          dl->AddCircle(c, radius, s.colour, 12, 1.5F);
        } else {
          dl->AddCircleFilled(c, radius, s.colour, 12);
        }
      }
    } else {
      pts.clear();
      for (const XyPoint& p : s.points) {
        if (std::isfinite(p.x) && std::isfinite(p.y)) pts.emplace_back(x_of(p.x), y_of(std::min(p.y, y_hi * 1.5)));
      }
      if (pts.size() >= 2) dl->AddPolyline(pts.data(), static_cast<int>(pts.size()), s.colour, 0, thickness);
    }
  }
  dl->PopClipRect();

  dl->AddText(ImVec2(a.x + 8, a.y + 3), pal.text, axes.title);
  for (std::size_t i = 0; i < series.size(); ++i) {
    const XySeries& s = series[i];
    const float x = legend_at[i].x, ty = legend_at[i].y;
    const float cy = ty + (ImGui::GetFontSize() - sw) / 2 + 1;
    if (s.dots) {
      dl->AddCircleFilled(ImVec2(x + sw / 2, cy + sw / 2), sw / 2, s.colour, 10);
    } else {
      dl->AddRectFilled(ImVec2(x, cy + sw / 2 - 1.5F), ImVec2(x + sw, cy + sw / 2 + 1.5F), s.colour);
    }
    dl->AddText(small, fs, ImVec2(x + sw + 4, ty + (ImGui::GetFontSize() - fs) / 2 + 1), pal.text, s.label.c_str());
  }
  ImGui::PopID();
}

// [SECTION] SweepRunner ------------------------------------------------------------

SweepRunner::~SweepRunner() { stop(); }

void SweepRunner::start(const Scenario& scenario, const SweepRange& range, double speed) {
  stop();
  scenario_ = scenario;
  range_ = range;
  total_ = range.values().size();
  {
    const std::lock_guard lock(mutex_);
    points_.clear();
    error_.clear();
    done_ = false;
  }
  thread_ = poolviz::jthread([this, speed](poolviz::stop_token stop) {
    SweepOptions options;
    options.speed = speed;
    options.stop = stop;
    try {
      run_sweep(scenario_, range_, options, [this](std::size_t, const SweepPoint& p) {
        const std::lock_guard lock(mutex_);
        points_.push_back(p);
      });
    } catch (const std::exception& e) {
      const std::lock_guard lock(mutex_);
      error_ = e.what();
    }
    const std::lock_guard lock(mutex_);
    done_ = true;
  });
}

void SweepRunner::stop() {
  if (thread_.joinable()) {
    thread_.request_stop();
    thread_.join();
  }
}

bool SweepRunner::running() const {
  const std::lock_guard lock(mutex_);
  return !done_;
}

std::vector<SweepPoint> SweepRunner::points() const {
  const std::lock_guard lock(mutex_);
  return points_;
}

std::string SweepRunner::error() const {
  const std::lock_guard lock(mutex_);
  return error_;
}

// [SECTION] draw_hockey_stick ------------------------------------------------------

void draw_hockey_stick(const SweepRunner& sweep, const Theme& theme, ImVec2 size) {
  const Palette& pal = theme.colours();
  const std::vector<SweepPoint> points = sweep.points();

  XySeries mean{"measured mean wait (95 % interval)", pal.series[0], {}, true, false, {}};
  XySeries p99{"measured p99 wait", pal.series[2], {}, true, true, {}};
  for (const SweepPoint& p : points) {
    const double util = p.summary.utilization * 100.0;
    mean.points.push_back({util, p.summary.wait_ms.mean_ms});
    mean.whiskers.push_back(p.wait_mean_ci95_ms);
    p99.points.push_back({util, p.summary.wait_ms.p99_ms});
  }

  // The theory curve over ρ, from the scenario's own model (c, μ, cs²).
  XySeries curve{"theory mean wait", pal.series[3], {}, false, false, {}};
  const TheoryCheck check = theory_for(sweep.scenario());
  std::string model = check.model;
  if (check.fit == TheoryFit::exact || check.fit == TheoryFit::approximation || check.fit == TheoryFit::unstable) {
    const double capacity = check.servers * check.mu;
    for (int i = 1; i <= 98; ++i) {
      const double rho = i / 100.0;
      const QueuePrediction q = check.fit == TheoryFit::approximation
                                    ? allen_cunneen(rho * capacity, check.mu, check.servers, check.ca2, check.cs2)
                                    : mmc(rho * capacity, check.mu, check.servers);
      if (q.stable) curve.points.push_back({rho * 100.0, q.mean_wait * 1000.0});
    }
  } else if (check.fit == TheoryFit::bounded) {
    model = "M/M/c/K: no single curve (refusals cap the wait)";
  }

  // Fit y to the measurements (and the curve where it is finite and not huge).
  double y_max = 0;
  for (const SweepPoint& p : points) y_max = std::max({y_max, p.summary.wait_ms.p99_ms, p.summary.wait_ms.mean_ms});
  if (y_max <= 0) {
    for (const XyPoint& c : curve.points) {
      if (c.x <= 90) y_max = std::max(y_max, c.y);
    }
  }
  XyAxes axes;
  axes.title = "Wait vs utilisation";
  axes.x_unit = "%";
  axes.y_unit = "ms";
  axes.x_max = 100;
  axes.y_max = y_max > 0 ? round_up(y_max * 1.1) : 0;

  const float text_h = ImGui::GetTextLineHeightWithSpacing();
  std::vector<XySeries> series;
  if (!curve.points.empty()) series.push_back(std::move(curve));
  series.push_back(std::move(mean));
  series.push_back(std::move(p99));
  draw_xy_plot(axes, series, ImVec2(size.x, std::max(size.y - 2 * text_h, 60.0F)), theme);

  const std::string error = sweep.error();
  if (!error.empty()) {
    ImGui::TextColored(ImColor(pal.place[static_cast<int>(JobPlace::failed)]), "sweep failed: %s", error.c_str());
  } else if (sweep.running()) {
    ImGui::Text("sweeping %s: step %zu of %zu ...", sweep.range().key.c_str(), points.size() + 1, sweep.total_steps());
  } else {
    ImGui::Text("%zu steps of %s", points.size(), sweep.range().key.c_str());
  }
  ImGui::TextWrapped("theory: %s [%s]", model.c_str(), std::string(to_string(check.fit)).c_str());
}

}  // namespace poolviz::gui
