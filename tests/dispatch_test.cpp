// Per-worker queues with a dispatcher (load balancing): WorkerPool with
// PoolConfig::dispatch = round_robin or least_loaded, and the Dispatcher alone.
//
// Placements are read from `enqueued` events (worker = the chosen queue). The
// load of each queue at a placement is rebuilt from the events before it:
// enqueued on w minus finished on w = jobs queued or running on w. The pool
// scripts submit only when no job is between "finished" and its worker's next
// step (each release waits for the next job to start, or for the park), so
// that rebuilt load is exactly what the dispatcher saw.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <memory>
#include <random>
#include <vector>

#include "poolviz/clock.h"
#include "poolviz/dispatcher.h"
#include "poolviz/event.h"
#include "poolviz/worker_pool.h"
#include "poolviz/pool_spec.h"
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

// [SECTION] Dispatcher alone ------------------------------------------------------

TEST(Dispatcher, RoundRobinCyclesOverTheEligibleQueues) {
  Dispatcher rr(Dispatch::round_robin);
  std::array<QueueLoad, 3> loads{};
  for (auto& l : loads) l.eligible = true;
  loads[0].queued = 50;  // load is ignored
  std::vector<int> picks;
  for (int i = 0; i < 6; ++i) picks.push_back(rr.pick(loads));
  EXPECT_EQ(picks, (std::vector<int>{0, 1, 2, 0, 1, 2}));

  loads[1].eligible = false;  // a retired worker is skipped
  picks.clear();
  for (int i = 0; i < 4; ++i) picks.push_back(rr.pick(loads));
  EXPECT_EQ(picks, (std::vector<int>{0, 2, 0, 2}));
}

TEST(Dispatcher, LeastLoadedPicksTheFewestOutstandingWithTiesToTheLowestIndex) {
  Dispatcher ll(Dispatch::least_loaded);
  std::mt19937 rng(7);
  for (int trial = 0; trial < 10'000; ++trial) {
    std::vector<QueueLoad> loads(1 + rng() % 6);
    bool any = false;
    for (auto& l : loads) {
      l.eligible = rng() % 5 != 0;
      l.queued = static_cast<std::int64_t>(rng() % 4);
      l.running = rng() % 2 == 0;
      any = any || l.eligible;
    }
    const int pick = ll.pick(loads);
    if (!any) {
      EXPECT_EQ(pick, -1);
      continue;
    }
    ASSERT_GE(pick, 0);
    const auto& chosen = loads[static_cast<std::size_t>(pick)];
    ASSERT_TRUE(chosen.eligible);
    for (std::size_t i = 0; i < loads.size(); ++i) {
      if (!loads[i].eligible) continue;
      ASSERT_GE(loads[i].outstanding(), chosen.outstanding()) << "trial " << trial;
      if (i < static_cast<std::size_t>(pick)) {
        ASSERT_GT(loads[i].outstanding(), chosen.outstanding()) << "ties go to the lowest index";
      }
    }
  }
  EXPECT_EQ(Dispatcher(Dispatch::shared).pick(std::vector<QueueLoad>(2, {true, 0, false})), -1);
}

// [SECTION] Pools ----------------------------------------------------------------

struct Placement {
  int queue;
  bool onto_longer;  // another eligible queue had fewer jobs at that instant
};

/// Every `enqueued` event of a run with `workers` per-worker queues, in seq order,
/// with the loads rebuilt from the events before it.
std::vector<Placement> placements(std::vector<Event> events, int workers) {
  std::sort(events.begin(), events.end(),
            [](const Event& a, const Event& b) { return a.seq < b.seq; });
  std::vector<std::int64_t> load(static_cast<std::size_t>(workers), 0);
  std::vector<Placement> out;
  for (const Event& e : events) {
    if (e.worker < 0 || e.worker >= workers) continue;
    auto& l = load[static_cast<std::size_t>(e.worker)];
    if (e.kind == EventKind::enqueued) {
      const std::int64_t shortest = *std::min_element(load.begin(), load.end());
      out.push_back({e.worker, l > shortest});
      ++l;
    } else if (e.kind == EventKind::finished) {
      --l;
    }
  }
  return out;
}

