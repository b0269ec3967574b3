// poolviz/sizing.h — how many workers a pool should have for the work it runs.
//
// The tutorials' rules of thumb: cpu-bound work cannot go faster than the
// hardware threads, so more workers only add switching; io-bound work mostly
// waits, so a multiple of the hardware threads (2× or more) keeps them busy.
// Scenarios call these so that "cpu" and "io" presets follow the machine.
// Every function returns at least 1.
#pragma once

#include "poolviz/synthetic.h"

namespace poolviz {

/// Hardware threads of this machine (at least 1).
int hardware_workers();

/// cpu-bound: one worker per hardware thread.
int cpu_bound_workers(int hardware_threads = hardware_workers());

/// io-bound: `multiple` × hardware threads, rounded up (the tutorials use 2).
int io_bound_workers(int hardware_threads = hardware_workers(), double multiple = 2.0);

/// Work that waits `wait_per_compute` units for every unit it computes:
/// hardware × (1 + wait/compute), rounded up. 0 gives the cpu-bound figure,
/// 1 gives 2× (the io-bound default).
int blocking_workers(double wait_per_compute, int hardware_threads = hardware_workers());

/// The preset for a synthetic workload kind: cpu → cpu_bound_workers,
/// io → io_bound_workers with the default multiple.
int workers_for(WorkKind kind, int hardware_threads = hardware_workers());

}  // namespace poolviz
