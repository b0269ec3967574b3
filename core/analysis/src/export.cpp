#include "poolviz/export.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "poolviz/job.h"

namespace poolviz {

// [SECTION] JSON summary --------------------------------------------------------

namespace {

// JSON has no NaN or infinity: a figure that is not finite is written as 0.
double finite(double v) { return std::isfinite(v) ? v : 0.0; }

nlohmann::ordered_json latency_json(const LatencySummary& l) {
  return {{"mean", finite(l.mean_ms)}, {"p50", finite(l.p50_ms)}, {"p95", finite(l.p95_ms)},
          {"p99", finite(l.p99_ms)},   {"max", finite(l.max_ms)}};
}

}  // namespace

std::string summary_to_json(const RunSummary& s, int indent) {
  nlohmann::ordered_json j;
  j["scenario"] = s.scenario;
  j["strategy"] = s.strategy;
  j["duration_s"] = finite(s.duration_s);
  j["jobs"] = {{"submitted", s.jobs.submitted}, {"completed", s.jobs.completed},
               {"failed", s.jobs.failed},       {"rejected", s.jobs.rejected},
               {"cancelled", s.jobs.cancelled}, {"timed_out", s.jobs.timed_out},
               {"retried", s.jobs.retried}};
  j["throughput_per_s"] = finite(s.throughput_per_s);
  j["wait_ms"] = latency_json(s.wait_ms);
  j["service_ms"] = latency_json(s.service_ms);
  j["sojourn_ms"] = latency_json(s.sojourn_ms);
  j["wait_by_priority"] = nlohmann::ordered_json::array();
  for (const RunSummary::PriorityWait& p : s.wait_by_priority) {
    j["wait_by_priority"].push_back({{"priority", p.priority}, {"jobs", p.started}, {"wait_ms", latency_json(p.wait_ms)}});
  }
  j["queue_depth"] = {{"mean", finite(s.queue_depth_mean)}, {"max", s.queue_depth_max}};
  j["threads"] = {{"max", s.threads_max}};
  j["workers"] = {{"min", s.workers_min}, {"max", s.workers_max}};
  j["utilization"] = finite(s.utilization);
  j["steals"] = s.steals;
  j["peak_rss_mb"] = finite(s.peak_rss_mb);
  j["run_rss_mb"] = finite(s.run_rss_mb);
  j["cpu_s"] = finite(s.cpu_s);
  j["cpu"] = {{"cores_used", finite(s.cpu_cores_used)}, {"cores", s.cores}};
  j["job_memory_peak_mb"] = finite(s.job_memory_peak_mb);
  j["events"] = {{"emitted", s.events_emitted}, {"dropped", s.events_dropped}};
  return j.dump(indent);
}

// [SECTION] CSV series ----------------------------------------------------------

std::string_view csv_header() {
  return "t_s,submitted,completed,rejected,queue_depth,in_service,workers,threads,"
         "throughput_per_s,wait_p50_ms,wait_p99_ms,sojourn_p99_ms,utilization,tokens";
}

void write_csv(std::ostream& out, std::span<const Sample> samples) {
  out << csv_header() << '\n';
  char row[512];
  for (const Sample& s : samples) {
    char tokens[32] = "";
    if (s.tokens >= 0) std::snprintf(tokens, sizeof tokens, "%.3f", s.tokens);
    std::snprintf(row, sizeof row, "%.3f,%llu,%llu,%llu,%lld,%lld,%lld,%lld,%.3f,%.3f,%.3f,%.3f,%.4f,%s\n",
                  s.t_s, static_cast<unsigned long long>(s.submitted),
                  static_cast<unsigned long long>(s.completed),
                  static_cast<unsigned long long>(s.rejected), static_cast<long long>(s.queue_depth),
                  static_cast<long long>(s.in_service), static_cast<long long>(s.workers),
                  static_cast<long long>(s.threads), finite(s.throughput_per_s),
                  // An empty window (-1) is written 0, as before windows were named.
                  finite(std::max(s.wait_p50_ms, 0.0)), finite(std::max(s.wait_p99_ms, 0.0)),
                  finite(std::max(s.sojourn_p99_ms, 0.0)),
                  finite(s.utilization), tokens);
    out << row;
  }
}

// [SECTION] Chrome trace --------------------------------------------------------

void TraceRecorder::on_events(std::span<const Event> batch) {
  for (const Event& e : batch) {
    if (e.kind == EventKind::progress) continue;  // not drawn in a trace; the bulk of events
    if (events_.size() >= max_events_) {
      ++lost_;
      continue;
    }
    events_.push_back(e);
  }
}

namespace {

using Json = nlohmann::ordered_json;

/// Streams one JSON array element per call, comma-separated.
class TraceWriter {
 public:
  explicit TraceWriter(std::ostream& out) : out_(out) { out_ << "{\"traceEvents\":[\n"; }
  void add(const Json& item) {
    if (!first_) out_ << ",\n";
    first_ = false;
    out_ << item.dump();
  }
  void finish() { out_ << "\n],\"displayTimeUnit\":\"ms\"}\n"; }

