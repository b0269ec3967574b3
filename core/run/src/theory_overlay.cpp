#include "poolviz/theory_overlay.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <thread>

namespace poolviz {

std::string_view to_string(TheoryFit fit) {
  switch (fit) {
    case TheoryFit::exact: return "exact";
    case TheoryFit::approximation: return "approximation";
    case TheoryFit::bounded: return "bounded";
    case TheoryFit::unstable: return "unstable";
    case TheoryFit::not_applicable: return "not_applicable";
  }
  return "?";
}

// [SECTION] Service distribution moments ----------------------------------------

double service_mean_ms(const WorkloadSpec& raw) {
  const WorkloadSpec w = with_defaults(raw);
  if (w.service != ServiceDistribution::bimodal) return w.service_mean_ms;
  const double p = w.slow_every > 0 ? 1.0 / w.slow_every : w.slow_fraction;
  return w.service_mean_ms * (1.0 - p + p * w.slow_factor);
}

double service_cs2(const WorkloadSpec& raw) {
  const WorkloadSpec w = with_defaults(raw);
  switch (w.service) {
    case ServiceDistribution::fixed: return 0.0;
    case ServiceDistribution::exponential: return 1.0;
    case ServiceDistribution::uniform: return w.spread * w.spread / 3.0;  // (2s)²/12
    case ServiceDistribution::lognormal: return std::expm1(w.spread * w.spread);
    case ServiceDistribution::bimodal: {
      // Two fixed modes: m with probability 1 − p, k·m with probability p.
      const double p = w.slow_every > 0 ? 1.0 / w.slow_every : w.slow_fraction;
      const double k = w.slow_factor;
      const double mean = 1.0 - p + p * k;  // in units of m
      const double second = 1.0 - p + p * k * k;
      return second / (mean * mean) - 1.0;
    }
  }
  return 1.0;
}

// [SECTION] TheoryCheck ---------------------------------------------------------

namespace {

std::string fmt(const char* format, double value) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, value);
  return buf;
}

}  // namespace

TheoryCheck theory_for(const Scenario& scenario) {
  return theory_for(scenario, static_cast<int>(std::thread::hardware_concurrency()));
}

