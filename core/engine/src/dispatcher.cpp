#include "poolviz/dispatcher.h"

namespace poolviz {

int Dispatcher::pick(std::span<const QueueLoad> loads) {
  const std::size_t n = loads.size();
  switch (policy_) {
    case Dispatch::shared:
      return -1;
    case Dispatch::round_robin:
      for (std::size_t step = 0; step < n; ++step) {
        const std::size_t i = (cursor_ + step) % n;
        if (loads[i].eligible) {
          cursor_ = i + 1;
          return static_cast<int>(i);
        }
      }
      return -1;
    case Dispatch::least_loaded: {
      int best = -1;
      for (std::size_t i = 0; i < n; ++i) {
        if (!loads[i].eligible) continue;
        if (best < 0 ||
            loads[i].outstanding() < loads[static_cast<std::size_t>(best)].outstanding()) {
          best = static_cast<int>(i);
        }
      }
      return best;
    }
  }
  return -1;
}

}  // namespace poolviz
