// poolviz/event.h — the events every engine component emits, and the bus that
// carries them from producer threads to consumers (GUI model, metrics, exports).
//
// [SECTION] Event record
// [SECTION] EventSink   — what consumers implement
// [SECTION] EventBus    — lock-free bounded rings, ordered drain
//
// Contract: producers never block and never allocate; a full ring drops the
// event and counts it. With no sink attached, emitting costs one relaxed load
// (callers check enabled() before they even read the clock). Consumers run on
// whichever thread calls drain(), one drain at a time.
#pragma once

#include <algorithm>
#include <atomic>
#include <climits>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string_view>
#include <type_traits>
#include <vector>

#include "poolviz/cache_line.h"
#include "poolviz/clock.h"
#include "poolviz/job.h"

namespace poolviz {

// [SECTION] Event record ------------------------------------------------------

enum class EventKind : std::uint8_t {
  submitted,       // job; payload Event::submitted
  rejected,        // job; payload Event::rejected
  enqueued,        // job; worker = target queue (-1 shared); payload Event::enqueued
  gate_waiting,    // job; worker holds it at the limiter gate; no payload
  started,         // job; worker; payload Event::started
  progress,        // job; worker; payload Event::progress
  finished,        // job; worker; payload Event::finished
  retried,         // job; payload Event::retried
  stolen,          // job; worker = thief; payload Event::stolen
  worker_spawned,  // worker; payload Event::worker_spawned
  worker_parked,   // worker; no payload
  worker_woken,    // worker; no payload
  worker_retired,  // worker; payload Event::worker_retired
  token_taken,     // job (may be 0); payload Event::token_taken
  token_refilled,  // payload Event::token_refilled
  pool_resized,    // payload Event::pool_resized
  blocked,         // a producer is blocked on a full queue; payload Event::blocked
  unblocked,       // that producer went on; payload Event::unblocked
};
inline constexpr int kEventKindCount = static_cast<int>(EventKind::unblocked) + 1;

/// Why a worker came or went (worker_spawned / worker_retired).
enum class WorkerReason : std::uint8_t { start, resized, scale_up, idle_timeout, shutdown };

/// Why a pool changed size (pool_resized).
/// The numbers are part of the recording format (poolviz/recording.h): 2 was a
/// scale_down nothing emitted; it stays unused so old recordings read the same.
enum class ResizeReason : std::uint8_t { manual = 0, scale_up = 1, idle_retire = 3 };

/// The payload of one event, as four generic slots: what the recording format
/// (poolviz/recording.h) stores as the columns x, y, value and code. Each
/// kind's named payload below overlays these slots, one field per slot, so a
/// recording reads and writes the same files whatever the kind; only
/// recording.cpp should need this view.
struct EventSlots {
  std::int32_t x = 0;
  std::int32_t y = 0;
  float value = 0;
  std::uint8_t code = 0;
};

/// The named payload of each kind. Field order is slot order (x, y, value,
/// code); `unused_*` keep a later field in its slot and stay 0.
namespace payload {
struct Submitted {
  std::int32_t priority;  // Job::priority
  std::int32_t tag;       // Job::tag
  float late_ms;          // how late the submit came after the job's planned
                          // arrival (Job::arrival; 0 = on time), ms
};
struct Rejected {
  std::int32_t depth;     // queue depth when refused (0 when no queue was asked)
  std::int32_t capacity;  // that queue's capacity
  float unused_value;
  RejectReason reason;
};
struct Enqueued {
  std::int32_t depth_after;  // 0 = handed straight to an idle worker, past the queue
  std::int32_t unused_y;
  float size_estimate_ms;  // the job's size estimate (0 = unknown)
};
struct Started {
  std::int32_t attempt;   // 1-based
  std::int32_t priority;  // Job::priority
};
struct Progress {
  std::int32_t unused_x;
  std::int32_t unused_y;
  float fraction;  // 0..1
};
struct Finished {
  std::int32_t attempt;  // the attempt that ended (0 = never started)
  std::int32_t unused_y;
  float unused_value;
  Outcome outcome;
};
struct Retried {
  std::int32_t next_attempt;  // 1-based
  std::int32_t backoff_ms;    // scenario time before it runs
};
struct Stolen {
  std::int32_t victim;  // the worker whose deque it came from
};
struct WorkerChange {        // worker_spawned, worker_retired
  std::int32_t alive_after;  // workers alive after the change
  std::int32_t unused_y;
  float unused_value;
  WorkerReason reason;
};
struct Tokens {           // token_taken, token_refilled
  std::int32_t capacity;  // bucket size (or permits)
  std::int32_t unused_y;
  float tokens;  // tokens (or free permits) now
};
struct PoolResized {
  std::int32_t workers_after;
  std::int32_t workers_before;
  float trigger_depth;  // queue depth that triggered it (dynamic scaling)
  ResizeReason reason;
};
struct Blocked {       // blocked, unblocked
  std::int32_t depth;  // the full queue's depth
};
}  // namespace payload

/// One state change. Plain data, 48 bytes, copyable with memcpy (the bus does).
/// Build one with the makers in namespace `events` below; read the payload
/// through the member named after the kind (`e.started.attempt` when
/// `e.kind == EventKind::started`).
struct Event {
  Nanos t = 0;              // scenario time
  std::uint64_t seq = 0;    // bus-wide order consistent with happens-before
  std::uint64_t job = 0;    // JobId value; 0 = not about a job
  std::int32_t worker = -1; // -1 = none; -2 = the submitting thread (caller_runs)
  union {
    EventSlots slots{};  // zero until a maker fills the kind's payload
    payload::Submitted submitted;
    payload::Rejected rejected;
    payload::Enqueued enqueued;
    payload::Started started;
    payload::Progress progress;
    payload::Finished finished;
    payload::Retried retried;
    payload::Stolen stolen;
    payload::WorkerChange worker_spawned;
    payload::WorkerChange worker_retired;
    payload::Tokens token_taken;
    payload::Tokens token_refilled;
    payload::PoolResized pool_resized;
    payload::Blocked blocked;
    payload::Blocked unblocked;
  };
  EventKind kind = EventKind::submitted;
  std::uint8_t source = 0;  // which executor (stage, compare variant) on a shared bus
  std::uint8_t reserved[2] = {};

