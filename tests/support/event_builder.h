// tests/support/event_builder.h — one Event built by hand for tests that feed
// a Timeline (or a recording) a log they wrote themselves.
#pragma once

#include <cstdint>

#include "poolviz/event.h"

namespace poolviz {

/// An event of `kind` at scenario time `t`; the fields not given stay at their defaults.
inline Event make_event(EventKind kind, Nanos t, std::uint64_t job, int worker = -1, std::int64_t x = 0,
                        std::uint8_t code = 0) {
  Event e;
  e.kind = kind;
  e.t = t;
  e.job = job;
  e.worker = worker;
  e.x = x;
  e.code = code;
  return e;
}

}  // namespace poolviz
