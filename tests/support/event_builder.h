// tests/support/event_builder.h — events built by hand for tests that feed a
// Timeline, a FlowModel or a recording a log they wrote themselves.
//
// One builder per kind, named after it: `ev::started(t, job, worker, attempt)`.
// They wrap the engine's makers (poolviz::events) with the time first and job
// ids as plain numbers; a payload field not given is 0, as the engine leaves it.
#pragma once

#include <cstdint>

#include "poolviz/event.h"
#include "poolviz/job.h"

namespace poolviz::ev {

inline Event submitted(Nanos t, std::uint64_t job, int priority = 0, int tag = 0,
                       float late_ms = 0) {
  return events::submitted(JobId{job}, priority, tag, late_ms).at(t);
}
inline Event rejected(Nanos t, std::uint64_t job, RejectReason reason, std::int64_t depth = 0,
                      std::int64_t capacity = 0) {
  return events::rejected(JobId{job}, reason, depth, capacity).at(t);
}
/// `depth_after` 0 = handed straight to an idle worker (see EventKind::enqueued).
inline Event enqueued(Nanos t, std::uint64_t job, int queue = -1, std::int64_t depth_after = 0,
                      float size_estimate_ms = 0) {
  return events::enqueued(JobId{job}, queue, depth_after, size_estimate_ms).at(t);
}
inline Event gate_waiting(Nanos t, std::uint64_t job, int worker) {
  return events::gate_waiting(JobId{job}, worker).at(t);
}
inline Event started(Nanos t, std::uint64_t job, int worker, int attempt, int priority = 0) {
  return events::started(JobId{job}, worker, attempt, priority).at(t);
}
inline Event progress(Nanos t, std::uint64_t job, int worker, float fraction) {
  return events::progress(JobId{job}, worker, fraction).at(t);
}
inline Event finished(Nanos t, std::uint64_t job, int worker, Outcome outcome, int attempt) {
  return events::finished(JobId{job}, worker, outcome, attempt).at(t);
}
inline Event retried(Nanos t, std::uint64_t job, int worker, int next_attempt,
                     std::int64_t backoff_ms = 0) {
  return events::retried(JobId{job}, worker, next_attempt, backoff_ms).at(t);
}
inline Event stolen(Nanos t, std::uint64_t job, int thief, int victim) {
  return events::stolen(JobId{job}, thief, victim).at(t);
}
inline Event worker_spawned(Nanos t, int worker, WorkerReason reason, std::int64_t alive_after) {
  return events::worker_spawned(worker, reason, alive_after).at(t);
}
inline Event worker_retired(Nanos t, int worker, WorkerReason reason, std::int64_t alive_after) {
  return events::worker_retired(worker, reason, alive_after).at(t);
}
inline Event worker_parked(Nanos t, int worker) {
  return events::worker_parked(worker).at(t);
}
inline Event worker_woken(Nanos t, int worker) {
  return events::worker_woken(worker).at(t);
}
inline Event token_taken(Nanos t, std::uint64_t job, float tokens, std::int64_t capacity) {
  return events::token_taken(JobId{job}, tokens, capacity).at(t);
}
inline Event token_refilled(Nanos t, float tokens, std::int64_t capacity) {
  return events::token_refilled(tokens, capacity).at(t);
}
inline Event pool_resized(Nanos t, ResizeReason reason, std::int64_t workers_after,
                          std::int64_t workers_before, float trigger_depth = 0) {
  return events::pool_resized(reason, workers_after, workers_before, trigger_depth).at(t);
}
inline Event blocked(Nanos t, std::uint64_t job, int queue, std::int64_t depth) {
  return events::blocked(JobId{job}, queue, depth).at(t);
}
inline Event unblocked(Nanos t, std::uint64_t job, int queue, std::int64_t depth) {
  return events::unblocked(JobId{job}, queue, depth).at(t);
}

}  // namespace poolviz::ev
