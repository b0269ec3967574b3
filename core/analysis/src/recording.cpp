#include "poolviz/recording.h"

#include <algorithm>
#include <istream>
#include <nlohmann/json.hpp>
#include <ostream>
#include <stdexcept>
#include <string>

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
    nlohmann::json row = nlohmann::json::array({e.t, e.seq, e.job, e.x, e.worker, e.y, e.value,
                                                std::string(to_string(e.kind)), e.code, e.source});
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
      e.x = row[3].get<std::int64_t>();
      e.worker = row[4].get<std::int32_t>();
      e.y = row[5].get<std::int32_t>();
      e.value = row[6].get<float>();
      const std::string kind = row[7].get<std::string>();
      int k = 0;
      while (k < kEventKindCount && to_string(static_cast<EventKind>(k)) != kind) ++k;
      if (k == kEventKindCount) fail(name, number, "unknown event kind \"" + kind + "\"");
      e.kind = static_cast<EventKind>(k);
      e.code = row[8].get<std::uint8_t>();
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
