// poolviz/timeline.h — the one record of a run: each job's lifecycle and every
// figure a view shows, derived once from the event stream.
//
// [SECTION] TimelineOptions
// [SECTION] JobPhase, JobLifecycle — where a job is, what happened to it
// [SECTION] TimelineCounts          — counters and gauges at one moment
// [SECTION] WaitBatchMeans          — a bounded batch-means estimate of the mean wait's noise
// [SECTION] LittleLaw               — L = λ·W, measured
// [SECTION] Timeline                — the EventSink every view reads
//
// One definition of each quantity, here and nowhere else:
//   arrival    = the job's planned arrival (Job::arrival, carried by the
//                submitted event), else its submit: a producer that fell behind
//                (blocked on a full queue, slow to start threads) makes waits longer
//   wait       = first start − arrival (a pipeline item: at its first stage)
//   service    = end − start of the attempt that ended (each pipeline stage)
//   sojourn    = end − arrival, for jobs that started (a pipeline: through every stage)
//   in queue   = jobs enqueued and not yet taken by a worker (every stage)
//   at gate    = jobs a worker holds at the limiter gate
//   running    = jobs a worker executes
//   in service = at gate + running: jobs a worker holds
//   in system  = submitted and not yet ended or refused (Little's N)
//   workers alive = threads alive = the newest `x` of worker_spawned/retired,
//                summed over pipeline stages
//   tokens     = the limiter level of the newest token event (-1: none seen)
// Windowed figures ("p99 wait, last 5 s") cover the jobs that started (wait)
// or ended (sojourn) in the last `window` of scenario time before a sample;
// whole-run figures cover every job since time 0. Both are named so.
//
// Memory: a record per job in the system (bounded by what the pool holds), the
// last `recent_jobs` ended jobs in full, and fixed-size aggregates for the
// whole run. memory_bytes() reports it; it never exceeds ceiling_bytes() plus
// the jobs in the system times live_job_bytes().
//
// Contract: on_events() (from EventBus::drain) and advance_to() run on one
// thread, the one that polls the Run; the getters are for that thread.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <unordered_map>
#include <vector>

#include "poolviz/clock.h"
#include "poolviz/event.h"
#include "poolviz/metrics.h"

