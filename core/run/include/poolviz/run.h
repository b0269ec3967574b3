// poolviz/run.h — one live run of a Scenario on a real executor.
//
// [SECTION] RunOptions
// [SECTION] Run       (RunSummary, the figures of `--json`, is in summary.h)
//
// A Run owns everything one engine needs and shares nothing with other Runs
// (no globals): compare mode builds several Runs, each with its own clock, bus,
// limiter, executor, arrival thread and Timeline, from the same seeded workload.
//
//   poolviz::Run run(scenario, {.speed = 20});
//   run.start();
//   while (!run.finished()) { run.poll(); /* draw, or wait a little */ }
//   run.stop(ShutdownMode::drain);
//   RunSummary s = run.summary();
//
// Threading: start(), poll(), stop(), summary(), attach()/detach() and the live
// edits are for ONE controlling thread (the GUI's frame loop or the CLI's
// loop). clock() is thread-safe (pause/resume/set_speed from that same thread).
// The Timeline and attached sinks are only touched inside poll() and stop(), on the
// controlling thread, so the GUI reads them without locks between polls.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include "poolviz/compat_thread.h"
#include <string>
#include <thread>
#include <vector>

#include "poolviz/clock.h"
#include "poolviz/event.h"
#include "poolviz/executor.h"
#include "poolviz/limiter.h"
#include "poolviz/metrics.h"
#include "poolviz/timeline.h"
#include "poolviz/scenario.h"
#include "poolviz/summary.h"
#include "poolviz/workload.h"

namespace poolviz {

// [SECTION] RunOptions ----------------------------------------------------------

struct RunOptions {
  double speed = 1.0;                   // scenario time = real time × speed
  std::optional<std::uint64_t> seed{};  // overrides workload.seed
  std::optional<double> duration_s{};   // stop after this much scenario time
  bool start_paused = false;            // the clock starts paused (GUI: press play)
  Nanos sample_period = 100 * kMillisecond;
  bool keep_all_samples = false;        // Timeline::all_samples() for --csv
  Nanos window = 5 * kSecond;           // Timeline's windowed latency figures
  std::size_t recent_jobs = 1 << 15;    // ended jobs the Timeline keeps in full
  std::size_t bus_ring_capacity = EventBus::kDefaultRingCapacity;
  std::uint8_t source = 0;              // stamped on events (compare variant)
  /// Running cap on jobs tracked by a thread-per-task run etc. is the pool's own;
  /// this only bounds how long stop(drain) may take before it cancels instead.
  Nanos drain_budget = 10 * kSecond;    // scenario time
};

/// Peak resident set size of this process in MiB (getrusage), 0 when unknown.
double peak_rss_mb();
/// Resident set size of this process now, in MiB (/proc/self/statm), 0 when unknown.
double current_rss_mb();
/// CPU time (user + system) this process used so far, in seconds.
double process_cpu_seconds();

// [SECTION] Run -----------------------------------------------------------------

class Run {
 public:
  /// Builds the clock (paused or not), bus, limiter and executor; does not
  /// start arrivals. Throws std::invalid_argument if the scenario cannot run.
  explicit Run(Scenario scenario, RunOptions options = {});
  /// Stops (cancel) and joins everything if still running.
  ~Run();
  Run(const Run&) = delete;
  Run& operator=(const Run&) = delete;

  /// Starts the arrival thread. Call once.
  void start();

  const Scenario& scenario() const { return scenario_; }
  const RunOptions& options() const { return options_; }
  ScenarioClock& clock() { return clock_; }
  EventBus& bus() { return bus_; }
  Executor& executor() { return *executor_; }
  /// nullptr when the scenario has no limiter.
  Limiter* limiter() const;
  /// The one record of the run: every figure a view shows is read here.
  Timeline& timeline() { return timeline_; }
  const Timeline& timeline() const { return timeline_; }

  /// More consumers of this run's events (GUI model, trace recorder). The sink
  /// must outlive the Run or be detached first.
  void attach(EventSink* sink) { bus_.attach(sink); }
  void detach(EventSink* sink) { bus_.detach(sink); }

