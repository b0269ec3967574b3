#include "poolviz/summary.h"

namespace poolviz {

namespace {

void print_latency(std::FILE* out, const char* label, const LatencySummary& l) {
  std::fprintf(out, "  %-10s mean %8.1f   p50 %8.1f   p95 %8.1f   p99 %8.1f   max %8.1f  ms\n", label,
              l.mean_ms, l.p50_ms, l.p95_ms, l.p99_ms, l.max_ms);
}

}  // namespace

void print_summary_lines(const RunSummary& s, std::FILE* out) {
  std::fprintf(out, "  %-10s submitted %llu  completed %llu  failed %llu  rejected %llu  cancelled %llu"
              "  timed out %llu  retried %llu\n",
              "jobs", static_cast<unsigned long long>(s.jobs.submitted),
              static_cast<unsigned long long>(s.jobs.completed),
              static_cast<unsigned long long>(s.jobs.failed),
              static_cast<unsigned long long>(s.jobs.rejected),
              static_cast<unsigned long long>(s.jobs.cancelled),
              static_cast<unsigned long long>(s.jobs.timed_out),
              static_cast<unsigned long long>(s.jobs.retried));
  std::fprintf(out, "  %-10s %.2f jobs/s\n", "throughput", s.throughput_per_s);
  print_latency(out, "wait", s.wait_ms);
  print_latency(out, "service", s.service_ms);
  print_latency(out, "sojourn", s.sojourn_ms);
  if (s.strategy == "pipeline") {
    std::fprintf(out, "  %-10s wait is before stage 1; sojourn is through every stage\n", "");
  }
  for (const RunSummary::PriorityWait& p : s.wait_by_priority) {
    char label[32];
    std::snprintf(label, sizeof label, "wait, prio %d", p.priority);
    std::fprintf(out, "  %-12s mean %6.1f   p50 %8.1f   p95 %8.1f   p99 %8.1f   max %8.1f  ms  (%llu jobs)\n", label,
                 p.wait_ms.mean_ms, p.wait_ms.p50_ms, p.wait_ms.p95_ms, p.wait_ms.p99_ms, p.wait_ms.max_ms,
                 static_cast<unsigned long long>(p.started));
  }
  std::fprintf(out, "  %-10s mean %.2f  max %lld\n", "queue", s.queue_depth_mean,
              static_cast<long long>(s.queue_depth_max));
  if (s.strategy == "thread_per_task") {
    // No workers to count: a thread is born for each job and ends with it.
    std::fprintf(out, "  %-10s none (a thread per job)   threads max %lld   utilization %.0f %%\n", "workers",
                static_cast<long long>(s.threads_max), s.utilization * 100.0);
  } else {
    std::fprintf(out, "  %-10s min %lld  max %lld   threads max %lld   utilization %.0f %%   steals %llu\n",
                "workers", static_cast<long long>(s.workers_min), static_cast<long long>(s.workers_max),
                static_cast<long long>(s.threads_max), s.utilization * 100.0,
                static_cast<unsigned long long>(s.steals));
  }
  std::fprintf(out, "  %-10s makespan %.2f s   CPU %.2f of %d cores (%.0f %% per core)   job memory peak %.1f MiB\n",
              "jobs used", s.duration_s, s.cpu_cores_used, s.cores,
              s.cores > 0 ? 100.0 * s.cpu_cores_used / s.cores : 0.0, s.job_memory_peak_mb);
  std::fprintf(out, "  %-10s peak RSS %.1f MiB   events %llu emitted, %llu dropped\n", "process",
              s.peak_rss_mb, static_cast<unsigned long long>(s.events_emitted),
              static_cast<unsigned long long>(s.events_dropped));
  if (!s.accounting_holds()) {
    std::fprintf(out, "  warning: submitted != completed + failed + rejected + cancelled + timed out\n");
  }
}

}  // namespace poolviz
