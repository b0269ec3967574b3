// core/src/limiter_events.h (private) — how the stock limiters report their
// level, and how their waiters sleep on the clock while staying wakeable.
#pragma once

#include <functional>
#include <optional>
#include "poolviz/compat_thread.h"

#include "poolviz/clock.h"
#include "poolviz/event.h"
#include "poolviz/job.h"

namespace poolviz::detail {

/// Emits token_taken / token_refilled (payload Event::token_taken /
/// token_refilled: tokens, or free permits, now and the capacity). A no-op
/// without a bus or sink. Limiters call it under their own mutex, so the bus's
/// seq order matches the order of the level changes.
inline void emit_limiter_event(EventBus* bus, Clock& clock, std::uint8_t source, EventKind kind,
                               JobId job, double tokens, double capacity) {
  if (bus == nullptr || !bus->enabled()) return;
  const auto level = static_cast<float>(tokens);
  const auto size = static_cast<std::int64_t>(capacity);
  Event e = kind == EventKind::token_taken ? events::token_taken(job, level, size)
                                           : events::token_refilled(level, size);
  e.t = clock.now();
  e.source = source;
  bus->emit(e);
}

/// Sleeps in `clock` time until `deadline`, or until either `stop` (the run was
/// cancelled) or `reconfigured` (the limiter's rate changed, so the deadline is
/// stale) is requested. Returns false only when `stop` was requested.
inline bool sleep_until_either(Clock& clock, Nanos deadline, const poolviz::stop_token& stop,
                               const poolviz::stop_token& reconfigured) {
  poolviz::stop_source either;
  std::optional<poolviz::stop_callback<std::function<void()>>> on_stop, on_change;
  if (stop.stop_possible())
    on_stop.emplace(stop, std::function<void()>([&] { either.request_stop(); }));
  on_change.emplace(reconfigured, std::function<void()>([&] { either.request_stop(); }));
  clock.sleep_until(deadline, either.get_token());
  return !stop.stop_requested();
}

}  // namespace poolviz::detail
