// poolviz/job_queue.h — the order in which a shared-queue pool hands out jobs.
//
// A JobQueue is a plain container: WorkerPool guards it with its own mutex, so
// implementations need no synchronisation. FIFO lives here; the priority heap
// and the multi-level queues are in priority_queue.h.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "poolviz/job.h"

namespace poolviz {

class JobQueue {
 public:
  virtual ~JobQueue() = default;

  /// The strategy name a pool using this queue reports ("fixed", "priority", ...).
  virtual std::string_view strategy() const = 0;

  /// True when pop() needs the current time (aging); otherwise it is passed 0.
  virtual bool uses_time() const { return false; }

  virtual void push(Job&& job) = 0;
  /// The next job to run at time `now`. Precondition: size() > 0.
  virtual Job pop(Nanos now) = 0;
  /// The job a full queue evicts under Overflow::drop_oldest. Precondition: size() > 0.
  virtual Job evict() = 0;
  virtual std::size_t size() const = 0;
  /// Empties the queue (shutdown(cancel)), in the order jobs would have run.
  virtual std::vector<Job> take_all() = 0;
};

/// First in, first out: the tutorials' buffered jobs channel.
///
/// Jobs sit in fixed chunks of kChunk slots linked head to tail; a chunk the
/// head has left goes to a spare list and is reused by the tail, so a steady
/// flow allocates nothing (std::deque<Job> allocated a 512-byte block, four
/// Jobs, every fourth push and freed it every fourth pop, under the pool's
/// lock). At most kKeepSpare chunks are kept once a flood has drained.
class FifoQueue final : public JobQueue {
 public:
  FifoQueue() = default;
  ~FifoQueue() override;
  FifoQueue(const FifoQueue&) = delete;
  FifoQueue& operator=(const FifoQueue&) = delete;

  std::string_view strategy() const override { return "fixed"; }
  void push(Job&& job) override;
  Job pop(Nanos) override { return take_front(); }
  Job evict() override { return take_front(); }
  std::size_t size() const override { return size_; }
  std::vector<Job> take_all() override;

 private:
  static constexpr std::size_t kChunk = 64;
  static constexpr std::size_t kKeepSpare = 8;
  struct Chunk {
    Chunk* next = nullptr;
    alignas(Job) unsigned char slots[kChunk * sizeof(Job)];
    Job* at(std::size_t i) { return reinterpret_cast<Job*>(slots) + i; }
  };
  Job take_front();
  Chunk* new_chunk();

  Chunk* head_ = nullptr;  // oldest job at head_->at(head_index_)
  Chunk* tail_ = nullptr;  // next push at tail_->at(tail_index_)
  std::size_t head_index_ = 0;
  std::size_t tail_index_ = 0;
  std::size_t size_ = 0;
  Chunk* spare_ = nullptr;
  std::size_t spare_count_ = 0;
};

}  // namespace poolviz
