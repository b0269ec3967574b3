// `poolviz serve` against hostile and sloppy clients (issue 17): each finding
// is a test on an ephemeral loopback port. Waits have deadlines that only
// detect a hang; nothing sleeps to synchronise.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <limits>
#include <memory>
#include <stdexcept>
#include <thread>
#include <vector>

#include "poolviz/compat_thread.h"

#include "raw_http.h"
#include "serve/http_server.h"
#include "serve_support.h"

namespace poolviz::serve {
namespace {

using namespace std::chrono_literals;
using testing::RawConnection;
using testing::ServedPool;
using testing::status_of;
using testing::task_queue_scenario;

constexpr auto kAnswerDeadline = 10s;  // hang detection only

TEST(ServeLimits, PathsThatAreNotUtf8Answer404AndTheServerLives) {
  ServedPool pool(task_queue_scenario(1, 10));
  for (const char* path : {"/%FF", "/%80", "/tasks/x/%C3", "/tasks/%FF", "/%C3%28", "/%7F%00"}) {
    auto r = pool.client->get(path);
    ASSERT_TRUE(r) << path;
    EXPECT_EQ(r->status, 404) << path;
    EXPECT_TRUE(nlohmann::json::parse(r->body, nullptr, false).is_object()) << path;
  }
  auto post = pool.client->post("/%FF", "{}");
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 404);
  EXPECT_EQ(pool.get("/queue/status").first, 200) << "the server still answers";
}

TEST(ServeLimits, AnEndlessHeaderLineIsCutAt431AndTheConnectionClosed) {
  ServedPool pool(task_queue_scenario(1, 10));
  const long before = testing::resident_kib();
  RawConnection c(pool.port);
  ASSERT_TRUE(c.connected());
  // The sender keeps sending (up to 64 MB) while this thread reads the answer.
  poolviz::jthread sender([&c] {
    if (!c.send("GET /queue/status HTTP/1.1\r\nHost: x\r\nX-Endless: ")) return;
    const std::string chunk(64 * 1024, 'a');
    for (int i = 0; i < 1024; ++i) {
      if (!c.send(chunk)) return;
    }
  });
  bool closed = false;
  const std::string answer = c.read_until_closed(kAnswerDeadline, &closed);
  sender.join();
  EXPECT_EQ(status_of(answer), 431) << answer.substr(0, 80);
  EXPECT_TRUE(closed) << "the server closed the connection";
  const long after = testing::resident_kib();
  EXPECT_LT(after - before, 5 * 1024) << "RSS grew from " << before << " to " << after << " KiB";
  EXPECT_EQ(pool.get("/queue/status").first, 200);
}

TEST(ServeLimits, MoreThanAHundredHeadersAre431) {
  ServedPool pool(task_queue_scenario(1, 10));
  RawConnection c(pool.port);
  std::string request = "GET /queue/status HTTP/1.1\r\nHost: x\r\n";
  for (int i = 0; i < 150; ++i) request += "X-" + std::to_string(i) + ": y\r\n";
  ASSERT_TRUE(c.send(request + "\r\n"));
  EXPECT_EQ(status_of(c.read_answer(kAnswerDeadline)), 431);
}

TEST(ServeLimits, ARequestLineOver8KiBIs414) {
  ServedPool pool(task_queue_scenario(1, 10));
  RawConnection c(pool.port);
  ASSERT_TRUE(c.send("GET /" + std::string(9000, 'a') + " HTTP/1.1\r\n\r\n"));
  EXPECT_EQ(status_of(c.read_answer(kAnswerDeadline)), 414);
}

TEST(ServeLimits, ConflictingOrInvalidContentLengthIs400) {
  ServedPool pool(task_queue_scenario(1, 10));
  const char* requests[] = {
      "POST /tasks HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}",
      "POST /tasks HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
      "POST /tasks HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
      "POST /tasks HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nTransfer-Encoding: "
      "chunked\r\n\r\n0\r\n\r\n",
      "POST /tasks HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: "
      "2\r\n\r\n0\r\n\r\n",
  };
  for (const char* request : requests) {
    RawConnection c(pool.port);
    ASSERT_TRUE(c.send(request));
    bool closed = false;
    const std::string answer = c.read_until_closed(kAnswerDeadline, &closed);
    EXPECT_EQ(status_of(answer), 400) << request;
    EXPECT_TRUE(closed) << request;
  }
  EXPECT_EQ(pool.server->run().executor().stats().submitted, 0u);
}

TEST(ServeLimits, ADeclaredBodyOverTheLimitIs413BeforeAnyOfItArrives) {
  // With minute-long deadlines, an answer within the hang guard can only be
  // the early 413, not one sent when a read timed out.
  ServeOptions options;
  options.http.header_timeout = 60s;
  options.http.body_timeout = 60s;
  ServedPool pool(task_queue_scenario(1, 10), options);
  RawConnection c(pool.port);
  ASSERT_TRUE(c.send("POST /tasks HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\n\r\n"));
  EXPECT_EQ(status_of(c.read_answer(kAnswerDeadline)), 413);
}

TEST(ServeLimits, NumbersOutOfRangeAre400NamingTheField) {
  ServedPool pool(task_queue_scenario(1, 10));
  const std::pair<std::string, std::string> posts[] = {
      {R"({"service_ms": 1e309})", "service_ms"},
      {R"({"service_ms": -1e309})", "service_ms"},
      {R"({"priority": 18446744073709551615})", "priority"},  // 2^64 - 1
      {R"({"priority": 18446744073709551616})", "priority"},  // 2^64
      {R"({"priority": 9223372036854775808})", "priority"},   // 2^63
      {R"({"kind": "io", "priority": 2147483648})", "priority"},
  };
  for (const auto& [body, field] : posts) {
    auto [status, answer] = pool.post(body);
    EXPECT_EQ(status, 400) << body;
    EXPECT_EQ(answer["field"], field) << body;
  }
  const std::pair<std::string, std::string> puts[] = {
      {R"({"workers": 1e309})", "workers"},
      {R"({"workers": 18446744073709551615})", "workers"},
      {R"({"workers": 18446744073709551616})", "workers"},
      {R"({"queue_capacity": 18446744073709551615})", "queue_capacity"},
      {R"({"limiter_rate": 1e309})", "limiter_rate"},
  };
  for (const auto& [body, field] : puts) {
    auto r = pool.client->put("/pool", body);
    ASSERT_TRUE(r) << body;
    EXPECT_EQ(r->status, 400) << body;
    EXPECT_EQ(nlohmann::json::parse(r->body)["field"], field) << body;
  }
  EXPECT_EQ(pool.server->run().executor().stats().submitted, 0u);
}

/// Opens `n` connections that each send half a request and then nothing.
std::vector<std::unique_ptr<RawConnection>> slow_clients(int port, int n) {
  std::vector<std::unique_ptr<RawConnection>> clients;
  for (int i = 0; i < n; ++i) {
    auto c = std::make_unique<RawConnection>(port);
    if (c->connected()) c->send("GET /queue/status HTTP/1.1\r\nHost: x\r\nX-Slow: 1\r\n");
    clients.push_back(std::move(c));
  }
  return clients;
}

TEST(ServeLimits, TwoHundredSlowConnectionsDoNotDelayANormalRequest) {
  ServedPool pool(task_queue_scenario(1, 10));
  const auto slow = slow_clients(pool.port, 200);
  // The deadline is the issue's bound, used to detect a starved server (with
  // one thread per connection, this request waited for the slow ones).
  HttpClient client("127.0.0.1", pool.port, /*timeout_s=*/1.0);
  auto r = client.get("/queue/status");
  ASSERT_TRUE(r) << "no answer within 1 s with 200 slow connections open";
  EXPECT_EQ(r->status, 200);
}

TEST(ServeLimits, StopWithTwoHundredSlowConnectionsHeldEndsPromptly) {
  ServedPool pool(task_queue_scenario(1, 10));
  auto slow = slow_clients(pool.port, 200);
  ASSERT_EQ(pool.post(R"({"service_ms": 0})").first, 202);
  const auto started = std::chrono::steady_clock::now();
  pool.server->begin_shutdown();
  const RunSummary s = pool.server->stop(ShutdownMode::drain);
  const auto took = std::chrono::steady_clock::now() - started;
  EXPECT_TRUE(s.accounting_holds());
  // A hang guard: with one thread per connection this waited for the clients.
  EXPECT_LT(took, 3s);
  bool closed = false;
  slow.front()->read_until_closed(kAnswerDeadline, &closed);
  EXPECT_TRUE(closed) << "the slow connections were closed";
}

TEST(ServeLimits, ConnectionsBeyondTheCapGet503) {
  ServeOptions options;
  options.http.max_connections = 2;
  ServedPool pool(task_queue_scenario(1, 10), options);
  RawConnection a(pool.port), b(pool.port);
  // Answered on each, so both are admitted before the third arrives.
  ASSERT_TRUE(a.send("GET /queue/status HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_EQ(status_of(a.read_answer(kAnswerDeadline)), 200);
  ASSERT_TRUE(b.send("GET /queue/status HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_EQ(status_of(b.read_answer(kAnswerDeadline)), 200);
  RawConnection c(pool.port);
  bool closed = false;
  EXPECT_EQ(status_of(c.read_until_closed(kAnswerDeadline, &closed)), 503);
  EXPECT_TRUE(closed);
}

TEST(ServeLimits, AnUnboundedQueueIsRefusedUnlessAllowed) {
  try {
    TaskServer server(task_queue_scenario(1, 0), ServeOptions{});
    ADD_FAILURE() << "an unbounded queue was served";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("pool.queue_capacity"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("--allow-unbounded"), std::string::npos) << e.what();
  }
  Scenario stealing = load_scenario("work-stealing");
  EXPECT_THROW(TaskServer(stealing, ServeOptions{}), std::invalid_argument);
  ServeOptions allowed;
  allowed.allow_unbounded = true;
  EXPECT_NO_THROW(TaskServer(task_queue_scenario(1, 0), allowed));

  ServedPool pool(task_queue_scenario(1, 10));
  auto r = pool.client->put("/pool", R"({"queue_capacity": 0})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(nlohmann::json::parse(r->body)["field"], "queue_capacity");
}

TEST(ServeLimits, SpeedOutsideItsBoundsIsRefused) {
  for (double speed : {0.0, 0.001, 1001.0, 1e9, std::nan(""),
                       std::numeric_limits<double>::infinity()}) {
    ServeOptions options;
    options.speed = speed;
    EXPECT_THROW(TaskServer(task_queue_scenario(1, 10), options), std::invalid_argument) << speed;
  }
}

TEST(ServeLimits, PutPoolNeedsTheTokenWhenOneIsSet) {
  ServeOptions options;
  options.token = "s3cret";
  ServedPool pool(task_queue_scenario(1, 10), options);
  auto refused = pool.client->put("/pool", R"({"workers": 2})");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 401);
  HttpClient wrong("127.0.0.1", pool.port);
  wrong.set_header("Authorization", "Bearer s3cre");
  EXPECT_EQ(wrong.put("/pool", R"({"workers": 2})")->status, 401);
  HttpClient right("127.0.0.1", pool.port);
  right.set_header("Authorization", "Bearer s3cret");
  EXPECT_EQ(right.put("/pool", R"({"workers": 2})")->status, 200);
  EXPECT_EQ(pool.post().first, 202) << "POST /tasks needs no token";
}

TEST(HttpServerLastResort, AHandlerThatThrowsAnswers500AndTheServerLives) {
  HttpServer server(HttpLimits{}, [](const HttpRequest& req, HttpResponse& res) {
    if (req.path == "/throw") throw std::out_of_range("boom");
    res.body = "{}";
  });
  const int port = server.listen("127.0.0.1", 0);
  server.start(1);
  HttpClient client("127.0.0.1", port);
  auto r = client.get("/throw");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 500);
  EXPECT_EQ(client.get("/fine")->status, 200);
  server.stop();
}

TEST(HttpServerPrintable, ReplacesBytesThatAreNotUtf8) {
  EXPECT_EQ(printable("plain"), "plain");
  EXPECT_EQ(printable("caf\xC3\xA9"), "caf\xC3\xA9");
  EXPECT_EQ(printable("\xFF"), "?");
  EXPECT_EQ(printable("\xC3"), "?");
  EXPECT_EQ(printable("\xC0\x80"), "??");          // overlong
  EXPECT_EQ(printable("\xED\xA0\x80"), "???");     // a surrogate
  EXPECT_EQ(printable("\xF4\x90\x80\x80"), "????");  // beyond U+10FFFF
  EXPECT_EQ(printable("a\nb"), "a?b");
}

}  // namespace
}  // namespace poolviz::serve
