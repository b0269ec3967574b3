// app/gui/flow_model.h — the view model behind the flow canvas: where every
// visible job is, what every worker is doing, and what just happened, derived
// only from the engine's events.
//
// [SECTION] Places and views      — JobPlace, JobView, WorkerLane, StealArc
// [SECTION] FlowGeometry          — where each place sits on the canvas (pixels)
// [SECTION] FlowModel             — the EventSink the canvas reads
//
// Plain C++: no ImGui, GLFW or GL include, so tests drive it with hand-made
// events and no window. Where chips are drawn is this model's own business;
// every count it shows comes from the Timeline (the Run's, once bound; else
// one of its own, fed the same events). Contract: on_events() (from EventBus::drain) and every
// other member run on one thread, the GUI's; nothing here is thread-safe.
// Memory is bounded by what is alive: ended jobs leave after their flight to a
// bin, retired lanes after a short fade, the decision log is a ring.
#pragma once

#include <cstdint>
#include <deque>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "poolviz/event.h"
#include "poolviz/timeline.h"

namespace poolviz::gui {

// [SECTION] Places and views --------------------------------------------------

/// Where a job is in its life, in the order a chip crosses the canvas.
enum class JobPlace : std::uint8_t {
  arriving,     // submitted, not yet in a queue (or a blocked producer holds it)
  queued,       // waiting in a queue (lane = -1 shared, else that worker's queue)
  at_gate,      // a worker holds it at the limiter gate
  running,      // a worker runs it
  retry_wait,   // failed an attempt, waiting out its backoff
  completed,    // flying into a bin (the last five)
  failed,
  timed_out,
  cancelled,
  rejected,
};
inline constexpr int kBinCount = 5;  // completed .. rejected

/// True for the five terminal places.
constexpr bool is_ended(JobPlace p) { return p >= JobPlace::completed; }
/// Bin index 0..4 of a terminal place.
constexpr int bin_index(JobPlace p) {
  return static_cast<int>(p) - static_cast<int>(JobPlace::completed);
}

struct Point {
  float x = 0, y = 0;
};

/// One job the canvas may draw.
struct JobView {
  std::uint64_t id = 0;
  JobPlace place = JobPlace::arriving;
  int lane = -1;             // queue id while queued; worker while at gate / running
  int priority = 0;
  float size_ms = 0;  // the job's size estimate (0 = unknown)
  int tag = 0;
  int attempt = 0;           // attempts started
  float progress = 0;        // 0..1 while running
  Nanos submitted_at = 0;    // scenario time
  Nanos started_at = -1;     // start of the current attempt; -1 = not yet
  Nanos ended_at = -1;
  std::uint64_t queue_stamp = 0;  // which queue entry is live (see FlowModel)
  Point pos;                 // interpolated position (pixels, canvas-relative)
  bool placed = false;       // pos is meaningful (false until the first layout)
  float age = 0;             // real seconds since it reached a bin
};

enum class LaneState : std::uint8_t { idle, waiting_gate, busy, retired };

/// One worker (or, in thread-per-task, one thread).
struct WorkerLane {
  int id = 0;
  LaneState state = LaneState::idle;
  std::uint64_t job = 0;      // held job (gate or running); 0 = none
  Nanos since = 0;            // scenario time the state began
  Nanos spawned_at = 0;
  std::string note;           // why it came or went ("scale up", "idle 2.0 s")
  float fade = 0;             // real seconds since it retired (drawn fading out)
  std::uint64_t jobs_done = 0;
  bool blocked = false;       // a pipeline stage's worker waiting for room in the next stage's queue
};

/// An animated arc from victim to thief, alive for a moment.
struct StealArc {
  int victim = 0;
  int thief = 0;
  std::uint64_t job = 0;
  float age = 0;  // real seconds
};

/// One line of the decision log.
struct LogLine {
  Nanos t = 0;
  std::string text;
  int kind = 0;  // EventKind as int, for colour
};

/// The counters and gauges the canvas shows: a view of the Timeline's, which
/// holds their one definition (in service = at gate + running, and so on).
struct FlowCounts {
  std::uint64_t submitted = 0, started = 0, completed = 0, failed = 0, timed_out = 0,
                cancelled = 0, rejected = 0, retried = 0, steals = 0;
  std::int64_t in_queue = 0, at_gate = 0, running = 0, retry_waiting = 0;
  std::int64_t workers_alive = 0, threads_alive = 0, peak_threads = 0;
  std::int64_t blocked_producers = 0;
  std::uint64_t bin(int i) const {
    const std::uint64_t v[kBinCount] = {completed, failed, timed_out, cancelled, rejected};
    return v[i];
  }
};

/// Limiter gate as last reported.
struct GateView {
  bool seen = false;          // any token event arrived
  float level = 0;            // tokens available (or permits in use)
  float capacity = 0;
  Nanos last_refill = -1;     // scenario time of the last refill (ticker pulse)
};

// [SECTION] FlowGeometry -------------------------------------------------------

/// Where things sit on a canvas of `width` × `height` pixels. The canvas draws
/// the same rectangles the model aims chips at, so both use this one struct.
struct FlowGeometry {
  struct Rect {
    float x = 0, y = 0, w = 0, h = 0;
    Point centre() const { return {x + w / 2, y + h / 2}; }
  };
  float chip = 12;       // chip edge
  float gap = 3;         // between chips
  Rect arrivals;         // where new jobs appear
  Rect queue;            // the shared queue
  float gate_x = 0;      // the limiter gate line
  Rect lanes;            // all worker lanes
  float lane_height = 0;
  float lane_queue_w = 0;  // per-worker queue strip at the left of each lane
  Rect retry;            // jobs waiting out a retry backoff
  Rect bins[kBinCount];
  int lane_count = 0;