TheoryCheck theory_for(const Scenario& scenario, int hardware_threads) {
  TheoryCheck t;
  t.model = "none";
  const WorkloadSpec w = with_defaults(scenario.workload);
  const PoolSpec& pool = scenario.pool;
  t.servers = pool.workers > 0 ? pool.workers : std::max(1, hardware_threads);
  t.lambda = w.rate;
  t.mu = 1000.0 / service_mean_ms(w);
  t.cs2 = service_cs2(w);
  t.offered_rho = t.lambda / (t.servers * t.mu);

  auto none = [&t](std::string why) {
    t.fit = TheoryFit::not_applicable;
    t.reason = "no queueing model applies: " + std::move(why);
    return t;
  };

  if (!scenario.stages.empty()) return none("a pipeline is a network of queues, not one M/M/c queue");
  switch (w.arrival) {
    case ArrivalPattern::poisson: t.ca2 = 1.0; break;
    case ArrivalPattern::constant: t.ca2 = 0.0; break;
    case ArrivalPattern::all_at_once: return none("every job arrives at t = 0; the models need a steady arrival stream");
    case ArrivalPattern::bursts: return none("arrivals come in bursts; the models need a steady arrival stream");
    case ArrivalPattern::closed_loop:
      return none("a closed loop of clients (arrivals wait for completions); the models here are open queues");
  }
  const StrategyDescriptor& described = describe(pool.strategy);
  if (!described.theory_applies) return none(std::string(described.theory_note));
  if (pool.strategy == Strategy::fixed && pool.dispatch != Dispatch::shared) {
    return none(std::string(to_string(pool.dispatch)) +
                " dispatch gives each worker its own queue: c separate queues, not one shared queue");
  }
  std::string strategy_note(described.theory_note);
  if (scenario.limiter.kind != LimiterKind::none) {
    return none("a " + std::string(to_string(scenario.limiter.kind)) +
                " limiter gates starts; the models have no gate");
  }
  if (w.timeout_ms > 0) return none("timeouts cut service short");
  if (w.failure_rate > 0 && w.retry.max_attempts > 1) return none("retries feed failed jobs back into the queue");
  if (w.fork_depth > 0) return none("jobs fork children, which arrive from inside the pool");
  if (w.kind == WorkKind::cpu && t.servers > hardware_threads) {
    strategy_note += " cpu-bound work with more workers than cores: service times stretch while "
                     "workers share cores.";
  }

  const bool exponential = w.service == ServiceDistribution::exponential && w.arrival == ArrivalPattern::poisson;
  const bool bounded = pool.queue_capacity > 0;
  if (bounded && pool.overflow == Overflow::caller_runs) {
    return none("caller_runs runs the overflow on the submitting thread, an extra server the models lack");
  }
  if (bounded && (pool.overflow == Overflow::reject || pool.overflow == Overflow::drop_oldest)) {
    t.capacity = t.servers + static_cast<int>(std::min<std::size_t>(pool.queue_capacity, 1'000'000));
    t.fit = TheoryFit::bounded;
    t.prediction = mmck(t.lambda, t.mu, t.servers, t.capacity);
    t.model = "M/M/c/K (K = " + std::to_string(t.capacity) + ")";
    t.reason = "a bounded queue (" + std::to_string(pool.queue_capacity) + " places) " +
               (pool.overflow == Overflow::reject ? "refuses" : "evicts the oldest on") +
               " arrivals when full: M/M/c/K, which is stable at any load.";
    if (pool.overflow == Overflow::drop_oldest) {
      t.reason += " Eviction keeps the same number in the system as refusal, but the jobs that "
                  "leave are old ones, so the waits of completed jobs are shorter than predicted.";
    }
    if (!exponential) {
      t.reason += " Service (or arrivals) are not exponential, so M/M/c/K is only a rough guide.";
    }
    t.reason += strategy_note;
    return t;
  }
  if (t.offered_rho >= 1.0) {
    t.fit = TheoryFit::unstable;
    t.model = exponential ? "M/M/c (Erlang C)"
                          : std::string(w.arrival == ArrivalPattern::poisson ? "M/G/c" : "G/G/c") +
                                " (Allen-Cunneen approximation)";
    t.prediction = mmc(t.lambda, t.mu, t.servers);
    t.prediction.model = t.model;
    t.reason = "unstable: the queue grows without bound (rho = " + fmt("%.2f", t.offered_rho) +
               " >= 1: arrivals outpace what " + std::to_string(t.servers) + " workers can serve).";
    if (bounded) {
      t.reason += " Here the bound blocks the producer instead, so arrivals are held back to the "
                  "workers' pace.";
    }
    return t;
  }
  if (exponential) {
    t.fit = TheoryFit::exact;
    t.prediction = mmc(t.lambda, t.mu, t.servers);
    t.model = t.prediction.model;
    t.reason = "Poisson arrivals, exponential service, " + std::to_string(t.servers) +
               " workers on one shared queue: the M/M/c model's assumptions hold.";
  } else {
    t.fit = TheoryFit::approximation;
    t.prediction = allen_cunneen(t.lambda, t.mu, t.servers, t.ca2, t.cs2);
    t.model = std::string(w.arrival == ArrivalPattern::poisson ? "M/G/c" : "G/G/c") +
              " (Allen-Cunneen approximation)";
    t.prediction.model = t.model;
    t.reason = "approximation: " +
               std::string(w.service != ServiceDistribution::exponential
                               ? std::string(to_string(w.service)) + " service is not exponential"
                               : std::string("arrivals are evenly spaced, not Poisson")) +
               " (ca2 = " + fmt("%.2f", t.ca2) + ", cs2 = " + fmt("%.2f", t.cs2) +
               "); Allen-Cunneen scales Erlang C's mean wait by (ca2 + cs2) / 2. P(wait) is Erlang C's.";
  }
  if (bounded) {
    const QueuePrediction full = mmck(t.lambda, t.mu, t.servers, t.servers + static_cast<int>(pool.queue_capacity));
    t.reason += " The queue's bound blocks the producer when full; the model assumes it rarely fills "
                "(M/M/c/K puts the chance of a full queue at " + fmt("%.2g", full.p_block) + ").";
  }
  t.reason += strategy_note;
  return t;
}

