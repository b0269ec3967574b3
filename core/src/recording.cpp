#include "poolviz/recording.h"

#include <algorithm>

namespace poolviz {

Recording::Recording(TimelineOptions timeline, std::size_t keyframe_every, std::size_t max_events)
    : options_(timeline),
      keyframe_every_(std::max<std::size_t>(keyframe_every, 1)),
      max_events_(max_events),
      head_(timeline) {}

void Recording::on_events(std::span<const Event> batch) {
  for (const Event& e : batch) append(e);
}

void Recording::append(const Event& e) {
  if (full()) return;
  if (events_.size() % keyframe_every_ == 0 && events_.size() > 0) {
    keyframes_.push_back({events_.size(), head_});
  }
  events_.push_back(e);
  end_time_ = std::max(end_time_, e.t);
  running_max_.push_back(end_time_);
  head_.apply(e);
}

std::size_t Recording::prefix_end(Nanos t, std::size_t from) const {
  // running_max_ never decreases: the prefix ends at the first event past t.
  const auto it = std::upper_bound(running_max_.begin() + static_cast<std::ptrdiff_t>(from), running_max_.end(), t);
  return static_cast<std::size_t>(it - running_max_.begin());
}

Timeline Recording::state_at(Nanos t) const {
  t = std::clamp<Nanos>(t, 0, end_time_);
  const std::size_t end = prefix_end(t, 0);
  // The newest keyframe at or before the prefix's end.
  auto key = std::upper_bound(keyframes_.begin(), keyframes_.end(), end,
                              [](std::size_t index, const Keyframe& k) { return index < k.index; });
  Timeline state = key == keyframes_.begin() ? Timeline(options_) : std::prev(key)->state;
  const std::size_t start = key == keyframes_.begin() ? 0 : std::prev(key)->index;
  for (std::size_t i = start; i < end; ++i) state.apply(events_[i]);
  state.advance_to(t);
  return state;
}

std::span<const Event> Recording::events_until(Nanos t) const {
  return std::span<const Event>(events_).first(prefix_end(t, 0));
}

Timeline Recording::replay_from_zero(Nanos t) const {
  t = std::clamp<Nanos>(t, 0, end_time_);
  Timeline state(options_);
  for (std::size_t i = 0, end = prefix_end(t, 0); i < end; ++i) state.apply(events_[i]);
  state.advance_to(t);
  return state;
}

}  // namespace poolviz