 private:
  std::ostream& out_;
  bool first_ = true;
};

double micros(Nanos t) { return static_cast<double>(t) / 1e3; }

int tid_of(int worker) { return worker >= 0 ? worker + 1 : 0; }

/// Turns the event stream into trace events: a slice per attempt on its
/// worker's track, flow arrows from submit to first start and for steals, the
/// limiter gate as a slice, worker births and deaths as instants.
class ChromeTraceBuilder {
 public:
  static constexpr int kPid = 1;

  ChromeTraceBuilder(std::ostream& out, const std::string& process_name) : w_(out) {
    w_.add({{"name", "process_name"}, {"ph", "M"}, {"pid", kPid}, {"args", {{"name", process_name}}}});
    w_.add({{"name", "thread_name"},
            {"ph", "M"},
            {"pid", kPid},
            {"tid", 0},
            {"args", {{"name", "arrivals / submitting thread"}}}});
  }

  void add(const Event& e) {
    switch (e.kind) {
      case EventKind::submitted: submitted(e); break;
      case EventKind::rejected: rejected(e); break;
      case EventKind::gate_waiting: gate_waiting(e); break;
      case EventKind::started: started(e); break;
      case EventKind::retried:
        end_slice(e, "retry");
        if (auto it = open_.find(e.job); it != open_.end()) it->second.running = false;
        break;
      case EventKind::finished:
        end_slice(e, std::string(to_string(e.finished.outcome)));
        open_.erase(e.job);
        break;
      case EventKind::stolen: stolen(e); break;
      case EventKind::worker_spawned:
      case EventKind::worker_retired: worker_came_or_went(e); break;
      default: break;
    }
  }

  /// Counter tracks: queue depth, workers and in service, limiter tokens.
  void add(const Sample& s) {
    const double ts = s.t_s * 1e6;
    w_.add({{"name", "queue depth"}, {"ph", "C"}, {"pid", kPid}, {"ts", ts},
            {"args", {{"queued", s.queue_depth}}}});
    w_.add({{"name", "workers"}, {"ph", "C"}, {"pid", kPid}, {"ts", ts},
            {"args", {{"workers", s.workers}, {"in service", s.in_service}}}});
    if (s.tokens >= 0) {
      w_.add({{"name", "limiter tokens"}, {"ph", "C"}, {"pid", kPid}, {"ts", ts},
              {"args", {{"tokens", finite(s.tokens)}}}});
    }
  }

  void finish() { w_.finish(); }

 private:
  struct Open {
    Nanos start = 0;
    int worker = -1;
    int attempt = 0;
    int priority = 0;
    Nanos gate_since = -1;
    int gate_worker = -1;
    bool running = false;  // an attempt's slice is open
  };

  void name_thread(int worker) {
    const int tid = tid_of(worker);
    if (tid == 0 || named_[tid]) return;
    named_[tid] = true;
    w_.add({{"name", "thread_name"},
            {"ph", "M"},
            {"pid", kPid},
            {"tid", tid},
            {"args", {{"name", "worker " + std::to_string(worker)}}}});
    w_.add({{"name", "thread_sort_index"}, {"ph", "M"}, {"pid", kPid}, {"tid", tid},
            {"args", {{"sort_index", tid}}}});
  }

  void end_slice(const Event& e, const std::string& outcome) {
    auto it = open_.find(e.job);
    if (it == open_.end() || !it->second.running) return;
    const Open& o = it->second;
    w_.add({{"name", "job " + std::to_string(e.job)},
            {"cat", "job"},
            {"ph", "X"},
            {"pid", kPid},
            {"tid", tid_of(o.worker)},
            {"ts", micros(o.start)},
            {"dur", micros(std::max<Nanos>(e.t - o.start, 0))},
            {"args", {{"job", e.job}, {"attempt", o.attempt}, {"priority", o.priority},
                      {"outcome", outcome}}}});
  }

