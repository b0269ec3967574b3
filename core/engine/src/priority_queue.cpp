#include "poolviz/priority_queue.h"

#include <algorithm>
#include <cassert>
#include <limits>

namespace poolviz {

// PriorityQueue --------------------------------------------------------------

PriorityQueue::PriorityQueue(Nanos aging_interval, const Clock* clock)
    : aging_interval_(aging_interval > 0 ? aging_interval : 0), clock_(clock) {
  assert((aging_interval_ == 0 || clock_ != nullptr) && "aging needs a clock");
}

void PriorityQueue::push(Job&& job) {
  std::int64_t key = job.priority;
  if (aging_interval_ > 0) {
    // Saturate far from the int64 limits so that subtracting a time cannot overflow.
    constexpr std::int64_t kLimit = std::numeric_limits<std::int64_t>::max() / 4;
    std::int64_t scaled = 0;
    if (__builtin_mul_overflow(key, aging_interval_, &scaled)) scaled = key < 0 ? -kLimit : kLimit;
    key = std::clamp(scaled, -kLimit, kLimit) - clock_->now();
  }
  std::uint32_t slot = 0;
  if (free_slots_.empty()) {
    slot = static_cast<std::uint32_t>(slots_.size());
    slots_.push_back(std::move(job));
  } else {
    slot = free_slots_.back();
    free_slots_.pop_back();
    slots_[slot] = std::move(job);
  }
  heap_.push_back({key, next_order_++, slot});
  std::push_heap(heap_.begin(), heap_.end(), runs_later);
}

Job PriorityQueue::take_slot(std::uint32_t slot) {
  Job job = std::move(slots_[slot]);
  slots_[slot].fn = nullptr;  // a free slot holds no callable (and nothing it captured)
  free_slots_.push_back(slot);
  return job;
}

void PriorityQueue::reset_slots_if_empty() {
  if (!heap_.empty()) return;
  // Past a flood, give the memory back; below that, keep it for the next burst.
  constexpr std::size_t kKeep = 1024;
  if (slots_.capacity() > kKeep) {
    std::vector<Job>().swap(slots_);
    std::vector<std::uint32_t>().swap(free_slots_);
    std::vector<Key>().swap(heap_);
  } else {
    slots_.clear();
    free_slots_.clear();
  }
}

Job PriorityQueue::pop(Nanos) {
  assert(!heap_.empty());
  std::pop_heap(heap_.begin(), heap_.end(), runs_later);
  const std::uint32_t slot = heap_.back().slot;
  heap_.pop_back();
  Job job = take_slot(slot);
  reset_slots_if_empty();
  return job;
}

Job PriorityQueue::evict() {
  assert(!heap_.empty());
  const auto oldest = std::min_element(
      heap_.begin(), heap_.end(), [](const Key& a, const Key& b) { return a.order < b.order; });
  const std::uint32_t slot = oldest->slot;
  *oldest = heap_.back();
  heap_.pop_back();
  std::make_heap(heap_.begin(), heap_.end(), runs_later);
  Job job = take_slot(slot);
  reset_slots_if_empty();
  return job;
}

std::vector<Job> PriorityQueue::take_all() {
  std::sort_heap(heap_.begin(), heap_.end(), runs_later);  // ascending: the next to run is last
  std::vector<Job> all;
  all.reserve(heap_.size());
  for (auto it = heap_.rbegin(); it != heap_.rend(); ++it) all.push_back(std::move(slots_[it->slot]));
  heap_.clear();
  free_slots_.clear();
  slots_.clear();
  reset_slots_if_empty();
  return all;
}

// PriorityLevelsQueue --------------------------------------------------------

PriorityLevelsQueue::PriorityLevelsQueue(int levels)
    : levels_(static_cast<std::size_t>(std::max(levels, 1))) {}

int PriorityLevelsQueue::level_of(int priority) const {
  return std::clamp(priority, 0, levels() - 1);
}

void PriorityLevelsQueue::push(Job&& job) {
  const auto level = static_cast<std::size_t>(level_of(job.priority));
  levels_[level].push_back({next_order_++, std::move(job)});
  ++size_;
}

Job PriorityLevelsQueue::take_front(std::size_t level) {
  Job job = std::move(levels_[level].front().job);
  levels_[level].pop_front();
  --size_;
  return job;
}

Job PriorityLevelsQueue::pop(Nanos) {
  assert(size_ > 0);
  // Always from the top: a job that arrived on a higher level while a worker
  // was busy is served before anything below it.
  for (std::size_t level = levels_.size(); level-- > 0;) {
    if (!levels_[level].empty()) return take_front(level);
  }
  return {};  // unreachable with size_ > 0
}

Job PriorityLevelsQueue::evict() {
  assert(size_ > 0);
  std::size_t oldest = levels_.size();
  for (std::size_t level = 0; level < levels_.size(); ++level) {
    if (levels_[level].empty()) continue;
    if (oldest == levels_.size() || levels_[level].front().order < levels_[oldest].front().order) {
      oldest = level;
    }
  }
  return take_front(oldest);
}

std::vector<Job> PriorityLevelsQueue::take_all() {
  std::vector<Job> all;
  all.reserve(size_);
  while (size_ > 0) all.push_back(pop(0));
  return all;
}

}  // namespace poolviz
