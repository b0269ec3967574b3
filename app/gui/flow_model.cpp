#include "gui/flow_model.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <utility>

#include "poolviz/job.h"

namespace poolviz::gui {

namespace {

// More lines of one kind than this in one drained batch become a summary line.
constexpr int kLinesPerKindPerBatch = 4;

std::string format(const char* fmt, auto... args) {
  char buf[256];
  std::snprintf(buf, sizeof buf, fmt, args...);
  return buf;
}

unsigned long long ull(std::uint64_t v) {
  return static_cast<unsigned long long>(v);
}

const char* flood_label(EventKind kind) {
  switch (kind) {
    case EventKind::rejected: return "jobs rejected";
    case EventKind::stolen: return "steals";
    case EventKind::retried: return "retries scheduled";
    case EventKind::finished: return "jobs failed or timed out";
    case EventKind::worker_spawned: return "workers started";
    case EventKind::worker_retired: return "workers retired";
    case EventKind::pool_resized: return "resizes";
    default: return "events";
  }
}

}  // namespace

const char* bin_name(int bin) {
  static const char* const names[kBinCount] = {"completed", "failed", "timed out", "cancelled",
                                               "rejected"};
  return bin >= 0 && bin < kBinCount ? names[bin] : "?";
}

// FlowModel -------------------------------------------------------------------

namespace {
TimelineOptions own_timeline_options(const FlowModelOptions& options) {
  TimelineOptions t;
  t.stages = std::max<int>(1, static_cast<int>(options.stage_names.size()));
  t.recent_jobs = 0;  // the canvas needs no history of its own
  t.series_capacity = 1;  // nor series: it reads counts (a copy, e.g. a canvas keyframe, stays small)
  return t;
}
}  // namespace

FlowModel::FlowModel(FlowModelOptions options)
    : options_(options), own_timeline_(own_timeline_options(options_)) {}

FlowCounts FlowModel::counts() const {
  const TimelineCounts& t = timeline().counts();
  FlowCounts c;
  c.submitted = t.submitted;
  c.started = t.started;
  c.completed = t.completed;
  c.failed = t.failed;
  c.timed_out = t.timed_out;
  c.cancelled = t.cancelled;
  c.rejected = t.rejected;
  c.retried = t.retried;
  c.steals = t.steals;
  c.in_queue = t.in_queue;
  c.at_gate = t.at_gate;
  c.running = t.running;
  c.retry_waiting = t.retry_waiting;
  c.workers_alive = t.workers_alive;
  c.threads_alive = t.threads_alive();
  c.peak_threads = t.threads_max;
  c.blocked_producers = t.blocked_producers;
  return c;
}

GateView FlowModel::gate() const {
  const TokenLevel& t = timeline().tokens();
  GateView g;
  g.seen = t.seen;
  g.level = static_cast<float>(t.level);
  g.capacity = static_cast<float>(t.capacity);
  g.last_refill = t.last_refill;
  return g;
}

void FlowModel::reset(FlowModelOptions options) { *this = FlowModel(options); }

const JobView* FlowModel::job(std::uint64_t id) const {
  auto it = jobs_.find(id);
  return it == jobs_.end() ? nullptr : &it->second;
}

const WorkerLane* FlowModel::lane(int worker) const {
  const int row = lane_row(worker);
  return row < 0 ? nullptr : &lanes_[static_cast<std::size_t>(row)];
}

int FlowModel::lane_row(int worker) const {
  auto it = std::lower_bound(lanes_.begin(), lanes_.end(), worker,
                             [](const WorkerLane& l, int w) { return l.id < w; });
  if (it == lanes_.end() || it->id != worker) return -1;
  return static_cast<int>(it - lanes_.begin());
}

WorkerLane& FlowModel::lane_for(int worker, Nanos t) {
  auto it = std::lower_bound(lanes_.begin(), lanes_.end(), worker,
                             [](const WorkerLane& l, int w) { return l.id < w; });
  if (it == lanes_.end() || it->id != worker) {
    WorkerLane lane;
    lane.id = worker;
    lane.since = t;
    lane.spawned_at = t;
    it = lanes_.insert(it, lane);
  }
  return *it;
}

JobView& FlowModel::job_for(const Event& e) {
  auto [it, fresh] = jobs_.try_emplace(e.job);
  if (fresh) {
    // An event about a job we never saw submitted (attached late): start it here.
    it->second.id = e.job;
    it->second.submitted_at = e.t;
  }
  return it->second;
}

bool FlowModel::is_live(const Queue::Entry& entry) const {
  auto it = jobs_.find(entry.job);
  return it != jobs_.end() && it->second.place == JobPlace::queued &&
         it->second.queue_stamp == entry.stamp;
}

void FlowModel::compact(Queue& q) {
  while (!q.entries.empty() && !is_live(q.entries.front())) q.entries.pop_front();
  while (!q.entries.empty() && !is_live(q.entries.back())) q.entries.pop_back();
  // Stale entries in the middle (priority pops, steals) are swept once they
  // outnumber live ones, so the deque stays O(live).
  if (q.entries.size() > 64 && static_cast<std::int64_t>(q.entries.size()) > 2 * q.live) {
    std::erase_if(q.entries, [&](const Queue::Entry& en) { return !is_live(en); });
  }
}

void FlowModel::set_place(JobView& job, JobPlace place) {
  job.place = place;
}

void FlowModel::enqueue(JobView& job, int queue) {
  leave_queue(job);
  if (options_.threads_mode) {
    // A thread per job: nothing waits in a queue; the job has its thread (lane)
    // and waits for a CPU to start it.
    job.lane = queue;
    return;
  }
  if (queue >= 0) has_worker_queues_ = true;
  Queue& q = queues_[queue];
  job.queue_stamp = next_stamp_++;
  job.lane = queue;
  set_place(job, JobPlace::queued);
  q.entries.push_back({job.id, job.queue_stamp});
  ++q.live;
}

void FlowModel::leave_queue(JobView& job) {
  if (job.place != JobPlace::queued || job.queue_stamp == 0) return;
  auto it = queues_.find(job.lane);
  job.queue_stamp = 0;
  set_place(job, JobPlace::arriving);
  if (it != queues_.end()) {
    --it->second.live;
    compact(it->second);
  }
}

void FlowModel::release_lane(int worker, std::uint64_t job, Nanos t) {
  if (worker < 0 || options_.threads_mode) return;
  const int row = lane_row(worker);
  if (row < 0) return;
  WorkerLane& lane = lanes_[static_cast<std::size_t>(row)];
  if (lane.job == job && lane.state != LaneState::retired) {
    lane.job = 0;
    lane.state = LaneState::idle;
    lane.since = t;
  }
}

void FlowModel::end_job(JobView& job, JobPlace bin, Nanos t) {
  leave_queue(job);
  set_place(job, bin);
  job.ended_at = t;
  job.age = 0;
  if (landing_ >= options_.max_landing || !job.placed) {
    jobs_.erase(job.id);  // lands at once: the bin count is what the eye reads
    return;
  }
  ++landing_;
}

void FlowModel::log(Nanos t, EventKind kind, std::string text) {
  const int k = static_cast<int>(kind);
  if (++batch_tally_[k] > kLinesPerKindPerBatch) {
    batch_last_[k] = std::move(text);
    return;
  }
  log_.push_back({t, std::move(text), k});
  ++log_serial_;
  while (log_.size() > options_.log_capacity) log_.pop_front();
}

void FlowModel::on_events(std::span<const Event> batch) {
  batch_tally_.clear();
  batch_last_.clear();
  for (const Event& e : batch) apply(e);
  // Floods (hundreds of rejections a frame) become one line per kind.
  for (auto& [k, n] : batch_tally_) {
    if (n <= kLinesPerKindPerBatch) continue;
    const int more = n - kLinesPerKindPerBatch;
    log_.push_back({now_,
                    format("... and %d more %s (last: %s)", more,
                           flood_label(static_cast<EventKind>(k)), batch_last_[k].c_str()),
                    k});
    ++log_serial_;
    while (log_.size() > options_.log_capacity) log_.pop_front();
  }
  batch_tally_.clear();
}

std::string FlowModel::lane_name(int lane) const {
  // A pipeline's lanes are named by stage ("parse 0", "store 1"): six lanes
  // called W0, W1, W0, W1, ... read as two workers.
  if (const std::string stage = lane_stage(lane); !stage.empty()) {
    return format("%s %d", stage.c_str(), lane % kStageLaneStride);
  }
  return format("W%d", lane);
}

std::string FlowModel::lane_stage(int lane) const {
  const auto stage = static_cast<std::size_t>(lane / kStageLaneStride);
  if (options_.stage_names.size() < 2 || stage >= options_.stage_names.size()) return {};
  return options_.stage_names[stage];
}

bool FlowModel::map_stage(Event& e) {
  const int stages = static_cast<int>(options_.stage_names.size());
  const int stage = std::min<int>(e.source, stages - 1);
  const int base = stage * kStageLaneStride;
  switch (e.kind) {
    case EventKind::submitted:
      return stage == 0;  // later stages' submits are hand-offs of a counted item
    case EventKind::enqueued:
      // Stage 0 feeds the shared queue; stage k waits left of its first lane.
      e.worker = stage == 0 ? -1 : base;
      return true;
    case EventKind::finished:
      if (e.worker >= 0) e.worker += base;
      if (stage < stages - 1 && e.finished.outcome == Outcome::completed) {
        // The stage job hands its item on from inside its body, so the next
        // stage's submitted/enqueued (even started) came first: the chip has
        // moved on already; only this stage's lane is free now.
        release_lane(e.worker, e.job, e.t);
        if (const int row = lane_row(e.worker); row >= 0) ++lanes_[static_cast<std::size_t>(row)].jobs_done;
        return false;
      }
      return true;
    case EventKind::worker_spawned:
    case EventKind::worker_retired: {
      if (e.worker >= 0) e.worker += base;
      return true;
    }
    default:
      if (e.worker >= 0) e.worker += base;
      return true;
  }
}

void FlowModel::apply(const Event& event) {
  if (timeline_ == nullptr) own_timeline_.apply(event);
  now_ = std::max(now_, event.t);
  Event e = event;
  if (options_.stage_names.size() > 1 && !map_stage(e)) return;
  switch (e.kind) {
    case EventKind::submitted: {
      JobView& job = job_for(e);
      job.priority = e.submitted.priority;
      job.tag = e.submitted.tag;
      job.submitted_at = planned_arrival(e);
      break;
    }
    case EventKind::rejected: on_rejected(e); break;
    case EventKind::enqueued: {
      JobView& job = job_for(e);
      job.size_ms = e.enqueued.size_estimate_ms;
      enqueue(job, e.worker);
      if (e.worker < 0) peak_queue_ = std::max(peak_queue_, queue_size(-1));
      break;
    }
    case EventKind::gate_waiting: hold(e, JobPlace::at_gate, LaneState::waiting_gate); break;
    case EventKind::started: hold(e, JobPlace::running, LaneState::busy); break;
    case EventKind::progress: {
      auto it = jobs_.find(e.job);
      if (it != jobs_.end()) it->second.progress = e.progress.fraction;
      break;
    }
    case EventKind::finished: on_finished(e); break;
    case EventKind::retried: {
      JobView& job = job_for(e);
      release_lane(job.lane, e.job, e.t);
      set_place(job, JobPlace::retry_wait);
      job.progress = 0;
      log(e.t, e.kind,
          format("job %llu attempt %d failed: retry %d in %.1f s", ull(e.job),
                 e.retried.next_attempt - 1, e.retried.next_attempt,
                 e.retried.backoff_ms / 1000.0));
      break;
    }
    case EventKind::stolen: {
      JobView& job = job_for(e);
      const int victim = e.stolen.victim;
      enqueue(job, e.worker);
      arcs_.push_back({victim, e.worker, e.job, 0});
      log(e.t, e.kind, format("worker %d stole job %llu from worker %d", e.worker, ull(e.job), victim));
      break;
    }
    case EventKind::worker_spawned: on_worker_spawned(e); break;
    case EventKind::worker_parked: on_worker_parked(e); break;
    case EventKind::worker_woken: break;
    case EventKind::worker_retired: on_worker_retired(e); break;
    case EventKind::token_taken:
    case EventKind::token_refilled: break;  // the gate's level is the Timeline's
    case EventKind::pool_resized: on_pool_resized(e); break;
    case EventKind::blocked:
    case EventKind::unblocked: on_blocked(e); break;
  }
}

// Who waits for room: the producer at the first queue, or (a pipeline's later
// stages) the previous stage's worker still holding the item it finished.
void FlowModel::on_blocked(const Event& e) {
  const bool blocked = e.kind == EventKind::blocked;
  const auto holder = std::find_if(lanes_.begin(), lanes_.end(), [&](const WorkerLane& l) {
    return l.job == e.job && l.state == LaneState::busy && !lane_stage(l.id).empty();
  });
  if (holder == lanes_.end()) {
    if (blocked) log(e.t, e.kind, format("producer blocked: queue full (%d waiting)", e.blocked.depth));
    return;
  }
  holder->blocked = blocked;
  if (blocked) {
    log(e.t, e.kind, format("%s blocked: the next stage's queue is full (%d waiting)", lane_name(holder->id).c_str(),
                            e.blocked.depth));
  }
}

void FlowModel::on_rejected(const Event& e) {
  JobView& job = job_for(e);
  const payload::Rejected& r = e.rejected;
  const RejectReason why = r.reason;
  known_capacity_ = std::max<std::int64_t>(known_capacity_, r.capacity);
  switch (why) {
    case RejectReason::queue_full:
      log(e.t, e.kind,
          format("job %llu rejected: queue full (%d/%d)", ull(e.job), r.depth, r.capacity));
      break;
    case RejectReason::dropped_oldest:
      log(e.t, e.kind,
          format("job %llu dropped: oldest in a full queue (%d/%d)", ull(e.job), r.depth,
                 r.capacity));
      break;
    case RejectReason::thread_cap:
      log(e.t, e.kind,
          format("job %llu rejected: thread cap reached (%d/%d threads)", ull(e.job), r.depth,
                 r.capacity));
      break;
    case RejectReason::limiter_drop:
      log(e.t, e.kind, format("job %llu rejected: no token at the gate", ull(e.job)));
      break;
    default:
      log(e.t, e.kind, format("job %llu rejected: %s", ull(e.job), std::string(to_string(why)).c_str()));
  }
  end_job(job, JobPlace::rejected, e.t);
}

void FlowModel::hold(const Event& e, JobPlace place, LaneState state) {
  JobView& job = job_for(e);
  leave_queue(job);
  set_place(job, place);
  job.lane = e.worker;
  if (place == JobPlace::running) {
    job.attempt = e.started.attempt;
    job.started_at = e.t;
    job.progress = 0;
  }
  if (e.worker >= 0 && !options_.threads_mode) {
    WorkerLane& lane = lane_for(e.worker, e.t);
    lane.state = state;
    lane.job = e.job;
    lane.since = e.t;
  }
}

void FlowModel::on_finished(const Event& e) {
  JobView& job = job_for(e);
  const Outcome outcome = e.finished.outcome;
  JobPlace bin = JobPlace::completed;
  switch (outcome) {
    case Outcome::completed: bin = JobPlace::completed; break;
    case Outcome::failed:
      bin = JobPlace::failed;
      log(e.t, e.kind,
          format("job %llu failed for good after %d attempt%s", ull(e.job), e.finished.attempt,
                 e.finished.attempt == 1 ? "" : "s"));
      break;
    case Outcome::timed_out:
      bin = JobPlace::timed_out;
      log(e.t, e.kind, format("job %llu timed out (attempt %d)", ull(e.job), e.finished.attempt));
      break;
    case Outcome::cancelled:
      bin = JobPlace::cancelled;
      log(e.t, e.kind, format(job.place == JobPlace::running ? "job %llu cancelled while running (cut short)"
                                                             : "job %llu cancelled before it started",
                              ull(e.job)));
      break;
  }
  const int worker = job.place == JobPlace::running || job.place == JobPlace::at_gate ? job.lane : e.worker;
  if (const int row = lane_row(worker); row >= 0 && outcome == Outcome::completed) {
    ++lanes_[static_cast<std::size_t>(row)].jobs_done;
  }
  release_lane(worker, e.job, e.t);
  end_job(job, bin, e.t);
}

void FlowModel::on_worker_spawned(const Event& e) {
  const WorkerReason why = e.worker_spawned.reason;
  if (options_.threads_mode) return;
  WorkerLane& lane = lane_for(e.worker, e.t);
  lane = WorkerLane{};
  lane.id = e.worker;
  lane.since = e.t;
  lane.spawned_at = e.t;
  if (why != WorkerReason::start) {
    lane.note = std::string(to_string(why));
    log(e.t, e.kind,
        format("worker %d started: %s (%d alive)", e.worker, lane.note.c_str(),
               e.worker_spawned.alive_after));
  }
}

void FlowModel::on_worker_parked(const Event& e) {
  parked_since_[e.worker] = e.t;
  if (options_.threads_mode) return;
  WorkerLane& lane = lane_for(e.worker, e.t);
  if (lane.state != LaneState::retired) {
    lane.state = LaneState::idle;
    lane.job = 0;
    lane.since = e.t;
  }
}

void FlowModel::on_worker_retired(const Event& e) {
  const WorkerReason why = e.worker_retired.reason;
  if (options_.threads_mode) return;
  WorkerLane& lane = lane_for(e.worker, e.t);
  std::string note;
  if (why == WorkerReason::idle_timeout) {
    auto p = parked_since_.find(e.worker);
    note = format("idle %.1f s", p == parked_since_.end() ? 0.0 : to_seconds(e.t - p->second));
  } else if (why == WorkerReason::resized) {
    note = "pool shrunk";
  } else {
    note = std::string(to_string(why));
  }
  if (why != WorkerReason::shutdown) {
    log(e.t, e.kind,
        format("worker %d retired: %s (%d alive)", e.worker, note.c_str(),
               e.worker_retired.alive_after));
  } else {
    log(e.t, e.kind,
        format("shutdown: worker %d exits (%d alive)", e.worker, e.worker_retired.alive_after));
  }
  lane.state = LaneState::retired;
  lane.note = std::move(note);
  lane.since = e.t;
  lane.job = 0;
  lane.fade = 0;
  parked_since_.erase(e.worker);
}

void FlowModel::on_pool_resized(const Event& e) {
  const payload::PoolResized& r = e.pool_resized;
  const ResizeReason why = r.reason;
  if (why == ResizeReason::scale_up) {
    log(e.t, e.kind,
        format("pool grew %d -> %d workers: queue %.0f > threshold", r.workers_before,
               r.workers_after, static_cast<double>(r.trigger_depth)));
  } else if (why == ResizeReason::manual) {
    log(e.t, e.kind,
        format("pool resized by hand: %d -> %d workers", r.workers_before, r.workers_after));
  } else {
    log(e.t, e.kind,
        format("pool shrank %d -> %d workers: %s", r.workers_before, r.workers_after,
               std::string(to_string(why)).c_str()));
  }
}

std::vector<std::uint64_t> FlowModel::queue_order(int queue) const {
  std::vector<std::uint64_t> out;
  auto it = queues_.find(queue);
  if (it == queues_.end()) return out;
  out.reserve(static_cast<std::size_t>(std::max<std::int64_t>(it->second.live, 0)));
  for (const auto& entry : it->second.entries) {
    if (is_live(entry)) out.push_back(entry.job);
  }
  if (options_.queue_by_priority) {
    std::stable_sort(out.begin(), out.end(), [&](std::uint64_t a, std::uint64_t b) {
      return jobs_.at(a).priority > jobs_.at(b).priority;
    });
  } else if (options_.queue_by_size) {
    std::stable_sort(out.begin(), out.end(), [&](std::uint64_t a, std::uint64_t b) {
      return jobs_.at(a).size_ms < jobs_.at(b).size_ms;
    });
  }
  return out;
}

std::int64_t FlowModel::queue_size(int queue) const {
  auto it = queues_.find(queue);
  return it == queues_.end() ? 0 : it->second.live;
}

int FlowModel::level_of(const JobView& job) const {
  return std::clamp(job.priority, 0, std::max(options_.priority_levels, 1) - 1);
}

std::vector<std::uint64_t> FlowModel::level_order(int level) const {
  std::vector<std::uint64_t> out = queue_order(-1);
  std::erase_if(out, [&](std::uint64_t id) { return level_of(jobs_.at(id)) != level; });
  return out;
}

bool FlowModel::queue_collapsed() const {
  return queue_size(-1) > options_.collapse_queue_above;
}


}  // namespace poolviz::gui
