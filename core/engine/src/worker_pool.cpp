#include "poolviz/worker_pool.h"

#include <algorithm>
#include <cassert>
#include <new>
#include <utility>

#include <concurrentqueue/concurrentqueue.h>

namespace poolviz {

/// The lane's queue: moodycamel's lock-free MPMC queue behind the JobQueue
/// interface, so the locked paths (bounded mode, shutdown, stats) use it as
/// any queue. FIFO per submitting thread (one producer: exact arrival order).
/// size() is approximate while lock-free workers take from it.
class LaneQueue final : public JobQueue {
 public:
  std::string_view strategy() const override { return "fixed"; }
  void push(Job&& job) override { queue_.enqueue(std::move(job)); }
  bool try_take(Job& out) { return queue_.try_dequeue(out); }
  bool try_take(moodycamel::ConsumerToken& token, Job& out) {
    return queue_.try_dequeue(token, out);
  }
  // Under the pool mutex with the lane closed, a lock-free worker may still
  // take the last job before it notices: then there is nothing (id 0).
  Job pop(Nanos) override {
    Job job;
    try_take(job);
    return job;
  }
  Job evict() override { return pop(0); }
  std::size_t size() const override { return queue_.size_approx(); }
  std::vector<Job> take_all() override {
    std::vector<Job> all;
    Job job;
    while (try_take(job)) all.push_back(std::move(job));
    return all;
  }
  moodycamel::ConcurrentQueue<Job>& queue() { return queue_; }