  /// Drains the bus to every attached sink (the Timeline first) and emits due
  /// samples. GUI: once per frame; CLI: every few ms.
  void poll();

  /// True once arrivals are over and every job has ended (a scheduled
  /// [shutdown] ends arrivals and, with cancel, the jobs), or the duration
  /// (options, else workload.duration_s when arrivals are count-less) passed.
  bool finished() const;
  /// Arrivals submitted so far (from the generator) and whether it is exhausted.
  std::uint64_t arrivals_submitted() const { return arrivals_.load(std::memory_order_relaxed); }
  bool arrivals_done() const { return arrivals_done_.load(std::memory_order_acquire); }
  Nanos now() const { return clock_.now(); }

  /// Stops arrivals, shuts the executor down (drain: runs what was accepted,
  /// for at most options.drain_budget, then cancels), joins every thread,
  /// drains the bus one final time. Idempotent.
  void stop(ShutdownMode mode = ShutdownMode::drain);
  bool stopped() const { return stopped_; }
  /// Any thread: what is left ends cancelled now (running jobs cooperatively,
  /// queued ones unrun) and nothing new is accepted; the drain budget's last
  /// resort, early. For a second Ctrl-C during stop(drain). stop() is still due.
  void cancel_now() { cancel_.request_stop(); }

  // Live edits: true when applied, false when this strategy/limiter cannot.
  bool set_workers(int count);
  bool set_queue_capacity(std::size_t capacity);
  bool set_limiter_rate(double per_second);
  void set_arrival_rate(double per_second);
  void set_service_mean(double ms);

  /// The figures of `--json` (exact counters from the executor; the rest from the Timeline).
  RunSummary summary() const;

 private:
  /// Poll's part for a token bucket: its level now, as an event (see run.cpp).
  void report_idle_refill();
  class SwappableLimiter;

  void arrival_main(poolviz::stop_token stop);
  /// Lets scenario time flow (unless the run starts paused). Arrival thread, once.
  void release_clock();
  /// Blocks while the clock is paused; false when stopped first.
  bool wait_while_paused(poolviz::stop_token& stop);
  /// `due`: the planned arrival (Job::arrival; < 0 = now).
  void submit_planned(const PlannedJob& planned, int client, Nanos due);
  void on_client_job_end(int client, Nanos at);
  Nanos duration_limit() const;

  Scenario scenario_;
  RunOptions options_;
  ScenarioClock clock_;
  EventBus bus_;
  Timeline timeline_;
  std::shared_ptr<SwappableLimiter> limiter_;
  JobTally tally_;  // before executor_: jobs add to it until the executor is gone
  std::unique_ptr<Executor> executor_;

  std::mutex generator_mutex_;  // the generator is shared by the arrival thread and live edits
  WorkloadGenerator generator_;

  // Closed loop: a client submits again `think` after its job ended. The job
  // body reports its final attempt's end here; the arrival thread consumes it.
  // Limitation: a job that never runs (evicted by drop_oldest, cancelled while
  // queued) loses its client.
  struct ClientEnd {
    int client;
    Nanos at;
  };
  std::mutex clients_mutex_;  // guards client_ends_
  poolviz::condition_variable_any clients_cv_;
  std::deque<ClientEnd> client_ends_;

  poolviz::stop_source cancel_;  // ExecutorEnv::cancel: the drain budget's last resort
  std::atomic<std::uint64_t> arrivals_{0};
  std::atomic<bool> arrivals_done_{false};  // release: every submit happened before
  bool clock_released_ = false;  // arrival thread only
  poolviz::jthread arrival_thread_;
  poolviz::jthread shutdown_thread_;  // the scenario's [shutdown] timer, when it has one
  bool started_ = false;
  bool stopped_ = false;
  Nanos stopped_at_ = 0;
  // Resource use around the run (RunSummary::run_rss_mb, cpu_s): controlling thread only.
  double rss_at_start_mb_ = 0, rss_peak_mb_ = 0;
  double cpu_at_start_s_ = 0, cpu_at_stop_s_ = -1;
};

}  // namespace poolviz
