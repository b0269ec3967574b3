#include "poolviz/work_stealing.h"

#include <algorithm>
#include <cassert>
#include <utility>

#include "poolviz/worker_pool.h"  // hardware_workers()

namespace poolviz {

namespace {
// Which executor and worker the calling thread is (spawn() and JobGroup ask).
thread_local const WorkStealingExecutor* tl_executor = nullptr;
thread_local int tl_worker = -1;

std::uint64_t xorshift(std::uint64_t& state) {
  state ^= state << 13;
  state ^= state >> 7;
  state ^= state << 17;
  return state;
}
}  // namespace

struct WorkStealingExecutor::Worker {
  Worker() = default;
  ~Worker() {
    for (Job* job : spare_jobs) delete job;
  }
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  /// A heap Job for `job`, reusing one this worker ran before: a fork-join
  /// child costs no allocation of its record once the worker is warm.
  Job* make_job(Job&& job) {
    if (spare_jobs.empty()) return new Job(std::move(job));
    Job* node = spare_jobs.back();
    spare_jobs.pop_back();
    *node = std::move(job);
    return node;
  }
  /// Keeps an emptied Job for make_job() (a few; the rest are freed).
  void recycle(Job* job) {
    constexpr std::size_t kKeep = 256;
    if (spare_jobs.size() < kKeep) {
      spare_jobs.push_back(job);
    } else {
      delete job;
    }
  }

