// app/gui/canvas_keyframes.h — keyframes of the flow canvas's model, so that a
// seek shows any moment of the recorded span without replaying it from zero.
//
// Taken at the Recording's own keyframe event numbers (every
// keyframe_every() events): a seek copies the newest canvas keyframe at or
// before t and applies the events after it, so its cost is bounded by one
// keyframe interval, like the Timeline's (bench c11 measures both). The models
// here are fed events but never animated: they hold places, not motion.
// Keyframes older than what the Recording keeps are dropped with it.
//
// Plain C++ (no ImGui), GUI thread only.
#pragma once

#include <cstddef>
#include <vector>

#include "gui/flow_model.h"
#include "poolviz/recording.h"

namespace poolviz::gui {

class CanvasKeyframes {
 public:
  /// Forgets everything; new models use `options`.
  void reset(const FlowModelOptions& options);
  /// Applies the events `recording` took since the last call, keyframing on the way.
  void feed(const Recording& recording);
  /// `out` becomes the canvas at scenario time `t` (clamped to the recorded
  /// span), its counts read from `counts` (the Timeline of the same moment).
  void seek(const Recording& recording, Nanos t, const Timeline* counts, FlowModel& out) const;
  std::size_t size() const { return keys_.size(); }

 private:
  struct Key {
    std::size_t index;  // the canvas after events number [0, index)
    FlowModel model;
  };
  FlowModelOptions options_;
  Timeline no_counts_{TimelineOptions{.series_capacity = 1, .recent_jobs = 0}};  // the head's counts are never read
  FlowModel head_;
  std::vector<Key> keys_;
  std::size_t fed_ = 0;
};

}  // namespace poolviz::gui
