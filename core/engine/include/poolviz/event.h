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
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string_view>
#include <vector>

#include "poolviz/cache_line.h"
#include "poolviz/clock.h"

namespace poolviz {

// [SECTION] Event record ------------------------------------------------------

enum class EventKind : std::uint8_t {
  submitted,       // job: x = priority, y = tag; value = ms this submit came after
                   // the job's planned arrival (Job::arrival; 0 = on time)
  rejected,        // job; code = RejectReason; x = queue depth, y = capacity
  enqueued,        // job; worker = target queue (-1 shared); x = depth after
                   // (0 = handed straight to an idle worker, past the queue);
                   // value = the job's size estimate (ms; 0 = unknown)
  gate_waiting,    // job; worker holds it at the limiter gate
  started,         // job; worker; x = attempt (1-based); y = priority
  progress,        // job; worker; value = 0..1
  finished,        // job; worker; code = Outcome; x = attempt
  retried,         // job; x = next attempt (1-based); y = backoff (ms, scenario)
  stolen,          // job; worker = thief; x = victim
  worker_spawned,  // worker; code = WorkerReason; x = workers alive after
  worker_parked,   // worker
  worker_woken,    // worker
  worker_retired,  // worker; code = WorkerReason; x = workers alive after
  token_taken,     // job (may be 0); value = tokens left; x = capacity
  token_refilled,  // value = tokens now; x = capacity
  pool_resized,    // code = ResizeReason; x = workers after; y = workers before;
                   // value = queue depth that triggered it (dynamic scaling)
  blocked,         // a producer is blocked on a full queue; x = depth
  unblocked,       // that producer went on
};
inline constexpr int kEventKindCount = static_cast<int>(EventKind::unblocked) + 1;

/// Why a worker came or went (Event::code of worker_spawned / worker_retired).
enum class WorkerReason : std::uint8_t { start, resized, scale_up, idle_timeout, shutdown };

/// Why a pool changed size (Event::code of pool_resized).
/// The numbers are part of the recording format (poolviz/recording.h): 2 was a
/// scale_down nothing emitted; it stays unused so old recordings read the same.
enum class ResizeReason : std::uint8_t { manual = 0, scale_up = 1, idle_retire = 3 };

/// One state change. Plain data, 48 bytes, copyable with memcpy.
struct Event {
  Nanos t = 0;              // scenario time
  std::uint64_t seq = 0;    // bus-wide order consistent with happens-before
  std::uint64_t job = 0;    // JobId value; 0 = not about a job
  std::int64_t x = 0;       // kind-specific, see EventKind
  std::int32_t worker = -1; // -1 = none; -2 = the submitting thread (caller_runs)
  std::int32_t y = 0;       // kind-specific
  float value = 0;          // kind-specific
  EventKind kind = EventKind::submitted;
  std::uint8_t code = 0;    // Outcome / RejectReason / WorkerReason / ResizeReason
  std::uint8_t source = 0;  // which executor (stage, compare variant) on a shared bus
  std::uint8_t reserved = 0;
};
static_assert(sizeof(Event) == 48);

/// When a job was due: its `submitted` event's time less how late the submit
/// came (value, ms). Waits and sojourns count from here, in every view.
inline Nanos planned_arrival(const Event& submitted) {
  return submitted.t - std::max<Nanos>(from_ms(submitted.value), 0);
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