/// 3 workers; job sizes are decided by when the test opens each job's gate:
/// J1 and J2, J5 end early, J0 and J4 stay long (the "every third job is long"
/// skew of the tutorial). Returns the events of the whole run.
std::vector<Event> run_skewed_script(Dispatch dispatch) {
  ManualClock clock;
  EventBus bus;
  EventRecorder recorder;
  bus.attach(&recorder);
  PoolConfig config;
  config.workers = 3;
  config.dispatch = dispatch;
  WorkerPool pool(config, env_of(clock, &bus));

  constexpr int kJobs = 11;
  std::vector<std::unique_ptr<JobGate>> gates;
  std::vector<std::uint64_t> ids;
  for (int i = 0; i < kJobs; ++i) gates.push_back(std::make_unique<JobGate>());
  auto submit = [&](int i) {
    JobGate* gate = gates[static_cast<std::size_t>(i)].get();
    ids.push_back(pool.submit(make_job([gate](JobContext& ctx) { gate->pass(ctx); })).id.value);
  };
  auto started = [&](int i) { return ids[static_cast<std::size_t>(i)]; };

  for (int i = 0; i < 6; ++i) submit(i);  // both policies: 0,1,2,0,1,2
  for (int i = 0; i < 3; ++i) gates[static_cast<std::size_t>(i)]->wait_for_arrivals(1);
  gates[1]->open();
  gates[4]->wait_for_arrivals(1);  // worker 1 finished J1 and runs J4
  submit(6);
  submit(7);
  gates[2]->open();
  gates[5]->wait_for_arrivals(1);  // worker 2 finished J2 and runs J5
  // Worker 2 has nothing after J5: wait until it parks (after J5 started, by seq).
  std::uint64_t j5_seq = 0;
  recorder.drain_until(bus, [&](const std::vector<Event>& events) {
    for (const Event& e : events) {
      if (e.kind == EventKind::started && e.job == started(5)) j5_seq = e.seq;
    }
    return j5_seq != 0;
  });
  gates[5]->open();
  recorder.drain_until(bus, [&](const std::vector<Event>& events) {
    return std::any_of(events.begin(), events.end(), [&](const Event& e) {
      return e.kind == EventKind::worker_parked && e.worker == 2 && e.seq > j5_seq;
    });
  });
  for (int i = 8; i < kJobs; ++i) submit(i);

  for (auto& gate : gates) gate->open();
  pool.shutdown(ShutdownMode::drain);
  bus.drain(true);
  const ExecutorStats stats = pool.stats();
  expect_accounting(stats);
  EXPECT_EQ(stats.completed, static_cast<std::uint64_t>(kJobs));
  return recorder.events();
}

std::vector<int> queues_of(const std::vector<Placement>& ps) {
  std::vector<int> q;
  for (const Placement& p : ps) q.push_back(p.queue);
  return q;
}

std::size_t onto_longer(const std::vector<Placement>& ps) {
  return static_cast<std::size_t>(
      std::count_if(ps.begin(), ps.end(), [](const Placement& p) { return p.onto_longer; }));
}

TEST(DispatchPool, RoundRobinPlacesJobsCyclicallyWhateverTheLoad) {
  Watchdog watchdog(60s, "round robin script");
  const auto ps = placements(run_skewed_script(Dispatch::round_robin), 3);
  EXPECT_EQ(queues_of(ps), (std::vector<int>{0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1}));
  // Ignoring job size is the point of the lesson: the long jobs' worker piles up.
  EXPECT_EQ(onto_longer(ps), 3U);
}

