#include "serve/task_server.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <limits>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string_view>

#include "serve/load_generator.h"
#include "serve/prometheus.h"

namespace poolviz::serve {

using json = nlohmann::ordered_json;

namespace {

constexpr double kMaxServiceMs = 600'000;  // 10 min: one task must not hold a worker for hours
constexpr int kMaxWorkers = 1024;          // as pool.workers in a scenario
constexpr std::size_t kMaxQueueCapacity = 10'000'000;

void reply(HttpResponse& res, int status, const json& body) {
  res.status = status;
  res.content_type = "application/json";
  // Request data (paths, field names) may be any bytes: never let dump() throw.
  res.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
}

void reply_error(HttpResponse& res, int status, std::string_view message) {
  reply(res, status, json{{"error", printable(message)}});
}

void reply_field_error(HttpResponse& res, const FieldError& e) {
  const std::string field = printable(e.field);
  reply(res, 400, json{{"error", field + ": " + printable(e.message)}, {"field", field}});
}

/// Parses `body` as one JSON object; a FieldError naming "body" otherwise, or
/// naming the member whose number does not fit in a double (1e309).
std::variant<json, FieldError> parse_object(const std::string& body) {
  json value;
  std::string member;  // the top-level key being parsed
  const json::parser_callback_t remember_key = [&member](int depth, json::parse_event_t event,
                                                         json& parsed) {
    if (event == json::parse_event_t::key && depth == 1) member = parsed.get<std::string>();
    return true;
  };
  try {
    value = json::parse(body, remember_key);
  } catch (const json::parse_error& e) {
    return FieldError{"body", "malformed JSON at byte " + std::to_string(e.byte)};
  } catch (const json::out_of_range&) {
    return FieldError{member.empty() ? "body" : member, "number out of range"};
  } catch (const json::exception&) {
    return FieldError{"body", "malformed JSON"};
  }
  if (!value.is_object()) return FieldError{"body", "expected a JSON object"};
  return value;
}

/// The value as a 64-bit signed integer when it is an integer that fits.
std::optional<std::int64_t> as_int64(const json& v) {
  if (v.is_number_unsigned()) {
    const auto u = v.get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) return std::nullopt;
    return static_cast<std::int64_t>(u);
  }
  if (v.is_number_integer()) return v.get<std::int64_t>();
  return std::nullopt;
}

std::string_view json_type(const json& v) {
  return v.type_name();
}

}  // namespace

// [SECTION] Request parsing -----------------------------------------------------

std::variant<TaskRequest, FieldError> parse_task_request(const std::string& body,
                                                         const TaskRequest& defaults) {
  TaskRequest request = defaults;
  if (body.find_first_not_of(" \t\r\n") == std::string::npos) return request;
  auto parsed = parse_object(body);
  if (auto* error = std::get_if<FieldError>(&parsed)) return *error;
  const json& object = std::get<json>(parsed);
  for (const auto& [key, value] : object.items()) {
    if (key == "kind") {
      if (!value.is_string()) {
        return FieldError{"kind", std::string("must be a string, \"io\" or \"cpu\" (got ") +
                                      std::string(json_type(value)) + ")"};
      }
      const auto kind = parse_work_kind(value.get<std::string>());
      if (!kind) return FieldError{"kind", "must be \"io\" or \"cpu\""};
      request.kind = *kind;
    } else if (key == "service_ms") {
      if (!value.is_number()) {
        return FieldError{"service_ms", std::string("must be a number (got ") +
                                            std::string(json_type(value)) + ")"};
      }
      const double ms = value.get<double>();
      if (!std::isfinite(ms) || ms < 0 || ms > kMaxServiceMs) {
        return FieldError{"service_ms", "must be between 0 and 600000 (ms)"};
      }
      request.service_ms = ms;
    } else if (key == "priority") {
      if (!value.is_number_integer()) {
        return FieldError{"priority", std::string("must be an integer (got ") +
                                          std::string(json_type(value)) + ")"};
      }
      const std::optional<std::int64_t> p = as_int64(value);
      if (!p || *p < -1'000'000 || *p > 1'000'000) {
        return FieldError{"priority", "must be between -1000000 and 1000000"};
      }
      request.priority = static_cast<int>(*p);
    } else if (key == "data") {
      // The tutorial's clients send their payload here; the pool does not read it.
    } else {
      return FieldError{key, "unknown field (known: kind, service_ms, priority, data)"};
    }
  }
  return request;
}

