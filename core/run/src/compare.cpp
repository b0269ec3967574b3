#include "poolviz/compare.h"

#include <pthread.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "poolviz/export.h"

namespace poolviz {

// [SECTION] Variants ------------------------------------------------------------

namespace {

std::string trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t");
  return std::string(text.substr(first, last - first + 1));
}

std::string overrides_text(const std::vector<Override>& overrides) {
  std::string out;
  for (const Override& o : overrides) {
    if (!out.empty()) out += ",";
    out += o.key + "=" + o.value;
  }
  return out;
}

}  // namespace

CompareVariant parse_variant(std::string_view text) {
  CompareVariant v;
  std::string_view body = text;
  // A label is text before ':' that contains no '=' (values may hold ':').
  if (const auto colon = text.find(':'); colon != std::string_view::npos) {
    const std::string_view head = text.substr(0, colon);
    if (head.find('=') == std::string_view::npos) {
      v.label = trim(head);
      body = text.substr(colon + 1);
    }
  }
  std::size_t start = 0;
  while (start <= body.size()) {
    const std::size_t comma = std::min(body.find(',', start), body.size());
    const std::string item = trim(body.substr(start, comma - start));
    if (!item.empty()) {
      const std::size_t eq = item.find('=');
      if (eq == std::string::npos || eq == 0) {
        throw ScenarioError("--variant", 0, 0, item, "expected KEY=VALUE, e.g. pool.strategy=dynamic");
      }
      v.overrides.push_back({trim(item.substr(0, eq)), trim(item.substr(eq + 1))});
    }
    start = comma + 1;
  }
  if (v.overrides.empty()) {
    throw ScenarioError("--variant", 0, 0, std::string(text),
                        "a variant needs at least one KEY=VALUE, e.g. \"pool.strategy=dynamic,pool.max_workers=8\"");
  }
  if (v.label.empty()) v.label = overrides_text(v.overrides);
  return v;
}

std::vector<VariantPlan> plan_variants(const Scenario& base, std::span<const CompareVariant> extra) {
  std::vector<CompareVariant> list;
  bool with_base = false;
  if (extra.empty()) {
    list = base.compare;
    with_base = list.size() == 1;
  } else {
    list.assign(extra.begin(), extra.end());
    with_base = true;
  }
  const std::size_t total = list.size() + (with_base ? 1 : 0);
  if (total < kMinVariants || total > kMaxVariants) {
    throw ScenarioError(base.source_name, 0, 0, "compare",
                        "compare runs 2 to 4 variants; " + base.id + " gives " + std::to_string(total) +
                            (extra.empty() ? " ([[compare]] blocks in the scenario; add --variant \"KEY=VALUE,...\")"
                                           : " (the scenario as written + each --variant)"));
  }
  std::vector<VariantPlan> plans;
  if (with_base) {
    VariantPlan as_written;
    as_written.label = "as written (" + std::string(to_string(base.pool.strategy)) + ")";
    as_written.scenario = base;
    as_written.scenario.compare.clear();
    plans.push_back(std::move(as_written));
  }
  for (const CompareVariant& v : list) {
    VariantPlan plan;
    plan.label = v.label;
    plan.overrides = v.overrides;
    try {
      plan.scenario = apply_variant(base, v);
    } catch (const ScenarioError& e) {
      throw ScenarioError(e.source(), e.line(), e.column(), e.key(),
                          "in variant \"" + v.label + "\": " + e.message());
    }
    plans.push_back(std::move(plan));
  }
  return plans;
}

std::vector<std::string> workload_overrides(const VariantPlan& plan) {
  std::vector<std::string> keys;
  for (const Override& o : plan.overrides) {
    if (o.key.starts_with("workload.")) keys.push_back(o.key);
  }
  return keys;
}

// [SECTION] Comparison ----------------------------------------------------------

