#include "poolviz/event.h"

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <new>
#include <thread>
#include <type_traits>

#include "poolviz/compat_thread.h"

namespace poolviz {

namespace {
// Events per delivery to the sinks: a drain hands a flood over in parts of
// this size, so its buffer (EventBus::batch_) is small enough to pre-fault per bus.
constexpr std::size_t kDeliveryBatch = std::size_t{1} << 15;
}  // namespace

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
//
// A cell stores turn − (its index), so all-zero memory is the initial state
// (cell i free for position i). The cells come from calloc, which maps fresh
// zero pages for a large ring: past its first kWarmCells, a ring costs memory
// only as far as events have reached, so rings can be sized for a flood
// without idle buses holding it.
struct EventBus::Ring {
  static constexpr std::size_t kWarmCells = 1 << 14;  // the old fixed capacity
  struct Cell {
    std::uint64_t turn_offset;  // accessed through poolviz::atomic_ref only
    Event event;
  };
  static_assert(std::is_trivially_copyable_v<Cell> && std::is_trivially_destructible_v<Cell>);

  explicit Ring(std::size_t capacity)
      : mask(capacity - 1), cells(static_cast<Cell*>(std::calloc(capacity, sizeof(Cell)))) {
    if (cells == nullptr) throw std::bad_alloc();
    // Commit the first cells now (writing zeros faults their pages in): the
    // usual load stays within them and a page fault costs microseconds, so only
    // a flood pays for the pages beyond, once per bus.
    std::memset(static_cast<void*>(cells), 0, std::min(capacity, kWarmCells) * sizeof(Cell));
  }
  ~Ring() { std::free(cells); }
  Ring(const Ring&) = delete;
  Ring& operator=(const Ring&) = delete;

  static poolviz::atomic_ref<std::uint64_t> turn_of(Cell& cell) {
    return poolviz::atomic_ref<std::uint64_t>(cell.turn_offset);
  }

  bool push(const Event& e) {
    std::uint64_t pos = tail.load(std::memory_order_relaxed);
    for (;;) {
      const std::uint64_t index = pos & mask;
      Cell& cell = cells[index];
      const std::uint64_t turn = turn_of(cell).load(std::memory_order_acquire) + index;
      const auto diff = static_cast<std::int64_t>(turn - pos);
      if (diff == 0) {
        // Relaxed CAS: the claim only has to be unique; publication is `turn`.
        if (tail.compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed)) {
          cell.event = e;
          turn_of(cell).store(pos + 1 - index, std::memory_order_release);
          return true;
        }
      } else if (diff < 0) {
        // Full: the consumer has not freed this cell yet. Relaxed: a statistic.
        dropped.fetch_add(1, std::memory_order_relaxed);
        return false;
      } else {
        pos = tail.load(std::memory_order_relaxed);
      }
    }
  }

  // Single consumer (holds consumer_mutex_). The position past the last
  // event ready to read, counting from `head`. Takes only what was claimed when
  // it began: under a flood, chasing the producers would make a drain
  // unbounded, and the events behind it would wait in the ring anyway.
  std::uint64_t ready_end() {
    const std::uint64_t end = tail.load(std::memory_order_relaxed);
    std::uint64_t pos = head;
    while (pos != end) {
      const std::uint64_t index = pos & mask;
      if (turn_of(cells[index]).load(std::memory_order_acquire) + index != pos + 1) break;
      ++pos;
    }
    return pos;
  }
  const Event& at(std::uint64_t pos) const { return cells[pos & mask].event; }
  /// Hands the cell at `head` back to the producers (its event has been read).
  void release_head() {
    const std::uint64_t index = head & mask;
    turn_of(cells[index]).store(head + mask + 1 - index, std::memory_order_release);
    ++head;
  }

  const std::uint64_t mask;
  Cell* const cells;
  // Producer side: tail counts every event pushed, so it doubles as the
  // emitted count (no shared counter written per event).
  alignas(kCacheLine) std::atomic<std::uint64_t> tail{0};
  std::atomic<std::uint64_t> dropped{0};
  alignas(kCacheLine) std::uint64_t head = 0;
};

