// tests/support/event_recorder.h — an EventSink that keeps every event it is
// given, and questions tests ask of the recording.
//
// Usage:
//   EventBus bus;  EventRecorder recorder;  bus.attach(&recorder);
//   ... run the executor ...
//   recorder.drain_until(bus, [](auto& events) { return has(events, ...); });  // mid-run
//   executor.shutdown(...);  bus.drain(true);  // quiet producers: everything is delivered
//   for (const Event& e : recorder.of_job(id)) ...
//
// on_events() is called from EventBus::drain() (any thread); the accessors
// copy under the same mutex, so a test may read while another thread drains.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <mutex>
#include <span>
#include <thread>
#include <vector>

#include "poolviz/event.h"

namespace poolviz::test {

class EventRecorder final : public EventSink {
 public:
  void on_events(std::span<const Event> batch) override {
    std::lock_guard lock(mutex_);
    events_.insert(events_.end(), batch.begin(), batch.end());
  }

  /// Everything recorded so far, in delivery order.
  std::vector<Event> events() const {
    std::lock_guard lock(mutex_);
    return events_;
  }

  /// The events about job `job`, in delivery order.
  std::vector<Event> of_job(std::uint64_t job) const {
    std::vector<Event> out;
    for (const Event& e : events()) {
      if (e.job == job) out.push_back(e);
    }
    return out;
  }

  std::size_t count(EventKind kind) const {
    const std::vector<Event> all = events();
    return static_cast<std::size_t>(
        std::count_if(all.begin(), all.end(), [kind](const Event& e) { return e.kind == kind; }));
  }

  /// Drains `bus` again and again until `done(events so far)` holds. A polling
  /// loop (events reach sinks only through drain), not a timed sleep; pair it
  /// with a Watchdog in case the awaited event never comes.
  void drain_until(EventBus& bus, const std::function<bool(const std::vector<Event>&)>& done) {
    for (;;) {
      bus.drain();
      if (done(events())) return;
      std::this_thread::yield();
    }
  }

 private:
  mutable std::mutex mutex_;
  std::vector<Event> events_;
};

/// True when `events` holds one of `kind` about `job` (job 0: about anything).
inline bool has_event(const std::vector<Event>& events, EventKind kind, std::uint64_t job = 0) {
  return std::any_of(events.begin(), events.end(),
                     [&](const Event& e) { return e.kind == kind && (job == 0 || e.job == job); });
}

}  // namespace poolviz::test