Comparison::Comparison(std::vector<VariantPlan> variants, ComparisonOptions options)
    : options_(options), speed_(options.speed > 0 && std::isfinite(options.speed) ? options.speed : 1.0) {
  if (variants.size() < kMinVariants || variants.size() > kMaxVariants) {
    throw std::invalid_argument("compare runs 2 to 4 variants, not " + std::to_string(variants.size()));
  }
  const int hardware = static_cast<int>(std::thread::hardware_concurrency());
  std::uint8_t source = 0;
  for (VariantPlan& plan : variants) {
    TheoryCheck theory = theory_for(plan.scenario, hardware);
    auto v = std::make_unique<Variant>(std::move(plan));
    v->theory = std::move(theory);
    RunOptions ro;
    ro.speed = speed_;
    ro.seed = options.seed;
    ro.duration_s = options.duration_s;
    ro.start_paused = true;  // start() releases every clock together
    ro.sample_period = options.sample_period;
    ro.keep_all_samples = options.keep_all_samples;
    ro.source = source++;
    v->run = std::make_unique<Run>(v->plan.scenario, ro);
    variants_.push_back(std::move(v));
  }
}

Comparison::~Comparison() {
  // Cancel and join every engine before the sinks they feed go away.
  for (auto& v : variants_) v->run.reset();
}

void Comparison::start() {
  if (started_) return;
  started_ = true;
  for (auto& v : variants_) v->run->start();
  // A new thread may take a while to be scheduled on a busy machine, and any
  // real time between resume() and an arrival thread's first wait becomes a
  // late start and a burst of arrivals in that variant only. While the clocks
  // are paused, waiting costs no scenario time, so give the arrival threads a
  // moment to reach their first wait. (Fairness, not correctness: Run offers
  // no "arrival thread ready" signal to wait on instead.)
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  if (!options_.start_paused) resume();
}

void Comparison::pause() {
  for (auto& v : variants_) v->run->clock().pause();
}

void Comparison::resume() {
  for (auto& v : variants_) v->run->clock().resume();
}

bool Comparison::paused() const { return variants_.front()->run->clock().paused(); }

void Comparison::set_speed(double speed) {
  if (!(speed > 0) || !std::isfinite(speed)) return;
  speed_ = speed;
  for (auto& v : variants_) v->run->clock().set_speed(speed);
}

void Comparison::poll() {
  for (auto& v : variants_) v->run->poll();
}

bool Comparison::finished() const {
  return std::all_of(variants_.begin(), variants_.end(), [](const auto& v) { return v->run->finished(); });
}

void Comparison::stop() {
  if (stopped_) return;
  stopped_ = true;
  for (auto& v : variants_) {
    Run& run = *v->run;
    const bool cut = !(run.arrivals_done() && run.executor().stats().outstanding == 0);
    run.stop(cut && options_.duration_s ? ShutdownMode::cancel : ShutdownMode::drain);
  }
}

double Comparison::now_seconds() const {
  double t = 0;
  for (const auto& v : variants_) t = std::max(t, to_seconds(v->run->now()));
  return t;
}

Overlay Comparison::overlay(std::size_t i) const {
  const Variant& v = *variants_[i];
  return make_overlay(v.theory, v.run->summary(), v.run->timeline(), v.run->now());
}

ComparisonTable Comparison::table() const {
  std::vector<std::string> labels;
  std::vector<RunSummary> summaries;
  for (const auto& v : variants_) {
    labels.push_back(v->plan.label);
    summaries.push_back(v->run->summary());
  }
  ComparisonTable t = make_table(labels, summaries, default_thread_stack_bytes());
  for (std::size_t i = 0; i < variants_.size(); ++i) {
    t.arrivals_differ[i] = !workload_overrides(variants_[i]->plan).empty();
  }
  const bool cpu = std::any_of(variants_.begin(), variants_.end(),
                               [](const auto& v) { return v->plan.scenario.workload.kind == WorkKind::cpu; });
  t.fairness_note = fairness_note(cpu, variants_.size(), std::max(1U, std::thread::hardware_concurrency()));
  return t;
}

std::string fairness_note(bool cpu_bound, std::size_t variants, unsigned cores) {
  const std::string shared = "the " + std::to_string(variants) + " variants share this machine's " +
                             std::to_string(cores) + " cores";
  if (!cpu_bound) return "io-bound work: jobs mostly wait, so " + shared + " and barely compete: the comparison is fair.";
  return "cpu-bound work: " + shared + ", and the scheduler shares them per thread, so a variant with more "
         "threads gets more CPU (32 workers beside 2 get about 16 times as much) and looks faster than it would "
         "alone. `poolviz check` runs the variants one after another for the fair figure.";
}

