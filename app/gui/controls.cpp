// The controls: change the pool while it runs. Workers, queue bound, limiter
// rate, arrival rate and service time go to the running engine at once
// (Run's live setters); a new strategy restarts the scenario cleanly; the
// other settings wait for "Restart with these settings".
#include <algorithm>
#include <cstdio>

#include "gui/panels.h"
#include "poolviz/thread_per_task.h"

namespace poolviz::gui {

namespace {

bool combo_of_names(const char* id, std::string_view current, std::span<const std::string_view> names,
                    std::string& chosen) {
  bool changed = false;
  if (ImGui::BeginCombo(id, std::string(current).c_str())) {
    for (std::string_view n : names) {
      if (ImGui::Selectable(std::string(n).c_str(), n == current)) {
        chosen = std::string(n);
        changed = n != current;
      }
    }
    ImGui::EndCombo();
  }
  return changed;
}

void row(const char* label, const char* help = nullptr) {
  ImGui::TableNextRow();
  ImGui::TableSetColumnIndex(0);
  ImGui::AlignTextToFramePadding();
  ImGui::TextUnformatted(label);
  if (help != nullptr && ImGui::IsItemHovered()) ImGui::SetTooltip("%s", help);
  ImGui::TableSetColumnIndex(1);
  ImGui::SetNextItemWidth(-1);
}

// The strategy picker. True when picking one restarted the scenario.
bool strategy_row(Session& session, PoolSpec& pool) {
  row("strategy", "Switching strategy restarts the scenario");
  std::string chosen;
  if (!combo_of_names("##strategy", to_string(pool.strategy), strategy_names(), chosen))
    return false;
  const auto s = parse_strategy(chosen);
  if (!s) return false;
  pool.strategy = *s;
  session.restart();
  session.say("restarted with strategy " + chosen);
  return true;
}

// The rows the strategy has: workers (fixed or min/max), thread cap or queue.
void pool_rows(Session& session, Run& run, PoolSpec& pool) {
  std::string chosen;
  const StrategyDescriptor& strategy = describe(pool.strategy);
  const bool threads = strategy.thread_per_job;
  const bool dynamic = reads(strategy.settings, "pool.min_workers");
  if (strategy.fixed_servers) {
    row("workers", "Applied to the running pool: extra workers retire after their job");
    int workers = pool.workers > 0 ? pool.workers : static_cast<int>(run.executor().stats().workers_alive);
    if (ImGui::SliderInt("##workers", &workers, 1, 64)) {
      if (run.set_workers(workers)) pool.workers = workers;
    }
  }
  if (dynamic) {
    row("min workers", "Takes effect on restart");
    int lo = std::max(pool.min_workers, 1);
    if (ImGui::SliderInt("##min", &lo, 1, 32)) pool.min_workers = lo;
    row("max workers", "Takes effect on restart");
    int hi = std::max(pool.max_workers, lo);
    if (ImGui::SliderInt("##max", &hi, lo, 64)) pool.max_workers = hi;
  }
  if (threads) {
    row("thread cap", "Safety cap on live threads; takes effect on restart");
    int cap = pool.max_threads > 0 ? pool.max_threads : 2000;
    if (ImGui::SliderInt("##cap", &cap, 10, 5000)) pool.max_threads = cap;
    if (kPlatformThreadCap > 0) {
      ImGui::TextWrapped("In the browser at most %d threads: the page's pool of Web Workers", kPlatformThreadCap);
    }
  } else {
    row("queue capacity", "0 = unbounded; applied to the running queue");
    int cap = static_cast<int>(pool.queue_capacity);
    // 0 reads "unbounded", as the canvas's queue heading does.
    if (ImGui::SliderInt("##capacity", &cap, 0, 500, cap == 0 ? "unbounded" : "%d")) {
      if (run.set_queue_capacity(static_cast<std::size_t>(cap))) {
        pool.queue_capacity = static_cast<std::size_t>(cap);
      } else {
        session.say("this strategy cannot change its queue bound while running", true);
      }
    }
    row("when full", "What a full queue does with a new job; takes effect on restart");
    if (combo_of_names("##overflow", to_string(pool.overflow), overflow_names(), chosen)) {
      if (auto o = parse_overflow(chosen)) pool.overflow = *o;
    }
  }
}

// The rows the limiter has: rate, burst, permits.
void limiter_rows(Run& run, LimiterSpec& lim) {
  const LimiterDescriptor& limiter = describe(lim.kind);
  if (limiter.has_rate) {
    row("limiter rate", "Permits per second; applied live");
    float rate = static_cast<float>(lim.rate);
    if (ImGui::SliderFloat("##lrate", &rate, 0.1F, 200.0F, "%.1f /s", ImGuiSliderFlags_Logarithmic)) {
      if (run.set_limiter_rate(rate)) lim.rate = rate;
    }
  }
  if (reads(limiter.settings, "limiter.burst")) {
    row("burst", "Bucket capacity; takes effect on restart");
    float burst = static_cast<float>(std::max(lim.burst, 1.0));
    if (ImGui::SliderFloat("##burst", &burst, 1, 100, "%.0f tokens")) lim.burst = burst;
  }
  if (reads(limiter.settings, "limiter.max_in_flight")) {
    row("permits", "Jobs allowed to run at once; takes effect on restart");
    int permits = std::max(lim.max_in_flight, 1);
    if (ImGui::SliderInt("##permits", &permits, 1, 64)) lim.max_in_flight = permits;
  }
}

// Arrival rate (steady arrivals only) and service mean, both applied live.
void workload_rows(Run& run, WorkloadSpec& wl) {
  // Only steady arrivals have a rate: all-at-once, bursts and closed-loop clients do not.
  if (wl.arrival == ArrivalPattern::constant || wl.arrival == ArrivalPattern::poisson) {
    row("arrival rate", "New jobs per second of scenario time; applied live");
    float arrivals = static_cast<float>(wl.rate > 0 ? wl.rate : 10.0);
    if (ImGui::SliderFloat("##arrivals", &arrivals, 0.1F, 2000.0F, "%.1f /s", ImGuiSliderFlags_Logarithmic)) {
      wl.rate = arrivals;
      run.set_arrival_rate(arrivals);
    }
  }
  row("service mean", "Mean job duration for jobs not yet generated; applied live");
  float service = static_cast<float>(wl.service_mean_ms > 0 ? wl.service_mean_ms : 100.0);
  if (ImGui::SliderFloat("##service", &service, 1.0F, 10000.0F, "%.0f ms", ImGuiSliderFlags_Logarithmic)) {
    wl.service_mean_ms = service;
    run.set_service_mean(service);
  }
}

// Restart with the edited settings when some need a fresh engine; else go back
// to the scenario's own.
void restart_buttons(Session& session, const Scenario& running, const Scenario& edit) {
  const bool pending = !restart_needed(running.pool, running.limiter, edit.pool, edit.limiter).empty();
  if (pending) {
    ImGui::PushStyleColor(ImGuiCol_Button, ImGui::ColorConvertU32ToFloat4(rgb(okabe_ito::kOrange, 200)));
    if (ImGui::Button("Restart with these settings")) session.restart();
    ImGui::PopStyleColor();
  } else {
    if (ImGui::Button("Back to the scenario's settings")) {
      Scenario fresh = running;
      try {
        fresh = load_scenario(running.source_name.rfind("builtin:", 0) == 0 ? running.id : running.source_name);
      } catch (const std::exception&) {
      }
      session.load(std::move(fresh));
    }
  }
}

}  // namespace

void draw_controls(Session& session, const Theme& theme, ImVec2 size) {
  Scenario& edit = session.edited();
  const Scenario& running = session.scenario();
  Run& run = session.run();
  const Palette& pal = theme.colours();
  ImGui::BeginChild("controls", size, false);
  ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(pal.accent), "Change the pool while it runs");

  if (!ImGui::BeginTable("controls-table", 2, ImGuiTableFlags_SizingStretchProp)) {
    ImGui::EndChild();
    return;
  }
  ImGui::TableSetupColumn("label", ImGuiTableColumnFlags_WidthFixed,
                          ImGui::CalcTextSize("queue capacity ").x);
  ImGui::TableSetupColumn("widget", ImGuiTableColumnFlags_WidthStretch);
  if (strategy_row(session, edit.pool)) {
    ImGui::EndTable();
    ImGui::EndChild();
    return;
  }
  pool_rows(session, run, edit.pool);
  limiter_rows(run, edit.limiter);
  if (session.served()) {  // arrivals come from HTTP clients, not the generator
    ImGui::EndTable();
    ImGui::TextWrapped("Jobs arrive as POST /tasks; `poolviz load URL --rate R` sends them.");
    ImGui::EndChild();
    return;
  }
  workload_rows(run, edit.workload);
  ImGui::EndTable();
  restart_buttons(session, running, edit);
  ImGui::EndChild();
}

}  // namespace poolviz::gui