std::variant<PoolChange, FieldError> parse_pool_change(const std::string& body) {
  auto parsed = parse_object(body);
  if (auto* error = std::get_if<FieldError>(&parsed)) return *error;
  const json& object = std::get<json>(parsed);
  PoolChange change;
  for (const auto& [key, value] : object.items()) {
    if (key == "workers") {
      const std::optional<std::int64_t> n = as_int64(value);
      if (!n || *n < 1 || *n > kMaxWorkers) {
        return FieldError{"workers", "must be an integer between 1 and 1024"};
      }
      change.workers = static_cast<int>(*n);
    } else if (key == "queue_capacity") {
      const std::optional<std::int64_t> n = as_int64(value);
      if (!n || *n < 0 || *n > static_cast<std::int64_t>(kMaxQueueCapacity)) {
        return FieldError{"queue_capacity",
                          "must be an integer between 0 (unbounded) and 10000000"};
      }
      change.queue_capacity = static_cast<std::size_t>(*n);
    } else if (key == "limiter_rate") {
      if (!value.is_number() || !std::isfinite(value.get<double>()) || value.get<double>() <= 0 ||
          value.get<double>() > 1e6) {
        return FieldError{"limiter_rate", "must be a number of permits per second, > 0 and <= 1e6"};
      }
      change.limiter_rate = value.get<double>();
    } else {
      return FieldError{key, "unknown field (known: workers, queue_capacity, limiter_rate)"};
    }
  }
  if (!change.workers && !change.queue_capacity && !change.limiter_rate) {
    return FieldError{"body", "nothing to change (give workers, queue_capacity or limiter_rate)"};
  }
  return change;
}

// [SECTION] TaskServer ----------------------------------------------------------

namespace {

RunOptions run_options(const ServeOptions& options) {
  RunOptions r;
  r.speed = options.speed;
  r.start_paused = options.start_paused;
  r.drain_budget = options.drain_budget;
  return r;
}

WorkloadSpec with_kind(WorkloadSpec spec, WorkKind kind) {
  spec = with_defaults(std::move(spec));
  spec.kind = kind;
  return spec;
}

}  // namespace

std::optional<std::string> unbounded_intake(const Scenario& scenario) {
  const PoolSpec& pool = scenario.pool;
  if (!scenario.stages.empty()) return std::nullopt;  // stages are joined by bounded queues
  if (!describe(pool.strategy).bounded_queue) {
    return "pool.strategy = " + std::string(to_string(pool.strategy)) +
           " has no queue bound (e.g. --set pool.strategy=fixed --set pool.queue_capacity=100)";
  }
  if (pool.queue_capacity == 0) {
    return std::string("pool.queue_capacity = 0 is an unbounded queue (e.g. --set "
                       "pool.queue_capacity=100)");
  }
  return std::nullopt;
}

namespace {

Scenario checked(Scenario scenario, const ServeOptions& options) {
  if (!(options.speed >= kMinSpeed && options.speed <= kMaxSpeed)) {
    throw std::invalid_argument("speed " + std::to_string(options.speed) + " is outside " +
                                std::to_string(kMinSpeed) + " to " + std::to_string(kMaxSpeed));
  }
  if (!options.allow_unbounded) {
    if (auto why = unbounded_intake(scenario)) {
      throw std::invalid_argument(
          *why + ": any client could grow the server's memory without end; bound it, or pass "
                 "--allow-unbounded");
    }
  }
  return scenario;
}

}  // namespace

