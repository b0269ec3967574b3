#include "poolviz/run.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <thread>

#include "poolviz/pipeline.h"
#include "poolviz/pool_spec.h"
#include "poolviz/sizing.h"

namespace poolviz {

double peak_rss_mb() {
  rusage usage{};
  if (getrusage(RUSAGE_SELF, &usage) != 0) return 0;
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // Linux reports KiB
}

double current_rss_mb() {
  std::FILE* statm = std::fopen("/proc/self/statm", "r");
  if (statm == nullptr) return 0;
  unsigned long pages_total = 0, pages_resident = 0;
  const int read = std::fscanf(statm, "%lu %lu", &pages_total, &pages_resident);
  std::fclose(statm);
  if (read != 2) return 0;
  return static_cast<double>(pages_resident) * static_cast<double>(sysconf(_SC_PAGESIZE)) / (1024.0 * 1024.0);
}

double process_cpu_seconds() {
  rusage usage{};
  if (getrusage(RUSAGE_SELF, &usage) != 0) return 0;
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// [SECTION] SwappableLimiter ----------------------------------------------------

/// The limiter the executor sees for the whole run; the Run swaps the limiter
/// behind it when the rate is edited live (limiters are built with a rate).
/// Each call works on one snapshot of the inner limiter, so a job waiting on
/// the old one finishes its wait there; release() goes to the current one,
/// which is right because only rate limiters (which ignore release) are swapped.
class Run::SwappableLimiter final : public Limiter {
 public:
  explicit SwappableLimiter(std::shared_ptr<Limiter> inner) : inner_(std::move(inner)) {}

  bool acquire(JobId job, poolviz::stop_token stop) override { return current()->acquire(job, stop); }
  bool try_acquire(JobId job) override { return current()->try_acquire(job); }
  void release() override { current()->release(); }
  bool drops_at_submit() const override { return current()->drops_at_submit(); }
  std::string_view kind() const override { return current()->kind(); }
  LimiterLevel level() const override { return current()->level(); }

  void swap(std::shared_ptr<Limiter> next) {
    const std::lock_guard lock(mutex_);
    inner_ = std::move(next);
  }

 private:
  std::shared_ptr<Limiter> current() const {
    const std::lock_guard lock(mutex_);
    return inner_;
  }

  mutable std::mutex mutex_;  // guards inner_ (the pointer, not the limiter)
  std::shared_ptr<Limiter> inner_;
};

// [SECTION] Run -----------------------------------------------------------------

namespace {

Scenario with_seed(Scenario scenario, const RunOptions& options) {
  if (options.seed) scenario.workload.seed = *options.seed;
  return scenario;
}

bool runs_as_pipeline(const Scenario& scenario) { return !scenario.stages.empty(); }

/// The scenario's executor: its pipeline when it has stages, else its [pool].
std::unique_ptr<Executor> build_executor(const Scenario& scenario, ExecutorEnv env, JobTally* tally) {
  if (runs_as_pipeline(scenario)) {
    // Each stage does the workload's mean service × its factor (the pipeline
    // applies a stage's own work to every item, so per-item draws do not apply).
    const WorkloadSpec workload = with_defaults(scenario.workload);
    std::vector<PipelineStage> stages;
    for (const StageSpec& spec : scenario.stages) {
      const Nanos service = from_ms(workload.service_mean_ms * spec.service_factor);
      const WorkKind kind = workload.kind;
      stages.push_back(PipelineStage{spec.name, spec.workers, spec.queue_capacity,
                                     [service, kind, tally](JobContext& ctx) {
                                       if (kind == WorkKind::cpu) {
                                         tally->cpu.fetch_add(spin_for(ctx, service),
                                                              std::memory_order_relaxed);
                                       } else {
                                         wait_for(ctx, service);
                                       }
                                     }});
    }
    return std::make_unique<Pipeline>(std::move(stages), std::move(env));
  }
  return make_executor(scenario.pool, std::move(env));
}

/// c of "an arrival finds all c workers busy": only a fixed worker count has one.
int fixed_servers(const Scenario& scenario) {
  if (runs_as_pipeline(scenario)) return 0;
  return fixed_servers(scenario.pool, static_cast<int>(std::thread::hardware_concurrency()));
}

TimelineOptions timeline_options(const RunOptions& options, const Scenario& scenario) {
  TimelineOptions m;
  m.stages = runs_as_pipeline(scenario) ? static_cast<int>(scenario.stages.size()) : 1;
  m.sample_period = options.sample_period > 0 ? options.sample_period : 100 * kMillisecond;
  m.keep_all_samples = options.keep_all_samples;
  m.source = options.source;
  m.servers = fixed_servers(scenario);
  m.window = options.window;
  m.recent_jobs = options.recent_jobs;
  return m;
}

}  // namespace

Run::Run(Scenario scenario, RunOptions options)
    : scenario_(with_seed(std::move(scenario), options)),
      options_(options),
      // Scenario time stands still until start() (see release_clock()), so building
      // the executor and starting threads never eats the first seconds of a run.
      clock_(options.speed > 0 && std::isfinite(options.speed) ? options.speed : 1.0, true),
      bus_(options.bus_ring_capacity),
      timeline_(timeline_options(options, scenario_)),
      generator_(scenario_.workload) {
  validate(scenario_.workload);  // throws std::invalid_argument
  bus_.attach(&timeline_);
  if (scenario_.limiter.kind != LimiterKind::none) {
    if (auto inner = make_limiter(scenario_.limiter, clock_, &bus_, options_.source)) {
      limiter_ = std::make_shared<SwappableLimiter>(std::move(inner));
    }
  }
  ExecutorEnv env;
  env.clock = &clock_;
  env.bus = &bus_;
  env.source = options_.source;
  env.limiter = limiter_;
  env.cancel = cancel_.get_token();
  executor_ = build_executor(scenario_, std::move(env), &tally_);
  if (limiter_) {
    // The gate's level at time 0, so that the event stream (and the Timeline,
    // and a recording) knows it before the first token is taken. Events carry
    // tokens available, or free permits (a concurrency limiter's level is in use).
    const LimiterLevel level = limiter_->level();
    const double tokens = describe(scenario_.limiter.kind).level_is_in_use
                              ? level.capacity - level.level
                              : level.level;
    Event e = events::token_refilled(static_cast<float>(tokens),
                                     static_cast<std::int64_t>(level.capacity))
                  .at(clock_.now());
    e.source = options_.source;
    bus_.emit(e);
  }
}

Run::~Run() { stop(ShutdownMode::cancel); }

Limiter* Run::limiter() const { return limiter_.get(); }

void Run::start() {
  if (started_ || stopped_) return;
  started_ = true;
  rss_at_start_mb_ = rss_peak_mb_ = current_rss_mb();
  cpu_at_start_s_ = process_cpu_seconds();
  arrival_thread_ = poolviz::jthread([this](poolviz::stop_token stop) { arrival_main(std::move(stop)); });
  if (scenario_.shutdown.at_s > 0) {
    shutdown_thread_ = poolviz::jthread([this](poolviz::stop_token stop) {
      if (!clock_.sleep_until(from_seconds(scenario_.shutdown.at_s), stop)) return;
      arrival_thread_.request_stop();  // thread-safe; a blocked submit is refused below
      executor_->shutdown(scenario_.shutdown.mode);
    });
  }
}

Nanos Run::duration_limit() const {
  if (options_.duration_s) return from_seconds(*options_.duration_s);
  if (scenario_.workload.arrival == ArrivalPattern::closed_loop && scenario_.workload.duration_s > 0) {
    return from_seconds(scenario_.workload.duration_s);
  }
  return kNever;
}

void Run::release_clock() {
  if (clock_released_ || options_.start_paused) return;
  clock_released_ = true;
  clock_.resume();
}

void Run::arrival_main(poolviz::stop_token stop) {
  const Nanos limit = duration_limit();
  // Scenario time starts here, not at construction: on a loaded machine at
  // high speed, building the executor and starting this thread must not count
  // as scenario seconds. (Not later than here either: a blocking submit into a
  // full queue needs time to flow so that workers can make room.)
  release_clock();
  auto next_planned = [this] {
    const std::lock_guard lock(generator_mutex_);
    return generator_.next();
  };

  if (scenario_.workload.arrival != ArrivalPattern::closed_loop) {
    while (!stop.stop_requested()) {
      const std::optional<PlannedJob> planned = next_planned();
      if (!planned || planned->at >= limit) break;
      if (!clock_.sleep_until(planned->at, stop) || !wait_while_paused(stop)) break;
      submit_planned(*planned, -1, planned->at);
    }
  } else {
    const int clients = with_defaults(scenario_.workload).clients;
    for (int c = 0; c < clients && !stop.stop_requested(); ++c) {
      const std::optional<PlannedJob> planned = next_planned();
      if (!planned || !wait_while_paused(stop)) break;
      submit_planned(*planned, c, -1);
    }
    while (!stop.stop_requested()) {
      ClientEnd end{};
      {
        std::unique_lock lock(clients_mutex_);
        if (!clients_cv_.wait(lock, stop, [this] { return !client_ends_.empty(); })) break;
        end = client_ends_.front();
        client_ends_.pop_front();
      }
      const std::optional<PlannedJob> planned = next_planned();
      if (!planned) break;
      // Think times are equal, so ends taken in end order are also due in order.
      const Nanos due = end.at + planned->at;
      if (due >= limit) break;
      if (!clock_.sleep_until(due, stop) || !wait_while_paused(stop)) break;
      submit_planned(*planned, end.client, due);
    }
  }
  // Release: finished() reads executor stats after seeing this flag, and every
  // submit above happened before it.
  arrivals_done_.store(true, std::memory_order_release);
}

bool Run::wait_while_paused(poolviz::stop_token& stop) {
  // An arrival due at t = 0 is due at once even on a paused clock; a paused
  // scenario must show nothing run (or refused) yet, so it waits for play.
  while (clock_.paused()) {
    if (!clock_.sleep_until(clock_.now() + 1, stop)) return false;
  }
  return true;
}

void Run::submit_planned(const PlannedJob& planned, int client, Nanos due) {
  Job job = make_job(scenario_.workload, planned, &tally_);
  job.arrival = due;
  if (client >= 0) {
    // Tell the arrival thread when this client's job has ended for good: the
    // attempt that will not be retried (the engine's own rules: classify_outcome, should_retry).
    job.fn = [this, client, retry = job.retry, inner = std::move(job.fn)](JobContext& ctx) {
      bool threw = false;
      auto report = [&] {
        const Outcome outcome = classify_outcome(threw, ctx.observed_cancel(), ctx.observed_deadline(),
                                                 ctx.clock().now(), ctx.deadline());
        if (!should_retry(outcome, ctx.attempt(), retry, false)) on_client_job_end(client, ctx.clock().now());
      };
      try {
        inner(ctx);
      } catch (...) {
        threw = true;
        report();
        throw;
      }
      report();
    };
  }
  arrivals_.fetch_add(1, std::memory_order_relaxed);
  const SubmitResult result = executor_->submit(std::move(job));
  if (!result && client >= 0) on_client_job_end(client, clock_.now());
}

void Run::on_client_job_end(int client, Nanos at) {
  {
    const std::lock_guard lock(clients_mutex_);
    client_ends_.push_back({client, at});
  }
  clients_cv_.notify_one();
}

void Run::poll() {
  // Samples are cut at the time read before draining, so the events of a
  // period are (nearly all) in before its row is written.
  const Nanos now = clock_.now();
  bus_.drain();
  if (stopped_) return;
  if (started_) rss_peak_mb_ = std::max(rss_peak_mb_, current_rss_mb());
  report_idle_refill();
  timeline_.advance_to(now);
}

void Run::report_idle_refill() {
  // A token bucket mints lazily, when a job asks; while none asks the event
  // stream would keep showing the last (empty) level. So the poll says what
  // the bucket holds now, in whole tokens as a job would see them, whenever
  // that differs from what the stream last said. (A token taken between the
  // two reads is corrected by the next poll.)
  if (!limiter_ || !describe(scenario_.limiter.kind).mints_lazily || !timeline_.tokens().seen) return;
  const LimiterLevel level = limiter_->level();
  const double whole = std::floor(level.level);
  if (whole == timeline_.tokens().level) return;
  Event e =
      events::token_refilled(static_cast<float>(whole), static_cast<std::int64_t>(level.capacity))
          .at(clock_.now());
  e.source = options_.source;
  bus_.emit(e);
  bus_.drain();
}

bool Run::finished() const {
  if (!started_) return false;
  if (stopped_) return true;
  if (options_.duration_s && clock_.now() >= from_seconds(*options_.duration_s)) return true;
  if (!arrivals_done_.load(std::memory_order_acquire)) return false;
  return executor_->stats().outstanding == 0;
}

void Run::stop(ShutdownMode mode) {
  if (stopped_) return;
  stopped_ = true;
  stopped_at_ = clock_.now();
  if (started_) rss_peak_mb_ = std::max(rss_peak_mb_, current_rss_mb());
  if (arrival_thread_.joinable()) arrival_thread_.request_stop();
  if (shutdown_thread_.joinable()) {
    shutdown_thread_.request_stop();
    shutdown_thread_.join();
  }
  if (mode == ShutdownMode::drain) {
    // A paused clock would freeze the drain forever: time must flow to finish.
    if (clock_.paused()) clock_.resume();
    // Cancel whatever is still running after the drain budget (scenario time).
    poolviz::jthread watchdog([this](poolviz::stop_token stop) {
      if (clock_.sleep_until(clock_.now() + options_.drain_budget, stop)) cancel_.request_stop();
    });
    executor_->shutdown(ShutdownMode::drain);
  } else {
    executor_->shutdown(ShutdownMode::cancel);
  }
  if (arrival_thread_.joinable()) arrival_thread_.join();
  bus_.drain(true);
  timeline_.advance_to(clock_.now());
  if (started_) cpu_at_stop_s_ = process_cpu_seconds();
}

bool Run::set_workers(int count) {
  if (stopped_ || count < 1) return false;
  return executor_->set_workers(count);
}

bool Run::set_queue_capacity(std::size_t capacity) {
  if (stopped_) return false;
  return executor_->set_queue_capacity(capacity);
}

bool Run::set_limiter_rate(double per_second) {
  if (stopped_ || !limiter_ || !(per_second > 0) || !std::isfinite(per_second)) return false;
  if (!describe(scenario_.limiter.kind).has_rate) return false;
  scenario_.limiter.rate = per_second;
  auto next = make_limiter(scenario_.limiter, clock_, &bus_, options_.source);
  if (!next) return false;
  limiter_->swap(std::move(next));
  return true;
}

void Run::set_arrival_rate(double per_second) {
  const std::lock_guard lock(generator_mutex_);
  generator_.set_rate(per_second);
}

void Run::set_service_mean(double ms) {
  const std::lock_guard lock(generator_mutex_);
  generator_.set_service_mean(ms);
}

RunSummary Run::summary() const {
  const ExecutorStats stats = executor_->stats();
  RunSummary s;
  s.scenario = scenario_.id;
  s.strategy = std::string(executor_->strategy());
  Nanos end = timeline_.last_end();
  if (end <= 0) end = stopped_ ? stopped_at_ : clock_.now();
  s.duration_s = to_seconds(end);
  s.jobs.submitted = stats.submitted;
  s.jobs.completed = stats.completed;
  s.jobs.failed = stats.failed;
  s.jobs.rejected = stats.rejected;
  s.jobs.cancelled = stats.cancelled;
  s.jobs.timed_out = stats.timed_out;
  s.jobs.retried = stats.retried;
  s.throughput_per_s = s.duration_s > 0 ? static_cast<double>(stats.completed) / s.duration_s : 0;
  s.wait_ms = summarize_ms(timeline_.wait());
  s.service_ms = summarize_ms(timeline_.service());
  s.sojourn_ms = summarize_ms(timeline_.sojourn());
  if (const std::vector<int> priorities = timeline_.priorities(); priorities.size() > 1) {
    for (auto p = priorities.rbegin(); p != priorities.rend(); ++p) {
      const Histogram* h = timeline_.wait_of_priority(*p);
      if (h != nullptr) s.wait_by_priority.push_back({*p, h->count(), summarize_ms(*h)});
    }
  }
  s.queue_depth_mean = timeline_.queue_depth_mean();
  s.queue_depth_max = timeline_.queue_depth_max();
  s.threads_max = timeline_.threads_max();
  s.workers_min = timeline_.workers_min();
  s.workers_max = timeline_.workers_max();
  s.utilization = timeline_.utilization();
  s.steals = stats.steals;
  s.peak_rss_mb = peak_rss_mb();
  s.run_rss_mb = std::max(0.0, rss_peak_mb_ - rss_at_start_mb_);
  if (started_) s.cpu_s = (cpu_at_stop_s_ >= 0 ? cpu_at_stop_s_ : process_cpu_seconds()) - cpu_at_start_s_;
  // Scenario time runs at speed × real time while not paused, and no job burns
  // CPU while paused, so CPU / (scenario time / speed) is CPU per running second.
  const double running_real_s = s.duration_s / clock_.speed();
  s.cpu_cores_used = running_real_s > 0 ? to_seconds(tally_.cpu.load(std::memory_order_relaxed)) / running_real_s : 0;
  s.cores = hardware_workers();
  s.job_memory_peak_mb =
      static_cast<double>(tally_.memory_peak.load(std::memory_order_relaxed)) / (1024.0 * 1024.0);
  s.events_emitted = bus_.emitted();
  s.events_dropped = bus_.dropped();
  return s;
}

}  // namespace poolviz
