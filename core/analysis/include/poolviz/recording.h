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
// Timeline per keyframe; a cap forgets the oldest events, keyframe by
// keyframe, so a long run keeps its most recent span.
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
  /// Past `max_events` it forgets the oldest events a keyframe's worth at a
  /// time, so memory stays bounded in a long or flooded run and the seekable
  /// span is always the most recent one: [start_time(), end_time()].
  explicit Recording(TimelineOptions timeline = {}, std::size_t keyframe_every = kDefaultKeyframeEvery,
                     std::size_t max_events = SIZE_MAX);

  /// The scrubber's recording (the window's, and what bench c11 measures):
  /// at most 1M events (48 MB) and light keyframes (a minute of samples, no job
  /// history) every kScrubKeyframeEvery events.
  static constexpr std::size_t kScrubKeyframeEvery = 1 << 13;
  static constexpr std::size_t kScrubMaxEvents = std::size_t{1} << 20;
  static TimelineOptions scrub_timeline_options(TimelineOptions run_options);
  static Recording for_scrubbing(const TimelineOptions& run_options, std::size_t max_events = kScrubMaxEvents);

  void on_events(std::span<const Event> batch) override;
  void append(const Event& e);

  /// The events kept, oldest first: events_[0] is event number first_index().
  const std::vector<Event>& events() const { return events_; }
  std::size_t size() const { return events_.size(); }
  /// Events ever appended (kept or forgotten); first_index() of them forgotten.
  std::size_t total() const { return first_index_ + events_.size(); }
  std::size_t first_index() const { return first_index_; }
  /// Scenario time of the newest event (0 when empty).
  Nanos end_time() const { return end_time_; }
  /// The earliest moment a seek can show (0 until old events are forgotten).
  Nanos start_time() const { return start_time_; }
  std::size_t keyframes() const { return keyframes_.size(); }
  std::size_t keyframe_every() const { return keyframe_every_; }
  /// True once old events have been forgotten.
  bool trimmed() const { return first_index_ > 0; }
  const TimelineOptions& timeline_options() const { return options_; }
  /// The events, their running maxima and the keyframes' Timelines.
  std::size_t memory_bytes() const;

  /// The Timeline at scenario time `t` (clamped to the recorded span),
  /// advanced to t so that its samples run up to it.
  Timeline state_at(Nanos t) const;
  /// The same, the slow way: every kept event from the oldest kept state (time
  /// zero unless trimmed), for tests and benchmarks.
  Timeline replay_from_zero(Nanos t) const;
  /// Event number one past the prefix "up to t" (see above), t clamped to the span.
  std::size_t index_at(Nanos t) const;
  /// Kept events numbered [from, to) (clamped to what is kept).
  std::span<const Event> events_between(std::size_t from, std::size_t to) const;
  /// The events "up to t" that are kept.
  std::span<const Event> events_until(Nanos t) const { return events_between(first_index_, index_at(t)); }

 private:
  /// Index into events_ one past the last event of the prefix "up to t".
  std::size_t prefix_end(Nanos t) const;
  void forget_oldest();

  TimelineOptions options_;
  std::size_t keyframe_every_;
  std::size_t max_events_;
  std::vector<Event> events_;
  std::vector<Nanos> running_max_;  // running_max_[i] = max t of every event up to events_[i]
  std::size_t first_index_ = 0;
  Nanos end_time_ = 0;
  Nanos start_time_ = 0;
  Timeline head_;  // fed as events arrive; copied into keyframes
  struct Keyframe {
    std::size_t index;  // the state after events number [0, index)
    Nanos t;            // the newest event time before it
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
