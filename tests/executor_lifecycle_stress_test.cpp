// Executor life cycles under stress: many create/submit/destroy cycles, and
// submitters racing shutdown. Bounded in count, seeded, guarded by watchdogs;
// sized to stay well under 20 s under TSan on 2 cores.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <random>
#include <stdexcept>
#include <thread>
#include <vector>

#include "poolviz/clock.h"
#include "poolviz/worker_pool.h"
#include "poolviz/thread_per_task.h"
#include "support/accounting.h"
#include "support/test_jobs.h"
#include "support/watchdog.h"

namespace poolviz {
namespace {

using test::expect_accounting;
using test::make_job;
using test::Tally;
using test::Watchdog;
using namespace std::chrono_literals;

using test::env_of;

enum class Ending { destroy, cancel, drain };

/// One of several job shapes; `may_block` allows jobs that wait on the clock
/// (only cancellation or an advance ends them).
Job random_job(std::mt19937& rng, bool may_block) {
  switch (std::uniform_int_distribution<int>(0, may_block ? 4 : 2)(rng)) {
    case 0:
      return make_job([](JobContext&) {});
    case 1:
      return make_job([](JobContext&) { throw std::runtime_error("stress failure"); });
    case 2: {
      Job job = make_job([](JobContext& ctx) {
        if (ctx.attempt() == 1) throw std::runtime_error("retried at once");
      });
      job.retry = RetryPolicy{.max_attempts = 2};
      return job;
    }
    case 3:
      return make_job([](JobContext& ctx) { ctx.sleep_until(kNever); });
    default: {  // fails, then waits out a backoff on the manual clock
      Job job = make_job([](JobContext&) { throw std::runtime_error("retried after a backoff"); });
      job.retry = RetryPolicy{.max_attempts = 3, .base_backoff = 1 * kSecond};
      return job;
    }
  }
}

void run_cycle(std::mt19937& rng, int cycle) {
  ManualClock clock;
  const auto ending = static_cast<Ending>(cycle % 3);
  // Only endings that cancel may leave jobs blocked on the clock.
  const bool may_block = ending != Ending::drain;
  std::unique_ptr<Executor> executor;
  if (cycle % 4 == 3) {
    executor =
        std::make_unique<ThreadPerTask>(ThreadPerTaskConfig{.max_threads = 3}, env_of(clock));
  } else {
    const Overflow overflows[] = {Overflow::reject, Overflow::drop_oldest, Overflow::caller_runs,
                                  Overflow::block};
    PoolConfig config;
    config.workers = std::uniform_int_distribution<int>(1, 2)(rng);
    config.queue_capacity = std::uniform_int_distribution<std::size_t>(0, 4)(rng);
    config.overflow = overflows[cycle % 4];
    executor = std::make_unique<WorkerPool>(config, env_of(clock));
  }
  const int jobs = std::uniform_int_distribution<int>(0, 6)(rng);
  for (int i = 0; i < jobs; ++i) {
    // try_submit: a blocking submit or a caller-run clock wait could stall the cycle.
    executor->try_submit(random_job(rng, may_block));
  }
  if (cycle % 5 == 0) executor->set_workers(std::uniform_int_distribution<int>(1, 4)(rng));
  switch (ending) {
    case Ending::destroy:
      break;
    case Ending::cancel:
      executor->shutdown(ShutdownMode::cancel);
      expect_accounting(executor->stats());
      break;
    case Ending::drain:
      executor->shutdown(ShutdownMode::drain);
      expect_accounting(executor->stats());
      break;
  }
  executor.reset();  // destruction of a running (or shut) executor returns
}

TEST(LifecycleStress, AThousandCreateSubmitDestroyCyclesFinishWithoutAHang) {
  Watchdog watchdog(90s, "1,000 create/submit/destroy cycles");
  std::mt19937 rng(20261125);
  for (int cycle = 0; cycle < 1000; ++cycle) {
    run_cycle(rng, cycle);
    if (::testing::Test::HasFailure()) {
      FAIL() << "cycle " << cycle;
    }
  }
}

/// Submitters race a shutdown: every job is either accepted, and then ends
/// exactly once (ran, or cancelled), or refused and never runs.
void race_submitters_with_shutdown(Executor& executor, ShutdownMode mode, int per_submitter) {
  constexpr int kSubmitters = 3;
  std::vector<std::atomic<int>> runs(kSubmitters * per_submitter);
  std::vector<std::atomic<int>> answer(kSubmitters * per_submitter);  // 1 accepted, 2 refused
  Tally ran;
  std::vector<std::thread> submitters;
  for (int s = 0; s < kSubmitters; ++s) {
    submitters.emplace_back([&, s] {
      for (int i = 0; i < per_submitter; ++i) {
        const auto slot = static_cast<std::size_t>(s * per_submitter + i);
        Job job = make_job([&runs, &ran, slot](JobContext&) {
          runs[slot].fetch_add(1, std::memory_order_relaxed);
          ran.add();
        });
        const SubmitResult r =
            (i % 2 == 0) ? executor.submit(std::move(job)) : executor.try_submit(std::move(job));
        answer[slot] = r.accepted() ? 1 : 2;
        if (!r.accepted()) {
          EXPECT_TRUE(r.reason == RejectReason::shut_down || r.reason == RejectReason::queue_full ||
                      r.reason == RejectReason::thread_cap)
              << to_string(r.reason);
        }
      }
    });
  }
  ran.wait_for(50);  // shut down mid-stream
  std::vector<Job> unrun = executor.shutdown(mode);
  for (auto& t : submitters) t.join();

  const ExecutorStats s = executor.stats();
  expect_accounting(s);
  std::uint64_t total_runs = 0;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    ASSERT_LE(runs[i].load(), 1) << "job " << i << " ran twice";
    if (answer[i] == 2) {
      ASSERT_EQ(runs[i].load(), 0) << "refused job " << i << " ran";
    }
    if (mode == ShutdownMode::drain && answer[i] == 1) {
      ASSERT_EQ(runs[i].load(), 1) << "accepted job " << i << " never ran under drain";
    }
    total_runs += static_cast<std::uint64_t>(runs[i].load());
  }
  EXPECT_EQ(s.completed, total_runs);
  if (mode == ShutdownMode::drain) {
    EXPECT_TRUE(unrun.empty());
  }
}

TEST(LifecycleStress, SubmittersRacingADrainEitherRunOnceOrAreRefused) {
  Watchdog watchdog(60s, "submitters racing a drain");
  for (int round = 0; round < 10; ++round) {
    ManualClock clock;
    WorkerPool pool(PoolConfig{.workers = 2, .queue_capacity = 8, .overflow = Overflow::block},
                   env_of(clock));
    race_submitters_with_shutdown(pool, ShutdownMode::drain, 300);
    if (HasFailure()) {
      FAIL() << "round " << round;
    }
  }
}

TEST(LifecycleStress, SubmittersRacingACancelNeverRunAJobTwiceOrARefusedOne) {
  Watchdog watchdog(60s, "submitters racing a cancel");
  for (int round = 0; round < 10; ++round) {
    ManualClock clock;
    WorkerPool pool(PoolConfig{.workers = 2, .queue_capacity = 8, .overflow = Overflow::block},
                   env_of(clock));
    race_submitters_with_shutdown(pool, ShutdownMode::cancel, 300);
    if (HasFailure()) {
      FAIL() << "round " << round;
    }
  }
}

TEST(LifecycleStress, SubmittersRacingAThreadPerTaskShutdownKeepTheAccounts) {
  Watchdog watchdog(60s, "thread-per-task racing shutdown");
  for (int round = 0; round < 2; ++round) {
    ManualClock clock;
    ThreadPerTask executor(ThreadPerTaskConfig{.max_threads = 64}, env_of(clock));
    race_submitters_with_shutdown(executor,
                                  round % 2 == 0 ? ShutdownMode::drain : ShutdownMode::cancel, 100);
    if (HasFailure()) {
      FAIL() << "round " << round;
    }
  }
}

}  // namespace
}  // namespace poolviz
