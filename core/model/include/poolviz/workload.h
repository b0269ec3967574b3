// poolviz/workload.h — what arrives at a pool, when, and how heavy each job is.
//
// [SECTION] WorkloadSpec       — the plain description ([workload] in a scenario)
// [SECTION] PlannedJob         — one arrival: when, how long, how urgent, fails?
// [SECTION] WorkloadGenerator  — the seeded, deterministic stream of PlannedJobs
// [SECTION] Job bodies         — turning a PlannedJob into a runnable Job
//
// Determinism contract: the same WorkloadSpec (seed included) yields the same
// sequence of PlannedJobs on every machine and every run, because the generator
// uses its own PRNG (splitmix64/xoshiro) and its own distribution code rather
// than <random>'s implementation-defined distributions. Compare mode relies on
// this: two engines fed from two generators with one spec see identical work.
// Whether an attempt fails is decided by (seed, PlannedJob::index, attempt), so
// it does not depend on the job id an executor happens to assign.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "poolviz/clock.h"
#include "poolviz/job.h"
#include "poolviz/synthetic.h"

namespace poolviz {

// [SECTION] WorkloadSpec --------------------------------------------------------

enum class ArrivalPattern : std::uint8_t {
  all_at_once,  // every job at t = 0 (the tutorials' "send 10 jobs, close")
  constant,     // one job every 1/rate s
  poisson,      // exponential gaps with mean 1/rate s
  bursts,       // burst_size jobs at once, every burst_interval
  closed_loop,  // `clients` clients; each submits again after its job ended + think
};

enum class ServiceDistribution : std::uint8_t {
  fixed,        // exactly the mean
  uniform,      // uniform in mean × [1 - spread, 1 + spread]
  exponential,  // exponential with the mean
  lognormal,    // lognormal with the mean and shape sigma = spread (0 → 0.5)
  bimodal,      // mostly fast, a fraction slow_fraction is slow_factor × longer;
                // slow_every > 0 makes it deterministic: every slow_every-th job
};

std::string_view to_string(ArrivalPattern pattern);
std::string_view to_string(ServiceDistribution distribution);
std::span<const std::string_view> arrival_names();
std::span<const std::string_view> service_names();
std::span<const std::string_view> work_kind_names();
std::optional<ArrivalPattern> parse_arrival(std::string_view name);
std::optional<ServiceDistribution> parse_service(std::string_view name);
std::optional<WorkKind> parse_work_kind(std::string_view name);

/// One class in a priority mix: jobs get `priority` with probability weight / Σ weights.
struct PriorityShare {
  int priority = 0;
  double weight = 1;
};

/// Zero means "the default" for every field (sokol-style).
struct WorkloadSpec {
  ArrivalPattern arrival = ArrivalPattern::all_at_once;
  double rate = 0;            // jobs per scenario second (constant, poisson); 0 = 10
  std::int64_t count = 0;     // jobs in total; 0 = until `duration_s`
  double duration_s = 0;      // scenario seconds arrivals last; 0 = until `count`
  // bursts
  int burst_size = 0;         // 0 = 10
  double burst_interval_s = 0;  // 0 = 1 s
  // closed loop
  int clients = 0;            // 0 = 1
  double think_ms = 0;        // pause after a client's job ended

  ServiceDistribution service = ServiceDistribution::fixed;
  double service_mean_ms = 0;  // 0 = 100 ms (mean of the fast mode for bimodal)
  double spread = 0;           // uniform: ± fraction (0 = 0.5); lognormal: sigma (0 = 0.5)
  double slow_fraction = 0;    // bimodal: 0 = 0.1
  double slow_factor = 0;      // bimodal: 0 = 10
  int slow_every = 0;          // bimodal: every n-th job is slow (deterministic skew)
  WorkKind kind = WorkKind::io;
  /// Memory each job allocates, touches (so it is resident) and holds while it
  /// runs, in KiB; 0 = none. What a request handler's buffers cost per thread.
  double job_memory_kb = 0;
  /// CPU work each job does after its service, in ms of thread CPU time (×
  /// speed); 0 = none. A handler that waits on I/O, then computes its reply.
  double cpu_ms = 0;

