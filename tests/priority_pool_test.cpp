// Priority pool: WorkerPool with a PriorityQueue (one heap, larger priority
// first, FIFO among equals, optional aging).
//
// Determinism: one worker held by a gated job while the heap fills, so the
// order of the `started` events is the order the heap hands jobs out. The
// starvation test steps a constant stream of high jobs through a turnstile,
// one job per step, on the ManualClock.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <vector>

#include "poolviz/clock.h"
#include "poolviz/compat_thread.h"
#include "poolviz/event.h"
#include "poolviz/worker_pool.h"
#include "poolviz/pool_spec.h"
#include "poolviz/priority_queue.h"
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
using test::Watchdog;
using namespace std::chrono_literals;

using test::env_of;

Job job_with_priority(int priority, JobFn fn = {}) {
  Job job = make_job(std::move(fn));
  job.priority = priority;
  return job;
}

/// Ids of the jobs in the order their `started` events were emitted.
std::vector<std::uint64_t> start_order(const EventRecorder& recorder) {
  std::vector<std::uint64_t> order;
  for (const Event& e : recorder.events()) {
    if (e.kind == EventKind::started) order.push_back(e.job);
  }
  return order;
}

/// Lets exactly one waiting job through per release_one(), so a test decides
/// when each job ends. A stop request (cancel) lets everyone through.
class Turnstile {
 public:
  void pass(JobContext& ctx) {
    std::unique_lock lock(mutex_);
    ++arrivals_;
    changed_.notify_all();
    poolviz::stop_token stop = ctx.stop_token();
    if (changed_.wait(lock, stop, [this] { return open_ || permits_ > 0; })) {
      if (!open_) --permits_;
    }
  }
  void release_one() {
    std::lock_guard lock(mutex_);
    ++permits_;
    changed_.notify_all();
  }
  void open() {
    std::lock_guard lock(mutex_);
    open_ = true;
    changed_.notify_all();
  }
  void wait_for_arrivals(int n) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return arrivals_ >= n; });
  }

 private:
  std::mutex mutex_;
  poolviz::condition_variable_any changed_;
  int arrivals_ = 0;
  int permits_ = 0;
  bool open_ = false;
};

// [SECTION] Order ---------------------------------------------------------------

/// Submits `priorities` behind a gated job on one worker and returns the order
/// they ran in, as indexes into `priorities`.
std::vector<std::size_t> run_in_heap_order(std::unique_ptr<JobQueue> queue, ManualClock& clock,
                                           const std::vector<int>& priorities) {
  EventBus bus;
  EventRecorder recorder;
  bus.attach(&recorder);
  WorkerPool pool(PoolConfig{.workers = 1}, env_of(clock, &bus), std::move(queue));
  JobGate gate;
  EXPECT_TRUE(pool.submit(job_with_priority(0, [&](JobContext& ctx) { gate.pass(ctx); })));
  gate.wait_for_arrivals(1);  // the only worker is busy: everything below waits in the heap

  std::vector<std::uint64_t> ids;
  for (int p : priorities) ids.push_back(pool.submit(job_with_priority(p)).id.value);
  gate.open();
  pool.shutdown(ShutdownMode::drain);
  bus.drain(true);
  expect_accounting(pool.stats());

  std::vector<std::size_t> ran;
  for (std::uint64_t id : start_order(recorder)) {
    const auto it = std::find(ids.begin(), ids.end(), id);
    if (it != ids.end()) ran.push_back(static_cast<std::size_t>(it - ids.begin()));
  }
  return ran;
}

/// The order a priority heap must produce: priority descending, then arrival.
std::vector<std::size_t> expected_heap_order(const std::vector<int>& priorities) {
  std::vector<std::size_t> order(priorities.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return priorities[a] > priorities[b]; });
  return order;
}

TEST(PriorityPool, OneWorkerRunsJobsInPriorityOrderFifoWithinAPriority) {
  Watchdog watchdog(60s, "priority order");
  const std::vector<int> priorities = {1, 3, 2, 3, 1, 2, 0, 3, -1, 2};
  ManualClock clock;
  EXPECT_EQ(run_in_heap_order(std::make_unique<PriorityQueue>(), clock, priorities),
            expected_heap_order(priorities));
}

