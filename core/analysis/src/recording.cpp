#include "poolviz/recording.h"

#include <algorithm>
#include <cstdint>
#include <istream>
#include <nlohmann/json.hpp>
#include <ostream>
#include <stdexcept>
#include <string>

namespace poolviz {

Recording::Recording(TimelineOptions timeline, std::size_t keyframe_every, std::size_t max_events)
    : options_(timeline),
      keyframe_every_(std::clamp<std::size_t>(keyframe_every, 1, std::max<std::size_t>(max_events / 4, 1))),
      max_events_(std::max<std::size_t>(max_events, 4)),
      head_(timeline) {}

TimelineOptions Recording::scrub_timeline_options(TimelineOptions options) {
  options.series_capacity = 600;
  options.recent_jobs = 0;
  options.keep_all_samples = false;
  return options;
}

Recording Recording::for_scrubbing(const TimelineOptions& run_options, std::size_t max_events) {
  return Recording(scrub_timeline_options(run_options), kScrubKeyframeEvery, max_events);
}

void Recording::on_events(std::span<const Event> batch) {
  for (const Event& e : batch) append(e);
}

void Recording::append(const Event& e) {
  if (total() % keyframe_every_ == 0 && total() > 0) keyframes_.push_back({total(), end_time_, head_});
  if (events_.size() >= max_events_) forget_oldest();
  events_.push_back(e);
  end_time_ = std::max(end_time_, e.t);
  running_max_.push_back(end_time_);
  head_.apply(e);
}

void Recording::forget_oldest() {
  // The kept span must start at a keyframe (its state is known there): drop
  // everything before the first keyframe past the current start.
  auto next = std::upper_bound(keyframes_.begin(), keyframes_.end(), first_index_,
                               [](std::size_t index, const Keyframe& k) { return index < k.index; });
  if (next == keyframes_.end()) return;
  const auto drop = static_cast<std::ptrdiff_t>(next->index - first_index_);
  events_.erase(events_.begin(), events_.begin() + drop);
  running_max_.erase(running_max_.begin(), running_max_.begin() + drop);
  first_index_ = next->index;
  start_time_ = next->t;
  keyframes_.erase(keyframes_.begin(), next);
}

std::size_t Recording::memory_bytes() const {
  std::size_t bytes = sizeof(Recording) + events_.capacity() * sizeof(Event) + running_max_.capacity() * sizeof(Nanos);
  bytes += head_.memory_bytes();
  for (const Keyframe& k : keyframes_) bytes += sizeof(Keyframe) + k.state.memory_bytes();
  return bytes;
}

std::size_t Recording::prefix_end(Nanos t) const {
  // running_max_ never decreases: the prefix ends at the first event past t.
  const auto it = std::upper_bound(running_max_.begin(), running_max_.end(), t);
  return static_cast<std::size_t>(it - running_max_.begin());
}

std::size_t Recording::index_at(Nanos t) const {
  return first_index_ + prefix_end(std::clamp<Nanos>(t, start_time_, end_time_));
}

std::span<const Event> Recording::events_between(std::size_t from, std::size_t to) const {
  from = std::clamp(from, first_index_, total());
  to = std::clamp(to, from, total());
  return std::span<const Event>(events_).subspan(from - first_index_, to - from);
}

Timeline Recording::state_at(Nanos t) const {
  t = std::clamp<Nanos>(t, start_time_, end_time_);
  const std::size_t end = index_at(t);
  // The newest keyframe at or before the prefix's end (trimmed: there is one).
  auto key = std::upper_bound(keyframes_.begin(), keyframes_.end(), end,
                              [](std::size_t index, const Keyframe& k) { return index < k.index; });
  const bool from_zero = key == keyframes_.begin();
  Timeline state = from_zero ? Timeline(options_) : std::prev(key)->state;
  const std::size_t start = from_zero ? first_index_ : std::prev(key)->index;
  for (const Event& e : events_between(start, end)) state.apply(e);
  state.advance_to(t);
  return state;
}

Timeline Recording::replay_from_zero(Nanos t) const {
  t = std::clamp<Nanos>(t, start_time_, end_time_);
  const bool from_zero = first_index_ == 0 || keyframes_.empty();
  Timeline state = from_zero ? Timeline(options_) : keyframes_.front().state;
  for (const Event& e : events_between(first_index_, index_at(t))) state.apply(e);
  state.advance_to(t);
  return state;
}

}  // namespace poolviz

