#include "serve/task_store.h"

#include <algorithm>
#include <cassert>

namespace poolviz::serve {

std::string_view to_string(TaskStatus status) {
  switch (status) {
    case TaskStatus::queued:
      return "queued";
    case TaskStatus::running:
      return "running";
    case TaskStatus::completed:
      return "completed";
    case TaskStatus::failed:
      return "failed";
    case TaskStatus::timed_out:
      return "timed_out";
    case TaskStatus::cancelled:
      return "cancelled";
    case TaskStatus::dropped:
      return "dropped";
  }
  return "?";
}

bool is_final(TaskStatus status) {
  return status != TaskStatus::queued && status != TaskStatus::running;
}

TaskStatus status_of(Outcome outcome) {
  switch (outcome) {
    case Outcome::completed:
      return TaskStatus::completed;
    case Outcome::failed:
      return TaskStatus::failed;
    case Outcome::timed_out:
      return TaskStatus::timed_out;
    case Outcome::cancelled:
      return TaskStatus::cancelled;
  }
  return TaskStatus::failed;
}

TaskStore::TaskStore(std::size_t finished_capacity)
    : finished_capacity_(std::max<std::size_t>(finished_capacity, 1)) {}

void TaskStore::add(const TaskRecord& record) {
  const std::lock_guard lock(mutex_);
  auto [it, inserted] = tasks_.emplace(record.id, record);
  assert(inserted && "task ids are unique");
  if (inserted && !is_final(it->second.status)) ++open_;
}

void TaskStore::forget(std::uint64_t id) {
  const std::lock_guard lock(mutex_);
  auto it = tasks_.find(id);
  if (it == tasks_.end()) return;
  // Only a task that never ended is forgotten this way (the pool refused it).
  if (!is_final(it->second.status)) {
    --open_;
    tasks_.erase(it);
  }
}

void TaskStore::mark_running(std::uint64_t id, Nanos at, int attempt) {
  const std::lock_guard lock(mutex_);
  auto it = tasks_.find(id);
  if (it == tasks_.end() || is_final(it->second.status)) return;
  TaskRecord& r = it->second;
  r.status = TaskStatus::running;
  r.attempts = attempt;
  if (r.started_at < 0) r.started_at = at;
}

void TaskStore::mark_retrying(std::uint64_t id) {
  const std::lock_guard lock(mutex_);
  auto it = tasks_.find(id);
  if (it != tasks_.end() && !is_final(it->second.status)) it->second.status = TaskStatus::queued;
}

void TaskStore::mark_ended(std::uint64_t id, TaskStatus final_status, Nanos at) {
  const std::lock_guard lock(mutex_);
  auto it = tasks_.find(id);
  if (it == tasks_.end() || is_final(it->second.status)) return;
  end_locked(it->second, final_status, at);
}

void TaskStore::end_locked(TaskRecord& record, TaskStatus final_status, Nanos at) {
  assert(is_final(final_status));
  record.status = final_status;
  record.ended_at = at;
  --open_;
  finished_order_.push_back(record.id);
  // Evict the oldest finished tasks; `record` is the newest, so it survives.
  while (finished_order_.size() > finished_capacity_) {
    tasks_.erase(finished_order_.front());
    finished_order_.pop_front();
    ++evicted_;
  }
  max_finished_seen_ = std::max(max_finished_seen_, finished_order_.size());
}

void TaskStore::on_events(std::span<const Event> batch) {
  for (const Event& e : batch) {
    const bool cancelled_unrun =
        e.kind == EventKind::finished && e.finished.outcome == Outcome::cancelled;
    const bool dropped =
        e.kind == EventKind::rejected && e.rejected.reason == RejectReason::dropped_oldest;
    if (!cancelled_unrun && !dropped) continue;
    // A body that ran reports its own end first; this only settles tasks the
    // pool ended without running them (mark_ended ignores ended tasks).
    mark_ended(e.job, dropped ? TaskStatus::dropped : TaskStatus::cancelled, e.t);
  }
}

std::size_t TaskStore::settle_unfinished(Nanos at) {
  const std::lock_guard lock(mutex_);
  std::size_t settled = 0;
  std::vector<std::uint64_t> open_ids;
  for (auto& [id, record] : tasks_) {
    if (!is_final(record.status)) open_ids.push_back(id);
  }
  std::sort(open_ids.begin(), open_ids.end());  // oldest first, so eviction order stays by id
  for (std::uint64_t id : open_ids) {
    end_locked(tasks_.at(id), TaskStatus::cancelled, at);
    ++settled;
  }
  return settled;
}

std::optional<TaskRecord> TaskStore::find(std::uint64_t id) const {
  const std::lock_guard lock(mutex_);
  auto it = tasks_.find(id);
  if (it == tasks_.end()) return std::nullopt;
  return it->second;
}

std::size_t TaskStore::size() const {
  const std::lock_guard lock(mutex_);
  return tasks_.size();
}

std::size_t TaskStore::open() const {
  const std::lock_guard lock(mutex_);
  return open_;
}

std::size_t TaskStore::finished() const {
  const std::lock_guard lock(mutex_);
  return finished_order_.size();
}

std::uint64_t TaskStore::evicted() const {
  const std::lock_guard lock(mutex_);
  return evicted_;
}

std::size_t TaskStore::max_finished_seen() const {
  const std::lock_guard lock(mutex_);
  return max_finished_seen_;
}

}  // namespace poolviz::serve
