// The flow canvas: arrivals → queue(s) → limiter gate → worker lanes →
// outcome bins, with every visible job drawn where the view model says it is.
// Drawing only: positions, counts and wording come from FlowModel.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
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

/// Too many lanes for a line of text each (32 or 50 workers in a compare
/// pane): lanes are drawn compact, without words, under a one-line summary.
bool compact_lanes(const Frame& f) { return f.g.lane(0).h < f.theme.small->FontSize; }

void draw_headings(const Frame& f) {
  const FlowModel& model = f.model;
  const FlowGeometry& g = f.g;
  const Canvas& c = f.c;
  const Palette& pal = f.c.pal;
  ImFont* small = f.theme.small;
  const Theme& theme = f.theme;
  const FlowCounts& counts = f.counts;
  const float scale = f.scale;
  const bool threads = f.threads, worker_queues = f.worker_queues;
  const std::size_t capacity = f.capacity;
  {
    // Each heading sits just above what it names.
    auto heading = [&](float x, float y, const std::string& s, float max_w = 1e9F) {
      const float hy = std::max(y - ImGui::GetFontSize() - 4 * scale, -f.heading_h + 2 * scale);
      text_fit(c, theme.regular, c.at(x, hy), pal.text, s, max_w);
    };
    // "Arrivals" goes under its narrow box, where nothing competes with it.
    text_fit(c, small, c.at(g.arrivals.x, g.arrivals.y + g.arrivals.h + 3 * scale), pal.text, "arrivals",
             g.queue.x - g.arrivals.x);
    const bool stages = model.options().stage_names.size() > 1;
    std::string q = stages                                ? model.options().stage_names.front() + " queue "
                    : worker_queues                       ? "Global "
                    : model.options().priority_levels > 0 ? "Queues, one per level: "
                                                          : "Queue ";
    q += count_text(model.queue_size(-1));
    q += " / " + capacity_text(capacity);
    if (!threads) heading(g.queue.x, g.queue.y, q, (worker_queues ? g.lanes.x : g.gate_x) - g.queue.x - 4);
    if (threads) heading(g.queue.x, g.queue.y, "No queue: a thread per job");
    char workers[96];
    if (threads) {
      std::snprintf(workers, sizeof workers, "Threads alive: %s (peak %s)",
                    count_text(counts.threads_alive).c_str(), count_text(counts.peak_threads).c_str());
    } else {
      // "running" as in the counters row and the plots; jobs held at a gate apart.
      if (counts.at_gate > 0) {
        std::snprintf(workers, sizeof workers, "Workers: %lld alive, %lld running, %lld held at the gate",
                      static_cast<long long>(counts.workers_alive), static_cast<long long>(counts.running),
                      static_cast<long long>(counts.at_gate));
      } else {
        std::snprintf(workers, sizeof workers, "Workers: %lld alive, %lld running",
                      static_cast<long long>(counts.workers_alive), static_cast<long long>(counts.running));
      }
    }
    // Compact lanes, or a narrow canvas (a compare pane), get the short form,
    // whole, rather than a long one cut mid-phrase ("Workers: 5 alive, 5 in...").
    const float workers_w = g.bins[0].x - (g.lanes.x + g.lane_queue_w) - 4;
    if (!threads && (compact_lanes(f) || theme.regular->CalcTextSizeA(theme.regular->FontSize, FLT_MAX, 0,
                                                                     workers).x > workers_w)) {
      std::snprintf(workers, sizeof workers, "%lld worker%s: %lld running", static_cast<long long>(counts.workers_alive),
                    counts.workers_alive == 1 ? "" : "s", static_cast<long long>(counts.running));
      if (counts.at_gate > 0) {
        const std::size_t used = std::strlen(workers);
        std::snprintf(workers + used, sizeof workers - used, ", %lld at gate", static_cast<long long>(counts.at_gate));
      }
    }
    heading(g.lanes.x + g.lane_queue_w, g.lanes.y, workers, workers_w);
    if (worker_queues && !threads) heading(g.lanes.x, g.lanes.y, stages ? "Next stage's queue" : "Own queues");
    heading(g.bins[0].x, g.bins[0].y, "Outcomes", g.bins[0].w);
  }

}

