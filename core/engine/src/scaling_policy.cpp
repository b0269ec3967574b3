#include "poolviz/scaling_policy.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace poolviz {

ScalingPolicy ScalingPolicy::resolved() const {
  ScalingPolicy p = *this;
  p.min_workers = std::max(p.min_workers, 1);
  p.max_workers = std::max(p.max_workers, p.min_workers);
  if (!(p.scale_up_factor > 0)) p.scale_up_factor = 2.0;
  if (p.idle_timeout <= 0) p.idle_timeout = 2 * kSecond;
  p.scale_interval = std::max<Nanos>(p.scale_interval, 0);
  return p;
}

int scale_up_target(const ScalingPolicy& policy, int workers, std::int64_t depth) {
  // The Go tutorials' dynamic pool: when depth > factor × n, add min(max − n, depth ÷ factor).
  const double threshold = policy.scale_up_factor * workers;
  int target = workers;
  if (static_cast<double>(depth) > threshold) {
    const double added = std::floor(static_cast<double>(depth) / policy.scale_up_factor);
    target = static_cast<int>(std::min(workers + added, static_cast<double>(policy.max_workers)));
  }
  return std::clamp(std::max(target, workers), policy.min_workers, policy.max_workers);
}

std::string explain_resize(const Event& e, const ScalingPolicy& policy) {
  const auto after = static_cast<long long>(e.pool_resized.workers_after);
  const long long before = e.pool_resized.workers_before;
  const long long change = after - before;
  char line[128];
  switch (e.pool_resized.reason) {
    case ResizeReason::scale_up:
      std::snprintf(line, sizeof line, "depth %.0f > %g×%lld: %+lld worker%s",
                    double{e.pool_resized.trigger_depth}, policy.scale_up_factor, before, change,
                    change == 1 ? "" : "s");
      break;
    case ResizeReason::idle_retire:
      std::snprintf(line, sizeof line, "idle %.1f s: retire (%lld → %lld)",
                    to_seconds(policy.idle_timeout), before, after);
      break;
    case ResizeReason::manual:
    default:
      std::snprintf(line, sizeof line, "resized by hand: %lld → %lld", before, after);
      break;
  }
  return line;
}

}  // namespace poolviz
