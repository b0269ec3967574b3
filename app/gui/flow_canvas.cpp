// The flow canvas: arrivals → queue(s) → limiter gate → worker lanes →
// outcome bins, with every visible job drawn where the view model says it is.
// Drawing only: positions, counts and wording come from FlowModel.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

#include "gui/canvas_draw.h"
#include "gui/panels.h"

namespace poolviz::gui {

namespace {

const char* place_words(JobPlace p) {
  switch (p) {
    case JobPlace::arriving: return "arriving";
    case JobPlace::queued: return "waiting in the queue";
    case JobPlace::at_gate: return "held at the limiter gate";
    case JobPlace::running: return "running";
    case JobPlace::retry_wait: return "waiting to retry";
    case JobPlace::completed: return "completed";
    case JobPlace::failed: return "failed";
    case JobPlace::timed_out: return "timed out";
    case JobPlace::cancelled: return "cancelled";
    case JobPlace::rejected: return "rejected";
  }
  return "";
}

std::string capacity_text(std::size_t cap) {
  return cap == 0 ? std::string("unbounded") : count_text(static_cast<std::int64_t>(cap));
}

/// What every step of the canvas reads: the model, the layout, the fonts and
/// the counts of this frame.
struct Frame {
  const FlowModel& model;
  const Scenario& scenario;
  const Theme& theme;
  FlowGeometry g;
  Canvas c;
  FlowCounts counts;
  float scale = 1, line_w = 1, heading_h = 0;
  bool threads = false, worker_queues = false, hovered = false;
  std::size_t capacity = 0;
  ImVec2 mouse{};
};

void draw_headings(const Frame& f) {
  {
    // Each heading sits just above what it names.
    auto heading = [&](float x, float y, const std::string& s, float max_w = 1e9F) {
      const float hy = std::max(y - ImGui::GetFontSize() - 4 * f.scale, -f.heading_h + 2 * f.scale);
      text_fit(f.c, f.theme.regular, f.c.at(x, hy), f.c.pal.text, s, max_w);
    };
    // "Arrivals" goes under its narrow box, where nothing competes with it.
    text_fit(f.c, f.theme.small,
             f.c.at(f.g.arrivals.x, f.g.arrivals.y + f.g.arrivals.h + 3 * f.scale), f.c.pal.text,
             "arrivals", f.g.queue.x - f.g.arrivals.x);
    const bool stages = f.model.options().stage_names.size() > 1;
    std::string q = stages            ? f.model.options().stage_names.front() + " queue "
                    : f.worker_queues ? "Global "
                    : f.model.options().priority_levels > 0 ? "Queues, one per level: "
                                                            : "Queue ";
    q += count_text(f.model.queue_size(-1));
    q += " / " + capacity_text(f.capacity);
    if (!f.threads)
      heading(f.g.queue.x, f.g.queue.y, q,
              (f.worker_queues ? f.g.lanes.x : f.g.gate_x) - f.g.queue.x - 4);
    if (f.threads) heading(f.g.queue.x, f.g.queue.y, "No queue: a thread per job");
    char workers[96];
    if (f.threads) {
      std::snprintf(workers, sizeof workers, "Threads alive: %s (peak %s)",
                    count_text(f.counts.threads_alive).c_str(),
                    count_text(f.counts.peak_threads).c_str());
    } else {
      // "in service" as in the counters row: running plus held at the gate.
      if (f.counts.at_gate > 0) {
        std::snprintf(workers, sizeof workers,
                      "Workers: %lld alive, %lld in service (%lld at the gate)",
                      static_cast<long long>(f.counts.workers_alive),
                      static_cast<long long>(f.counts.running + f.counts.at_gate),
                      static_cast<long long>(f.counts.at_gate));
      } else {
        std::snprintf(workers, sizeof workers, "Workers: %lld alive, %lld in service",
                      static_cast<long long>(f.counts.workers_alive),
                      static_cast<long long>(f.counts.running));
      }
    }
    // Cut by whole words where a narrow canvas (a compare pane) leaves too little room.
    heading(f.g.lanes.x + f.g.lane_queue_w, f.g.lanes.y, workers,
            f.g.bins[0].x - (f.g.lanes.x + f.g.lane_queue_w) - 4);
    if (f.worker_queues && !f.threads)
      heading(f.g.lanes.x, f.g.lanes.y, stages ? "Next stage's queue" : "Own queues");
    heading(f.g.bins[0].x, f.g.bins[0].y, "Outcomes", f.g.bins[0].w);
  }
}

void draw_arrivals(const Frame& f) {
  {
    const auto& r = f.g.arrivals;
    const bool blocked = f.counts.blocked_producers > 0;
    f.c.dl->AddRectFilled(f.c.at(r.x, r.y), f.c.at(r.x + r.w, r.y + r.h),
                          fade(f.c.pal.lane_bg, 0.6F), 4);
    f.c.dl->AddRect(f.c.at(r.x, r.y), f.c.at(r.x + r.w, r.y + r.h),
                    blocked ? rgb(okabe_ito::kOrange) : f.c.pal.lane_border, 4, 0,
                    blocked ? 3 * f.line_w : f.line_w);
    if (blocked) {
      text_centred(f.c, f.theme.small, f.c.at(r.centre().x, r.y + r.h - f.theme.small->FontSize),
                   rgb(okabe_ito::kOrange), "blocked");
    }
    const float y = f.g.queue.centre().y;
    arrow(f.c, f.c.at(r.x + r.w + 2, y), f.c.at(f.g.queue.x - 3, y), f.c.pal.text_dim, f.line_w);
  }
}

/// Priority levels: one queue per level, the most urgent on top, each with its
/// level and how many wait on it (the engine's own split of the shared queue).
void draw_level_bands(const Frame& f, int levels) {
  const float band_h = f.g.queue.h / static_cast<float>(levels);
  for (int band = 0; band < levels; ++band) {
    const int level = levels - 1 - band;
    const float y = f.g.queue.y + static_cast<float>(band) * band_h;
    if (band > 0)
      f.c.dl->AddLine(f.c.at(f.g.queue.x, y), f.c.at(f.g.queue.x + f.g.queue.w, y),
                      f.c.pal.text_dim, f.line_w);
    const std::string label = "level " + std::to_string(level) +
                              (level == levels - 1 ? " (first)" : level == 0 ? " (last)" : "") + ": " +
                              count_text(static_cast<std::int64_t>(f.model.level_order(level).size()));
    // Left of the box, where the queue's tail is: the chips fill from the right.
    text_fit(f.c, f.theme.small, f.c.at(f.g.queue.x + 4, y + band_h - f.theme.small->FontSize - 2),
             f.c.pal.text_dim, label, f.g.queue.w * 0.6F);
  }
}

void draw_queue(const Frame& f) {
  if (!f.threads) {
    const auto& r = f.g.queue;
    const float step = f.g.chip + f.g.gap;
    const int cols = std::max(1, static_cast<int>(r.w / step));
    const int slots = f.g.queue_slots();
    const std::int64_t depth = f.model.queue_size(-1);
    const bool full = f.capacity > 0 && depth >= static_cast<std::int64_t>(f.capacity);
    f.c.dl->AddRectFilled(f.c.at(r.x, r.y), f.c.at(r.x + r.w, r.y + r.h), f.c.pal.lane_bg, 4);
    const int levels = f.model.options().priority_levels;
    if (levels > 0) draw_level_bands(f, levels);
    // Empty cells for the capacity, so a full queue looks full and an empty one empty.
    if (levels == 0 && f.capacity > 0 && static_cast<int>(f.capacity) <= slots &&
        !f.model.queue_collapsed()) {
      for (int i = 0; i < static_cast<int>(f.capacity); ++i) {
        const float x = r.x + static_cast<float>(cols - 1 - i % cols) * step + f.g.gap;
        const float y = r.y + static_cast<float>(i / cols) * step + f.g.gap;
        f.c.dl->AddRect(f.c.at(x, y), f.c.at(x + f.g.chip, y + f.g.chip), f.c.pal.lane_border, 2);
      }
    }
    f.c.dl->AddRect(f.c.at(r.x, r.y), f.c.at(r.x + r.w, r.y + r.h),
                    full ? rgb(okabe_ito::kVermillion) : f.c.pal.lane_border, 4, 0,
                    full ? 3 * f.line_w : f.line_w);
    // Fill bar under the box: depth against the bound (or against the box when unbounded).
    const double denom =
        f.capacity > 0 ? static_cast<double>(f.capacity) : std::max<double>(slots, depth);
    const float frac = static_cast<float>(std::min(1.0, static_cast<double>(depth) / std::max(denom, 1.0)));
    const float by = r.y + r.h + 4 * f.scale;
    f.c.dl->AddRectFilled(f.c.at(r.x, by), f.c.at(r.x + r.w, by + 6 * f.scale), f.c.pal.grid, 3);
    f.c.dl->AddRectFilled(f.c.at(r.x, by), f.c.at(r.x + r.w * frac, by + 6 * f.scale),
                          full ? rgb(okabe_ito::kVermillion) : rgb(okabe_ito::kSkyBlue), 3);
    if (f.model.queue_collapsed()) {
      text_centred(f.c, f.theme.large,
                   f.c.at(r.centre().x, r.centre().y - f.theme.large->FontSize * 0.6F),
                   f.c.pal.text, count_text(depth));
      text_centred(f.c, f.theme.small,
                   f.c.at(r.centre().x, r.centre().y + f.theme.large->FontSize * 0.5F),
                   f.c.pal.text_dim, "jobs waiting (too many to draw)");
    } else if (depth > slots) {
      f.c.dl->AddText(f.theme.small, f.theme.small->FontSize,
                      f.c.at(r.x + 4, r.y + r.h - f.theme.small->FontSize - 2), f.c.pal.text,
                      ("+" + count_text(depth - slots) + " more").c_str());
    }
    if (full) {
      text_fit(f.c, f.theme.small, f.c.at(r.x, by + 8 * f.scale), rgb(okabe_ito::kVermillion),
               std::string(describe(f.scenario.pool.overflow).when_full), r.w);
    }
    if (f.counts.retry_waiting > 0 || f.scenario.workload.retry.max_attempts > 1) {
      const auto& rr = f.g.retry;
      f.c.dl->AddRect(f.c.at(rr.x, rr.y), f.c.at(rr.x + rr.w, rr.y + rr.h), f.c.pal.grid, 4);
      f.c.dl->AddText(f.theme.small, f.theme.small->FontSize,
                      f.c.at(rr.x + 4, rr.y - f.theme.small->FontSize - 2), f.c.pal.text_dim,
                      ("retry backoff: " + count_text(f.counts.retry_waiting)).c_str());
    }
  }
}

/// The limiter's gate: a line the jobs cross, and a gauge of tokens left (or
/// permits in use) under the descriptor's labels.
void draw_gate(const Frame& f) {
  ImDrawList* dl = f.c.dl;
  ImFont* small = f.theme.small;
  const float x = f.g.gate_x;
  const GateView& gate = f.model.gate();
  const bool pulse = gate.last_refill >= 0 && f.model.now() - gate.last_refill < 150 * kMillisecond;
  dl->AddLine(f.c.at(x, f.g.lanes.y), f.c.at(x, f.g.lanes.y + f.g.lanes.h),
              pulse ? rgb(okabe_ito::kOrange) : f.c.pal.lane_border,
              pulse ? 5 * f.line_w : 3 * f.line_w);
  // The gauge: a bucket filling with tokens, or permits in use.
  const float gw = 1.2F * f.g.chip + 6, gh = std::min(f.g.lanes.h * 0.35F, 90 * f.scale);
  const float gx = x - gw / 2;
  const float cap = gate.capacity > 0 ? gate.capacity : std::max<float>(1, static_cast<float>(f.scenario.limiter.burst));
  // Limiter events carry what is left (tokens, free permits); a semaphore's
  // gauge shows permits in use, so 0/2 when idle and 2/2 with two jobs running.
  const LimiterDescriptor& described = describe(f.scenario.limiter.kind);
  const float left = gate.seen ? gate.level : cap;
  const float shown = described.level_is_in_use ? std::max(cap - left, 0.0F) : left;
  const float level = std::clamp(shown / cap, 0.0F, 1.0F);
  const float top = f.g.lanes.y + f.g.lanes.h - gh;
  dl->AddRectFilled(f.c.at(gx, top), f.c.at(gx + gw, top + gh), f.c.pal.canvas_bg, 3);
  dl->AddRectFilled(f.c.at(gx, top + gh * (1 - level)), f.c.at(gx + gw, top + gh),
                    rgb(okabe_ito::kOrange, 220), 3);
  dl->AddRect(f.c.at(gx, top), f.c.at(gx + gw, top + gh), f.c.pal.text_dim, 3, 0, f.line_w);
  char label[64];
  std::snprintf(label, sizeof label, "%.*s %.0f/%.0f", static_cast<int>(described.gauge_label.size()),
                described.gauge_label.data(), shown, cap);
  text_centred(f.c, small, f.c.at(x, top - small->FontSize), f.c.pal.text, label);
  std::snprintf(label, sizeof label, "Gate: %.*s", static_cast<int>(described.gate_label.size()),
                described.gate_label.data());
  // Under the lanes: above them it would cross the Workers heading.
  text_centred(f.c, small, f.c.at(x, f.g.lanes.y + f.g.lanes.h + small->FontSize * 0.9F),
               f.c.pal.text, label);
}

void draw_queue_to_lanes(const Frame& f) {
  if (!f.threads) {
    const float qx = f.g.queue.x + f.g.queue.w + 2;
    const float qy = f.g.queue.centre().y;
    if (f.worker_queues) {
      for (std::size_t row = 0; row < f.model.lanes().size(); ++row) {
        const auto r = f.g.lane(static_cast<int>(row));
        f.c.dl->AddLine(f.c.at(qx, qy), f.c.at(r.x - 2, r.y + r.h / 2),
                        fade(f.c.pal.text_dim, 0.35F), f.line_w);
      }
    } else {
      arrow(f.c, f.c.at(qx, qy), f.c.at(f.g.lanes.x - 3, qy), f.c.pal.text_dim, f.line_w);
    }
  }
}

const WorkerLane* draw_lanes(const Frame& f) {
  const WorkerLane* hovered_lane = nullptr;
  if (!f.threads) {
    const float fs = f.theme.small->FontSize;
    for (std::size_t row = 0; row < f.model.lanes().size(); ++row) {
      const WorkerLane& lane = f.model.lanes()[row];
      const auto r = f.g.lane(static_cast<int>(row));
      const float alpha =
          lane.state == LaneState::retired
              ? std::clamp(1.0F - lane.fade / f.model.options().retired_lane_seconds, 0.15F, 1.0F)
              : 1.0F;
      ImU32 bg = f.c.pal.lane_bg;
      if (lane.state == LaneState::busy) bg = f.c.pal.lane_busy_bg;
      if (lane.state == LaneState::waiting_gate) bg = rgb(okabe_ito::kOrange, 60);
      const float x0 = r.x + f.g.lane_queue_w;
      f.c.dl->AddRectFilled(f.c.at(x0, r.y), f.c.at(r.x + r.w, r.y + r.h), fade(bg, alpha), 4);
      const bool fresh = !lane.note.empty() && lane.state != LaneState::retired &&
                         f.model.now() - lane.spawned_at < 2 * kSecond;
      f.c.dl->AddRect(f.c.at(x0, r.y), f.c.at(r.x + r.w, r.y + r.h),
                      fresh ? rgb(okabe_ito::kBluishGreen) : fade(f.c.pal.lane_border, alpha), 4, 0,
                      fresh ? 3 * f.line_w : f.line_w);
      if (f.worker_queues) {
        f.c.dl->AddRectFilled(f.c.at(r.x, r.y), f.c.at(x0 - f.g.gap, r.y + r.h),
                              fade(f.c.pal.lane_bg, alpha * 0.7F), 3);
        f.c.dl->AddRect(f.c.at(r.x, r.y), f.c.at(x0 - f.g.gap, r.y + r.h),
                        fade(f.c.pal.grid, alpha), 3);
        const auto n = f.model.queue_size(lane.id);
        const int fits =
            std::max(1, static_cast<int>((f.g.lane_queue_w - f.g.gap) / (f.g.chip + f.g.gap)));
        if (n > fits) {
          f.c.dl->AddText(f.theme.small, fs, f.c.at(r.x + 3, r.y + (r.h - fs) / 2), f.c.pal.text,
                          ("+" + count_text(n - fits + 1)).c_str());
        }
      }
      // Name, then what it is doing, in words.
      const std::string name = f.model.lane_name(lane.id);
      const float text_y = r.y + (r.h - fs) / 2;
      const float name_x = x0 + 7.5F * f.g.chip;
      std::string what;
      const JobView* job = lane.job != 0 ? f.model.job(lane.job) : nullptr;
      switch (lane.state) {
        case LaneState::idle: what = "idle"; break;
        case LaneState::waiting_gate: what = "job " + std::to_string(lane.job) + " held at the gate"; break;
        case LaneState::busy: {
          what = "job " + std::to_string(lane.job);
          if (job != nullptr && job->attempt > 1) what += " (try " + std::to_string(job->attempt) + ")";
          break;
        }
        case LaneState::retired: what = "retired: " + lane.note; break;
      }
      if (fresh) what += "  (new: " + lane.note + ")";
      if (const std::string stage = f.model.lane_stage(lane.id); !stage.empty())
        what = stage + ": " + what;
      f.c.dl->AddText(f.theme.small, fs, f.c.at(x0 + 4, text_y), fade(f.c.pal.text, alpha),
                      name.c_str());
      // Progress bar behind the running job's words.
      const float bar_x = name_x, bar_w = r.x + r.w - 6 - bar_x;
      if (lane.state == LaneState::busy && job != nullptr && bar_w > 20 && r.h > fs * 0.8F) {
        const float bh = std::min(r.h - 4, fs + 4);
        const float by = r.y + (r.h - bh) / 2;
        f.c.dl->AddRectFilled(
            f.c.at(bar_x, by),
            f.c.at(bar_x + bar_w * std::clamp(job->progress, 0.0F, 1.0F), by + bh),
            rgb(okabe_ito::kBlue, 110), 3);
      }
      text_fit(f.c, f.theme.small, f.c.at(bar_x + 4, text_y), fade(f.c.pal.text, alpha), what,
               std::max(0.0F, bar_w - 8));
      if (f.hovered && f.mouse.x >= f.c.at(r.x, 0).x && f.mouse.x <= f.c.at(r.x + r.w, 0).x &&
          f.mouse.y >= f.c.at(0, r.y).y && f.mouse.y <= f.c.at(0, r.y + r.h).y) {
        hovered_lane = &lane;
      }
    }
    if (f.model.lanes().empty()) {
      text_centred(f.c, f.theme.small, f.c.at(f.g.lanes.centre()), f.c.pal.text_dim,
                   "no workers yet");
    }
  } else {
    const auto& r = f.g.lanes;
    f.c.dl->AddRect(f.c.at(r.x, r.y), f.c.at(r.x + r.w, r.y + r.h), f.c.pal.lane_border, 4, 0,
                    f.line_w);
    const float step = f.g.chip + f.g.gap;
    const std::int64_t cells = static_cast<std::int64_t>(std::max(1.0F, r.w / step)) *
                               static_cast<std::int64_t>(std::max(1.0F, r.h / step));
    const std::int64_t threads_now = std::max(f.counts.threads_alive, f.counts.running);
    if (threads_now > cells) {
      text_fit(f.c, f.theme.small, f.c.at(r.x, r.y + r.h + 2 * f.scale), f.c.pal.text,
               "+" + count_text(threads_now - cells) + " more threads than fit here", r.w);
    }
  }
  // Lanes → bins.
  {
    const float x = f.g.lanes.x + f.g.lanes.w + 3;
    arrow(f.c, f.c.at(x, f.g.lanes.centre().y), f.c.at(f.g.bins[0].x - 4, f.g.lanes.centre().y),
          f.c.pal.text_dim, f.line_w);
  }

  return hovered_lane;
}

void draw_bins(const Frame& f) {
  for (int i = 0; i < kBinCount; ++i) {
    const auto& r = f.g.bins[i];
    const JobPlace place = static_cast<JobPlace>(static_cast<int>(JobPlace::completed) + i);
    f.c.dl->AddRectFilled(f.c.at(r.x, r.y), f.c.at(r.x + r.w, r.y + r.h), f.c.pal.lane_bg, 4);
    f.c.dl->AddRectFilled(f.c.at(r.x, r.y), f.c.at(r.x + 5 * f.scale, r.y + r.h), f.c.pal.of(place),
                          4, ImDrawFlags_RoundCornersLeft);
    const std::uint64_t n = f.counts.bin(i);
    const float fh = std::min(f.theme.large->FontSize, r.h * 0.55F);
    f.c.dl->AddText(f.theme.large, fh,
                    f.c.at(r.x + r.w - 8 -
                               f.theme.large
                                   ->CalcTextSizeA(fh, FLT_MAX, 0,
                                                   count_text(static_cast<std::int64_t>(n)).c_str())
                                   .x,
                           r.y + (r.h - fh) / 2),
                    n > 0 ? f.c.pal.text : f.c.pal.text_dim,
                    count_text(static_cast<std::int64_t>(n)).c_str());
    // A scenario may word a bin as its front end answers (HTTP: "503 queue full").
    const std::string* custom = place == JobPlace::completed  ? &f.scenario.view.completed_label
                                : place == JobPlace::rejected ? &f.scenario.view.rejected_label
                                                              : nullptr;
    f.c.dl->AddText(f.theme.small, std::min(f.theme.small->FontSize, r.h * 0.45F),
                    f.c.at(r.x + 9 * f.scale, r.y + 3), f.c.pal.text_dim,
                    custom != nullptr && !custom->empty() ? custom->c_str() : bin_name(i));
  }
}

void draw_steal_arcs(const Frame& f) {
  for (const StealArc& arc : f.model.steal_arcs()) {
    const int rv = f.model.lane_row(arc.victim), rt = f.model.lane_row(arc.thief);
    if (rv < 0 || rt < 0) continue;
    const auto a = f.g.lane(rv), b = f.g.lane(rt);
    const float alpha =
        std::clamp(1.0F - arc.age / f.model.options().steal_arc_seconds, 0.0F, 1.0F);
    const ImVec2 p0 = f.c.at(a.x + f.g.lane_queue_w * 0.5F, a.y + a.h / 2);
    const ImVec2 p3 = f.c.at(b.x + f.g.lane_queue_w * 0.5F, b.y + b.h / 2);
    const float bulge = std::min(60 * f.scale, std::abs(p3.y - p0.y) * 0.5F + 14 * f.scale);
    const ImVec2 p1(p0.x - bulge, p0.y), p2(p3.x - bulge, p3.y);
    const ImU32 col = fade(rgb(okabe_ito::kOrange), alpha);
    f.c.dl->AddBezierCubic(p0, p1, p2, p3, col, 2.5F * f.line_w);
    arrow(f.c, ImVec2(p3.x - 10 * f.scale, p3.y), p3, col, 2 * f.line_w);
  }
}

const JobView* draw_chips(const Frame& f) {
  const JobView* hovered_job = nullptr;
  const bool collapsed = f.model.queue_collapsed();
  const bool show_priority = !f.scenario.workload.priorities.empty() && f.g.chip >= 12;
  const float half = f.g.chip / 2;
  for (const auto& [id, job] : f.model.jobs()) {
    if (!job.placed) continue;
    if (collapsed && job.place == JobPlace::queued && job.lane < 0) continue;
    const ImVec2 p = f.c.at(job.pos);
    const float alpha = is_ended(job.place) ? std::clamp(1.2F - job.age / 0.6F, 0.0F, 1.0F) : 1.0F;
    const ImU32 fill = fade(f.c.pal.of(job.place), alpha);
    f.c.dl->AddRectFilled(ImVec2(p.x - half, p.y - half), ImVec2(p.x + half, p.y + half), fill, 3);
    if (f.g.chip >= 8)
      f.c.dl->AddRect(ImVec2(p.x - half, p.y - half), ImVec2(p.x + half, p.y + half),
                      fade(f.c.pal.chip_border, alpha), 3);
    if (job.tag == 1 && f.g.chip >= 8) {  // a slow job (bimodal): a dark corner
      f.c.dl->AddTriangleFilled(ImVec2(p.x + half, p.y - half), ImVec2(p.x + half, p.y),
                                ImVec2(p.x, p.y - half), fade(rgb(0x000000, 200), alpha));
    }
    if (show_priority) {
      char digit[8];
      std::snprintf(digit, sizeof digit, "%d", job.priority);
      const float fs = f.g.chip * 0.8F;
      const ImVec2 ts = f.theme.small->CalcTextSizeA(fs, FLT_MAX, 0, digit);
      const bool light_fill = job.place == JobPlace::queued || job.place == JobPlace::retry_wait ||
                              job.place == JobPlace::arriving || job.place == JobPlace::at_gate;
      f.c.dl->AddText(f.theme.small, fs, ImVec2(p.x - ts.x / 2, p.y - ts.y / 2),
                      light_fill ? rgb(0x000000, 230) : rgb(0xFFFFFF, 230), digit);
    }
    if (f.hovered && std::abs(f.mouse.x - p.x) <= half + 1 && std::abs(f.mouse.y - p.y) <= half + 1)
      hovered_job = &job;
  }

  return hovered_job;
}

void draw_tooltips(const Frame& f, const JobView* hovered_job, const WorkerLane* hovered_lane) {
  if (hovered_job != nullptr) {
    const JobView& j = *hovered_job;
    const double now = to_seconds(f.model.now());
    ImGui::BeginTooltip();
    ImGui::Text("job %llu: %s", static_cast<unsigned long long>(j.id), place_words(j.place));
    if ((j.place == JobPlace::running || j.place == JobPlace::at_gate) && j.lane >= 0) {
      ImGui::Text("on %s %d", f.threads ? "thread" : "worker", j.lane);
    }
    if (j.started_at >= 0) {
      ImGui::Text("waited %.0f ms", to_ms(j.started_at - j.submitted_at));
      if (j.place == JobPlace::running) {
        ImGui::Text("running for %.0f ms (%.0f%%)", (now - to_seconds(j.started_at)) * 1000, j.progress * 100);
      }
    } else if (!is_ended(j.place)) {
      ImGui::Text("waiting for %.0f ms", (now - to_seconds(j.submitted_at)) * 1000);
    }
    ImGui::Text("attempt %d, priority %d%s", std::max(j.attempt, 1), j.priority, j.tag == 1 ? ", slow job" : "");
    ImGui::EndTooltip();
  } else if (hovered_lane != nullptr) {
    const WorkerLane& l = *hovered_lane;
    ImGui::BeginTooltip();
    ImGui::Text("worker %d: %llu jobs done", l.id, static_cast<unsigned long long>(l.jobs_done));
    ImGui::Text("in this state since %.1f s", to_seconds(l.since));
    if (!l.note.empty()) ImGui::Text("%s", l.note.c_str());
    if (f.model.has_worker_queues())
      ImGui::Text("%lld jobs in its own queue", static_cast<long long>(f.model.queue_size(l.id)));
    ImGui::EndTooltip();
  }
}

/// The layout for this frame: lanes by worker count (a thread cloud for
/// thread-per-task), chips as large as the room allows, the queue box sized
/// for its bound (or the deepest queue seen).
FlowGeometry layout(const FlowModel& model, const Frame& f, ImVec2 size) {
  const float scale = f.scale;
  const bool threads = f.threads;
  const int lane_count = threads ? 40 : std::max<int>(static_cast<int>(model.lanes().size()), 1);
  // Chips grow when there is room (few lanes, a big window) and shrink for many lanes.
  const float usable_h = size.y - f.heading_h;
  const float room = threads ? 13 * scale : usable_h / (static_cast<float>(std::max(lane_count, 5)) * 3.8F);
  float chip = std::round(std::clamp(room, 11 * scale, 20 * scale));
  const std::int64_t queue_hint =
      f.capacity > 0 ? static_cast<std::int64_t>(f.capacity) : std::max<std::int64_t>(model.peak_queue(), 1);
  FlowGeometry g = FlowGeometry::make(size.x, usable_h, chip, lane_count, f.worker_queues, queue_hint);
  if (threads) {
    // Thread-per-task has no lanes: the thread cloud takes the lanes' whole column.
    g.lane_height = (usable_h - 2 * chip) / static_cast<float>(lane_count);
    g.lanes.y = chip;
    g.lanes.h = usable_h - 2 * chip;
  } else if (g.lane_height < chip * 1.6F) {
    chip = std::max(4.0F, std::floor(g.lane_height / 1.6F));
    g = FlowGeometry::make(size.x, usable_h, chip, lane_count, f.worker_queues, queue_hint);
  }
  return g;
}

void draw_overlays(Session& session, const Theme& theme, ImVec2 top_left, ImVec2 size) {
  const Palette& pal = theme.colours();
  ImDrawList* dl = ImGui::GetWindowDrawList();
  const Canvas c{dl, top_left, pal, theme};
  if (!session.hints) {
  } else if (session.finished()) {
    text_centred(c, theme.regular, ImVec2(top_left.x + size.x / 2, top_left.y + size.y - ImGui::GetFontSize()),
                 pal.accent, "Run finished: press R to run it again");
  } else if (session.paused()) {
    text_centred(c, theme.regular, ImVec2(top_left.x + size.x / 2, top_left.y + size.y - ImGui::GetFontSize()),
                 pal.accent,
                 session.now_seconds() <= 0 ? "Press Space to start ('.' steps 0.1 s)"
                                            : "Paused: press Space to play, '.' to step");
  }
}

}  // namespace

void draw_flow_canvas(Session& session, const Theme& theme, ImVec2 size, float real_dt) {
  FlowModel& model = session.model();
  const Scenario& scenario = session.scenario();
  const Palette& pal = theme.colours();
  const float scale = theme.scale();

  ImGui::InvisibleButton("flow-canvas", size);
  const bool hovered = ImGui::IsItemHovered();
  const ImVec2 top_left = ImGui::GetItemRectMin();
  ImDrawList* dl = ImGui::GetWindowDrawList();
  dl->AddRectFilled(top_left, ImVec2(top_left.x + size.x, top_left.y + size.y), pal.canvas_bg, 6);
  dl->PushClipRect(top_left, ImVec2(top_left.x + size.x, top_left.y + size.y), true);

  // Headings take a strip at the top; the geometry is the rest.
  const float heading_h = ImGui::GetFontSize() + 8 * scale;
  Frame f{model, scenario, theme, {}, Canvas{dl, ImVec2(top_left.x, top_left.y + heading_h), pal, theme}, model.counts()};
  f.scale = scale;
  f.line_w = std::max(1.0F, scale * 1.5F);
  f.heading_h = heading_h;
  f.threads = model.options().threads_mode;
  f.worker_queues = model.has_worker_queues() || scenario.stages.size() > 1 || has_worker_queues(scenario.pool);
  f.hovered = hovered;
  f.capacity = session.edited().pool.queue_capacity;
  f.mouse = ImGui::GetIO().MousePos;
  f.g = layout(model, f, size);
  model.animate(f.g, real_dt);

  draw_headings(f);
  draw_arrivals(f);
  if (!f.threads) draw_queue(f);
  if (scenario.limiter.kind != LimiterKind::none && !f.threads) draw_gate(f);
  if (!f.threads) draw_queue_to_lanes(f);
  const WorkerLane* hovered_lane = draw_lanes(f);
  draw_bins(f);
  draw_steal_arcs(f);
  const JobView* hovered_job = draw_chips(f);
  draw_overlays(session, theme, top_left, size);
  dl->PopClipRect();
  draw_tooltips(f, hovered_job, hovered_lane);
}

}  // namespace poolviz::gui
