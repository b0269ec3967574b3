#include "poolviz/pool_spec.h"

#include <algorithm>
#include <array>

#include "poolviz/concurrency_limiter.h"
#include "poolviz/fixed_pool.h"
#include "poolviz/thread_per_task.h"
#include "poolviz/ticker_limiter.h"
#include "poolviz/token_bucket_limiter.h"

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
  const PoolConfig pool{spec.workers, spec.queue_capacity, spec.overflow};
  switch (spec.strategy) {
    case Strategy::thread_per_task:
      return std::make_unique<ThreadPerTask>(ThreadPerTaskConfig{spec.max_threads}, std::move(env));
    case Strategy::fixed:
      return std::make_unique<FixedPool>(pool, std::move(env));
    // TODO(strategies issue): priority, priority_levels, dynamic, work_stealing, dispatch.
    default:
      return std::make_unique<FixedPool>(pool, std::move(env));
  }
}

}  // namespace poolviz
