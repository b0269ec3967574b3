#include "serve/load_generator.h"

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <thread>
#include <vector>

#include "poolviz/compat_thread.h"

#include "serve/http_client.h"

namespace poolviz::serve {

// [SECTION] Target --------------------------------------------------------------

std::variant<Target, std::string> parse_target(std::string_view url) {
  constexpr std::string_view kScheme = "http://";
  if (url.starts_with("https://")) return std::string("https is not supported; use http://");
  if (!url.starts_with(kScheme)) {
    return "expected http://HOST[:PORT][/PATH], got \"" + std::string(url) + "\"";
  }
  std::string_view rest = url.substr(kScheme.size());
  Target target;
  const std::size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  if (slash != std::string_view::npos) target.path = std::string(rest.substr(slash));
  if (target.path == "/") target.path = "/tasks";
  std::string_view port_text;
  if (authority.starts_with("[")) {  // [::1]:8080
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos) return std::string("unclosed [ in the host");
    target.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return std::string("expected :PORT after ]");
      port_text = after.substr(1);
    }
  } else {
    const std::size_t colon = authority.rfind(':');
    target.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
  }
  if (target.host.empty()) return std::string("the URL has no host");
  if (!port_text.empty()) {
    int port = 0;
    const auto [end, ec] =
        std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || port < 1 ||
        port > 65535) {
      return "bad port \"" + std::string(port_text) + "\" (1 to 65535)";
    }
    target.port = port;
  }
  return target;
}

bool is_loopback_host(std::string_view host) {
  if (host == "localhost" || host == "::1" || host == "0:0:0:0:0:0:0:1") return true;
  // 127.0.0.0/8, written as a dotted quad.
  if (!host.starts_with("127.")) return false;
  int parts = 0;
  std::size_t at = 0;
  while (at <= host.size()) {
    const std::size_t dot = std::min(host.find('.', at), host.size());
    const std::string_view part = host.substr(at, dot - at);
    int value = -1;
    const auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), value);
    if (part.empty() || ec != std::errc() || end != part.data() + part.size() || value > 255)
      return false;
    ++parts;
    at = dot + 1;
  }
  return parts == 4;
}

// [SECTION] LoadOptions ---------------------------------------------------------

std::optional<std::string> validate(const LoadOptions& o) {
  if (o.rate > 0 && o.concurrency > 0) {
    return std::string("--rate and --concurrency exclude each other (open loop or closed loop)");
  }
  if (o.rate < 0 || !std::isfinite(o.rate) || o.rate > 1e6)
    return std::string("--rate: must be > 0 and <= 1000000");
  if (o.concurrency < 0 || o.concurrency > 1024)
    return std::string("--concurrency: must be 1 to 1024");
  if (!(o.duration_s > 0) || o.duration_s > 3600) {
    return std::string("--duration: must be > 0 and at most 3600 seconds");
  }
  if (o.senders < 0 || o.senders > 256) return std::string("--senders: must be 1 to 256");
  auto target = parse_target(o.url);
  if (auto* error = std::get_if<std::string>(&target)) return "URL: " + *error;
  const Target& t = std::get<Target>(target);
  if (!o.allow_remote && !is_loopback_host(t.host)) {
    return "URL: " + t.host +
           " is not a loopback address; `poolviz load` only loads this machine unless you pass "
           "--allow-remote (and may load that host)";
  }
  return std::nullopt;
}

// [SECTION] LoadReport ----------------------------------------------------------

namespace {

double ms(std::int64_t nanos) {
  return static_cast<double>(nanos) / 1e6;
}

}  // namespace

std::string report_to_json(const LoadReport& r) {
  nlohmann::ordered_json j;
  j["url"] = r.url;
  j["mode"] = r.mode;
  if (r.mode == "open") j["rate"] = r.rate;
  j["concurrency"] = r.concurrency;
  j["elapsed_s"] = r.elapsed_s;
  j["sent"] = r.sent;
  j["per_second"] = r.per_second();
  nlohmann::ordered_json status = nlohmann::ordered_json::object();
  for (const auto& [code, n] : r.by_status) status[std::to_string(code)] = n;
  j["status"] = status;
  j["errors"] = r.errors;
  j["latency_ms"] = {{"mean", r.latency.mean() / 1e6},
                     {"p50", ms(r.latency.percentile(50))},
                     {"p90", ms(r.latency.percentile(90))},
                     {"p99", ms(r.latency.percentile(99))},
                     {"max", ms(r.latency.max())}};
  return j.dump(2);
}