void draw_arrivals(const Frame& f) {
  const FlowGeometry& g = f.g;
  const Canvas& c = f.c;
  const Palette& pal = f.c.pal;
  ImDrawList* dl = f.c.dl;
  ImFont* small = f.theme.small;
  const FlowCounts& counts = f.counts;
  const float line_w = f.line_w;
  {
    const auto& r = g.arrivals;
    const bool blocked = counts.blocked_producers > 0;
    dl->AddRectFilled(c.at(r.x, r.y), c.at(r.x + r.w, r.y + r.h), fade(pal.lane_bg, 0.6F), 4);
    dl->AddRect(c.at(r.x, r.y), c.at(r.x + r.w, r.y + r.h),
                blocked ? rgb(okabe_ito::kOrange) : pal.lane_border, 4, 0, blocked ? 3 * line_w : line_w);
    if (blocked) {  // above the box: inside, the waiting producer's chip covers it
      text_centred(c, small, c.at(r.centre().x, r.y - small->FontSize * 0.7F), rgb(okabe_ito::kOrange), "blocked");
    }
    const float y = g.queue.centre().y;
    arrow(c, c.at(r.x + r.w + 2, y), c.at(g.queue.x - 3, y), pal.text_dim, line_w);
  }

}

/// Priority levels: one queue per level, the most urgent on top, each with its
/// level and how many wait on it (the engine's own split of the shared queue).
void draw_level_bands(const Frame& f, int levels) {
  const auto& r = f.g.queue;
  const Canvas& c = f.c;
  ImFont* small = f.theme.small;
  const float band_h = r.h / static_cast<float>(levels);
  for (int band = 0; band < levels; ++band) {
    const int level = levels - 1 - band;
    const float y = r.y + static_cast<float>(band) * band_h;
    if (band > 0) c.dl->AddLine(c.at(r.x, y), c.at(r.x + r.w, y), c.pal.text_dim, f.line_w);
    const std::string label = "level " + std::to_string(level) +
                              (level == levels - 1 ? " (first)" : level == 0 ? " (last)" : "") + ": " +
                              count_text(static_cast<std::int64_t>(f.model.level_order(level).size()));
    // Left of the box, where the queue's tail is: the chips fill from the right.
    text_fit(c, small, c.at(r.x + 4, y + band_h - small->FontSize - 2), c.pal.text_dim, label, r.w * 0.6F);
  }
}

