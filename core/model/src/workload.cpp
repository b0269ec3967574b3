#include "poolviz/workload.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <memory>
#include <stdexcept>
#include <string>

namespace poolviz {

namespace {

constexpr std::array<std::string_view, 5> kArrivalNames = {"all_at_once", "constant", "poisson",
                                                           "bursts", "closed_loop"};
constexpr std::array<std::string_view, 5> kServiceNames = {"fixed", "uniform", "exponential",
                                                           "lognormal", "bimodal"};
constexpr std::array<std::string_view, 2> kWorkKindNames = {"cpu", "io"};

template <class Enum, std::size_t N>
std::optional<Enum> parse_name(const std::array<std::string_view, N>& names, std::string_view name) {
  for (std::size_t i = 0; i < N; ++i) {
    if (names[i] == name) return static_cast<Enum>(i);
  }
  return std::nullopt;
}

std::uint64_t splitmix64(std::uint64_t& x) {
  std::uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

[[noreturn]] void invalid(std::string_view key, const std::string& what) {
  throw std::invalid_argument("workload." + std::string(key) + ": " + what);
}

}  // namespace

std::string_view to_string(ArrivalPattern p) { return kArrivalNames[static_cast<std::size_t>(p)]; }
std::string_view to_string(ServiceDistribution d) {
  return kServiceNames[static_cast<std::size_t>(d)];
}
std::span<const std::string_view> arrival_names() { return kArrivalNames; }
std::span<const std::string_view> service_names() { return kServiceNames; }
std::span<const std::string_view> work_kind_names() { return kWorkKindNames; }
std::optional<ArrivalPattern> parse_arrival(std::string_view n) {
  return parse_name<ArrivalPattern>(kArrivalNames, n);
}
std::optional<ServiceDistribution> parse_service(std::string_view n) {
  return parse_name<ServiceDistribution>(kServiceNames, n);
}
std::optional<WorkKind> parse_work_kind(std::string_view n) {
  return parse_name<WorkKind>(kWorkKindNames, n);
}

void validate(const WorkloadSpec& s) {
  auto finite_non_negative = [](double v) { return std::isfinite(v) && v >= 0; };
  if (!finite_non_negative(s.rate)) invalid("rate", "must be a number >= 0 (jobs per second)");
  if (s.count < 0) invalid("count", "must be >= 0 (0 = until duration)");
  if (!finite_non_negative(s.duration_s)) invalid("duration", "must be >= 0 seconds");
  if (s.count == 0 && s.duration_s == 0 && s.arrival != ArrivalPattern::all_at_once) {
    invalid("count", "count and duration are both 0: set one of them");
  }
  if (s.count == 0 && s.arrival == ArrivalPattern::all_at_once) {
    invalid("count", "all_at_once needs a count > 0");
  }
  if (s.burst_size < 0) invalid("burst_size", "must be >= 0");
  if (!finite_non_negative(s.burst_interval_s)) invalid("burst_interval", "must be >= 0 seconds");
  if (s.clients < 0) invalid("clients", "must be >= 0");
  if (!finite_non_negative(s.think_ms)) invalid("think_ms", "must be >= 0");
  if (!finite_non_negative(s.service_mean_ms)) invalid("service_mean_ms", "must be >= 0");
  if (!finite_non_negative(s.spread)) invalid("spread", "must be >= 0");
  if (s.service == ServiceDistribution::uniform && s.spread > 1) {
    invalid("spread", "uniform spread must be between 0 and 1");
  }
  if (!finite_non_negative(s.slow_fraction) || s.slow_fraction > 1) {
    invalid("slow_fraction", "must be between 0 and 1");
  }
  if (!finite_non_negative(s.slow_factor)) invalid("slow_factor", "must be >= 0");
  if (s.slow_every < 0) invalid("slow_every", "must be >= 0");
  for (const PriorityShare& p : s.priorities) {
    if (!finite_non_negative(p.weight)) invalid("priorities", "weights must be >= 0");
  }
  if (!finite_non_negative(s.failure_rate) || s.failure_rate > 1) {
    invalid("failure_rate", "must be between 0 and 1");
  }
  if (!finite_non_negative(s.timeout_ms)) invalid("timeout_ms", "must be >= 0");
  if (s.retry.max_attempts < 0 || s.retry.max_attempts > 100) {
    invalid("retry.max_attempts", "must be between 0 and 100");
  }
  if (s.retry.base_backoff < 0 || s.retry.max_backoff < 0) {
    invalid("retry.backoff_ms", "must be >= 0");
  }
  if (!std::isfinite(s.retry.factor) || s.retry.factor < 1) {
    invalid("retry.factor", "must be >= 1");
  }
  if (!finite_non_negative(s.retry.jitter) || s.retry.jitter > 1) {
    invalid("retry.jitter", "must be between 0 and 1");
  }
  if (s.fork_depth < 0 || s.fork_depth > 8) invalid("fork_depth", "must be between 0 and 8");
  if (s.fork_fanout < 0 || s.fork_fanout > 8) invalid("fork_fanout", "must be between 0 and 8");
  if (!finite_non_negative(s.cpu_ms) || s.cpu_ms > 3.6e6) invalid("cpu_ms", "must be between 0 and 3600000");
  if (!finite_non_negative(s.job_memory_kb) || s.job_memory_kb > 1024 * 1024) {
    invalid("job_memory_kb", "must be between 0 and 1048576 (1 GiB)");
  }
}

WorkloadSpec with_defaults(WorkloadSpec s) {
  if (s.rate == 0) s.rate = 10;
  if (s.burst_size == 0) s.burst_size = 10;
  if (s.burst_interval_s == 0) s.burst_interval_s = 1;
  if (s.clients == 0) s.clients = 1;
  if (s.service_mean_ms == 0) s.service_mean_ms = 100;
  if (s.spread == 0) s.spread = 0.5;
  if (s.slow_fraction == 0) s.slow_fraction = 0.1;
  if (s.slow_factor == 0) s.slow_factor = 10;
  if (s.fork_fanout == 0) s.fork_fanout = 2;
  if (s.seed == 0) s.seed = 1;
  return s;
}

// [SECTION] WorkloadGenerator ---------------------------------------------------

WorkloadGenerator::WorkloadGenerator(const WorkloadSpec& spec) : spec_(with_defaults(spec)) {
  std::uint64_t x = spec_.seed;
  for (std::uint64_t& word : state_) word = splitmix64(x);
}

double WorkloadGenerator::uniform01() {
  // xoshiro256**: small, fast, and specified bit for bit, unlike <random>'s distributions.
  const std::uint64_t result = rotl(state_[1] * 5, 7) * 9;
  const std::uint64_t t = state_[1] << 17;
  state_[2] ^= state_[0];
  state_[3] ^= state_[1];
  state_[1] ^= state_[2];
  state_[0] ^= state_[3];
  state_[2] ^= t;
  state_[3] = rotl(state_[3], 45);
  return static_cast<double>(result >> 11) * 0x1.0p-53;
}

double WorkloadGenerator::standard_normal() {
  // Box–Muller; one of the pair is enough (simplicity beats the saved draw).
  const double u1 = 1.0 - uniform01();  // (0, 1]
  const double u2 = uniform01();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * 3.14159265358979323846 * u2);
}

Nanos WorkloadGenerator::draw_service(bool& slow) {
  const double mean = spec_.service_mean_ms;
  double ms = mean;
  slow = false;
  switch (spec_.service) {
    case ServiceDistribution::fixed: break;
    case ServiceDistribution::uniform:
      ms = mean * (1.0 - spec_.spread + 2.0 * spec_.spread * uniform01());
      break;
    case ServiceDistribution::exponential: ms = -mean * std::log(1.0 - uniform01()); break;
    case ServiceDistribution::lognormal: {
      const double sigma = spec_.spread;
      const double mu = std::log(std::max(mean, 1e-9)) - sigma * sigma / 2;
      ms = std::exp(mu + sigma * standard_normal());
      break;
    }
    case ServiceDistribution::bimodal:
      if (spec_.slow_every > 0) {
        slow = (produced_ + 1) % static_cast<std::uint64_t>(spec_.slow_every) == 0;
      } else {
        slow = uniform01() < spec_.slow_fraction;
      }
      if (slow) ms = mean * spec_.slow_factor;
      break;
  }
  // Cap a pathological tail draw at 1000 × the mean so one job cannot stall a demo.
  ms = std::clamp(ms, 0.0, std::max(mean, 1.0) * 1000.0);
  return from_ms(ms);
}

int WorkloadGenerator::draw_priority() {
  if (spec_.priorities.empty()) return 0;
  double total = 0;
  for (const PriorityShare& p : spec_.priorities) total += p.weight;
  if (total <= 0) return spec_.priorities.front().priority;
  double u = uniform01() * total;
  for (const PriorityShare& p : spec_.priorities) {
    if (u < p.weight) return p.priority;
    u -= p.weight;
  }
  return spec_.priorities.back().priority;
}

std::optional<PlannedJob> WorkloadGenerator::next() {
  if (spec_.count > 0 && produced_ >= static_cast<std::uint64_t>(spec_.count)) return std::nullopt;
  PlannedJob job;
  job.index = produced_;
  switch (spec_.arrival) {
    case ArrivalPattern::all_at_once: job.at = 0; break;
    case ArrivalPattern::constant:
      job.at = from_seconds(next_at_s_);
      next_at_s_ += 1.0 / spec_.rate;
      break;
    case ArrivalPattern::poisson:
      next_at_s_ += -std::log(1.0 - uniform01()) / spec_.rate;
      job.at = from_seconds(next_at_s_);
      break;
    case ArrivalPattern::bursts:
      job.at = from_seconds(static_cast<double>(produced_ / static_cast<std::uint64_t>(spec_.burst_size)) *
                            spec_.burst_interval_s);
      break;
    case ArrivalPattern::closed_loop:
      if (produced_ < static_cast<std::uint64_t>(spec_.clients)) {
        job.client = static_cast<int>(produced_);
        job.at = 0;
      } else {
        job.at = from_ms(spec_.think_ms);
      }
      break;
  }
  if (spec_.arrival != ArrivalPattern::closed_loop && spec_.duration_s > 0 &&
      job.at > from_seconds(spec_.duration_s)) {
    return std::nullopt;
  }
  job.service = draw_service(job.slow);
  job.priority = draw_priority();
  ++produced_;
  return job;
}

void WorkloadGenerator::set_rate(double per_second) {
  if (std::isfinite(per_second) && per_second > 0) spec_.rate = per_second;
}

void WorkloadGenerator::set_service_mean(double ms) {
  if (std::isfinite(ms) && ms > 0) spec_.service_mean_ms = ms;
}

std::vector<PlannedJob> generate_arrivals(const WorkloadSpec& spec, std::size_t limit) {
  WorkloadGenerator generator(spec);
  std::vector<PlannedJob> jobs;
  while (jobs.size() < limit) {
    std::optional<PlannedJob> job = generator.next();
    if (!job) break;
    jobs.push_back(*job);
  }
  return jobs;
}

// [SECTION] Job bodies ----------------------------------------------------------

namespace {

// Memory a job holds while it runs: allocated and written page by page, so
// it is resident (counts in RSS), as a real handler's buffers would be.
class HeldMemory {
 public:
  HeldMemory(std::size_t bytes, JobTally* tally) : size_(bytes), tally_(tally) {
    if (bytes == 0) return;
    bytes_ = std::unique_ptr<char[]>(new char[bytes]);  // uninitialised, as make_unique_for_overwrite (not in the browser's libc++ 13)
    constexpr std::size_t kPage = 4096;
    volatile char* p = bytes_.get();
    for (std::size_t i = 0; i < bytes; i += kPage) p[i] = 1;
    p[bytes - 1] = 1;
    if (tally_ != nullptr) tally_->add_memory(static_cast<std::int64_t>(size_));
  }
  ~HeldMemory() {
    if (bytes_ && tally_ != nullptr) tally_->add_memory(-static_cast<std::int64_t>(size_));
  }
  HeldMemory(const HeldMemory&) = delete;
  HeldMemory& operator=(const HeldMemory&) = delete;

