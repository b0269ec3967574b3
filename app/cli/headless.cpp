#include "cli/headless.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <exception>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "poolviz/export.h"
#include "poolviz/recording.h"
#include "poolviz/run.h"
#include "poolviz/theory_overlay.h"

namespace poolviz::cli {

namespace {

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

// Ctrl-C (SIGINT) during `run`: stop at once, print what was measured so far
// (marked partial) and exit 130. A signal handler can only set a flag of this type.
volatile std::sig_atomic_t interrupted = 0;
void on_interrupt(int) { interrupted = 1; }

/// Installs on_interrupt for SIGINT while it lives, restoring the old handler after.
class InterruptScope {
 public:
  InterruptScope() {
    interrupted = 0;
    struct sigaction action {};
    action.sa_handler = on_interrupt;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, &previous_);
  }
  ~InterruptScope() { sigaction(SIGINT, &previous_, nullptr); }
  InterruptScope(const InterruptScope&) = delete;
  InterruptScope& operator=(const InterruptScope&) = delete;

 private:
  struct sigaction previous_ {};
};

std::string clock_text(double seconds) {
  char text[32];
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const auto s = static_cast<long long>(seconds + 0.5);
  if (s >= 3600) {
    std::snprintf(text, sizeof text, "%lld:%02lld:%02lld", s / 3600, s / 60 % 60, s % 60);
  } else {
    std::snprintf(text, sizeof text, "%lld:%02lld", s / 60, s % 60);
  }
  return text;
}

/// One line on stderr, rewritten in place: jobs ended (of how many), scenario
/// time, and an estimate of the real time left, from whichever bound ends the
/// run first: the job count at the rate jobs have ended so far, or --duration
/// (or the workload's duration) at the speed.
void print_progress(Run& run, const Scenario& scenario, const HeadlessOptions& options, double real_elapsed_s) {
  const TimelineCounts& c = run.timeline().counts();
  const std::uint64_t ended = c.completed + c.failed + c.rejected + c.cancelled + c.timed_out;
  const double t = to_seconds(run.now());
  double left_s = INFINITY;
  std::string of;
  if (scenario.workload.count > 0) {
    const auto total = static_cast<std::uint64_t>(scenario.workload.count);
    of = " of " + std::to_string(total);
    if (ended > 0 && ended <= total) {
      left_s = real_elapsed_s * static_cast<double>(total - ended) / static_cast<double>(ended);
    }
  }
  double stop_at = options.duration_s.value_or(0);
  if (scenario.workload.count == 0 && scenario.workload.duration_s > 0 && (stop_at == 0 || scenario.workload.duration_s < stop_at)) {
    stop_at = scenario.workload.duration_s;
  }
  if (stop_at > 0) left_s = std::min(left_s, std::max(0.0, (stop_at - t) / options.speed));
  std::fprintf(stderr, "\r  %llu%s jobs done   t = %.1f s of scenario time   about %s left   ",
               static_cast<unsigned long long>(ended), of.c_str(), t,
               std::isfinite(left_s) ? clock_text(left_s).c_str() : "?");
  std::fflush(stderr);
}

}  // namespace

int run_headless(const Scenario& scenario, const HeadlessOptions& options) {
  // The progress line goes to stderr (stdout stays the summary or the JSON),
  // and only to a terminal, where \r can rewrite it.
  const bool progress = !options.quiet && isatty(STDERR_FILENO) == 1;
  RunOptions run_options;
  run_options.speed = options.speed;
  run_options.seed = options.seed;
  run_options.duration_s = options.duration_s;
  run_options.keep_all_samples = !options.csv_path.empty() || !options.trace_path.empty();

  try {
    // Queueing theory's prediction beside the measurement (M/M/c: P(wait), mean wait).
    const TheoryCheck theory = theory_for(scenario);
    Run run(scenario, run_options);
    TraceRecorder trace;
    if (!options.trace_path.empty()) run.attach(&trace);
    const InterruptScope interrupt_scope;
    EventLog log;
    if (!options.record_path.empty()) run.attach(&log);
    run.start();

    // The CLI's loop polls every 2 ms of real time: the bus rings stay short and
    // samples are cut close to their period ends even at high speed.
    using namespace std::chrono_literals;
    const auto started = std::chrono::steady_clock::now();
    auto last_progress = started;
    while (!run.finished() && interrupted == 0) {
      run.poll();
      const auto now = std::chrono::steady_clock::now();
      if (progress && now - last_progress > 250ms) {
        print_progress(run, scenario, options, std::chrono::duration<double>(now - started).count());
        last_progress = now;
      }
      std::this_thread::sleep_for(2ms);
    }
    const bool partial = interrupted != 0;
    // Interrupted, or past --duration: cut the run (cancel what runs); otherwise everything ended.
    const bool cut = partial || (options.duration_s && !(run.arrivals_done() && run.executor().stats().outstanding == 0));
    run.stop(cut ? ShutdownMode::cancel : ShutdownMode::drain);
    if (progress) std::fputs("\r\033[K", stderr);
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
      if (partial) {
        nlohmann::ordered_json json = nlohmann::ordered_json::parse(summary_to_json(summary));
        json["partial"] = true;  // interrupted: what was measured until Ctrl-C
        std::cout << json.dump(2) << std::endl;
      } else {
        std::cout << summary_to_json(summary) << std::endl;
      }
    } else if (!options.quiet) {
      if (partial) {
        std::printf("partial summary: interrupted (Ctrl-C) at t = %.2f s of scenario time; running jobs were "
                    "cancelled\n", to_seconds(run.now()));
      }
      print_human(summary, scenario);
      const Overlay overlay = make_overlay(theory, summary, run.timeline(), run.now());
      if (!overlay.rows.empty()) std::printf("\n  %s", describe(overlay).c_str());  // describe() begins "theory: "
    }
    return partial ? 130 : status;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "poolviz: error: the run of %s failed: %s\n", scenario.id.c_str(), e.what());
    return 1;
  }
}

}  // namespace poolviz::cli
