#include "poolviz/pool_spec.h"

#include <algorithm>
#include <array>

#include "poolviz/concurrency_limiter.h"
#include "poolviz/worker_pool.h"
#include "poolviz/priority_queue.h"
#include "poolviz/thread_per_task.h"
#include "poolviz/ticker_limiter.h"
#include "poolviz/token_bucket_limiter.h"
#include "poolviz/work_stealing.h"

namespace poolviz {

namespace {

constexpr std::array<std::string_view, 6> kStrategyNames = {
    "thread_per_task", "fixed", "priority", "priority_levels", "dynamic", "work_stealing"};
constexpr std::array<std::string_view, 3> kDispatchNames = {"shared", "round_robin", "least_loaded"};
constexpr std::array<std::string_view, 4> kOverflowNames = {"block", "reject", "drop_oldest",
                                                            "caller_runs"};
constexpr std::array<std::string_view, 4> kLimiterNames = {"none", "ticker", "token_bucket",
                                                           "max_concurrency"};

template <class Enum, std::size_t N>
std::optional<Enum> parse_name(const std::array<std::string_view, N>& names, std::string_view name) {
  for (std::size_t i = 0; i < N; ++i) {
    if (names[i] == name) return static_cast<Enum>(i);
  }
  return std::nullopt;
}

}  // namespace

std::string_view to_string(Strategy s) { return kStrategyNames[static_cast<std::size_t>(s)]; }
std::string_view to_string(Dispatch d) { return kDispatchNames[static_cast<std::size_t>(d)]; }
std::string_view to_string(LimiterKind k) { return kLimiterNames[static_cast<std::size_t>(k)]; }

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
  const double rate = spec.rate > 0 ? spec.rate : 1.0;
  switch (spec.kind) {
    case LimiterKind::none: return nullptr;
    case LimiterKind::ticker:
      return std::make_shared<TickerLimiter>(
          TickerConfig{std::max<Nanos>(1, from_seconds(1.0 / rate)), spec.drop}, clock, bus, source);
    case LimiterKind::token_bucket:
      return std::make_shared<TokenBucketLimiter>(
          TokenBucketConfig{std::max(1, static_cast<int>(spec.burst)), rate, spec.drop}, clock, bus,
          source);
    case LimiterKind::max_concurrency:
      return std::make_shared<ConcurrencyLimiter>(
          ConcurrencyConfig{std::max(1, spec.max_in_flight), spec.drop}, clock, bus, source);
  }
  return nullptr;
}

std::unique_ptr<Executor> make_executor(const PoolSpec& spec, ExecutorEnv env) {
  PoolConfig pool;
  pool.workers = spec.workers;
  pool.queue_capacity = spec.queue_capacity;
  pool.overflow = spec.overflow;
  switch (spec.strategy) {
    case Strategy::thread_per_task:
      return std::make_unique<ThreadPerTask>(ThreadPerTaskConfig{spec.max_threads}, std::move(env));
    case Strategy::fixed:
      pool.dispatch = spec.dispatch;
      return std::make_unique<WorkerPool>(pool, std::move(env));
    case Strategy::priority: {
      auto heap = std::make_unique<PriorityQueue>(spec.aging_interval, env.clock);
      return std::make_unique<WorkerPool>(pool, std::move(env), std::move(heap));
    }
    case Strategy::priority_levels: {
      auto levels = std::make_unique<PriorityLevelsQueue>(spec.levels > 0 ? spec.levels : 3);
      return std::make_unique<WorkerPool>(pool, std::move(env), std::move(levels));
    }
    case Strategy::dynamic:
      pool.scaling.min_workers = spec.min_workers;
      pool.scaling.max_workers = spec.max_workers > 0 ? spec.max_workers : 4 * hardware_workers();
      pool.scaling.scale_up_factor = spec.scale_up_factor;
      pool.scaling.idle_timeout = spec.idle_timeout;
      pool.scaling.scale_interval = spec.scale_interval;
      return std::make_unique<WorkerPool>(pool, std::move(env));
    case Strategy::work_stealing: {
      WorkStealingConfig stealing;
      stealing.workers = spec.workers;
      return std::make_unique<WorkStealingExecutor>(stealing, std::move(env));
    }
    default:
      return std::make_unique<WorkerPool>(pool, std::move(env));
  }
}

}  // namespace poolviz
