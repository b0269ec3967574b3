// The canvas seeks through keyframes: the model it gives at any moment is the
// one a fresh model fed every event up to that moment gives.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "gui/canvas_keyframes.h"
#include "poolviz/job.h"
#include "support/event_builder.h"

namespace poolviz::gui {
namespace {

std::vector<Event> pool_log(std::uint64_t seed, int jobs) {
  std::mt19937_64 rng(seed);
  std::vector<Event> log;
  for (int w = 0; w < 3; ++w) log.push_back(ev::worker_spawned(0, w, WorkerReason::start, w + 1));
  Nanos t = 0;
  for (int j = 1; j <= jobs; ++j) {
    const auto id = static_cast<std::uint64_t>(j);
    t += static_cast<Nanos>(1 + rng() % 5) * kMillisecond;
    log.push_back(ev::submitted(t, id));
    if (rng() % 8 == 0) {
      log.push_back(ev::rejected(t, id, RejectReason::queue_full, 4));
      continue;
    }
    log.push_back(ev::enqueued(t, id));
    const Nanos start = t + static_cast<Nanos>(rng() % 20) * kMillisecond;
    const int worker = static_cast<int>(rng() % 3);
    log.push_back(ev::started(start, id, worker, 1));
    log.push_back(ev::finished(start + 7 * kMillisecond, id, worker, Outcome::completed, 1));
  }
  std::stable_sort(log.begin(), log.end(), [](const Event& a, const Event& b) { return a.t < b.t; });
  return log;
}

void expect_same_canvas(const FlowModel& a, const FlowModel& b) {
  ASSERT_EQ(a.jobs().size(), b.jobs().size());
  for (const auto& [id, job] : a.jobs()) {
    const JobView* other = b.job(id);
    ASSERT_NE(other, nullptr) << "job " << id;
    EXPECT_EQ(job.place, other->place) << "job " << id;
    EXPECT_EQ(job.lane, other->lane) << "job " << id;
  }
  EXPECT_EQ(a.queue_order(-1), b.queue_order(-1));
  ASSERT_EQ(a.lanes().size(), b.lanes().size());
  for (std::size_t i = 0; i < a.lanes().size(); ++i) {
    EXPECT_EQ(a.lanes()[i].state, b.lanes()[i].state);
    EXPECT_EQ(a.lanes()[i].job, b.lanes()[i].job);
    EXPECT_EQ(a.lanes()[i].jobs_done, b.lanes()[i].jobs_done);
  }
  EXPECT_EQ(a.now(), b.now());
}

TEST(CanvasKeyframes, ASeekGivesTheCanvasOfAReplayFromZero) {
  const std::vector<Event> log = pool_log(3, 3000);
  Recording recording(TimelineOptions{}, 256);
  CanvasKeyframes keys;
  keys.reset({});
  // Fed in uneven batches, as frames drain them.
  for (std::size_t i = 0; i < log.size();) {
    const std::size_t n = std::min<std::size_t>(log.size() - i, 1 + (i * 7919) % 700);
    recording.on_events(std::span<const Event>(log).subspan(i, n));
    keys.feed(recording);
    i += n;
  }
  EXPECT_GT(keys.size(), 10u);
  std::mt19937_64 rng(9);
  for (int i = 0; i < 30; ++i) {
    const Nanos t = static_cast<Nanos>(rng() % static_cast<std::uint64_t>(recording.end_time() + 1));
    SCOPED_TRACE("t " + std::to_string(t));
    const Timeline at = recording.state_at(t);
    FlowModel sought;
    keys.seek(recording, t, &at, sought);
    FlowModel replayed;
    replayed.bind(&at);
    replayed.on_events(recording.events_until(t));
    expect_same_canvas(sought, replayed);
  }
}

TEST(CanvasKeyframes, KeyframesFollowACappedRecording) {
  const std::vector<Event> log = pool_log(4, 3000);
  Recording recording(TimelineOptions{}, 128, 1024);
  CanvasKeyframes keys;
  keys.reset({});
  for (std::size_t i = 0; i < log.size(); i += 100) {
    recording.on_events(std::span<const Event>(log).subspan(i, std::min<std::size_t>(100, log.size() - i)));
    keys.feed(recording);
  }
  ASSERT_TRUE(recording.trimmed());
  EXPECT_LE(keys.size(), recording.keyframes() + 1);
  // The oldest kept moment: the canvas there is the keyframe's, not an empty one.
  const Timeline at = recording.state_at(recording.start_time());
  FlowModel sought;
  keys.seek(recording, recording.start_time(), &at, sought);
  EXPECT_FALSE(sought.lanes().empty());
}

}  // namespace
}  // namespace poolviz::gui
