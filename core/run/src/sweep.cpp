#include "poolviz/sweep.h"

#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <thread>

#include "poolviz/compat_thread.h"

namespace poolviz {

std::vector<double> SweepRange::values() const {
  std::vector<double> out;
  if (steps <= 1) {
    out.push_back(from);
    return out;
  }
  for (int i = 0; i < steps; ++i) out.push_back(from + (to - from) * i / (steps - 1));
  return out;
}

SweepRange parse_sweep_range(std::string_view text) {
  auto fail = [&](const std::string& message) {
    throw ScenarioError("--set-range", 0, 0, std::string(text), message + " (expected KEY=FROM:TO:STEPS, e.g. workload.rate=5:38:12)");
  };
  const std::size_t eq = text.find('=');
  if (eq == std::string_view::npos || eq == 0) fail("no KEY=");
  SweepRange r;
  r.key = std::string(text.substr(0, eq));
  std::string_view rest = text.substr(eq + 1);
  double parts[3] = {0, 0, 0};
  for (int i = 0; i < 3; ++i) {
    const std::size_t colon = i < 2 ? rest.find(':') : rest.size();
    if (colon == std::string_view::npos) fail("needs three numbers separated by ':'");
    const std::string_view item = rest.substr(0, colon);
    const auto [end, ec] = poolviz::from_chars_double(item.data(), item.data() + item.size(), parts[i]);
    if (ec != std::errc{} || end != item.data() + item.size() || item.empty()) {
      fail("\"" + std::string(item) + "\" is not a number");
    }
    rest = colon < rest.size() ? rest.substr(colon + 1) : std::string_view{};
  }
  r.from = parts[0];
  r.to = parts[1];
  if (parts[2] < 1 || parts[2] > 1000 || parts[2] != std::floor(parts[2])) fail("STEPS must be a whole number from 1 to 1000");
  r.steps = static_cast<int>(parts[2]);
  return r;
}

double SweepPoint::predicted_mean_wait_ms() const {
  switch (theory.fit) {
    case TheoryFit::not_applicable: return NAN;
    case TheoryFit::unstable: return INFINITY;
    default: return theory.prediction.mean_wait * 1000.0;
  }
}

std::vector<SweepPoint> run_sweep(const Scenario& scenario, const SweepRange& range, const SweepOptions& options,
                                  const std::function<void(std::size_t, const SweepPoint&)>& on_point) {
  std::vector<SweepPoint> points;
  const std::vector<double> values = range.values();
  for (std::size_t i = 0; i < values.size() && !options.stop.stop_requested(); ++i) {
    Scenario step = scenario;
    char text[64];
    std::snprintf(text, sizeof text, "%.10g", values[i]);
    apply_override(step, range.key, text);
    if (options.seed) step.workload.seed = *options.seed;

    SweepPoint point;
    point.value = values[i];
    point.theory = theory_for(step);
    RunOptions ro;
    ro.speed = options.speed;
    ro.duration_s = options.duration_s;
    {
      Run run(step, ro);
      run.start();
      // Poll often enough that the bus rings stay short at high speed.
      while (!run.finished() && !options.stop.stop_requested()) {
        run.poll();
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
      }
      const bool cut = !(run.arrivals_done() && run.executor().stats().outstanding == 0);
      run.stop(cut ? ShutdownMode::cancel : ShutdownMode::drain);
      point.summary = run.summary();
      const Timeline& timeline = run.timeline();
      point.wait_mean_ci95_ms = timeline.waits().ci95_half_width() * 1000.0;
      point.p_wait_measured = timeline.p_arrival_finds_all_busy();
      point.predicted_mean_wait_ms_with_measured_service =
          make_overlay(point.theory, point.summary, timeline, timeline.last_event()).mean_wait_ms_with_measured_service;
    }
    if (options.stop.stop_requested()) break;  // a cut step is not a measurement
    points.push_back(point);
    if (on_point) on_point(i, points.back());
  }
  return points;
}

std::string format_sweep(const SweepRange& range, std::span<const SweepPoint> points) {
  std::string out;
  char line[256];
  std::snprintf(line, sizeof line, "%12s %6s %10s %10s %16s %8s %12s %12s  %s\n", range.key.c_str(), "rho",
                "wait p50", "wait p99", "wait mean", "util", "theory mean", "(meas. svc)", "model");
  out += line;
  for (const SweepPoint& p : points) {
    char mean[48];
    if (std::isfinite(p.wait_mean_ci95_ms)) {
      std::snprintf(mean, sizeof mean, "%.2f+/-%.2f", p.summary.wait_ms.mean_ms, p.wait_mean_ci95_ms);
    } else {
      std::snprintf(mean, sizeof mean, "%.2f", p.summary.wait_ms.mean_ms);
    }
    const double theory = p.predicted_mean_wait_ms();
    char theory_text[32];
    if (std::isnan(theory)) {
      std::snprintf(theory_text, sizeof theory_text, "n/a");
    } else if (std::isinf(theory)) {
      std::snprintf(theory_text, sizeof theory_text, "unbounded");
    } else {
      std::snprintf(theory_text, sizeof theory_text, "%.2f", theory);
    }
    char again[32] = "-";
    if (std::isfinite(p.predicted_mean_wait_ms_with_measured_service)) {
      std::snprintf(again, sizeof again, "%.2f", p.predicted_mean_wait_ms_with_measured_service);
    }
    std::snprintf(line, sizeof line, "%12.4g %6.3f %10.2f %10.2f %16s %7.1f%% %12s %12s  %s\n", p.value,
                  p.theory.offered_rho, p.summary.wait_ms.p50_ms, p.summary.wait_ms.p99_ms, mean,
                  p.summary.utilization * 100.0, theory_text, again, p.theory.model.c_str());
    out += line;
  }
  out += "waits in ms of scenario time; rho = offered load lambda / (c mu); +/- = 95 % batch-means interval;\n"
         "(meas. svc) = theory with the measured mean service time instead of the nominal one.\n";
  return out;
}

namespace {
nlohmann::ordered_json number_or_null(double v) {
  return std::isfinite(v) ? nlohmann::ordered_json(v) : nlohmann::ordered_json(nullptr);
}
}  // namespace

std::string sweep_to_json(const std::string& scenario_id, const SweepRange& range, std::span<const SweepPoint> points,
                          int indent) {
  nlohmann::ordered_json out;
  out["scenario"] = scenario_id;
  out["key"] = range.key;
  out["from"] = range.from;
  out["to"] = range.to;
  out["steps"] = range.steps;
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const SweepPoint& p : points) {
    nlohmann::ordered_json point;
    point["value"] = p.value;
    point["rho"] = number_or_null(p.theory.offered_rho);
    point["measured"] = {{"wait_p50_ms", p.summary.wait_ms.p50_ms},
                         {"wait_p99_ms", p.summary.wait_ms.p99_ms},
                         {"wait_mean_ms", p.summary.wait_ms.mean_ms},
                         {"wait_mean_ci95_ms", number_or_null(p.wait_mean_ci95_ms)},
                         {"p_wait", number_or_null(p.p_wait_measured)},
                         {"utilization", p.summary.utilization},
                         {"throughput_per_s", p.summary.throughput_per_s},
                         {"service_mean_ms", p.summary.service_ms.mean_ms},
                         {"completed", p.summary.jobs.completed},
                         {"rejected", p.summary.jobs.rejected}};
    const double theory = p.predicted_mean_wait_ms();
    point["theory"] = {{"model", p.theory.model},
                       {"fit", std::string(to_string(p.theory.fit))},
                       {"mean_wait_ms", number_or_null(theory)},
                       {"mean_wait_ms_with_measured_service",
                        number_or_null(p.predicted_mean_wait_ms_with_measured_service)},
                       {"p_wait", p.theory.fit == TheoryFit::not_applicable ? nlohmann::ordered_json(nullptr)
                                                                             : number_or_null(p.theory.prediction.p_wait)},
                       {"unstable", p.theory.fit == TheoryFit::unstable},
                       {"reason", p.theory.reason}};
    list.push_back(std::move(point));
  }
  out["points"] = std::move(list);
  return out.dump(indent);
}

void write_sweep_csv(std::ostream& out, const SweepRange& range, std::span<const SweepPoint> points) {
  out << range.key
      << ",rho,wait_p50_ms,wait_p99_ms,wait_mean_ms,wait_mean_ci95_ms,utilization,throughput_per_s,"
         "theory_mean_wait_ms,model,fit\n";
  for (const SweepPoint& p : points) {
    auto cell = [&out](double v) {
      if (std::isfinite(v)) out << v;
    };
    out << p.value << ",";
    cell(p.theory.offered_rho);
    out << "," << p.summary.wait_ms.p50_ms << "," << p.summary.wait_ms.p99_ms << "," << p.summary.wait_ms.mean_ms << ",";
    cell(p.wait_mean_ci95_ms);
    out << "," << p.summary.utilization << "," << p.summary.throughput_per_s << ",";
    const double theory = p.predicted_mean_wait_ms();
    if (std::isinf(theory)) {
      out << "inf";
    } else {
      cell(theory);
    }
    out << ",\"" << p.theory.model << "\"," << to_string(p.theory.fit) << "\n";
  }
}

}  // namespace poolviz