void draw_queue(const Frame& f) {
  const FlowModel& model = f.model;
  const Scenario& scenario = f.scenario;
  const FlowGeometry& g = f.g;
  const Canvas& c = f.c;
  const Palette& pal = f.c.pal;
  ImDrawList* dl = f.c.dl;
  ImFont* small = f.theme.small;
  ImFont* large = f.theme.large;
  const FlowCounts& counts = f.counts;
  const float scale = f.scale, line_w = f.line_w;
  const bool threads = f.threads;
  const std::size_t capacity = f.capacity;
  if (!threads) {
    const auto& r = g.queue;
    const float step = g.chip + g.gap;
    const int cols = std::max(1, static_cast<int>(r.w / step));
    const int slots = g.queue_slots();
    const std::int64_t depth = model.queue_size(-1);
    const bool full = capacity > 0 && depth >= static_cast<std::int64_t>(capacity);
    dl->AddRectFilled(c.at(r.x, r.y), c.at(r.x + r.w, r.y + r.h), pal.lane_bg, 4);
    const int levels = model.options().priority_levels;
    if (levels > 0) draw_level_bands(f, levels);
    // Empty cells for the capacity, so a full queue looks full and an empty one empty.
    if (levels == 0 && capacity > 0 && static_cast<int>(capacity) <= slots && !model.queue_collapsed()) {
      for (int i = 0; i < static_cast<int>(capacity); ++i) {
        const float x = r.x + static_cast<float>(cols - 1 - i % cols) * step + g.gap;
        const float y = r.y + static_cast<float>(i / cols) * step + g.gap;
        dl->AddRect(c.at(x, y), c.at(x + g.chip, y + g.chip), pal.lane_border, 2);
      }
    }
    dl->AddRect(c.at(r.x, r.y), c.at(r.x + r.w, r.y + r.h), full ? rgb(okabe_ito::kVermillion) : pal.lane_border,
                4, 0, full ? 3 * line_w : line_w);
    // Fill bar under the box: depth against the bound (or against the box when unbounded).
    const double denom = capacity > 0 ? static_cast<double>(capacity) : std::max<double>(slots, depth);
    const float frac = static_cast<float>(std::min(1.0, static_cast<double>(depth) / std::max(denom, 1.0)));
    const float by = r.y + r.h + 4 * scale;
    dl->AddRectFilled(c.at(r.x, by), c.at(r.x + r.w, by + 6 * scale), pal.grid, 3);
    dl->AddRectFilled(c.at(r.x, by), c.at(r.x + r.w * frac, by + 6 * scale),
                      full ? rgb(okabe_ito::kVermillion) : rgb(okabe_ito::kSkyBlue), 3);
    if (model.queue_collapsed()) {
      text_centred(c, large, c.at(r.centre().x, r.centre().y - large->FontSize * 0.6F), pal.text,
                   count_text(depth));
      text_centred(c, small, c.at(r.centre().x, r.centre().y + large->FontSize * 0.5F), pal.text_dim,
                   "jobs waiting (too many to draw)");
    }
    // Words about the queue go under its fill bar, never inside the box where
    // the chips would cover them: "+10 more" (not drawn) at the right, what a
    // full queue does at the left.
    float more_w = 0;
    if (!model.queue_collapsed() && depth > slots) {
      const std::string more = "+" + count_text(depth - slots) + " more";
      more_w = small->CalcTextSizeA(small->FontSize, FLT_MAX, 0, more.c_str()).x + 6 * scale;
      dl->AddText(small, small->FontSize, c.at(r.x + r.w - more_w + 6 * scale, by + 8 * scale), pal.text, more.c_str());
    }
    if (full) {
      // The long words where they fit, else the short ones: never cut mid-word.
      const OverflowDescriptor& d = describe(scenario.pool.overflow);
      const float room = r.w - more_w;
      const bool fits = small->CalcTextSizeA(small->FontSize * 0.85F, FLT_MAX, 0, d.when_full.data(),
                                             d.when_full.data() + d.when_full.size()).x <= room;
      text_fit(c, small, c.at(r.x, by + 8 * scale), rgb(okabe_ito::kVermillion),
               std::string(fits ? d.when_full : d.when_full_short), room);
    }
    if (counts.retry_waiting > 0 || scenario.workload.retry.max_attempts > 1) {
      const auto& rr = g.retry;
      dl->AddRect(c.at(rr.x, rr.y), c.at(rr.x + rr.w, rr.y + rr.h), pal.grid, 4);
      dl->AddText(small, small->FontSize, c.at(rr.x + 4, rr.y - small->FontSize - 2), pal.text_dim,
                  ("retry backoff: " + count_text(counts.retry_waiting)).c_str());
    }
  }

}

