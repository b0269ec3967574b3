#include "gui/canvas_keyframes.h"

#include <algorithm>

namespace poolviz::gui {

void CanvasKeyframes::reset(const FlowModelOptions& options) {
  options_ = options;
  head_.reset(options);
  head_.bind(&no_counts_);  // bound, so it does not count on its own
  keys_.clear();
  fed_ = 0;
}

void CanvasKeyframes::feed(const Recording& recording) {
  const std::size_t every = recording.keyframe_every();
  // Events forgotten before the canvas saw them (a flood within one frame):
  // go on from the oldest kept one.
  fed_ = std::max(fed_, recording.first_index());
  while (fed_ < recording.total()) {
    if (fed_ % every == 0 && fed_ > 0 && (keys_.empty() || keys_.back().index < fed_)) keys_.push_back({fed_, head_});
    const std::size_t to = std::min(recording.total(), (fed_ / every + 1) * every);
    head_.on_events(recording.events_between(fed_, to));
    fed_ = to;
  }
  std::erase_if(keys_, [&](const Key& k) { return k.index < recording.first_index(); });
}

void CanvasKeyframes::seek(const Recording& recording, Nanos t, const Timeline* counts, FlowModel& out) const {
  const std::size_t end = recording.index_at(t);
  auto key = std::upper_bound(keys_.begin(), keys_.end(), end,
                              [](std::size_t index, const Key& k) { return index < k.index; });
  std::size_t from = recording.first_index();
  if (key == keys_.begin()) {
    out.reset(options_);
  } else {
    out = std::prev(key)->model;
    from = std::prev(key)->index;
  }
  out.bind(counts);
  out.on_events(recording.events_between(from, end));
}

}  // namespace poolviz::gui