TaskServer::TaskServer(Scenario scenario, ServeOptions options)
    : options_(std::move(options)),
      run_(std::make_unique<Run>(checked(std::move(scenario), options_), run_options(options_))),
      store_(options_.finished_capacity),
      responses_by_code_(std::make_unique<std::atomic<std::uint64_t>[]>(kStatusCodes)) {
  const WorkloadSpec workload = with_defaults(run_->scenario().workload);
  defaults_.kind = workload.kind;
  defaults_.service_ms = workload.service_mean_ms;
  io_spec_ = with_kind(workload, WorkKind::io);
  cpu_spec_ = with_kind(workload, WorkKind::cpu);
  queue_capacity_.store(run_->scenario().pool.queue_capacity, std::memory_order_relaxed);
  run_->attach(&store_);
  // Arrivals come from the network, so Run::start() (which lets scenario time
  // flow once the generator's first jobs are in) is never called here.
  if (!options_.start_paused) run_->clock().resume();
}

TaskServer::~TaskServer() {
  stop(ShutdownMode::cancel);
  run_->detach(&store_);
}

int TaskServer::start() {
  if (http_) return port_;
  auto http = std::make_unique<HttpServer>(
      options_.http, [this](const HttpRequest& req, HttpResponse& res) { handle(req, res); },
      [this](int status) {
        if (status >= 0 && status < kStatusCodes) {
          responses_by_code_[static_cast<std::size_t>(status)].fetch_add(
              1, std::memory_order_relaxed);
        }
      });
  try {
    port_ = http->listen(options_.bind, options_.port);
  } catch (const std::runtime_error& e) {
    throw std::runtime_error("cannot listen on " + options_.bind + ":" +
                             std::to_string(options_.port) + " (" + e.what() +
                             "; address in use, or not an address of this machine)");
  }
  http->start(options_.http_threads > 0 ? options_.http_threads : 2);
  http_ = std::move(http);
  if (options_.own_poll_thread) {
    poller_ = std::jthread([this](std::stop_token stop) {
      // A pump, not a synchronisation: events flow to Metrics and the store
      // every 10 ms so the rings stay short and the series keeps its rows.
      std::mutex m;
      std::condition_variable_any cv;
      std::unique_lock lock(m);
      while (!stop.stop_requested()) {
        poll();
        cv.wait_for(lock, stop, std::chrono::milliseconds(10), [] { return false; });
      }
    });
  }
  return port_;
}

void TaskServer::begin_shutdown() {
  shutting_down_.store(true, std::memory_order_release);
  // Slow and idle clients go now; whoever polls during the drain reconnects.
  if (http_) http_->close_idle();
}

void TaskServer::poll() {
  const std::lock_guard lock(control_mutex_);
  if (summary_) return;
  run_->poll();
}

RunSummary TaskServer::stop(std::optional<ShutdownMode> mode) {
  begin_shutdown();
  if (poller_.joinable()) {
    poller_.request_stop();
    poller_.join();
  }
  {
    const std::lock_guard lock(control_mutex_);
    if (!summary_) {
      // GETs keep answering while the pool drains; POST/PUT get 503.
      run_->stop(mode.value_or(options_.on_exit));
      // Every accepted task has ended now; anything the store has not seen
      // end (its event was dropped under overload) was cancelled unrun.
      store_.settle_unfinished(run_->now());
      summary_ = run_->summary();
    }
  }
  if (http_) http_->stop();
  const std::lock_guard lock(control_mutex_);
  return *summary_;
}

int TaskServer::retry_after_seconds() const {
  // Roughly when one slot frees up: a mean service time shared by the workers.
  const ExecutorStats stats = run_->executor().stats();
  const double workers = static_cast<double>(std::max<std::int64_t>(stats.workers_alive, 1));
  const double seconds = defaults_.service_ms / 1000.0 / workers / options_.speed;
  return static_cast<int>(std::clamp(std::ceil(seconds), 1.0, 3600.0));
}