// [SECTION] Overlay -------------------------------------------------------------

namespace {

OverlayRow row(std::string name, std::string unit, double predicted, double measured, double noise = -1) {
  OverlayRow r;
  r.name = std::move(name);
  r.unit = std::move(unit);
  r.predicted = predicted;
  r.measured = measured;
  r.noise = noise;
  r.relative_difference =
      predicted != 0 && std::isfinite(predicted) ? (measured - predicted) / predicted : NAN;
  return r;
}

QueuePrediction predict_with_mu(const TheoryCheck& check, double mu) {
  switch (check.fit) {
    case TheoryFit::exact: return mmc(check.lambda, mu, check.servers);
    case TheoryFit::approximation: return allen_cunneen(check.lambda, mu, check.servers, check.ca2, check.cs2);
    case TheoryFit::bounded: return mmck(check.lambda, mu, check.servers, check.capacity);
    default: return {};
  }
}

/// A bounded queue under overload is in its steady state once full: from the
/// first sample at which the queue reached its bound to the last sample at
/// which jobs still arrived. Null ends when it never filled while jobs came.
struct FullSpan {
  const Sample* from = nullptr;
  const Sample* to = nullptr;
  double mean_queue = 0;
};

FullSpan full_span(const SampleRing& series, std::int64_t queue_capacity) {
  FullSpan span;
  std::size_t first = series.size();
  for (std::size_t i = 0; i < series.size(); ++i) {
    if (series[i].queue_depth >= queue_capacity) {
      first = i;
      break;
    }
  }
  if (first == series.size()) return span;
  std::size_t last = series.size() - 1;
  while (last > first && series[last].submitted == series[last - 1].submitted) --last;
  if (last == first) return span;
  double depth = 0;
  for (std::size_t i = first; i <= last; ++i) depth += static_cast<double>(series[i].queue_depth);
  span.from = &series[first];
  span.to = &series[last];
  span.mean_queue = depth / static_cast<double>(last - first + 1);
  return span;
}

/// For a bounded queue: P(refused) and the mean queue over the span it was
/// full, when it filled; else says the run has not reached steady state.
void measure_while_full(Overlay& o, const Timeline& timeline) {
  const std::int64_t queue_capacity = o.check.capacity - o.check.servers;
  const FullSpan span = full_span(timeline.series(), queue_capacity);
  if (span.from == nullptr) {
    if (o.check.offered_rho >= 1) {
      o.steady = false;
      o.steady_note = "Not in steady state yet: the queue (" + std::to_string(queue_capacity) +
                      " places) has not filled. The model describes the full queue an overload ends in, so "
                      "the figures below are still on their way there.";
    }
    return;
  }
  const auto arrived = static_cast<double>(span.to->submitted - span.from->submitted);
  const auto refused = static_cast<double>(span.to->rejected - span.from->rejected);
  for (OverlayRow& r : o.rows) {
    if (r.name == "P(refused)") r = row("P(refused), while full", "", r.predicted, refused / arrived);
    if (r.name == "mean queue") r = row("mean queue, while full", "jobs", r.predicted, span.mean_queue);
  }
  o.steady_note = "The queue was full by " + fmt("%.1f", span.from->t_s) + " s. The model describes that full, "
                  "steady state, so the rows marked \"while full\" are measured from then to the last arrival (" +
                  fmt("%.1f", span.to->t_s) + " s); the others cover the whole run, fill-up included.";
}

}  // namespace

