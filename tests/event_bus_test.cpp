// EventBus: bounded lock-free rings, ordered drain, drop counting; and the
// order in which executors emit the events of each job.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <stdexcept>
#include <thread>
#include <vector>

#include "poolviz/clock.h"
#include "poolviz/event.h"
#include "poolviz/worker_pool.h"
#include "poolviz/thread_per_task.h"
#include "support/accounting.h"
#include "support/event_recorder.h"
#include "support/test_jobs.h"
#include "support/watchdog.h"

namespace poolviz {
namespace {

using test::EventRecorder;
using test::expect_accounting;
using test::make_job;
using test::Watchdog;
using namespace std::chrono_literals;

/// An event that carries two numbers through the bus: the bus moves payloads
/// as plain bytes, whatever the kind, so the generic slots serve here.
Event event_of(std::int32_t x, std::int32_t y = 0) {
  Event e;
  e.kind = EventKind::progress;
  e.slots.x = x;
  e.slots.y = y;
  return e;
}

std::vector<std::uint64_t> seqs_of(const std::vector<Event>& events) {
  std::vector<std::uint64_t> out;
  for (const Event& e : events) out.push_back(e.seq);
  return out;
}

TEST(EventBus, IsEnabledOnlyWhileASinkIsAttached) {
  EventBus bus;
  EventRecorder first, second;
  EXPECT_FALSE(bus.enabled());
  bus.attach(&first);
  bus.attach(&second);
  EXPECT_TRUE(bus.enabled());
  bus.detach(&first);
  EXPECT_TRUE(bus.enabled());
  bus.detach(&second);
  EXPECT_FALSE(bus.enabled());
}

TEST(EventBus, DeliversEveryEventOnceToEverySinkAndKeepsEachProducersOrder) {
  Watchdog watchdog(60s, "multi-producer bus");
  constexpr int kProducers = 4;
  constexpr int kPerProducer = 2000;
  EventBus bus(1 << 14, 4);
  EventRecorder first, second;
  bus.attach(&first);
  bus.attach(&second);

  std::atomic<int> producing{kProducers};
  std::vector<std::thread> producers;
  for (int p = 0; p < kProducers; ++p) {
    producers.emplace_back([&, p] {
      for (int i = 0; i < kPerProducer; ++i) bus.emit(event_of(p, i));
      producing.fetch_sub(1, std::memory_order_release);
    });
  }
  // Drain while producers write: exercises the held-back gap logic.
  while (producing.load(std::memory_order_acquire) > 0) bus.drain();
  for (auto& t : producers) t.join();
  bus.drain(true);

  EXPECT_EQ(bus.emitted(), static_cast<std::uint64_t>(kProducers * kPerProducer));
  EXPECT_EQ(bus.dropped(), 0U);
  const std::vector<Event> events = first.events();
  ASSERT_EQ(events.size(), static_cast<std::size_t>(kProducers * kPerProducer));
  EXPECT_EQ(seqs_of(events), seqs_of(second.events())) << "every sink sees the same stream";

  std::vector<std::uint64_t> seqs = seqs_of(events);
  std::sort(seqs.begin(), seqs.end());
  for (std::size_t i = 0; i < seqs.size(); ++i)
    ASSERT_EQ(seqs[i], i + 1) << "seq is dense and unique";

  std::map<std::int64_t, std::int32_t> next_of_producer;
  for (const Event& e : events) {
    ASSERT_EQ(e.slots.y, next_of_producer[e.slots.x])
        << "producer " << e.slots.x << " out of order";
    ++next_of_producer[e.slots.x];
  }
}

TEST(EventBus, TinyRingDropsAndCountsWithoutBlocking) {
  Watchdog watchdog(30s, "tiny ring");
  EventBus bus(2, 1);
  EventRecorder recorder;
  bus.attach(&recorder);
  for (int i = 0; i < 100; ++i) bus.emit(event_of(i));  // nobody drains: the ring fills
  EXPECT_EQ(bus.emitted(), 2U);
  EXPECT_EQ(bus.dropped(), 98U);
  bus.drain(true);
  const auto events = recorder.events();
  ASSERT_EQ(events.size(), 2U);
  EXPECT_EQ(events[0].slots.x, 0);
  EXPECT_EQ(events[1].slots.x, 1);
}

TEST(EventBus, TinyRingUnderManyProducersDeliversWhatItKeptAndCountsTheRest) {
  Watchdog watchdog(60s, "tiny ring, many producers");
  constexpr int kProducers = 4;
  constexpr int kPerProducer = 5000;
  EventBus bus(2, 1);
  EventRecorder recorder;
  bus.attach(&recorder);
  std::atomic<int> producing{kProducers};
  std::vector<std::thread> producers;
  for (int p = 0; p < kProducers; ++p) {
    producers.emplace_back([&, p] {
      for (int i = 0; i < kPerProducer; ++i) bus.emit(event_of(p, i));
      producing.fetch_sub(1, std::memory_order_release);
    });
  }
  while (producing.load(std::memory_order_acquire) > 0) bus.drain();
  for (auto& t : producers) t.join();
  bus.drain(true);
  EXPECT_EQ(bus.emitted() + bus.dropped(), static_cast<std::uint64_t>(kProducers * kPerProducer));
  EXPECT_GT(bus.dropped(), 0U);
  EXPECT_EQ(recorder.events().size(), bus.emitted()) << "every kept event is delivered";
}

TEST(EventBus, AGapLeftByADroppedEventDelaysDeliveryByOneDrainAtMost) {
  EventBus bus(2, 1);
  EventRecorder recorder;
  bus.attach(&recorder);
  bus.emit(event_of(1));
  bus.emit(event_of(2));
  bus.emit(event_of(3));  // dropped: seq 3 never arrives
  bus.drain();
  EXPECT_EQ(recorder.events().size(), 2U);
  bus.emit(event_of(4));  // seq 4, behind the gap
  bus.drain();            // may hold it back once, in case seq 3 is still being written
  bus.drain();            // by now the gap counts as a drop
  const auto events = recorder.events();
  ASSERT_EQ(events.size(), 3U);
  EXPECT_EQ(events[2].slots.x, 4);
  EXPECT_EQ(bus.dropped(), 1U);
}

TEST(EventBus, AFloodIsDeliveredInPartsInSeqOrderByOneDrain) {
  // More events than one delivery takes, in two rings whose runs interleave:
  // a drain hands them over in several parts, each in seq order, and keeps none.
  Watchdog watchdog(60s, "flood drain");
  constexpr int kPerBurst = 50'000;
  EventBus bus(1 << 18, 4);
  EventRecorder recorder;
  bus.attach(&recorder);
  const auto burst = [&](int which) {
    for (int i = 0; i < kPerBurst; ++i) bus.emit(event_of(which, i));
  };
  // This thread and a second one, alive together, write different shards.
  burst(0);
  std::thread([&] { burst(1); }).join();
  burst(2);
  bus.drain();  // not final: nothing is missing, so nothing may be held back
  const std::vector<Event> events = recorder.events();
  ASSERT_EQ(events.size(), static_cast<std::size_t>(3 * kPerBurst));
  for (std::size_t i = 0; i < events.size(); ++i) ASSERT_EQ(events[i].seq, i + 1);
  EXPECT_EQ(bus.dropped(), 0U);
}

TEST(EventBus, ADetachedSinkGetsNothingMore) {
  EventBus bus;
  EventRecorder kept, detached;
  bus.attach(&kept);
  bus.attach(&detached);
  bus.emit(event_of(1));
  bus.drain(true);
  bus.detach(&detached);
  bus.emit(event_of(2));
  bus.drain(true);
  EXPECT_EQ(kept.events().size(), 2U);
  EXPECT_EQ(detached.events().size(), 1U);
}

// [SECTION] Per-job order of what executors emit ------------------------------

/// Checks each job's events, by seq, against the job life cycle:
///   submitted → (enqueued → started ... | rejected | started on the caller)
///   started → progress* → finished | retried → enqueued → started ...
/// and exactly one end (finished or rejected), last.
void expect_lifecycle_order(const std::vector<Event>& all, std::size_t jobs_expected) {
  std::map<std::uint64_t, std::vector<Event>> by_job;
  for (const Event& e : all) {
    if (e.job != 0 && e.kind != EventKind::worker_spawned) by_job[e.job].push_back(e);
  }
  EXPECT_EQ(by_job.size(), jobs_expected);
  for (auto& [job, events] : by_job) {
    std::sort(events.begin(), events.end(),
              [](const Event& a, const Event& b) { return a.seq < b.seq; });
    std::string trail;
    for (const Event& e : events) trail += std::string(to_string(e.kind)) + " ";
    SCOPED_TRACE("job " + std::to_string(job) + ": " + trail);
    ASSERT_EQ(events.front().kind, EventKind::submitted);
    EventKind state = EventKind::submitted;
    int ends = 0;
    for (std::size_t i = 1; i < events.size(); ++i) {
      const Event& e = events[i];
      ASSERT_LT(events[i - 1].seq, e.seq);
      bool allowed = false;
      switch (e.kind) {
        case EventKind::enqueued:
          allowed = state == EventKind::submitted || state == EventKind::retried;
          break;
        case EventKind::started:
          allowed = state == EventKind::enqueued ||
                    (state == EventKind::submitted && e.worker == -2);  // caller_runs
          break;
        case EventKind::progress:
          allowed = state == EventKind::started || state == EventKind::progress;
          break;
        case EventKind::retried:
          allowed = state == EventKind::started || state == EventKind::progress;
          break;
        case EventKind::finished:
          // Cancelled jobs may end without starting (unrun, or cancelled in a backoff).
          allowed = state == EventKind::started || state == EventKind::progress ||
                    (e.finished.outcome == Outcome::cancelled);
          ++ends;
          break;
        case EventKind::rejected:
          allowed = state == EventKind::submitted || state == EventKind::enqueued;
          ++ends;
          break;
        default:
          allowed = true;  // gate, blocked, stolen...: not part of this check
          continue;
      }
      ASSERT_TRUE(allowed) << to_string(e.kind) << " after " << to_string(state);
      state = e.kind;
    }
    EXPECT_EQ(ends, 1);
    EXPECT_TRUE(state == EventKind::finished || state == EventKind::rejected);
  }
}

/// A mixed workload: plain jobs, failing jobs retried at once, jobs that report progress.
Job mixed_job(int i) {
  Job job = make_job([i](JobContext& ctx) {
    if (i % 7 == 0) {
      ctx.progress(0.5F);
      ctx.progress(1.0F);
    }
    if (i % 5 == 0 && ctx.attempt() == 1) throw std::runtime_error("fails once");
  });
  job.retry = RetryPolicy{.max_attempts = 2};
  return job;
}

TEST(JobEvents, WorkerPoolEmitsEachJobsEventsInLifecycleOrder) {
  Watchdog watchdog(60s, "fixed pool event order");
  ManualClock clock;
  EventBus bus;
  EventRecorder recorder;
  bus.attach(&recorder);
  constexpr int kJobs = 300;
  {
    ExecutorEnv env;
    env.clock = &clock;
    env.bus = &bus;
    // A small queue with caller_runs, so some jobs run on the submitting thread.
    WorkerPool pool(PoolConfig{.workers = 3, .queue_capacity = 4, .overflow = Overflow::caller_runs},
                   env);
    std::atomic<bool> running{true};
    std::thread drainer([&] {
      while (running.load(std::memory_order_acquire)) bus.drain();
    });
    for (int i = 0; i < kJobs; ++i) pool.submit(mixed_job(i));
    pool.shutdown(ShutdownMode::drain);
    running.store(false, std::memory_order_release);
    drainer.join();
    expect_accounting(pool.stats());
  }
  bus.drain(true);
  EXPECT_EQ(bus.dropped(), 0U);
  expect_lifecycle_order(recorder.events(), kJobs);
}

TEST(JobEvents, ThreadPerTaskEmitsEachJobsEventsInLifecycleOrder) {
  Watchdog watchdog(60s, "thread-per-task event order");
  ManualClock clock;
  EventBus bus;
  EventRecorder recorder;
  bus.attach(&recorder);
  constexpr int kJobs = 100;
  {
    ExecutorEnv env;
    env.clock = &clock;
    env.bus = &bus;
    ThreadPerTask executor(ThreadPerTaskConfig{}, env);
    for (int i = 0; i < kJobs; ++i) executor.submit(mixed_job(i));
    executor.shutdown(ShutdownMode::drain);
    expect_accounting(executor.stats());
  }
  bus.drain(true);
  EXPECT_EQ(bus.dropped(), 0U);
  expect_lifecycle_order(recorder.events(), kJobs);
}

TEST(JobEvents, APoolOnATinyRingDropsEventsButNeverBlocks) {
  Watchdog watchdog(60s, "pool on a tiny ring");
  ManualClock clock;
  EventBus bus(2, 1);
  EventRecorder recorder;
  bus.attach(&recorder);
  ExecutorEnv env;
  env.clock = &clock;
  env.bus = &bus;
  WorkerPool pool(PoolConfig{.workers = 3}, env);
  for (int i = 0; i < 500; ++i) pool.submit(mixed_job(i));
  pool.shutdown(ShutdownMode::drain);  // nobody drained: producers dropped instead of waiting
  expect_accounting(pool.stats());
  EXPECT_GT(bus.dropped(), 0U);
  EXPECT_LE(bus.emitted(), 2U);
  bus.drain(true);
  EXPECT_EQ(recorder.events().size(), bus.emitted());
}

}  // namespace
}  // namespace poolviz
