#include "poolviz/event.h"

#include <algorithm>
#include <bit>
#include <thread>

namespace poolviz {

std::string_view to_string(EventKind kind) {
  switch (kind) {
    case EventKind::submitted: return "submitted";
    case EventKind::rejected: return "rejected";
    case EventKind::enqueued: return "enqueued";
    case EventKind::gate_waiting: return "gate_waiting";
    case EventKind::started: return "started";
    case EventKind::progress: return "progress";
    case EventKind::finished: return "finished";
    case EventKind::retried: return "retried";
    case EventKind::stolen: return "stolen";
    case EventKind::worker_spawned: return "worker_spawned";
    case EventKind::worker_parked: return "worker_parked";
    case EventKind::worker_woken: return "worker_woken";
    case EventKind::worker_retired: return "worker_retired";
    case EventKind::token_taken: return "token_taken";
    case EventKind::token_refilled: return "token_refilled";
    case EventKind::pool_resized: return "pool_resized";
    case EventKind::blocked: return "blocked";
    case EventKind::unblocked: return "unblocked";
  }
  return "?";
}

std::string_view to_string(WorkerReason reason) {
  switch (reason) {
    case WorkerReason::start: return "start";
    case WorkerReason::resized: return "resized";
    case WorkerReason::scale_up: return "scale up";
    case WorkerReason::idle_timeout: return "idle timeout";
    case WorkerReason::shutdown: return "shutdown";
  }
  return "?";
}

std::string_view to_string(ResizeReason reason) {
  switch (reason) {
    case ResizeReason::manual: return "manual";
    case ResizeReason::scale_up: return "scale up";
    case ResizeReason::scale_down: return "scale down";
    case ResizeReason::idle_retire: return "idle retire";
  }
  return "?";
}

// Dmitry Vyukov's bounded MPMC queue, used here with many producers and the one
// consumer that holds consumer_mutex_. Each cell's `turn` says whose turn it is:
// == pos        free for the producer that claims position pos;
// == pos + 1    holds the event written at pos, ready for the consumer.
// The producer publishes its write with a release store of `turn`; the consumer
// acquires it before reading, and hands the cell back with a release store.
struct EventBus::Ring {
  struct Cell {
    std::atomic<std::uint64_t> turn;
    Event event;
  };

  explicit Ring(std::size_t capacity)
      : mask(capacity - 1), cells(std::make_unique<Cell[]>(capacity)) {
    for (std::size_t i = 0; i < capacity; ++i) cells[i].turn.store(i, std::memory_order_relaxed);
  }

  bool push(const Event& e) {
    std::uint64_t pos = tail.load(std::memory_order_relaxed);
    for (;;) {
      Cell& cell = cells[pos & mask];
      const std::uint64_t turn = cell.turn.load(std::memory_order_acquire);
      const auto diff = static_cast<std::int64_t>(turn - pos);
      if (diff == 0) {
        // Relaxed CAS: the claim only has to be unique; publication is `turn`.
        if (tail.compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed)) {
          cell.event = e;
          cell.turn.store(pos + 1, std::memory_order_release);
          return true;
        }
      } else if (diff < 0) {
        return false;  // full: the consumer has not freed this cell yet
      } else {
        pos = tail.load(std::memory_order_relaxed);
      }
    }
  }

  // Single consumer (holds consumer_mutex_).
  template <class Out>
  void pop_all(Out& out) {
    for (;;) {
      Cell& cell = cells[head & mask];
      if (cell.turn.load(std::memory_order_acquire) != head + 1) return;
      out.push_back(cell.event);
      cell.turn.store(head + mask + 1, std::memory_order_release);
      ++head;
    }
  }

  const std::uint64_t mask;
  std::unique_ptr<Cell[]> cells;
  alignas(64) std::atomic<std::uint64_t> tail{0};
  alignas(64) std::uint64_t head = 0;
};

EventBus::EventBus(std::size_t ring_capacity, std::size_t shards) {
  ring_capacity = std::bit_ceil(std::max<std::size_t>(ring_capacity, 2));
  if (shards == 0) shards = std::max(4U, 2 * std::thread::hardware_concurrency());
  rings_.reserve(shards);
  for (std::size_t i = 0; i < shards; ++i) rings_.push_back(std::make_unique<Ring>(ring_capacity));
}

EventBus::~EventBus() = default;

EventBus::Ring& EventBus::ring_for_this_thread() {
  // A thread's shard is fixed for its life. Threads are numbered in the order
  // they first emit (any bus), which spreads them evenly over the shards; a
  // hash of the thread id would not (pthread ids are aligned addresses).
  static std::atomic<std::size_t> threads_seen{0};
  thread_local const std::size_t thread_index = threads_seen.fetch_add(1, std::memory_order_relaxed);
  return *rings_[thread_index % rings_.size()];
}

void EventBus::emit(Event event) {
  event.seq = next_seq_.fetch_add(1, std::memory_order_relaxed);
  if (ring_for_this_thread().push(event)) {
    emitted_.fetch_add(1, std::memory_order_relaxed);
  } else {
    dropped_.fetch_add(1, std::memory_order_relaxed);
  }
}

void EventBus::attach(EventSink* sink) {
  std::lock_guard lock(consumer_mutex_);
  sinks_.push_back(sink);
  sinks_attached_.store(static_cast<int>(sinks_.size()), std::memory_order_relaxed);
}

void EventBus::detach(EventSink* sink) {
  std::lock_guard lock(consumer_mutex_);
  std::erase(sinks_, sink);
  sinks_attached_.store(static_cast<int>(sinks_.size()), std::memory_order_relaxed);
}

void EventBus::drain(bool final) {
  std::lock_guard lock(consumer_mutex_);
  // pending_ starts with last drain's held-back events, in seq order. Each ring
  // appends a run that is already in order when one thread writes the ring (the
  // usual case), so a run is sorted only when it is not, then merged in: O(n·k)
  // for k rings instead of sorting everything, O(n log n), on every drain.
  const auto by_seq = [](const Event& a, const Event& b) { return a.seq < b.seq; };
  for (auto& ring : rings_) {
    const auto sorted = static_cast<std::ptrdiff_t>(pending_.size());
    ring->pop_all(pending_);
    const auto run = pending_.begin() + sorted;
    if (run == pending_.end()) continue;
    if (!std::is_sorted(run, pending_.end(), by_seq)) std::sort(run, pending_.end(), by_seq);
    if (sorted > 0 && by_seq(*run, *(run - 1))) {
      std::inplace_merge(pending_.begin(), run, pending_.end(), by_seq);
    }
  }
  if (pending_.empty()) return;

  // Deliver the contiguous run from next_expected_. Stragglers (seq below it)
  // go out at once. A gap is waited for during one drain: once an event that
  // was already held back last time is behind it, the gap is a dropped event.
  std::size_t ready = 0;
  while (ready < pending_.size()) {
    const std::uint64_t seq = pending_[ready].seq;
    if (seq >= next_expected_) {
      if (seq != next_expected_ && !final && seq > held_back_through_) break;
      next_expected_ = seq + 1;
    }
    ++ready;
  }
  held_back_through_ = ready < pending_.size() ? pending_.back().seq : 0;

  const std::span<const Event> batch(pending_.data(), ready);
  for (EventSink* sink : sinks_) sink->on_events(batch);
  pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(ready));
}

}  // namespace poolviz
