// app/serve/task_server.cpp, split by concern: GET /metrics, the Prometheus
// exposition of the pool and the HTTP front end.
#include "serve/prometheus.h"
#include "serve/task_server.h"

#include "poolviz/metrics.h"

namespace poolviz::serve {

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

  // The Timeline's whole-run wait and sojourn, as of the last poll (every
  // 10 ms): the definitions the window and `poolviz run` print. Copied under
  // the lock that poll() holds, re-binned outside it.
  Histogram wait, sojourn;
  {
    const std::lock_guard lock(control_mutex_);
    wait = run_->timeline().wait();
    sojourn = run_->timeline().sojourn();
  }
  w.histogram("poolviz_task_wait_seconds", "Arrival to first start, scenario seconds.",
              rebin_seconds(wait, latency_buckets()));
  w.histogram("poolviz_task_sojourn_seconds",
              "Arrival to end, scenario seconds (tasks that started).",
              rebin_seconds(sojourn, latency_buckets()));
  return w.text();
}

}  // namespace poolviz::serve