/// The limiter's gate: a line the jobs cross, and a gauge of tokens left (or
/// permits in use) under the descriptor's labels.
void draw_gate(const Frame& f) {
  const FlowGeometry& g = f.g;
  const Canvas& c = f.c;
  ImDrawList* dl = c.dl;
  ImFont* small = f.theme.small;
  const float x = g.gate_x;
  const GateView& gate = f.model.gate();
  const bool pulse = gate.last_refill >= 0 && f.model.now() - gate.last_refill < 150 * kMillisecond;
  dl->AddLine(c.at(x, g.lanes.y), c.at(x, g.lanes.y + g.lanes.h),
              pulse ? rgb(okabe_ito::kOrange) : c.pal.lane_border, pulse ? 5 * f.line_w : 3 * f.line_w);
  // The gauge: a bucket filling with tokens, or permits in use.
  const float gw = 1.2F * g.chip + 6, gh = std::min(g.lanes.h * 0.35F, 90 * f.scale);
  const float gx = x - gw / 2;
  const float cap = gate.capacity > 0 ? gate.capacity : std::max<float>(1, static_cast<float>(f.scenario.limiter.burst));
  // Limiter events carry what is left (tokens, free permits); a semaphore's
  // gauge shows permits in use, so 0/2 when idle and 2/2 with two jobs running.
  const LimiterDescriptor& described = describe(f.scenario.limiter.kind);
  const float left = gate.seen ? gate.level : cap;
  const float shown = described.level_is_in_use ? std::max(cap - left, 0.0F) : left;
  const float level = std::clamp(shown / cap, 0.0F, 1.0F);
  const float top = g.lanes.y + g.lanes.h - gh;
  dl->AddRectFilled(c.at(gx, top), c.at(gx + gw, top + gh), c.pal.canvas_bg, 3);
  dl->AddRectFilled(c.at(gx, top + gh * (1 - level)), c.at(gx + gw, top + gh), rgb(okabe_ito::kOrange, 220), 3);
  dl->AddRect(c.at(gx, top), c.at(gx + gw, top + gh), c.pal.text_dim, 3, 0, f.line_w);
  char label[64];
  std::snprintf(label, sizeof label, "%.*s %.0f/%.0f", static_cast<int>(described.gauge_label.size()),
                described.gauge_label.data(), shown, cap);
  // Ending at the gauge's right edge: centred, it would run into the first
  // lane, where a compare pane's lanes start right after the gate.
  const float label_w = small->CalcTextSizeA(small->FontSize, FLT_MAX, 0, label).x;
  dl->AddText(small, small->FontSize, c.at(gx + gw - label_w, top - small->FontSize * 1.5F), c.pal.text, label);
  std::snprintf(label, sizeof label, "Gate: %.*s", static_cast<int>(described.gate_label.size()),
                described.gate_label.data());
  // Under the lanes: above them it would cross the Workers heading.
  text_centred(c, small, c.at(x, g.lanes.y + g.lanes.h + small->FontSize * 0.9F), c.pal.text, label);
}

void draw_queue_to_lanes(const Frame& f) {
  const FlowModel& model = f.model;
  const FlowGeometry& g = f.g;
  const Canvas& c = f.c;
  const Palette& pal = f.c.pal;
  const float line_w = f.line_w;
  const bool threads = f.threads, worker_queues = f.worker_queues;
  if (!threads) {
    const float qx = g.queue.x + g.queue.w + 2;
    const float qy = g.queue.centre().y;
    if (worker_queues) {
      for (std::size_t row = 0; row < model.lanes().size(); ++row) {
        const auto r = g.lane(static_cast<int>(row));
        c.dl->AddLine(c.at(qx, qy), c.at(r.x - 2, r.y + r.h / 2), fade(pal.text_dim, 0.35F), line_w);
      }
    } else {
      arrow(c, c.at(qx, qy), c.at(g.lanes.x - 3, qy), pal.text_dim, line_w);
    }
  }

}