namespace poolviz {

// [SECTION] TimelineOptions -------------------------------------------------------

struct TimelineOptions {
  Nanos sample_period = 100 * kMillisecond;
  std::size_t series_capacity = 6000;  // samples kept in series() (10 min at 100 ms)
  bool keep_all_samples = false;       // also keep every sample in all_samples() (CSV)
  std::uint8_t source = 0;             // only events with this source are counted
  bool filter_source = false;          // false = count every event on the bus
  /// A pipeline's stage k emits with source + k. With stages > 1 an item is
  /// submitted at stage 0 (wait = until its first start there), completes at
  /// the last stage (sojourn = through the whole pipeline), and ends early on
  /// any failure.
  int stages = 1;
  /// The pool's worker count c, for P(arrival finds ≥ c); 0 = not a fixed c.
  int servers = 0;
  /// Span of the windowed latency figures (a whole number of sample periods).
  Nanos window = 5 * kSecond;
  /// Span of the rates (done/s, arrived/s, rejected/s) in the samples.
  Nanos rate_window = kSecond;
  /// Ended jobs kept in full (recent_jobs()); older ones live on in aggregates.
  std::size_t recent_jobs = 1 << 15;
};

// [SECTION] JobPhase, JobLifecycle -------------------------------------------------

enum class JobPhase : std::uint8_t {
  arriving,    // submitted, not yet in a queue
  queued,
  at_gate,
  running,
  retry_wait,
  completed,
  failed,
  timed_out,
  cancelled,
  rejected,
};
constexpr bool is_ended(JobPhase p) { return p >= JobPhase::completed; }

/// One job's life, 56 bytes; stage > 0 only inside a pipeline.
struct JobLifecycle {
  std::uint64_t id = 0;
  Nanos submitted = 0;      // its arrival (planned, else the submit)
  Nanos first_start = -1;  // -1 = never started
  Nanos last_start = -1;   // start of the current (or last) attempt
  Nanos ended = -1;        // -1 = still in the system
  std::int32_t worker = -1;  // holding worker, or the queue it waits in
  std::int16_t priority = 0;
  std::uint8_t stage = 0;
  std::uint8_t attempts = 0;  // attempts started (saturates at 255)
  JobPhase phase = JobPhase::arriving;
  std::uint8_t reject_reason = 0;  // RejectReason when phase == rejected
  bool found_busy = false;         // at least c jobs were in the system when it arrived
  bool handed_off = false;         // queued at depth 0: handed straight to an idle worker
};
static_assert(sizeof(JobLifecycle) <= 56);

// [SECTION] TimelineCounts -----------------------------------------------------------

/// Counters (cumulative) and gauges (now), all from events. Under overload the
/// bus may drop events; ExecutorStats hold the exact counters.
struct TimelineCounts {
  std::uint64_t submitted = 0, started = 0, completed = 0, failed = 0, timed_out = 0,
                cancelled = 0, rejected = 0, retried = 0, steals = 0;
  // in_queue: waiting in a queue. handing_off: enqueued at depth 0, handed
  // straight to an idle worker (or, thread-per-task, to a thread being
  // created) and not started yet; never counted as queued.
  std::int64_t in_queue = 0, handing_off = 0, at_gate = 0, running = 0, retry_waiting = 0, in_system = 0;
  std::int64_t workers_alive = 0, threads_max = 0;
  // The producer waiting for room in the first queue (overflow = block);
  // a pipeline stage's workers waiting to hand items to the next stage's full queue.
  std::int64_t blocked_producers = 0, blocked_handoffs = 0;
  std::int64_t in_service() const { return at_gate + running; }
  std::int64_t threads_alive() const { return workers_alive; }
  std::uint64_t ended() const { return completed + failed + timed_out + cancelled; }
};

/// The limiter gate as the newest token event left it.
struct TokenLevel {
  bool seen = false;
  double level = -1;     // tokens available (or free permits)
  double capacity = 0;
  Nanos last_refill = -1;
};

// [SECTION] WaitBatchMeans ------------------------------------------------------

/// Waits of successive jobs are strongly correlated (a busy spell delays many in
/// a row), so the usual σ/√n understates the noise of their mean. Batch means:
/// cut the sequence into consecutive batches, treat the batch means as nearly
/// independent and take their spread. Memory is bounded: at most kMaxBatches
/// batches; when full, neighbours merge and the batch size doubles.
class WaitBatchMeans {
 public:
  static constexpr std::size_t kMaxBatches = 64;
  /// Fewer complete batches than this: no interval is given (NaN).
  static constexpr std::size_t kMinBatches = 10;

  void add(double value);
  std::uint64_t count() const { return count_; }
  double mean() const { return count_ ? total_ / static_cast<double>(count_) : 0.0; }
  /// Half-width of an approximate 95 % confidence interval for the mean
  /// (t ≈ 2 × standard error of the complete batches' means); NaN when too few.
  double ci95_half_width() const;
  std::size_t batches() const { return sums_.size(); }
  std::size_t batch_size() const { return batch_size_; }

 private:
  std::vector<double> sums_;  // complete batches, each of batch_size_ values
  std::size_t batch_size_ = 1;
  double open_sum_ = 0;
  std::size_t open_count_ = 0;
  double total_ = 0;
  std::uint64_t count_ = 0;
};

// [SECTION] LittleLaw -------------------------------------------------------------

/// Little's law, measured. All times in scenario seconds.
struct LittleLaw {
  double window_s = 0;        // [0, now]
  double mean_in_system = 0;  // L: time-mean of N(t) over the window
  double arrival_rate = 0;    // λ: accepted jobs / window
  double mean_sojourn_s = 0;  // W: mean time in system of the accepted jobs that left
  double lambda_w = 0;        // λ·W
  /// (L − λW) / λW; 0 when λW is 0. Over a window that starts and ends with an
  /// empty system the two sides are equal by construction (that is the law);
  /// live, the gap is the time of jobs still inside.
  double relative_gap = 0;
  std::int64_t in_system_now = 0;
};

// [SECTION] Timeline ----------------------------------------------------------------

class Timeline final : public EventSink {
 public:
  explicit Timeline(TimelineOptions options = {});

