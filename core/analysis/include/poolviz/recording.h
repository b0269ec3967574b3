// poolviz/recording.h — the run's events kept in order, with keyframes of the
// Timeline, so that any moment of the recorded span can be shown again.
//
// [SECTION] Recording — an EventSink; state_at(t) seeks
// [SECTION] Recording files — `run --record FILE`, `gui --replay FILE`
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
#include <iosfwd>
#include <span>
#include <string>
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

// [SECTION] Recording files ------------------------------------------------------

/// The file format, JSON Lines, version 1. Line 1 is the header:
///   {"format":"poolviz-recording","version":1,"scenario":"<id>","stages":N,
///    "sample_period_ns":P,"events":E}
/// then exactly E lines, one event each, its fields in a fixed order:
///   [t_ns, seq, job, x, worker, y, value, "kind", code, source]
/// (kind by name, as to_string(EventKind) spells it; code is the Outcome /
/// RejectReason / WorkerReason / ResizeReason number). A newer version or a
/// missing line is refused, never half-read.
struct RecordingHeader {
  static constexpr int kVersion = 1;
  std::string scenario;
  int stages = 1;
  Nanos sample_period = 100 * kMillisecond;
};

void write_recording(std::ostream& out, const RecordingHeader& header, std::span<const Event> events);

struct LoadedRecording {
  RecordingHeader header;
  std::vector<Event> events;
};
/// Reads a whole file; throws std::runtime_error naming `name`, the line and
/// what is wrong there (a truncated file: the line where events stop). Nothing
/// is returned unless every line is good.
LoadedRecording read_recording(std::istream& in, const std::string& name);

}  // namespace poolviz