const WorkerLane* draw_lanes(const Frame& f) {
  const FlowModel& model = f.model;
  const FlowGeometry& g = f.g;
  const Canvas& c = f.c;
  const Palette& pal = f.c.pal;
  ImDrawList* dl = f.c.dl;
  ImFont* small = f.theme.small;
  const FlowCounts& counts = f.counts;
  const float scale = f.scale, line_w = f.line_w;
  const bool threads = f.threads, worker_queues = f.worker_queues;
  const bool hovered = f.hovered;
  const ImVec2 mouse = f.mouse;
  const WorkerLane* hovered_lane = nullptr;
  if (!threads) {
    const float fs = small->FontSize;
    const bool compact = compact_lanes(f);  // no words per lane; the Workers heading sums them up
    for (std::size_t row = 0; row < model.lanes().size(); ++row) {
      const WorkerLane& lane = model.lanes()[row];
      const auto r = g.lane(static_cast<int>(row));
      const float alpha =
          lane.state == LaneState::retired
              ? std::clamp(1.0F - lane.fade / model.options().retired_lane_seconds, 0.15F, 1.0F)
              : 1.0F;
      ImU32 bg = pal.lane_bg;
      if (lane.state == LaneState::busy) bg = pal.lane_busy_bg;
      if (lane.state == LaneState::waiting_gate || lane.blocked) bg = rgb(okabe_ito::kOrange, 60);
      const float x0 = r.x + g.lane_queue_w;
      dl->AddRectFilled(c.at(x0, r.y), c.at(r.x + r.w, r.y + r.h), fade(bg, alpha), 4);
      const bool fresh = !lane.note.empty() && lane.state != LaneState::retired &&
                         model.now() - lane.spawned_at < 2 * kSecond;
      dl->AddRect(c.at(x0, r.y), c.at(r.x + r.w, r.y + r.h),
                  fresh ? rgb(okabe_ito::kBluishGreen) : fade(pal.lane_border, alpha), 4, 0,
                  fresh ? 3 * line_w : line_w);
      if (worker_queues) {
        dl->AddRectFilled(c.at(r.x, r.y), c.at(x0 - g.gap, r.y + r.h), fade(pal.lane_bg, alpha * 0.7F), 3);
        dl->AddRect(c.at(r.x, r.y), c.at(x0 - g.gap, r.y + r.h), fade(pal.grid, alpha), 3);
        const auto n = model.queue_size(lane.id);
        const int fits = std::max(1, static_cast<int>((g.lane_queue_w - g.gap) / (g.chip + g.gap)));
        if (n > fits) {
          dl->AddText(small, fs, c.at(r.x + 3, r.y + (r.h - fs) / 2), pal.text, ("+" + count_text(n - fits + 1)).c_str());
        }
      }
      // Name, then what it is doing, in words.
      const std::string name = model.lane_name(lane.id);
      const float text_y = r.y + (r.h - fs) / 2;
      std::string what;
      const JobView* job = lane.job != 0 ? model.job(lane.job) : nullptr;
      switch (lane.state) {
        case LaneState::idle: what = "idle"; break;
        case LaneState::waiting_gate: what = "job " + std::to_string(lane.job) + " held at the gate"; break;
        case LaneState::busy: {
          what = "job " + std::to_string(lane.job);
          if (job != nullptr && job->attempt > 1) what += " (try " + std::to_string(job->attempt) + ")";
          if (lane.blocked) what += " done, blocked: next queue full";
          break;
        }
        case LaneState::retired: what = "retired: " + lane.note; break;
      }
      if (fresh) what += "  (new: " + lane.note + ")";
      // A pipeline's lane says its stage where the words are ("parse 0: job 61"):
      // the short column left of the chip has no room for a stage name.
      const bool staged = !model.lane_stage(lane.id).empty();
      if (staged) what = name + ": " + what;
      if (!compact && !staged) dl->AddText(small, fs, c.at(x0 + 4, text_y), fade(pal.text, alpha), name.c_str());
      // Progress bar behind the running job's words (the whole lane's height when compact: a heat strip).
      // The words start right of the running chip (at 4.5 chips); a lane named on its left needs more room.
      const float bar_x = x0 + (staged ? 5.3F : 7.5F) * g.chip, bar_w = r.x + r.w - 6 - bar_x;
      if (lane.state == LaneState::busy && job != nullptr && bar_w > 20) {
        const float bh = compact ? r.h : std::min(r.h - 4, fs + 4);
        const float by = r.y + (r.h - bh) / 2;
        dl->AddRectFilled(c.at(bar_x, by), c.at(bar_x + bar_w * std::clamp(job->progress, 0.0F, 1.0F), by + bh),
                          rgb(okabe_ito::kBlue, 110), compact ? 0 : 3);
      }
      // A lane too narrow for the words says what matters most, whole: that
      // it is blocked (with its stage), else the job's number, never "job...".
      const float room = std::max(0.0F, bar_w - 8);
      auto too_wide = [&](const std::string& t) { return small->CalcTextSizeA(fs * 0.85F, FLT_MAX, 0, t.c_str()).x > room; };
      if (lane.job != 0 && too_wide(what)) {
        const std::string who = staged ? name + ": " : "";
        what = lane.blocked ? who + "blocked, next queue full" : std::to_string(lane.job);
        if (lane.blocked && too_wide(what)) what = who + "blocked";
      }
      if (!compact) text_fit(c, small, c.at(bar_x + 4, text_y), fade(pal.text, alpha), what, room);
      if (hovered && mouse.x >= c.at(r.x, 0).x && mouse.x <= c.at(r.x + r.w, 0).x &&
          mouse.y >= c.at(0, r.y).y && mouse.y <= c.at(0, r.y + r.h).y) {
        hovered_lane = &lane;
      }
    }
    if (model.lanes().empty()) {
      // Before the first start the workers are still coming; after it, they have left.
      text_centred(c, small, c.at(g.lanes.centre()), pal.text_dim,
                   counts.started > 0 ? "no workers left: the pool has shut down" : "no workers yet");
    }
  } else {
    const auto& r = g.lanes;
    dl->AddRect(c.at(r.x, r.y), c.at(r.x + r.w, r.y + r.h), pal.lane_border, 4, 0, line_w);
    const float step = g.chip + g.gap;
    const std::int64_t cells = static_cast<std::int64_t>(std::max(1.0F, r.w / step)) *
                               static_cast<std::int64_t>(std::max(1.0F, r.h / step));
    const std::int64_t threads_now = std::max(counts.threads_alive, counts.running);
    if (threads_now > cells) {
      text_fit(c, small, c.at(r.x, r.y + r.h + 2 * scale), pal.text,
               "+" + count_text(threads_now - cells) + " more threads than fit here", r.w);
    }
  }
  // Lanes → bins.
  {
    const float x = g.lanes.x + g.lanes.w + 3;
    arrow(c, c.at(x, g.lanes.centre().y), c.at(g.bins[0].x - 4, g.lanes.centre().y), pal.text_dim, line_w);
  }

  return hovered_lane;
}