  /// This event stamped `when` (emitters that stamp later leave t at 0).
  Event at(Nanos when) const {
    Event e = *this;
    e.t = when;
    return e;
  }
};
static_assert(sizeof(Event) == 48);
static_assert(std::is_trivially_copyable_v<Event>);
static_assert(std::is_standard_layout_v<Event>);

// Every payload field sits in the slot the recording stores it in.
#define POOLVIZ_SLOT(payload_type, field, slot) \
  static_assert(offsetof(payload_type, field) == offsetof(EventSlots, slot))
POOLVIZ_SLOT(payload::Submitted, late_ms, value);
POOLVIZ_SLOT(payload::Rejected, reason, code);
POOLVIZ_SLOT(payload::Enqueued, size_estimate_ms, value);
POOLVIZ_SLOT(payload::Started, priority, y);
POOLVIZ_SLOT(payload::Progress, fraction, value);
POOLVIZ_SLOT(payload::Finished, outcome, code);
POOLVIZ_SLOT(payload::Retried, backoff_ms, y);
POOLVIZ_SLOT(payload::WorkerChange, reason, code);
POOLVIZ_SLOT(payload::Tokens, tokens, value);
POOLVIZ_SLOT(payload::PoolResized, trigger_depth, value);
POOLVIZ_SLOT(payload::PoolResized, reason, code);
#undef POOLVIZ_SLOT

/// Makers, one per kind: `events::started(job, worker, attempt, priority)`.
/// They leave t at 0 (the emitter stamps it; `.at(t)` when the caller knows it)
/// and `source` at 0 (the executor's own emit sets it).
namespace events {
namespace detail {
inline Event base(EventKind kind, JobId job, int worker) {
  Event e;
  e.kind = kind;
  e.job = job.value;
  e.worker = worker;
  return e;
}
inline std::int32_t narrow(std::int64_t v) {
  return static_cast<std::int32_t>(std::clamp<std::int64_t>(v, INT32_MIN, INT32_MAX));
}
}  // namespace detail

inline Event submitted(JobId job, int priority, int tag, float late_ms) {
  Event e = detail::base(EventKind::submitted, job, -1);
  e.submitted = {.priority = priority, .tag = tag, .late_ms = late_ms};
  return e;
}
inline Event rejected(JobId job, RejectReason reason, std::int64_t depth = 0,
                      std::int64_t capacity = 0) {
  Event e = detail::base(EventKind::rejected, job, -1);
  e.rejected = {.depth = detail::narrow(depth),
                .capacity = detail::narrow(capacity),
                .unused_value = 0,
                .reason = reason};
  return e;
}
/// `queue` = the worker whose queue took it (-1 = the shared queue).
inline Event enqueued(JobId job, int queue, std::int64_t depth_after, float size_estimate_ms = 0) {
  Event e = detail::base(EventKind::enqueued, job, queue);
  e.enqueued = {.depth_after = detail::narrow(depth_after),
                .unused_y = 0,
                .size_estimate_ms = size_estimate_ms};
  return e;
}
inline Event gate_waiting(JobId job, int worker) {
  return detail::base(EventKind::gate_waiting, job, worker);
}
inline Event started(JobId job, int worker, int attempt, int priority) {
  Event e = detail::base(EventKind::started, job, worker);
  e.started = {.attempt = attempt, .priority = priority};
  return e;
}
inline Event progress(JobId job, int worker, float fraction) {
  Event e = detail::base(EventKind::progress, job, worker);
  e.progress = {.unused_x = 0, .unused_y = 0, .fraction = fraction};
  return e;
}
inline Event finished(JobId job, int worker, Outcome outcome, int attempt) {
  Event e = detail::base(EventKind::finished, job, worker);
  e.finished = {.attempt = attempt, .unused_y = 0, .unused_value = 0, .outcome = outcome};
  return e;
}
inline Event retried(JobId job, int worker, int next_attempt, std::int64_t backoff_ms) {
  Event e = detail::base(EventKind::retried, job, worker);
  e.retried = {.next_attempt = next_attempt, .backoff_ms = detail::narrow(backoff_ms)};
  return e;
}
inline Event stolen(JobId job, int thief, int victim) {
  Event e = detail::base(EventKind::stolen, job, thief);
  e.stolen = {.victim = victim};
  return e;
}
namespace detail {
/// worker_spawned and worker_retired share one payload (WorkerChange).
inline payload::WorkerChange worker_change(WorkerReason reason, std::int64_t alive_after) {
  return {.alive_after = narrow(alive_after), .unused_y = 0, .unused_value = 0, .reason = reason};
}
}  // namespace detail
inline Event worker_spawned(int worker, WorkerReason reason, std::int64_t alive_after) {
  Event e = detail::base(EventKind::worker_spawned, {}, worker);
  e.worker_spawned = detail::worker_change(reason, alive_after);
  return e;
}
inline Event worker_retired(int worker, WorkerReason reason, std::int64_t alive_after) {
  Event e = detail::base(EventKind::worker_retired, {}, worker);
  e.worker_retired = detail::worker_change(reason, alive_after);
  return e;
}
inline Event worker_parked(int worker) {
  return detail::base(EventKind::worker_parked, {}, worker);
}
inline Event worker_woken(int worker) {
  return detail::base(EventKind::worker_woken, {}, worker);
}
/// `job` may be {} (a level change not caused by one job).
inline Event token_taken(JobId job, float tokens, std::int64_t capacity) {
  Event e = detail::base(EventKind::token_taken, job, -1);
  e.token_taken = {.capacity = detail::narrow(capacity), .unused_y = 0, .tokens = tokens};
  return e;
}
inline Event token_refilled(float tokens, std::int64_t capacity) {
  Event e = detail::base(EventKind::token_refilled, {}, -1);
  e.token_refilled = {.capacity = detail::narrow(capacity), .unused_y = 0, .tokens = tokens};
  return e;
}
inline Event pool_resized(ResizeReason reason, std::int64_t workers_after,
                          std::int64_t workers_before, float trigger_depth = 0) {
  Event e = detail::base(EventKind::pool_resized, {}, -1);
  e.pool_resized = {.workers_after = detail::narrow(workers_after),
                    .workers_before = detail::narrow(workers_before),
                    .trigger_depth = trigger_depth,
                    .reason = reason};
  return e;
}
inline Event blocked(JobId job, int queue, std::int64_t depth) {
  Event e = detail::base(EventKind::blocked, job, queue);
  e.blocked = {.depth = detail::narrow(depth)};
  return e;
}
inline Event unblocked(JobId job, int queue, std::int64_t depth) {
  Event e = detail::base(EventKind::unblocked, job, queue);
  e.unblocked = {.depth = detail::narrow(depth)};
  return e;
}
}  // namespace events

/// When a job was due: its `submitted` event's time less how late the submit
/// came. Waits and sojourns count from here, in every view.
inline Nanos planned_arrival(const Event& submitted) {
  return submitted.t - std::max<Nanos>(from_ms(submitted.submitted.late_ms), 0);
}

std::string_view to_string(EventKind kind);
std::string_view to_string(WorkerReason reason);
std::string_view to_string(ResizeReason reason);

// [SECTION] EventSink ---------------------------------------------------------

/// A consumer of events. Called only from EventBus::drain(), never from a worker.
class EventSink {
 public:
  virtual ~EventSink() = default;
  /// A batch in `seq` order (late stragglers, rare, come in a later batch).
  virtual void on_events(std::span<const Event> batch) = 0;
};

// [SECTION] EventBus ----------------------------------------------------------

/// Bounded multi-producer rings, one per shard; a thread always writes to the
/// same shard, so workers rarely share one. drain() collects every ring, orders
/// by `seq`, and hands the batch to each attached sink.
///
/// Ordering: seq is taken from one counter, so an event that happens-before
/// another has a smaller seq. drain() holds events behind a gap in seq back for
/// one drain (the gap is an event still being written); a gap still open at the
/// next drain is a dropped event and is skipped.
class EventBus {
 public:
  /// Events per shard by default: a 1M-job flood of empty jobs (4 events
  /// each, about 2 per thread's shard) drained every 16 ms (the GUI's frame)
  /// drops nothing, with room for a late frame; see bench case 5.
  static constexpr std::size_t kDefaultRingCapacity = 1 << 18;