Job TaskServer::build_job(std::uint64_t id, const TaskRequest& request) {
  PlannedJob planned;
  planned.index = id - 1;
  planned.service = from_ms(request.service_ms);
  planned.priority = request.priority;
  Job job = make_job(request.kind == WorkKind::cpu ? cpu_spec_ : io_spec_, planned);
  job.id = JobId{id};
  if (options_.body_override) job.fn = options_.body_override(request);
  // The body reports its own start and end to the store, exactly, on the
  // worker; the outcome rules mirror ExecutorCore::run.
  const int max_attempts = job.retry.max_attempts;
  const bool retry_timeouts = job.retry.retry_timeouts;
  job.fn = [store = &store_, id, max_attempts, retry_timeouts,
            inner = std::move(job.fn)](JobContext& ctx) {
    store->mark_running(id, ctx.clock().now(), ctx.attempt());
    bool threw = false;
    auto report = [&] {
      const Nanos now = ctx.clock().now();
      const bool cancelled = ctx.observed_cancel();
      const bool timed_out =
          !cancelled && (ctx.observed_deadline() ||
                         (!threw && ctx.deadline() != kNever && now >= ctx.deadline()));
      const bool failed = threw && !cancelled && !timed_out;
      const bool retryable = failed || (timed_out && retry_timeouts);
      if (retryable && ctx.attempt() < max_attempts && !ctx.stop_token().stop_requested()) {
        store->mark_retrying(id);
        return;
      }
      const TaskStatus status = cancelled   ? TaskStatus::cancelled
                                : timed_out ? TaskStatus::timed_out
                                : failed    ? TaskStatus::failed
                                            : TaskStatus::completed;
      store->mark_ended(id, status, now);
    };
    try {
      if (inner) inner(ctx);
    } catch (...) {
      threw = true;
      report();
      throw;
    }
    report();
  };
  return job;
}

// [SECTION] Routes --------------------------------------------------------------

namespace {

/// Compares in time independent of where the first difference is.
bool token_matches(std::string_view authorization, std::string_view token) {
  constexpr std::string_view kBearer = "Bearer ";
  if (!authorization.starts_with(kBearer)) return false;
  const std::string_view given = authorization.substr(kBearer.size());
  unsigned char diff = given.size() == token.size() ? 0 : 1;
  for (std::size_t i = 0; i < token.size(); ++i) {
    diff |= static_cast<unsigned char>(token[i] ^ (i < given.size() ? given[i] : 0));
  }
  return diff == 0;
}

}  // namespace

struct TaskServer::Routes {
  static void post_task(TaskServer& self, const std::string& body, HttpResponse& res) {
    auto parsed = parse_task_request(body, self.defaults_);
    if (auto* error = std::get_if<FieldError>(&parsed)) {
      reply_field_error(res, *error);
      return;
    }
    const TaskRequest& request = std::get<TaskRequest>(parsed);
    const std::uint64_t id = self.next_task_id_.fetch_add(1, std::memory_order_relaxed);
    TaskRecord record;
    record.id = id;
    record.kind = request.kind;
    record.service_ms = request.service_ms;
    record.priority = request.priority;
    record.submitted_at = self.run_->now();
    // In the store before the pool sees it, so the body always finds its record.
    self.store_.add(record);
    // Never block an HTTP thread: a full queue answers now (the tutorial's select/default).
    const SubmitResult result = self.run_->executor().try_submit(self.build_job(id, request));
    if (result.accepted()) {
      self.accepted_.fetch_add(1, std::memory_order_relaxed);
      res.set_header("Location", "/tasks/" + std::to_string(id));
      reply(res, 202, json{{"task_id", id}, {"status", "queued"}});
      return;
    }
    self.store_.forget(id);
    self.refused_.fetch_add(1, std::memory_order_relaxed);
    switch (result.reason) {
      case RejectReason::queue_full:
        self.refused_queue_full_.fetch_add(1, std::memory_order_relaxed);
        res.set_header("Retry-After", std::to_string(self.retry_after_seconds()));
        reply_error(res, 503, "queue full");
        return;
      case RejectReason::limiter_drop:
        self.refused_limiter_.fetch_add(1, std::memory_order_relaxed);
        res.set_header("Retry-After", "1");
        reply_error(res, 429, "rate limited");
        return;
      case RejectReason::shut_down:
        self.refused_shutting_down_.fetch_add(1, std::memory_order_relaxed);
        res.set_header("Retry-After", "5");
        reply_error(res, 503, "shutting down");
        return;
      default:
        self.refused_other_.fetch_add(1, std::memory_order_relaxed);
        res.set_header("Retry-After", "1");
        reply_error(res, 503, to_string(result.reason));
        return;
    }
  }