void draw_bins(const Frame& f) {
  const Scenario& scenario = f.scenario;
  const FlowGeometry& g = f.g;
  const Canvas& c = f.c;
  const Palette& pal = f.c.pal;
  ImDrawList* dl = f.c.dl;
  ImFont* small = f.theme.small;
  ImFont* large = f.theme.large;
  const FlowCounts& counts = f.counts;
  const float scale = f.scale;
  for (int i = 0; i < kBinCount; ++i) {
    const auto& r = g.bins[i];
    const JobPlace place = static_cast<JobPlace>(static_cast<int>(JobPlace::completed) + i);
    dl->AddRectFilled(c.at(r.x, r.y), c.at(r.x + r.w, r.y + r.h), pal.lane_bg, 4);
    dl->AddRectFilled(c.at(r.x, r.y), c.at(r.x + 5 * scale, r.y + r.h), pal.of(place), 4, ImDrawFlags_RoundCornersLeft);
    const std::uint64_t n = counts.bin(i);
    const float fh = std::min(large->FontSize, r.h * 0.55F);
    dl->AddText(large, fh, c.at(r.x + r.w - 8 - large->CalcTextSizeA(fh, FLT_MAX, 0, count_text(static_cast<std::int64_t>(n)).c_str()).x,
                                r.y + (r.h - fh) / 2),
                n > 0 ? pal.text : pal.text_dim, count_text(static_cast<std::int64_t>(n)).c_str());
    // A scenario may word a bin as its front end answers (HTTP: "503 queue full").
    const std::string* custom = place == JobPlace::completed  ? &scenario.view.completed_label
                                : place == JobPlace::rejected ? &scenario.view.rejected_label
                                                              : nullptr;
    dl->AddText(small, std::min(small->FontSize, r.h * 0.45F), c.at(r.x + 9 * scale, r.y + 3), pal.text_dim,
                custom != nullptr && !custom->empty() ? custom->c_str() : bin_name(i));
  }

}

