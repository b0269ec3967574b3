#include "cli/headless.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <exception>
#include <fstream>
#include <iostream>
#include <thread>
#include <vector>

#include "poolviz/export.h"
#include "poolviz/recording.h"
#include "poolviz/run.h"

namespace poolviz::cli {

namespace {

void print_latency(const char* label, const LatencySummary& l) {
  std::printf("  %-10s mean %8.1f   p50 %8.1f   p95 %8.1f   p99 %8.1f   max %8.1f  ms\n", label,
              l.mean_ms, l.p50_ms, l.p95_ms, l.p99_ms, l.max_ms);
}

void print_human(const RunSummary& s, const Scenario& scenario) {
  std::printf("%s (%s): %s\n", s.scenario.c_str(), s.strategy.c_str(), scenario.title.c_str());
  std::printf("  %-10s %.3f s of scenario time (start to last job ended)\n", "duration", s.duration_s);
  print_summary_lines(s);
}

/// Every event, in delivery order, for --record.
class EventLog final : public EventSink {
 public:
  void on_events(std::span<const Event> batch) override { events.insert(events.end(), batch.begin(), batch.end()); }
  std::vector<Event> events;
};

void print_progress(Run& run) {
  const Timeline& m = run.timeline();
  const TimelineCounts& c = m.counts();
  std::fprintf(stdout,
               "\r  t=%7.2fs  submitted %6llu  completed %6llu  rejected %5llu  queue %5lld  "
               "workers %3lld   ",
               to_seconds(run.now()), static_cast<unsigned long long>(c.submitted),
               static_cast<unsigned long long>(c.completed),
               static_cast<unsigned long long>(c.rejected), static_cast<long long>(c.in_queue),
               static_cast<long long>(c.workers_alive));
  std::fflush(stdout);
}

}  // namespace

void print_summary_lines(const RunSummary& s) {
  std::printf("  %-10s submitted %llu  completed %llu  failed %llu  rejected %llu  cancelled %llu"
              "  timed out %llu  retried %llu\n",
              "jobs", static_cast<unsigned long long>(s.jobs.submitted),
              static_cast<unsigned long long>(s.jobs.completed),
              static_cast<unsigned long long>(s.jobs.failed),
              static_cast<unsigned long long>(s.jobs.rejected),
              static_cast<unsigned long long>(s.jobs.cancelled),
              static_cast<unsigned long long>(s.jobs.timed_out),
              static_cast<unsigned long long>(s.jobs.retried));
  std::printf("  %-10s %.2f jobs/s\n", "throughput", s.throughput_per_s);
  print_latency("wait", s.wait_ms);
  print_latency("service", s.service_ms);
  print_latency("sojourn", s.sojourn_ms);
  std::printf("  %-10s mean %.2f  max %lld\n", "queue", s.queue_depth_mean,
              static_cast<long long>(s.queue_depth_max));
  std::printf("  %-10s min %lld  max %lld   threads max %lld   utilization %.0f %%   steals %llu\n",
              "workers", static_cast<long long>(s.workers_min), static_cast<long long>(s.workers_max),
              static_cast<long long>(s.threads_max), s.utilization * 100.0,
              static_cast<unsigned long long>(s.steals));
  std::printf("  %-10s peak RSS %.1f MiB   events %llu emitted, %llu dropped\n", "process",
              s.peak_rss_mb, static_cast<unsigned long long>(s.events_emitted),
              static_cast<unsigned long long>(s.events_dropped));
  if (!s.accounting_holds()) {
    std::printf("  warning: submitted != completed + failed + rejected + cancelled + timed out\n");
  }
}

int run_headless(const Scenario& scenario, const HeadlessOptions& options) {
  const bool progress = !options.quiet && !options.json && isatty(STDOUT_FILENO) == 1;
  RunOptions run_options;
  run_options.speed = options.speed;
  run_options.seed = options.seed;
  run_options.duration_s = options.duration_s;
  run_options.keep_all_samples = !options.csv_path.empty() || !options.trace_path.empty();

  try {
    Run run(scenario, run_options);
    TraceRecorder trace;
    if (!options.trace_path.empty()) run.attach(&trace);
    EventLog log;
    if (!options.record_path.empty()) run.attach(&log);
    run.start();

    // The CLI's loop polls every 2 ms of real time: the bus rings stay short and
    // samples are cut close to their period ends even at high speed.
    using namespace std::chrono_literals;
    auto last_progress = std::chrono::steady_clock::now();
    while (!run.finished()) {
      run.poll();
      if (progress && std::chrono::steady_clock::now() - last_progress > 100ms) {
        print_progress(run);
        last_progress = std::chrono::steady_clock::now();
      }
      std::this_thread::sleep_for(2ms);
    }
    // Past --duration: cut the run (cancel what runs); otherwise everything ended.
    const bool cut = options.duration_s && !(run.arrivals_done() && run.executor().stats().outstanding == 0);
    run.stop(cut ? ShutdownMode::cancel : ShutdownMode::drain);
    if (progress) std::fputs("\r\033[K", stdout);
    const RunSummary summary = run.summary();

    int status = 0;
    if (!options.csv_path.empty()) {
      std::ofstream csv(options.csv_path);
      write_csv(csv, run.timeline().all_samples());
      csv.close();
      if (!csv) {
        std::fprintf(stderr, "poolviz: error: cannot write the CSV file %s\n", options.csv_path.c_str());
        status = 1;
      }
    }
    if (!options.trace_path.empty()) {
      run.detach(&trace);
      std::ofstream out(options.trace_path);
      write_chrome_trace(out, trace.events(), run.timeline().all_samples(),
                         "poolviz " + scenario.id + " (" + summary.strategy + ")");
      out.close();
      if (!out) {
        std::fprintf(stderr, "poolviz: error: cannot write the trace file %s\n",
                     options.trace_path.c_str());
        status = 1;
      }
      if (trace.lost() > 0) {
        std::fprintf(stderr, "poolviz: warning: the trace kept the first %zu events; %llu more were left out\n",
                     trace.events().size(), static_cast<unsigned long long>(trace.lost()));
      }
    }
    if (!options.record_path.empty()) {
      run.detach(&log);
      std::ofstream out(options.record_path);
      RecordingHeader header;
      header.scenario = scenario.id;
      header.stages = run.timeline().options().stages;
      header.sample_period = run.timeline().options().sample_period;
      write_recording(out, header, log.events);
      out.close();
      if (!out) {
        std::fprintf(stderr, "poolviz: error: cannot write the recording %s\n", options.record_path.c_str());
        status = 1;
      }
    }
    if (options.json) {
      std::cout << summary_to_json(summary) << std::endl;
    } else if (!options.quiet) {
      print_human(summary, scenario);
    }
    return status;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "poolviz: error: the run of %s failed: %s\n", scenario.id.c_str(), e.what());
    return 1;
  }
}

}  // namespace poolviz::cli