  static void get_task(TaskServer& self, const std::string& text, HttpResponse& res) {
    std::uint64_t id = 0;
    const bool numeric = !text.empty() && text.size() <= 19 &&
                         text.find_first_not_of("0123456789") == std::string::npos;
    if (numeric) id = std::stoull(text);
    const std::optional<TaskRecord> found = numeric ? self.store_.find(id) : std::nullopt;
    if (!found) {
      reply_error(
          res, 404,
          "task " + printable(text) + " not found (unknown, or finished long enough ago to be forgotten)");
      return;
    }
    const TaskRecord& r = *found;
    const Nanos now = self.run_->now();
    json body{{"task_id", r.id},           {"status", to_string(r.status)},
              {"kind", to_string(r.kind)}, {"requested_service_ms", r.service_ms},
              {"priority", r.priority},    {"attempts", r.attempts}};
    // Times so far for a task still waiting or running; final once it ended.
    const Nanos wait_end = r.started_at >= 0 ? r.started_at : (r.ended_at >= 0 ? r.ended_at : now);
    body["wait_ms"] = to_ms(std::max<Nanos>(wait_end - r.submitted_at, 0));
    if (r.started_at >= 0) {
      const Nanos end = r.ended_at >= 0 ? r.ended_at : now;
      body["service_ms"] = to_ms(std::max<Nanos>(end - r.started_at, 0));
    } else {
      body["service_ms"] = nullptr;
    }
    if (r.ended_at >= 0) {
      body["sojourn_ms"] = to_ms(std::max<Nanos>(r.ended_at - r.submitted_at, 0));
    }
    reply(res, 200, body);
  }

  static void queue_status(TaskServer& self, HttpResponse& res) {
    const ExecutorStats s = self.run_->executor().stats();
    json body{{"queued", s.queue_depth},
              {"capacity", self.queue_capacity()},
              {"workers", s.workers_alive},
              {"busy", s.workers_busy},
              {"in_service", s.in_service},
              {"outstanding", s.outstanding},
              {"strategy", self.run_->executor().strategy()},
              {"accepting", !self.shutting_down()}};
    if (Limiter* limiter = self.run_->limiter()) {
      const LimiterLevel level = limiter->level();
      body["limiter"] =
          json{{"kind", limiter->kind()}, {"level", level.level}, {"capacity", level.capacity}};
    }
    reply(res, 200, body);
  }

  static void put_pool(TaskServer& self, const HttpRequest& req, HttpResponse& res) {
    if (!self.options_.token.empty()) {
      if (!token_matches(req.header("Authorization"), self.options_.token)) {
        res.set_header("WWW-Authenticate", "Bearer");
        reply_error(res, 401, "PUT /pool needs \"Authorization: Bearer <token>\" (serve --token)");
        return;
      }
    } else if (!is_loopback_host(self.options_.bind)) {
      reply_error(res, 403,
                  "PUT /pool is off: the server is bound beyond loopback without --token");
      return;
    }
    auto parsed = parse_pool_change(req.body);
    if (auto* error = std::get_if<FieldError>(&parsed)) {
      reply_field_error(res, *error);
      return;
    }
    const PoolChange& change = std::get<PoolChange>(parsed);
    const std::lock_guard lock(self.control_mutex_);
    if (self.summary_) {
      reply_error(res, 503, "shutting down");
      return;
    }
    // Check what this pool can change before changing anything.
    Run& run = *self.run_;
    if (change.limiter_rate) {
      const LimiterKind kind = run.scenario().limiter.kind;
      if (!describe(kind).has_rate) {
        reply_field_error(res, {"limiter_rate", "this pool has no rate limiter (limiter.kind = " +
                                                    std::string(to_string(kind)) + ")"});
        return;
      }
    }
    if (change.workers && !run.set_workers(*change.workers)) {
      reply_field_error(res,
                        {"workers", "this strategy (" + std::string(run.executor().strategy()) +
                                        ") has no worker count to change"});
      return;
    }
    if (change.queue_capacity == 0u && !self.options_.allow_unbounded) {
      reply_field_error(res, {"queue_capacity", "0 (unbounded) is refused: any client could grow "
                                                "the server's memory without end (serve "
                                                "--allow-unbounded allows it)"});
      return;
    }
    if (change.queue_capacity) {
      if (!run.set_queue_capacity(*change.queue_capacity)) {
        reply_field_error(
            res, {"queue_capacity", "this strategy (" + std::string(run.executor().strategy()) +
                                        ") cannot change its queue bound live"});
        return;
      }
      self.queue_capacity_.store(*change.queue_capacity, std::memory_order_relaxed);
    }
    if (change.limiter_rate && !run.set_limiter_rate(*change.limiter_rate)) {
      reply_field_error(res, {"limiter_rate", "the limiter refused the rate"});
      return;
    }
    json applied = json::object();
    if (change.workers) applied["workers"] = *change.workers;
    if (change.queue_capacity) applied["queue_capacity"] = *change.queue_capacity;
    if (change.limiter_rate) applied["limiter_rate"] = *change.limiter_rate;
    reply(res, 200, json{{"applied", applied}});
  }
};

