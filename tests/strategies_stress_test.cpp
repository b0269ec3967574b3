// Random mixes of every strategy, sizes, overflow policies, limiters, failures
// with retries, child spawning and shutdown points (drain or cancel, racing a
// submitter): no job is lost (the accounting invariant holds, nothing is left
// outstanding) and no job succeeds twice or runs more attempts than allowed.
// Seeded: a failure prints the seed and the round's configuration.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

#include "poolviz/concurrency_limiter.h"
#include "poolviz/pipeline.h"
#include "poolviz/pool_spec.h"
#include "poolviz/token_bucket_limiter.h"
#include "support/accounting.h"
#include "support/test_jobs.h"
#include "support/watchdog.h"

namespace poolviz {
namespace {

using test::Watchdog;

#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
constexpr int kRounds = 40;
constexpr int kMaxJobs = 120;
#else
constexpr int kRounds = 120;
constexpr int kMaxJobs = 400;
#endif
constexpr int kMaxAttempts = 3;

/// What happened to each job, by index (outer jobs first, then children).
struct Ledger {
  explicit Ledger(std::size_t n) : attempts(n), succeeded(n) {}
  std::vector<std::atomic<int>> attempts;
  std::vector<std::atomic<int>> succeeded;
  std::atomic<int> next_child{0};
};

bool fails(std::uint64_t seed, int index, int attempt, int percent) {
  std::uint64_t z = seed * 0x9e3779b97f4a7c15ULL + static_cast<std::uint64_t>(index) * 131 +
                    static_cast<std::uint64_t>(attempt);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return static_cast<int>((z ^ (z >> 31)) % 100) < percent;
}

struct Round {
  std::uint64_t seed = 0;
  PoolSpec spec;
  bool with_limiter = false;
  int jobs = 0;
  int fail_percent = 0;
  int spawn_percent = 0;
  int shutdown_after = 0;  // submissions before shutdown starts
  ShutdownMode mode = ShutdownMode::drain;

