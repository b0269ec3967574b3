// `poolviz serve --web DIR` (app/serve/static_site.h): the folder's files with
// the cross-origin isolation headers, the right types, and nothing outside the
// folder, whatever the path says. The handler is called directly (no socket).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

#include "raw_http.h"
#include "serve/http_server.h"
#include "serve/static_site.h"

namespace poolviz::serve {
namespace {

namespace fs = std::filesystem;

class StaticSiteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = fs::temp_directory_path() / ("poolviz-static-" + std::to_string(::getpid()) + "-" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(base_);
    fs::create_directories(base_ / "site" / "sub");
    write(base_ / "site" / "index.html", "<!doctype html>");
    write(base_ / "site" / "poolviz.wasm", std::string("\0asm", 4));
    write(base_ / "site" / "poolviz.js", "var Module;");
    write(base_ / "site" / "sub" / "index.html", "sub");
    write(base_ / "site" / ".hidden", "hidden");
    write(base_ / "secret.txt", "outside");
    fs::create_symlink(base_ / "secret.txt", base_ / "site" / "link.txt");
  }
  void TearDown() override { fs::remove_all(base_); }
  static void write(const fs::path& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

  HttpResponse get(const std::string& path, const std::string& method = "GET") const {
    StaticSite site(base_ / "site");
    HttpRequest request;
    request.method = method;
    request.target = path;
    request.path = path;
    HttpResponse response;
    site.handle(request, response);
    return response;
  }
  static std::string header(const HttpResponse& response, const std::string& name) {
    for (const auto& [key, value] : response.headers) {
      if (key == name) return value;
    }
    return "";
  }

  fs::path base_;
};

TEST_F(StaticSiteTest, ServesTheFolderCrossOriginIsolatedWithTheRightTypes) {
  const HttpResponse index = get("/");
  EXPECT_EQ(index.status, 200);
  EXPECT_EQ(index.body, "<!doctype html>");
  EXPECT_EQ(index.content_type, "text/html; charset=utf-8");
  EXPECT_EQ(header(index, "Cross-Origin-Opener-Policy"), "same-origin");
  EXPECT_EQ(header(index, "Cross-Origin-Embedder-Policy"), "require-corp");
  const HttpResponse wasm = get("/poolviz.wasm");
  EXPECT_EQ(wasm.status, 200);
  EXPECT_EQ(wasm.content_type, "application/wasm");
  EXPECT_EQ(wasm.body.size(), 4U);
  EXPECT_EQ(get("/poolviz.js").content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(get("/sub/").body, "sub");
}

TEST_F(StaticSiteTest, NoPathReachesAFileOutsideTheFolder) {
  for (const char* path : {"/../secret.txt", "/sub/../../secret.txt", "/..", "/./index.html", "/.hidden",
                           "/link.txt", "/sub/..\\..\\secret.txt", "secret.txt", "//../secret.txt", "/missing"}) {
    const HttpResponse response = get(path);
    EXPECT_EQ(response.status, 404) << path;
    EXPECT_EQ(response.body.find("outside"), std::string::npos) << path;
    EXPECT_EQ(header(response, "Cross-Origin-Embedder-Policy"), "require-corp") << path;
  }
  EXPECT_EQ(get(std::string("/index.html\0.png", 16)).status, 404);
}

TEST_F(StaticSiteTest, OnlyGetAndHeadAreAnswered) {
  EXPECT_EQ(get("/", "POST").status, 405);
  const HttpResponse head = get("/", "HEAD");
  EXPECT_EQ(head.status, 200);
  EXPECT_TRUE(head.body.empty());
  EXPECT_EQ(head.head_length, get("/").body.size());
}

TEST_F(StaticSiteTest, HeadOverTheWireAnswersTheFilesLengthWithNoBody) {
  const StaticSite site(base_ / "site");
  HttpServer server(HttpLimits{}, [&site](const HttpRequest& request, HttpResponse& response) {
    site.handle(request, response);
  });
  const int port = server.listen("127.0.0.1", 0);
  server.start(1);
  testing::RawConnection c(port);
  ASSERT_TRUE(c.connected());
  ASSERT_TRUE(c.send("HEAD /poolviz.js HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  bool closed = false;
  const std::string answer = c.read_until_closed(std::chrono::seconds(10), &closed);  // hang detection only
  EXPECT_TRUE(closed);
  EXPECT_EQ(answer.rfind("HTTP/1.1 200", 0), 0U) << answer;
  EXPECT_NE(answer.find("\r\nContent-Length: 11\r\n"), std::string::npos) << answer;  // "var Module;"
  EXPECT_EQ(answer.size(), answer.find("\r\n\r\n") + 4) << "no body after the headers: " << answer;
  server.stop();
}

TEST_F(StaticSiteTest, AMissingFolderIsRefusedAtStart) {
  EXPECT_THROW(StaticSite(base_ / "nope"), std::runtime_error);
}

}  // namespace
}  // namespace poolviz::serve
