// poolviz/pool_spec.h — one plain description of any pool and limiter, and the
// factory that turns it into a running executor.
//
// Scenarios, the CLI's --set, the GUI's controls and `serve`'s PUT /pool all
// speak PoolSpec / LimiterSpec. Each strategy, limiter and overflow policy has
// ONE descriptor (its name, factory, what it exposes, the settings it reads,
// how it is drawn, its theory note); code asks describe(...) instead of
// switching on the enum or comparing names. Adding a strategy = its class, a
// Strategy value, and one entry in the table in pool_spec.cpp (the table is
// indexed by the enum and a static_assert counts it, so a forgotten entry does
// not compile).
//
// [SECTION] Enums and specs
// [SECTION] Descriptors
// [SECTION] Names and factories
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "poolviz/clock.h"
#include "poolviz/dispatcher.h"
#include "poolviz/executor.h"

namespace poolviz {

// [SECTION] Enums and specs ---------------------------------------------------

enum class Strategy : std::uint8_t {
  thread_per_task,  // one OS thread per job (the anti-pattern)
  fixed,            // N workers, one shared FIFO queue
  priority,         // N workers, one shared priority heap (optional aging)
  priority_levels,  // N workers, one FIFO per level, highest level first
  dynamic,          // shared FIFO, workers between min and max
  work_stealing,    // a deque per worker, a shared injector, random-victim steals
  shortest_job_first,  // N workers, one shared heap, smallest size estimate first (optional aging)
};
inline constexpr std::size_t kStrategyCount = static_cast<std::size_t>(Strategy::shortest_job_first) + 1;

enum class LimiterKind : std::uint8_t { none, ticker, token_bucket, max_concurrency, leaky_bucket };
inline constexpr std::size_t kLimiterKindCount = static_cast<std::size_t>(LimiterKind::leaky_bucket) + 1;
inline constexpr std::size_t kOverflowCount = static_cast<std::size_t>(Overflow::caller_runs) + 1;

/// Zero means "the default" for every field.
struct PoolSpec {
  Strategy strategy = Strategy::fixed;
  Dispatch dispatch = Dispatch::shared;  // fixed only: round_robin / least_loaded give per-worker queues
  int workers = 0;                       // 0 = hardware threads
  std::size_t queue_capacity = 0;        // 0 = unbounded (per worker queue with dispatch)
  Overflow overflow = Overflow::block;
  // priority / priority_levels
  Nanos aging_interval = 0;  // every interval waited raises a job's priority by one; 0 = no aging
  int levels = 0;            // priority_levels: 0 = 3
  // dynamic
  int min_workers = 0;           // 0 = 1
  int max_workers = 0;           // 0 = 4 × hardware threads
  double scale_up_factor = 0;    // scale up when depth > factor × workers; 0 = 2
  Nanos idle_timeout = 0;        // 0 = 2 s
  Nanos scale_interval = 0;      // how often the scaler looks; 0 = on every submit
  // thread_per_task
  int max_threads = 0;  // safety cap; 0 = 2,000
};

struct LimiterSpec {
  LimiterKind kind = LimiterKind::none;
  double rate = 0;        // ticker and token bucket: releases / refills per second
  double burst = 0;       // token bucket capacity (starts full), leaky bucket size; 0 = 1
  int max_in_flight = 0;  // max_concurrency
  bool drop = false;      // refuse at submit (limiter_drop) instead of holding at the gate
};

// [SECTION] Descriptors -------------------------------------------------------

/// The order the flow canvas draws a shared queue's chips in (front first):
/// the order the queue hands jobs out.
enum class QueueOrder : std::uint8_t { arrival, priority, shortest_first };

/// How a change to a setting reaches a running engine.
enum class Apply : std::uint8_t { live, restart };

/// A scenario key a strategy or limiter reads ("pool.levels", "limiter.rate").
struct SettingUse {
  std::string_view key;
  Apply apply = Apply::restart;
};

struct StrategyDescriptor {
  Strategy strategy{};
  std::string_view name{};     // the spelling in scenarios, --set and the GUI
  std::string_view summary{};  // one line for help texts
  /// A fixed worker count c (M/M/c's c; the one-in-c "all busy" figure).
  bool fixed_servers = false;
  /// The key a "workers" slider sets (pool.workers, pool.max_workers), or
  /// empty when the strategy has no worker count (a thread per job).
  std::string_view sized_by{};
  /// No queue, no lanes: every job gets its own thread (drawn as a cloud).
  bool thread_per_job = false;
  /// Always a queue per worker (the shared dispatch's queue is not one).
  bool per_worker_queues = false;
  /// pool.queue_capacity bounds what the pool takes in.
  bool bounded_queue = false;
  QueueOrder queue_order = QueueOrder::arrival;
  /// The [pool] keys it reads beyond workers/queue_capacity/overflow.
  std::span<const SettingUse> settings{};
  /// Queueing theory: when false, `theory_note` says why no model applies;
  /// when true, it is appended to the model's explanation (may be empty).
  bool theory_applies = true;
  std::string_view theory_note{};
  std::unique_ptr<Executor> (*make)(const PoolSpec&, ExecutorEnv) = nullptr;
};

struct LimiterDescriptor {
  LimiterKind kind{};
  std::string_view name{};
  std::string_view summary{};
  /// A rate limiter: limiter.rate is required and can change while running.
  bool has_rate = false;
  /// level() counts permits in use (a semaphore), not tokens left; events and
  /// the gauge carry what is left (capacity − level).
  bool level_is_in_use = false;
  /// Mints tokens only when asked, so Run's poll reports refills while idle.
  bool mints_lazily = false;
  std::string_view gauge_label{};  // beside the gauge's "level/capacity"
  std::string_view gate_label{};   // "Gate: <this>"
  /// The key that must be set, and how (validation's message), or empty.
  std::string_view required_key{};
  std::string_view required_message{};
  std::span<const SettingUse> settings{};
  /// nullptr for LimiterKind::none.
  std::shared_ptr<Limiter> (*make)(const LimiterSpec&, Clock&, EventBus*, std::uint8_t) = nullptr;
};

struct OverflowDescriptor {
  Overflow overflow{};
  std::string_view name{};
  std::string_view when_full{};  // what the canvas says under a full queue
  std::string_view when_full_short{};  // the same where that does not fit
};

const StrategyDescriptor& describe(Strategy strategy);
const LimiterDescriptor& describe(LimiterKind kind);
const OverflowDescriptor& describe(Overflow overflow);
/// The table itself, in the order help texts list them.
std::span<const StrategyDescriptor> strategy_descriptors();
std::span<const LimiterDescriptor> limiter_descriptors();

/// True when `settings` lists `key` (e.g. reads(describe(kind).settings, "limiter.burst")).
bool reads(std::span<const SettingUse> settings, std::string_view key);
/// M/M/c's c for this pool: its worker count (0 = `hardware_threads`), or 0
/// when the strategy has no fixed number of servers.
int fixed_servers(const PoolSpec& pool, int hardware_threads);
/// True when the pool has a queue per worker (work stealing, or dispatch).
bool has_worker_queues(const PoolSpec& pool);
/// The settings `edited` changes from `running` that only a restart applies
/// (keys as in scenarios: "pool.overflow", "limiter.burst"...).
std::vector<std::string> restart_needed(const PoolSpec& running_pool, const LimiterSpec& running_limiter,
                                        const PoolSpec& edited_pool, const LimiterSpec& edited_limiter);

// [SECTION] Names and factories -----------------------------------------------

std::string_view to_string(Strategy strategy);
std::string_view to_string(Dispatch dispatch);
std::string_view to_string(LimiterKind kind);

/// The accepted spellings, in the order help texts list them.
std::span<const std::string_view> strategy_names();
std::span<const std::string_view> dispatch_names();
std::span<const std::string_view> overflow_names();
std::span<const std::string_view> limiter_names();

std::optional<Strategy> parse_strategy(std::string_view name);
std::optional<Dispatch> parse_dispatch(std::string_view name);
std::optional<Overflow> parse_overflow(std::string_view name);
std::optional<LimiterKind> parse_limiter(std::string_view name);

/// Builds the limiter described by `spec`, or nullptr for LimiterKind::none.
std::shared_ptr<Limiter> make_limiter(const LimiterSpec& spec, Clock& clock, EventBus* bus,
                                      std::uint8_t source = 0);

/// Builds and starts the executor described by `spec`.
std::unique_ptr<Executor> make_executor(const PoolSpec& spec, ExecutorEnv env);

}  // namespace poolviz
