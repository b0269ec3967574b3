// poolviz/pool_spec.h — one plain description of any pool and limiter, and the
// factory that turns it into a running executor.
//
// Scenarios, the CLI's --set, the GUI's controls and `serve`'s PUT /pool all
// speak PoolSpec / LimiterSpec; only make_executor() and make_limiter() know
// the concrete strategy classes. Adding a strategy = a class, a Strategy
// value, a name in strategy_names(), and a case in make_executor().
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string_view>

#include "poolviz/clock.h"
#include "poolviz/dispatcher.h"
#include "poolviz/executor.h"

namespace poolviz {

enum class Strategy : std::uint8_t {
  thread_per_task,  // one OS thread per job (the anti-pattern)
  fixed,            // N workers, one shared FIFO queue
  priority,         // N workers, one shared priority heap (optional aging)
  priority_levels,  // N workers, one FIFO per level, highest level first
  dynamic,          // shared FIFO, workers between min and max
  work_stealing,    // a deque per worker, a shared injector, random-victim steals
};

enum class LimiterKind : std::uint8_t { none, ticker, token_bucket, max_concurrency };

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
  double burst = 0;       // token bucket capacity (starts full); 0 = 1
  int max_in_flight = 0;  // max_concurrency
  bool drop = false;      // refuse at submit (limiter_drop) instead of holding at the gate
};

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