  void submitted(const Event& e) {
    // A 1 µs slice on the arrivals track anchors the flow arrow's tail.
    w_.add({{"name", "submit " + std::to_string(e.job)}, {"cat", "submit"}, {"ph", "X"},
            {"pid", kPid}, {"tid", 0}, {"ts", micros(e.t)}, {"dur", 1}});
    w_.add({{"name", "queued"}, {"cat", "flow"}, {"ph", "s"}, {"id", e.job}, {"pid", kPid},
            {"tid", 0}, {"ts", micros(e.t)}});
  }

  void rejected(const Event& e) {
    w_.add({{"name", "rejected " + std::to_string(e.job)},
            {"cat", "rejected"},
            {"ph", "i"},
            {"s", "t"},
            {"pid", kPid},
            {"tid", 0},
            {"ts", micros(e.t)},
            {"args", {{"reason", std::string(to_string(e.rejected.reason))}}}});
    open_.erase(e.job);
  }

  void gate_waiting(const Event& e) {
    name_thread(e.worker);
    Open& o = open_[e.job];
    o.gate_since = e.t;
    o.gate_worker = e.worker;
  }

  void started(const Event& e) {
    name_thread(e.worker);
    Open& o = open_[e.job];
    if (o.gate_since >= 0) {
      w_.add({{"name", "gate"}, {"cat", "limiter"}, {"ph", "X"}, {"pid", kPid},
              {"tid", tid_of(o.gate_worker)}, {"ts", micros(o.gate_since)},
              {"dur", micros(std::max<Nanos>(e.t - o.gate_since, 0))}});
      o.gate_since = -1;
    }
    o.start = e.t;
    o.running = true;
    o.worker = e.worker;
    o.attempt = e.started.attempt;
    o.priority = e.started.priority;
    if (o.attempt <= 1) {
      // Binds to the job slice that starts here ("bp":"e": enclosing slice).
      w_.add({{"name", "queued"}, {"cat", "flow"}, {"ph", "f"}, {"bp", "e"}, {"id", e.job},
              {"pid", kPid}, {"tid", tid_of(e.worker)}, {"ts", micros(e.t)}});
    }
  }

  void stolen(const Event& e) {
    name_thread(e.worker);
    name_thread(e.stolen.victim);
    const std::string id = "steal-" + std::to_string(e.job) + "-" + std::to_string(e.seq);
    w_.add({{"name", "steal " + std::to_string(e.job)},
            {"cat", "steal"},
            {"ph", "X"},
            {"pid", kPid},
            {"tid", tid_of(e.stolen.victim)},
            {"ts", micros(e.t)},
            {"dur", 1}});
    w_.add({{"name", "stolen"},
            {"cat", "steal"},
            {"ph", "s"},
            {"id", id},
            {"pid", kPid},
            {"tid", tid_of(e.stolen.victim)},
            {"ts", micros(e.t)}});
    w_.add({{"name", "stolen"}, {"cat", "steal"}, {"ph", "f"}, {"bp", "e"}, {"id", id},
            {"pid", kPid}, {"tid", tid_of(e.worker)}, {"ts", micros(e.t) + 1}});
  }

  void worker_came_or_went(const Event& e) {
    name_thread(e.worker);
    w_.add({{"name", e.kind == EventKind::worker_spawned ? "spawned" : "retired"},
            {"cat", "worker"},
            {"ph", "i"},
            {"s", "t"},
            {"pid", kPid},
            {"tid", tid_of(e.worker)},
            {"ts", micros(e.t)},
            {"args",
             {{"reason", std::string(to_string(e.kind == EventKind::worker_spawned
                                                   ? e.worker_spawned.reason
                                                   : e.worker_retired.reason))}}}});
  }

  TraceWriter w_;
  std::unordered_map<std::uint64_t, Open> open_;
  std::unordered_map<int, bool> named_;
};

}  // namespace

void write_chrome_trace(std::ostream& out, std::span<const Event> events,
                        std::span<const Sample> samples, const std::string& process_name) {
  ChromeTraceBuilder trace(out, process_name);
  for (const Event& e : events) trace.add(e);
  for (const Sample& s : samples) trace.add(s);
  trace.finish();
}

}  // namespace poolviz
