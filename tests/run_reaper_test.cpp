// RunReaper: Runs (and threads) handed over mid-run are stopped and destroyed on the
// reaper's thread, never on the caller's (the browser page's main thread must
// not join the engine's threads). No timing is asserted: the tests wait for
// the reaper, then read what the Runs' final drains delivered.
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "poolviz/run_reaper.h"
#include "poolviz/scenario.h"
#include "poolviz/timeline.h"

namespace poolviz {
namespace {

/// Every event of one Run, and the threads that delivered them.
class Witness final : public EventSink {
 public:
  void on_events(std::span<const Event> batch) override {
    std::lock_guard lock(mutex_);
    threads_.insert(std::this_thread::get_id());
    timeline_.on_events(batch);
  }
  std::set<std::thread::id> threads() const {
    std::lock_guard lock(mutex_);
    return threads_;
  }
  TimelineCounts counts() const {
    std::lock_guard lock(mutex_);
    return timeline_.counts();
  }

 private:
  mutable std::mutex mutex_;
  std::set<std::thread::id> threads_;
  Timeline timeline_;
};

/// unbounded-spawn (one thread per job) with its arrivals running when handed over.
std::unique_ptr<Run> spawning_run(Witness& witness) {
  Scenario scenario = load_scenario("unbounded-spawn");
  apply_override(scenario, "workload.count=300");
  auto run = std::make_unique<Run>(scenario, RunOptions{.speed = 50});
  run->attach(&witness);
  run->start();
  // Handed over mid-run: once its arrivals have begun, so the final drain has
  // events to deliver (under load, a stop before the first submit has none).
  while (run->arrivals_submitted() == 0) std::this_thread::yield();
  return run;
}

TEST(RunReaper, RetiredRunIsStoppedOnTheReapersThreadNotTheCallers) {
  Witness witness;  // outlives the reaper: its Run may drain into it to the end
  RunReaper reaper;
  reaper.retire(spawning_run(witness));
  reaper.wait_idle();
  EXPECT_EQ(reaper.pending(), 0u);
  // Nobody polled on this thread: the final drain (in stop) was the reaper's.
  const std::set<std::thread::id> threads = witness.threads();
  ASSERT_FALSE(threads.empty());
  EXPECT_EQ(threads.count(std::this_thread::get_id()), 0u);
  // Stopped with cancel: every job accepted has ended, no thread is left.
  const TimelineCounts c = witness.counts();
  EXPECT_GT(c.submitted, 0u);
  EXPECT_EQ(c.in_system, 0);
  EXPECT_EQ(c.threads_alive(), 0);
}

TEST(RunReaper, DestructorFinishesEveryRetiredRun) {
  std::vector<std::unique_ptr<Witness>> witnesses;
  {
    RunReaper reaper;
    for (int i = 0; i < 3; ++i) {
      witnesses.push_back(std::make_unique<Witness>());
      reaper.retire(spawning_run(*witnesses.back()));
    }
    reaper.retire(nullptr);  // nothing to do, and no harm
  }
  for (const auto& w : witnesses) {
    EXPECT_EQ(w->counts().in_system, 0);
    EXPECT_EQ(w->counts().threads_alive(), 0);
  }
}

TEST(RunReaper, RetiredThreadIsStoppedAndJoinedByTheReaper) {
  std::mutex mutex;
  poolviz::condition_variable_any never;
  std::atomic<bool> ended{false};
  RunReaper reaper;
  reaper.retire(poolviz::jthread([&](poolviz::stop_token stop) {
    std::unique_lock lock(mutex);
    never.wait(lock, stop, [] { return false; });  // until its stop is requested
    ended.store(true);
  }));
  reaper.wait_idle();
  EXPECT_TRUE(ended.load());
  EXPECT_EQ(reaper.pending(), 0u);
}

}  // namespace
}  // namespace poolviz