  void on_events(std::span<const Event> batch) override;
  /// One event (tests, replay).
  void apply(const Event& e);
  /// Emits the samples of every period that ended at or before `now` (the Run
  /// calls it after draining, so quiet periods still get rows).
  void advance_to(Nanos now);

  const TimelineOptions& options() const { return options_; }

  // Now ------------------------------------------------------------------------
  const TimelineCounts& counts() const { return counts_; }
  const TokenLevel& tokens() const { return tokens_; }
  /// Scenario time of the newest event or advance_to().
  Nanos now() const { return integrated_to_; }
  /// The phase of job `id` (stage 0 of a pipeline); nullptr when unknown or forgotten.
  const JobLifecycle* job(std::uint64_t id, int stage = 0) const;
  /// The newest ended jobs, oldest first (at most options().recent_jobs).
  std::vector<JobLifecycle> recent_jobs() const;
  /// Per pipeline stage: jobs in its queue, held by its workers, its workers alive.
  struct StageCounts {
    std::int64_t in_queue = 0, in_service = 0, workers_alive = 0;
  };
  const std::vector<StageCounts>& stages() const { return stages_; }

  // Whole run ------------------------------------------------------------------
  const Histogram& wait() const { return wait_; }        // first start − arrival
  const Histogram& service() const { return service_; }  // end − last start
  const Histogram& sojourn() const { return sojourn_; }  // end − arrival (jobs that ran)
  /// Whole-run wait of the jobs of one priority (absent: none seen).
  const Histogram* wait_of_priority(int priority) const;
  std::vector<int> priorities() const;
  /// Service time per pipeline stage (index = stage).
  const std::vector<Histogram>& stage_service() const { return stage_service_; }

  /// Time-weighted mean and max of the queue depth from the start to the last
  /// job end (to now while no job has ended).
  double queue_depth_mean() const;
  std::int64_t queue_depth_max() const { return queue_depth_max_; }
  std::int64_t threads_max() const { return counts_.threads_max; }
  std::int64_t workers_min() const { return workers_min_seen_ ? std::min(workers_min_, workers_max_) : workers_max_; }
  std::int64_t workers_max() const { return workers_max_; }
  /// Running-worker time / worker time over the same span (0..1).
  double utilization() const;
  /// Scenario time of the last job end seen (0 = none).
  Nanos last_end() const { return last_end_; }

  // Occupancy (Little's law, Erlang C) ------------------------------------------
  /// The Little's-law figures over [0, now] (now ≥ the last event's time).
  LittleLaw little(Nanos now) const;
  /// Time-mean of max(N − c, 0) over [0, now]: the queue of an ideal c-server FIFO.
  double mean_queue_beyond_servers(Nanos now) const;
  /// Fraction of accepted arrivals that found at least c jobs in the system
  /// (by PASTA, what Erlang C calls the probability of waiting). NaN when c is 0.
  double p_arrival_finds_all_busy() const;
  /// Waits (arrival → first start) in start order, in seconds, for the mean's noise.
  const WaitBatchMeans& waits() const { return waits_; }
  std::uint64_t accepted() const { return accepted_; }
  std::uint64_t refused() const { return refused_; }
  Nanos last_event() const { return last_event_; }

  // Series (one Sample per period; windowed figures named in Sample) --------------
  const SampleRing& series() const { return series_; }
  const std::vector<Sample>& all_samples() const { return all_samples_; }
  Nanos sample_period() const { return options_.sample_period; }
  /// The newest sample, or nullptr before the first period ended.
  const Sample* last_sample() const { return series_.empty() ? nullptr : &series_.back(); }

