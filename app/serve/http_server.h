// app/serve/http_server.h — the HTTP/1.1 server under `poolviz serve`: Boost.Beast
// on one Boost.Asio io_context driven by a few threads. Every accept, read and
// write is asynchronous, so an idle or slow connection costs a socket and a
// buffer, never a thread.
//
// [SECTION] HttpLimits   — every bound a client meets, each with a safe default
// [SECTION] HttpRequest / HttpResponse
// [SECTION] HttpServer
//
// What a client cannot do (each answer closes the connection):
//   a request line longer than max_line_bytes      → 414
//   a header line longer than max_line_bytes, more than max_headers headers,
//   or more than max_header_bytes of headers      → 431
//   a declared body over max_body_bytes            → 413 at once (chunked: when it gets there)
//   conflicting or invalid Content-Length, Content-Length with chunked,
//   any other malformed request                    → 400
//   headers not complete header_timeout after the request's first byte, or a
//   body not complete body_timeout after its headers, or a keep-alive
//   connection idle for idle_timeout               → closed
//   a connection beyond max_connections           → 503 and closed
// A handler that throws answers 500 for that request and logs one line to stderr.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace poolviz::serve {

// [SECTION] HttpLimits ----------------------------------------------------------

struct HttpLimits {
  std::size_t max_line_bytes = 8 * 1024;     // the request line, and each header line
  std::size_t max_headers = 100;             // header fields in one request
  std::size_t max_header_bytes = 64 * 1024;  // request line and all headers together
  std::size_t max_body_bytes = 64 * 1024;    // larger bodies get 413
  std::chrono::milliseconds header_timeout{5'000};  // first byte → end of headers
  std::chrono::milliseconds body_timeout{10'000};   // end of headers → end of body
  std::chrono::milliseconds idle_timeout{30'000};   // keep-alive wait for the next request
  std::chrono::milliseconds write_timeout{10'000};  // one response to leave
  std::size_t max_connections = 1024;               // open at once; more get 503 + close
  int listen_backlog = 512;                         // the kernel's queue of unaccepted connections
};

// [SECTION] HttpRequest / HttpResponse -----------------------------------------

struct HttpRequest {
  std::string method;  // "GET", "POST", ... as sent
  std::string target;  // as sent, e.g. "/tasks/7?x=1"
  std::string path;    // target without the query, percent-decoded: any bytes, maybe not UTF-8
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  /// The first header named `name` (case-insensitive), or "".
  std::string_view header(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // besides type, length, connection
  /// An answer to HEAD: the Content-Length a GET would carry, sent with no body
  /// (set it and leave body empty). Unset: the length is the body's.
  std::optional<std::size_t> head_length;
  void set_header(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
  }
};

// [SECTION] HttpServer ----------------------------------------------------------

class HttpServer {
 public:
  /// Runs on the server's threads, any number at once: must be thread-safe and
  /// must not block for long (it holds one of the few threads).
  using Handler = std::function<void(const HttpRequest&, HttpResponse&)>;
  /// Called once each response has been written (before the connection reads
  /// its next request), with the status sent; the same threads as the handler.
  using SentObserver = std::function<void(int status)>;

  HttpServer(HttpLimits limits, Handler handler, SentObserver sent = {});
  /// stop()s.
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  /// Binds and listens; port 0 picks a free one. Returns the bound port;
  /// throws std::runtime_error when the address cannot be bound.
  int listen(const std::string& address, int port);
  /// Starts `threads` threads (at least 1) answering on the listening socket.
  void start(int threads);

  /// Shutdown has begun: closes at once every connection that is waiting for a
  /// request or partway through one; from now on each answer closes its
  /// connection. Keeps listening (clients may still poll). Any thread.
  void close_idle();
  /// Stops accepting, closes every connection and joins the threads; bounded
  /// in time whatever clients do. Idempotent, any thread but the server's.
  void stop();

  /// Connections open now (tests, metrics).
  std::size_t open_connections() const;

  struct Impl;  // defined in http_server.cpp, with the connections that use it

 private:
  std::shared_ptr<Impl> impl_;
};

/// Replaces every byte that is not part of valid UTF-8, and every control
/// character, with '?': request data can then go into JSON and logs.
std::string printable(std::string_view bytes);

}  // namespace poolviz::serve