  std::vector<PriorityShare> priorities;  // empty = every job priority 0
  double failure_rate = 0;     // per attempt, 0..1
  double timeout_ms = 0;       // per-attempt budget; 0 = none
  RetryPolicy retry;           // max_attempts 0/1 = no retry
  int fork_depth = 0;          // > 0: each job spawns fork_fanout children, recursively
  int fork_fanout = 0;         // 0 = 2
  std::uint64_t seed = 0;      // 0 = 1
};

/// Throws std::invalid_argument("workload.<key>: <what is allowed>") for values
/// out of range (negative rate, count and duration both 0 with an open
/// arrival pattern, failure_rate outside 0..1, ...).
void validate(const WorkloadSpec& spec);

/// Fills every zero field with its default (what the generator actually uses).
WorkloadSpec with_defaults(WorkloadSpec spec);

// [SECTION] PlannedJob ----------------------------------------------------------

struct PlannedJob {
  std::uint64_t index = 0;  // 0-based position in the stream; decides failures
  /// Open patterns: scenario time of arrival (non-decreasing along the stream).
  /// closed_loop: the think time before submitting, counted from the end of
  /// the client's previous job (0 for each client's first job).
  Nanos at = 0;
  int client = -1;          // closed_loop: which client (0..clients-1); else -1
  Nanos service = 0;        // scenario time the job's work takes
  int priority = 0;
  bool slow = false;        // bimodal: drawn from the slow mode (tag 1 on the Job)

  friend bool operator==(const PlannedJob&, const PlannedJob&) = default;
};

// [SECTION] WorkloadGenerator ---------------------------------------------------

/// A deterministic stream of arrivals. Not thread-safe (one owner, e.g. the
/// Run's arrival thread). The spec is taken with defaults applied.
class WorkloadGenerator {
 public:
  explicit WorkloadGenerator(const WorkloadSpec& spec);

  /// The next arrival, or nullopt once `count` jobs were produced or (open
  /// patterns) the next arrival would fall after `duration_s`. A closed loop
  /// with count 0 never ends on its own: the caller stops it at duration_s.
  std::optional<PlannedJob> next();

  /// Live edits (the GUI's sliders); they shape arrivals not yet produced.
  void set_rate(double per_second);
  void set_service_mean(double ms);

  const WorkloadSpec& spec() const { return spec_; }
  std::uint64_t produced() const { return produced_; }

 private:
  double uniform01();  // [0, 1)
  double standard_normal();
  Nanos draw_service(bool& slow);
  int draw_priority();

  WorkloadSpec spec_;
  std::uint64_t state_[4];  // xoshiro256** state, seeded by splitmix64(seed)
  std::uint64_t produced_ = 0;
  double next_at_s_ = 0;    // open patterns: time of the next arrival
};

/// The first `limit` arrivals of `spec` (tests, compare mode, previews).
std::vector<PlannedJob> generate_arrivals(const WorkloadSpec& spec, std::size_t limit);

// [SECTION] Job bodies ----------------------------------------------------------

/// What one run's job bodies used, added to by the bodies as they run (a Run
/// owns one). Relaxed atomics: these are tallies read after the fact or by a
/// poll, never used to order other memory.
struct JobTally {
  std::atomic<Nanos> cpu{0};                 // thread CPU time cpu-bound bodies received (real ns)
  std::atomic<std::int64_t> memory{0};       // bytes held by running bodies now
  std::atomic<std::int64_t> memory_peak{0};  // the most ever held at once

  void add_memory(std::int64_t bytes);
};

/// A Job ready to submit for `planned`: priority, tag (1 = slow), timeout and
/// retry from the spec, and a body that does `planned.service` of `spec.kind`
/// work in the executor's clock time while holding `job_memory_kb` of touched
/// memory, fails per (seed, index, attempt), and,
/// with fork_depth > 0, first spawns its children (each a 1/fanout share).
/// `tally` (optional) must outlive the job.
Job make_job(const WorkloadSpec& spec, const PlannedJob& planned, JobTally* tally = nullptr);

}  // namespace poolviz