TEST(PriorityPool, AgingKeepsPriorityOrderAndFifoAmongJobsThatArrivedTogether) {
  Watchdog watchdog(60s, "aging order");
  const std::vector<int> priorities = {1, 3, 2, 3, 1, 2, 0, 3};
  ManualClock clock;
  EXPECT_EQ(
      run_in_heap_order(std::make_unique<PriorityQueue>(kMillisecond, &clock), clock, priorities),
      expected_heap_order(priorities));
}

TEST(PriorityPool, AFifoQueueIgnoresPriorityAndServesArrivalOrder) {
  // The tutorial's mistake: a priority field on a FIFO queue does nothing.
  Watchdog watchdog(60s, "fifo order");
  ManualClock clock;
  EXPECT_EQ(run_in_heap_order(std::make_unique<FifoQueue>(), clock, {0, 1, 2}),
            (std::vector<std::size_t>{0, 1, 2}));
}

// [SECTION] Starvation and aging --------------------------------------------------

constexpr int kStreamSteps = 40;
constexpr int kHighPriority = 10;

struct StreamResult {
  bool low_ran_during_stream = false;
  Nanos low_wait = 0;  // scenario time from its submission to its start
};

/// One worker; a low job (priority 0) waits while, every 1 ms, one high job
/// (priority 10) arrives and one job ends: a constant stream of high work.
StreamResult run_low_job_under_high_stream(Nanos aging_interval) {
  ManualClock clock;
  WorkerPool pool(PoolConfig{.workers = 1}, env_of(clock),
                 std::make_unique<PriorityQueue>(aging_interval, &clock));
  Turnstile turnstile;
  auto body = [&](JobContext& ctx) { turnstile.pass(ctx); };
  std::atomic<Nanos> low_started{-1};

  EXPECT_TRUE(pool.submit(job_with_priority(kHighPriority, body)));
  turnstile.wait_for_arrivals(1);
  const Nanos low_submitted = clock.now();
  EXPECT_TRUE(pool.submit(job_with_priority(0, [&](JobContext& ctx) {
    low_started.store(ctx.clock().now());
    turnstile.pass(ctx);
  })));

  StreamResult result;
  for (int step = 1; step <= kStreamSteps; ++step) {
    clock.advance(kMillisecond);
    EXPECT_TRUE(pool.submit(job_with_priority(kHighPriority, body)));
    turnstile.release_one();                // the running job ends ...
    turnstile.wait_for_arrivals(step + 1);  // ... and the heap's best has started
  }
  result.low_ran_during_stream = low_started.load() >= 0;
  turnstile.open();
  pool.shutdown(ShutdownMode::drain);
  expect_accounting(pool.stats());
  EXPECT_GE(low_started.load(), 0) << "drain runs every accepted job";
  result.low_wait = low_started.load() - low_submitted;
  return result;
}

TEST(PriorityPool, WithoutAgingALowJobStarvesUnderAConstantStreamOfHighJobs) {
  Watchdog watchdog(60s, "starvation stream");
  const StreamResult r = run_low_job_under_high_stream(0);
  EXPECT_FALSE(r.low_ran_during_stream);
  EXPECT_GE(r.low_wait, kStreamSteps * kMillisecond) << "it ran only once the stream stopped";
}

TEST(PriorityPool, WithAgingALowJobRunsWithinTheStream) {
  Watchdog watchdog(60s, "aging stream");
  // Priority gap 10 at 1 ms per priority step: the low job overtakes a fresh
  // high job once it has waited 10 ms (ties go to the earlier arrival).
  const StreamResult r = run_low_job_under_high_stream(kMillisecond);
  EXPECT_TRUE(r.low_ran_during_stream);
  EXPECT_EQ(r.low_wait, kHighPriority * kMillisecond);
}

// [SECTION] Queue contract and factory ---------------------------------------------

