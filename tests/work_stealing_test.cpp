// Work stealing: every job runs exactly once (deque and executor, 1..8
// thieves, child spawning), fork-join returns the right answer without
// blocking workers, and idle workers steal from a loaded one.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <thread>
#include <vector>

#include "poolviz/pool_spec.h"
#include "poolviz/work_stealing.h"
#include "support/accounting.h"
#include "support/event_recorder.h"
#include "support/test_jobs.h"
#include "support/watchdog.h"

namespace poolviz {
namespace {

using test::make_job;
using test::Watchdog;

#if defined(__SANITIZE_THREAD__)
constexpr int kScale = 10;  // TSan: a tenth of the jobs, same shapes
#else
constexpr int kScale = 1;
#endif

using test::env_of;

WorkStealingConfig workers(int n) {
  WorkStealingConfig config;
  config.workers = n;
  return config;
}

// [SECTION] The deque on its own ---------------------------------------------

class DequeThieves : public ::testing::TestWithParam<int> {};

// The owner pushes N items and takes some back (LIFO) while 1..8 thieves steal
// (FIFO); every item must come out exactly once.
TEST_P(DequeThieves, EveryItemComesOutExactlyOnce) {
  Watchdog watchdog(std::chrono::seconds(90), "deque exactly-once");
  const int n = 100'000 / kScale;
  const int thieves = GetParam();
  std::vector<int> items(static_cast<std::size_t>(n));
  std::vector<std::atomic<int>> seen(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) items[static_cast<std::size_t>(i)] = i;
  ChaseLevDeque<int> deque(4);  // small: the ring grows while thieves read it
  std::atomic<int> taken{0};
  auto count = [&](int* item) {
    seen[static_cast<std::size_t>(*item)].fetch_add(1, std::memory_order_relaxed);
    taken.fetch_add(1, std::memory_order_relaxed);
  };

  std::vector<std::thread> threads;
  std::atomic<int> stolen{0};
  for (int t = 0; t < thieves; ++t) {
    threads.emplace_back([&] {
      while (taken.load(std::memory_order_relaxed) < n) {
        ChaseLevDeque<int>::StealResult why{};
        if (int* item = deque.steal(why)) {
          count(item);
          stolen.fetch_add(1, std::memory_order_relaxed);
        } else {
          std::this_thread::yield();
        }
      }
    });
  }
  for (int i = 0; i < n; ++i) {
    deque.push(&items[static_cast<std::size_t>(i)]);
    if (i == n / 2) {
      // Make sure thieves overlap with the owner (not only with the final drain).
      while (stolen.load(std::memory_order_relaxed) == 0) std::this_thread::yield();
    }
    if (i % 3 == 2) {
      if (int* item = deque.take()) count(item);
    }
  }
  while (int* item = deque.take()) count(item);
  for (auto& t : threads) t.join();

  EXPECT_EQ(taken.load(), n);
  int wrong = 0;
  for (int i = 0; i < n; ++i) {
    if (seen[static_cast<std::size_t>(i)].load() != 1) ++wrong;
  }
  EXPECT_EQ(wrong, 0) << "items not seen exactly once";
  EXPECT_EQ(deque.size(), 0);
}

INSTANTIATE_TEST_SUITE_P(ChaseLevDeque, DequeThieves, ::testing::Values(1, 2, 4, 8));

TEST(ChaseLevDeque, OwnerTakesNewestThiefTakesOldest) {
  int a = 1, b = 2, c = 3;
  ChaseLevDeque<int> deque;
  deque.push(&a);
  deque.push(&b);
  deque.push(&c);
  ChaseLevDeque<int>::StealResult why{};
  EXPECT_EQ(deque.take(), &c);
  EXPECT_EQ(deque.steal(why), &a);
  EXPECT_EQ(why, ChaseLevDeque<int>::StealResult::stolen);
  EXPECT_EQ(deque.take(), &b);
  EXPECT_EQ(deque.take(), nullptr);
  EXPECT_EQ(deque.steal(why), nullptr);
  EXPECT_EQ(why, ChaseLevDeque<int>::StealResult::empty);
}

// [SECTION] The executor -------------------------------------------------------

class StealingWorkers : public ::testing::TestWithParam<int> {};

// Outside submissions land in the injector; each spawns three children onto
// its worker's deque, one of which spawns a grandchild. 1..8 thieves.
TEST_P(StealingWorkers, EveryJobAndEveryChildRunsExactlyOnce) {
  Watchdog watchdog(std::chrono::seconds(90), "work stealing exactly-once");
  const int outer = 20'000 / kScale;
  constexpr int kPerOuter = 5;  // itself, 3 children, 1 grandchild
  const int total = outer * kPerOuter;
  std::vector<std::atomic<int>> runs(static_cast<std::size_t>(total));
  auto ran = [&](int index) {
    runs[static_cast<std::size_t>(index)].fetch_add(1, std::memory_order_relaxed);
  };

  ManualClock clock;
  WorkStealingExecutor pool(workers(GetParam()), env_of(clock));
  for (int i = 0; i < outer; ++i) {
    const int base = i * kPerOuter;
    ASSERT_TRUE(pool.submit(make_job([&, base](JobContext& ctx) {
      ran(base);
      for (int k = 1; k <= 3; ++k) {
        ASSERT_TRUE(ctx.spawn(make_job([&, base, k](JobContext& child) {
          ran(base + k);
          if (k == 3) {
            ASSERT_TRUE(child.spawn(make_job([&, base](JobContext&) { ran(base + 4); })));
          }
        })));
      }
    })));
  }
  pool.wait_idle();
  EXPECT_TRUE(pool.shutdown(ShutdownMode::drain).empty());

  int never = 0, twice = 0;
  for (const auto& r : runs) {
    if (r.load() == 0) ++never;
    if (r.load() > 1) ++twice;
  }
  EXPECT_EQ(never, 0);
  EXPECT_EQ(twice, 0);
  const ExecutorStats s = pool.stats();
  EXPECT_EQ(s.completed, static_cast<std::uint64_t>(total));
  test::expect_accounting(s);
}

INSTANTIATE_TEST_SUITE_P(WorkStealing, StealingWorkers, ::testing::Values(2, 3, 5, 9));

long fib(JobContext& ctx, int n) {
  if (n < 2) return n;
  long a = 0;
  JobGroup group(ctx);
  group.spawn([&a, n](JobContext& child) { a = fib(child, n - 1); });
  const long b = fib(ctx, n - 2);
  group.wait();
  return a + b;
}

TEST(WorkStealing, ForkJoinFibOf25ReturnsTheRightAnswer) {
  Watchdog watchdog(std::chrono::seconds(90), "fork-join fib(25)");
  ManualClock clock;
  WorkStealingExecutor pool(workers(4), env_of(clock));
  std::atomic<long> result{-1};
  ASSERT_TRUE(pool.submit(make_job([&](JobContext& ctx) { result = fib(ctx, 25); })));
  pool.wait_idle();
  EXPECT_EQ(result.load(), 75025);
  pool.shutdown(ShutdownMode::drain);
  const ExecutorStats s = pool.stats();
  // One job per fib(n >= 2) call, plus the root: fib(26) - 1 + 1.
  EXPECT_EQ(s.completed, 121393U);
  test::expect_accounting(s);
}

TEST(WorkStealing, ForkJoinWorksWithASingleWorker) {
  Watchdog watchdog(std::chrono::seconds(60), "fork-join on one worker");
  ManualClock clock;
  WorkStealingExecutor pool(workers(1), env_of(clock));
  std::atomic<long> result{-1};
  ASSERT_TRUE(pool.submit(make_job([&](JobContext& ctx) { result = fib(ctx, 15); })));
  pool.shutdown(ShutdownMode::drain);
  EXPECT_EQ(result.load(), 610);
}

// The parent fills its own deque, then blocks without helping: only thieves
// can run the children, so every child is stolen from the parent's worker.
TEST(WorkStealing, IdleWorkersStealFromTheLoadedWorker) {
  Watchdog watchdog(std::chrono::seconds(60), "steals");
  ManualClock clock;
  EventBus bus;
  test::EventRecorder recorder;
  bus.attach(&recorder);
  WorkStealingExecutor pool(workers(4), env_of(clock, &bus));
  constexpr int kChildren = 20;
  test::Tally children_done;
  std::atomic<int> parent_worker{-1};
  ASSERT_TRUE(pool.submit(make_job([&](JobContext& ctx) {
    parent_worker = ctx.worker();
    for (int i = 0; i < kChildren; ++i) {
      ctx.spawn(make_job([&](JobContext& child) {
        EXPECT_NE(child.worker(), parent_worker.load());
        children_done.add();
      }));
    }
    children_done.wait_for(kChildren);  // blocks this worker on purpose
  })));
  pool.shutdown(ShutdownMode::drain);
  bus.drain(true);

  EXPECT_EQ(pool.stats().steals, static_cast<std::uint64_t>(kChildren));
  int stolen_events = 0;
  for (const Event& e : recorder.events()) {
    if (e.kind != EventKind::stolen) continue;
    ++stolen_events;
    EXPECT_EQ(e.stolen.victim, parent_worker.load()) << "victim";
    EXPECT_NE(e.worker, parent_worker.load()) << "thief";
    EXPECT_GE(e.worker, 0);
    EXPECT_LT(e.worker, 4);
  }
  EXPECT_EQ(stolen_events, kChildren);
  EXPECT_GE(recorder.count(EventKind::worker_parked), 1U);
}

// A child that fails once waits out its backoff in the retry timer, not in any
// deque; the only worker is inside the parent's wait. It must be woken when
// the retry comes back, or this deadlocks.
TEST(WorkStealing, ParentOnTheOnlyWorkerWaitsForAChildInRetryBackoff) {
  Watchdog watchdog(std::chrono::seconds(60), "join across a retry");
  ManualClock clock;
  WorkStealingExecutor pool(workers(1), env_of(clock));
  std::atomic<int> attempts{0};
  std::atomic<bool> parent_done{false};
  ASSERT_TRUE(pool.submit(make_job([&](JobContext& ctx) {
    JobGroup group(ctx);
    Job child = make_job([&](JobContext&) {
      if (attempts.fetch_add(1) == 0) throw std::runtime_error("transient");
    });
    child.retry.max_attempts = 3;
    child.retry.base_backoff = kSecond;
    ASSERT_TRUE(group.spawn(std::move(child)));
    group.wait();
    parent_done = true;
  })));
  clock.wait_for_sleepers(1);  // the retry timer waits for t = 1 s
  clock.advance(kSecond);
  pool.wait_idle();
  EXPECT_TRUE(parent_done.load());
  EXPECT_EQ(attempts.load(), 2);
  pool.shutdown(ShutdownMode::drain);
  const ExecutorStats s = pool.stats();
  EXPECT_EQ(s.retried, 1U);
  EXPECT_EQ(s.completed, 2U);
  test::expect_accounting(s);
}

TEST(WorkStealing, CancelEndsRunningJobsAndReturnsTheUnrunOnes) {
  Watchdog watchdog(std::chrono::seconds(60), "work stealing cancel");
  ManualClock clock;
  WorkStealingExecutor pool(workers(2), env_of(clock));
  test::JobGate gate;
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(pool.submit(make_job([&](JobContext& ctx) { gate.pass(ctx); })));
  }
  gate.wait_for_arrivals(2);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(pool.submit(make_job([](JobContext&) {})));
  const std::vector<Job> unrun = pool.shutdown(ShutdownMode::cancel);
  EXPECT_EQ(unrun.size(), 10U);
  const ExecutorStats s = pool.stats();
  EXPECT_EQ(s.cancelled, 12U);
  EXPECT_EQ(s.completed, 0U);
  test::expect_accounting(s);
  EXPECT_EQ(pool.submit(make_job([](JobContext&) {})).reason, RejectReason::shut_down);
}

// Cancel while parents are inside JobGroup::wait with children still queued:
// the helpers end those children cancelled, so the join returns and the
// workers can be joined.
TEST(WorkStealing, CancelDuringForkJoinDoesNotHang) {
  Watchdog watchdog(std::chrono::seconds(60), "cancel during fork-join");
  ManualClock clock;
  WorkStealingExecutor pool(workers(2), env_of(clock));
  test::JobGate gate;
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(pool.submit(make_job([&](JobContext& ctx) {
      JobGroup group(ctx);
      for (int k = 0; k < 8; ++k) group.spawn([&](JobContext& child) { gate.pass(child); });
      group.wait();
    })));
  }
  gate.wait_for_arrivals(2);
  pool.shutdown(ShutdownMode::cancel);
  test::expect_accounting(pool.stats());
}

TEST(WorkStealing, MakeExecutorBuildsIt) {
  ManualClock clock;
  PoolSpec spec;
  spec.strategy = Strategy::work_stealing;
  spec.workers = 3;
  auto pool = make_executor(spec, env_of(clock));
  EXPECT_EQ(pool->strategy(), "work_stealing");
  EXPECT_EQ(pool->stats().workers_alive, 3);
  std::atomic<int> ran{0};
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(pool->submit(make_job([&](JobContext&) { ++ran; })));
  pool->shutdown(ShutdownMode::drain);
  EXPECT_EQ(ran.load(), 10);
}

}  // namespace
}  // namespace poolviz