Overlay make_overlay(const TheoryCheck& check, const RunSummary& summary, const Timeline& occupancy,
                     Nanos now) {
  Overlay o;
  o.check = check;
  o.little = occupancy.little(now);
  if (check.fit == TheoryFit::not_applicable || check.fit == TheoryFit::unstable) return o;
  const QueuePrediction& p = check.prediction;
  const double wait_noise = occupancy.waits().ci95_half_width() * 1000.0;
  o.rows.push_back(row("P(wait)", "", p.p_wait, occupancy.p_arrival_finds_all_busy()));
  o.rows.push_back(row("mean wait", "ms", p.mean_wait * 1000.0, summary.wait_ms.mean_ms,
                       std::isfinite(wait_noise) ? wait_noise : -1));
  o.rows.push_back(row("mean queue", "jobs", p.mean_queue, summary.queue_depth_mean));
  o.rows.push_back(row("mean sojourn", "ms", p.mean_sojourn * 1000.0, summary.sojourn_ms.mean_ms));
  o.rows.push_back(row("utilisation", "", p.utilization, summary.utilization));
  if (check.fit == TheoryFit::bounded) {
    const double refused = summary.jobs.submitted
                               ? static_cast<double>(summary.jobs.rejected) / static_cast<double>(summary.jobs.submitted)
                               : 0.0;
    o.rows.push_back(row("P(refused)", "", p.p_block, refused));
    measure_while_full(o, occupancy);
  }
  if (o.steady_note.empty() && summary.jobs.completed < kSteadyJobs) {
    o.steady = false;
    o.steady_note = "Not in steady state: " + std::to_string(summary.jobs.completed) + " of the " +
                    std::to_string(kSteadyJobs) + " jobs a fair comparison needs are done. The first jobs met an "
                    "empty pool, so the measured figures are rough.";
  }
  if (summary.service_ms.mean_ms > 0) {
    const QueuePrediction again = predict_with_mu(check, 1000.0 / summary.service_ms.mean_ms);
    if (again.stable) o.mean_wait_ms_with_measured_service = again.mean_wait * 1000.0;
  }
  return o;
}

std::string describe(const Overlay& o) {
  std::string out;
  char line[256];
  if (o.check.fit == TheoryFit::not_applicable) {
    std::snprintf(line, sizeof line, "theory: none [not_applicable]\n");
  } else {
    std::snprintf(line, sizeof line, "theory: %s [%s]  lambda %.3g/s  mu %.3g/s  c %d  rho %.3f\n",
                  o.check.model.c_str(), std::string(to_string(o.check.fit)).c_str(), o.check.lambda, o.check.mu,
                  o.check.servers, o.check.offered_rho);
  }
  out += line;
  out += "  " + o.check.reason + "\n";
  if (!o.steady_note.empty()) out += "  " + o.steady_note + "\n";
  for (const OverlayRow& r : o.rows) {
    std::string noise;
    if (r.noise >= 0) noise = " (+/- " + fmt("%.3g", r.noise) + ")";
    std::string diff = std::isfinite(r.relative_difference)
                           ? fmt("%+.1f %%", r.relative_difference * 100.0)
                           : std::string("n/a");
    std::snprintf(line, sizeof line, "  %-22s predicted %10.4g  measured %10.4g%s  %s %s\n", r.name.c_str(),
                  r.predicted, r.measured, noise.c_str(), r.unit.c_str(), diff.c_str());
    out += line;
  }
  if (std::isfinite(o.mean_wait_ms_with_measured_service)) {
    std::snprintf(line, sizeof line,
                  "  (with the measured mean service time the model predicts a mean wait of %.4g ms)\n",
                  o.mean_wait_ms_with_measured_service);
    out += line;
  }
  std::snprintf(line, sizeof line,
                "  Little's law: L = %.3f jobs in system (time mean)   lambda*W = %.3f/s x %.4g s = %.3f   "
                "gap %+.1f %%\n",
                o.little.mean_in_system, o.little.arrival_rate, o.little.mean_sojourn_s, o.little.lambda_w,
                o.little.relative_gap * 100.0);
  out += line;
  return out;
}

}  // namespace poolviz