  /// Lays the canvas out for `lanes` lanes; `per_worker_queues` makes room for
  /// a queue strip in each lane.
  /// `queue_hint` (the bound, or the deepest queue seen) sizes the queue box.
  static FlowGeometry make(float width, float height, float chip, int lanes,
                           bool per_worker_queues, std::int64_t queue_hint = 0);
  Rect lane(int row) const;
  /// How many chips fit in the shared queue box.
  int queue_slots() const;
};

// [SECTION] FlowModel -------------------------------------------------------------

struct FlowModelOptions {
  /// Past this many queued jobs the queue is drawn as a count and a bar.
  int collapse_queue_above = 300;
  /// At most this many ended chips fly to their bins at once (the rest land at once).
  int max_landing = 200;
  /// Thread-per-task: every job is its own thread; no lanes, a thread count.
  bool threads_mode = false;
  /// Priority pools: draw the queue in the order it will be served.
  bool queue_by_priority = false;
  /// Draw the shared queue shortest job first (Event::value of enqueued: size estimate).
  bool queue_by_size = false;
  /// Priority levels (> 0): the shared queue is this many queues, one per
  /// level, drawn as rows with the most urgent on top; a job's level is its
  /// priority clamped to 0 .. levels - 1, as the engine files it.
  int priority_levels = 0;
  /// Pipelines: the stages' names, in order (events carry source = stage).
  /// Stage k's workers become lanes k * kStageLaneStride + worker, named
  /// "<stage> <worker>"; stage 0's input queue is the shared queue and stage
  /// k's (k > 0) is the queue strip of its first lane. An item that completes a
  /// stage moves on; only the last stage's completion lands in a bin.
  std::vector<std::string> stage_names{};
  std::size_t log_capacity = 300;
  /// How long (real seconds) a steal arc and a retired lane stay visible.
  float steal_arc_seconds = 0.8F;
  float retired_lane_seconds = 2.5F;
};

class FlowModel final : public EventSink {
 public:
  explicit FlowModel(FlowModelOptions options = {});

  /// Forgets everything (scenario restart).
  void reset(FlowModelOptions options);
  void reset() { reset(options_); }

  /// Reads its counts from `timeline` (the Run's; it must outlive this model
  /// or be unbound with nullptr, which goes back to the model's own).
  void bind(const Timeline* timeline) { timeline_ = timeline; }
  const Timeline& timeline() const { return timeline_ ? *timeline_ : own_timeline_; }

  // EventSink: applies a batch in order.
  void on_events(std::span<const Event> batch) override;
  void apply(const Event& e);

  /// Advances animation by `real_dt` seconds: moves every chip toward the
  /// place `geometry` gives it, ages arcs, retires faded lanes and landed chips.
  void animate(const FlowGeometry& geometry, float real_dt);

  /// Where a job of this model should be drawn now (its animation target).
  Point target_of(const JobView& job, const FlowGeometry& geometry) const;

  // Reading ---------------------------------------------------------------
  FlowCounts counts() const;
  GateView gate() const;
  const FlowModelOptions& options() const { return options_; }
  /// Scenario time of the newest event seen.
  Nanos now() const { return now_; }

  /// Live and landing jobs, by id.
  const std::unordered_map<std::uint64_t, JobView>& jobs() const { return jobs_; }
  const JobView* job(std::uint64_t id) const;