EventBus::EventBus(std::size_t ring_capacity, std::size_t shards) {
  ring_capacity = std::bit_ceil(std::max<std::size_t>(ring_capacity, 2));
  if (shards == 0) shards = std::max(4U, 2 * std::thread::hardware_concurrency());
  // A power of two, so that picking a thread's shard is a mask, not a division.
  shards = std::bit_ceil(shards);
  shard_mask_ = shards - 1;
  rings_.reserve(shards);
  for (std::size_t i = 0; i < shards; ++i) rings_.push_back(std::make_unique<Ring>(ring_capacity));
  // The drain's buffer, allocated once and its pages faulted in now: a flood's
  // first drain faulting in megabytes while the rings fill made it drop events.
  // A drain delivers at most kDeliveryBatch events at a time, so this is all
  // it ever needs (1.5 MiB; it was sized for a whole drain, 12 MiB per bus).
  batch_.resize(std::min(kDeliveryBatch, 2 * ring_capacity));
  batch_.clear();
}

EventBus::~EventBus() = default;

namespace {
// Numbers the live threads 0, 1, 2, ... and hands a number back when its thread
// exits, so that threads alive at the same time get different numbers (and so
// different shards, while they are no more than the shards). A counter that
// only grew would put two live threads on one shard as soon as threads had
// come and gone, and they would then contend on its tail.
class ThreadNumbers {
 public:
  std::size_t take() {
    std::lock_guard lock(mutex_);
    if (free_.empty()) return next_++;
    const auto lowest = std::min_element(free_.begin(), free_.end());
    const std::size_t n = *lowest;
    free_.erase(lowest);
    return n;
  }
  void give_back(std::size_t n) {
    std::lock_guard lock(mutex_);
    free_.push_back(n);
  }

 private:
  std::mutex mutex_;
  std::size_t next_ = 0;
  std::vector<std::size_t> free_;
};

ThreadNumbers& thread_numbers() {
  static auto* numbers = new ThreadNumbers;  // never destroyed: threads may exit after main
  return *numbers;
}

struct ThreadNumber {
  ThreadNumber() : value(thread_numbers().take()) {}
  ~ThreadNumber() { thread_numbers().give_back(value); }
  ThreadNumber(const ThreadNumber&) = delete;
  ThreadNumber& operator=(const ThreadNumber&) = delete;
  const std::size_t value;
};

// The hot path reads a plain thread_local (no initialisation guard, no
// wrapper call); the object that gives the number back is made once per thread.
// A thread that emits after its thread_locals were destroyed keeps using its
// old number, which another thread may hold by then: the two then share a
// shard, which the rings allow (they take many producers).
constexpr std::size_t kNoNumber = ~std::size_t{0};
thread_local std::size_t t_thread_number = kNoNumber;

[[gnu::noinline]] std::size_t first_thread_number() {
  thread_local const ThreadNumber number;
  t_thread_number = number.value;
  return number.value;
}
}  // namespace

EventBus::Ring& EventBus::ring_for_this_thread() {
  // A thread's shard is fixed for its life (any bus); see ThreadNumbers.
  std::size_t n = t_thread_number;
  if (n == kNoNumber) [[unlikely]]
    n = first_thread_number();
  return *rings_[n & shard_mask_];
}

void EventBus::emit(Event event) {
  // Relaxed: seq only has to be unique and agree with happens-before, which the
  // counter's modification order gives; the ring's `turn` publishes the event.
  event.seq = next_seq_.fetch_add(1, std::memory_order_relaxed);
  ring_for_this_thread().push(event);
}

std::uint64_t EventBus::emitted() const {
  std::uint64_t sum = 0;
  for (const auto& ring : rings_) sum += ring->tail.load(std::memory_order_relaxed);
  return sum;
}

