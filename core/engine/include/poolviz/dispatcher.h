// poolviz/dispatcher.h — Dispatch and the Dispatcher: with per-worker queues,
// which worker's queue a job joins (the tutorials' load balancer).
//
// WorkerPool runs in this mode when PoolConfig::dispatch is round_robin or
// least_loaded: each worker owns a FIFO queue (bounded per worker by
// queue_capacity) and serves only that queue; a worker that retires hands its
// queued jobs back to the dispatcher. Each placement emits `enqueued` with
// worker = the chosen queue, so the GUI can draw one queue per lane.
//
// The Dispatcher itself is a pure decision over a snapshot of the loads; the
// pool calls it under its lock, so the snapshot is exact at that instant.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace poolviz {

/// How jobs reach workers when the strategy has per-worker queues.
enum class Dispatch : std::uint8_t { shared, round_robin, least_loaded };

/// What the dispatcher knows about one worker's queue.
struct QueueLoad {
  bool eligible = false;  // false: retired or retiring worker, takes no jobs
  std::int64_t queued = 0;
  bool running = false;  // its worker holds a job (at the gate or running)
  /// Least-loaded's measure: jobs the worker still has to finish.
  std::int64_t outstanding() const { return queued + (running ? 1 : 0); }
};

/// Not thread-safe: the pool calls it under its own lock.
class Dispatcher {
 public:
  explicit Dispatcher(Dispatch policy = Dispatch::shared) : policy_(policy) {}

  Dispatch policy() const { return policy_; }
  /// True for round_robin and least_loaded (one queue per worker).
  bool per_worker() const { return policy_ != Dispatch::shared; }

  /// The queue the next job joins, or -1 when none is eligible (or for shared).
  /// round_robin: the next eligible queue after the previous pick, whatever its
  /// load (job i → worker i mod n when all are eligible). least_loaded: the
  /// smallest outstanding(), ties to the lowest index (never a longer queue
  /// while a shorter one exists).
  int pick(std::span<const QueueLoad> loads);

 private:
  Dispatch policy_;
  std::size_t cursor_ = 0;  // round_robin: where the next search starts
};

}  // namespace poolviz