// [SECTION] ComparisonTable -----------------------------------------------------

std::vector<std::size_t> best_indices(std::span<const double> values, Better better) {
  std::vector<std::size_t> best;
  if (better == Better::none) return best;
  std::size_t finite = 0;
  double lo = INFINITY, hi = -INFINITY;
  for (double v : values) {
    if (!std::isfinite(v)) continue;
    ++finite;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  if (finite < 2) return best;
  auto same = [](double a, double b) { return std::abs(a - b) <= 1e-9 * std::max(std::abs(a), std::abs(b)); };
  if (same(lo, hi)) return best;
  const double target = better == Better::lower ? lo : hi;
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (std::isfinite(values[i]) && same(values[i], target)) best.push_back(i);
  }
  return best;
}

std::size_t default_thread_stack_bytes() {
  pthread_attr_t attr;
  std::size_t size = 0;
  if (pthread_attr_init(&attr) == 0) {
    if (pthread_attr_getstacksize(&attr, &size) != 0) size = 0;
    pthread_attr_destroy(&attr);
  }
  return size;
}

/// One "wait p50, priority N" row per priority any variant ran (most urgent
/// first): a priority scenario's lesson is that urgent jobs wait less.
template <class AddLatency>
void add_priority_waits(std::span<const RunSummary> summaries, AddLatency& add_latency) {
  std::vector<int> priorities;
  for (const RunSummary& s : summaries) {
    for (const RunSummary::PriorityWait& p : s.wait_by_priority) priorities.push_back(p.priority);
  }
  std::sort(priorities.begin(), priorities.end(), std::greater<>());
  priorities.erase(std::unique(priorities.begin(), priorities.end()), priorities.end());
  for (int priority : priorities) {
    add_latency("wait p50, priority " + std::to_string(priority), [priority](const RunSummary& s) {
      for (const RunSummary::PriorityWait& p : s.wait_by_priority) {
        if (p.priority == priority) return p.wait_ms.p50_ms;
      }
      return std::numeric_limits<double>::quiet_NaN();
    });
  }
}

