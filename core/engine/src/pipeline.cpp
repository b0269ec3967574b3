#include "poolviz/pipeline.h"

#include <algorithm>
#include <cassert>

#include "poolviz/worker_pool.h"

namespace poolviz {

namespace {
constexpr std::size_t kDefaultStageCapacity = 100;  // tutorial 004: a 100-slot queue per stage
}

Pipeline::Pipeline(std::vector<PipelineStage> stages, ExecutorEnv env) {
  assert(!stages.empty() && "a pipeline needs at least one stage");
  for (std::size_t k = 0; k < stages.size(); ++k) {
    names_.push_back(stages[k].name);
    work_.push_back(std::move(stages[k].work));
  }
  // Built last to first, so a stage that starts running finds its successor ready.
  stages_.resize(stages.size());
  for (std::size_t k = stages.size(); k-- > 0;) {
    ExecutorEnv stage_env = env;
    stage_env.source = static_cast<std::uint8_t>(env.source + k);
    if (k > 0) stage_env.limiter = nullptr;
    PoolConfig config;
    config.workers = std::max(1, stages[k].workers);
    config.queue_capacity =
        stages[k].queue_capacity > 0 ? stages[k].queue_capacity : kDefaultStageCapacity;
    config.overflow = Overflow::block;
    stages_[k] = std::make_unique<WorkerPool>(config, std::move(stage_env));
  }
}

Pipeline::~Pipeline() {
  shutdown(ShutdownMode::cancel);
}

Job Pipeline::stage_job(std::size_t stage, const Job& item) const {
  Job job;
  job.id = item.id;
  job.priority = item.priority;
  job.tag = item.tag;
  job.retry = item.retry;
  job.timeout = 0;  // not supported, see the header
  // What the stage job needs to forward the item: its identity, not its fn.
  Job next;
  next.id = item.id;
  next.priority = item.priority;
  next.tag = item.tag;
  next.retry = item.retry;
  job.fn = [this, stage, next = std::move(next)](JobContext& ctx) {
    if (const JobFn& work = work_[stage]) work(ctx);
    // Forward only a success: a job that saw cancellation ends cancelled here.
    if (stage + 1 < stages_.size() && !ctx.stop_requested()) {
      // Blocks while the next stage's queue is full: backpressure, by design.
      stages_[stage + 1]->submit(stage_job(stage + 1, next));
    }
  };
  return job;
}

SubmitResult Pipeline::submit(Job item) {
  if (!item.id) item.id = JobId{next_item_.fetch_add(1, std::memory_order_relaxed)};
  return stages_.front()->submit(stage_job(0, item));
}

SubmitResult Pipeline::try_submit(Job item) {
  if (!item.id) item.id = JobId{next_item_.fetch_add(1, std::memory_order_relaxed)};
  return stages_.front()->try_submit(stage_job(0, item));
}

SubmitResult Pipeline::spawn(Job child, JobContext& parent) {
  if (!child.id) child.id = JobId{next_item_.fetch_add(1, std::memory_order_relaxed)};
  return stages_.front()->spawn(stage_job(0, child), parent);
}

std::vector<Job> Pipeline::shutdown(ShutdownMode mode) {
  std::vector<Job> unrun;
  if (mode == ShutdownMode::drain) {
    for (auto& stage : stages_) stage->shutdown(ShutdownMode::drain);
    return unrun;
  }
  for (std::size_t k = stages_.size(); k-- > 0;) {
    std::vector<Job> left = stages_[k]->shutdown(ShutdownMode::cancel);
    unrun.insert(unrun.end(), std::make_move_iterator(left.begin()),
                 std::make_move_iterator(left.end()));
  }
  return unrun;
}

void Pipeline::wait_idle() {
  for (auto& stage : stages_) stage->wait_idle();
}

ExecutorStats Pipeline::stage_stats(std::size_t stage) const {
  return stages_[stage]->stats();
}

bool Pipeline::set_stage_workers(std::size_t stage, int workers) {
  return stage < stages_.size() && stages_[stage]->set_workers(workers);
}

bool Pipeline::set_stage_capacity(std::size_t stage, std::size_t capacity) {
  return stage < stages_.size() && stages_[stage]->set_queue_capacity(capacity);
}

ExecutorStats Pipeline::stats() const {
  ExecutorStats total;
  for (std::size_t k = 0; k < stages_.size(); ++k) {
    const ExecutorStats s = stages_[k]->stats();
    if (k == 0) total.submitted = s.submitted;
    if (k + 1 == stages_.size()) total.completed = s.completed;
    total.failed += s.failed;
    total.rejected += s.rejected;
    total.cancelled += s.cancelled;
    total.timed_out += s.timed_out;
    total.retried += s.retried;
    total.steals += s.steals;
    total.queue_depth += s.queue_depth;
    total.in_service += s.in_service;
    total.outstanding += s.outstanding;
    total.workers_alive += s.workers_alive;
    total.workers_busy += s.workers_busy;
    total.threads_alive += s.threads_alive;
  }
  return total;
}

std::vector<Executor::Failure> Pipeline::recent_failures() const {
  std::vector<Failure> all;
  for (const auto& stage : stages_) {
    std::vector<Failure> some = stage->recent_failures();
    all.insert(all.end(), std::make_move_iterator(some.begin()),
               std::make_move_iterator(some.end()));
  }
  return all;
}

}  // namespace poolviz
