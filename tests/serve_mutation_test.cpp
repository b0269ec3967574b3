// A deterministic mutation test of `poolviz serve` over raw requests: valid
// requests are mutated (bytes flipped, inserted, deleted, lines duplicated,
// numbers blown up, cut short) and each is sent on its own loopback connection.
// Every answer must be a well-formed HTTP status the contract allows (never a
// 500), and the server must still answer at the end.
//
// POOLVIZ_HTTP_MUTATIONS=N sets the count (default 600, a few seconds); the
// fuzz stage of scripts/test runs more, under a time budget
// (POOLVIZ_HTTP_MUTATION_SECONDS, default 50).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "raw_http.h"
#include "serve_support.h"

namespace poolviz::serve {
namespace {

using namespace std::chrono_literals;
using testing::RawConnection;
using testing::ServedPool;
using testing::status_of;
using testing::task_queue_scenario;

const std::vector<std::string>& seeds() {
  static const std::vector<std::string> kSeeds = {
      "POST /tasks HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
      "41\r\nConnection: close\r\n\r\n{\"kind\":\"io\",\"service_ms\":5,\"priority\":3}",
      "POST /tasks HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: "
      "close\r\n\r\n10\r\n{\"service_ms\":1}\r\n0\r\n\r\n",
      "GET /tasks/1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
      "GET /queue/status HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
      "GET /metrics HTTP/1.0\r\n\r\n",
      "PUT /pool HTTP/1.1\r\nHost: x\r\nContent-Length: 32\r\nConnection: "
      "close\r\n\r\n{\"workers\":2,\"queue_capacity\":5}",
      "POST /tasks HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\nConnection: "
      "close\r\n\r\n{}",
  };
  return kSeeds;
}

std::string mutate(std::string s, std::mt19937_64& rng) {
  static const std::vector<std::string> kInserts = {
      "%FF", "%C3", "\xFF", "\x80", std::string(1, '\0'), "\r\n", "\n", ":", " ", "1e309",
      "18446744073709551616", "-", "\"", "{", "}", "Content-Length: 7\r\n",
      "Transfer-Encoding: chunked\r\n", "Content-Length: 99999999\r\n", std::string(9000, 'a')};
  auto pick = [&rng](std::size_t n) { return n == 0 ? 0 : static_cast<std::size_t>(rng() % n); };
  const int edits = 1 + static_cast<int>(rng() % 4);
  for (int e = 0; e < edits; ++e) {
    switch (rng() % 6) {
      case 0:  // flip a byte
        if (!s.empty()) s[pick(s.size())] = static_cast<char>(rng() & 0xFF);
        break;
      case 1:  // insert something nasty
        s.insert(pick(s.size() + 1), kInserts[pick(kInserts.size())]);
        break;
      case 2: {  // delete a range
        const std::size_t at = pick(s.size() + 1);
        s.erase(at, pick(16) + 1);
        break;
      }
      case 3: {  // duplicate a line
        const std::size_t start = s.find("\r\n", pick(s.size() + 1));
        if (start == std::string::npos) break;
        const std::size_t end = s.find("\r\n", start + 2);
        if (end != std::string::npos) s.insert(end, s.substr(start, end - start));
        break;
      }
      case 4:  // cut short
        s.resize(pick(s.size() + 1));
        break;
      default: {  // replace a digit run with a huge number
        const std::size_t at = s.find_first_of("0123456789", pick(s.size() + 1));
        if (at != std::string::npos) s.replace(at, 1, "99999999999999999999999");
        break;
      }
    }
  }
  return s;
}

long env_or(const char* name, long fallback) {
  const char* text = std::getenv(name);
  return text ? std::atol(text) : fallback;
}

TEST(ServeMutation, MutatedRawRequestsNeverCrashTheServerOrAnswer500) {
  const long count = env_or("POOLVIZ_HTTP_MUTATIONS", 600);
  const auto budget = std::chrono::seconds(env_or("POOLVIZ_HTTP_MUTATION_SECONDS", 50));
  ServeOptions options;
  options.start_paused = true;  // accepted tasks stay queued: nothing runs
  options.http.header_timeout = 500ms;
  options.http.body_timeout = 500ms;
  options.http.idle_timeout = 500ms;
  ServedPool pool(task_queue_scenario(1, 10), options);
  const std::set<int> allowed = {100, 200, 202, 400, 401, 403, 404, 413, 414, 431, 503};
  std::mt19937_64 rng(17);
  const auto started = std::chrono::steady_clock::now();
  long sent = 0, answered = 0;
  for (long i = 0; i < count && std::chrono::steady_clock::now() - started < budget; ++i) {
    const std::string& seed = seeds()[static_cast<std::size_t>(i) % seeds().size()];
    const std::string request = mutate(seed, rng);
    RawConnection c(pool.port);
    ASSERT_TRUE(c.connected()) << "request " << i << ": the server stopped accepting";
    c.send(request);
    c.finish_sending();
    const std::string answer = c.read_until_closed(10s);
    ++sent;
    if (answer.empty()) continue;  // closed without an answer (an incomplete request)
    ++answered;
    // A 100 Continue may precede the answer.
    std::string last = answer;
    if (last.starts_with("HTTP/1.1 100 ")) last = last.substr(last.find("\r\n\r\n") + 4);
    if (last.empty()) continue;  // continued, then the body never came
    const int status = status_of(last);
    EXPECT_TRUE(allowed.count(status)) << "request " << i << " answered " << status << ":\n"
                                       << ::testing::PrintToString(request);
    if (::testing::Test::HasFailure()) break;
  }
  EXPECT_GT(answered, sent / 4) << "most mutations still get an answer";
  EXPECT_EQ(pool.get("/queue/status").first, 200);
  std::printf("mutation test: %ld requests, %ld answered\n", sent, answered);
}

}  // namespace
}  // namespace poolviz::serve