ComparisonTable make_table(std::span<const std::string> labels, std::span<const RunSummary> summaries,
                           std::size_t stack_bytes) {
  ComparisonTable t;
  t.labels.assign(labels.begin(), labels.end());
  t.arrivals_differ.assign(summaries.size(), false);
  for (const RunSummary& s : summaries) {
    t.strategies.push_back(s.strategy);
    t.process_peak_rss_mb = std::max(t.process_peak_rss_mb, s.peak_rss_mb);
  }
  auto add = [&](std::string name, std::string unit, Better better, auto&& figure) {
    TableRow r;
    r.name = std::move(name);
    r.unit = std::move(unit);
    r.better = better;
    for (const RunSummary& s : summaries) r.values.push_back(static_cast<double>(figure(s)));
    r.best = best_indices(r.values, better);
    t.rows.push_back(std::move(r));
  };
  // A latency or a makespan can only be "best" for a variant that did its
  // work: one that completed nothing (timeouts-retries) or cancelled jobs
  // (cancellation) is short for the wrong reason.
  auto left_work_undone = [&](std::size_t i) {
    return summaries[i].jobs.completed == 0 || summaries[i].jobs.cancelled > 0;
  };
  auto add_latency = [&](std::string name, auto&& figure) {
    add(std::move(name), "ms", Better::lower, figure);
    std::erase_if(t.rows.back().best, left_work_undone);
  };
  // Outcomes that only some scenarios have get a row only when a variant has one.
  auto add_if_any = [&](std::string name, std::string unit, Better better, auto&& figure) {
    if (std::any_of(summaries.begin(), summaries.end(), [&](const RunSummary& s) { return figure(s) != 0; })) {
      add(std::move(name), std::move(unit), better, figure);
    }
  };
  add_latency("wait mean", [](const RunSummary& s) { return s.wait_ms.mean_ms; });
  add_latency("wait p50", [](const RunSummary& s) { return s.wait_ms.p50_ms; });
  add_latency("wait p95", [](const RunSummary& s) { return s.wait_ms.p95_ms; });
  add_latency("wait p99", [](const RunSummary& s) { return s.wait_ms.p99_ms; });
  add_latency("wait max", [](const RunSummary& s) { return s.wait_ms.max_ms; });
  add_priority_waits(summaries, add_latency);
  add_latency("sojourn p50", [](const RunSummary& s) { return s.sojourn_ms.p50_ms; });
  add_latency("sojourn p95", [](const RunSummary& s) { return s.sojourn_ms.p95_ms; });
  add_latency("sojourn p99", [](const RunSummary& s) { return s.sojourn_ms.p99_ms; });
  add("makespan", "s", Better::lower, [](const RunSummary& s) { return s.duration_s; });
  std::erase_if(t.rows.back().best, left_work_undone);
  add("throughput", "jobs/s", Better::higher, [](const RunSummary& s) { return s.throughput_per_s; });
  add("completed", "jobs", Better::higher, [](const RunSummary& s) { return s.jobs.completed; });
  add("rejected", "jobs", Better::lower, [](const RunSummary& s) { return s.jobs.rejected; });
  // How jobs ended is not a contest: "failed 0" is no win for a variant whose
  // jobs all timed out instead.
  add_if_any("failed", "jobs", Better::none, [](const RunSummary& s) { return s.jobs.failed; });
  add_if_any("timed out", "jobs", Better::none, [](const RunSummary& s) { return s.jobs.timed_out; });
  add_if_any("cancelled", "jobs", Better::none, [](const RunSummary& s) { return s.jobs.cancelled; });
  add_if_any("retried", "attempts", Better::none, [](const RunSummary& s) { return s.jobs.retried; });
  add("peak threads", "", Better::lower, [](const RunSummary& s) { return s.threads_max; });
  // Peak RSS is one number per process, shared by every variant; what differs
  // per variant is how many thread stacks it had reserved at its peak.
  const double stack_mib = static_cast<double>(stack_bytes) / (1024.0 * 1024.0);
  add("thread stacks at peak (reserved, not resident)", "MiB", Better::lower,
      [stack_mib](const RunSummary& s) { return static_cast<double>(s.threads_max) * stack_mib; });
  add("job memory at peak (resident)", "MiB", Better::lower,
      [](const RunSummary& s) { return s.job_memory_peak_mb; });
  add("utilisation", "%", Better::none, [](const RunSummary& s) { return s.utilization * 100.0; });
  add("CPU used per core", "%", Better::none, [](const RunSummary& s) {
    return s.cores > 0 ? 100.0 * s.cpu_cores_used / s.cores : 0.0;
  });
  return t;
}

std::string format_table(const ComparisonTable& t) {
  std::size_t name_width = 12;
  for (const TableRow& r : t.rows) {
    name_width = std::max(name_width, r.name.size() + (r.unit.empty() ? 0 : r.unit.size() + 3));
  }
  std::size_t col = 14;
  for (const std::string& l : t.labels) col = std::max(col, l.size() + 2);
  std::string out;
  auto pad = [](std::string s, std::size_t w, bool right) {
    if (s.size() >= w) return s;
    return right ? std::string(w - s.size(), ' ') + s : s + std::string(w - s.size(), ' ');
  };
  out += pad("", name_width, false);
  for (const std::string& l : t.labels) out += pad(l, col, true);
  out += "\n";
  out += pad("strategy", name_width, false);
  for (const std::string& s : t.strategies) out += pad(s, col, true);
  out += "\n";
  for (const TableRow& r : t.rows) {
    out += pad(r.name + (r.unit.empty() ? "" : " (" + r.unit + ")"), name_width, false);
    for (std::size_t i = 0; i < r.values.size(); ++i) {
      char cell[64];
      const double v = r.values[i];
      if (!std::isfinite(v)) {
        std::snprintf(cell, sizeof cell, "-");
      } else if (std::abs(v) >= 1000 || v == std::floor(v)) {
        std::snprintf(cell, sizeof cell, "%.0f", v);
      } else {
        std::snprintf(cell, sizeof cell, "%.1f", v);
      }
      const bool best = std::find(r.best.begin(), r.best.end(), i) != r.best.end();
      out += pad(std::string(cell) + (best ? " *" : "  "), col, true);
    }
    out += "\n";
  }
  char line[224];
  std::snprintf(line, sizeof line, "* = best in its row (latencies: among variants that completed jobs).  Process peak RSS (all variants together): %.1f MiB\n",
                t.process_peak_rss_mb);
  out += line;
  for (std::size_t i = 0; i < t.labels.size(); ++i) {
    if (i < t.arrivals_differ.size() && t.arrivals_differ[i]) {
      out += "note: \"" + t.labels[i] + "\" overrides workload keys, so its arrivals differ from the others'.\n";
    }
  }
  if (!t.fairness_note.empty()) out += "fairness: " + t.fairness_note + "\n";
  return out;
}

