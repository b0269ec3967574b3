// poolviz/summary.h — RunSummary: the figures of one run (`poolviz run --json`),
// plain data that exports, the theory overlay, lesson claims and reports read.
// Run::summary() fills it (exact counters from the executor, the rest from the
// Timeline).
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "poolviz/metrics.h"

namespace poolviz {

struct RunSummary {
  std::string scenario;  // id
  std::string strategy;  // executor's strategy name
  double duration_s = 0; // scenario s, start → last job ended (or now if none ended)
  struct Jobs {
    std::uint64_t submitted = 0, completed = 0, failed = 0, rejected = 0, cancelled = 0,
                  timed_out = 0, retried = 0;
  } jobs;
  double throughput_per_s = 0;  // completed / duration_s
  LatencySummary wait_ms, service_ms, sojourn_ms;
  /// Wait of the jobs of each priority, highest first; empty when every job
  /// had the same priority (priority scenarios' lesson: urgent jobs wait less).
  struct PriorityWait {
    int priority = 0;
    std::uint64_t started = 0;
    LatencySummary wait_ms;
  };
  std::vector<PriorityWait> wait_by_priority;
  double queue_depth_mean = 0;
  std::int64_t queue_depth_max = 0;
  std::int64_t threads_max = 0;
  std::int64_t workers_min = 0, workers_max = 0;
  double utilization = 0;
  std::uint64_t steals = 0;
  double peak_rss_mb = 0;  // of the whole process (compare mode shares it)
  /// Resource use measured around this run (lesson claims read them). Both are
  /// of the whole process: runs side by side (compare mode) share them.
  double run_rss_mb = 0;  // peak resident memory above the level at start(), sampled at each poll()
  double cpu_s = 0;       // CPU time (user + system) the process used from start() to stop()
  // What this run's jobs used (their own tally, so per variant in compare mode):
  double cpu_cores_used = 0;      // job thread CPU time / running real time
  int cores = 0;                  // hardware threads of this machine
  double job_memory_peak_mb = 0;  // most memory held by running jobs at once (workload.job_memory_kb)
  std::uint64_t events_emitted = 0, events_dropped = 0;

  /// The accounting invariant: submitted = completed + failed + rejected + cancelled + timed_out.
  bool accounting_holds() const {
    return jobs.submitted ==
           jobs.completed + jobs.failed + jobs.rejected + jobs.cancelled + jobs.timed_out;
  }
};

/// The summary's body as `run` prints it (jobs, throughput, latencies, queue,
/// workers, resources), one indented line each; `serve` prints the same under
/// its own header. Warns when the accounting does not hold.
void print_summary_lines(const RunSummary& s, std::FILE* out = stdout);

}  // namespace poolviz
