// poolviz/priority_queue.h — the two urgency-ordered queues a shared-queue
// pool (WorkerPool) can hand out jobs from.
//
// [SECTION] PriorityQueue       — one heap, larger Job::priority first, FIFO among equals,
//                                 optional aging so low priorities cannot starve
// [SECTION] PriorityLevelsQueue — a FIFO per level, the highest level drained first
//
// Like every JobQueue these are plain containers: WorkerPool guards them with
// its mutex. Because WorkerPool asks the queue for the best job every time a
// worker comes back, a worker always restarts at the most urgent job and waits
// on all levels at once — the two flaws of the tutorial's level-scanning loop
// (sweeping on downwards after a job; waiting on the top queue only) cannot occur.
#pragma once

#include <cstdint>
#include <deque>
#include <vector>

#include "poolviz/clock.h"
#include "poolviz/job_queue.h"

namespace poolviz {

// [SECTION] PriorityQueue -----------------------------------------------------

/// A max-heap on Job::priority; equal priorities leave in arrival order.
///
/// Aging (aging_interval > 0): a job's effective priority grows by one for every
/// interval it has waited in this queue, continuously:
///   effective(now) = priority + (now − enqueued_at) / aging_interval.
/// Every waiting job ages at the same rate, so the order between two jobs never
/// changes while they wait; the heap key priority × interval − enqueued_at is
/// fixed at push and pop stays O(log n). A job of priority p therefore overtakes
/// a job of priority p + k that arrived more than k intervals after it.
class PriorityQueue final : public JobQueue {
 public:
  /// `clock` stamps arrivals and is required when `aging_interval` > 0; it must
  /// outlive the queue.
  explicit PriorityQueue(Nanos aging_interval = 0, const Clock* clock = nullptr);

  std::string_view strategy() const override { return "priority"; }
  void push(Job&& job) override;
  Job pop(Nanos now) override;
  /// The job that has waited longest (the overflow policy's "oldest"). O(n).
  Job evict() override;
  std::size_t size() const override { return heap_.size(); }
  std::vector<Job> take_all() override;

  Nanos aging_interval() const { return aging_interval_; }

 private:
  // The heap orders small keys; the Jobs stay put in slots_, so a sift moves
  // 24 bytes per level instead of a whole ~120-byte Job.
  struct Key {
    std::int64_t key;     // priority, or priority × interval − enqueued_at with aging
    std::uint64_t order;  // arrival number: the FIFO tie-break
    std::uint32_t slot;   // index into slots_
  };
  // std::push_heap puts the "largest" first: larger key, then smaller order.
  static bool runs_later(const Key& a, const Key& b) {
    return a.key != b.key ? a.key < b.key : a.order > b.order;
  }
  // Moves the job out of `slot` and frees the slot for reuse.
  Job take_slot(std::uint32_t slot);
  // Frees the slot array once the queue is empty (reuse starts from 0 again).
  void reset_slots_if_empty();

  Nanos aging_interval_;
  const Clock* clock_;
  std::uint64_t next_order_ = 0;
  std::vector<Key> heap_;
  std::vector<Job> slots_;               // jobs by slot; free slots hold an empty Job
  std::vector<std::uint32_t> free_slots_;
};

// [SECTION] PriorityLevelsQueue -----------------------------------------------

/// `levels` FIFO queues; a job goes to level clamp(priority, 0, levels − 1) and
/// the highest non-empty level is always served first (the tutorial's 3 levels:
/// 0 low, 1 medium, 2 high). No aging: steady top-level load starves the lower
/// levels, which is what this variant is there to show.
class PriorityLevelsQueue final : public JobQueue {
 public:
  explicit PriorityLevelsQueue(int levels = 3);

  std::string_view strategy() const override { return "priority_levels"; }
  void push(Job&& job) override;
  Job pop(Nanos now) override;
  /// The oldest job over all levels (the front of one of them).
  Job evict() override;
  std::size_t size() const override { return size_; }
  std::vector<Job> take_all() override;

  int levels() const { return static_cast<int>(levels_.size()); }
  /// The level a job of `priority` waits in.
  int level_of(int priority) const;
  std::size_t depth_at(int level) const { return levels_[static_cast<std::size_t>(level)].size(); }

 private:
  struct Entry {
    std::uint64_t order;
    Job job;
  };
  Job take_front(std::size_t level);

  std::vector<std::deque<Entry>> levels_;
  std::size_t size_ = 0;
  std::uint64_t next_order_ = 0;
};

}  // namespace poolviz
