// WorkerPool: the JSR-166 TCK behaviours of ThreadPoolExecutor that apply to a
// pool of N workers on one shared queue, plus timeouts and retries.
//
// Determinism: jobs block at a JobGate or on the ManualClock, so "the queue is
// full" or "the job is running" is a fact the test waits for, never a guess.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "poolviz/clock.h"
#include "poolviz/compat_thread.h"
#include "poolviz/event.h"
#include "poolviz/worker_pool.h"
#include "support/accounting.h"
#include "support/event_recorder.h"
#include "support/test_jobs.h"
#include "support/watchdog.h"

namespace poolviz {
namespace {

using test::EventRecorder;
using test::expect_accounting;
using test::JobGate;
using test::make_job;
using test::Tally;
using test::Watchdog;
using namespace std::chrono_literals;

using test::env_of;

/// The order in which job bodies ran, by label.
class RunLog {
 public:
  void add(std::string label) {
    std::lock_guard lock(mutex_);
    order_.push_back(std::move(label));
  }
  std::vector<std::string> order() const {
    std::lock_guard lock(mutex_);
    return order_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> order_;
};

/// A pool of one worker whose queue (capacity 2) is full: job A holds the
/// worker at `gate`, jobs B and C wait in the queue. Each logs its label.
struct FullQueue {
  explicit FullQueue(Overflow overflow, EventBus* bus = nullptr)
      : pool(PoolConfig{.workers = 1, .queue_capacity = 2, .overflow = overflow},
             env_of(clock, bus)) {
    a = pool.submit(make_job([this](JobContext& ctx) {
      if (gate.pass(ctx)) log.add("A");
    }));
    gate.wait_for_arrivals(1);  // A has left the queue and holds the only worker
    b = pool.submit(logging("B"));
    c = pool.submit(logging("C"));
  }
  Job logging(std::string label) {
    return make_job([this, label](JobContext&) { log.add(label); });
  }