  // Memory ----------------------------------------------------------------------
  std::size_t memory_bytes() const;
  /// What one job in the system costs (its record and its share of the map).
  static constexpr std::size_t live_job_bytes() { return sizeof(JobLifecycle) + 48; }
  /// Everything but the jobs in the system, for these options.
  static std::size_t ceiling_bytes(const TimelineOptions& options);

 private:
  void integrate_to(Nanos t);
  void emit_sample(Nanos t_end);
  void leave_phase(JobLifecycle& job);
  /// `handed_off`: an enqueue at depth 0, the job passed straight to an idle
  /// worker; it is handing_off until the worker takes it, never in_queue.
  void enter_phase(JobLifecycle& job, JobPhase phase, bool handed_off = false);
  void end_job(std::unordered_map<std::uint64_t, JobLifecycle>::iterator it, const Event& e, JobPhase phase);
  int stage_of(const Event& e) const;
  std::uint64_t key_of(std::uint64_t job, int stage) const;
  void remember(const JobLifecycle& job);
  void on_workers(const Event& e);
  void on_finished(const Event& e);
  void on_rejected(const Event& e);
  void on_submitted(const Event& e);

  TimelineOptions options_;
  TimelineCounts counts_;
  TokenLevel tokens_;
  std::vector<StageCounts> stages_;

  std::unordered_map<std::uint64_t, JobLifecycle> live_;  // jobs in the system
  std::vector<JobLifecycle> recent_;                      // ring of ended jobs
  std::size_t recent_next_ = 0;
  std::uint64_t recent_total_ = 0;

  Histogram wait_, service_, sojourn_;
  std::vector<Histogram> stage_service_;
  static constexpr int kPriorityLevels = 8;  // distinct priorities tracked apart
  std::vector<std::pair<int, Histogram>> priority_wait_;

  // Windowed: one histogram per sample period over the last `window`.
  // Windowed: what each sample period of the last `window` added (sparse:
  // the buckets it touched), and their running sum, which a sample reads; a
  // period leaving the window is taken out of the sum.
  struct PeriodValues {
    std::vector<std::pair<std::uint16_t, std::uint32_t>> buckets;  // (bucket, count), by bucket
    std::int64_t min = 0, max = 0;
    std::uint64_t count = 0;
    void record(std::int64_t value);
    void clear();
  };
  std::vector<PeriodValues> wait_periods_, sojourn_periods_;
  std::size_t period_slot_ = 0;
  Histogram wait_window_, sojourn_window_;
  void record_windowed(std::vector<PeriodValues>& periods, Histogram& window, Nanos value);

  std::int64_t queue_depth_max_ = 0, workers_min_ = 0, workers_max_ = 0;
  bool workers_min_seen_ = false;
  Nanos last_end_ = 0;

  // Time integrals (gauge × ns) since 0, and over the current sample period.
  Nanos integrated_to_ = 0;
  double depth_area_ = 0, busy_area_ = 0, worker_area_ = 0;
  double period_busy_area_ = 0, period_worker_area_ = 0;
  double depth_area_at_end_ = 0, busy_area_at_end_ = 0, worker_area_at_end_ = 0;
  double system_area_ = 0, beyond_servers_area_ = 0;

  // Occupancy.
  std::uint64_t accepted_ = 0, refused_ = 0, left_ = 0, found_busy_ = 0;
  double sojourn_sum_s_ = 0;
  WaitBatchMeans waits_;
  Nanos last_event_ = 0;

  Nanos next_sample_;
  // Per-period counts for the rates: completions, arrivals, rejections.
  struct PeriodCounts {
    std::uint64_t done = 0, arrived = 0, rejected = 0;
    double busy_area = 0, worker_area = 0;  // worker-nanoseconds, for utilization_recent
  };
  std::vector<PeriodCounts> rate_periods_;
  std::uint64_t period_index_ = 0;
  PeriodCounts this_period_;

  SampleRing series_;
  std::vector<Sample> all_samples_;
};

/// "completed", "failed", ... for a terminal phase.
const char* to_string(JobPhase phase);

}  // namespace poolviz
