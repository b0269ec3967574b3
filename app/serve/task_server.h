// app/serve/task_server.h — `poolviz serve`: a scenario's pool behind HTTP, the
// tutorial's task queue (the Go tutorials' HTTP pattern) on the real engine.
//
// [SECTION] TaskRequest  — one POST /tasks, validated
// [SECTION] ServeOptions
// [SECTION] TaskServer
//
// Endpoints (JSON in and out unless said otherwise):
//   POST /tasks        body optional {"kind":"io|cpu","service_ms":N,"priority":P}
//                      → 202 {"task_id","status":"queued"}; 503 {"error":"queue full"}
//                      + Retry-After; 429 for a drop-mode limiter; 400 naming the
//                      field; 413 over the body limit
//   GET  /tasks/{id}   → status, wait and service times; 404 unknown or evicted
//   GET  /queue/status → queued, capacity, workers, busy, ...
//   GET  /metrics      → Prometheus text exposition
//   PUT  /pool         {"workers","queue_capacity","limiter_rate"} live; 400 naming the field;
//                      401 without the token (ServeOptions::token), 403 when bound
//                      beyond loopback without one
// Anything else is 404. Once shutdown began, POST and PUT answer 503
// {"error":"shutting down"} while GETs keep working through the drain.
//
// The pool is a poolviz::Run that is never start()ed: its arrivals come from
// the network (submitted straight to run().executor()), not from the workload
// generator. The workload only supplies the defaults of a task (kind, service
// time, timeout, retries, failure rate).
//
// HTTP: Boost.Beast on one Boost.Asio io_context (serve/http_server.h), with the
// limits of ServeOptions::http. Handlers run on its few threads and only touch
// thread-safe parts of the Run (executor, clock, limiter level); every other
// Run call (poll, live edits, stop, summary) is serialised by one mutex, which
// stands in for Run's "one controlling thread" contract.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include "poolviz/compat_thread.h"
#include <string>
#include <string_view>
#include <thread>
#include <variant>

#include "poolviz/run.h"
#include "poolviz/scenario.h"
#include "serve/http_server.h"
#include "serve/task_store.h"

namespace poolviz::serve {

// [SECTION] TaskRequest ---------------------------------------------------------

struct TaskRequest {
  WorkKind kind = WorkKind::io;
  double service_ms = 0;
  int priority = 0;
};

/// A 400 answer: which field was wrong and why.
struct FieldError {
  std::string field;    // "body", "kind", "service_ms", ...
  std::string message;  // "must be a number >= 0"
};

/// Parses a POST /tasks body; an empty body means every default.
std::variant<TaskRequest, FieldError> parse_task_request(const std::string& body,
                                                         const TaskRequest& defaults);

/// A PUT /pool body: each field optional, at least one present.
struct PoolChange {
  std::optional<int> workers;
  std::optional<std::size_t> queue_capacity;
  std::optional<double> limiter_rate;
};
std::variant<PoolChange, FieldError> parse_pool_change(const std::string& body);

// [SECTION] ServeOptions --------------------------------------------------------

/// serve's --speed bounds: beyond them the scenario clock runs too fast to watch
/// (or to keep in 64-bit nanoseconds for long), or too slow to see anything.
inline constexpr double kMinSpeed = 0.01;
inline constexpr double kMaxSpeed = 1000;

/// Why this scenario's intake has no bound, naming the key that would bound it;
/// nothing when it is bounded.
std::optional<std::string> unbounded_intake(const Scenario& scenario);

struct ServeOptions {
  std::string bind = "127.0.0.1";
  int port = 8080;                         // 0 = any free port (see TaskServer::port())
  std::size_t finished_capacity = 10'000;  // finished tasks remembered for GET /tasks/{id}
  HttpLimits http;                         // line, header, body, time and connection limits
  int http_threads = 0;                    // 0 = 2; connections do not hold threads
  /// Off (the default): a pool whose intake has no bound (pool.queue_capacity
  /// = 0, or a strategy without a queue bound) is refused, and so is
  /// PUT /pool {"queue_capacity":0}; any client could grow memory without end.
  bool allow_unbounded = false;
  /// Non-empty: PUT /pool needs "Authorization: Bearer <token>". Empty and
  /// bound beyond loopback: PUT /pool is refused (403).
  std::string token;
  ShutdownMode on_exit = ShutdownMode::drain;
  double speed = 1.0;                   // scenario time = real time × speed
  Nanos drain_budget = 3600 * kSecond;  // scenario time a drain may take before it cancels
  bool start_paused = false;            // tests: jobs that start are frozen until resume/stop
  /// Polls the Run (events → Metrics and the task store) from an internal
  /// thread. Off when someone else drives Run::poll (the GUI's frame loop).
  bool own_poll_thread = true;
  /// Tests: the body each task runs instead of the synthetic work of its kind.
  std::function<JobFn(const TaskRequest&)> body_override;
};

// [SECTION] TaskServer ----------------------------------------------------------

class TaskServer {
 public:
  /// Builds the Run (throws std::invalid_argument when the scenario cannot run,
  /// the speed is outside [kMinSpeed, kMaxSpeed], or the intake is unbounded
  /// without allow_unbounded).
  TaskServer(Scenario scenario, ServeOptions options);
  /// Stops (cancel) if still running; joins every thread.
  ~TaskServer();
  TaskServer(const TaskServer&) = delete;
  TaskServer& operator=(const TaskServer&) = delete;