  ChaseLevDeque<Job> deque;
  std::uint64_t rng = 0;  // victim choice; touched by this worker only
  std::vector<Job*> spare_jobs;  // this worker's only
  std::thread thread;
};

WorkStealingExecutor::WorkStealingExecutor(WorkStealingConfig config, ExecutorEnv env)
    : core_(std::move(env), *this) {
  core_.set_requeue([this](Job&& job) { requeue(std::move(job)); });
  const int n = config.workers > 0 ? config.workers : hardware_workers();
  for (int i = 0; i < n; ++i) {
    workers_.push_back(std::make_unique<Worker>());
    workers_.back()->rng = 0x9e3779b97f4a7c15ULL * static_cast<std::uint64_t>(i + 1);
  }
  // Every deque exists before any worker runs: thieves index workers_ freely.
  for (int i = 0; i < n; ++i) {
    alive_.fetch_add(1, std::memory_order_relaxed);
    workers_[static_cast<std::size_t>(i)]->thread = std::thread([this, i] { worker_main(i); });
    core_.emit(events::worker_spawned(i, WorkerReason::start, i + 1));
  }
}

WorkStealingExecutor::~WorkStealingExecutor() {
  shutdown(ShutdownMode::cancel);
}

int WorkStealingExecutor::current_worker() const {
  return tl_executor == this ? tl_worker : -1;
}

// Submission -----------------------------------------------------------------

SubmitResult WorkStealingExecutor::submit_outside(Job job) {
  if (SubmitResult refused = core_.admit(job); !refused) return refused;
  const JobId id = job.id;
  {
    std::unique_lock lock(injector_mutex_);
    if (closed_) {
      lock.unlock();
      return core_.refuse(job, RejectReason::shut_down);
    }
    // Emitted before the job is visible, so `enqueued` precedes `started`.
    core_.enqueued(id, -1, static_cast<std::int64_t>(injector_.size()) + 1);
    injector_.push_back(std::move(job));
    injector_size_.fetch_add(1, std::memory_order_release);
  }
  notify_work();
  return SubmitResult{id};
}

SubmitResult WorkStealingExecutor::spawn(Job child, JobContext&) {
  if (SubmitResult refused = core_.admit(child); !refused) return refused;
  const JobId id = child.id;
  const int self = current_worker();
  if (self < 0) {
    // Not on one of our workers (a parent run elsewhere): the injector, bypassing
    // the closed flag like WorkerPool's children bypass the bound.
    push_injector(std::move(child));
    return SubmitResult{id};
  }
  Worker& w = *workers_[static_cast<std::size_t>(self)];
  core_.enqueued(id, self, w.deque.size() + 1);
  w.deque.push(w.make_job(std::move(child)));
  notify_work();  // an idle worker may come and steal it
  return SubmitResult{id};
}

void WorkStealingExecutor::push_injector(Job&& job) {
  {
    std::unique_lock lock(injector_mutex_);
    if (cancelled_) {
      lock.unlock();
      core_.cancel_unrun(job);
      return;
    }
    core_.enqueued(job.id, -1, static_cast<std::int64_t>(injector_.size()) + 1);
    injector_.push_back(std::move(job));
    injector_size_.fetch_add(1, std::memory_order_release);
  }
  notify_work();
}

void WorkStealingExecutor::requeue(Job&& job) {
  push_injector(std::move(job));
}

void WorkStealingExecutor::notify_work() {
  // seq_cst pairs with park(): parked_.fetch_add then wake_epoch_.load. Either
  // this thread sees the parker counted, or the parker sees the new epoch.
  wake_epoch_.fetch_add(1, std::memory_order_seq_cst);
  if (parked_.load(std::memory_order_seq_cst) > 0) {
    std::lock_guard lock(park_mutex_);
    park_cv_.notify_one();
  }
}

void WorkStealingExecutor::wake_everyone() {
  wake_epoch_.fetch_add(1, std::memory_order_seq_cst);
  std::lock_guard lock(park_mutex_);
  park_cv_.notify_all();
}

// Workers --------------------------------------------------------------------

std::unique_ptr<Job> WorkStealingExecutor::find_work(int self, bool& contended) {
  // Own deque first (newest: depth-first, cache-warm), then the injector, then peers.
  if (Job* mine = workers_[static_cast<std::size_t>(self)]->deque.take()) {
    return std::unique_ptr<Job>(mine);
  }
  // acquire pairs with the release increment in push_injector: a non-zero
  // count means the push under the mutex is complete.
  if (injector_size_.load(std::memory_order_acquire) > 0) {
    std::lock_guard lock(injector_mutex_);
    if (!injector_.empty()) {
      std::unique_ptr<Job> job(
          workers_[static_cast<std::size_t>(self)]->make_job(std::move(injector_.front())));
      injector_.pop_front();
      injector_size_.fetch_sub(1, std::memory_order_relaxed);
      return job;
    }
  }
  return steal(self, contended);
}

std::unique_ptr<Job> WorkStealingExecutor::steal(int self, bool& contended) {
  const auto n = static_cast<int>(workers_.size());
  if (n < 2) return nullptr;
  Worker& me = *workers_[static_cast<std::size_t>(self)];
  const int start = static_cast<int>(xorshift(me.rng) % static_cast<std::uint64_t>(n));
  for (int k = 0; k < n; ++k) {
    const int victim = (start + k) % n;
    if (victim == self) continue;
    using Result = ChaseLevDeque<Job>::StealResult;
    Result why = Result::empty;
    if (Job* job = workers_[static_cast<std::size_t>(victim)]->deque.steal(why)) {
      core_.count_steal();
      core_.emit(events::stolen(job->id, self, victim));
      return std::unique_ptr<Job>(job);
    }
    if (why == Result::lost_race) contended = true;
  }
  return nullptr;
}

void WorkStealingExecutor::run_one(std::unique_ptr<Job> job, int self) {
  busy_.fetch_add(1, std::memory_order_relaxed);
  core_.run(*job, self);
  // A JobGroup child counts as ended once its callable is gone: emptied here,
  // the record kept for this worker's next child.
  *job = Job{};
  workers_[static_cast<std::size_t>(self)]->recycle(job.release());
  busy_.fetch_sub(1, std::memory_order_relaxed);
}

void WorkStealingExecutor::worker_main(int self) {
  tl_executor = this;
  tl_worker = self;
  while (!stopping_.load(std::memory_order_acquire)) {
    const std::uint64_t epoch = wake_epoch_.load(std::memory_order_seq_cst);
    bool contended = false;
    if (auto job = find_work(self, contended)) {
      run_one(std::move(job), self);
      continue;
    }
    if (contended) continue;  // someone else won a race: look again before sleeping
    std::unique_lock lock(park_mutex_);
    parked_.fetch_add(1, std::memory_order_seq_cst);
    if (wake_epoch_.load(std::memory_order_seq_cst) == epoch &&
        !stopping_.load(std::memory_order_acquire)) {
      core_.emit(events::worker_parked(self));
      park_cv_.wait(lock, [&] {
        return wake_epoch_.load(std::memory_order_seq_cst) != epoch ||
               stopping_.load(std::memory_order_acquire);
      });
      core_.emit(events::worker_woken(self));
    }
    parked_.fetch_sub(1, std::memory_order_seq_cst);
  }
  const int left = alive_.fetch_sub(1, std::memory_order_relaxed) - 1;
  core_.emit(events::worker_retired(self, WorkerReason::shutdown, left));
  tl_executor = nullptr;
  tl_worker = -1;
}

void WorkStealingExecutor::help_until_done(int self, const std::atomic<std::int64_t>& pending,
                                           std::atomic<bool>& helper_parked) {
  // acquire: a child's writes happen-before its count reaches 0 (see JobGroup).
  while (pending.load(std::memory_order_acquire) > 0) {
    const std::uint64_t epoch = wake_epoch_.load(std::memory_order_seq_cst);
    bool contended = false;
    if (auto job = find_work(self, contended)) {
      // During a cancel this still runs: core_.run() then ends the job
      // cancelled at once, so a parent never waits on a child nobody will take.
      run_one(std::move(job), self);
      continue;
    }
    if (contended) continue;
    // Nothing to run: the children are running elsewhere or waiting to retry.
    std::unique_lock lock(park_mutex_);
    parked_.fetch_add(1, std::memory_order_seq_cst);
    // seq_cst pairs with the last child's pending decrement then helper_parked load.
    helper_parked.store(true, std::memory_order_seq_cst);
    park_cv_.wait(lock, [&] {
      return pending.load(std::memory_order_seq_cst) == 0 ||
             wake_epoch_.load(std::memory_order_seq_cst) != epoch;
    });
    helper_parked.store(false, std::memory_order_relaxed);
    parked_.fetch_sub(1, std::memory_order_seq_cst);
  }
}

// Lifecycle ------------------------------------------------------------------

std::vector<Job> WorkStealingExecutor::shutdown(ShutdownMode mode) {
  std::unique_lock lifecycle(lifecycle_mutex_, std::try_to_lock);
  if (!lifecycle.owns_lock()) {
    // Another shutdown is under way, maybe a drain waiting for idle. A cancel
    // must not wait behind it: stopping the core makes the workers end every
    // remaining job cancelled, so that drain finishes promptly.
    if (mode == ShutdownMode::cancel) core_.request_stop();
    lifecycle.lock();
  }
  if (shut_down_) return {};
  shut_down_ = true;
  {
    std::lock_guard lock(injector_mutex_);
    closed_ = true;
  }
  if (mode == ShutdownMode::drain) {
    core_.wait_idle();  // retries and children included
  } else {
    // Workers stop taking jobs before running ones are told to stop, so what is
    // still queued stays queued and comes back to the caller as unrun.
    stopping_.store(true, std::memory_order_release);
    core_.request_stop();
  }
  {
    std::lock_guard lock(injector_mutex_);
    cancelled_ = true;  // from here a retry coming back ends cancelled
  }
  stopping_.store(true, std::memory_order_release);
  wake_everyone();
  for (auto& w : workers_) {
    if (w->thread.joinable()) w->thread.join();
  }
  // Every worker is gone: this thread is now the owner of every deque.
  std::vector<Job> unrun;
  for (auto& w : workers_) {
    while (Job* job = w->deque.take()) {
      unrun.push_back(std::move(*job));
      delete job;
    }
  }
  {
    std::lock_guard lock(injector_mutex_);
    for (Job& job : injector_) unrun.push_back(std::move(job));
    injector_.clear();
    injector_size_.store(0, std::memory_order_relaxed);
  }
  for (const Job& job : unrun) core_.cancel_unrun(job);
  core_.stop_retry_timer();
  return unrun;
}

ExecutorStats WorkStealingExecutor::stats() const {
  ExecutorStats s = core_.counters();
  std::int64_t depth = injector_size_.load(std::memory_order_relaxed);
  for (const auto& w : workers_) depth += w->deque.size();
  s.queue_depth = depth;
  s.workers_alive = alive_.load(std::memory_order_relaxed);
  s.workers_busy = busy_.load(std::memory_order_relaxed);
  s.threads_alive = s.workers_alive;
  return s;
}

// JobGroup -------------------------------------------------------------------

struct JobGroup::State {
  std::atomic<std::int64_t> pending{0};
  std::atomic<bool> helper_parked{false};  // a work-stealing helper sleeps on the park cv
  // Owners: the group, and each child's token (intrusive, so a child costs no
  // control block). The last child still touches the state after its pending
  // decrement (the wake below), so pending alone cannot say when to free it.
  std::atomic<std::int64_t> refs{1};
  WorkStealingExecutor* stealing = nullptr;
  std::mutex mutex;  // blocking wait on other executors
  std::condition_variable ended;

