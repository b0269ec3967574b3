#include "poolviz/lesson.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "lesson_expr.h"
#include "poolviz/summary.h"
#include "poolviz/scenario.h"

namespace poolviz {

// [SECTION] Fields --------------------------------------------------------------

namespace {

double as_count(std::uint64_t v) { return static_cast<double>(v); }

constexpr std::array<ClaimField, 32> kFields = {{
    {"makespan", "s", "start to the last job's end", [](const RunSummary& s) { return s.duration_s; }},
    {"submitted", "", "jobs offered to the pool", [](const RunSummary& s) { return as_count(s.jobs.submitted); }},
    {"admitted", "", "jobs accepted (submitted - rejected)",
     [](const RunSummary& s) { return as_count(s.jobs.submitted - s.jobs.rejected); }},
    {"rejected", "", "jobs refused", [](const RunSummary& s) { return as_count(s.jobs.rejected); }},
    {"completed", "", "jobs that finished ok", [](const RunSummary& s) { return as_count(s.jobs.completed); }},
    {"failed", "", "jobs that failed for good", [](const RunSummary& s) { return as_count(s.jobs.failed); }},
    {"cancelled", "", "jobs cancelled (cut or never started)",
     [](const RunSummary& s) { return as_count(s.jobs.cancelled); }},
    {"timed_out", "", "jobs that hit their timeout", [](const RunSummary& s) { return as_count(s.jobs.timed_out); }},
    {"retried", "", "retries", [](const RunSummary& s) { return as_count(s.jobs.retried); }},
    {"throughput", "/s", "completed / makespan", [](const RunSummary& s) { return s.throughput_per_s; }},
    {"wait.mean", "ms", "submit to first start, mean", [](const RunSummary& s) { return s.wait_ms.mean_ms; }},
    {"wait.p50", "ms", "submit to first start, median", [](const RunSummary& s) { return s.wait_ms.p50_ms; }},
    {"wait.p95", "ms", "submit to first start, 95th percentile", [](const RunSummary& s) { return s.wait_ms.p95_ms; }},
    {"wait.p99", "ms", "submit to first start, 99th percentile", [](const RunSummary& s) { return s.wait_ms.p99_ms; }},
    {"wait.max", "ms", "submit to first start, longest", [](const RunSummary& s) { return s.wait_ms.max_ms; }},
    {"service.mean", "ms", "last start to end, mean", [](const RunSummary& s) { return s.service_ms.mean_ms; }},
    {"service.p99", "ms", "last start to end, 99th percentile",
     [](const RunSummary& s) { return s.service_ms.p99_ms; }},
    {"sojourn.mean", "ms", "submit to end, mean", [](const RunSummary& s) { return s.sojourn_ms.mean_ms; }},
    {"sojourn.p50", "ms", "submit to end, median", [](const RunSummary& s) { return s.sojourn_ms.p50_ms; }},
    {"sojourn.p99", "ms", "submit to end, 99th percentile", [](const RunSummary& s) { return s.sojourn_ms.p99_ms; }},
    {"sojourn.max", "ms", "submit to end, longest", [](const RunSummary& s) { return s.sojourn_ms.max_ms; }},
    {"queue.max", "", "most jobs waiting in queues at once", [](const RunSummary& s) {
       return static_cast<double>(s.queue_depth_max);
     }},
    {"queue.mean", "", "jobs waiting in queues, time-weighted mean", [](const RunSummary& s) {
       return s.queue_depth_mean;
     }},
    {"threads.max", "", "peak OS threads of the pool", [](const RunSummary& s) {
       return static_cast<double>(s.threads_max);
     }},
    {"workers.max", "", "most workers alive at once", [](const RunSummary& s) {
       return static_cast<double>(s.workers_max);
     }},
    {"workers.min", "", "fewest workers alive", [](const RunSummary& s) { return static_cast<double>(s.workers_min); }},
    {"utilization", "%", "busy worker time / worker time", [](const RunSummary& s) { return s.utilization; }},
    {"steals", "", "jobs stolen by a peer", [](const RunSummary& s) { return as_count(s.steals); }},
    {"rss", "MB", "peak resident memory the run added", [](const RunSummary& s) { return s.run_rss_mb; }, true},
    {"job_memory", "MB", "most memory held by running jobs at once (workload.job_memory_kb)",
     [](const RunSummary& s) { return s.job_memory_peak_mb; }},
    {"cpu", "s", "CPU time the process used during the run", [](const RunSummary& s) { return s.cpu_s; }, true},
    {"cpu.per_core", "%", "CPU time / (makespan x cores)", [](const RunSummary& s) {
       return s.duration_s > 0 && s.cores > 0 ? s.cpu_s / (s.duration_s * s.cores) : 0.0;
     }, true},
}};

}  // namespace

namespace lesson_detail {

const ClaimField* find_claim_field(std::string_view name) {
  for (const ClaimField& f : kFields) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

std::string trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t");
  return std::string(text.substr(first, last - first + 1));
}

/// Lower case, runs of spaces folded to one, spaces around '=' and ',' dropped:
/// how labels are compared.
std::string fold(std::string_view text) {
  std::string out;
  bool space = false;
  for (char c : trim(text)) {
    if (c == ' ' || c == '\t') {
      space = true;
      continue;
    }
    const bool tight = c == '=' || c == ',' || (!out.empty() && out.back() == '=');
    if (space && !tight && !out.empty()) out += ' ';
    space = false;
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

}  // namespace lesson_detail

std::span<const ClaimField> claim_fields() { return kFields; }

std::string format_claim_value(double value, std::string_view unit) {
  char buffer[64];
  if (!std::isfinite(value)) return "n/a";
  auto number = [&](double v) {
    const double a = std::fabs(v);
    if (a >= 100 || v == std::floor(v)) {
      std::snprintf(buffer, sizeof buffer, "%.0f", v);
    } else if (a >= 10) {
      std::snprintf(buffer, sizeof buffer, "%.1f", v);
    } else {
      std::snprintf(buffer, sizeof buffer, "%.2f", v);
    }
    return std::string(buffer);
  };
  if (unit == "ms" && std::fabs(value) >= 1000) return number(value / 1000) + " s";
  if (unit == "%") return number(value * 100) + " %";
  if (unit.empty()) return number(value);
  if (unit == "/s") return number(value) + "/s";
  return number(value) + " " + std::string(unit);
}

std::string ClaimVariant::key() const {
  std::string out;
  for (const std::string& o : overrides) {
    if (!out.empty()) out += ',';
    out += o;
  }
  return out;
}

Scenario claim_variant_scenario(const Scenario& base, const ClaimVariant& variant, int cores) {
  Scenario s = base;
  s.compare.clear();
  s.lessons.clear();
  for (const std::string& o : variant.overrides) {
    const std::size_t eq = o.find('=');
    std::string value = o.substr(eq + 1);
    if (value == "cores") value = std::to_string(cores);
    apply_override(s, o.substr(0, eq), value);
  }
  if (!variant.overrides.empty()) s.title = base.title + " — " + variant.label;
  return s;
}

// [SECTION] Evaluation ----------------------------------------------------------

namespace {

struct Evaluator {
  const LessonClaim& claim;
  const ClaimSummaryLookup& lookup;
  int cores;
  ClaimOutcome& out;

  /// NaN when a run is missing (out.missing says which).
  double number(const ClaimExpr& e) {
    using K = ClaimExpr::Kind;
    switch (e.kind) {
      case K::number: return e.number;
      case K::cores: return cores;
      case K::field: {
        const ClaimVariant& v = claim.variants[e.variant];
        const RunSummary* s = lookup(v);
        if (s == nullptr) {
          if (out.missing.empty()) out.missing = v.label;
          return std::nan("");
        }
        const double value = e.field->read(*s);
        const bool seen = std::any_of(out.terms.begin(), out.terms.end(), [&](const ClaimTerm& t) {
          return t.variant == v.label && t.field == e.field->name;
        });
        if (!seen) out.terms.push_back({v.label, std::string(e.field->name), std::string(e.field->unit), value});
        return value;
      }
      case K::neg: return -number(e.children[0]);
      case K::add: return number(e.children[0]) + number(e.children[1]);
      case K::sub: return number(e.children[0]) - number(e.children[1]);
      case K::mul: return number(e.children[0]) * number(e.children[1]);
      case K::div: {
        const double a = number(e.children[0]);
        const double b = number(e.children[1]);
        return b == 0 ? (a == 0 ? std::nan("") : std::copysign(INFINITY, a)) : a / b;
      }
      case K::min:
      case K::max: {
        double r = number(e.children[0]);
        for (std::size_t i = 1; i < e.children.size(); ++i) {
          const double v = number(e.children[i]);
          r = e.kind == K::min ? std::min(r, v) : std::max(r, v);
        }
        return r;
      }
      case K::abs: return std::fabs(number(e.children[0]));
      case K::compare:
      case K::and_:
      case K::or_: return truth(e) ? 1 : 0;
    }
    return std::nan("");
  }

  static bool compare(double a, ClaimExpr::Op op, double b) {
    const double tolerance = 1e-9 * std::max({1.0, std::fabs(a), std::fabs(b)});
    switch (op) {
      case ClaimExpr::Op::lt: return a < b;
      case ClaimExpr::Op::le: return a <= b + tolerance;
      case ClaimExpr::Op::gt: return a > b;
      case ClaimExpr::Op::ge: return a + tolerance >= b;
      case ClaimExpr::Op::eq: return std::fabs(a - b) <= tolerance;
      case ClaimExpr::Op::ne: return std::fabs(a - b) > tolerance;
    }
    return false;
  }

  /// Evaluates every operand (so every figure is reported), then combines.
  bool truth(const ClaimExpr& e) {
    using K = ClaimExpr::Kind;
    if (e.kind == K::and_ || e.kind == K::or_) {
      const bool a = truth(e.children[0]);
      const bool b = truth(e.children[1]);
      return e.kind == K::and_ ? a && b : a || b;
    }
    std::vector<double> values;
    for (const ClaimExpr& c : e.children) values.push_back(number(c));
    bool held = true;
    for (std::size_t i = 0; i < e.ops.size(); ++i) {
      if (std::isnan(values[i]) || std::isnan(values[i + 1]) || !compare(values[i], e.ops[i], values[i + 1])) {
        held = false;
      }
    }
    return held;
  }
};

}  // namespace

namespace {
bool reads_process_wide(const ClaimExpr& e) {
  if (e.kind == ClaimExpr::Kind::field && e.field->process_wide) return true;
  for (const ClaimExpr& c : e.children) {
    if (reads_process_wide(c)) return true;
  }
  return false;
}
}  // namespace

bool reads_process_wide_figures(const LessonClaim& claim) { return claim.expr && reads_process_wide(*claim.expr); }

ClaimOutcome evaluate_claim(const LessonClaim& claim, const ClaimSummaryLookup& lookup, int cores) {
  ClaimOutcome out;
  if (!claim.expr) return out;
  Evaluator evaluator{claim, lookup, cores, out};
  const bool held = evaluator.truth(*claim.expr);
  out.evaluated = out.missing.empty();
  out.held = out.evaluated && held;
  return out;
}

std::string ClaimOutcome::measured() const {
  std::string out;
  std::string last_variant;
  for (const ClaimTerm& t : terms) {
    if (t.variant != last_variant) {
      if (!out.empty()) out += "; ";
      out += t.variant + ": ";
      last_variant = t.variant;
    } else {
      out += ", ";
    }
    out += t.field + " " + format_claim_value(t.value, t.unit);
  }
  return out;
}

}  // namespace poolviz
