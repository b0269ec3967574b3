// `poolviz load`: targets, the loopback rule, and a bounded load against an
// in-process server whose accounting must add up.
#include <gtest/gtest.h>

#include "serve/load_generator.h"
#include "serve_support.h"

namespace poolviz::serve {
namespace {

using testing::ServedPool;
using testing::task_queue_scenario;

TEST(LoadTarget, ParsesHostPortAndPath) {
  auto t = std::get<Target>(parse_target("http://127.0.0.1:8080/tasks"));
  EXPECT_EQ(t.host, "127.0.0.1");
  EXPECT_EQ(t.port, 8080);
  EXPECT_EQ(t.path, "/tasks");
  auto bare = std::get<Target>(parse_target("http://localhost:9000"));
  EXPECT_EQ(bare.path, "/tasks") << "the path defaults to /tasks";
  auto v6 = std::get<Target>(parse_target("http://[::1]:81/x"));
  EXPECT_EQ(v6.host, "::1");
  EXPECT_EQ(v6.port, 81);
  EXPECT_EQ(v6.path, "/x");
  EXPECT_TRUE(std::holds_alternative<std::string>(parse_target("https://127.0.0.1/")));
  EXPECT_TRUE(std::holds_alternative<std::string>(parse_target("127.0.0.1:8080")));
  EXPECT_TRUE(std::holds_alternative<std::string>(parse_target("http://127.0.0.1:0/")));
  EXPECT_TRUE(std::holds_alternative<std::string>(parse_target("http://127.0.0.1:http/")));
}

TEST(LoadTarget, RecognisesOnlyLoopbackHostsAsLocal) {
  EXPECT_TRUE(is_loopback_host("localhost"));
  EXPECT_TRUE(is_loopback_host("127.0.0.1"));
  EXPECT_TRUE(is_loopback_host("127.1.2.3"));
  EXPECT_TRUE(is_loopback_host("::1"));
  EXPECT_FALSE(is_loopback_host("127.0.0.1.example.com"));
  EXPECT_FALSE(is_loopback_host("10.0.0.1"));
  EXPECT_FALSE(is_loopback_host("example.com"));
  EXPECT_FALSE(is_loopback_host("0.0.0.0"));
  EXPECT_FALSE(is_loopback_host("127.0.0.256"));
}

TEST(LoadGenerator, RefusesRemoteTargetsUnlessAllowed) {
  LoadOptions o;
  o.url = "http://192.0.2.1:8080/tasks";
  ASSERT_TRUE(validate(o).has_value());
  EXPECT_NE(validate(o)->find("--allow-remote"), std::string::npos);
  EXPECT_THROW(run_load(o), std::invalid_argument);
  o.allow_remote = true;
  EXPECT_FALSE(validate(o).has_value());
}

TEST(LoadGenerator, RefusesRateAndConcurrencyTogetherAndUnboundedDurations) {
  LoadOptions o;
  o.url = "http://127.0.0.1:8080/tasks";
  o.rate = 10;
  o.concurrency = 2;
  EXPECT_TRUE(validate(o).has_value());
  o.concurrency = 0;
  o.duration_s = 0;
  EXPECT_TRUE(validate(o).has_value());
  o.duration_s = 7200;
  EXPECT_TRUE(validate(o).has_value());
}

TEST(LoadGenerator, FiveThousandRequestsFromEightClientsAreAllAccountedFor) {
  ServedPool pool(task_queue_scenario(/*workers=*/2, /*capacity=*/50));
  LoadOptions o;
  o.url = "http://127.0.0.1:" + std::to_string(pool.port) + "/tasks";
  o.concurrency = 8;
  o.max_requests = 5000;
  o.duration_s = 3600;  // the request cap ends it
  o.body = R"({"service_ms": 0})";
  const LoadReport report = run_load(o);

  EXPECT_EQ(report.sent, 5000u);
  EXPECT_EQ(report.errors, 0u);
  const std::uint64_t accepted = report.count(202);
  const std::uint64_t rejected = report.count(503);
  EXPECT_EQ(accepted + rejected, report.sent) << "only 202 and 503 answers";
  EXPECT_GT(accepted, 0u);

  const RunSummary s = pool.server->stop(ShutdownMode::drain);
  EXPECT_EQ(s.jobs.submitted, 5000u);
  EXPECT_EQ(s.jobs.completed, accepted) << "every accepted task completed";
  EXPECT_EQ(s.jobs.rejected, rejected);
  EXPECT_EQ(pool.server->accepted(), accepted);
  EXPECT_TRUE(s.accounting_holds());
  EXPECT_EQ(pool.server->store().open(), 0u);
  EXPECT_EQ(report.latency.count(), 5000u);
}

TEST(LoadGenerator, OpenLoopSendsNoMoreThanItsRateAllowsAndStopsByItself) {
  ServedPool pool(task_queue_scenario(2, 1000));
  LoadOptions o;
  o.url = "http://127.0.0.1:" + std::to_string(pool.port);
  o.rate = 200;
  o.duration_s = 0.25;
  o.body = R"({"service_ms": 0})";
  const LoadReport report = run_load(o);
  EXPECT_EQ(report.mode, "open");
  EXPECT_LE(report.sent, 50u) << "requests are due at k / rate, and none after the duration";
  EXPECT_EQ(report.sent, report.count(202) + report.count(503) + report.errors);
}

TEST(LoadGenerator, CountsRequestsWithoutAnswerAsErrors) {
  int port = 0;
  {
    ServedPool pool(task_queue_scenario(1, 10));
    port = pool.port;
  }  // nothing listens there any more
  LoadOptions o;
  o.url = "http://127.0.0.1:" + std::to_string(port) + "/tasks";
  o.concurrency = 1;
  o.max_requests = 3;
  o.timeout_s = 2;
  const LoadReport report = run_load(o);
  EXPECT_EQ(report.sent, 3u);
  EXPECT_EQ(report.errors, 3u);
  EXPECT_EQ(report.answered(), 0u);
}

TEST(LoadReport, JsonNamesCountsPerStatusAndPercentiles) {
  LoadReport r;
  r.url = "http://127.0.0.1:1/tasks";
  r.mode = "closed";
  r.concurrency = 1;
  r.sent = 3;
  r.by_status[202] = 2;
  r.by_status[503] = 1;
  r.latency.record(1'000'000);
  const auto j = nlohmann::json::parse(report_to_json(r));
  EXPECT_EQ(j["status"]["202"], 2);
  EXPECT_EQ(j["status"]["503"], 1);
  EXPECT_TRUE(j["latency_ms"]["p99"].is_number());
  EXPECT_NE(report_to_text(r).find("503"), std::string::npos);
}

}  // namespace
}  // namespace poolviz::serve