void draw_steal_arcs(const Frame& f) {
  const FlowModel& model = f.model;
  const FlowGeometry& g = f.g;
  const Canvas& c = f.c;
  ImDrawList* dl = f.c.dl;
  const float scale = f.scale, line_w = f.line_w;
  for (const StealArc& arc : model.steal_arcs()) {
    const int rv = model.lane_row(arc.victim), rt = model.lane_row(arc.thief);
    if (rv < 0 || rt < 0) continue;
    const auto a = g.lane(rv), b = g.lane(rt);
    const float alpha = std::clamp(1.0F - arc.age / model.options().steal_arc_seconds, 0.0F, 1.0F);
    const ImVec2 p0 = c.at(a.x + g.lane_queue_w * 0.5F, a.y + a.h / 2);
    const ImVec2 p3 = c.at(b.x + g.lane_queue_w * 0.5F, b.y + b.h / 2);
    const float bulge = std::min(60 * scale, std::abs(p3.y - p0.y) * 0.5F + 14 * scale);
    const ImVec2 p1(p0.x - bulge, p0.y), p2(p3.x - bulge, p3.y);
    const ImU32 col = fade(rgb(okabe_ito::kOrange), alpha);
    dl->AddBezierCubic(p0, p1, p2, p3, col, 2.5F * line_w);
    arrow(c, ImVec2(p3.x - 10 * scale, p3.y), p3, col, 2 * line_w);
  }

}

const JobView* draw_chips(const Frame& f) {
  const FlowModel& model = f.model;
  const Scenario& scenario = f.scenario;
  const FlowGeometry& g = f.g;
  const Canvas& c = f.c;
  const Palette& pal = f.c.pal;
  ImDrawList* dl = f.c.dl;
  ImFont* small = f.theme.small;
  const bool hovered = f.hovered;
  const ImVec2 mouse = f.mouse;
  const JobView* hovered_job = nullptr;
  const bool collapsed = model.queue_collapsed();
  const bool show_priority = !scenario.workload.priorities.empty() && g.chip >= 12;
  const float half = g.chip / 2;
  for (const auto& [id, job] : model.jobs()) {
    if (!job.placed) continue;
    if (collapsed && job.place == JobPlace::queued && job.lane < 0) continue;
    const ImVec2 p = c.at(job.pos);
    const float alpha = is_ended(job.place) ? std::clamp(1.2F - job.age / 0.6F, 0.0F, 1.0F) : 1.0F;
    const ImU32 fill = fade(pal.of(job.place), alpha);
    dl->AddRectFilled(ImVec2(p.x - half, p.y - half), ImVec2(p.x + half, p.y + half), fill, 3);
    if (g.chip >= 8) dl->AddRect(ImVec2(p.x - half, p.y - half), ImVec2(p.x + half, p.y + half), fade(pal.chip_border, alpha), 3);
    if (job.tag == 1 && g.chip >= 8) {  // a slow job (bimodal): a dark corner
      dl->AddTriangleFilled(ImVec2(p.x + half, p.y - half), ImVec2(p.x + half, p.y), ImVec2(p.x, p.y - half),
                            fade(rgb(0x000000, 200), alpha));
    }
    if (show_priority) {
      char digit[8];
      std::snprintf(digit, sizeof digit, "%d", job.priority);
      const float fs = g.chip * 0.8F;
      const ImVec2 ts = small->CalcTextSizeA(fs, FLT_MAX, 0, digit);
      const bool light_fill = job.place == JobPlace::queued || job.place == JobPlace::retry_wait ||
                              job.place == JobPlace::arriving || job.place == JobPlace::at_gate;
      dl->AddText(small, fs, ImVec2(p.x - ts.x / 2, p.y - ts.y / 2),
                  light_fill ? rgb(0x000000, 230) : rgb(0xFFFFFF, 230), digit);
    }
    if (hovered && std::abs(mouse.x - p.x) <= half + 1 && std::abs(mouse.y - p.y) <= half + 1) hovered_job = &job;
  }

  return hovered_job;
}

void draw_tooltips(const Frame& f, const JobView* hovered_job, const WorkerLane* hovered_lane) {
  const FlowModel& model = f.model;
  const bool threads = f.threads;
  if (hovered_job != nullptr) {
    const JobView& j = *hovered_job;
    const double now = to_seconds(model.now());
    ImGui::BeginTooltip();
    ImGui::Text("job %llu: %s", static_cast<unsigned long long>(j.id), place_words(j.place));
    if ((j.place == JobPlace::running || j.place == JobPlace::at_gate) && j.lane >= 0) {
      ImGui::Text("on %s %d", threads ? "thread" : "worker", j.lane);
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
    if (model.has_worker_queues()) ImGui::Text("%lld jobs in its own queue", static_cast<long long>(model.queue_size(l.id)));
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