void TaskServer::handle(const HttpRequest& req, HttpResponse& res) {
  const bool post = req.method == "POST", put = req.method == "PUT";
  if (shutting_down() && (post || put)) {
    refused_shutting_down_.fetch_add(1, std::memory_order_relaxed);
    if (post) refused_.fetch_add(1, std::memory_order_relaxed);
    res.set_header("Retry-After", "5");
    reply_error(res, 503, "shutting down");
    return;
  }
  const std::string& path = req.path;
  constexpr std::string_view kTaskPrefix = "/tasks/";
  if (post && path == "/tasks") {
    Routes::post_task(*this, req.body, res);
  } else if (req.method == "GET" && path.size() > kTaskPrefix.size() &&
             path.starts_with(kTaskPrefix) &&
             path.find('/', kTaskPrefix.size()) == std::string::npos) {
    Routes::get_task(*this, path.substr(kTaskPrefix.size()), res);
  } else if (req.method == "GET" && path == "/queue/status") {
    Routes::queue_status(*this, res);
  } else if (req.method == "GET" && path == "/metrics") {
    res.status = 200;
    res.content_type = std::string(PrometheusWriter::kContentType);
    res.body = render_metrics();
  } else if (put && path == "/pool") {
    Routes::put_pool(*this, req, res);
  } else {
    reply_error(res, 404, "no route " + req.method + " " + path);
  }
}

// [SECTION] /metrics ------------------------------------------------------------

