// Compare mode: the variants' flow canvases stacked, overlaid plots, the
// side-by-side table with the best figure highlighted, the theory overlay and
// the load sweep (hockey stick).
#include "gui/compare_panel.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <span>
#include <string_view>
#include <thread>

namespace poolviz::gui {

// [SECTION] CompareView ------------------------------------------------------------

CompareView::CompareView(const Scenario& base, std::vector<CompareVariant> extra, double speed)
    : base_(base), speed_(std::clamp(speed, 0.1, 20.0)) {
  if (extra.empty() && base.compare.size() < 2) {
    // Nothing to compare yet: start with the scenario alone (or beside its one
    // [[compare]] block) and let the user add variants.
    VariantPlan as_written;
    as_written.label = "as written (" + std::string(to_string(base.pool.strategy)) + ")";
    as_written.scenario = base;
    as_written.scenario.compare.clear();
    plans_.push_back(std::move(as_written));
    if (base.compare.size() == 1) plans_ = plan_variants(base, {});
  } else {
    plans_ = plan_variants(base, extra);
  }
  build();
}

bool CompareView::add_variant(const CompareVariant& variant) {
  if (plans_.size() >= kMaxVariants) return false;
  VariantPlan plan;
  plan.label = variant.label;
  plan.overrides = variant.overrides;
  plan.scenario = apply_variant(base_, variant);  // throws before anything changes
  plans_.push_back(std::move(plan));
  restart();
  return true;
}

void CompareView::remove_variant(std::size_t i) {
  if (plans_.size() <= 1 || i >= plans_.size()) return;
  plans_.erase(plans_.begin() + static_cast<std::ptrdiff_t>(i));
  restart();
}

CompareView::~CompareView() {
  sweep_.stop();
  for (auto& v : variants_) v->session.reset();  // stop and join each Run before its sinks go
}

void CompareView::build() {
  for (auto& v : variants_) v->session.reset();
  variants_.clear();
  lesson_checks_ = {};
  const int hardware = static_cast<int>(std::thread::hardware_concurrency());
  for (VariantPlan plan : plans_) {
    TheoryCheck theory = theory_for(plan.scenario, hardware);
    auto v = std::make_unique<Variant>(std::move(plan));
    v->theory = std::move(theory);
    // Paused: every clock is released in the same frame, below.
    v->session = std::make_unique<Session>(v->plan.scenario, speed_, true);
    variants_.push_back(std::move(v));
  }
  scrub_t_ = -1;
  replaying_ = false;
  // Released a few frames later, not now: on a busy machine a new arrival
  // thread may take a while to reach its first wait, and real time that passes
  // before it does becomes a late start for that variant only.
  frames_until_release_ = 3;
}

void CompareView::frame(float real_dt) {
  if (frames_until_release_ > 0 && --frames_until_release_ == 0) set_paused(false);
  for (auto& v : variants_) v->session->frame(real_dt);
  if (replaying_) {
    const double next = scrub_t_ + static_cast<double>(real_dt) * speed_;
    if (next >= recorded_seconds()) {
      live();
    } else {
      seek(next);
    }
  }
}

double CompareView::recorded_seconds() const {
  double end = 0;
  for (const auto& v : variants_) end = std::max(end, v->session->recorded_seconds());
  return end;
}

double CompareView::recorded_from_seconds() const {
  double from = 0;  // the span every variant still holds
  for (const auto& v : variants_) from = std::max(from, v->session->recorded_from_seconds());
  return from;
}

void CompareView::seek(double seconds) {
  scrub_t_ = std::clamp(seconds, recorded_from_seconds(), recorded_seconds());
  for (auto& v : variants_) v->session->seek(scrub_t_);
}

void CompareView::live() {
  scrub_t_ = -1;
  replaying_ = false;
  for (auto& v : variants_) v->session->live();
}

bool CompareView::paused() const { return variants_.front()->session->paused(); }

void CompareView::set_paused(bool paused) {
  frames_until_release_ = 0;  // an explicit choice wins over the pending release
  for (auto& v : variants_) v->session->set_paused(paused);
}

void CompareView::set_speed(double speed) {
  speed_ = std::clamp(speed, 0.1, 20.0);
  for (auto& v : variants_) v->session->set_speed(speed_);
}

void CompareView::restart() {
  const bool was_paused = paused() && frames_until_release_ == 0;
  build();
  if (was_paused) set_paused(true);
}

double CompareView::now_seconds() const {
  double t = 0;
  for (const auto& v : variants_) t = std::max(t, v->session->now_seconds());
  return t;
}

bool CompareView::finished() const {
  return std::all_of(variants_.begin(), variants_.end(), [](const auto& v) { return v->session->finished(); });
}

const LessonCheckView& CompareView::lesson_checks() {
  if (lesson_checks_.ready || !finished() || base_.lessons.empty()) return lesson_checks_;
  std::vector<std::string> keys;
  std::vector<RunSummary> summaries;
  for (auto& v : variants_) {
    std::string key;
    for (const Override& o : v->plan.overrides) key += (key.empty() ? "" : ",") + o.key + "=" + o.value;
    keys.push_back(key);
    summaries.push_back(v->session->run().summary());
  }
  lesson_checks_ = check_lessons(
      base_,
      [&](const ClaimVariant& c) -> const RunSummary* {
        for (std::size_t i = 0; i < keys.size(); ++i) {
          if (keys[i] == c.key()) return &summaries[i];
        }
        return nullptr;
      },
      {}, variants_.front()->session->machine_load() + " (the variants ran side by side, sharing the cores)",
      "Run `poolviz check " + base_.id + "` to measure it.", /*side_by_side=*/true);
  return lesson_checks_;
}

ComparisonTable CompareView::table() const {
  std::vector<std::string> labels;
  std::vector<RunSummary> summaries;
  for (const auto& v : variants_) {
    labels.push_back(v->plan.label);
    summaries.push_back(v->session->run().summary());
  }
  ComparisonTable t = make_table(labels, summaries, default_thread_stack_bytes());
  for (std::size_t i = 0; i < variants_.size(); ++i) {
    t.arrivals_differ[i] = !workload_overrides(variants_[i]->plan).empty();
  }
  return t;
}

Overlay CompareView::overlay(std::size_t i) const {
  const Variant& v = *variants_[i];
  return make_overlay(v.theory, v.session->run().summary(), v.session->run().timeline(), v.session->run().now());
}

// [SECTION] Drawing ------------------------------------------------------------------

namespace {

ImU32 variant_colour(const Palette& pal, std::size_t i) { return pal.series[i % 4]; }

void draw_compare_transport(CompareView& view, const Theme& theme) {
  const Palette& pal = theme.colours();
  if (ImGui::Button(view.paused() ? "Play" : "Pause")) view.set_paused(!view.paused());
  ImGui::SameLine();
  if (ImGui::Button("Restart")) view.restart();
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("Every variant again from t = 0, on the same arrivals");
  ImGui::SameLine();
  float speed = static_cast<float>(view.speed());
  ImGui::SetNextItemWidth(160 * theme.scale());
  if (ImGui::SliderFloat("speed", &speed, 0.1F, 20.0F, "%.2gx", ImGuiSliderFlags_Logarithmic)) {
    view.set_speed(speed);
  }
  ImGui::SameLine();
  if (view.scrubbing()) {
    ImGui::Text("%s (of %.1f s)", clock_text(view.scrub_seconds()).c_str(), view.now_seconds());
  } else {
    ImGui::Text("%s%s", clock_text(view.now_seconds()).c_str(), view.finished() ? "  (all variants finished)" : "");
  }
  ImGui::SameLine();
  if (view.size() < kMaxVariants && ImGui::Button("+ variant")) ImGui::OpenPopup("add-variant");
  if (ImGui::BeginPopup("add-variant")) {
    CompareView::AddForm& form = view.add_form;
    const std::span<const std::string_view> names = strategy_names();
    form.strategy = std::clamp(form.strategy, 0, static_cast<int>(names.size()) - 1);
    const std::string current(names[static_cast<std::size_t>(form.strategy)]);
    ImGui::SetNextItemWidth(200 * theme.scale());
    if (ImGui::BeginCombo("strategy", current.c_str())) {
      for (std::size_t i = 0; i < names.size(); ++i) {
        if (ImGui::Selectable(std::string(names[i]).c_str(), static_cast<int>(i) == form.strategy)) {
          form.strategy = static_cast<int>(i);
        }
      }
      ImGui::EndCombo();
    }
    ImGui::SetNextItemWidth(200 * theme.scale());
    ImGui::SliderInt("workers", &form.workers, 1, 64);
    if (ImGui::Button("Add")) {
      CompareVariant v;
      v.overrides.push_back({"pool.strategy", current});
      // The key the slider sizes (workers, or a dynamic pool's max); none for a thread per job.
      const std::string_view sized_by = describe(*parse_strategy(current)).sized_by;
      if (!sized_by.empty()) v.overrides.push_back({std::string(sized_by), std::to_string(form.workers)});
      v.label = current + (sized_by.empty() ? "" : " " + std::to_string(form.workers));
      try {
        view.add_variant(v);
        form.error.clear();
        ImGui::CloseCurrentPopup();
      } catch (const std::exception& e) {
        form.error = e.what();
      }
    }
    if (!form.error.empty()) ImGui::TextWrapped("%s", form.error.c_str());
    ImGui::EndPopup();
  }
  ImGui::SameLine();
  ImGui::TextColored(ImColor(pal.text_dim), "  %s: %zu variant%s, same seeded arrivals", view.base().id.c_str(),
                     view.size(), view.size() == 1 ? " (add one to compare)" : "s");
}

/// The visible part of a series, as x/y points (x = scenario seconds).
XySeries visible(const TimeSeries& s, double t0, std::string label, ImU32 colour) {
  XySeries out;
  out.label = std::move(label);
  out.colour = colour;
  std::size_t i = s.lower_bound(t0);
  if (i > 0) --i;
  const std::size_t stride = std::max<std::size_t>(1, (s.size() - i) / 600);
  for (; i < s.size(); i += stride) out.points.push_back({s.at(i).t, s.at(i).v});
  if (!s.empty()) out.points.push_back({s.newest().t, s.newest().v});
  return out;
}

void draw_overlaid_plots(CompareView& view, UiState& ui, const Theme& theme, ImVec2 size) {
  const Palette& pal = theme.colours();
  const PlotTimeAxis axis = plot_time_axis(view.now_seconds(), view, ui.plot_window_s);
  const double t0 = axis.t0, t1 = axis.t1;
  struct Pick {
    const char* title;
    const char* unit;
    const TimeSeries& (*of)(PlotSeriesSet&);
    double y_max;
  };
  // The windows are the Timeline's, as on the single-run plots.
  const TimelineOptions& windows = view.session(0).timeline().options();
  char wait_title[48], rate_title[48];
  std::snprintf(wait_title, sizeof wait_title, "Wait p99, last %.0f s", to_seconds(windows.window));
  std::snprintf(rate_title, sizeof rate_title, "Throughput, over last %.0f s", to_seconds(windows.rate_window));
  const Pick picks[] = {
      {wait_title, "ms", [](PlotSeriesSet& s) -> const TimeSeries& { return s.wait_p99; }, 0},
      {"Queue depth", "jobs", [](PlotSeriesSet& s) -> const TimeSeries& { return s.queue_depth; }, 0},
      {"Threads alive", "", [](PlotSeriesSet& s) -> const TimeSeries& { return s.threads; }, 0},
      {rate_title, "/s", [](PlotSeriesSet& s) -> const TimeSeries& { return s.throughput; }, 0},
  };
  const float gap = ImGui::GetStyle().ItemSpacing.y;
  const float h = (size.y - gap * 3) / 4;
  for (const Pick& p : picks) {
    std::vector<XySeries> lines;
    for (std::size_t i = 0; i < view.size(); ++i) {
      lines.push_back(visible(p.of(view.session(i).series()), t0, view.label(i), variant_colour(pal, i)));
    }
    XyAxes axes;
    axes.title = p.title;
    axes.x_unit = "s";
    axes.y_unit = p.unit;
    axes.x_min = t0;
    axes.x_max = t1 > t0 ? t1 : t0 + 1;
    axes.y_max = p.y_max;
    if (view.scrubbing()) axes.cursor_x = view.scrub_seconds();
    draw_xy_plot(axes, lines, ImVec2(size.x, std::max(h, 50.0F)), theme);
  }
}

std::string cell_text(double v) {
  char buf[32];
  if (!std::isfinite(v)) return "-";
  if (std::abs(v) >= 1000 || v == std::floor(v)) {
    std::snprintf(buf, sizeof buf, "%.0f", v);
  } else {
    std::snprintf(buf, sizeof buf, "%.1f", v);
  }
  return buf;
}

void draw_table(CompareView& view, const Theme& theme) {
  const Palette& pal = theme.colours();
  const ComparisonTable t = view.table();
  const int columns = static_cast<int>(t.labels.size()) + 1;
  const ImGuiTableFlags flags = ImGuiTableFlags_Borders | ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingStretchProp;
  if (ImGui::BeginTable("compare-table", columns, flags)) {
    ImGui::TableSetupColumn("figure", ImGuiTableColumnFlags_WidthStretch, 2.2F);
    for (std::size_t i = 0; i < t.labels.size(); ++i) {
      ImGui::TableSetupColumn(t.labels[i].c_str(), ImGuiTableColumnFlags_WidthStretch, 1.0F);
    }
    ImGui::TableNextRow(ImGuiTableRowFlags_Headers);
    ImGui::TableSetColumnIndex(0);
    ImGui::TextUnformatted("figure");
    for (std::size_t i = 0; i < t.labels.size(); ++i) {
      ImGui::TableSetColumnIndex(static_cast<int>(i) + 1);
      ImGui::TextColored(ImColor(variant_colour(pal, i)), "%s", t.labels[i].c_str());
      ImGui::TextColored(ImColor(pal.text_dim), "%s", t.strategies[i].c_str());
    }
    const ImU32 best_bg = fade(pal.series[3], 0.35F);
    for (const TableRow& r : t.rows) {
      ImGui::TableNextRow();
      ImGui::TableSetColumnIndex(0);
      ImGui::Text("%s%s%s%s", r.name.c_str(), r.unit.empty() ? "" : " (", r.unit.c_str(), r.unit.empty() ? "" : ")");
      for (std::size_t i = 0; i < r.values.size(); ++i) {
        ImGui::TableSetColumnIndex(static_cast<int>(i) + 1);
        const bool best = std::find(r.best.begin(), r.best.end(), i) != r.best.end();
        if (best) ImGui::TableSetBgColor(ImGuiTableBgTarget_CellBg, best_bg);
        ImGui::Text("%s%s", cell_text(r.values[i]).c_str(), best ? "  best" : "");
      }
    }
    ImGui::EndTable();
  }
  ImGui::TextColored(ImColor(pal.text_dim),
                     "Highlighted: the best figure in its row. Process peak RSS (all variants together): %.1f MiB.",
                     t.process_peak_rss_mb);
  for (std::size_t i = 0; i < t.labels.size(); ++i) {
    if (t.arrivals_differ[i]) ImGui::TextWrapped("\"%s\" overrides workload keys: its arrivals differ.", t.labels[i].c_str());
  }
  bool cpu = false;
  for (std::size_t i = 0; i < view.size(); ++i) cpu = cpu || view.session(i).scenario().workload.kind == WorkKind::cpu;
  ImGui::TextWrapped("Fairness: %s",
                     fairness_note(cpu, view.size(), std::max(1U, std::thread::hardware_concurrency())).c_str());
}

void draw_theory(CompareView& view, const Theme& theme) {
  const Palette& pal = theme.colours();
  for (std::size_t i = 0; i < view.size(); ++i) {
    const Overlay o = view.overlay(i);
    ImGui::PushID(static_cast<int>(i));
    ImGui::TextColored(ImColor(variant_colour(pal, i)), "%s", view.label(i).c_str());
    ImGui::SameLine();
    ImGui::TextWrapped("%s  [%s]  load (rho) %.2f", o.check.model.c_str(), std::string(to_string(o.check.fit)).c_str(),
                       o.check.offered_rho);
    ImGui::TextWrapped("%s", o.check.reason.c_str());
    if (!o.rows.empty() && !o.steady_note.empty()) {
      const ImU32 tone = o.steady ? pal.text_dim : theme.text_tone(rgb(okabe_ito::kOrange));
      ImGui::PushStyleColor(ImGuiCol_Text, ImGui::ColorConvertU32ToFloat4(tone));
      ImGui::TextWrapped("%s", o.steady_note.c_str());
      ImGui::PopStyleColor();
    }
    if (!o.rows.empty() && ImGui::BeginTable("theory", 4, ImGuiTableFlags_Borders | ImGuiTableFlags_SizingStretchProp)) {
      ImGui::TableSetupColumn("figure", ImGuiTableColumnFlags_WidthStretch, 1.0F);
      ImGui::TableSetupColumn("predicted", ImGuiTableColumnFlags_WidthStretch, 0.9F);
      ImGui::TableSetupColumn("measured (95 % interval)", ImGuiTableColumnFlags_WidthStretch, 1.7F);
      ImGui::TableSetupColumn("difference", ImGuiTableColumnFlags_WidthStretch, 0.8F);
      ImGui::TableHeadersRow();
      for (const OverlayRow& r : o.rows) {
        // Values carry their unit ("40.1 s", "43 %"), never scientific notation.
        const bool ratio = r.unit.empty() && (r.name.starts_with("P(") || r.name == "utilisation");
        const std::string unit = r.unit == "jobs" ? "" : ratio ? "%" : r.unit;
        ImGui::TableNextRow();
        ImGui::TableSetColumnIndex(0);
        ImGui::TextWrapped("%s%s", r.name.c_str(), r.unit == "jobs" ? " (jobs)" : "");
        ImGui::TableSetColumnIndex(1);
        ImGui::TextWrapped("%s", format_claim_value(r.predicted, unit).c_str());
        ImGui::TableSetColumnIndex(2);
        if (r.noise >= 0) {
          ImGui::TextWrapped("%s (%s to %s)", format_claim_value(r.measured, unit).c_str(),
                             format_claim_value(std::max(0.0, r.measured - r.noise), unit).c_str(),
                             format_claim_value(r.measured + r.noise, unit).c_str());
        } else {
          ImGui::TextWrapped("%s", format_claim_value(r.measured, unit).c_str());
        }
        ImGui::TableSetColumnIndex(3);
        if (std::isfinite(r.relative_difference)) {
          ImGui::Text("%+.0f %%", r.relative_difference * 100.0);
        } else {
          ImGui::TextUnformatted("-");
        }
      }
      ImGui::EndTable();
    }
    ImGui::TextWrapped("Little's law: L = %.2f jobs in system (time mean);  lambda x W = %.2f/s x %.3f s = %.2f",
                       o.little.mean_in_system, o.little.arrival_rate, o.little.mean_sojourn_s, o.little.lambda_w);
    ImGui::Separator();
    ImGui::PopID();
  }
}

void draw_sweep(CompareView& view, const Theme& theme, ImVec2 size) {
  CompareView::SweepForm& form = view.sweep_form;
  if (form.to <= 0) {
    // Default range: 10 % to 95 % of what the base scenario's workers can serve.
    const TheoryCheck t = theory_for(view.base());
    const double capacity = t.servers * t.mu;
    form.from = static_cast<float>(0.1 * capacity);
    form.to = static_cast<float>(0.95 * capacity);
  }
  SweepRunner& sweep = view.sweep();
  const float s = theme.scale();
  ImGui::SetNextItemWidth(90 * s);
  ImGui::InputFloat("from /s", &form.from, 0, 0, "%.1f");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(90 * s);
  ImGui::InputFloat("to /s", &form.to, 0, 0, "%.1f");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(70 * s);
  ImGui::InputInt("steps", &form.steps, 0);
  ImGui::SameLine();
  ImGui::SetNextItemWidth(70 * s);
  ImGui::InputFloat("speed", &form.speed, 0, 0, "%.0fx");
  form.steps = std::clamp(form.steps, 2, 40);
  form.speed = std::clamp(form.speed, 0.5F, 100.0F);
  ImGui::SameLine();
  if (sweep.running()) {
    if (ImGui::Button("Stop sweep")) sweep.stop();
  } else if (ImGui::Button("Sweep workload.rate")) {
    SweepRange range;
    range.key = "workload.rate";
    range.from = std::max(0.01F, form.from);
    range.to = std::max(range.from, static_cast<double>(form.to));
    range.steps = form.steps;
    Scenario scenario = view.base();
    scenario.compare.clear();
    sweep.start(scenario, range, form.speed);
  }
  ImGui::TextWrapped("Runs %s (as written) once per arrival rate, one after the other, and plots the measured "
                     "wait against utilisation beside the theory curve.",
                     view.base().id.c_str());
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  draw_hockey_stick(sweep, theme, ImVec2(size.x, std::max(avail.y, 120.0F)));
}

}  // namespace

void draw_compare_panel(CompareView& view, UiState& ui, const Theme& theme, ImVec2 size, float real_dt) {
  const Palette& pal = theme.colours();
  ImGui::BeginChild("compare", size, false, ImGuiWindowFlags_NoScrollbar);
  draw_compare_transport(view, theme);
  draw_timeline_bar(view, theme, size.x);  // one scrubber moves every variant
  ImGui::Separator();
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  const ImGuiStyle& style = ImGui::GetStyle();
  const float left_w = avail.x * 0.52F;
  const float right_w = avail.x - left_w - style.ItemSpacing.x;

  // Left: the variants' flow canvases, stacked, each under a label in its colour.
  ImGui::BeginChild("canvases", ImVec2(left_w, avail.y), false, ImGuiWindowFlags_NoScrollbar);
  const float label_h = ImGui::GetTextLineHeightWithSpacing();
  const float each = (avail.y - static_cast<float>(view.size()) * (label_h + style.ItemSpacing.y)) /
                     static_cast<float>(std::max<std::size_t>(view.size(), 1));
  for (std::size_t i = 0; i < view.size(); ++i) {
    ImGui::PushID(static_cast<int>(i));
    const RunSummary live = view.session(i).run().summary();
    // The moment shown: live, or the one every variant was scrubbed to.
    const TimelineCounts& shown = view.session(i).timeline().counts();
    ImGui::TextColored(ImColor(variant_colour(pal, i)), "%s", view.label(i).c_str());
    ImGui::SameLine();
    if (view.size() > 1 && ImGui::SmallButton("x")) {
      view.remove_variant(i);
      ImGui::PopID();
      break;  // the sessions were rebuilt; draw them next frame
    }
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("Remove this variant");
    ImGui::SameLine();
    ImGui::TextColored(ImColor(pal.text_dim), "(%s)  done %llu / %llu",
                       live.strategy.c_str(),
                       static_cast<unsigned long long>(shown.completed),
                       static_cast<unsigned long long>(shown.submitted));
    draw_flow_canvas(view.session(i), theme, ImVec2(left_w, std::max(each, 60.0F)), real_dt);
    ImGui::PopID();
  }
  ImGui::EndChild();
  ImGui::SameLine();

  // Right: plots, table, theory, sweep.
  ImGui::BeginChild("compare-right", ImVec2(right_w, avail.y), false);
  if (ImGui::BeginTabBar("compare-tabs")) {
    if (ImGui::BeginTabItem("Plots")) {
      draw_overlaid_plots(view, ui, theme, ImGui::GetContentRegionAvail());
      ImGui::EndTabItem();
    }
    if (ImGui::BeginTabItem("Table")) {
      draw_table(view, theme);
      ImGui::EndTabItem();
    }
    if (ImGui::BeginTabItem("Theory")) {
      draw_theory(view, theme);
      ImGui::EndTabItem();
    }
    if (ImGui::BeginTabItem("Sweep")) {
      draw_sweep(view, theme, ImGui::GetContentRegionAvail());
      ImGui::EndTabItem();
    }
    // The lesson's claims, checked when every variant has ended; the tab opens itself then.
    if (const LessonCheckView& checks = view.lesson_checks(); checks.ready) {
      ImGuiStorage* storage = ImGui::GetStateStorage();
      const ImGuiID shown_key = ImGui::GetID("lesson-shown");
      const bool select = !storage->GetBool(shown_key, false);
      storage->SetBool(shown_key, true);
      if (ImGui::BeginTabItem("Lesson", nullptr, select ? ImGuiTabItemFlags_SetSelected : 0)) {
        ImGui::TextColored(ImColor(pal.accent), "The lesson, checked on this machine");
        draw_lesson_checks(checks, theme);
        ImGui::EndTabItem();
      }
    } else {
      ImGui::GetStateStorage()->SetBool(ImGui::GetID("lesson-shown"), false);
    }
    ImGui::EndTabBar();
  }
  ImGui::EndChild();
  ImGui::EndChild();
}

bool draw_compare_mode(std::unique_ptr<CompareView>& view, Session& session, UiState& ui, const Theme& theme,
                       float real_dt) {
  if (session.served()) return false;  // variants would need arrivals of their own
  bool on = view != nullptr;
  const bool rebuild = on && (view->base().id != session.scenario().id ||
                              view->base().source_name != session.scenario().source_name);
  if (ImGui::Checkbox("Compare", &on) || rebuild) {
    view.reset();
    if (on) {
      try {
        view = std::make_unique<CompareView>(session.scenario(), std::vector<CompareVariant>{}, session.speed());
        session.set_paused(true);  // the single run waits while the variants run
      } catch (const std::exception& e) {
        session.say(e.what(), true);
      }
    }
  }
  if (ImGui::IsItemHovered()) {
    ImGui::SetTooltip("Run the scenario's variants side by side on the same arrivals (its [[compare]] blocks)");
  }
  if (!view) return false;
  view->frame(real_dt);
  ImGui::Separator();
  draw_compare_panel(*view, ui, theme, ImGui::GetContentRegionAvail(), real_dt);
  return true;
}

}  // namespace poolviz::gui