 private:
  moodycamel::ConcurrentQueue<Job> queue_;
};

FifoQueue::~FifoQueue() {
  while (size_ > 0) take_front();
  for (Chunk* c : {head_, spare_}) {
    while (c != nullptr) delete std::exchange(c, c->next);
  }
}

FifoQueue::Chunk* FifoQueue::new_chunk() {
  if (spare_ == nullptr) return new Chunk;
  --spare_count_;
  Chunk* c = std::exchange(spare_, spare_->next);
  c->next = nullptr;
  return c;
}

void FifoQueue::push(Job&& job) {
  if (tail_ == nullptr) {
    head_ = tail_ = new_chunk();
    head_index_ = tail_index_ = 0;
  } else if (tail_index_ == kChunk) {
    tail_->next = new_chunk();
    tail_ = tail_->next;
    tail_index_ = 0;
  }
  new (tail_->at(tail_index_++)) Job(std::move(job));
  ++size_;
}

Job FifoQueue::take_front() {
  assert(size_ > 0);
  Job* slot = head_->at(head_index_++);
  Job job = std::move(*slot);
  slot->~Job();
  --size_;
  if (head_index_ == kChunk || size_ == 0) {
    // The head chunk is used up (or the queue is empty: start over in it).
    if (size_ == 0) {
      head_index_ = tail_index_ = 0;  // empty: head_ == tail_, start over in it
    } else {
      Chunk* used = head_;
      head_ = used->next;
      head_index_ = 0;
      used->next = nullptr;
      if (spare_count_ < kKeepSpare) {
        used->next = spare_;
        spare_ = used;
        ++spare_count_;
      } else {
        delete used;
      }
    }
  }
  return job;
}

std::vector<Job> FifoQueue::take_all() {
  std::vector<Job> all;
  all.reserve(size_);
  while (size_ > 0) all.push_back(take_front());
  return all;
}

namespace {
// Wake-after-unlock for the submit paths. A push that unparks a worker would
// otherwise notify while the pool mutex is held, and the woken worker's first
// act, re-locking that mutex, would block until the producer lets go: one more
// futex sleep and wake per hand-off. Inside a WakeAfterUnlock scope,
// unpark_locked() clears `parked` under the lock as before but leaves the
// notify to the scope, which the caller ends after unlocking. The worker waits
// on the predicate `!parked`, so a notify that comes late is never lost, and
// Worker records live as long as the pool, so the condvar outlives the call.
thread_local std::condition_variable* t_deferred_wake = nullptr;
thread_local bool t_defer_wakes = false;

class WakeAfterUnlock {
 public:
  WakeAfterUnlock() { t_defer_wakes = true; }
  ~WakeAfterUnlock() { wake_now(); }
  /// Call after unlocking; also runs at scope exit.
  void wake_now() {
    t_defer_wakes = false;
    if (t_deferred_wake != nullptr) std::exchange(t_deferred_wake, nullptr)->notify_one();
  }
  WakeAfterUnlock(const WakeAfterUnlock&) = delete;
  WakeAfterUnlock& operator=(const WakeAfterUnlock&) = delete;
};

// The lane suits an unbounded FIFO shared by every worker, with a fixed count.
bool lane_fits(const PoolConfig& config, const JobQueue* queue) {
  return queue == nullptr && config.queue_capacity == 0 && config.dispatch == Dispatch::shared &&
         !config.scaling.enabled();
}

// A lane worker looks this many times (a few microseconds) before it parks.
constexpr int kLaneSpins = 64;

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

int initial_workers(const PoolConfig& config, const ScalingPolicy& scaling) {
  if (!scaling.enabled()) return config.workers > 0 ? config.workers : hardware_workers();
  const int wanted = config.workers > 0 ? config.workers : scaling.min_workers;
  return std::clamp(wanted, scaling.min_workers, scaling.max_workers);
}
}  // namespace

WorkerPool::WorkerPool(PoolConfig config, ExecutorEnv env, std::unique_ptr<JobQueue> queue)
    : core_(std::move(env), *this),
      lane_(lane_fits(config, queue.get()) ? new LaneQueue : nullptr),
      queue_(lane_ != nullptr ? std::unique_ptr<JobQueue>(lane_)
             : queue         ? std::move(queue)
                             : std::make_unique<FifoQueue>()),
      timed_queue_(queue_->uses_time()),
      scaling_(config.scaling.enabled() ? config.scaling.resolved() : ScalingPolicy{}),
      capacity_(config.queue_capacity),
      overflow_(config.overflow),
      dispatcher_(config.dispatch),
      target_workers_(initial_workers(config, scaling_)) {
  core_.set_requeue([this](Job&& job) { requeue(std::move(job)); });
  std::lock_guard lock(mutex_);
  lane_open_.store(lane_ != nullptr, std::memory_order_relaxed);
  spawn_workers_locked(WorkerReason::start);
  if (scaling_.enabled()) {
    next_check_ = core_.clock().now() + scaling_.scale_interval;
    scaler_ = std::thread([this] { scaler_main(); });
  }
}

WorkerPool::~WorkerPool() {
  shutdown(ShutdownMode::cancel);
}

std::string_view WorkerPool::strategy() const {
  return scaling_.enabled() ? "dynamic" : queue_->strategy();
}

// [SECTION] Submission --------------------------------------------------------

SubmitResult WorkerPool::submit_impl(Job&& job, bool may_block) {
  if (SubmitResult refused = core_.admit(job); !refused) return refused;
  const JobId id = job.id;
  if (lane_ != nullptr && submit_lane(job)) return SubmitResult{id};
  std::unique_lock lock(mutex_);
  int target = kShared;
  bool picked = false;  // picked only once shutdown is ruled out: then a worker takes jobs
  bool waited = false;
  for (;;) {
    if (closing_) {
      lock.unlock();
      return core_.refuse(job, RejectReason::shut_down);
    }
    // The target is kept across a blocking wait (round-robin stays cyclic)
    // unless its worker retired meanwhile.
    if (!picked || !accepts_locked(target)) {
      target = pick_queue_locked();
      picked = true;
    }
    JobQueue& queue = queue_at(target);
    if (capacity_ == 0 || queue.size() < capacity_) break;

    const auto depth = static_cast<std::int64_t>(queue.size());
    const auto cap = static_cast<std::int64_t>(capacity_);
    switch (overflow_) {
      case Overflow::block:
        if (!may_block) {
          lock.unlock();
          return core_.refuse(job, RejectReason::queue_full, depth, cap);
        }
        ++blocked_producers_;
        waited = true;
        core_.emit(events::blocked(id, target, depth));
        not_full_.wait(lock, [&] {
          return closing_ || capacity_ == 0 || !accepts_locked(target) ||
                 queue_at(target).size() < capacity_;
        });
        --blocked_producers_;
        core_.emit(events::unblocked(id, target, static_cast<std::int64_t>(depth_locked())));
        continue;
      case Overflow::reject:
        lock.unlock();
        return core_.refuse(job, RejectReason::queue_full, depth, cap);
      case Overflow::drop_oldest: {
        Job evicted = queue.evict();
        push_locked(std::move(job), target);
        lock.unlock();
        // A lane worker took the oldest meanwhile: the queue had room after all.
        if (!evicted.id) return SubmitResult{id};
        core_.refuse(evicted, RejectReason::dropped_oldest, depth, cap);
        return SubmitResult{id};
      }
      case Overflow::caller_runs:
        lock.unlock();
        if (!may_block) return core_.refuse(job, RejectReason::queue_full, depth, cap);
        core_.run(job, -2);
        return SubmitResult{id};
    }
  }
  // Straight in (no wait for room): `enqueued` reuses the submit stamp.
  const Nanos stamp = waited ? 0 : job.submitted_at;
  WakeAfterUnlock wake;
  push_locked(std::move(job), target, true, stamp);
  lock.unlock();
  wake.wake_now();
  return SubmitResult{id};
}

SubmitResult WorkerPool::spawn(Job child, JobContext&) {
  if (SubmitResult refused = core_.admit(child); !refused) return refused;
  const JobId id = child.id;
  std::unique_lock lock(mutex_);
  if (stopping_) {
    lock.unlock();
    return core_.refuse(child, RejectReason::shut_down);
  }
  // Children bypass the bound: a parent must not wait on itself.
  WakeAfterUnlock wake;
  push_locked(std::move(child), pick_queue_locked());
  lock.unlock();
  wake.wake_now();
  return SubmitResult{id};
}

void WorkerPool::requeue(Job&& job) {
  std::unique_lock lock(mutex_);
  if (stopping_) {
    lock.unlock();
    core_.cancel_unrun(job);
    return;
  }
  push_locked(std::move(job), pick_queue_locked());
}

// [SECTION] The lane -----------------------------------------------------------

bool WorkerPool::submit_lane(Job& job) {
  // lane_users_ lets a closing pool wait out a submit that saw the lane open.
  lane_users_.fetch_add(1, std::memory_order_seq_cst);
  if (!lane_open_.load(std::memory_order_seq_cst) ||
      parked_count_.load(std::memory_order_relaxed) > 0) {
    // Closed, or an idle worker takes this job directly (under the mutex).
    lane_users_.fetch_sub(1, std::memory_order_release);
    return false;
  }
  // `enqueued` before the push: a worker's `started` follows it in seq order.
  core_.enqueued(job.id, kShared, static_cast<std::int64_t>(lane_->size()) + 1,
                 job.submitted_at, job.size_estimate);
  lane_->push(std::move(job));
  // Pairs with the fence in worker_main_lane: either this thread sees the
  // worker counted as parked, or that worker sees the job (Dekker).
  std::atomic_thread_fence(std::memory_order_seq_cst);
  const bool someone_parked = parked_count_.load(std::memory_order_relaxed) > 0;
  lane_users_.fetch_sub(1, std::memory_order_release);
  if (someone_parked) wake_for_lane();
  return true;
}

void WorkerPool::wake_for_lane() {
  WakeAfterUnlock wake;
  std::unique_lock lock(mutex_);
  // A worker may have found the job before parking; then it un-parked itself.
  if (!parked_.empty() && lane_->size() > 0) unpark_locked(parked_.back());
  lock.unlock();
  wake.wake_now();
}

void WorkerPool::close_lane_locked() {
  lane_open_.store(false, std::memory_order_seq_cst);
  // A submit that saw the lane open is at most a push away: after this, every
  // job it accepted is in the lane, and later submits take the locked path.
  while (lane_users_.load(std::memory_order_acquire) > 0) std::this_thread::yield();
}

void WorkerPool::worker_main_lane(int slot) {
  moodycamel::ConsumerToken token(lane_->queue());
  std::unique_lock lock(mutex_);
  Worker& me = *workers_[static_cast<std::size_t>(slot)];
  Job job;
  // Runs `job` without the lock, counted running; the callable goes right
  // after (a JobGroup child ends when its callable is destroyed). Returns
  // with the lock held again.
  const auto run = [&] {
    me.running = true;
    lock.unlock();
    core_.run(job, slot);
    job.fn = nullptr;
    lock.lock();
    me.running = false;
  };
  for (;;) {
    // Lock held here.
    if (me.handoff) {
      job = std::move(*me.handoff);
      me.handoff.reset();
      run();
      continue;
    }
    if (me.retire) return leave_locked(slot, WorkerReason::idle_timeout);
    if (!stopping_ && staying_locked() > target_workers_) {
      return leave_locked(slot, WorkerReason::resized);
    }
    if (!me.parked) {  // (spawned workers start parked)
      if (lane_open_.load(std::memory_order_relaxed)) {
        // Lock-free: run what the lane holds; look a little longer once it is empty.
        lock.unlock();
        for (int idle = 0; idle < kLaneSpins;) {
          if (lane_->try_take(token, job)) {
            core_.run(job, slot);
            job.fn = nullptr;
            idle = 0;
            if (!lane_open_.load(std::memory_order_relaxed)) break;  // bounded now
          } else {
            ++idle;
            cpu_relax();
          }
        }
        lock.lock();
        if (blocked_producers_ > 0) not_full_.notify_all();
        if (!stopping_ && staying_locked() > target_workers_) continue;  // resized meanwhile
      } else if (lane_->try_take(token, job)) {
        // The lane is closed (a bound, or shutdown): taken under the lock.
        if (blocked_producers_ > 0) not_full_.notify_all();
        run();
        continue;
      }
      if (stopping_) break;
      park_locked(slot);
    }
    // Counted parked, then one more look (the fence pairs with submit_lane's):
    // a push cannot slip in between unseen.
    std::atomic_thread_fence(std::memory_order_seq_cst);
    if (lane_->try_take(token, job)) {
      unpark_locked(slot);  // itself, under the lock
      core_.emit(events::worker_woken(slot));
      run();
      continue;
    }
    if (stopping_) break;
    me.wake.wait(lock, [&] { return !me.parked; });
    core_.emit(events::worker_woken(slot));
  }
  leave_locked(slot, WorkerReason::shutdown);
}

JobQueue& WorkerPool::queue_at(int index) {
  return index == kShared ? *queue_ : *workers_[static_cast<std::size_t>(index)]->own;
}

bool WorkerPool::accepts_locked(int index) const {
  if (index == kShared) return !dispatcher_.per_worker();
  if (index < 0 || static_cast<std::size_t>(index) >= workers_.size()) return false;
  const Worker& w = *workers_[static_cast<std::size_t>(index)];
  return w.live && !w.retire;
}

int WorkerPool::pick_queue_locked() {
  if (!dispatcher_.per_worker()) return kShared;
  loads_.resize(workers_.size());
  for (std::size_t i = 0; i < workers_.size(); ++i) {
    const Worker& w = *workers_[i];
    // A job handed over but not started yet counts as running: it is taken.
    loads_[i] = {w.live && !w.retire, static_cast<std::int64_t>(w.own->size()),
                 w.running || w.handoff.has_value()};
  }
  const int index = dispatcher_.pick(loads_);
  // Someone always stays: retirements keep at least one worker until shutdown,
  // and nothing is pushed once workers may all be gone (stopping_).
  assert(index >= 0 && "no worker takes jobs");
  return index;
}

std::size_t WorkerPool::depth_locked() const {
  std::size_t depth = queue_->size();
  for (const auto& w : workers_) depth += w->own ? w->own->size() : 0;
  return depth;
}

int WorkerPool::idle_worker_locked(int index) const {
  if (index == kShared) return parked_.empty() ? -1 : parked_.back();  // the most recently parked is warmest
  return workers_[static_cast<std::size_t>(index)]->parked ? index : -1;
}

void WorkerPool::push_locked(Job&& job, int index, bool rescale, Nanos stamp) {
  const JobId id = job.id;
  const Nanos size = job.size_estimate;  // drawn as the queue's order under shortest-job-first
  // Emitted under the lock, so before any worker can take the job (seq order).
  if (const int idle = idle_worker_locked(index); idle >= 0) {
    // Direct hand-off: the job passes the queue (depth 0) straight to the worker.
    workers_[static_cast<std::size_t>(idle)]->handoff.emplace(std::move(job));
    core_.enqueued(id, index, 0, stamp, size);
    unpark_locked(idle);
  } else if (lane_ != nullptr) {
    // Lane workers take without the lock: `enqueued` goes first (seq order).
    core_.enqueued(id, index, static_cast<std::int64_t>(lane_->size()) + 1, stamp, size);
    lane_->push(std::move(job));
  } else {
    JobQueue& queue = queue_at(index);
    queue.push(std::move(job));
    core_.enqueued(id, index, static_cast<std::int64_t>(queue.size()), stamp, size);
  }
  if (rescale && scaling_.enabled() && scaling_.scale_interval == 0) scale_up_locked();
}

bool WorkerPool::set_queue_capacity(std::size_t capacity) {
  std::lock_guard lock(mutex_);
  capacity_ = capacity;
  // A bound is checked under the lock: the lane closes while there is one.
  if (lane_ != nullptr && !closing_) lane_open_.store(capacity == 0, std::memory_order_seq_cst);
  not_full_.notify_all();
  return true;
}

// [SECTION] Workers -----------------------------------------------------------

void WorkerPool::spawn_workers_locked(WorkerReason why) {
  // A worker told to retire but not gone yet is kept rather than replaced, so
  // the threads alive never exceed the target (nor max_workers).
  for (auto& w : workers_) {
    if (retiring_ == 0 || staying_locked() >= target_workers_) break;
    if (w->live && w->retire) {
      w->retire = false;
      --retiring_;
    }
  }
  while (staying_locked() < target_workers_) {
    auto free_slot =
        std::find_if(workers_.begin(), workers_.end(), [](const auto& w) { return !w->live; });
    if (free_slot == workers_.end()) {
      workers_.push_back(std::make_unique<Worker>());
      free_slot = workers_.end() - 1;
    }
    const int slot = static_cast<int>(free_slot - workers_.begin());
    Worker& w = **free_slot;
    // A retired worker released the lock as its last act, so this join is short.
    // (Never called from leave_locked(), so a thread never joins itself.)
    if (w.thread.joinable()) w.thread.join();
    if (dispatcher_.per_worker() && !w.own) w.own = std::make_unique<FifoQueue>();
    w.live = true;
    w.parked = w.running = w.retire = false;
    ++alive_;
    w.thread = std::thread([this, slot] { worker_main(slot); });
    core_.emit(events::worker_spawned(slot, why, alive_));
    // Idle from birth (the hand-off rule must not depend on when the thread
    // first runs), unless work already waits for it.
    if (queue_at(dispatcher_.per_worker() ? slot : kShared).size() == 0) park_locked(slot);
  }
}

void WorkerPool::worker_main(int slot) {
  if (lane_ != nullptr) return worker_main_lane(slot);
  std::unique_lock lock(mutex_);
  Worker& me = *workers_[static_cast<std::size_t>(slot)];
  JobQueue& queue = queue_at(dispatcher_.per_worker() ? slot : kShared);
  // The FIFO (the common case) is popped without a virtual call, and the job
  // is built in place from its slot: one move per job, no default-built Job.
  auto* const fifo = dynamic_cast<FifoQueue*>(&queue);
  const auto take = [&]() -> Job {
    if (me.handoff) {
      Job job = std::move(*me.handoff);
      me.handoff.reset();
      return job;
    }
    if (blocked_producers_ > 0)
      not_full_.notify_all();  // per-worker bounds: each producer rechecks its own
    if (fifo != nullptr) return fifo->pop(0);
    return queue.pop(timed_queue_ ? core_.clock().now() : 0);
  };
  for (;;) {
    if (!me.handoff) {
      if (me.retire) return leave_locked(slot, WorkerReason::idle_timeout);
      if (!stopping_ && staying_locked() > target_workers_) {
        return leave_locked(slot, WorkerReason::resized);
      }
      if (queue.size() == 0) {
        if (stopping_) break;
        if (!me.parked) park_locked(slot);  // spawned workers start parked
        me.wake.wait(lock, [&] { return !me.parked; });
        core_.emit(events::worker_woken(slot));
        continue;
      }
    }
    Job job = take();
    me.running = true;
    lock.unlock();
    core_.run(job, slot);
    lock.lock();
    me.running = false;
  }
  leave_locked(slot, WorkerReason::shutdown);
}

void WorkerPool::leave_locked(int slot, WorkerReason why) {
  Worker& me = *workers_[static_cast<std::size_t>(slot)];
  if (me.retire) {
    me.retire = false;
    --retiring_;
  }
  if (me.parked) {  // spawned parked, resized away before it first ran
    me.parked = false;
    parked_.erase(std::find(parked_.begin(), parked_.end(), slot));
    parked_count_.fetch_sub(1, std::memory_order_relaxed);
  }
  me.live = false;
  --alive_;
  core_.emit(events::worker_retired(slot, why, alive_));
  // A per-worker queue must not leave with its worker: its jobs go back to the
  // dispatcher (unbounded, so nothing is lost or refused).
  if (me.own && me.own->size() > 0) {
    // No rescaling here: the backlog did not grow, and a spawn could pick this
    // very slot and join the thread that is running this code.
    for (Job& job : me.own->take_all()) push_locked(std::move(job), pick_queue_locked(), false);
  }
  if (blocked_producers_ > 0) not_full_.notify_all();  // a producer aimed at this queue re-picks
}

void WorkerPool::park_locked(int slot) {
  Worker& w = *workers_[static_cast<std::size_t>(slot)];
  w.parked = true;
  parked_.push_back(slot);
  parked_count_.fetch_add(1, std::memory_order_seq_cst);
  core_.emit(events::worker_parked(slot));
  if (scaling_.enabled()) {
    w.idle_since = core_.clock().now();
    // A scaler with a deadline wakes before this worker's (later) one anyway.
    if (scaler_deadline_ == kNever) poke_scaler_locked();
  }
}

void WorkerPool::unpark_locked(int slot) {
  Worker& w = *workers_[static_cast<std::size_t>(slot)];
  w.parked = false;
  parked_.erase(std::find(parked_.begin(), parked_.end(), slot));
  parked_count_.fetch_sub(1, std::memory_order_relaxed);
  if (t_defer_wakes && t_deferred_wake == nullptr) {
    t_deferred_wake = &w.wake;  // a WakeAfterUnlock notifies once the lock is released
  } else {
    w.wake.notify_one();
  }
}

bool WorkerPool::set_workers(int count) {
  count = std::max(count, 1);
  if (scaling_.enabled()) count = std::clamp(count, scaling_.min_workers, scaling_.max_workers);
  std::lock_guard lock(mutex_);
  if (closing_) return false;
  const int before = target_workers_;
  target_workers_ = count;
  core_.emit(events::pool_resized(ResizeReason::manual, count, before,
                                  static_cast<float>(depth_locked())));
  spawn_workers_locked(WorkerReason::resized);
  // Idle extras wake up and retire; busy ones retire after their current job.
  for (int excess = staying_locked() - target_workers_; excess > 0 && !parked_.empty(); --excess) {
    unpark_locked(parked_.front());
  }
  if (scaling_.enabled()) poke_scaler_locked();
  return true;
}

// [SECTION] Dynamic scaling ---------------------------------------------------

void WorkerPool::scale_up_locked() {
  if (stopping_) return;
  const auto depth = static_cast<std::int64_t>(depth_locked());
  const int before = target_workers_;
  const int after = scale_up_target(scaling_, before, depth);
  if (after <= before) return;
  target_workers_ = after;
  core_.emit(
      events::pool_resized(ResizeReason::scale_up, after, before, static_cast<float>(depth)));
  spawn_workers_locked(WorkerReason::scale_up);
}

void WorkerPool::retire_idle_locked(Nanos now) {
  // parked_ is oldest first, so the first worker not idle long enough ends the sweep.
  while (!parked_.empty() && staying_locked() > scaling_.min_workers) {
    const int slot = parked_.front();
    Worker& w = *workers_[static_cast<std::size_t>(slot)];
    if (now - w.idle_since < scaling_.idle_timeout) break;
    const int before = staying_locked();
    // Counted as gone from here, so a second idle worker in the same sweep (or
    // the next one) sees the count that will remain and min holds.
    w.retire = true;
    ++retiring_;
    target_workers_ = std::min(target_workers_, staying_locked());
    core_.emit(events::pool_resized(ResizeReason::idle_retire, staying_locked(), before,
                                    static_cast<float>(depth_locked())));
    unpark_locked(slot);
  }
}

void WorkerPool::scaler_main() {
  Clock& clock = core_.clock();
  std::unique_lock lock(mutex_);
  while (!scaler_stop_) {
    const Nanos now = clock.now();
    if (scaling_.scale_interval > 0 && now >= next_check_) {
      scale_up_locked();
      next_check_ = now + scaling_.scale_interval;
    }
    retire_idle_locked(now);

    Nanos deadline = scaling_.scale_interval > 0 ? next_check_ : kNever;
    if (!parked_.empty() && staying_locked() > scaling_.min_workers) {
      deadline =
          std::min(deadline, workers_[static_cast<std::size_t>(parked_.front())]->idle_since +
                                 scaling_.idle_timeout);
    }
    scaler_deadline_ = deadline;
    if (deadline == kNever) {
      scaler_cv_.wait(lock);  // a worker parking or a resize pokes
      continue;
    }
    scaler_wake_ = poolviz::stop_source{};
    const poolviz::stop_token wake = scaler_wake_.get_token();
    lock.unlock();
    clock.sleep_until(deadline, wake);
    lock.lock();
  }
}

void WorkerPool::poke_scaler_locked() {
  scaler_cv_.notify_one();
  scaler_wake_.request_stop();
}

void WorkerPool::stop_scaler() {
  std::thread scaler;
  {
    std::lock_guard lock(mutex_);
    scaler_stop_ = true;
    poke_scaler_locked();
    scaler.swap(scaler_);
  }
  if (scaler.joinable()) scaler.join();
}

// [SECTION] Shutdown and stats ------------------------------------------------

std::vector<Job> WorkerPool::shutdown(ShutdownMode mode) {
  std::vector<Job> unrun;
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || (closing_ && mode == ShutdownMode::drain)) return {};
    closing_ = true;
    if (lane_ != nullptr) close_lane_locked();
    not_full_.notify_all();  // blocked producers are refused
    if (mode == ShutdownMode::cancel) {
      stopping_ = true;
      unrun = queue_->take_all();
      for (auto& w : workers_) {
        if (w->handoff) {  // handed over, not started yet
          unrun.push_back(std::move(*w->handoff));
          w->handoff.reset();
        }
        if (!w->own) continue;
        for (Job& job : w->own->take_all()) unrun.push_back(std::move(job));
      }
      while (!parked_.empty()) unpark_locked(parked_.back());
    }
  }
  if (mode == ShutdownMode::drain) {
    core_.wait_idle();  // every accepted job, retries included, runs
    std::lock_guard lock(mutex_);
    stopping_ = true;
    while (!parked_.empty()) unpark_locked(parked_.back());
  } else {
    core_.request_stop();
    for (const Job& job : unrun) core_.cancel_unrun(job);
  }
  stop_scaler();
  join_all();
  core_.stop_retry_timer();
  return unrun;
}

void WorkerPool::join_all() {
  // One thread at a time out of its slot, so concurrent shutdowns join each once.
  for (;;) {
    std::thread thread;
    {
      std::lock_guard lock(mutex_);
      for (auto& w : workers_) {
        if (w->thread.joinable()) {
          thread.swap(w->thread);
          break;
        }
      }
    }
    if (!thread.joinable()) return;
    thread.join();
  }
}

ExecutorStats WorkerPool::stats() const {
  ExecutorStats s = core_.counters();
  std::lock_guard lock(mutex_);
  s.queue_depth = static_cast<std::int64_t>(depth_locked());
  s.workers_alive = alive_;
  s.workers_busy = alive_ - static_cast<std::int64_t>(parked_.size());
  s.threads_alive = alive_;
  return s;
}

}  // namespace poolviz
