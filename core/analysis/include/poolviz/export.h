// poolviz/export.h — the three exports of a run: the JSON summary, the CSV
// time series, and a Chrome trace-event file (Perfetto, chrome://tracing).
//
// [SECTION] JSON summary
// [SECTION] CSV series
// [SECTION] Chrome trace
//
// All times are scenario time. Writers take std::ostream and report failure
// through the stream's state (the caller checks it and names the file).
#pragma once

#include <cstddef>
#include <cstdint>
#include <ostream>
#include <span>
#include <string>
#include <vector>

#include "poolviz/event.h"
#include "poolviz/metrics.h"
#include "poolviz/summary.h"

namespace poolviz {

// [SECTION] JSON summary --------------------------------------------------------

/// The `poolviz run --json` object, keys as documented in the README:
/// scenario, strategy, duration_s, jobs{...}, throughput_per_s, wait_ms{...},
/// service_ms{...}, sojourn_ms{...}, wait_by_priority[{priority,jobs,wait_ms}],
/// queue_depth{mean,max}, threads{max},
/// workers{min,max}, utilization, steals, peak_rss_mb, events{emitted,dropped}.
/// `indent` < 0 = one line.
std::string summary_to_json(const RunSummary& summary, int indent = 2);

// [SECTION] CSV series ----------------------------------------------------------

/// The CSV header, one line, no newline.
std::string_view csv_header();
/// Header + one row per sample: t_s, submitted, completed, rejected,
/// queue_depth, in_service, workers, threads, throughput_per_s, wait_p50_ms,
/// wait_p99_ms, sojourn_p99_ms, utilization, tokens (empty without a limiter).
void write_csv(std::ostream& out, std::span<const Sample> samples);

// [SECTION] Chrome trace --------------------------------------------------------

/// Keeps every event of a run (up to `max_events`, then counts the rest as
/// lost) so the trace can be written at the end. An EventSink: attach it to a
/// Run (or a bus); only the draining thread touches it.
class TraceRecorder final : public EventSink {
 public:
  explicit TraceRecorder(std::size_t max_events = 2'000'000) : max_events_(max_events) {}
  void on_events(std::span<const Event> batch) override;
  const std::vector<Event>& events() const { return events_; }
  std::uint64_t lost() const { return lost_; }

 private:
  std::size_t max_events_;
  std::vector<Event> events_;
  std::uint64_t lost_ = 0;
};

/// Writes {"traceEvents": [...]}: a process per run, a thread track per worker
/// (tid = worker + 1; tid 0 = arrivals and the submitting thread) with one
/// complete slice per job attempt (and a "gate" slice while a job waits at a
/// limiter), flow arrows submit → start and victim → thief for steals, and
/// counter tracks (queue depth, workers, in service, tokens) from `samples`.
void write_chrome_trace(std::ostream& out, std::span<const Event> events,
                        std::span<const Sample> samples, const std::string& process_name);

}  // namespace poolviz
