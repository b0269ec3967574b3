// Case 3: fork-join fib(n) with a child task per call, on poolviz's
// work-stealing executor against oneTBB's task_group.
//
// Both run the same algorithm, so only the schedulers differ: every call with
// n >= 2 spawns two children and returns; a heap frame joins them (the last
// child to finish passes the sum up), so no task ever blocks waiting. The
// producer only submits the root and waits outside, as in case 1.
//
// The poolviz executor comes from make_executor(Strategy::work_stealing). Until
// that strategy lands the factory answers with a WorkerPool: the run then
// reports `placeholder_count` = 1 and the report marks the row.
#include <atomic>
#include <cstdlib>
#include <cstdint>
#include <string>

#include "bench_support.h"
#include "peers.h"
#include "poolviz/pool_spec.h"
#include "poolviz/work_stealing.h"

namespace poolviz::bench {
namespace {

int fib_n() {
  return quick() ? 25 : 30;
}

/// Number of calls fib(n) makes: calls(n) = 1 + calls(n-1) + calls(n-2).
std::int64_t fib_calls(int n) {
  std::int64_t a = 1, b = 1;  // calls(0), calls(1)
  for (int i = 2; i <= n; ++i) {
    const std::int64_t c = 1 + a + b;
    a = b;
    b = c;
  }
  return n == 0 ? 1 : b;
}

std::int64_t fib_value(int n) {
  std::int64_t a = 0, b = 1;
  for (int i = 0; i < n; ++i) {
    const std::int64_t c = a + b;
    a = b;
    b = c;
  }
  return a;
}

/// Joins two children. acq_rel on `pending`: the child that finishes last
/// sees the other child's addition to `sum` before it reads it.
struct Frame {
  std::atomic<std::int64_t> sum{0};
  std::atomic<int> pending{2};
  Frame* parent = nullptr;
};

/// The root's frame: one child (the root call), and a flag the producer waits on.
struct Root {
  Frame frame;
  std::atomic<bool> done{false};
  std::int64_t result = 0;
};

/// Passes `value` up from a finished call; frees frames as they complete.
void deliver(Frame* frame, std::int64_t value, Root& root) {
  while (frame != &root.frame) {
    frame->sum.fetch_add(value, std::memory_order_relaxed);
    if (frame->pending.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
    value = frame->sum.load(std::memory_order_relaxed);
    Frame* parent = frame->parent;
    delete frame;
    frame = parent;
  }
  root.result = value;
  root.done.store(true, std::memory_order_release);  // publishes result
}

// poolviz ---------------------------------------------------------------------

Job fib_job(int n, Frame* frame, Root& root) {
  Job job;
  job.fn = [n, frame, &root](JobContext& ctx) {
    if (n < 2) {
      deliver(frame, n, root);
      return;
    }
    auto* child = new Frame;
    child->parent = frame;
    ctx.spawn(fib_job(n - 1, child, root));
    ctx.spawn(fib_job(n - 2, child, root));
  };
  return job;
}

void fib_poolviz(benchmark::State& state, int workers) {
  const int n = fib_n();
  bool placeholder = false;
  Root root;
  for (auto _ : state) {
    RealClock clock;
    PoolSpec spec;
    spec.strategy = Strategy::work_stealing;
    spec.workers = workers;
    auto executor = make_executor(spec, env_on(clock));
    placeholder = executor->strategy() != "work_stealing";
    root.frame.pending.store(1);
    root.done.store(false);
    const Nanos t0 = steady_now();
    executor->submit(fib_job(n, &root.frame, root));
    executor->wait_idle();
    const Nanos t1 = steady_now();
    executor->shutdown(ShutdownMode::drain);
    state.SetIterationTime(to_seconds(t1 - t0));
    state.counters["ns_per_task"] =
        static_cast<double>(t1 - t0) / static_cast<double>(fib_calls(n));
  }
  if (!root.done.load(std::memory_order_acquire) || root.result != fib_value(n)) {
    state.SkipWithError("fib result is wrong");
  }
  state.counters["placeholder_count"] = placeholder ? 1 : 0;
}

// oneTBB ----------------------------------------------------------------------

struct TbbFib {
  tbb::task_group& group;
  Root& root;
  void operator()(int n, Frame* frame) const {
    if (n < 2) {
      deliver(frame, n, root);
      return;
    }
    auto* child = new Frame;
    child->parent = frame;
    const TbbFib self = *this;
    group.run([self, n, child] { self(n - 1, child); });
    group.run([self, n, child] { self(n - 2, child); });
  }
};

void fib_tbb(benchmark::State& state, int workers) {
  const int n = fib_n();
  Root root;
  for (auto _ : state) {
    TbbPool tbb(workers);
    root.frame.pending.store(1);
    root.done.store(false);
    const TbbFib fib{tbb.group(), root};
    const Nanos t0 = steady_now();
    tbb.post([fib, n, &root] { fib(n, &root.frame); });
    tbb.drain();
    const Nanos t1 = steady_now();
    state.SetIterationTime(to_seconds(t1 - t0));
    state.counters["ns_per_task"] =
        static_cast<double>(t1 - t0) / static_cast<double>(fib_calls(n));
  }
  if (!root.done.load(std::memory_order_acquire) || root.result != fib_value(n)) {
    state.SkipWithError("fib result is wrong");
  }
}

// JobGroup (callgrind only) ---------------------------------------------------

/// The JobGroup form of fib (the header's example): one child per call, the
/// parent helps until it has ended. For `scripts/bench --callgrind`-style
/// counts of JobGroup::spawn: POOLVIZ_BENCH_FIB sets n (default 25); the
/// difference between two n over the difference in spawns is Ir per child.
std::int64_t fib_group(JobContext& ctx, int n) {
  if (n < 2) return n;
  std::int64_t a = 0;
  JobGroup group(ctx);
  group.spawn([&a, n](JobContext& child) { a = fib_group(child, n - 1); });
  const std::int64_t b = fib_group(ctx, n - 2);
  group.wait();
  return a + b;
}

void fib_group_poolviz(benchmark::State& state, int workers) {
  const char* v = std::getenv("POOLVIZ_BENCH_FIB");
  const int n = v != nullptr ? std::atoi(v) : 25;
  std::int64_t result = -1;
  for (auto _ : state) {
    RealClock clock;
    PoolSpec spec;
    spec.strategy = Strategy::work_stealing;
    spec.workers = workers;
    auto executor = make_executor(spec, env_on(clock));
    const Nanos t0 = steady_now();
    Job root;
    root.fn = [n, &result](JobContext& ctx) { result = fib_group(ctx, n); };
    executor->submit(std::move(root));
    executor->wait_idle();
    const Nanos t1 = steady_now();
    executor->shutdown(ShutdownMode::drain);
    state.SetIterationTime(to_seconds(t1 - t0));
  }
  if (result != fib_value(n)) state.SkipWithError("fib result is wrong");
}

const bool registered = [] {
  for (int workers : {1, 2}) {
    const std::string w = std::to_string(workers);
    add("c3_w" + w + "/poolviz", [workers](benchmark::State& s) { fib_poolviz(s, workers); });
    add("c3_w" + w + "/tbb", [workers](benchmark::State& s) { fib_tbb(s, workers); });
    add("cg_fibgroup_w" + w + "/poolviz",
        [workers](benchmark::State& s) { fib_group_poolviz(s, workers); });
  }
  return true;
}();

}  // namespace
}  // namespace poolviz::bench