  void child_ended() {
    // seq_cst (release included): the child's writes happen-before a waiter
    // that sees 0; pairs with helper_parked in help_until_done (Dekker).
    if (pending.fetch_sub(1, std::memory_order_seq_cst) != 1) return;
    if (stealing != nullptr) {
      if (helper_parked.load(std::memory_order_seq_cst)) stealing->wake_everyone();
    } else {
      std::lock_guard lock(mutex);
      ended.notify_all();
    }
  }
  void release() {
    // acq_rel: every owner's last use happens-before the delete.
    if (refs.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
  }
};

// Lives inside the child's callable; its destruction (the child's Job is gone:
// run, refused, or cancelled unrun) is the child's end as far as the group is
// concerned. A copy of the callable counts as one more child, ended when that
// copy goes, so wait() still returns only once no copy is left.
struct JobGroup::ChildToken {
  explicit ChildToken(State* s) : state(s) {
    state->pending.fetch_add(1, std::memory_order_relaxed);
    state->refs.fetch_add(1, std::memory_order_relaxed);
  }
  ChildToken(const ChildToken& other) : ChildToken(other.state) {}
  ChildToken(ChildToken&& other) noexcept : state(std::exchange(other.state, nullptr)) {}
  ChildToken& operator=(const ChildToken&) = delete;
  ChildToken& operator=(ChildToken&&) = delete;
  ~ChildToken() {
    if (state == nullptr) return;  // moved from
    state->child_ended();
    state->release();
  }
  State* state;
};

JobGroup::JobGroup(JobContext& parent)
    : parent_(parent),
      stealing_(dynamic_cast<WorkStealingExecutor*>(&parent.executor())),
      worker_(-1),
      state_(new State) {
  if (stealing_ != nullptr) {
    worker_ = stealing_->current_worker();
    if (worker_ < 0) stealing_ = nullptr;  // not on one of its workers: plain blocking wait
  }
  state_->stealing = stealing_;
}

JobGroup::~JobGroup() {
  wait();
  state_->release();
}

bool JobGroup::spawn(JobFn fn) {
  Job child;
  child.fn = std::move(fn);
  return spawn(std::move(child));
}

bool JobGroup::spawn(Job child) {
  // One allocation per child: std::function's box for this capture (too big
  // for its inline buffer). The token is a pointer into the group's state.
  child.fn = [fn = std::move(child.fn), token = ChildToken(state_)](JobContext& ctx) {
    if (fn) fn(ctx);
  };
  return parent_.spawn(std::move(child));
}

void JobGroup::wait() {
  if (stealing_ != nullptr) {
    stealing_->help_until_done(worker_, state_->pending, state_->helper_parked);
    return;
  }
  std::unique_lock lock(state_->mutex);
  state_->ended.wait(lock, [&] { return state_->pending.load(std::memory_order_acquire) == 0; });
}

std::int64_t JobGroup::pending() const {
  return state_->pending.load(std::memory_order_acquire);
}

}  // namespace poolviz