  std::string describe() const {
    std::ostringstream out;
    out << "seed=" << seed << " strategy=" << to_string(spec.strategy)
        << " dispatch=" << to_string(spec.dispatch) << " workers=" << spec.workers
        << " capacity=" << spec.queue_capacity << " overflow=" << to_string(spec.overflow)
        << " limiter=" << with_limiter << " jobs=" << jobs << " fail%=" << fail_percent
        << " spawn%=" << spawn_percent << " shutdown_after=" << shutdown_after
        << " mode=" << (mode == ShutdownMode::drain ? "drain" : "cancel");
    return out.str();
  }
};

Round random_round(std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  Round r;
  r.seed = seed;
  const auto strategies = strategy_names();
  r.spec.strategy = *parse_strategy(
      strategies[static_cast<std::size_t>(pick(0, static_cast<int>(strategies.size()) - 1))]);
  if (r.spec.strategy == Strategy::fixed) r.spec.dispatch = static_cast<Dispatch>(pick(0, 2));
  r.spec.workers = pick(1, 6);
  r.spec.min_workers = 1;
  r.spec.max_workers = pick(1, 6);
  r.spec.idle_timeout = kMillisecond;
  r.spec.max_threads = 64;
  if (pick(0, 1) == 1) {
    r.spec.queue_capacity = static_cast<std::size_t>(pick(1, 16));
    r.spec.overflow = static_cast<Overflow>(pick(0, 3));
  }
  r.with_limiter = pick(0, 3) == 0;
  r.jobs = pick(1, r.spec.strategy == Strategy::thread_per_task ? 60 : kMaxJobs);
  r.fail_percent = pick(0, 2) * 20;
  r.spawn_percent = pick(0, 1) * 25;
  r.shutdown_after = pick(0, r.jobs);
  r.mode = pick(0, 1) == 0 ? ShutdownMode::drain : ShutdownMode::cancel;
  return r;
}

JobFn job_body(Ledger& ledger, const Round& round, int index, int child_base, int child_room) {
  return [&ledger, &round, index, child_base, child_room](JobContext& ctx) {
    const int attempt =
        ledger.attempts[static_cast<std::size_t>(index)].fetch_add(1, std::memory_order_relaxed) +
        1;
    if (index < round.jobs && fails(round.seed + 1, index, 0, round.spawn_percent) &&
        attempt == 1) {
      const int child = child_base + ledger.next_child.fetch_add(1, std::memory_order_relaxed);
      if (child < child_base + child_room) {
        Job job;
        job.retry.max_attempts = kMaxAttempts;
        job.fn = job_body(ledger, round, child, child_base, child_room);
        ctx.spawn(std::move(job));
      }
    }
    if (fails(round.seed, index, attempt, round.fail_percent)) throw std::runtime_error("injected");
    ledger.succeeded[static_cast<std::size_t>(index)].fetch_add(1, std::memory_order_relaxed);
  };
}

void run_round(const Round& round) {
  SCOPED_TRACE(round.describe());
  RealClock clock;
  ExecutorEnv env;
  env.clock = &clock;
  if (round.with_limiter) {
    if (round.seed % 2 == 0) {
      ConcurrencyConfig permits;
      permits.max_in_flight = 2;
      env.limiter = std::make_shared<ConcurrencyLimiter>(permits, clock);
    } else {
      TokenBucketConfig bucket;
      bucket.capacity = 20;
      bucket.rate = 20'000;
      env.limiter = std::make_shared<TokenBucketLimiter>(bucket, clock);
    }
  }
  const int child_room = round.jobs;
  Ledger ledger(static_cast<std::size_t>(round.jobs + child_room));
  std::unique_ptr<Executor> pool = make_executor(round.spec, env);

  test::Tally submitted;
  std::thread submitter([&] {
    for (int i = 0; i < round.jobs; ++i) {
      Job job;
      job.retry.max_attempts = kMaxAttempts;
      job.fn = job_body(ledger, round, i, round.jobs, child_room);
      (void)pool->submit(std::move(job));
      submitted.add();
    }
  });
  submitted.wait_for(round.shutdown_after);
  pool->shutdown(round.mode);
  submitter.join();
  pool->shutdown(ShutdownMode::drain);  // idempotent: after a first shutdown it does nothing

  const ExecutorStats s = pool->stats();
  EXPECT_TRUE(test::accounting_holds(s));
  std::uint64_t successes = 0;
  for (std::size_t i = 0; i < ledger.attempts.size(); ++i) {
    const int attempts = ledger.attempts[i].load();
    const int succeeded = ledger.succeeded[i].load();
    ASSERT_LE(attempts, kMaxAttempts) << "job " << i << " ran too many attempts";
    ASSERT_LE(succeeded, 1) << "job " << i << " succeeded twice";
    successes += static_cast<std::uint64_t>(succeeded);
  }
  EXPECT_EQ(successes, s.completed) << "completions the executor counted vs jobs that succeeded";
}

TEST(StrategiesStress, RandomMixesLoseNothingAndRunNothingTwice) {
  Watchdog watchdog(std::chrono::seconds(100), "strategies stress");
  const std::uint64_t base = 0x5eed0000;
  for (int i = 0; i < kRounds; ++i) {
    run_round(random_round(base + static_cast<std::uint64_t>(i)));
    if (HasFatalFailure()) return;
  }
}

// Pipelines: random stage counts and sizes, failures, cancel or drain at a
// random point. Every item passes each stage at most once and the counts chain.
TEST(StrategiesStress, RandomPipelinesKeepPerStageAccounting) {
  Watchdog watchdog(std::chrono::seconds(100), "pipeline stress");
  for (int round = 0; round < kRounds / 2; ++round) {
    std::mt19937_64 rng(0xb1be0000 + static_cast<std::uint64_t>(round));
    auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
    const int stages = pick(1, 4);
    const int items = pick(1, kMaxJobs);
    const bool cancel = pick(0, 1) == 1;
    const int stop_after = pick(0, items);
    SCOPED_TRACE(::testing::Message() << "round " << round << " stages=" << stages
                                      << " items=" << items << " cancel=" << cancel);
    std::vector<std::atomic<int>> passes(static_cast<std::size_t>((items + 1) * stages));
    RealClock clock;
    ExecutorEnv env;
    env.clock = &clock;
    std::vector<PipelineStage> specs;
    for (int k = 0; k < stages; ++k) {
      PipelineStage stage;
      stage.workers = pick(1, 3);
      stage.queue_capacity = static_cast<std::size_t>(pick(1, 8));
      const int fail_percent = pick(0, 1) * 10;
      stage.work = [&passes, k, stages, fail_percent](JobContext& ctx) {
        if (static_cast<int>(ctx.id().value % 100) < fail_percent &&
            ctx.id().value % 7 == static_cast<std::uint64_t>(k)) {
          throw std::runtime_error("stage failure");
        }
        passes[static_cast<std::size_t>(ctx.id().value) * static_cast<std::size_t>(stages) +
               static_cast<std::size_t>(k)]
            .fetch_add(1, std::memory_order_relaxed);
      };
      specs.push_back(std::move(stage));
    }
    Pipeline pipeline(std::move(specs), env);
    test::Tally submitted;
    std::thread submitter([&] {
      for (int i = 0; i < items; ++i) {
        Job item;
        item.id = JobId{static_cast<std::uint64_t>(i + 1)};
        (void)pipeline.submit(item);
        submitted.add();
      }
    });
    submitted.wait_for(stop_after);
    pipeline.shutdown(cancel ? ShutdownMode::cancel : ShutdownMode::drain);
    submitter.join();
    pipeline.shutdown(ShutdownMode::drain);

    for (const auto& p : passes) ASSERT_LE(p.load(), 1);
    for (int k = 0; k < stages; ++k) {
      const ExecutorStats s = pipeline.stage_stats(static_cast<std::size_t>(k));
      EXPECT_TRUE(test::accounting_holds(s)) << "stage " << k;
      if (k + 1 < stages) {
        EXPECT_EQ(s.completed, pipeline.stage_stats(static_cast<std::size_t>(k + 1)).submitted)
            << "stage " << k << "'s completions must all reach stage " << k + 1;
      }
    }
    EXPECT_TRUE(test::accounting_holds(pipeline.stats()));
    if (HasFatalFailure()) return;
  }
}

}  // namespace
}  // namespace poolviz
