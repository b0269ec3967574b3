#include "poolviz/synthetic.h"

#include <algorithm>
#include <stdexcept>

namespace poolviz {

std::string_view to_string(WorkKind kind) { return kind == WorkKind::cpu ? "cpu" : "io"; }

namespace {

// Progress is reported at most every 5 %, so a job emits about 20 events.
class ProgressReporter {
 public:
  explicit ProgressReporter(JobContext& ctx) : ctx_(ctx) {}
  void report(Nanos done, Nanos total) {
    const float f = total > 0 ? static_cast<float>(static_cast<double>(done) / static_cast<double>(total)) : 1.0F;
    if (f - last_ >= 0.05F || (f >= 1.0F && last_ < 1.0F)) {
      last_ = f;
      ctx_.progress(f);
    }
  }

 private:
  JobContext& ctx_;
  float last_ = 0;
};

constexpr Nanos kSpinSlice = 200 * kMicrosecond;  // real time between checks

}  // namespace

Nanos spin_for(JobContext& ctx, Nanos service) {
  Clock& clock = ctx.clock();
  ProgressReporter progress(ctx);
  Nanos done = 0;
  Nanos cpu_used = 0;
  Nanos last = clock.now();
  while (done < service) {
    if (ctx.stop_requested()) return cpu_used;
    if (!clock.flows()) {
      // Paused scenario or manual clock: spinning would not make time pass.
      // The manual clock's time, advanced by a test, is the work done.
      if (!ctx.sleep_until(clock.now() + 1)) return cpu_used;
      const Nanos now = clock.now();
      done += std::max<Nanos>(now - last, 0);  // time going backwards does no work
      last = now;
    } else {
      // Only CPU time this thread received counts (× the clock's speed): 32
      // spinning workers on 2 cores each advance at 1/16 of a core, exactly
      // as real CPU-bound work would. Wall time would let them all finish at once.
      const Nanos cpu_before = thread_cpu_now();
      const Nanos until = steady_now() + kSpinSlice;
      volatile std::uint64_t sink = 0;
      while (steady_now() < until) sink = sink + 1;
      const Nanos cpu = std::max<Nanos>(thread_cpu_now() - cpu_before, 0);
      cpu_used += cpu;
      done += static_cast<Nanos>(static_cast<double>(cpu) * clock.rate());
      last = clock.now();
    }
    progress.report(std::min(done, service), service);
  }
  return cpu_used;
}

void wait_for(JobContext& ctx, Nanos service) {
  Clock& clock = ctx.clock();
  ProgressReporter progress(ctx);
  const Nanos start = clock.now();
  const Nanos end = start + service;
  // Wake every 5 % of the job to report progress (and so pauses show up).
  const Nanos step = std::max<Nanos>(service / 20, kMillisecond);
  for (Nanos next = start + step;; next += step) {
    if (!ctx.sleep_until(std::min(next, end))) return;
    const Nanos now = clock.now();
    progress.report(std::min(now - start, service), service);
    if (now >= end) return;
  }
}

bool injected_failure(std::uint64_t seed, std::uint64_t job, int attempt, double probability) {
  if (probability <= 0) return false;
  std::uint64_t z = seed ^ (job * 0x9e3779b97f4a7c15ULL) ^ (static_cast<std::uint64_t>(attempt) << 56);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  z ^= z >> 31;
  return static_cast<double>(z >> 11) * 0x1.0p-53 < probability;
}

JobFn make_synthetic(SyntheticWork work) {
  return [work](JobContext& ctx) {
    if (work.kind == WorkKind::cpu) {
      spin_for(ctx, work.service);
    } else {
      wait_for(ctx, work.service);
    }
    if (injected_failure(work.seed, ctx.id().value, ctx.attempt(), work.fail_probability)) {
      throw std::runtime_error("injected failure");
    }
  };
}

}  // namespace poolviz
