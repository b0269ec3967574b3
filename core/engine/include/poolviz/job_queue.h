// poolviz/job_queue.h — the order in which a shared-queue pool hands out jobs.
//
// A JobQueue is a plain container: WorkerPool guards it with its own mutex, so
// implementations need no synchronisation. FIFO lives here; the priority heap
// and the multi-level queues are in priority_queue.h.
#pragma once

#include <cstddef>
#include <deque>
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
class FifoQueue final : public JobQueue {
 public:
  std::string_view strategy() const override { return "fixed"; }
  void push(Job&& job) override { jobs_.push_back(std::move(job)); }
  Job pop(Nanos) override { return take_front(); }
  Job evict() override { return take_front(); }
  std::size_t size() const override { return jobs_.size(); }
  std::vector<Job> take_all() override;

 private:
  Job take_front() {
    Job job = std::move(jobs_.front());
    jobs_.pop_front();
    return job;
  }
  std::deque<Job> jobs_;
};

}  // namespace poolviz