  /// `ring_capacity` events per shard (rounded up to a power of two); a ring
  /// takes memory only as far as events have filled it. `shards` (0 = twice
  /// the hardware threads, at least 4) is rounded up to a power of two.
  explicit EventBus(std::size_t ring_capacity = kDefaultRingCapacity, std::size_t shards = 0);
  ~EventBus();
  EventBus(const EventBus&) = delete;
  EventBus& operator=(const EventBus&) = delete;

  /// True when at least one sink is attached. One relaxed load.
  bool enabled() const { return sinks_attached_.load(std::memory_order_relaxed) != 0; }

  /// Any thread. Lock-free, never blocks, never allocates. Fills in `seq`.
  /// A full ring drops the event and counts it.
  void emit(Event event);

  /// Consumer side; attach/detach/drain are serialised by one mutex.
  void attach(EventSink* sink);
  void detach(EventSink* sink);
  /// Delivers what producers have written so far. With `final`, delivers every
  /// held-back event too (call once producers are quiet, e.g. after shutdown).
  void drain(bool final = false);

  /// Events written to a ring / dropped by a full one, so far (sums over the shards).
  std::uint64_t emitted() const;
  std::uint64_t dropped() const;

 private:
  struct Ring;
  Ring& ring_for_this_thread();

  std::vector<std::unique_ptr<Ring>> rings_;
  std::size_t shard_mask_ = 0;  // rings_.size() - 1
  // Written by every emit: its own cache line, away from sinks_attached_,
  // which every emitter reads (enabled()) and which changes only on attach.
  alignas(kCacheLine) std::atomic<std::uint64_t> next_seq_{1};
  alignas(kCacheLine) std::atomic<int> sinks_attached_{0};

  alignas(kCacheLine) std::mutex consumer_mutex_;  // guards everything below
  std::vector<EventSink*> sinks_;
  std::vector<Event> pending_;     // held back by the last drain, in seq order
  std::vector<Event> batch_;       // what a drain collects; capacity kept, pre-faulted
  std::uint64_t next_expected_ = 1;
  std::uint64_t held_back_through_ = 0;  // highest seq held back by the last drain
};

}  // namespace poolviz
