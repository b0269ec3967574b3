// The flow canvas's layout: where each place sits (FlowGeometry), where each
// job of the model is aimed (FlowModel::target_of) and how chips move there
// (FlowModel::animate). Plain C++, like the rest of the view model.
#include <algorithm>
#include <cmath>
#include <utility>

#include "gui/flow_model.h"

namespace poolviz::gui {

namespace {

// Small deterministic offset so that chips landing on one spot do not stack exactly.
float jitter(std::uint64_t id, int salt) {
  std::uint64_t z = id * 0x9e3779b97f4a7c15ULL + static_cast<std::uint64_t>(salt) * 0xbf58476d1ce4e5b9ULL;
  z ^= z >> 29;
  return static_cast<float>(z % 1000) / 1000.0F - 0.5F;
}

}  // namespace

// FlowGeometry ----------------------------------------------------------------

FlowGeometry FlowGeometry::make(float width, float height, float chip, int lanes,
                                bool per_worker_queues, std::int64_t queue_hint) {
  FlowGeometry g;
  g.chip = chip;
  g.gap = std::max(2.0F, chip * 0.25F);
  g.lane_count = std::max(lanes, 1);
  const float m = chip;  // outer margin
  const float usable_h = std::max(height - 2 * m, 4 * chip);
  const float step = chip + g.gap;

  // Lanes: as tall as reads well, centred; the rest of the canvas stays calm.
  const float max_lane_h = 3.6F * chip;
  g.lane_height = std::min(usable_h / static_cast<float>(g.lane_count), max_lane_h);
  const float lanes_h = g.lane_height * static_cast<float>(g.lane_count);
  const float mid_y = m + usable_h / 2;

  // Columns, left to right: arrivals | shared queue | gate | lanes | bins.
  const float bins_w = std::clamp(width * 0.15F, 9 * chip, 18 * chip);
  const float queue_x = m + std::max(3 * chip, width * 0.05F) + m;
  const float queue_frac = per_worker_queues ? 0.15F : 0.28F;
  const float queue_w = std::max(6 * step, width * queue_frac);
  // The box fits the bound (or the deepest queue seen), so a full queue looks full.
  const int cols = std::max(1, static_cast<int>(queue_w / step));
  const float max_queue_h = std::max(usable_h * 0.62F, 2 * step);
  const std::int64_t hint = queue_hint > 0 ? queue_hint : 2 * cols;
  const float rows_needed = std::ceil(static_cast<float>(hint) / static_cast<float>(cols));
  const float queue_h = std::clamp(rows_needed * step + g.gap, 2 * step, max_queue_h);
  g.queue = {queue_x, mid_y - queue_h / 2, queue_w, queue_h};
  g.arrivals = {m, g.queue.y, std::max(3 * chip, width * 0.05F), queue_h};
  const float retry_h = 2 * step;
  g.retry = {queue_x, std::min(g.queue.y + queue_h + 2.5F * chip, m + usable_h - retry_h), queue_w, retry_h};
  g.gate_x = queue_x + queue_w + 1.5F * m;
  const float lanes_x = g.gate_x + 1.5F * m;
  const float bins_x = width - m - bins_w;
  g.lanes = {lanes_x, mid_y - lanes_h / 2, std::max(bins_x - m - lanes_x, 8 * chip), lanes_h};
  g.lane_queue_w = per_worker_queues ? g.lanes.w * 0.42F : 0;
  const float bin_h = std::min(usable_h / kBinCount, 4.2F * chip);
  const float bins_y = mid_y - bin_h * kBinCount / 2;
  for (int i = 0; i < kBinCount; ++i) {
    g.bins[i] = {bins_x, bins_y + static_cast<float>(i) * bin_h, bins_w, bin_h - g.gap};
  }
  return g;
}

FlowGeometry::Rect FlowGeometry::lane(int row) const {
  return {lanes.x, lanes.y + static_cast<float>(row) * lane_height, lanes.w,
          std::max(lane_height - gap, 2.0F)};
}

int FlowGeometry::queue_slots() const {
  const int cols = std::max(1, static_cast<int>(queue.w / (chip + gap)));
  const int rows = std::max(1, static_cast<int>(queue.h / (chip + gap)));
  return cols * rows;
}

Point FlowModel::target_of(const JobView& job, const FlowGeometry& g) const {
  const float step = g.chip + g.gap;
  switch (job.place) {
    case JobPlace::arriving:
      if (options_.threads_mode && job.lane >= 0) {
        JobView started = job;
        started.place = JobPlace::running;
        return target_of(started, g);
      }
      return {g.arrivals.x + g.arrivals.w * (0.5F + 0.5F * jitter(job.id, 1)),
              g.arrivals.y + g.arrivals.h * (0.5F + 0.3F * jitter(job.id, 2))};
    case JobPlace::queued:
      // Index is filled in by animate(); this is the queue's entrance.
      return {g.queue.x, g.queue.centre().y};
    case JobPlace::at_gate:
    case JobPlace::running: {
      if (options_.threads_mode) {
        // A cloud of threads: one cell per worker index, wrapping.
        const int cols = std::max(1, static_cast<int>(g.lanes.w / step));
        const int rows = std::max(1, static_cast<int>(g.lanes.h / step));
        const int cell = job.lane < 0 ? 0 : job.lane % (cols * rows);
        return {g.lanes.x + static_cast<float>(cell % cols) * step + g.chip / 2,
                g.lanes.y + static_cast<float>(cell / cols) * step + g.chip / 2};
      }
      const int row = std::max(lane_row(job.lane), 0);
      const auto r = g.lane(row);
      const float x0 = r.x + g.lane_queue_w;
      // Held at the gate: left of where it runs, clear of the lane's name.
      const float x = job.place == JobPlace::at_gate ? x0 + 3.0F * g.chip : x0 + 4.5F * g.chip;
      return {x, r.y + r.h / 2};
    }
    case JobPlace::retry_wait:
      return {g.retry.x + g.retry.w * (0.5F + 0.9F * jitter(job.id, 3)), g.retry.centre().y};
    default: {
      const auto& b = g.bins[bin_index(job.place)];
      return {b.x + b.w * 0.25F + b.w * 0.2F * jitter(job.id, 4),
              b.y + b.h * 0.55F + b.h * 0.3F * jitter(job.id, 5)};
    }
  }
}

void FlowModel::queue_targets(const FlowGeometry& g, std::unordered_map<std::uint64_t, Point>& out) const {
  const float step = g.chip + g.gap;
  // Shared queue: head at the right (next to the gate), filling leftwards in rows.
  // Priority levels split the box into one band per level, the most urgent on top.
  const int bands = std::max(options_.priority_levels, 1);
  if (!queue_collapsed()) {
    const int cols = std::max(1, static_cast<int>(g.queue.w / step));
    const float band_h = g.queue.h / static_cast<float>(bands);
    const int rows = std::max(1, static_cast<int>(band_h / step));
    for (int band = 0; band < bands; ++band) {
      const auto order = options_.priority_levels > 0 ? level_order(bands - 1 - band) : queue_order(-1);
      const float y0 = g.queue.y + static_cast<float>(band) * band_h;
      for (std::size_t i = 0; i < order.size(); ++i) {
        const int slot = std::min(static_cast<int>(i), cols * rows - 1);
        const int col = cols - 1 - slot % cols;
        const int row = slot / cols;
        out[order[i]] = {g.queue.x + static_cast<float>(col) * step + g.chip / 2 + g.gap,
                         y0 + static_cast<float>(row) * step + g.chip / 2 + g.gap};
      }
    }
  }
  // Per-worker queues: a strip at the left of each lane, head at its right end.
  for (const auto& [id, q] : queues_) {
    if (id < 0) continue;
    const int row = lane_row(id);
    if (row < 0) continue;
    const auto r = g.lane(row);
    const int cols = std::max(1, static_cast<int>((g.lane_queue_w - g.gap) / step));
    int i = 0;
    for (const auto& entry : q.entries) {
      if (!is_live(entry)) continue;
      const int slot = std::min(i++, cols - 1);
      out[entry.job] = {r.x + g.lane_queue_w - static_cast<float>(slot + 1) * step + g.chip / 2,
                                  r.y + r.h / 2};
    }
  }

  // Thread-per-task: live threads packed densely in the cloud, oldest first.
  if (options_.threads_mode) {
    std::vector<std::pair<int, std::uint64_t>> live;
    for (const auto& [id, job] : jobs_) {
      if (!is_ended(job.place) && job.place != JobPlace::retry_wait && job.lane >= 0) live.emplace_back(job.lane, id);
    }
    std::sort(live.begin(), live.end());
    const int cols = std::max(1, static_cast<int>(g.lanes.w / step));
    const int cells = cols * std::max(1, static_cast<int>(g.lanes.h / step));
    for (std::size_t i = 0; i < live.size(); ++i) {
      const int cell = std::min(static_cast<int>(i), cells - 1);
      out[live[i].second] = {g.lanes.x + static_cast<float>(cell % cols) * step + g.chip / 2 + g.gap,
                                       g.lanes.y + static_cast<float>(cell / cols) * step + g.chip / 2 + g.gap};
    }
  }

}

void FlowModel::animate(const FlowGeometry& g, float real_dt) {
  std::unordered_map<std::uint64_t, Point> targets;
  queue_targets(g, targets);
  const float blend = 1.0F - std::exp(-12.0F * std::max(real_dt, 0.0F));
  for (auto it = jobs_.begin(); it != jobs_.end();) {
    JobView& job = it->second;
    Point target;
    if (auto t = targets.find(job.id); t != targets.end()) {
      target = t->second;
    } else if (job.place == JobPlace::queued) {
      target = g.queue.centre();  // behind the drawn queue (collapsed, or past its last slot)
    } else {
      target = target_of(job, g);
    }
    if (!job.placed) {
      // New chips enter at the arrivals column.
      job.pos = {g.arrivals.centre().x, g.arrivals.y + g.arrivals.h * (0.5F + 0.3F * jitter(job.id, 2))};
      job.placed = true;
    }
    job.pos.x += (target.x - job.pos.x) * blend;
    job.pos.y += (target.y - job.pos.y) * blend;
    if (is_ended(job.place)) {
      job.age += real_dt;
      if (job.age > 0.6F) {
        --landing_;
        it = jobs_.erase(it);
        continue;
      }
    }
    ++it;
  }

  for (auto& arc : arcs_) arc.age += real_dt;
  std::erase_if(arcs_, [&](const StealArc& a) { return a.age > options_.steal_arc_seconds; });
  for (auto& lane : lanes_) {
    if (lane.state == LaneState::retired) lane.fade += real_dt;
  }
  std::erase_if(lanes_, [&](const WorkerLane& l) {
    return l.state == LaneState::retired && l.fade > options_.retired_lane_seconds;
  });
}

}  // namespace poolviz::gui
