#include "poolviz/sizing.h"

#include <algorithm>
#include <cmath>
#include <thread>

namespace poolviz {

int hardware_workers() {
  return std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
}

int cpu_bound_workers(int hardware_threads) {
  return std::max(1, hardware_threads);
}

int io_bound_workers(int hardware_threads, double multiple) {
  const double workers =
      std::ceil(static_cast<double>(cpu_bound_workers(hardware_threads)) * std::max(multiple, 1.0));
  return static_cast<int>(std::min(workers, 1e6));
}

int blocking_workers(double wait_per_compute, int hardware_threads) {
  return io_bound_workers(hardware_threads, 1.0 + std::max(wait_per_compute, 0.0));
}

int workers_for(WorkKind kind, int hardware_threads) {
  return kind == WorkKind::cpu ? cpu_bound_workers(hardware_threads)
                               : io_bound_workers(hardware_threads);
}

}  // namespace poolviz