TEST(DispatchPool, LeastLoadedNeverPlacesAJobOnALongerQueueWhenAShorterExists) {
  Watchdog watchdog(60s, "least loaded script");
  const auto ps = placements(run_skewed_script(Dispatch::least_loaded), 3);
  EXPECT_EQ(queues_of(ps), (std::vector<int>{0, 1, 2, 0, 1, 2, 1, 0, 2, 2, 1}));
  EXPECT_EQ(onto_longer(ps), 0U);
}

TEST(DispatchPool, ARetiringWorkerHandsItsQueuedJobsToTheOthers) {
  Watchdog watchdog(60s, "retire with a queue");
  ManualClock clock;
  EventBus bus;
  EventRecorder recorder;
  bus.attach(&recorder);
  PoolConfig config;
  config.workers = 3;
  config.dispatch = Dispatch::round_robin;
  WorkerPool pool(config, env_of(clock, &bus));
  constexpr int kJobs = 9;
  JobGate gate;
  std::vector<std::atomic<int>> runs(kJobs);
  for (int i = 0; i < kJobs; ++i) {
    ASSERT_TRUE(pool.submit(make_job([&, i](JobContext& ctx) {
      runs[static_cast<std::size_t>(i)].fetch_add(1);
      gate.pass(ctx);
    })));
  }
  gate.wait_for_arrivals(3);  // each worker runs one job and holds two
  ASSERT_TRUE(pool.set_workers(1));
  gate.open();
  pool.wait_idle();
  for (const auto& r : runs) EXPECT_EQ(r.load(), 1);
  EXPECT_EQ(pool.stats().workers_alive, 1);
  pool.shutdown(ShutdownMode::drain);
  bus.drain(true);
  expect_accounting(pool.stats());
  EXPECT_GT(recorder.count(EventKind::enqueued), static_cast<std::size_t>(kJobs))
      << "the retired workers' queued jobs were placed again";
}

TEST(DispatchPool, ManyProducersAndResizesLoseNoJob) {
  Watchdog watchdog(120s, "dispatch under resize");
  for (Dispatch dispatch : {Dispatch::round_robin, Dispatch::least_loaded}) {
    ManualClock clock;
    PoolConfig config;
    config.workers = 4;
    config.dispatch = dispatch;
    config.queue_capacity = 8;  // per worker; producers block on a full target
    WorkerPool pool(config, env_of(clock));
    constexpr int kProducers = 3, kPerProducer = 1500;
    std::vector<std::atomic<int>> runs(kProducers * kPerProducer);
    std::vector<std::thread> producers;
    for (int p = 0; p < kProducers; ++p) {
      producers.emplace_back([&, p] {
        for (int i = 0; i < kPerProducer; ++i) {
          auto& counter = runs[static_cast<std::size_t>(p * kPerProducer + i)];
          EXPECT_TRUE(pool.submit(make_job([&counter](JobContext&) { counter.fetch_add(1); })));
        }
      });
    }
    for (int round = 0; round < 60; ++round) pool.set_workers(1 + round % 5);
    for (auto& t : producers) t.join();
    pool.shutdown(ShutdownMode::drain);
    for (const auto& r : runs) ASSERT_EQ(r.load(), 1);
    expect_accounting(pool.stats());
  }
}

TEST(DispatchPool, TheFactoryBuildsPerWorkerQueuesForFixedWithADispatch) {
  Watchdog watchdog(60s, "factory");
  ManualClock clock;
  EventBus bus;
  EventRecorder recorder;
  bus.attach(&recorder);
  PoolSpec spec;
  spec.strategy = Strategy::fixed;
  spec.dispatch = Dispatch::least_loaded;
  spec.workers = 2;
  auto pool = make_executor(spec, env_of(clock, &bus));
  EXPECT_EQ(pool->strategy(), "fixed");
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(pool->submit(make_job({})));
  pool->shutdown(ShutdownMode::drain);
  bus.drain(true);
  for (const Event& e : recorder.events()) {
    if (e.kind == EventKind::enqueued) {
      EXPECT_TRUE(e.worker == 0 || e.worker == 1);
    }
  }
  expect_accounting(pool->stats());
}

}  // namespace
}  // namespace poolviz