  /// Lanes in display order (by worker id), retired ones while they fade.
  const std::vector<WorkerLane>& lanes() const { return lanes_; }
  /// What a lane is called on the canvas: "W3", or in a pipeline its stage and
  /// the stage's own worker index ("parse 1"); and the stage it belongs to
  /// ("parse"; empty outside pipelines).
  std::string lane_name(int lane) const;
  std::string lane_stage(int lane) const;
  static constexpr int kStageLaneStride = 1000;
  const WorkerLane* lane(int worker) const;
  /// Row of worker `worker` in lanes(), or -1.
  int lane_row(int worker) const;

  /// Ids waiting in queue `queue` (-1 = shared), head (next to run) first.
  std::vector<std::uint64_t> queue_order(int queue) const;
  /// Number of jobs waiting in queue `queue`.
  std::int64_t queue_size(int queue) const;
  /// Priority levels: the level a job waits on, and the ids waiting on `level`
  /// (head first) — the shared queue split the way the engine keeps it.
  int level_of(const JobView& job) const;
  std::vector<std::uint64_t> level_order(int level) const;
  /// True when some job sits in a per-worker queue (dispatch, work stealing).
  bool has_worker_queues() const { return has_worker_queues_; }
  /// True when the shared queue is too long to draw chip by chip.
  bool queue_collapsed() const;
  /// Largest depth and capacity seen on rejections (the bound, when known).
  std::int64_t known_capacity() const { return known_capacity_; }
  /// Deepest the shared queue has been in this run.
  std::int64_t peak_queue() const { return peak_queue_; }

  const std::vector<StealArc>& steal_arcs() const { return arcs_; }
  const std::deque<LogLine>& log() const { return log_; }
  std::uint64_t log_serial() const { return log_serial_; }

 private:
  struct Queue {
    struct Entry {
      std::uint64_t job;
      std::uint64_t stamp;
    };
    std::deque<Entry> entries;  // may hold stale entries; see is_live()
    std::int64_t live = 0;
  };

  JobView& job_for(const Event& e);
  void enqueue(JobView& job, int queue);
  void leave_queue(JobView& job);
  bool is_live(const Queue::Entry& entry) const;
  void compact(Queue& q);
  WorkerLane& lane_for(int worker, Nanos t);
  void release_lane(int worker, std::uint64_t job, Nanos t);
  void set_place(JobView& job, JobPlace place);
  void end_job(JobView& job, JobPlace bin, Nanos t);
  // apply()'s steps, one per kind of event that needs more than a line.
  void on_rejected(const Event& e);
  void on_blocked(const Event& e);
  /// gate_waiting / started: a worker now holds the job (at its gate, or running it).
  void hold(const Event& e, JobPlace place, LaneState state);
  void on_finished(const Event& e);
  void on_worker_spawned(const Event& e);
  void on_worker_parked(const Event& e);
  void on_worker_retired(const Event& e);
  void on_pool_resized(const Event& e);
  /// animate()'s step: where each queued job (shared, level or own queue) and
  /// each live thread sits now.
  void queue_targets(const FlowGeometry& g, std::unordered_map<std::uint64_t, Point>& out) const;
  void log(Nanos t, EventKind kind, std::string text);
  void sort_lanes();
  /// Pipelines: `e` with stage-local workers and queues mapped to lanes; false
  /// when the event is a stage hand-off the view does not show on its own.
  bool map_stage(Event& e);

  FlowModelOptions options_;
  Timeline own_timeline_;
  const Timeline* timeline_ = nullptr;
  Nanos now_ = 0;
  std::unordered_map<std::uint64_t, JobView> jobs_;
  std::unordered_map<int, Queue> queues_;
  std::uint64_t next_stamp_ = 1;
  bool has_worker_queues_ = false;
  std::int64_t known_capacity_ = 0;
  std::int64_t peak_queue_ = 0;
  std::vector<WorkerLane> lanes_;
  std::unordered_map<int, Nanos> parked_since_;
  std::vector<StealArc> arcs_;
  std::deque<LogLine> log_;
  std::uint64_t log_serial_ = 0;
  int landing_ = 0;
  // Per-batch tallies so that a flood of one kind becomes one summary line.
  std::unordered_map<int, int> batch_tally_;
  std::unordered_map<int, std::string> batch_last_;
};

/// Plain-words name of a terminal place ("completed", "timed out", ...).
const char* bin_name(int bin);

}  // namespace poolviz::gui
