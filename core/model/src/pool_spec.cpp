// The descriptor tables: one entry per strategy, limiter and overflow policy.
// Each table is indexed by its enum; the static_asserts below make a missing
// entry a compile error, and every lookup checks the entry's own enum value.
#include "poolviz/pool_spec.h"

#include <algorithm>
#include <array>
#include <cassert>

#include "poolviz/concurrency_limiter.h"
#include "poolviz/worker_pool.h"
#include "poolviz/leaky_bucket_limiter.h"
#include "poolviz/priority_queue.h"
#include "poolviz/thread_per_task.h"
#include "poolviz/ticker_limiter.h"
#include "poolviz/token_bucket_limiter.h"
#include "poolviz/work_stealing.h"

namespace poolviz {

namespace {

// [SECTION] Factories ---------------------------------------------------------

PoolConfig pool_config(const PoolSpec& spec) {
  PoolConfig pool;
  pool.workers = spec.workers;
  pool.queue_capacity = spec.queue_capacity;
  pool.overflow = spec.overflow;
  return pool;
}

std::unique_ptr<Executor> make_thread_per_task(const PoolSpec& spec, ExecutorEnv env) {
  return std::make_unique<ThreadPerTask>(ThreadPerTaskConfig{spec.max_threads}, std::move(env));
}

std::unique_ptr<Executor> make_fixed(const PoolSpec& spec, ExecutorEnv env) {
  PoolConfig pool = pool_config(spec);
  pool.dispatch = spec.dispatch;
  return std::make_unique<WorkerPool>(pool, std::move(env));
}

std::unique_ptr<Executor> make_priority(const PoolSpec& spec, ExecutorEnv env) {
  auto heap = std::make_unique<PriorityQueue>(spec.aging_interval, env.clock);
  return std::make_unique<WorkerPool>(pool_config(spec), std::move(env), std::move(heap));
}

std::unique_ptr<Executor> make_shortest_job_first(const PoolSpec& spec, ExecutorEnv env) {
  auto heap = std::make_unique<PriorityQueue>(spec.aging_interval, env.clock, QueueRank::shortest_first);
  return std::make_unique<WorkerPool>(pool_config(spec), std::move(env), std::move(heap));
}

std::unique_ptr<Executor> make_priority_levels(const PoolSpec& spec, ExecutorEnv env) {
  auto levels = std::make_unique<PriorityLevelsQueue>(spec.levels > 0 ? spec.levels : 3);
  return std::make_unique<WorkerPool>(pool_config(spec), std::move(env), std::move(levels));
}

std::unique_ptr<Executor> make_dynamic(const PoolSpec& spec, ExecutorEnv env) {
  PoolConfig pool = pool_config(spec);
  pool.scaling.min_workers = spec.min_workers;
  pool.scaling.max_workers = spec.max_workers > 0 ? spec.max_workers : 4 * hardware_workers();
  pool.scaling.scale_up_factor = spec.scale_up_factor;
  pool.scaling.idle_timeout = spec.idle_timeout;
  pool.scaling.scale_interval = spec.scale_interval;
  return std::make_unique<WorkerPool>(pool, std::move(env));
}

std::unique_ptr<Executor> make_work_stealing(const PoolSpec& spec, ExecutorEnv env) {
  WorkStealingConfig stealing;
  stealing.workers = spec.workers;
  return std::make_unique<WorkStealingExecutor>(stealing, std::move(env));
}

double rate_or_one(const LimiterSpec& spec) { return spec.rate > 0 ? spec.rate : 1.0; }

std::shared_ptr<Limiter> make_ticker(const LimiterSpec& spec, Clock& clock, EventBus* bus,
                                     std::uint8_t source) {
  return std::make_shared<TickerLimiter>(
      TickerConfig{std::max<Nanos>(1, from_seconds(1.0 / rate_or_one(spec))), spec.drop}, clock, bus,
      source);
}

std::shared_ptr<Limiter> make_token_bucket(const LimiterSpec& spec, Clock& clock, EventBus* bus,
                                           std::uint8_t source) {
  return std::make_shared<TokenBucketLimiter>(
      TokenBucketConfig{std::max(1, static_cast<int>(spec.burst)), rate_or_one(spec), spec.drop}, clock,
      bus, source);
}

std::shared_ptr<Limiter> make_leaky_bucket(const LimiterSpec& spec, Clock& clock, EventBus* bus,
                                           std::uint8_t source) {
  return std::make_shared<LeakyBucketLimiter>(
      LeakyBucketConfig{std::max(1, static_cast<int>(spec.burst)), rate_or_one(spec), spec.drop}, clock,
      bus, source);
}

std::shared_ptr<Limiter> make_concurrency(const LimiterSpec& spec, Clock& clock, EventBus* bus,
                                          std::uint8_t source) {
  return std::make_shared<ConcurrencyLimiter>(ConcurrencyConfig{std::max(1, spec.max_in_flight), spec.drop},
                                              clock, bus, source);
}

// [SECTION] Settings ----------------------------------------------------------

constexpr std::array<SettingUse, 0> kNoSettings{};
constexpr std::array<SettingUse, 1> kThreadSettings = {{{"pool.max_threads", Apply::restart}}};
constexpr std::array<SettingUse, 1> kFixedSettings = {{{"pool.dispatch", Apply::restart}}};
constexpr std::array<SettingUse, 1> kPrioritySettings = {{{"pool.aging_ms", Apply::restart}}};
constexpr std::array<SettingUse, 1> kLevelsSettings = {{{"pool.levels", Apply::restart}}};
constexpr std::array<SettingUse, 5> kDynamicSettings = {{{"pool.min_workers", Apply::restart},
                                                        {"pool.max_workers", Apply::restart},
                                                        {"pool.scale_up_factor", Apply::restart},
                                                        {"pool.idle_timeout_ms", Apply::restart},
                                                        {"pool.scale_interval_ms", Apply::restart}}};
/// What every strategy with a queue reads (thread-per-task has none).
constexpr std::array<SettingUse, 3> kQueueSettings = {{{"pool.workers", Apply::live},
                                                      {"pool.queue_capacity", Apply::live},
                                                      {"pool.overflow", Apply::restart}}};

constexpr std::array<SettingUse, 2> kTickerSettings = {{{"limiter.rate", Apply::live},
                                                       {"limiter.drop", Apply::restart}}};
constexpr std::array<SettingUse, 3> kBucketSettings = {{{"limiter.rate", Apply::live},
                                                       {"limiter.burst", Apply::restart},
                                                       {"limiter.drop", Apply::restart}}};
constexpr std::array<SettingUse, 2> kConcurrencySettings = {{{"limiter.max_in_flight", Apply::restart},
                                                            {"limiter.drop", Apply::restart}}};

// [SECTION] The tables --------------------------------------------------------

constexpr std::array<StrategyDescriptor, kStrategyCount> kStrategies = {{
    {.strategy = Strategy::thread_per_task,
     .name = "thread_per_task",
     .summary = "one OS thread per job (the anti-pattern)",
     .thread_per_job = true,
     .settings = kThreadSettings,
     .theory_applies = false,
     .theory_note = "every job gets its own thread, so nothing queues (M/M/inf: the predicted wait is 0 "
                    "until the thread cap)",
     .make = make_thread_per_task},
    {.strategy = Strategy::fixed,
     .name = "fixed",
     .summary = "N workers, one shared FIFO queue",
     .fixed_servers = true,
     .sized_by = "pool.workers",
     .bounded_queue = true,
     .settings = kFixedSettings,
     .make = make_fixed},
    {.strategy = Strategy::priority,
     .name = "priority",
     .summary = "N workers, one shared priority heap (optional aging)",
     .fixed_servers = true,
     .sized_by = "pool.workers",
     .bounded_queue = true,
     .queue_order = QueueOrder::priority,
     .settings = kPrioritySettings,
     .theory_note = " Priorities reorder the queue but do not change the mean wait over all jobs "
                    "(the conservation law), so compare the overall mean.",
     .make = make_priority},
    {.strategy = Strategy::priority_levels,
     .name = "priority_levels",
     .summary = "N workers, one FIFO per level, highest level first",
     .fixed_servers = true,
     .sized_by = "pool.workers",
     .bounded_queue = true,
     .settings = kLevelsSettings,
     .theory_note = " Priorities reorder the queue but do not change the mean wait over all jobs "
                    "(the conservation law), so compare the overall mean.",
     .make = make_priority_levels},
    {.strategy = Strategy::dynamic,
     .name = "dynamic",
     .summary = "shared FIFO, workers between min and max",
     .sized_by = "pool.max_workers",
     .bounded_queue = true,
     .settings = kDynamicSettings,
     .theory_applies = false,
     .theory_note = "the worker count moves between min and max; M/M/c needs a fixed c",
     .make = make_dynamic},
    {.strategy = Strategy::work_stealing,
     .name = "work_stealing",
     .summary = "a deque per worker, a shared injector, random-victim steals",
     .fixed_servers = true,
     .sized_by = "pool.workers",
     .per_worker_queues = true,
     .theory_note = " Work stealing: external submissions go to the shared injector, which behaves "
                    "close to one shared queue.",
     .make = make_work_stealing},
    {.strategy = Strategy::shortest_job_first,
     .name = "shortest_job_first",
     .summary = "N workers, one shared heap, smallest size estimate first (optional aging)",
     .fixed_servers = true,
     .sized_by = "pool.workers",
     .bounded_queue = true,
     .queue_order = QueueOrder::shortest_first,
     .settings = kPrioritySettings,
     .theory_applies = false,
     .theory_note = "shortest job first lets short jobs skip ahead, which lowers the mean wait below "
                    "the FIFO queue's M/M/c prediction (compare with pool.strategy=fixed)",
     .make = make_shortest_job_first},
}};

constexpr std::array<LimiterDescriptor, kLimiterKindCount> kLimiters = {{
    {.kind = LimiterKind::none, .name = "none", .summary = "no gate", .settings = kNoSettings},
    {.kind = LimiterKind::ticker,
     .name = "ticker",
     .summary = "one start per tick, whatever the worker count",
     .has_rate = true,
     .gauge_label = "ticker",
     .gate_label = "ticker",
     .required_key = "limiter.rate",
     .required_message = "a ticker limiter needs a rate > 0 (per second)",
     .settings = kTickerSettings,
     .make = make_ticker},
    {.kind = LimiterKind::token_bucket,
     .name = "token_bucket",
     .summary = "bursts up to its capacity, then the refill rate",
     .has_rate = true,
     .mints_lazily = true,
     .gauge_label = "tokens",
     .gate_label = "token bucket",
     .required_key = "limiter.rate",
     .required_message = "a token_bucket limiter needs a rate > 0 (per second)",
     .settings = kBucketSettings,
     .make = make_token_bucket},
    {.kind = LimiterKind::max_concurrency,
     .name = "max_concurrency",
     .summary = "a semaphore: at most max_in_flight jobs run at once",
     .level_is_in_use = true,
     .gauge_label = "in use",
     .gate_label = "semaphore",
     .required_key = "limiter.max_in_flight",
     .required_message = "a max_concurrency limiter needs max_in_flight >= 1",
     .settings = kConcurrencySettings,
     .make = make_concurrency},
    {.kind = LimiterKind::leaky_bucket,
     .name = "leaky_bucket",
     .summary = "jobs leave at a steady rate, one every 1/rate; idle time banks no burst",
     .has_rate = true,
     .level_is_in_use = true,
     .gauge_label = "water",
     .gate_label = "leaky bucket",
     .required_key = "limiter.rate",
     .required_message = "a leaky_bucket limiter needs a rate > 0 (per second)",
     .settings = kBucketSettings,
     .make = make_leaky_bucket},
}};

constexpr std::array<OverflowDescriptor, kOverflowCount> kOverflows = {{
    {Overflow::block, to_string(Overflow::block), "full: the producer waits", "full: producer waits"},
    {Overflow::reject, to_string(Overflow::reject), "full: new jobs are turned away", "full: refusing"},
    {Overflow::drop_oldest, to_string(Overflow::drop_oldest), "full: the oldest waiting job is dropped",
     "full: dropping oldest"},
    {Overflow::caller_runs, to_string(Overflow::caller_runs), "full: the submitter runs the job itself",
     "full: caller runs"},
}};

template <class Table>
constexpr bool indexed_by_enum(const Table& table, auto key) {
  for (std::size_t i = 0; i < table.size(); ++i) {
    if (static_cast<std::size_t>(key(table[i])) != i) return false;
  }
  return true;
}
static_assert(indexed_by_enum(kStrategies, [](const StrategyDescriptor& d) { return d.strategy; }));
static_assert(indexed_by_enum(kLimiters, [](const LimiterDescriptor& d) { return d.kind; }));
static_assert(indexed_by_enum(kOverflows, [](const OverflowDescriptor& d) { return d.overflow; }));

template <class Table, class Member>
constexpr auto names_of(const Table& table, Member member) {
  std::array<std::string_view, std::tuple_size_v<Table>> names{};
  for (std::size_t i = 0; i < table.size(); ++i) names[i] = table[i].*member;
  return names;
}

constexpr auto kStrategyNames = names_of(kStrategies, &StrategyDescriptor::name);
constexpr auto kLimiterNames = names_of(kLimiters, &LimiterDescriptor::name);
constexpr auto kOverflowNames = names_of(kOverflows, &OverflowDescriptor::name);
constexpr std::array<std::string_view, 3> kDispatchNames = {"shared", "round_robin", "least_loaded"};

template <class Enum, std::size_t N>
std::optional<Enum> parse_name(const std::array<std::string_view, N>& names, std::string_view name) {
  for (std::size_t i = 0; i < N; ++i) {
    if (names[i] == name) return static_cast<Enum>(i);
  }
  return std::nullopt;
}

/// A setting's value as a number, for "did it change?" (names compare by enum).
double setting_value(std::string_view key, const PoolSpec& p, const LimiterSpec& l) {
  if (key == "pool.dispatch") return static_cast<double>(p.dispatch);
  if (key == "pool.workers") return p.workers;
  if (key == "pool.queue_capacity") return static_cast<double>(p.queue_capacity);
  if (key == "pool.overflow") return static_cast<double>(p.overflow);
  if (key == "pool.aging_ms") return static_cast<double>(p.aging_interval);
  if (key == "pool.levels") return p.levels;
  if (key == "pool.min_workers") return p.min_workers;
  if (key == "pool.max_workers") return p.max_workers;
  if (key == "pool.scale_up_factor") return p.scale_up_factor;
  if (key == "pool.idle_timeout_ms") return static_cast<double>(p.idle_timeout);
  if (key == "pool.scale_interval_ms") return static_cast<double>(p.scale_interval);
  if (key == "pool.max_threads") return p.max_threads;
  if (key == "limiter.rate") return l.rate;
  if (key == "limiter.burst") return l.burst;
  if (key == "limiter.max_in_flight") return l.max_in_flight;
  if (key == "limiter.drop") return l.drop ? 1 : 0;
  assert(false && "a descriptor names a setting setting_value() does not know");
  return 0;
}

}  // namespace

// [SECTION] Lookups -----------------------------------------------------------

const StrategyDescriptor& describe(Strategy s) { return kStrategies[static_cast<std::size_t>(s)]; }
const LimiterDescriptor& describe(LimiterKind k) { return kLimiters[static_cast<std::size_t>(k)]; }
const OverflowDescriptor& describe(Overflow o) { return kOverflows[static_cast<std::size_t>(o)]; }
std::span<const StrategyDescriptor> strategy_descriptors() { return kStrategies; }
std::span<const LimiterDescriptor> limiter_descriptors() { return kLimiters; }

bool reads(std::span<const SettingUse> settings, std::string_view key) {
  return std::any_of(settings.begin(), settings.end(), [key](const SettingUse& use) { return use.key == key; });
}

int fixed_servers(const PoolSpec& pool, int hardware_threads) {
  if (!describe(pool.strategy).fixed_servers) return 0;
  return pool.workers > 0 ? pool.workers : std::max(1, hardware_threads);
}

bool has_worker_queues(const PoolSpec& pool) {
  return describe(pool.strategy).per_worker_queues ||
         (pool.strategy == Strategy::fixed && pool.dispatch != Dispatch::shared);
}

std::vector<std::string> restart_needed(const PoolSpec& running_pool, const LimiterSpec& running_limiter,
                                        const PoolSpec& edited_pool, const LimiterSpec& edited_limiter) {
  std::vector<std::string> out;
  auto check = [&](std::span<const SettingUse> settings) {
    for (const SettingUse& use : settings) {
      if (use.apply != Apply::restart) continue;
      if (setting_value(use.key, running_pool, running_limiter) !=
          setting_value(use.key, edited_pool, edited_limiter)) {
        out.emplace_back(use.key);
      }
    }
  };
  const StrategyDescriptor& strategy = describe(edited_pool.strategy);
  check(strategy.settings);
  if (!strategy.thread_per_job) check(kQueueSettings);
  check(describe(edited_limiter.kind).settings);
  return out;
}

// [SECTION] Names and factories -----------------------------------------------

std::string_view to_string(Strategy s) { return describe(s).name; }
std::string_view to_string(Dispatch d) { return kDispatchNames[static_cast<std::size_t>(d)]; }
std::string_view to_string(LimiterKind k) { return describe(k).name; }

std::span<const std::string_view> strategy_names() { return kStrategyNames; }
std::span<const std::string_view> dispatch_names() { return kDispatchNames; }
std::span<const std::string_view> overflow_names() { return kOverflowNames; }
std::span<const std::string_view> limiter_names() { return kLimiterNames; }

std::optional<Strategy> parse_strategy(std::string_view n) { return parse_name<Strategy>(kStrategyNames, n); }
std::optional<Dispatch> parse_dispatch(std::string_view n) { return parse_name<Dispatch>(kDispatchNames, n); }
std::optional<Overflow> parse_overflow(std::string_view n) { return parse_name<Overflow>(kOverflowNames, n); }
std::optional<LimiterKind> parse_limiter(std::string_view n) { return parse_name<LimiterKind>(kLimiterNames, n); }

std::shared_ptr<Limiter> make_limiter(const LimiterSpec& spec, Clock& clock, EventBus* bus,
                                      std::uint8_t source) {
  const LimiterDescriptor& d = describe(spec.kind);
  return d.make != nullptr ? d.make(spec, clock, bus, source) : nullptr;
}

std::unique_ptr<Executor> make_executor(const PoolSpec& spec, ExecutorEnv env) {
  return describe(spec.strategy).make(spec, std::move(env));
}

}  // namespace poolviz
