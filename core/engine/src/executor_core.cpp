#include "poolviz/executor_core.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <exception>
#include <string>

namespace poolviz {

std::string_view to_string(Outcome outcome) {
  switch (outcome) {
    case Outcome::completed: return "completed";
    case Outcome::failed: return "failed";
    case Outcome::timed_out: return "timed_out";
    case Outcome::cancelled: return "cancelled";
  }
  return "?";
}

std::string_view to_string(RejectReason reason) {
  switch (reason) {
    case RejectReason::none: return "none";
    case RejectReason::queue_full: return "queue full";
    case RejectReason::shut_down: return "shut down";
    case RejectReason::limiter_drop: return "limiter drop";
    case RejectReason::thread_cap: return "thread cap";
    case RejectReason::dropped_oldest: return "dropped oldest";
  }
  return "?";
}

// JobContext -----------------------------------------------------------------

Clock& JobContext::clock() const { return core_.clock(); }

bool JobContext::stop_requested() {
  if (stop_.stop_requested()) {
    observed_cancel_ = true;
    return true;
  }
  if (deadline_ != kNever && clock().now() >= deadline_) {
    observed_deadline_ = true;
    return true;
  }
  return false;
}

bool JobContext::sleep_until(Nanos t) {
  const Nanos target = std::min(t, deadline_);
  if (!clock().sleep_until(target, stop_.get_token())) {
    observed_cancel_ = true;
    return false;
  }
  if (target < t) {
    observed_deadline_ = true;
    return false;
  }
  return true;
}

void JobContext::progress(float fraction) {
  if (core_.events_on()) {
    core_.emit(events::progress(job_.id, worker_, std::clamp(fraction, 0.0F, 1.0F)));
  }
}

bool JobContext::spawn(Job child) { return executor_.spawn(std::move(child), *this).accepted(); }

// ExecutorCore ---------------------------------------------------------------

ExecutorCore::ExecutorCore(ExecutorEnv env, Executor& owner) : env_(std::move(env)), owner_(owner) {
  assert(env_.clock != nullptr && "ExecutorEnv::clock is required");
  if (env_.cancel.stop_possible()) {
    forward_cancel_.emplace(env_.cancel, std::function<void()>([this] { request_stop(); }));
  }
}

ExecutorCore::~ExecutorCore() {
  forward_cancel_.reset();
  stop_retry_timer();
}

namespace {
// Emits `e` as this executor's, stamped `t`. The caller has checked that events are on.
void emit_at(const ExecutorEnv& env, Nanos t, Event e) {
  e.t = t;
  e.source = env.source;
  env.bus->emit(e);
}
}  // namespace

void ExecutorCore::emit_now(const Event& e) {
  emit_at(env_, env_.clock->now(), e);
}

SubmitResult ExecutorCore::admit(Job& job) {
  if (!job.id) job.id = JobId{next_id_.fetch_add(1, std::memory_order_relaxed)};
  // seq_cst: end_one() and wait_idle() compare it with ended_ (see there).
  submitted_.fetch_add(1, std::memory_order_seq_cst);
  const bool observed = events_on();
  // 0 when unobserved: enqueued() then reads the clock itself rather than
  // reusing a stale stamp.
  job.submitted_at = observed || job.timeout > 0 ? env_.clock->now() : 0;
  // The submitted event carries the submit stamp: one clock read, not two.
  if (observed) {
    const Nanos late = job.arrival >= 0 ? std::max<Nanos>(job.submitted_at - job.arrival, 0) : 0;
    emit_at(env_, job.submitted_at,
            events::submitted(job.id, job.priority, job.tag, static_cast<float>(to_ms(late))));
  }
  // A cancelled run takes nothing new (the tutorials' "submit after stop").
  if (stopping()) return refuse_unpermitted(job, RejectReason::shut_down);
  Limiter* gate = env_.limiter.get();
  if (gate != nullptr && gate->drops_at_submit() && !gate->try_acquire(job.id)) {
    return refuse_unpermitted(job, RejectReason::limiter_drop);
  }
  return SubmitResult{job.id};
}

SubmitResult ExecutorCore::refuse_unpermitted(const Job& job, RejectReason why) {
  rejected_.fetch_add(1, std::memory_order_relaxed);
  emit(events::rejected(job.id, why));
  end_one();
  return SubmitResult{job.id, why};
}

bool ExecutorCore::gate_at_submit() const {
  return env_.limiter != nullptr && env_.limiter->drops_at_submit();
}

SubmitResult ExecutorCore::refuse(const Job& job, RejectReason why, std::int64_t depth,
                                  std::int64_t capacity) {
  rejected_.fetch_add(1, std::memory_order_relaxed);
  emit(events::rejected(job.id, why, depth, capacity));
  if (gate_at_submit()) env_.limiter->release();  // the permit admit() took
  end_one();
  return SubmitResult{job.id, why};
}

void ExecutorCore::enqueued(JobId job, int queue, std::int64_t depth, Nanos at, Nanos size_estimate) {
  if (!events_on()) return;
  emit_at(env_, at > 0 ? at : env_.clock->now(),
          events::enqueued(job, queue, depth, static_cast<float>(to_ms(size_estimate))));
}

void ExecutorCore::run(Job& job, int worker) {
  if (stopping()) {
    // Cancelled before this attempt started: do not start it.
    finish(job, worker, Outcome::cancelled);
    return;
  }
  in_service_.fetch_add(1, std::memory_order_relaxed);
  // A drop-mode limiter was passed at submit; only a holding gate waits here.
  Limiter* gate = gate_at_submit() ? nullptr : env_.limiter.get();
  if (gate != nullptr) {
    emit(events::gate_waiting(job.id, worker));
    if (!gate->acquire(job.id, stop_token())) {
      in_service_.fetch_sub(1, std::memory_order_relaxed);
      finish(job, worker, Outcome::cancelled);
      return;
    }
  }
  ++job.attempt;
  const Nanos deadline = job.timeout > 0 ? env_.clock->now() + job.timeout : kNever;
  emit(events::started(job.id, worker, job.attempt, job.priority));

  JobContext ctx(*this, owner_, job, worker, deadline, stop_);
  bool threw = false;
  try {
    if (job.fn) job.fn(ctx);
  } catch (const std::exception& e) {
    threw = true;
    remember_failure(job.id, e.what());
  } catch (...) {
    threw = true;
    remember_failure(job.id, "unknown exception");
  }
  // A job that saw its stop or deadline ends that way, thrown or not; a job
  // that ignored its deadline and came back late has still timed out.
  // The clock only when a deadline needs it: one read fewer per job without one.
  const Nanos returned_at = deadline != kNever ? env_.clock->now() : 0;
  const Outcome outcome =
      classify_outcome(threw, ctx.observed_cancel(), ctx.observed_deadline(), returned_at, deadline);
  if (gate != nullptr) gate->release();
  in_service_.fetch_sub(1, std::memory_order_relaxed);

  if (should_retry(outcome, job.attempt, job.retry, stopping()) && requeue_) {
    retried_.fetch_add(1, std::memory_order_relaxed);
    const Nanos pause = backoff_for(job);
    emit(events::retried(job.id, worker, job.attempt + 1, pause / kMillisecond));
    if (pause <= 0) {
      requeue_(std::move(job));
    } else {
      schedule_retry(std::move(job), env_.clock->now() + pause);
    }
    return;
  }
  finish(job, worker, outcome);
}

void ExecutorCore::cancel_unrun(const Job& job) { finish(job, -1, Outcome::cancelled); }

void ExecutorCore::finish(const Job& job, int worker, Outcome outcome) {
  switch (outcome) {
    case Outcome::completed: completed_.fetch_add(1, std::memory_order_relaxed); break;
    case Outcome::failed: failed_.fetch_add(1, std::memory_order_relaxed); break;
    case Outcome::timed_out: timed_out_.fetch_add(1, std::memory_order_relaxed); break;
    case Outcome::cancelled: cancelled_.fetch_add(1, std::memory_order_relaxed); break;
  }
  emit(events::finished(job.id, worker, outcome, job.attempt));
  if (gate_at_submit()) env_.limiter->release();  // the permit admit() took
  end_one();
}

void ExecutorCore::end_one() {
  // seq_cst (also release: the counters above are visible to whoever sees the
  // count): with wait_idle()'s seq_cst increment of idle_waiters_ this is a
  // Dekker pair, so either the waiter sees this end or this sees the waiter.
  // Only the end that brings ended_ up to submitted_ notifies; an end that
  // reads a larger submitted_ leaves it to the job that is still outstanding.
  const std::uint64_t ended = ended_.fetch_add(1, std::memory_order_seq_cst) + 1;
  if (idle_waiters_.load(std::memory_order_seq_cst) > 0 &&
      submitted_.load(std::memory_order_seq_cst) == ended) {
    // Taking the mutex orders this notify after a waiter's predicate check.
    std::lock_guard lock(idle_mutex_);
    idle_cv_.notify_all();
  }
}

std::int64_t ExecutorCore::outstanding() const {
  // ended_ first: every job counted ended was counted submitted before (its
  // admit happens-before its end), so the difference is never negative.
  const std::uint64_t ended = ended_.load(std::memory_order_seq_cst);
  const std::uint64_t submitted = submitted_.load(std::memory_order_seq_cst);
  return static_cast<std::int64_t>(submitted - ended);
}

void ExecutorCore::wait_idle() {
  std::unique_lock lock(idle_mutex_);
  // Counted before the predicate's first check (seq_cst, see end_one), so a
  // job ending after that check finds a waiter and notifies.
  idle_waiters_.fetch_add(1, std::memory_order_seq_cst);
  idle_cv_.wait(lock, [&] { return outstanding() == 0; });
  idle_waiters_.fetch_sub(1, std::memory_order_relaxed);
}

void ExecutorCore::request_stop() {
  stop_.request_stop();
  std::lock_guard lock(retry_mutex_);
  retry_wake_.request_stop();
  retry_cv_.notify_all();
}

ExecutorStats ExecutorCore::counters() const {
  ExecutorStats s;
  s.submitted = submitted_.load(std::memory_order_relaxed);
  s.completed = completed_.load(std::memory_order_relaxed);
  s.failed = failed_.load(std::memory_order_relaxed);
  s.rejected = rejected_.load(std::memory_order_relaxed);
  s.cancelled = cancelled_.load(std::memory_order_relaxed);
  s.timed_out = timed_out_.load(std::memory_order_relaxed);
  s.retried = retried_.load(std::memory_order_relaxed);
  s.steals = steals_.load(std::memory_order_relaxed);
  s.in_service = in_service_.load(std::memory_order_relaxed);
  s.outstanding = outstanding();
  return s;
}

void ExecutorCore::remember_failure(JobId job, std::string message) {
  constexpr std::size_t kKeep = 64;
  std::lock_guard lock(failures_mutex_);
  failures_.push_back({job, std::move(message)});
  if (failures_.size() > kKeep) failures_.pop_front();
}

std::vector<Executor::Failure> ExecutorCore::recent_failures() const {
  std::lock_guard lock(failures_mutex_);
  return {failures_.begin(), failures_.end()};
}

// Retries --------------------------------------------------------------------

namespace {
std::uint64_t mix(std::uint64_t z) {  // splitmix64 finaliser
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}
}  // namespace

Nanos ExecutorCore::backoff_for(const Job& job) const {
  const RetryPolicy& p = job.retry;
  if (p.base_backoff <= 0) return 0;
  double pause = static_cast<double>(p.base_backoff) * std::pow(p.factor, job.attempt - 1);
  if (p.max_backoff > 0) pause = std::min(pause, static_cast<double>(p.max_backoff));
  if (p.jitter > 0) {
    // Deterministic per (job, attempt), so that runs with one seed repeat.
    const double u = static_cast<double>(mix(job.id.value * 131 + static_cast<std::uint64_t>(job.attempt)) >> 11) * 0x1.0p-53;
    pause *= 1.0 + p.jitter * (2.0 * u - 1.0);
  }
  return static_cast<Nanos>(std::max(pause, 0.0));
}

void ExecutorCore::schedule_retry(Job&& job, Nanos due) {
  std::lock_guard lock(retry_mutex_);
  if (retry_closed_ || stopping()) {
    finish(job, -1, Outcome::cancelled);
    return;
  }
  const bool earliest = retries_.empty() || due < retries_.top().due;
  retries_.push({due, retry_order_++, std::move(job)});
  if (!retry_thread_.joinable()) retry_thread_ = std::thread([this] { retry_timer_main(); });
  if (earliest) retry_wake_.request_stop();
  retry_cv_.notify_all();
}

void ExecutorCore::retry_timer_main() {
  std::unique_lock lock(retry_mutex_);
  while (!retry_closed_ && !stopping()) {
    if (retries_.empty()) {
      retry_cv_.wait(lock);
      continue;
    }
    const Nanos due = retries_.top().due;
    if (env_.clock->now() >= due) {
      Job job = std::move(const_cast<PendingRetry&>(retries_.top()).job);
      retries_.pop();
      lock.unlock();
      requeue_(std::move(job));
      lock.lock();
      continue;
    }
    retry_wake_ = poolviz::stop_source{};
    const poolviz::stop_token wake = retry_wake_.get_token();
    lock.unlock();
    env_.clock->sleep_until(due, wake);
    lock.lock();
  }
  // Whatever is left will never run: it ends cancelled.
  while (!retries_.empty()) {
    finish(retries_.top().job, -1, Outcome::cancelled);
    retries_.pop();
  }
}

void ExecutorCore::stop_retry_timer() {
  {
    std::lock_guard lock(retry_mutex_);
    retry_closed_ = true;
    retry_wake_.request_stop();
    retry_cv_.notify_all();
  }
  if (retry_thread_.joinable()) retry_thread_.join();
}

}  // namespace poolviz
