// The HTTP task server: its lifecycle, the jobs it builds and its routes.
// Split by concern: request bodies in task_requests.cpp, GET /metrics in task_metrics.cpp.
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

}  // namespace

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
    poller_ = poolviz::jthread([this](poolviz::stop_token stop) {
      // A pump, not a synchronisation: events flow to Metrics and the store
      // every 10 ms so the rings stay short and the series keeps its rows.
      std::mutex m;
      poolviz::condition_variable_any cv;
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
  // worker, by the engine's own rules (classify_outcome, should_retry).
  job.fn = [store = &store_, id, retry = job.retry, inner = std::move(job.fn)](JobContext& ctx) {
    store->mark_running(id, ctx.clock().now(), ctx.attempt());
    bool threw = false;
    auto report = [&] {
      const Nanos now = ctx.clock().now();
      const Outcome outcome =
          classify_outcome(threw, ctx.observed_cancel(), ctx.observed_deadline(), now, ctx.deadline());
      if (should_retry(outcome, ctx.attempt(), retry, ctx.stop_token().stop_requested())) {
        store->mark_retrying(id);
        return;
      }
      store->mark_ended(id, status_of(outcome), now);
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

}  // namespace poolviz::serve
