// app/serve/task_store.h — what `GET /tasks/{id}` answers: the state of every
// task accepted over HTTP, with finished tasks kept up to a bound.
//
// [SECTION] TaskStatus and TaskRecord
// [SECTION] TaskStore
//
// Who writes what:
//   the HTTP handler   add() before submitting, forget() when the pool refused
//   the job's body     mark_running() as an attempt starts, mark_ended() after
//                      its final attempt (exact: it runs on the worker)
//   on_events()        ends the pool decided without running the body: a job
//                      cancelled while queued, evicted by drop_oldest
//   settle_unfinished() after the pool has shut down: anything still open was
//                      cancelled (covers events dropped under overload)
// Memory: tasks still queued or running are always kept (the pool bounds how
// many there can be); finished ones are kept up to `finished_capacity`, the
// oldest-finished evicted first, so memory does not grow with uptime.
// Thread-safe: one mutex guards the map (every call is a short section).
// Latency figures are not kept here: GET /metrics reads the Run's Timeline,
// the one definition of wait and sojourn every view uses.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <span>
#include <string_view>
#include <unordered_map>

#include "poolviz/clock.h"
#include "poolviz/event.h"
#include "poolviz/job.h"
#include "poolviz/synthetic.h"

namespace poolviz::serve {

// [SECTION] TaskStatus and TaskRecord -------------------------------------------

enum class TaskStatus : std::uint8_t {
  queued,   // accepted, waiting in the pool's queue (or for a retry, or at a limiter gate)
  running,  // an attempt is running on a worker
  completed,
  failed,
  timed_out,
  cancelled,
  dropped,  // evicted from a full queue by a newer task (overflow = drop_oldest)
};

std::string_view to_string(TaskStatus status);
bool is_final(TaskStatus status);
TaskStatus status_of(Outcome outcome);

struct TaskRecord {
  std::uint64_t id = 0;
  TaskStatus status = TaskStatus::queued;
  WorkKind kind = WorkKind::io;
  double service_ms = 0;  // requested
  int priority = 0;
  int attempts = 0;
  Nanos submitted_at = 0;  // scenario time
  Nanos started_at = -1;   // first attempt; -1 = never started
  Nanos ended_at = -1;     // -1 = not ended
};

// [SECTION] TaskStore -----------------------------------------------------------

class TaskStore final : public EventSink {
 public:
  /// `finished_capacity` >= 1: how many finished tasks to remember.
  explicit TaskStore(std::size_t finished_capacity = 10'000);

  void add(const TaskRecord& record);
  /// Removes a task the pool refused (its id was never given out).
  void forget(std::uint64_t id);

  void mark_running(std::uint64_t id, Nanos at, int attempt);
  /// Back in the queue to wait for a retry.
  void mark_retrying(std::uint64_t id);
  /// Ends a task (first end wins; later calls for an ended task are ignored).
  void mark_ended(std::uint64_t id, TaskStatus final_status, Nanos at);

  /// Ends pool-side: cancelled while queued, dropped from a full queue.
  void on_events(std::span<const Event> batch) override;
  /// After the pool has shut down: every task not ended yet ends cancelled at `at`.
  /// Returns how many it settled.
  std::size_t settle_unfinished(Nanos at);

  std::optional<TaskRecord> find(std::uint64_t id) const;

  std::size_t size() const;      // tasks held (open + finished)
  std::size_t open() const;      // queued or running
  std::size_t finished() const;  // finished and still remembered
  std::size_t finished_capacity() const { return finished_capacity_; }
  std::uint64_t evicted() const;          // finished tasks forgotten to respect the bound
  std::size_t max_finished_seen() const;  // the largest finished() ever was (tests)

 private:
  void end_locked(TaskRecord& record, TaskStatus final_status, Nanos at);

  const std::size_t finished_capacity_;
  mutable std::mutex mutex_;  // guards tasks_, finished_order_ and the counts below
  std::unordered_map<std::uint64_t, TaskRecord> tasks_;
  std::deque<std::uint64_t> finished_order_;  // ids in the order they finished, oldest first
  std::size_t open_ = 0;
  std::uint64_t evicted_ = 0;
  std::size_t max_finished_seen_ = 0;
};

}  // namespace poolviz::serve
