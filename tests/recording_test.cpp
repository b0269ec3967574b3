// Recording: seeking to any moment gives the state that replaying every event
// from time zero to that moment gives, whatever the order of the seeks.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

#include "poolviz/job.h"
#include "poolviz/recording.h"
#include "poolviz/run.h"
#include "support/event_builder.h"

namespace poolviz {
namespace {

/// A random but well-formed log: workers start, jobs arrive, queue, run
/// (some retried, some rejected, some held at a gate), end; in time order.
std::vector<Event> random_log(std::uint64_t seed, int jobs) {
  std::mt19937_64 rng(seed);
  std::vector<Event> log;
  auto add = [&](const Event& e) { log.push_back(e); };
  for (int w = 0; w < 4; ++w) add(ev::worker_spawned(0, w, WorkerReason::start, w + 1));
  Nanos arrival = 0;
  for (int j = 1; j <= jobs; ++j) {
    const auto id = static_cast<std::uint64_t>(j);
    arrival += static_cast<Nanos>(rng() % 20) * kMillisecond;
    add(ev::submitted(arrival, id, static_cast<std::int64_t>(rng() % 3)));
    if (rng() % 10 == 0) {
      add(ev::rejected(arrival, id, RejectReason::queue_full));
      continue;
    }
    add(ev::enqueued(arrival, id));
    Nanos t = arrival + static_cast<Nanos>(rng() % 300) * kMillisecond;
    const int worker = static_cast<int>(rng() % 4);
    if (rng() % 5 == 0) add(ev::gate_waiting(t, id, worker));
    add(ev::started(t, id, worker, 1));
    if (rng() % 6 == 0) {
      t += 10 * kMillisecond;
      add(ev::retried(t, id, worker, 2));
      t += 50 * kMillisecond;
      add(ev::enqueued(t, id));
      add(ev::started(t, id, worker, 2));
    }
    t += static_cast<Nanos>(1 + rng() % 200) * kMillisecond;
    add(ev::finished(t, id, worker, static_cast<Outcome>(rng() % 4), 1));
    if (rng() % 3 == 0) {
      add(ev::token_taken(t, 0, static_cast<float>(rng() % 5), 5));
    }
  }
  std::stable_sort(log.begin(), log.end(), [](const Event& a, const Event& b) { return a.t < b.t; });
  return log;
}

void expect_same_state(const Timeline& a, const Timeline& b) {
  const TimelineCounts& x = a.counts();
  const TimelineCounts& y = b.counts();
  EXPECT_EQ(x.submitted, y.submitted);
  EXPECT_EQ(x.completed, y.completed);
  EXPECT_EQ(x.failed, y.failed);
  EXPECT_EQ(x.rejected, y.rejected);
  EXPECT_EQ(x.in_queue, y.in_queue);
  EXPECT_EQ(x.at_gate, y.at_gate);
  EXPECT_EQ(x.running, y.running);
  EXPECT_EQ(x.retry_waiting, y.retry_waiting);
  EXPECT_EQ(x.in_system, y.in_system);
  EXPECT_EQ(x.workers_alive, y.workers_alive);
  EXPECT_EQ(a.tokens().level, b.tokens().level);
  EXPECT_EQ(a.wait().count(), b.wait().count());
  EXPECT_EQ(a.wait().percentile(99), b.wait().percentile(99));
  EXPECT_EQ(a.sojourn().percentile(50), b.sojourn().percentile(50));
  EXPECT_EQ(a.service().max(), b.service().max());
  EXPECT_EQ(a.now(), b.now());
  EXPECT_DOUBLE_EQ(a.little(a.now()).mean_in_system, b.little(b.now()).mean_in_system);
  ASSERT_EQ(a.series().size(), b.series().size());
  if (!a.series().empty()) {
    EXPECT_EQ(a.series().back().t_s, b.series().back().t_s);
    EXPECT_EQ(a.series().back().wait_p99_ms, b.series().back().wait_p99_ms);
    EXPECT_EQ(a.series().back().throughput_per_s, b.series().back().throughput_per_s);
    EXPECT_EQ(a.series().back().queue_depth, b.series().back().queue_depth);
  }
  const auto ra = a.recent_jobs();
  const auto rb = b.recent_jobs();
  ASSERT_EQ(ra.size(), rb.size());
  if (!ra.empty()) {
    EXPECT_EQ(ra.back().id, rb.back().id);
  }
}

TEST(Recording, SeekGivesTheStateOfAReplayFromZeroFromAnyPosition) {
  for (std::uint64_t seed : {1u, 2u, 3u}) {
    const std::vector<Event> log = random_log(seed, 400);
    Recording recording(TimelineOptions{}, 64);  // many keyframes: seeks start from one
    recording.on_events(log);
    EXPECT_GT(recording.keyframes(), 10u);
    std::mt19937_64 rng(seed);
    // Seeks in random order: forwards, backwards, to the ends.
    std::vector<Nanos> moments{0, recording.end_time()};
    for (int i = 0; i < 25; ++i) moments.push_back(static_cast<Nanos>(rng() % static_cast<std::uint64_t>(recording.end_time() + 1)));
    for (const Nanos t : moments) {
      SCOPED_TRACE("seed " + std::to_string(seed) + " t " + std::to_string(t));
      expect_same_state(recording.state_at(t), recording.replay_from_zero(t));
    }
  }
}

TEST(Recording, TheEndOfTheRecordingIsTheLiveState) {
  const std::vector<Event> log = random_log(7, 300);
  Recording recording(TimelineOptions{}, 50);
  Timeline live;
  recording.on_events(log);
  live.on_events(log);
  live.advance_to(recording.end_time());
  expect_same_state(recording.state_at(recording.end_time()), live);
}

TEST(Recording, ASeekBeforeTheStartShowsAnEmptyRun) {
  Recording recording;
  const std::vector<Event> log = random_log(3, 50);
  recording.on_events(log);
  const Timeline at_zero = recording.state_at(-5);
  EXPECT_EQ(at_zero.counts().completed, 0u);
}

TEST(Recording, ACappedRecordingKeepsTheMostRecentEvents) {
  const std::vector<Event> log = random_log(11, 2000);
  Recording full(TimelineOptions{}, 100);
  Recording capped(TimelineOptions{}, 100, 1000);  // holds the newest 1000 events or so
  full.on_events(log);
  capped.on_events(log);
  ASSERT_TRUE(capped.trimmed());
  EXPECT_LE(capped.size(), 1000u);
  EXPECT_GE(capped.size(), 1000u - 100u);
  EXPECT_EQ(capped.total(), log.size());
  // The newest event is kept; the seekable span starts later than zero.
  EXPECT_EQ(capped.events().back().job, log.back().job);
  EXPECT_EQ(capped.events().back().kind, log.back().kind);
  EXPECT_EQ(capped.events().front().job, log[capped.first_index()].job);
  EXPECT_GT(capped.start_time(), 0);
  EXPECT_EQ(capped.end_time(), full.end_time());
  // Within the kept span a seek gives what the uncapped recording gives.
  std::mt19937_64 rng(5);
  const auto span = static_cast<std::uint64_t>(capped.end_time() - capped.start_time());
  for (int i = 0; i < 20; ++i) {
    const Nanos t = capped.start_time() + static_cast<Nanos>(rng() % (span + 1));
    SCOPED_TRACE("t " + std::to_string(t));
    expect_same_state(capped.state_at(t), full.state_at(t));
  }
  // Before the kept span: the oldest kept moment.
  expect_same_state(capped.state_at(0), full.state_at(capped.start_time()));
}

/// A real run of `id` at high speed, every event recorded.
std::vector<Event> recorded_run(const std::string& id, Timeline& live_out) {
  Run run(load_scenario(id), RunOptions{.speed = 200});
  Recording recording(run.timeline().options());
  run.attach(&recording);
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  run.start();
  while (!run.finished() && std::chrono::steady_clock::now() < give_up) {
    run.poll();
    // Paces the poll loop (as the CLI does); nothing is synchronised by it.
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  run.stop(run.finished() ? ShutdownMode::drain : ShutdownMode::cancel);
  run.detach(&recording);
  live_out = run.timeline();
  return recording.events();
}

TEST(RecordingFile, RoundTripGivesTheSameFigures) {
  Timeline live;
  const std::vector<Event> events = recorded_run("backpressure", live);
  std::stringstream file;
  write_recording(file, RecordingHeader{.scenario = "backpressure", .stages = 1, .sample_period = 100 * kMillisecond},
                  events);
  const LoadedRecording loaded = read_recording(file, "bp.jsonl");
  EXPECT_EQ(loaded.header.scenario, "backpressure");
  ASSERT_EQ(loaded.events.size(), events.size());
  Timeline replayed;
  replayed.on_events(loaded.events);
  Timeline original;
  original.on_events(events);
  expect_same_state(replayed, original);
  // The replay's totals are the live run's (its own Timeline saw the same events).
  EXPECT_EQ(replayed.counts().completed, live.counts().completed);
  EXPECT_EQ(replayed.counts().rejected, live.counts().rejected);
  EXPECT_EQ(replayed.wait().count(), live.wait().count());
  EXPECT_EQ(replayed.wait().percentile(99), live.wait().percentile(99));
  EXPECT_EQ(replayed.sojourn().max(), live.sojourn().max());
}

std::string error_of(const std::string& text) {
  std::istringstream in(text);
  try {
    read_recording(in, "f.jsonl");
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

TEST(RecordingFile, ATruncatedOrMalformedFileSaysWhereItBroke) {
  std::stringstream file;
  const std::vector<Event> events = random_log(5, 3);
  write_recording(file, RecordingHeader{.scenario = "x"}, events);
  const std::string good = file.str();
  // Cut after the header and two events: the error names line 4.
  std::string cut = good.substr(0, good.find('\n', good.find('\n', good.find('\n') + 1) + 1) + 1);
  EXPECT_NE(error_of(cut).find("f.jsonl:4: truncated"), std::string::npos) << error_of(cut);
  EXPECT_NE(error_of("").find("f.jsonl:1: empty"), std::string::npos);
  EXPECT_NE(error_of("{\"format\":\"poolviz-recording\",\"version\":2}\n").find("version 2"), std::string::npos);
  std::string garbled = good;
  garbled.replace(garbled.find('\n') + 1, 1, "{");
  EXPECT_NE(error_of(garbled).find("f.jsonl:2: bad event"), std::string::npos) << error_of(garbled);
  EXPECT_EQ(error_of(good), "");
}

}  // namespace
}  // namespace poolviz
