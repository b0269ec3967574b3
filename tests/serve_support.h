// tests/serve_support.h — what the HTTP tests share: a scenario to serve, an
// in-process server on an ephemeral loopback port, and a gate that holds jobs.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include "poolviz/compat_thread.h"
#include <string>

#include "poolviz/scenario.h"
#include "serve/http_client.h"
#include "serve/task_server.h"

namespace poolviz::serve::testing {

/// How long a test waits for something that must happen before calling it a hang.
inline constexpr auto kHangGuard = std::chrono::seconds(60);

/// The built-in tutorial scenario with a smaller pool for tests.
inline Scenario task_queue_scenario(int workers, std::size_t capacity, double service_ms = 1) {
  Scenario s = load_scenario("http-task-queue");
  apply_override(s, "pool.workers", std::to_string(workers));
  apply_override(s, "pool.queue_capacity", std::to_string(capacity));
  apply_override(s, "workload.service_mean_ms", std::to_string(service_ms));
  return s;
}

/// Holds every job that enters it until the test lets it through, so nothing
/// finishes while a test fills the queue. Cancellation (stop(cancel)) frees a
/// held job, which then reports that it saw the cancel.
class JobGate {
 public:
  JobFn body() {
    return [this](JobContext& ctx) {
      std::unique_lock lock(mutex_);
      ++entered_;
      changed_.notify_all();
      const bool let_through = changed_.wait(lock, ctx.stop_token(), [&] { return permits_ > 0; });
      if (let_through) {
        --permits_;
      } else {
        ctx.stop_requested();  // records the cancel so the job ends cancelled
      }
    };
  }
  /// Lets `n` more jobs through.
  void release(int n = 1) {
    const std::lock_guard lock(mutex_);
    permits_ += n;
    changed_.notify_all();
  }
  /// Waits until `n` jobs in total have entered; false on a hang.
  bool wait_entered(int n) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, kHangGuard, [&] { return entered_ >= n; });
  }

 private:
  std::mutex mutex_;  // guards entered_ and permits_
  poolviz::condition_variable_any changed_;
  int entered_ = 0;
  int permits_ = 0;
};

/// A started TaskServer on 127.0.0.1:<ephemeral> and a client for it.
struct ServedPool {
  explicit ServedPool(Scenario scenario, ServeOptions options = {}) {
    options.bind = "127.0.0.1";
    options.port = 0;
    server = std::make_unique<TaskServer>(std::move(scenario), std::move(options));
    port = server->start();
    client = std::make_unique<HttpClient>("127.0.0.1", port, /*timeout_s=*/30);
  }

  /// POST /tasks with `body`; returns the status (-1 when no answer) and the JSON body.
  std::pair<int, nlohmann::json> post(const std::string& body = "") {
    auto r = client->post("/tasks", body);
    if (!r) return {-1, nullptr};
    return {r->status, nlohmann::json::parse(r->body, nullptr, false)};
  }
  std::pair<int, nlohmann::json> get(const std::string& path) {
    auto r = client->get(path);
    if (!r) return {-1, nullptr};
    return {r->status, nlohmann::json::parse(r->body, nullptr, false)};
  }

  std::unique_ptr<TaskServer> server;
  int port = 0;
  std::unique_ptr<HttpClient> client;
};

}  // namespace poolviz::serve::testing