 private:
  std::size_t size_;
  JobTally* tally_;
  std::unique_ptr<char[]> bytes_;
};

struct Body {
  WorkKind kind;
  std::size_t memory_bytes;
  JobTally* tally;
  Nanos cpu_after;
  Nanos service;
  double failure_rate;
  std::uint64_t seed;
  std::uint64_t index;  // failure identity: the stream index, or a child's derived one
  int fork_depth;
  int fanout;
  int priority;
  Nanos timeout;
  RetryPolicy retry;

  void operator()(JobContext& ctx) const {
    // Fork-join: a job at depth d hands fanout children (depth d-1) to its own
    // executor first (a work-stealing worker pushes them on its own deque), then
    // does its share. Children carry the same service: the tree is the work.
    if (fork_depth > 0 && ctx.attempt() == 1) {
      for (int i = 0; i < fanout; ++i) {
        Body child = *this;
        child.fork_depth = fork_depth - 1;
        child.index = index * 8 + static_cast<std::uint64_t>(i) + 1 + (1ULL << 48);
        Job job;
        job.priority = priority;
        job.timeout = timeout;
        job.retry = retry;
        job.tag = 2;  // forked child
        job.fn = child;
        ctx.spawn(std::move(job));
      }
    }
    {
      const HeldMemory held(memory_bytes, tally);
      if (kind == WorkKind::cpu) {
        const Nanos cpu = spin_for(ctx, service);
        if (tally != nullptr) tally->cpu.fetch_add(cpu, std::memory_order_relaxed);
      } else {
        wait_for(ctx, service);
      }
      if (cpu_after > 0 && !ctx.stop_requested()) {
        const Nanos cpu = spin_for(ctx, cpu_after);
        if (tally != nullptr) tally->cpu.fetch_add(cpu, std::memory_order_relaxed);
      }
    }
    // Cut short by cancel or deadline: the executor already knows the outcome.
    if (ctx.observed_cancel() || ctx.observed_deadline()) return;
    if (injected_failure(seed, index, ctx.attempt(), failure_rate)) {
      throw std::runtime_error("injected failure");
    }
  }
};

}  // namespace

void JobTally::add_memory(std::int64_t bytes) {
  const std::int64_t now = memory.fetch_add(bytes, std::memory_order_relaxed) + bytes;
  std::int64_t peak = memory_peak.load(std::memory_order_relaxed);
  while (now > peak && !memory_peak.compare_exchange_weak(peak, now, std::memory_order_relaxed)) {
  }
}

Job make_job(const WorkloadSpec& raw_spec, const PlannedJob& planned, JobTally* tally) {
  const WorkloadSpec spec = with_defaults(raw_spec);
  Job job;
  job.priority = planned.priority;
  job.tag = planned.slow ? 1 : 0;
  // The generator knows each job's planned service: here the estimate is exact
  // (a real scheduler guesses, from a request's size or a client's history).
  job.size_estimate = planned.service;
  job.timeout = from_ms(spec.timeout_ms);
  job.retry = spec.retry;
  job.fn = Body{spec.kind, static_cast<std::size_t>(spec.job_memory_kb * 1024), tally,
                from_ms(spec.cpu_ms), planned.service, spec.failure_rate, spec.seed,
                planned.index, spec.fork_depth, spec.fork_fanout, planned.priority,
                job.timeout,  spec.retry};
  return job;
}

}  // namespace poolviz
