// poolviz/synthetic.h — the demo workloads: jobs that take a known amount of
// scenario time, either burning a CPU or waiting without one.
//
// io work waits `service` of the executor's clock time; cpu work burns
// `service` of its own thread's CPU time (thread CPU clock × clock speed), so
// more threads than cores do not finish CPU work sooner. Both freeze while the
// scenario clock is paused, stop promptly on cancellation or at their
// deadline (checked at least every slice), and report progress as they go.
#pragma once

#include <cstdint>
#include <string_view>

#include "poolviz/job.h"

namespace poolviz {

enum class WorkKind : std::uint8_t {
  cpu,  // spins on a core until its thread received `service` of CPU time (× clock speed)
  io,   // sleeps until `service` of clock time has passed (no CPU used)
};

std::string_view to_string(WorkKind kind);

struct SyntheticWork {
  WorkKind kind = WorkKind::io;
  Nanos service = 0;               // clock time the job takes
  double fail_probability = 0;     // per attempt, decided by (seed, job id, attempt)
  std::uint64_t seed = 0;
};

/// A job body doing `work`. A failing attempt does its work, then throws
/// std::runtime_error("injected failure").
JobFn make_synthetic(SyntheticWork work);

/// The bodies themselves, for jobs that want to compose them.
/// spin_for returns the thread CPU time it burnt (real ns).
Nanos spin_for(JobContext& ctx, Nanos service);
void wait_for(JobContext& ctx, Nanos service);

/// True when attempt `attempt` of job `job` fails under (seed, probability):
/// the same inputs always give the same answer.
bool injected_failure(std::uint64_t seed, std::uint64_t job, int attempt, double probability);

}  // namespace poolviz
