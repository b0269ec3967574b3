// app/serve/load_generator.h — `poolviz load`: a bounded HTTP load generator
// for POST /tasks, so a classroom demo needs nothing else installed.
//
// [SECTION] Target       — a parsed http:// URL and the loopback check
// [SECTION] LoadOptions  — open loop (--rate) or closed loop (--concurrency)
// [SECTION] LoadReport   — counts per status code, latency percentiles
// [SECTION] run_load
//
// It always stops by itself: after `duration_s` (at most one hour), after
// `max_requests` when given, and every request has connect/read timeouts.
// Open loop: requests are due at k / rate; a latency is measured from the
// moment a request was due, not when a sender got to it, so a slow server
// shows up in the percentiles instead of silently lowering the rate
// (coordinated omission). Closed loop: each connection sends its next
// request when the previous answer arrived.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "poolviz/metrics.h"

namespace poolviz::serve {

// [SECTION] Target --------------------------------------------------------------

struct Target {
  std::string host;  // without brackets for IPv6
  int port = 80;
  std::string path = "/tasks";
};

/// Parses `http://host[:port][/path]` (https is refused: loopback demos only).
/// A missing path means /tasks. Returns an error message on failure.
std::variant<Target, std::string> parse_target(std::string_view url);

/// True for localhost, 127.0.0.0/8 and ::1 (no name lookups: nothing leaves the machine).
bool is_loopback_host(std::string_view host);

// [SECTION] LoadOptions ---------------------------------------------------------

struct LoadOptions {
  std::string url;
  double rate = 0;         // > 0: open loop, requests per second
  int concurrency = 0;     // > 0: closed loop with this many connections (default 8 when rate is 0)
  double duration_s = 10;  // wall seconds, 0 < d <= 3600
  std::uint64_t max_requests = 0;  // 0 = no cap besides duration
  std::string body;                // POST body; empty = "{}"
  bool allow_remote = false;
  int senders = 0;       // open loop: sender threads (0 = enough for the rate, at most 64)
  double timeout_s = 5;  // connect and read timeout per request
};

/// Checks options (rate vs concurrency, duration bounds, the loopback rule).
/// Returns an error message naming the option, or nothing when runnable.
std::optional<std::string> validate(const LoadOptions& options);

// [SECTION] LoadReport ----------------------------------------------------------

struct LoadReport {
  std::string url;
  std::string mode;                        // "open" or "closed"
  double rate = 0;                         // requested (open loop)
  int concurrency = 0;                     // connections (closed loop) or senders (open loop)
  double elapsed_s = 0;                    // wall time from first send to last answer
  std::uint64_t sent = 0;                  // requests attempted
  std::map<int, std::uint64_t> by_status;  // HTTP status → count
  std::uint64_t errors = 0;                // no HTTP answer (refused, timeout, reset)
  Histogram latency;                       // nanoseconds, requests that got an answer

  std::uint64_t answered() const { return sent - errors; }
  std::uint64_t count(int status) const {
    auto it = by_status.find(status);
    return it == by_status.end() ? 0 : it->second;
  }
  double per_second() const { return elapsed_s > 0 ? static_cast<double>(sent) / elapsed_s : 0; }
};

/// One JSON object (`poolviz load --json`).
std::string report_to_json(const LoadReport& report);
/// The human summary, several lines.
std::string report_to_text(const LoadReport& report);

// [SECTION] run_load ------------------------------------------------------------

/// Runs the load; throws std::invalid_argument with validate()'s message when
/// the options are not runnable.
LoadReport run_load(const LoadOptions& options);

}  // namespace poolviz::serve