TEST(PriorityQueue, TakeAllReturnsJobsInTheOrderTheyWouldRun) {
  PriorityQueue queue;
  const std::vector<int> priorities = {2, 5, 2, 7, 5};
  for (std::size_t i = 0; i < priorities.size(); ++i) {
    Job job = job_with_priority(priorities[i]);
    job.id = JobId{i + 1};
    queue.push(std::move(job));
  }
  std::vector<std::uint64_t> ids;
  for (const Job& job : queue.take_all()) ids.push_back(job.id.value);
  EXPECT_EQ(ids, (std::vector<std::uint64_t>{4, 2, 5, 1, 3}));
  EXPECT_EQ(queue.size(), 0U);
}

TEST(PriorityQueue, EvictRemovesTheJobThatWaitedLongest) {
  PriorityQueue queue;
  for (std::uint64_t i = 1; i <= 4; ++i) {
    Job job = job_with_priority(static_cast<int>(i));
    job.id = JobId{i};
    queue.push(std::move(job));
  }
  EXPECT_EQ(queue.evict().id.value, 1U);
  EXPECT_EQ(queue.pop(0).id.value, 4U);
  EXPECT_EQ(queue.size(), 2U);
}

TEST(FifoQueue, KeepsArrivalOrderAcrossChunksAndReusesThem) {
  // Past one chunk (64 jobs), interleaved with pops, then emptied and refilled.
  FifoQueue queue;
  std::uint64_t next_in = 1, next_out = 1;
  const auto push = [&](int n) {
    for (int i = 0; i < n; ++i) {
      Job job;
      job.id = JobId{next_in++};
      queue.push(std::move(job));
    }
  };
  const auto pop = [&](int n) {
    for (int i = 0; i < n; ++i) {
      ASSERT_EQ(queue.pop(0).id.value, next_out++);
    }
  };
  push(200);
  pop(130);
  push(100);
  EXPECT_EQ(queue.size(), 170U);
  EXPECT_EQ(queue.evict().id.value, next_out++);
  pop(169);
  EXPECT_EQ(queue.size(), 0U);
  push(70);
  std::vector<Job> all = queue.take_all();
  ASSERT_EQ(all.size(), 70U);
  for (const Job& job : all) EXPECT_EQ(job.id.value, next_out++);
  push(3);  // left queued: the destructor frees them
}

TEST(PriorityQueue, ManyDistinctPrioritiesStillServeHighestFirstThenArrival) {
  // More distinct levels than the queue keeps empty ones for (64).
  PriorityQueue queue;
  std::uint64_t id = 0;
  for (int round = 0; round < 3; ++round) {
    for (int p = 0; p < 100; ++p) {
      Job job = job_with_priority((p * 37) % 100 - 50);
      job.id = JobId{++id};
      queue.push(std::move(job));
    }
    for (int i = 0; i < 60; ++i) queue.pop(0);  // empties the top levels
  }
  int last_priority = 1 << 30;
  std::uint64_t last_id = 0;
  for (const Job& job : queue.take_all()) {
    ASSERT_LE(job.priority, last_priority);
    if (job.priority == last_priority) {
      ASSERT_GT(job.id.value, last_id);
    }
    last_priority = job.priority;
    last_id = job.id.value;
  }
}

TEST(PriorityPool, TheFactoryBuildsAPriorityPoolThatRunsEveryJob) {
  Watchdog watchdog(60s, "factory");
  ManualClock clock;
  PoolSpec spec;
  spec.strategy = Strategy::priority;
  spec.workers = 2;
  spec.aging_interval = kMillisecond;
  auto pool = make_executor(spec, env_of(clock));
  EXPECT_EQ(pool->strategy(), "priority");
  std::atomic<int> ran{0};
  for (int i = 0; i < 50; ++i) {
    EXPECT_TRUE(pool->submit(job_with_priority(i % 5, [&](JobContext&) { ran.fetch_add(1); })));
  }
  pool->shutdown(ShutdownMode::drain);
  EXPECT_EQ(ran.load(), 50);
  expect_accounting(pool->stats());
}

}  // namespace
}  // namespace poolviz