std::string report_to_text(const LoadReport& r) {
  char line[256];
  std::string out;
  if (r.mode == "open") {
    std::snprintf(line, sizeof line, "poolviz load: open loop at %.1f req/s (%d senders) -> %s\n",
                  r.rate, r.concurrency, r.url.c_str());
  } else {
    std::snprintf(line, sizeof line, "poolviz load: closed loop, %d connections -> %s\n",
                  r.concurrency, r.url.c_str());
  }
  out += line;
  std::snprintf(line, sizeof line, "  sent %llu in %.2f s (%.1f req/s)\n",
                static_cast<unsigned long long>(r.sent), r.elapsed_s, r.per_second());
  out += line;
  for (const auto& [code, n] : r.by_status) {
    const char* meaning = code == 202   ? "accepted"
                          : code == 503 ? "refused (queue full or shutting down)"
                          : code == 429 ? "rate limited"
                          : code == 400 ? "bad request"
                                        : "";
    std::snprintf(line, sizeof line, "  %d  %8llu  %s\n", code, static_cast<unsigned long long>(n),
                  meaning);
    out += line;
  }
  if (r.errors > 0) {
    std::snprintf(line, sizeof line,
                  "  errors %llu (no HTTP answer: refused, reset or timed out)\n",
                  static_cast<unsigned long long>(r.errors));
    out += line;
  }
  std::snprintf(line, sizeof line,
                "  latency ms  mean %.3f  p50 %.3f  p90 %.3f  p99 %.3f  max %.3f\n",
                r.latency.mean() / 1e6, ms(r.latency.percentile(50)), ms(r.latency.percentile(90)),
                ms(r.latency.percentile(99)), ms(r.latency.max()));
  out += line;
  return out;
}

// [SECTION] run_load ------------------------------------------------------------

namespace {

using SteadyClock = std::chrono::steady_clock;

/// What one sender thread saw; merged at the end (no sharing while running).
struct SenderTally {
  std::uint64_t sent = 0;
  std::uint64_t errors = 0;
  std::map<int, std::uint64_t> by_status;
  Histogram latency;
  SteadyClock::time_point last_answer{};
};

void send_one(HttpClient& client, const Target& t, const std::string& body,
              SteadyClock::time_point measured_from, SenderTally& tally) {
  ++tally.sent;
  const std::optional<HttpReply> result = client.post(t.path, body);
  const auto answered = SteadyClock::now();
  tally.last_answer = answered;
  if (!result) {
    ++tally.errors;
    return;
  }
  ++tally.by_status[result->status];
  tally.latency.record(
      std::chrono::duration_cast<std::chrono::nanoseconds>(answered - measured_from).count());
}

}  // namespace

LoadReport run_load(const LoadOptions& options) {
  if (auto error = validate(options)) throw std::invalid_argument(*error);
  const Target target = std::get<Target>(parse_target(options.url));
  const std::string body = options.body.empty() ? std::string("{}") : options.body;
  const bool open_loop = options.rate > 0;
  const int threads =
      open_loop ? (options.senders > 0
                       ? options.senders
                       : std::clamp(static_cast<int>(std::ceil(options.rate / 200.0)), 4, 64))
                : (options.concurrency > 0 ? options.concurrency : 8);

  const auto start = SteadyClock::now();
  const auto deadline = start + std::chrono::duration_cast<SteadyClock::duration>(
                                    std::chrono::duration<double>(options.duration_s));
  // Request slots handed out to senders; relaxed: each index is taken once,
  // nothing else is published through it.
  std::atomic<std::uint64_t> next_slot{0};
  auto take_slot = [&]() -> std::optional<std::uint64_t> {
    const std::uint64_t k = next_slot.fetch_add(1, std::memory_order_relaxed);
    if (options.max_requests > 0 && k >= options.max_requests) return std::nullopt;
    return k;
  };

  std::vector<SenderTally> tallies(static_cast<std::size_t>(threads));
  {
    std::vector<poolviz::jthread> senders;
    senders.reserve(tallies.size());
    for (SenderTally& tally : tallies) {
      senders.emplace_back([&, open_loop] {
        HttpClient client(target.host, target.port, options.timeout_s);
        while (true) {
          const std::optional<std::uint64_t> slot = take_slot();
          if (!slot) break;
          if (open_loop) {
            const auto due =
                start +
                std::chrono::duration_cast<SteadyClock::duration>(
                    std::chrono::duration<double>(static_cast<double>(*slot) / options.rate));
            if (due >= deadline) break;
            // Pacing an open loop is what this sleep is for (not synchronisation).
            std::this_thread::sleep_until(due);
            send_one(client, target, body, due, tally);
          } else {
            const auto now = SteadyClock::now();
            if (now >= deadline) break;
            send_one(client, target, body, now, tally);
          }
        }
      });
    }
  }  // jthreads join here

  LoadReport report;
  report.url =
      "http://" +
      (target.host.find(':') != std::string::npos ? "[" + target.host + "]" : target.host) + ":" +
      std::to_string(target.port) + target.path;
  report.mode = open_loop ? "open" : "closed";
  report.rate = options.rate;
  report.concurrency = threads;
  auto last = start;
  for (const SenderTally& t : tallies) {
    report.sent += t.sent;
    report.errors += t.errors;
    for (const auto& [code, n] : t.by_status) report.by_status[code] += n;
    report.latency.merge(t.latency);
    last = std::max(last, t.last_answer);
  }
  report.elapsed_s = std::chrono::duration<double>(last - start).count();
  return report;
}

}  // namespace poolviz::serve
