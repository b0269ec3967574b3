// app/serve/http_client.h — a small blocking HTTP/1.1 client (Boost.Beast on its
// own Boost.Asio io_context) for `poolviz load` and the tests: one keep-alive
// connection, every step bounded by a timeout.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace poolviz::serve {

struct HttpReply {
  int status = 0;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  bool has_header(std::string_view name) const;
  /// The first header named `name` (case-insensitive), or "".
  std::string get_header_value(std::string_view name) const;
};

/// Not thread-safe: one client per thread.
class HttpClient {
 public:
  /// Connects lazily, on the first request. `timeout_s` bounds the connect and
  /// each request (send and answer).
  HttpClient(std::string host, int port, double timeout_s = 5);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  /// Off: every request on a new connection (Connection: close).
  void set_keep_alive(bool on) { keep_alive_ = on; }
  /// A header sent with every request from now on (e.g. Authorization).
  void set_header(std::string name, std::string value) {
    headers_.emplace_back(std::move(name), std::move(value));
  }

  /// Sends one request; nothing when no HTTP answer came (refused, reset,
  /// timed out, malformed). A kept-alive connection the server has closed is
  /// reopened once, when nothing of the answer had arrived.
  std::optional<HttpReply> request(std::string_view method, std::string_view target,
                                   std::string_view body = {},
                                   std::string_view content_type = "application/json");
  std::optional<HttpReply> get(std::string_view target) { return request("GET", target); }
  std::optional<HttpReply> post(std::string_view target, std::string_view body,
                                std::string_view content_type = "application/json") {
    return request("POST", target, body, content_type);
  }
  std::optional<HttpReply> put(std::string_view target, std::string_view body,
                               std::string_view content_type = "application/json") {
    return request("PUT", target, body, content_type);
  }
  std::optional<HttpReply> remove(std::string_view target) { return request("DELETE", target); }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  bool keep_alive_ = true;
  std::vector<std::pair<std::string, std::string>> headers_;
};

}  // namespace poolviz::serve