  /// Binds and starts answering. Returns the bound port; throws std::runtime_error
  /// when the address cannot be bound.
  int start();
  int port() const { return port_; }

  /// POST and PUT answer 503 "shutting down" from now on. Idempotent, any thread.
  void begin_shutdown();
  bool shutting_down() const { return shutting_down_.load(std::memory_order_acquire); }

  /// Stops intake, drains or cancels the pool (options.on_exit, unless `mode`),
  /// settles every task, stops the HTTP server and returns the run summary.
  /// Idempotent (later calls return the same summary).
  RunSummary stop(std::optional<ShutdownMode> mode = std::nullopt);

  /// Drains events into Metrics and the task store (own_poll_thread does it).
  void poll();
  /// For a window that drives Run::poll itself (own_poll_thread = false): hold
  /// this around every use of run() beyond its thread-safe parts, as the HTTP
  /// handlers do for live edits.
  std::mutex& control_mutex() { return control_mutex_; }

  /// The pool. Thread-safe parts only from other threads (see the header comment).
  Run& run() { return *run_; }
  const TaskStore& store() const { return store_; }
  const Scenario& scenario() const { return run_->scenario(); }

  /// HTTP connections open now.
  std::size_t open_connections() const { return http_ ? http_->open_connections() : 0; }

  /// HTTP answers so far, by outcome of POST /tasks.
  std::uint64_t accepted() const { return accepted_.load(std::memory_order_relaxed); }
  std::uint64_t refused() const { return refused_.load(std::memory_order_relaxed); }

 private:
  struct Routes;
  friend struct Routes;

  void handle(const HttpRequest& request, HttpResponse& response);
  Job build_job(std::uint64_t id, const TaskRequest& request);
  std::string render_metrics();
  std::size_t queue_capacity() const { return queue_capacity_.load(std::memory_order_relaxed); }
  int retry_after_seconds() const;

  ServeOptions options_;
  std::unique_ptr<Run> run_;
  TaskStore store_;
  TaskRequest defaults_;
  WorkloadSpec io_spec_, cpu_spec_;  // the scenario's workload with kind io / cpu

  std::unique_ptr<HttpServer> http_;
  int port_ = 0;

  std::mutex control_mutex_;  // serialises poll / live edits / stop on the Run
  poolviz::jthread poller_;
  std::optional<RunSummary> summary_;  // guarded by control_mutex_

  std::atomic<bool> shutting_down_{false};  // release/acquire: handlers see it promptly
  std::atomic<std::uint64_t> next_task_id_{1};
  std::atomic<std::uint64_t> accepted_{0}, refused_{0};
  std::atomic<std::size_t> queue_capacity_{0};  // current bound (PUT /pool edits it)
  // Counters for /metrics; relaxed: they are independent totals.
  std::atomic<std::uint64_t> refused_queue_full_{0}, refused_limiter_{0}, refused_shutting_down_{0},
      refused_other_{0};
  static constexpr int kStatusCodes = 600;
  std::unique_ptr<std::atomic<std::uint64_t>[]> responses_by_code_;
};

}  // namespace poolviz::serve
