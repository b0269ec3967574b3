// poolviz/scaling_policy.h — dynamic scaling: a pool whose worker count follows
// its backlog between min_workers and max_workers.
//
// WorkerPool scales when PoolConfig::scaling is enabled (max_workers > 0):
//   * scale up when queue depth > factor × workers (the tutorials' "queue >
//     2 × workers"): it adds depth / factor workers (seed 003), capped at max.
//     Checked on every push (scale_interval 0) or by the scaler thread every
//     scale_interval of clock time (the tutorials' periodic check).
//   * a worker idle for idle_timeout of clock time retires, never below min.
//     One scaler thread decides every retirement under the pool's lock and
//     counts workers told to retire but not yet gone, so workers that go idle
//     together cannot undershoot min (the tutorial's racy idle check does).
// Every decision is a `pool_resized` event (code = ResizeReason scale_up or
// idle_retire, x = workers after, y = before, value = queue depth), followed by
// `worker_spawned` (scale_up) or `worker_retired` (idle_timeout).
#pragma once

#include <cstdint>
#include <string>

#include "poolviz/clock.h"
#include "poolviz/event.h"

namespace poolviz {

/// Zero means "the default" for every field; scaling is off while max_workers is 0.
struct ScalingPolicy {
  int min_workers = 0;         // 0 = 1
  int max_workers = 0;         // 0 = no scaling
  double scale_up_factor = 0;  // 0 = 2
  Nanos idle_timeout = 0;      // 0 = 2 s
  Nanos scale_interval = 0;    // 0 = check on every push

  bool enabled() const { return max_workers > 0; }
  /// The same policy with every default filled in and min <= max.
  ScalingPolicy resolved() const;
};

/// The worker count a backlog of `depth` asks for (seed 003's rule): `workers`
/// + floor(depth / factor) when depth > factor × `workers`, clamped to
/// [min, max]; otherwise `workers`.
/// Expects a resolved() policy.
int scale_up_target(const ScalingPolicy& policy, int workers, std::int64_t depth);

/// One line for the GUI's decision log from a `pool_resized` event, e.g.
/// "depth 9 > 2×4: +1 worker" or "idle 2.0 s: retire (5 → 4)".
std::string explain_resize(const Event& resized, const ScalingPolicy& policy);

}  // namespace poolviz