// [SECTION] Exports -------------------------------------------------------------

namespace {

nlohmann::ordered_json number_or_null(double v) {
  return std::isfinite(v) ? nlohmann::ordered_json(v) : nlohmann::ordered_json(nullptr);
}

nlohmann::ordered_json overlay_json(const Overlay& o) {
  nlohmann::ordered_json theory;
  theory["model"] = o.check.model;
  theory["fit"] = std::string(to_string(o.check.fit));
  theory["reason"] = o.check.reason;
  theory["lambda_per_s"] = o.check.lambda;
  theory["mu_per_s"] = o.check.mu;
  theory["servers"] = o.check.servers;
  theory["rho"] = number_or_null(o.check.offered_rho);
  nlohmann::ordered_json rows = nlohmann::ordered_json::array();
  for (const OverlayRow& r : o.rows) {
    rows.push_back({{"name", r.name},
                    {"unit", r.unit},
                    {"predicted", number_or_null(r.predicted)},
                    {"measured", number_or_null(r.measured)},
                    {"relative_difference", number_or_null(r.relative_difference)},
                    {"noise_95", r.noise >= 0 ? number_or_null(r.noise) : nlohmann::ordered_json(nullptr)}});
  }
  theory["rows"] = std::move(rows);
  theory["mean_wait_ms_with_measured_service"] = number_or_null(o.mean_wait_ms_with_measured_service);
  return theory;
}

nlohmann::ordered_json little_json(const LittleLaw& l) {
  return {{"window_s", l.window_s},
          {"mean_in_system", l.mean_in_system},
          {"arrival_rate_per_s", l.arrival_rate},
          {"mean_sojourn_s", l.mean_sojourn_s},
          {"lambda_w", l.lambda_w},
          {"relative_gap", number_or_null(l.relative_gap)}};
}

}  // namespace

std::string comparison_to_json(const Comparison& c, int indent) {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (std::size_t i = 0; i < c.size(); ++i) {
    // The `run --json` object itself, from the one serialiser, with the compare keys added.
    nlohmann::ordered_json object = nlohmann::ordered_json::parse(summary_to_json(c.summary(i), -1));
    object["variant"] = c.label(i);
    nlohmann::ordered_json overrides = nlohmann::ordered_json::array();
    for (const Override& o : c.plan(i).overrides) overrides.push_back(o.key + "=" + o.value);
    object["overrides"] = std::move(overrides);
    const Overlay overlay = c.overlay(i);
    object["theory"] = overlay_json(overlay);
    object["little"] = little_json(overlay.little);
    out.push_back(std::move(object));
  }
  return out.dump(indent);
}

void write_comparison_csv(std::ostream& out, const ComparisonTable& t) {
  auto quoted = [](const std::string& s) {
    std::string q = "\"";
    for (char ch : s) q += ch == '"' ? std::string("\"\"") : std::string(1, ch);
    return q + "\"";
  };
  out << "variant,strategy";
  for (const TableRow& r : t.rows) out << "," << quoted(r.name + (r.unit.empty() ? "" : " (" + r.unit + ")"));
  out << "\n";
  for (std::size_t i = 0; i < t.labels.size(); ++i) {
    out << quoted(t.labels[i]) << "," << quoted(t.strategies[i]);
    for (const TableRow& r : t.rows) {
      out << ",";
      if (std::isfinite(r.values[i])) out << r.values[i];
    }
    out << "\n";
  }
}

}  // namespace poolviz