std::string TaskServer::render_metrics() {
  const ExecutorStats s = run_->executor().stats();
  PrometheusWriter w;
  w.family("poolviz_tasks_submitted_total", "counter",
           "Tasks offered to the pool (accepted or refused by it).");
  w.sample("poolviz_tasks_submitted_total", static_cast<double>(s.submitted));
  w.family("poolviz_tasks_ended_total", "counter", "Tasks that ended, by outcome.");
  w.sample("poolviz_tasks_ended_total", {{"outcome", "completed"}},
           static_cast<double>(s.completed));
  w.sample("poolviz_tasks_ended_total", {{"outcome", "failed"}}, static_cast<double>(s.failed));
  w.sample("poolviz_tasks_ended_total", {{"outcome", "timed_out"}},
           static_cast<double>(s.timed_out));
  w.sample("poolviz_tasks_ended_total", {{"outcome", "cancelled"}},
           static_cast<double>(s.cancelled));
  w.sample("poolviz_tasks_ended_total", {{"outcome", "rejected"}}, static_cast<double>(s.rejected));
  w.family("poolviz_tasks_retried_total", "counter", "Attempts that were retried.");
  w.sample("poolviz_tasks_retried_total", static_cast<double>(s.retried));
  w.family("poolviz_http_task_refusals_total", "counter",
           "POST /tasks answered without accepting the task, by reason.");
  w.sample("poolviz_http_task_refusals_total", {{"reason", "queue_full"}},
           static_cast<double>(refused_queue_full_.load(std::memory_order_relaxed)));
  w.sample("poolviz_http_task_refusals_total", {{"reason", "rate_limited"}},
           static_cast<double>(refused_limiter_.load(std::memory_order_relaxed)));
  w.sample("poolviz_http_task_refusals_total", {{"reason", "shutting_down"}},
           static_cast<double>(refused_shutting_down_.load(std::memory_order_relaxed)));
  w.sample("poolviz_http_task_refusals_total", {{"reason", "other"}},
           static_cast<double>(refused_other_.load(std::memory_order_relaxed)));
  w.family("poolviz_http_responses_total", "counter", "HTTP responses sent, by status code.");
  bool any_response = false;
  for (int code = 100; code < kStatusCodes; ++code) {
    const std::uint64_t n =
        responses_by_code_[static_cast<std::size_t>(code)].load(std::memory_order_relaxed);
    if (n == 0) continue;
    any_response = true;
    w.sample("poolviz_http_responses_total", {{"code", std::to_string(code)}},
             static_cast<double>(n));
  }
  if (!any_response) w.sample("poolviz_http_responses_total", {{"code", "200"}}, 0);

  w.family("poolviz_queue_depth", "gauge", "Tasks waiting in the pool's queues.");
  w.sample("poolviz_queue_depth", static_cast<double>(s.queue_depth));
  w.family("poolviz_queue_capacity", "gauge", "The queue bound (0 = unbounded).");
  w.sample("poolviz_queue_capacity", static_cast<double>(queue_capacity()));
  w.family("poolviz_workers", "gauge", "Workers alive.");
  w.sample("poolviz_workers", static_cast<double>(s.workers_alive));
  w.family("poolviz_workers_busy", "gauge", "Workers running a task.");
  w.sample("poolviz_workers_busy", static_cast<double>(s.workers_busy));
  w.family("poolviz_tasks_in_service", "gauge",
           "Tasks a worker holds (at a limiter gate or running).");
  w.sample("poolviz_tasks_in_service", static_cast<double>(s.in_service));
  w.family("poolviz_tasks_outstanding", "gauge", "Accepted tasks that have not ended yet.");
  w.sample("poolviz_tasks_outstanding", static_cast<double>(s.outstanding));
  w.family("poolviz_threads", "gauge", "OS threads the pool owns.");
  w.sample("poolviz_threads", static_cast<double>(s.threads_alive));
  if (Limiter* limiter = run_->limiter()) {
    w.family("poolviz_limiter_level", "gauge", "Tokens available, or permits in use.");
    w.sample("poolviz_limiter_level", limiter->level().level);
  }
  w.family("poolviz_task_store_entries", "gauge",
           "Tasks GET /tasks/{id} can answer for, by state.");
  const std::size_t finished = store_.finished();
  w.sample("poolviz_task_store_entries", {{"state", "open"}}, static_cast<double>(store_.open()));
  w.sample("poolviz_task_store_entries", {{"state", "finished"}}, static_cast<double>(finished));
  w.family("poolviz_task_store_evicted_total", "counter",
           "Finished tasks forgotten to bound memory.");
  w.sample("poolviz_task_store_evicted_total", static_cast<double>(store_.evicted()));
  w.family("poolviz_accepting", "gauge", "1 while POST /tasks is accepted, 0 once shutting down.");
  w.sample("poolviz_accepting", shutting_down() ? 0 : 1);
  w.family("poolviz_scenario_time_seconds", "gauge", "Scenario time since the server started.");
  w.sample("poolviz_scenario_time_seconds", to_seconds(run_->now()));

  w.histogram("poolviz_task_wait_seconds", "Submit to first start, scenario seconds.",
              store_.wait_histogram());
  w.histogram("poolviz_task_sojourn_seconds",
              "Submit to end, scenario seconds (tasks that started).", store_.sojourn_histogram());
  return w.text();
}

}  // namespace poolviz::serve
