// poolviz/pipeline.h — stage pools joined by bounded queues (fetch → parse →
// store), each stage with its own worker count.
//
// What the tutorial (004) teaches: the slowest stage sets the throughput, and
// a full queue pushes back upstream. Here each stage is a real WorkerPool whose
// input queue is bounded with Overflow::block. When a stage's job has done its
// work, the same worker hands the item to the next stage with a blocking
// submit, so a full downstream queue holds the upstream worker (and its item)
// exactly as `out <- item` does on a full Go channel.
//
// Contract:
// - An item keeps one JobId through every stage; stage k's events carry
//   `source` = env.source + k.
// - An item goes on to stage k+1 only when its stage-k attempt succeeded (not
//   failed, timed out or cancelled); retries (Job::retry) apply per stage.
//   Item timeouts are not supported (Job::timeout is ignored): a stage attempt
//   that timed out while blocked on a full downstream queue would have
//   forwarded its item already.
// - Accounting holds per stage (each stage is an Executor), and for the whole
//   pipeline: items submitted = completed by the last stage + failed, rejected,
//   cancelled and timed out at any stage. (completed at stage k = submitted at k+1.)
// - ExecutorEnv::limiter gates stage 0 only (a gate in front of the pipeline);
//   ExecutorEnv::cancel cancels every stage.
// - shutdown(drain) drains stage 0 first, then 1, ...; shutdown(cancel) cancels
//   the last stage first, so upstream workers blocked on it are released.
// - Thread-safe like any Executor.
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "poolviz/executor.h"

namespace poolviz {

struct PipelineStage {
  std::string name;                // "fetch", "parse", "store"
  int workers = 1;                 // this stage's own worker count
  std::size_t queue_capacity = 0;  // bound of this stage's input queue; 0 = 100 (tutorial 004)
  JobFn work;                      // what the stage does to each item (may be empty)
};

class Pipeline final : public Executor {
 public:
  /// At least one stage. The clock (and bus) in `env` must outlive the pipeline.
  Pipeline(std::vector<PipelineStage> stages, ExecutorEnv env);
  ~Pipeline() override;

  std::string_view strategy() const override { return "pipeline"; }
  /// Sends an item into stage 0 (its fn is ignored: each stage applies its own
  /// work). Blocks while stage 0's queue is full.
  SubmitResult submit(Job item) override;
  /// Like submit(), but answers queue_full instead of blocking.
  SubmitResult try_submit(Job item) override;
  /// A child of a running stage job enters stage 0 as a new item.
  SubmitResult spawn(Job child, JobContext& parent) override;
  std::vector<Job> shutdown(ShutdownMode mode) override;
  /// Waits for stage 0, then 1, ...: when it returns every item has left the pipeline.
  void wait_idle() override;
  /// The pipeline as a whole has no single worker count: see set_stage_workers().
  bool set_workers(int) override { return false; }
  ExecutorStats stats() const override;
  std::vector<Failure> recent_failures() const override;

  std::size_t stage_count() const { return stages_.size(); }
  const std::string& stage_name(std::size_t stage) const { return names_[stage]; }
  ExecutorStats stage_stats(std::size_t stage) const;
  /// Live resize of one stage.
  bool set_stage_workers(std::size_t stage, int workers);
  /// Live change of one stage's input bound (0 = unbounded).
  bool set_stage_capacity(std::size_t stage, std::size_t capacity);

 private:
  Job stage_job(std::size_t stage, const Job& item) const;

  std::vector<std::string> names_;
  std::vector<JobFn> work_;
  std::vector<std::unique_ptr<Executor>> stages_;
  std::atomic<std::uint64_t> next_item_{1};
};

}  // namespace poolviz