  ManualClock clock;
  JobGate gate;
  RunLog log;
  WorkerPool pool;
  SubmitResult a, b, c;
};

TEST(WorkerPool, ShutdownDrainRunsEveryAcceptedJobExactlyOnce) {
  Watchdog watchdog(60s, "WorkerPool drain of 1,000 jobs");
  ManualClock clock;
  constexpr int kProducers = 4;
  constexpr int kPerProducer = 250;
  std::vector<std::atomic<int>> runs(kProducers * kPerProducer);
  WorkerPool pool(PoolConfig{.workers = 4, .queue_capacity = 16, .overflow = Overflow::block},
                 env_of(clock));

  std::atomic<int> accepted{0};
  std::vector<std::thread> producers;
  for (int p = 0; p < kProducers; ++p) {
    producers.emplace_back([&, p] {
      for (int i = 0; i < kPerProducer; ++i) {
        const int slot = p * kPerProducer + i;
        // relaxed: the pool's queue mutex orders the increment before the check below.
        if (pool.submit(make_job([&runs, slot](JobContext&) {
              runs[static_cast<std::size_t>(slot)].fetch_add(1, std::memory_order_relaxed);
            }))) {
          accepted.fetch_add(1, std::memory_order_relaxed);
        }
      }
    });
  }
  for (auto& t : producers) t.join();
  pool.shutdown(ShutdownMode::drain);

  EXPECT_EQ(accepted.load(), kProducers * kPerProducer);  // `block` never refuses while open
  for (std::size_t i = 0; i < runs.size(); ++i) {
    ASSERT_EQ(runs[i].load(), 1) << "job " << i;
  }
  const ExecutorStats s = pool.stats();
  EXPECT_EQ(s.completed, static_cast<std::uint64_t>(kProducers * kPerProducer));
  EXPECT_EQ(s.workers_alive, 0);
  expect_accounting(s);
}

TEST(WorkerPool, ShutdownCancelReturnsTheJobsThatNeverRanAndNoneRunsLater) {
  Watchdog watchdog(60s, "WorkerPool cancel");
  std::vector<std::atomic<int>> runs(10);
  std::vector<JobId> queued;
  std::vector<Job> unrun;
  ExecutorStats s;
  {
    ManualClock clock;
    JobGate gate;
    WorkerPool pool(PoolConfig{.workers = 1}, env_of(clock));
    pool.submit(make_job([&](JobContext& ctx) { gate.pass(ctx); }));
    gate.wait_for_arrivals(1);
    for (std::size_t i = 0; i < runs.size(); ++i) {
      queued.push_back(pool.submit(make_job([&runs, i](JobContext&) { runs[i].fetch_add(1); })).id);
    }
    unrun = pool.shutdown(ShutdownMode::cancel);
    s = pool.stats();
    EXPECT_TRUE(pool.shutdown(ShutdownMode::cancel).empty()) << "a second shutdown returns nothing";
  }  // destroyed: no thread is left that could run anything later

  ASSERT_EQ(unrun.size(), queued.size());
  for (std::size_t i = 0; i < unrun.size(); ++i)
    EXPECT_EQ(unrun[i].id, queued[i]) << "in queue order";
  for (auto& r : runs) EXPECT_EQ(r.load(), 0);
  EXPECT_EQ(s.cancelled, 11U) << "10 never ran, and the running one saw the stop";
  EXPECT_EQ(s.completed, 0U);
  expect_accounting(s);
}

TEST(WorkerPool, SubmitAfterShutdownIsRejectedAsShutDownWhateverTheOverflowPolicy) {
  // As the TCK's policies on a shut-down executor: caller_runs does not run the
  // job, drop_oldest evicts nothing; every one of them refuses.
  for (Overflow overflow :
       {Overflow::block, Overflow::reject, Overflow::drop_oldest, Overflow::caller_runs})
    for (ShutdownMode mode : {ShutdownMode::drain, ShutdownMode::cancel}) {
      SCOPED_TRACE(std::string(to_string(overflow)) +
                   (mode == ShutdownMode::drain ? " after drain" : " after cancel"));
      ManualClock clock;
      WorkerPool pool(PoolConfig{.workers = 2, .queue_capacity = 1, .overflow = overflow},
                     env_of(clock));
      pool.shutdown(mode);
      std::atomic<bool> ran{false};
      const SubmitResult by_submit = pool.submit(make_job([&](JobContext&) { ran = true; }));
      const SubmitResult by_try = pool.try_submit(make_job([&](JobContext&) { ran = true; }));
      EXPECT_EQ(by_submit.reason, RejectReason::shut_down);
      EXPECT_EQ(by_try.reason, RejectReason::shut_down);
      EXPECT_FALSE(ran.load());
      const ExecutorStats s = pool.stats();
      EXPECT_EQ(s.submitted, 2U);
      EXPECT_EQ(s.rejected, 2U);
      expect_accounting(s);
    }
}

TEST(WorkerPool, RejectOverflowRefusesWithQueueFullAtCapacity) {
  Watchdog watchdog(60s, "reject overflow");
  FullQueue full(Overflow::reject);
  const SubmitResult d = full.pool.submit(full.logging("D"));
  const SubmitResult e = full.pool.try_submit(full.logging("E"));
  EXPECT_EQ(d.reason, RejectReason::queue_full);
  EXPECT_EQ(e.reason, RejectReason::queue_full);
  EXPECT_EQ(full.pool.stats().queue_depth, 2);

  full.gate.open();
  full.pool.wait_idle();
  EXPECT_EQ(full.log.order(), (std::vector<std::string>{"A", "B", "C"}));
  const ExecutorStats s = full.pool.stats();
  EXPECT_EQ(s.completed, 3U);
  EXPECT_EQ(s.rejected, 2U);
  expect_accounting(s);
}

TEST(WorkerPool, DropOldestOverflowEvictsTheOldestQueuedJobAndTakesTheNewOne) {
  Watchdog watchdog(60s, "drop_oldest overflow");
  EventBus bus;
  EventRecorder recorder;
  bus.attach(&recorder);
  FullQueue full(Overflow::drop_oldest, &bus);
  const SubmitResult d = full.pool.submit(full.logging("D"));
  EXPECT_TRUE(d.accepted());
  EXPECT_EQ(full.pool.stats().queue_depth, 2);

  full.gate.open();
  full.pool.wait_idle();
  EXPECT_EQ(full.log.order(), (std::vector<std::string>{"A", "C", "D"})) << "B was evicted unrun";
  const ExecutorStats s = full.pool.stats();
  EXPECT_EQ(s.completed, 3U);
  EXPECT_EQ(s.rejected, 1U) << "the evicted job counts as rejected";
  expect_accounting(s);

  full.pool.shutdown(ShutdownMode::drain);
  bus.drain(true);
  const auto b_events = recorder.of_job(full.b.id.value);
  ASSERT_FALSE(b_events.empty());
  EXPECT_EQ(b_events.back().kind, EventKind::rejected);
  EXPECT_EQ(b_events.back().rejected.reason, RejectReason::dropped_oldest);
  EXPECT_FALSE(test::has_event(b_events, EventKind::started, full.b.id.value));
}

TEST(WorkerPool, CallerRunsOverflowRunsTheJobOnTheSubmittingThread) {
  Watchdog watchdog(60s, "caller_runs overflow");
  FullQueue full(Overflow::caller_runs);
  std::thread::id ran_on;
  int worker = 0;
  const SubmitResult d = full.pool.submit(make_job([&](JobContext& ctx) {
    ran_on = std::this_thread::get_id();
    worker = ctx.worker();
    full.log.add("D");
  }));
  EXPECT_TRUE(d.accepted());
  // D ran inside submit(), while A still holds the worker and B, C still wait.
  EXPECT_EQ(full.log.order(), (std::vector<std::string>{"D"}));
  EXPECT_EQ(ran_on, std::this_thread::get_id());
  EXPECT_EQ(worker, -2) << "-2 marks the submitting thread";
  // try_submit never blocks, so it cannot run the job itself: it refuses.
  EXPECT_EQ(full.pool.try_submit(full.logging("E")).reason, RejectReason::queue_full);

  full.gate.open();
  full.pool.wait_idle();
  EXPECT_EQ(full.log.order(), (std::vector<std::string>{"D", "A", "B", "C"}));
  const ExecutorStats s = full.pool.stats();
  EXPECT_EQ(s.completed, 4U);
  EXPECT_EQ(s.rejected, 1U);
  expect_accounting(s);
}

TEST(WorkerPool, BlockOverflowMakesSubmitWaitForRoom) {
  Watchdog watchdog(60s, "block overflow");
  EventBus bus;
  EventRecorder recorder;
  bus.attach(&recorder);
  FullQueue full(Overflow::block, &bus);
  EXPECT_EQ(full.pool.try_submit(full.logging("E")).reason, RejectReason::queue_full)
      << "try_submit never blocks";

  SubmitResult d;
  std::thread producer([&] { d = full.pool.submit(full.logging("D")); });
  recorder.drain_until(
      bus, [](const auto& events) { return test::has_event(events, EventKind::blocked); });
  EXPECT_EQ(full.pool.stats().queue_depth, 2) << "the blocked job is not in the queue";
  EXPECT_TRUE(full.log.order().empty());

  full.gate.open();
  producer.join();
  EXPECT_TRUE(d.accepted());
  full.pool.shutdown(ShutdownMode::drain);
  EXPECT_EQ(full.log.order(), (std::vector<std::string>{"A", "B", "C", "D"}));
  const ExecutorStats s = full.pool.stats();
  EXPECT_EQ(s.completed, 4U);
  EXPECT_EQ(s.rejected, 1U);
  expect_accounting(s);

  bus.drain(true);
  const auto d_events = recorder.of_job(d.id.value);
  std::uint64_t blocked = 0, unblocked = 0, enqueued = 0;
  for (const Event& e : d_events) {
    if (e.kind == EventKind::blocked) blocked = e.seq;
    if (e.kind == EventKind::unblocked) unblocked = e.seq;
    if (e.kind == EventKind::enqueued) enqueued = e.seq;
  }
  EXPECT_NE(blocked, 0U);
  EXPECT_LT(blocked, unblocked);
  EXPECT_LT(unblocked, enqueued);
}

TEST(WorkerPool, ShutdownDrainRefusesAProducerBlockedOnAFullQueue) {
  Watchdog watchdog(60s, "blocked producer at shutdown");
  EventBus bus;
  EventRecorder recorder;
  bus.attach(&recorder);
  FullQueue full(Overflow::block, &bus);
  SubmitResult d;
  std::thread producer([&] { d = full.pool.submit(full.logging("D")); });
  recorder.drain_until(
      bus, [](const auto& events) { return test::has_event(events, EventKind::blocked); });
  std::thread closer([&] { full.pool.shutdown(ShutdownMode::drain); });
  producer.join();  // shutdown wakes it with a refusal
  EXPECT_EQ(d.reason, RejectReason::shut_down);
  full.gate.open();
  closer.join();
  EXPECT_EQ(full.log.order(), (std::vector<std::string>{"A", "B", "C"}));
  expect_accounting(full.pool.stats());
}

TEST(WorkerPool, ThrowingJobsNeverKillAWorkerAndTheirMessagesAreKept) {
  Watchdog watchdog(60s, "throwing jobs");
  ManualClock clock;
  constexpr int kWorkers = 6;
  constexpr int kJobs = 300;
  WorkerPool pool(PoolConfig{.workers = kWorkers}, env_of(clock));
  std::map<std::uint64_t, std::string> message_of;
  for (int i = 0; i < kJobs; ++i) {
    const std::string message = "boom " + std::to_string(i);
    const SubmitResult r = pool.submit(make_job([i, message](JobContext&) {
      if (i % 3 == 0) throw std::runtime_error(message);
      if (i % 3 == 1) throw 42;  // not a std::exception
    }));
    message_of[r.id.value] = i % 3 == 0 ? message : "unknown exception";
  }
  pool.wait_idle();
  ExecutorStats s = pool.stats();
  EXPECT_EQ(s.failed, 200U);
  EXPECT_EQ(s.completed, 100U);
  EXPECT_EQ(s.workers_alive, kWorkers);

  const auto failures = pool.recent_failures();
  EXPECT_FALSE(failures.empty());
  EXPECT_LE(failures.size(), 200U);
  for (const auto& f : failures) EXPECT_EQ(f.message, message_of.at(f.job.value));

  // Every worker still takes jobs: all of them can be held at a gate at once.
  JobGate gate;
  for (int i = 0; i < kWorkers; ++i)
    pool.submit(make_job([&](JobContext& ctx) { gate.pass(ctx); }));
  gate.wait_for_arrivals(kWorkers);
  gate.open();
  pool.shutdown(ShutdownMode::drain);
  s = pool.stats();
  EXPECT_EQ(s.completed, 100U + kWorkers);
  expect_accounting(s);
}

TEST(WorkerPool, RecentFailuresHoldEveryMessageWhenFew) {
  ManualClock clock;
  WorkerPool pool(PoolConfig{.workers = 2}, env_of(clock));
  std::vector<JobId> ids;
  for (int i = 0; i < 5; ++i) {
    ids.push_back(pool.submit(make_job([i](JobContext&) {
                        throw std::runtime_error("failure " + std::to_string(i));
                      }))
                      .id);
  }
  pool.wait_idle();
  auto failures = pool.recent_failures();
  ASSERT_EQ(failures.size(), 5U);
  std::map<std::uint64_t, std::string> got;
  for (const auto& f : failures) got[f.job.value] = f.message;
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(got[ids[static_cast<std::size_t>(i)].value], "failure " + std::to_string(i));
}

TEST(WorkerPool, ResizeUnderLoadKeepsEveryJob) {
  Watchdog watchdog(60s, "resize under load");
  ManualClock clock;
  constexpr int kJobs = 2000;
  std::vector<std::atomic<int>> runs(kJobs);
  WorkerPool pool(PoolConfig{.workers = 2}, env_of(clock));
  std::atomic<bool> producing{true};
  std::thread producer([&] {
    for (int i = 0; i < kJobs; ++i) {
      EXPECT_TRUE(pool.submit(make_job([&runs, i](JobContext&) {
        runs[static_cast<std::size_t>(i)].fetch_add(1, std::memory_order_relaxed);
      })));
    }
    producing.store(false, std::memory_order_release);
  });
  const int sizes[] = {1, 4, 2, 6, 1, 3};
  for (int round = 0; producing.load(std::memory_order_acquire) || round < 12; ++round) {
    EXPECT_TRUE(pool.set_workers(sizes[round % 6]));
    if (round > 400) break;  // bounded: the producer is merely slow (TSan)
  }
  producer.join();
  pool.shutdown(ShutdownMode::drain);
  for (int i = 0; i < kJobs; ++i)
    ASSERT_EQ(runs[static_cast<std::size_t>(i)].load(), 1) << "job " << i;
  EXPECT_FALSE(pool.set_workers(3)) << "no resize after shutdown";
  expect_accounting(pool.stats());
}

TEST(WorkerPool, ShrinkingRetiresIdleWorkersAndGrowingSpawnsThem) {
  Watchdog watchdog(60s, "shrink and grow");
  ManualClock clock;
  EventBus bus;
  EventRecorder recorder;
  bus.attach(&recorder);
  WorkerPool pool(PoolConfig{.workers = 4}, env_of(clock, &bus));
  EXPECT_EQ(pool.stats().workers_alive, 4);
  ASSERT_TRUE(pool.set_workers(1));
  const auto retired = [](const std::vector<Event>& events) {
    int n = 0;
    for (const Event& e : events) {
      n += e.kind == EventKind::worker_retired && e.worker_retired.reason == WorkerReason::resized;
    }
    return n;
  };
  recorder.drain_until(bus, [&](const auto& events) { return retired(events) == 3; });
  EXPECT_EQ(pool.stats().workers_alive, 1);

  ASSERT_TRUE(pool.set_workers(3));
  EXPECT_EQ(pool.stats().workers_alive, 3);
  JobGate gate;
  for (int i = 0; i < 3; ++i) pool.submit(make_job([&](JobContext& ctx) { gate.pass(ctx); }));
  gate.wait_for_arrivals(3);  // three workers really run at once
  gate.open();
  pool.shutdown(ShutdownMode::drain);
  expect_accounting(pool.stats());
}

TEST(WorkerPool, WorkersBusyCountsOnlyWorkersHoldingAJob) {
  // The TCK's getActiveCount: 0 with every worker idle, 1 while one job runs.
  // "Idle" is waited for as parked events: a worker that was just spawned and
  // has not parked yet still counts as busy (WorkerPool::stats: alive - parked).
  Watchdog watchdog(60s, "workers busy");
  ManualClock clock;
  EventBus bus;
  EventRecorder recorder;
  bus.attach(&recorder);
  WorkerPool pool(PoolConfig{.workers = 3}, env_of(clock, &bus));
  EXPECT_EQ(pool.stats().workers_alive, 3);
  recorder.drain_until(bus, [](const auto& events) {
    return std::count_if(events.begin(), events.end(),
                         [](const Event& e) { return e.kind == EventKind::worker_parked; }) == 3;
  });
  EXPECT_EQ(pool.stats().workers_busy, 0);
  JobGate gate;
  pool.submit(make_job([&](JobContext& ctx) { gate.pass(ctx); }));
  gate.wait_for_arrivals(1);
  EXPECT_EQ(pool.stats().workers_busy, 1) << "a push wakes one parked worker, not all";
  gate.open();
  pool.shutdown(ShutdownMode::drain);
  EXPECT_EQ(pool.stats().workers_busy, 0);
}

TEST(WorkerPool, WaitIdleReturnsOnlyWhenEveryJobEnded) {
  Watchdog watchdog(60s, "wait_idle");
  ManualClock clock;
  WorkerPool pool(PoolConfig{.workers = 2}, env_of(clock));
  JobGate gate;
  Tally done;
  constexpr int kJobs = 6;
  for (int i = 0; i < kJobs; ++i) {
    pool.submit(make_job([&](JobContext& ctx) {
      gate.pass(ctx);
      done.add();
    }));
  }
  int done_when_idle = -1;
  ExecutorStats when_idle;
  std::thread waiter([&] {
    pool.wait_idle();
    done_when_idle = done.value();
    when_idle = pool.stats();
  });
  gate.wait_for_arrivals(2);
  gate.open();
  waiter.join();
  EXPECT_EQ(done_when_idle, kJobs);
  EXPECT_EQ(when_idle.completed, static_cast<std::uint64_t>(kJobs));
  expect_accounting(when_idle);
}

TEST(WorkerPool, WaitIdleWaitsForAPendingRetry) {
  Watchdog watchdog(60s, "wait_idle with a pending retry");
  ManualClock clock;
  WorkerPool pool(PoolConfig{.workers = 1}, env_of(clock));
  Tally attempts, succeeded;
  Job job = make_job([&](JobContext& ctx) {
    attempts.add();
    if (ctx.attempt() == 1) throw std::runtime_error("first attempt fails");
    succeeded.add();
  });
  job.retry = RetryPolicy{.max_attempts = 2, .base_backoff = 1 * kSecond};
  pool.submit(std::move(job));
  attempts.wait_for(1);
  clock.wait_for_sleepers(1);  // the retry timer waits out the backoff
  int succeeded_when_idle = -1;
  std::thread waiter([&] {
    pool.wait_idle();
    succeeded_when_idle = succeeded.value();
  });
  clock.advance(1 * kSecond);
  waiter.join();
  EXPECT_EQ(succeeded_when_idle, 1);
  const ExecutorStats s = pool.stats();
  EXPECT_EQ(s.retried, 1U);
  EXPECT_EQ(s.completed, 1U);
  expect_accounting(s);
}

TEST(WorkerPool, JobPastItsTimeoutEndsTimedOut) {
  Watchdog watchdog(60s, "timeout");
  ManualClock clock;
  WorkerPool pool(PoolConfig{.workers = 1}, env_of(clock));
  std::atomic<int> sleep_result{-1};
  pool.submit(make_job(
      [&](JobContext& ctx) { sleep_result = ctx.sleep_until(ctx.clock().now() + 10 * kSecond); },
      1 * kSecond));
  clock.wait_for_sleepers(1);
  clock.advance(1 * kSecond);
  pool.wait_idle();
  EXPECT_EQ(sleep_result.load(), 0) << "sleep_until ends at the deadline with false";
  const ExecutorStats s = pool.stats();
  EXPECT_EQ(s.timed_out, 1U);
  EXPECT_EQ(s.completed, 0U);
  expect_accounting(s);
}

TEST(WorkerPool, JobThatIgnoresItsDeadlineAndReturnsLateStillTimesOut) {
  Watchdog watchdog(60s, "late job");
  ManualClock clock;
  WorkerPool pool(PoolConfig{.workers = 1}, env_of(clock));
  pool.submit(make_job(
      [&](JobContext& ctx) {
        // Sleeps on the clock directly, past its deadline, without asking the context.
        ctx.clock().sleep_until(2 * kSecond, poolviz::stop_token{});
      },
      1 * kSecond));
  clock.wait_for_sleepers(1);
  clock.advance(2 * kSecond);
  pool.wait_idle();
  EXPECT_EQ(pool.stats().timed_out, 1U);
  expect_accounting(pool.stats());
}

TEST(WorkerPool, RetriesWithBackoffCountExactly) {
  Watchdog watchdog(60s, "retries");
  ManualClock clock;
  EventBus bus;
  EventRecorder recorder;
  bus.attach(&recorder);
  WorkerPool pool(PoolConfig{.workers = 1}, env_of(clock, &bus));
  Tally attempts;
  Job job = make_job([&](JobContext& ctx) {
    attempts.add();
    throw std::runtime_error("attempt " + std::to_string(ctx.attempt()));
  });
  job.retry = RetryPolicy{.max_attempts = 3, .base_backoff = 10 * kMillisecond, .factor = 2.0};
  const JobId id = pool.submit(std::move(job)).id;

  // Only the retry timer ever sleeps on the clock here, and its previous sleep
  // ended before the next attempt started: wait_for_sleepers(1) is exact.
  attempts.wait_for(1);
  clock.wait_for_sleepers(1);
  clock.advance(10 * kMillisecond);  // first backoff: base
  attempts.wait_for(2);
  clock.wait_for_sleepers(1);
  clock.advance(20 * kMillisecond);  // second backoff: base × factor
  attempts.wait_for(3);
  pool.wait_idle();

  const ExecutorStats s = pool.stats();
  EXPECT_EQ(attempts.value(), 3);
  EXPECT_EQ(s.submitted, 1U);
  EXPECT_EQ(s.retried, 2U);
  EXPECT_EQ(s.failed, 1U);
  expect_accounting(s);
  ASSERT_FALSE(pool.recent_failures().empty());
  EXPECT_EQ(pool.recent_failures().back().message, "attempt 3");

  pool.shutdown(ShutdownMode::drain);
  bus.drain(true);
  std::vector<std::int64_t> started_attempts, retry_next;
  std::vector<std::int32_t> retry_backoff_ms;
  int finished = 0;
  for (const Event& e : recorder.of_job(id.value)) {
    if (e.kind == EventKind::started) started_attempts.push_back(e.started.attempt);
    if (e.kind == EventKind::retried) {
      retry_next.push_back(e.retried.next_attempt);
      retry_backoff_ms.push_back(e.retried.backoff_ms);
    }
    if (e.kind == EventKind::finished) {
      ++finished;
      EXPECT_EQ(e.finished.outcome, Outcome::failed);
      EXPECT_EQ(e.finished.attempt, 3);
    }
  }
  EXPECT_EQ(started_attempts, (std::vector<std::int64_t>{1, 2, 3}));
  EXPECT_EQ(retry_next, (std::vector<std::int64_t>{2, 3}));
  EXPECT_EQ(retry_backoff_ms, (std::vector<std::int32_t>{10, 20}));
  EXPECT_EQ(finished, 1);
}

TEST(WorkerPool, TimeoutsAreRetriedOnlyWhenThePolicySaysSo) {
  Watchdog watchdog(60s, "timeout retries");
  for (bool retry_timeouts : {true, false}) {
    SCOPED_TRACE(retry_timeouts ? "retry_timeouts" : "no retry_timeouts");
    ManualClock clock;
    WorkerPool pool(PoolConfig{.workers = 1}, env_of(clock));
    Tally began, ended;
    Job job = make_job(
        [&](JobContext& ctx) {
          began.add();
          ctx.sleep_until(kNever);
          ended.add();  // after this the job no longer sleeps on the clock
        },
        1 * kSecond);
    job.retry = RetryPolicy{
        .max_attempts = 2, .base_backoff = 100 * kMillisecond, .retry_timeouts = retry_timeouts};
    pool.submit(std::move(job));

    began.wait_for(1);
    clock.wait_for_sleepers(1);  // the job
    clock.advance(1 * kSecond);
    ended.wait_for(1);
    if (retry_timeouts) {
      clock.wait_for_sleepers(1);  // the retry timer
      clock.advance(100 * kMillisecond);
      began.wait_for(2);
      clock.wait_for_sleepers(1);  // the job again
      clock.advance(1 * kSecond);
    }
    pool.wait_idle();
    const ExecutorStats s = pool.stats();
    EXPECT_EQ(began.value(), retry_timeouts ? 2 : 1);
    EXPECT_EQ(s.retried, retry_timeouts ? 1U : 0U);
    EXPECT_EQ(s.timed_out, 1U);
    expect_accounting(s);
  }
}

TEST(WorkerPool, DestroyingARunningPoolCancelsItsJobsAndReturns) {
  Watchdog watchdog(60s, "destroy a running pool");
  ManualClock clock;
  EventBus bus;
  EventRecorder recorder;
  bus.attach(&recorder);
  std::vector<JobId> ids;
  std::atomic<int> woke_by_stop{0};
  std::atomic<int> queued_ran{0};
  {
    WorkerPool pool(PoolConfig{.workers = 2}, env_of(clock, &bus));
    for (int i = 0; i < 2; ++i) {
      ids.push_back(pool.submit(make_job([&](JobContext& ctx) {
                          if (!ctx.sleep_until(ctx.clock().now() + 3600 * kSecond)) ++woke_by_stop;
                        }))
                        .id);
    }
    for (int i = 0; i < 3; ++i) {
      ids.push_back(pool.submit(make_job([&](JobContext&) { ++queued_ran; })).id);
    }
    clock.wait_for_sleepers(2);
  }  // the destructor cancels, wakes the sleepers through their stop token, joins
  EXPECT_EQ(woke_by_stop.load(), 2);
  EXPECT_EQ(queued_ran.load(), 0);
  bus.drain(true);
  for (JobId id : ids) {
    const auto events = recorder.of_job(id.value);
    ASSERT_FALSE(events.empty());
    EXPECT_EQ(events.back().kind, EventKind::finished) << "job " << id.value;
    EXPECT_EQ(events.back().finished.outcome, Outcome::cancelled) << "job " << id.value;
  }
}

TEST(WorkerPool, AnExternalCancelTokenStopsRunningJobsAndRefusesNewOnes) {
  Watchdog watchdog(60s, "external cancel");
  ManualClock clock;
  poolviz::stop_source run_cancel;
  ExecutorEnv env = env_of(clock);
  env.cancel = run_cancel.get_token();
  WorkerPool pool(PoolConfig{.workers = 2}, env);
  JobGate gate;
  std::atomic<int> queued_ran{0};
  for (int i = 0; i < 2; ++i) pool.submit(make_job([&](JobContext& ctx) { gate.pass(ctx); }));
  gate.wait_for_arrivals(2);
  for (int i = 0; i < 3; ++i) pool.submit(make_job([&](JobContext&) { ++queued_ran; }));
  run_cancel.request_stop();
  pool.wait_idle();  // the gated jobs see the stop; the queued ones end without starting
  EXPECT_EQ(queued_ran.load(), 0);
  EXPECT_EQ(pool.submit(make_job([](JobContext&) {})).reason, RejectReason::shut_down);
  const ExecutorStats s = pool.stats();
  EXPECT_EQ(s.cancelled, 5U);
  expect_accounting(s);
}

TEST(WorkerPool, TwoPoolsInOneProcessDoNotInterfere) {
  Watchdog watchdog(60s, "two pools");
  ManualClock clock;
  WorkerPool first(PoolConfig{.workers = 1}, env_of(clock));
  WorkerPool second(PoolConfig{.workers = 1}, env_of(clock));
  JobGate gate;
  first.submit(make_job([&](JobContext& ctx) { gate.pass(ctx); }));
  gate.wait_for_arrivals(1);
  std::atomic<int> ran{0};
  for (int i = 0; i < 10; ++i) second.submit(make_job([&](JobContext&) { ++ran; }));
  second.wait_idle();  // the first pool's stuck job does not hold the second back
  EXPECT_EQ(ran.load(), 10);
  EXPECT_EQ(first.stats().outstanding, 1);
  gate.open();
  first.shutdown(ShutdownMode::drain);
  expect_accounting(first.stats());
  expect_accounting(second.stats());
}

}  // namespace
}  // namespace poolviz
