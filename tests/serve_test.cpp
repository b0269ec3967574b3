// `poolviz serve`: the tutorial's HTTP task queue on a real pool, driven over
// loopback by serve's own HttpClient. Jobs that must stay put are held by a JobGate
// (or a paused scenario clock), so no test depends on timing.
#include <gtest/gtest.h>

#include <string>

#include "serve_support.h"

namespace poolviz::serve {
namespace {

using testing::JobGate;
using testing::ServedPool;
using testing::task_queue_scenario;

ServeOptions gated(JobGate& gate) {
  ServeOptions options;
  options.body_override = [&gate](const TaskRequest&) { return gate.body(); };
  return options;
}

TEST(ServeHttp, AcceptsUntilTheQueueIsFullThenAnswers503WithRetryAfter) {
  JobGate gate;
  ServedPool pool(task_queue_scenario(/*workers=*/2, /*capacity=*/10), gated(gate));
  // Both workers take a job and hold it: nothing finishes during the fill.
  for (int i = 0; i < 2; ++i) ASSERT_EQ(pool.post().first, 202);
  ASSERT_TRUE(gate.wait_entered(2));
  for (int i = 0; i < 10; ++i) {
    auto [status, body] = pool.post();
    ASSERT_EQ(status, 202) << "task " << i << " of the 10 the queue holds";
    EXPECT_EQ(body["status"], "queued");
    EXPECT_TRUE(body["task_id"].is_number_unsigned());
  }
  auto r = pool.client->post("/tasks", "", "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(nlohmann::json::parse(r->body)["error"], "queue full");
  ASSERT_TRUE(r->has_header("Retry-After"));
  EXPECT_GE(std::stoi(r->get_header_value("Retry-After")), 1);

  auto [qs, queue] = pool.get("/queue/status");
  ASSERT_EQ(qs, 200);
  EXPECT_EQ(queue["queued"], 10);
  EXPECT_EQ(queue["capacity"], 10);
  EXPECT_EQ(queue["workers"], 2);
  EXPECT_EQ(queue["busy"], 2);

  gate.release(12);
  const RunSummary s = pool.server->stop(ShutdownMode::drain);
  EXPECT_EQ(s.jobs.completed, 12u);
  EXPECT_EQ(s.jobs.rejected, 1u);
  EXPECT_TRUE(s.accounting_holds());
}

TEST(ServeHttp, TaskStatusMovesFromQueuedToRunningToCompleted) {
  JobGate gate;
  ServedPool pool(task_queue_scenario(1, 10), gated(gate));
  auto [s1, first] = pool.post(R"({"kind":"io","service_ms":5,"priority":3})");
  auto [s2, second] = pool.post();
  ASSERT_EQ(s1, 202);
  ASSERT_EQ(s2, 202);
  const std::string a = "/tasks/" + first["task_id"].dump();
  const std::string b = "/tasks/" + second["task_id"].dump();
  ASSERT_TRUE(gate.wait_entered(1));

  EXPECT_EQ(pool.get(a).second["status"], "running");
  EXPECT_EQ(pool.get(a).second["priority"], 3);
  EXPECT_EQ(pool.get(a).second["requested_service_ms"], 5.0);
  EXPECT_EQ(pool.get(b).second["status"], "queued");
  EXPECT_TRUE(pool.get(b).second["service_ms"].is_null());

  gate.release();
  // The one worker ends the first task before it takes the second.
  ASSERT_TRUE(gate.wait_entered(2));
  auto [sa, done] = pool.get(a);
  ASSERT_EQ(sa, 200);
  EXPECT_EQ(done["status"], "completed");
  EXPECT_EQ(done["attempts"], 1);
  EXPECT_TRUE(done["wait_ms"].is_number());
  EXPECT_TRUE(done["service_ms"].is_number());
  EXPECT_TRUE(done["sojourn_ms"].is_number());
  EXPECT_EQ(pool.get(b).second["status"], "running");

  gate.release();
  pool.server->run().executor().wait_idle();
  EXPECT_EQ(pool.get(b).second["status"], "completed");
}

TEST(ServeHttp, UnknownTaskIdsAre404) {
  ServedPool pool(task_queue_scenario(1, 10));
  EXPECT_EQ(pool.get("/tasks/12345").first, 404);
  EXPECT_EQ(pool.get("/tasks/not-a-number").first, 404);
  EXPECT_EQ(pool.get("/tasks/99999999999999999999999").first, 404);
  EXPECT_TRUE(pool.get("/tasks/12345").second["error"].is_string());
}

TEST(ServeHttp, BadBodiesAre400NamingTheField) {
  ServedPool pool(task_queue_scenario(1, 10));
  const std::pair<std::string, std::string> cases[] = {
      {R"({"service_ms": )", "body"},
      {R"(not json)", "body"},
      {R"([1, 2])", "body"},
      {R"({"service_ms": "fast"})", "service_ms"},
      {R"({"service_ms": -1})", "service_ms"},
      {R"({"kind": 3})", "kind"},
      {R"({"kind": "gpu"})", "kind"},
      {R"({"priority": 1.5})", "priority"},
      {R"({"priority": "high"})", "priority"},
      {R"({"colour": "red"})", "colour"},
  };
  for (const auto& [body, field] : cases) {
    auto [status, answer] = pool.post(body);
    EXPECT_EQ(status, 400) << body;
    EXPECT_EQ(answer["field"], field) << body;
    EXPECT_NE(answer["error"].get<std::string>().find(field), std::string::npos) << body;
  }
  EXPECT_EQ(pool.server->run().executor().stats().submitted, 0u)
      << "a bad request never reaches the pool";
}

TEST(ServeHttp, BodiesOver64KiBAre413) {
  ServedPool pool(task_queue_scenario(1, 10));
  const std::string big = R"({"data":")" + std::string(64 * 1024, 'x') + R"("})";
  auto r = pool.client->post("/tasks", big, "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
  // Just under the limit is fine.
  const std::string fits = R"({"data":")" + std::string(60 * 1024, 'x') + R"("})";
  pool.client = std::make_unique<HttpClient>("127.0.0.1", pool.port);
  EXPECT_EQ(pool.post(fits).first, 202);
}

TEST(ServeHttp, UnknownRoutesAre404) {
  ServedPool pool(task_queue_scenario(1, 10));
  EXPECT_EQ(pool.get("/").first, 404);
  EXPECT_EQ(pool.get("/nope").first, 404);
  EXPECT_EQ(pool.get("/tasks").first, 404);  // GET on the POST-only collection
  auto r = pool.client->remove("/tasks/1");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  EXPECT_TRUE(nlohmann::json::parse(r->body)["error"].is_string());
}

TEST(ServeHttp, GracefulStopDrainsEveryQueuedTask) {
  // A paused clock freezes every started io job: all five are still open when
  // the stop begins, and the drain (which resumes time) must finish them all.
  ServeOptions options;
  options.start_paused = true;
  ServedPool pool(task_queue_scenario(1, 10), options);
  std::vector<std::uint64_t> ids;
  for (int i = 0; i < 5; ++i) {
    auto [status, body] = pool.post(R"({"service_ms": 1})");
    ASSERT_EQ(status, 202);
    ids.push_back(body["task_id"].get<std::uint64_t>());
  }
  ASSERT_EQ(pool.server->run().executor().stats().outstanding, 5);
  const RunSummary s = pool.server->stop(ShutdownMode::drain);
  EXPECT_EQ(s.jobs.completed, 5u);
  EXPECT_EQ(s.jobs.cancelled, 0u);
  EXPECT_TRUE(s.accounting_holds());
  for (std::uint64_t id : ids) {
    ASSERT_TRUE(pool.server->store().find(id));
    EXPECT_EQ(pool.server->store().find(id)->status, TaskStatus::completed) << id;
  }
  EXPECT_EQ(pool.server->store().open(), 0u);
}

TEST(ServeHttp, StopWithCancelReportsQueuedTasksCancelled) {
  ServeOptions options;
  options.start_paused = true;
  ServedPool pool(task_queue_scenario(1, 10), options);
  std::vector<std::uint64_t> ids;
  for (int i = 0; i < 5; ++i) {
    auto [status, body] = pool.post(R"({"service_ms": 1})");
    ASSERT_EQ(status, 202);
    ids.push_back(body["task_id"].get<std::uint64_t>());
  }
  const RunSummary s = pool.server->stop(ShutdownMode::cancel);
  EXPECT_EQ(s.jobs.cancelled, 5u) << "one running (cut) and four queued";
  EXPECT_TRUE(s.accounting_holds());
  for (std::uint64_t id : ids) {
    ASSERT_TRUE(pool.server->store().find(id)) << "no accepted task is lost";
    EXPECT_EQ(pool.server->store().find(id)->status, TaskStatus::cancelled) << id;
  }
}

TEST(ServeHttp, PostsDuringShutdownGet503ShuttingDownWhileReadsStillWork) {
  ServedPool pool(task_queue_scenario(1, 10));
  auto [s1, task] = pool.post(R"({"service_ms": 0})");
  ASSERT_EQ(s1, 202);
  pool.server->begin_shutdown();
  auto [s2, refused] = pool.post();
  EXPECT_EQ(s2, 503);
  EXPECT_EQ(refused["error"], "shutting down");
  auto put = pool.client->put("/pool", R"({"workers": 3})", "application/json");
  ASSERT_TRUE(put);
  EXPECT_EQ(put->status, 503);
  EXPECT_EQ(pool.get("/queue/status").first, 200);
  EXPECT_EQ(pool.get("/tasks/" + task["task_id"].dump()).first, 200);
  EXPECT_FALSE(pool.get("/queue/status").second["accepting"].get<bool>());
}

TEST(ServeHttp, PutPoolChangesTheLivePoolAndRejectsBadFields) {
  ServedPool pool(task_queue_scenario(2, 10));
  auto put = [&](const std::string& body) {
    auto r = pool.client->put("/pool", body, "application/json");
    return std::pair{r ? r->status : -1,
                     r ? nlohmann::json::parse(r->body, nullptr, false) : nullptr};
  };
  EXPECT_EQ(put(R"({"workers": 4, "queue_capacity": 20})").first, 200);
  auto [qs, queue] = pool.get("/queue/status");
  EXPECT_EQ(queue["capacity"], 20);

  const std::pair<std::string, std::string> bad[] = {
      {R"({"workers": 0})", "workers"},
      {R"({"workers": "many"})", "workers"},
      {R"({"queue_capacity": -5})", "queue_capacity"},
      {R"({"limiter_rate": 0})", "limiter_rate"},
      {R"({"limiter_rate": 5})", "limiter_rate"},  // this pool has no rate limiter
      {R"({"threads": 5})", "threads"},
      {R"({})", "body"},
      {R"(nope)", "body"},
  };
  for (const auto& [body, field] : bad) {
    auto [status, answer] = put(body);
    EXPECT_EQ(status, 400) << body;
    EXPECT_EQ(answer["field"], field) << body;
  }
}

TEST(ServeHttp, PutPoolChangesTheLimiterRate) {
  Scenario s = task_queue_scenario(2, 10);
  apply_override(s, "limiter.rate", "5");
  apply_override(s, "limiter.kind", "token_bucket");
  ServedPool pool(std::move(s));
  auto r = pool.client->put("/pool", R"({"limiter_rate": 50})", "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(nlohmann::json::parse(r->body)["applied"]["limiter_rate"], 50.0);
  EXPECT_EQ(pool.server->run().scenario().limiter.rate, 50.0);
}

TEST(ServeHttp, FinishedTaskStoreNeverExceedsItsBound) {
  ServeOptions options;
  options.finished_capacity = 50;
  ServedPool pool(task_queue_scenario(2, 1000), options);
  std::uint64_t first = 0, last = 0;
  for (int i = 0; i < 300; ++i) {
    auto [status, body] = pool.post(R"({"service_ms": 0})");
    ASSERT_EQ(status, 202);
    if (i == 0) first = body["task_id"];
    last = body["task_id"];
    ASSERT_LE(pool.server->store().finished(), 50u);
  }
  pool.server->run().executor().wait_idle();
  const TaskStore& store = pool.server->store();
  EXPECT_EQ(store.finished(), 50u);
  EXPECT_LE(store.max_finished_seen(), 50u);
  EXPECT_EQ(store.evicted(), 250u);
  EXPECT_EQ(pool.get("/tasks/" + std::to_string(first)).first, 404) << "the oldest are forgotten";
  EXPECT_EQ(pool.get("/tasks/" + std::to_string(last)).second["status"], "completed");
}

}  // namespace
}  // namespace poolviz::serve
