// poolviz/recording.h — the run's events kept in order, with keyframes of the
// Timeline, so that any moment of the recorded span can be shown again.
//
// [SECTION] Recording — an EventSink; state_at(t) seeks
//
// A seek copies the newest keyframe at or before t and replays the events
// after it: its cost is bounded by `keyframe_every` events, not by the length
// of the run. The state it gives is the one a Timeline fed every event from
// time zero up to t would have (the test checks it against exactly that).
//
// "Up to t" in delivery order: the longest prefix of the log whose events'
// running maximum time is at most t (a straggler stamped slightly earlier than
// its predecessor stays where the bus delivered it).
//
// Contract: on_events() (from EventBus::drain) and the readers run on one
// thread, the one that polls the Run. Memory: 48 bytes per event plus one
// Timeline per keyframe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "poolviz/event.h"
#include "poolviz/timeline.h"

namespace poolviz {

// [SECTION] Recording ----------------------------------------------------------

class Recording final : public EventSink {
 public:
  static constexpr std::size_t kDefaultKeyframeEvery = 1 << 15;

  /// `timeline`: the options of the Timelines it builds (the Run's, to match it).
  /// Past `max_events` it records no more: the seekable span ends there
  /// (full() says so), so memory stays bounded in a long or flooded run.
  explicit Recording(TimelineOptions timeline = {}, std::size_t keyframe_every = kDefaultKeyframeEvery,
                     std::size_t max_events = SIZE_MAX);

  void on_events(std::span<const Event> batch) override;
  void append(const Event& e);

  const std::vector<Event>& events() const { return events_; }
  std::size_t size() const { return events_.size(); }
  /// Scenario time of the newest event (0 when empty).
  Nanos end_time() const { return end_time_; }
  std::size_t keyframes() const { return keyframes_.size(); }
  bool full() const { return events_.size() >= max_events_; }
  const TimelineOptions& timeline_options() const { return options_; }

  /// The Timeline at scenario time `t` (clamped to the recorded span),
  /// advanced to t so that its samples run up to it.
  Timeline state_at(Nanos t) const;
  /// The same, the slow way: every event from zero (for tests and benchmarks).
  Timeline replay_from_zero(Nanos t) const;
  /// The events "up to t" (see above), for views that replay them (the canvas).
  std::span<const Event> events_until(Nanos t) const;

 private:
  /// Index one past the last event of the prefix "up to t", searching from `from`.
  std::size_t prefix_end(Nanos t, std::size_t from) const;

  TimelineOptions options_;
  std::size_t keyframe_every_;
  std::size_t max_events_;
  std::vector<Event> events_;
  std::vector<Nanos> running_max_;  // running_max_[i] = max t of events_[0..i]
  Nanos end_time_ = 0;
  Timeline head_;  // fed as events arrive; copied into keyframes
  struct Keyframe {
    std::size_t index;  // the state after events_[0, index)
    Timeline state;
  };
  std::vector<Keyframe> keyframes_;
};

}  // namespace poolviz