std::uint64_t EventBus::dropped() const {
  std::uint64_t sum = 0;
  for (const auto& ring : rings_) sum += ring->dropped.load(std::memory_order_relaxed);
  return sum;
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
  // Sources, each in seq order: last drain's held-back events (pending_), and
  // each ring's ready run, which is in order when one thread writes the ring
  // (the usual case). They are merged straight from the ring cells into
  // batch_: one copy per event, into a buffer kept across drains. A run that
  // is not in order (threads sharing a shard) goes through pending_ and a sort.
  struct Run {
    Ring* ring;
    std::uint64_t end;
  };
  Run runs[64];
  std::size_t run_count = 0;
  std::size_t in_runs = 0;  // events in runs[]; pending_ holds the rest
  bool sort_pending = false;
  for (auto& ring : rings_) {
    const std::uint64_t end = ring->ready_end();
    if (end == ring->head) continue;
    bool sorted = true;
    for (std::uint64_t pos = ring->head + 1; pos != end && sorted; ++pos) {
      sorted = ring->at(pos - 1).seq < ring->at(pos).seq;
    }
    if (!sorted || run_count == std::size(runs)) {
      while (ring->head != end) {
        pending_.push_back(ring->at(ring->head));
        ring->release_head();
      }
      sort_pending = true;
      continue;
    }
    runs[run_count++] = {ring.get(), end};
    in_runs += static_cast<std::size_t>(end - ring->head);
  }
  if (sort_pending) {
    std::sort(pending_.begin(), pending_.end(),
              [](const Event& a, const Event& b) { return a.seq < b.seq; });
  }
  // Counted after the loop: a ring out of order moved its events into pending_.
  const std::size_t total = in_runs + pending_.size();
  if (total == 0) return;

  // Merged kDeliveryBatch events at a time into batch_ (pre-faulted, so a
  // flood's drain touches no new memory), each part delivered at once. Once a
  // gap holds the delivery back, everything after it is held too (in `kept`,
  // which allocates only when a drain holds something back).
  std::size_t held = 0;  // next of pending_
  bool holding = false;
  std::vector<Event> kept;
  for (;;) {
    batch_.clear();
    while (batch_.size() < kDeliveryBatch) {
      // The source whose next event has the smallest seq (k is small: the rings
      // that threads wrote since the last drain, and pending_).
      std::uint64_t best_seq = ~std::uint64_t{0};
      std::size_t best = run_count;  // run_count = pending_
      bool any = false;
      if (held < pending_.size()) {
        best_seq = pending_[held].seq;
        any = true;
      }
      for (std::size_t i = 0; i < run_count; ++i) {
        Ring& r = *runs[i].ring;
        if (r.head == runs[i].end) continue;
        const std::uint64_t seq = r.at(r.head).seq;
        if (!any || seq < best_seq) {
          best_seq = seq;
          best = i;
          any = true;
        }
      }
      if (!any) break;
      if (best == run_count) {
        batch_.push_back(pending_[held++]);
        continue;
      }
      // Copy this run's events up to the next source's smallest seq in one go.
      std::uint64_t limit = ~std::uint64_t{0};
      if (held < pending_.size()) limit = pending_[held].seq;
      for (std::size_t i = 0; i < run_count; ++i) {
        const Ring& r = *runs[i].ring;
        if (i != best && r.head != runs[i].end) limit = std::min(limit, r.at(r.head).seq);
      }
      Ring& r = *runs[best].ring;
      const std::uint64_t stop =
          std::min<std::uint64_t>(runs[best].end, r.head + (kDeliveryBatch - batch_.size()));
      do {
        batch_.push_back(r.at(r.head));
        r.release_head();
      } while (r.head != stop && r.at(r.head).seq < limit);
    }
    if (batch_.empty()) break;

    // Deliver the contiguous run from next_expected_. Stragglers (seq below it)
    // go out at once. A gap is waited for during one drain: once an event that
    // was already held back last time is behind it, the gap is a dropped event.
    std::size_t ready = 0;
    while (!holding && ready < batch_.size()) {
      const std::uint64_t seq = batch_[ready].seq;
      if (seq >= next_expected_) {
        if (seq != next_expected_ && !final && seq > held_back_through_) {
          holding = true;
          break;
        }
        next_expected_ = seq + 1;
      }
      ++ready;
    }
    if (ready > 0) {
      const std::span<const Event> batch(batch_.data(), ready);
      for (EventSink* sink : sinks_) sink->on_events(batch);
    }
    kept.insert(kept.end(), batch_.begin() + static_cast<std::ptrdiff_t>(ready), batch_.end());
  }
  held_back_through_ = kept.empty() ? 0 : kept.back().seq;
  if (kept.empty()) {
    pending_.clear();  // keeps its capacity
  } else {
    pending_.swap(kept);
  }
}

}  // namespace poolviz