// [SECTION] Recording files ------------------------------------------------------

namespace poolviz {

namespace {

constexpr const char* kFormat = "poolviz-recording";

[[noreturn]] void fail(const std::string& name, std::size_t line, const std::string& what) {
  throw std::runtime_error(name + ":" + std::to_string(line) + ": " + what);
}

}  // namespace

void write_recording(std::ostream& out, const RecordingHeader& header, std::span<const Event> events) {
  nlohmann::ordered_json h;
  h["format"] = kFormat;
  h["version"] = RecordingHeader::kVersion;
  h["scenario"] = header.scenario;
  h["stages"] = header.stages;
  h["sample_period_ns"] = header.sample_period;
  h["events"] = events.size();
  out << h.dump() << '\n';
  for (const Event& e : events) {
    // The payload as its generic slots (poolviz/event.h: EventSlots): the
    // columns are the same for every kind.
    const EventSlots& p = e.slots;
    nlohmann::json row = nlohmann::json::array({e.t, e.seq, e.job, p.x, e.worker, p.y, p.value,
                                                std::string(to_string(e.kind)), p.code, e.source});
    out << row.dump() << '\n';
  }
}

LoadedRecording read_recording(std::istream& in, const std::string& name) {
  LoadedRecording loaded;
  std::string line;
  if (!std::getline(in, line)) fail(name, 1, "empty file: expected a poolviz-recording header");
  std::size_t expected = 0;
  try {
    const nlohmann::json h = nlohmann::json::parse(line);
    if (!h.is_object() || h.value("format", std::string()) != kFormat) {
      fail(name, 1, "not a poolviz recording (the header's \"format\" is not \"poolviz-recording\")");
    }
    const int version = h.at("version").get<int>();
    if (version != RecordingHeader::kVersion) {
      fail(name, 1, "recording version " + std::to_string(version) + " (this poolviz reads version " +
                        std::to_string(RecordingHeader::kVersion) + ")");
    }
    loaded.header.scenario = h.at("scenario").get<std::string>();
    loaded.header.stages = std::max(1, h.at("stages").get<int>());
    loaded.header.sample_period = h.at("sample_period_ns").get<Nanos>();
    expected = h.at("events").get<std::size_t>();
  } catch (const nlohmann::json::exception& e) {
    fail(name, 1, std::string("bad header: ") + e.what());
  }
  loaded.events.reserve(std::min<std::size_t>(expected, std::size_t{1} << 24));
  for (std::size_t i = 0; i < expected; ++i) {
    const std::size_t number = i + 2;
    if (!std::getline(in, line)) {
      fail(name, number, "truncated: the header promises " + std::to_string(expected) + " events, the file ends after " +
                             std::to_string(i));
    }
    try {
      const nlohmann::json row = nlohmann::json::parse(line);
      if (!row.is_array() || row.size() != 10) fail(name, number, "an event is an array of 10 fields");
      Event e;
      e.t = row[0].get<Nanos>();
      e.seq = row[1].get<std::uint64_t>();
      e.job = row[2].get<std::uint64_t>();
      const auto x = row[3].get<std::int64_t>();
      if (x < INT32_MIN || x > INT32_MAX) fail(name, number, "field 4 (x) is out of range");
      e.slots.x = static_cast<std::int32_t>(x);
      e.worker = row[4].get<std::int32_t>();
      e.slots.y = row[5].get<std::int32_t>();
      e.slots.value = row[6].get<float>();
      const std::string kind = row[7].get<std::string>();
      int k = 0;
      while (k < kEventKindCount && to_string(static_cast<EventKind>(k)) != kind) ++k;
      if (k == kEventKindCount) fail(name, number, "unknown event kind \"" + kind + "\"");
      e.kind = static_cast<EventKind>(k);
      e.slots.code = row[8].get<std::uint8_t>();
      e.source = row[9].get<std::uint8_t>();
      loaded.events.push_back(e);
    } catch (const nlohmann::json::exception& e) {
      fail(name, number, std::string("bad event: ") + e.what());
    }
  }
  if (std::getline(in, line) && !line.empty()) {
    fail(name, expected + 2, "more lines than the header's " + std::to_string(expected) + " events");
  }
  return loaded;
}

}  // namespace poolviz
