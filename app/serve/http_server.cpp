#include "serve/http_server.h"

#include <algorithm>
#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <thread>
#include <unordered_map>

namespace poolviz::serve {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

// [SECTION] Helpers -------------------------------------------------------------

std::string_view HttpRequest::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (beast::iequals(key, name)) return value;
  }
  return {};
}

std::string printable(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  const std::size_t n = bytes.size();
  std::size_t i = 0;
  while (i < n) {
    const unsigned char c = p[i];
    if (c < 0x80) {
      out += (c < 0x20 || c == 0x7F) ? '?' : static_cast<char>(c);
      ++i;
      continue;
    }
    // Length and the range of the second byte (which rules out overlong forms,
    // surrogates and code points beyond U+10FFFF), as in RFC 3629's table.
    std::size_t len = 0;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    }
    bool valid = len > 0 && i + len <= n && p[i + 1] >= lo && p[i + 1] <= hi;
    for (std::size_t k = 2; valid && k < len; ++k) valid = p[i + k] >= 0x80 && p[i + k] <= 0xBF;
    if (valid) {
      out.append(bytes.substr(i, len));
      i += len;
    } else {
      out += '?';
      ++i;
    }
  }
  return out;
}

namespace {

constexpr std::size_t kReadChunk = 8 * 1024;
constexpr std::size_t kMaxDiscardBytes = 1024 * 1024;  // read (and dropped) while closing
constexpr auto kLingerTime = std::chrono::seconds(1);  // lets an error answer reach the client
constexpr auto kStopGrace = std::chrono::seconds(1);   // stop(): threads then get stopped

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/// The target's path without query, with %XX decoded (malformed escapes kept as sent).
std::string decode_path(std::string_view target) {
  target = target.substr(0, target.find('?'));
  std::string out;
  out.reserve(target.size());
  for (std::size_t i = 0; i < target.size(); ++i) {
    if (target[i] == '%' && i + 2 < target.size()) {
      const int hi = hex_value(target[i + 1]), lo = hex_value(target[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += target[i];
  }
  return out;
}

std::string error_body(std::string_view message) {
  return nlohmann::json{{"error", printable(message)}}.dump();
}

void serialize(const HttpResponse& res, bool keep_alive, std::string& out) {
  out.clear();
  out += "HTTP/1.1 ";
  out += std::to_string(res.status);
  out += ' ';
  const auto reason = http::obsolete_reason(static_cast<http::status>(res.status));
  out.append(reason.data(), reason.size());
  out += "\r\nContent-Type: ";
  out += res.content_type;
  out += "\r\nContent-Length: ";
  out += std::to_string(res.head_length.value_or(res.body.size()));
  out += "\r\n";
  for (const auto& [name, value] : res.headers) {
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
  }
  if (!keep_alive) out += "Connection: close\r\n";
  out += "\r\n";
  out += res.body;
}

}  // namespace

// [SECTION] Impl ----------------------------------------------------------------

class Session;

struct HttpServer::Impl {
  Impl(HttpLimits l, Handler h, SentObserver s)
      : limits(l), handler(std::move(h)), sent(std::move(s)) {}

  void accept();
  void admit(tcp::socket socket);
  void forget(Session* session) {
    const std::lock_guard lock(sessions_mutex);
    sessions.erase(session);
  }
  std::vector<std::shared_ptr<Session>> live_sessions() {
    std::vector<std::shared_ptr<Session>> out;
    const std::lock_guard lock(sessions_mutex);
    out.reserve(sessions.size());
    for (auto& [raw, weak] : sessions) {
      if (auto s = weak.lock()) out.push_back(std::move(s));
    }
    return out;
  }

  const HttpLimits limits;
  const Handler handler;
  const SentObserver sent;
  // Set once shutdown begins; release/acquire so a session on another thread
  // sees it before it decides to keep a connection alive.
  std::atomic<bool> closing{false};

  mutable std::mutex sessions_mutex;  // guards sessions
  std::unordered_map<Session*, std::weak_ptr<Session>> sessions;

  std::mutex threads_mutex;  // guards running, stopped
  std::condition_variable threads_done;
  int running = 0;
  bool stopped = false;
  std::vector<std::thread> threads;

  // Declared after what sessions touch in their destructors: destroying the
  // io_context destroys the handlers that own the last sessions.
  asio::io_context ioc;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  tcp::acceptor acceptor{asio::make_strand(ioc)};
  asio::steady_timer accept_retry{acceptor.get_executor()};
};

// [SECTION] Session -------------------------------------------------------------

/// One connection. Every member runs on the connection's strand.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(HttpServer::Impl& server, tcp::socket socket)
      : server_(server), limits_(server.limits), stream_(std::move(socket)) {}
  ~Session() { server_.forget(this); }

  void start() {
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] {
      self->begin_request(/*kept_alive=*/false);
      self->read();
    });
  }

  /// Over the connection cap: a 503 and close, nothing read.
  void refuse() {
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] {
      self->fail(503, "too many connections; try again later");
    });
  }

  /// Shutdown began: a connection waiting for (or partway through) a request
  /// goes now; one being answered finishes its answer and then goes.
  void close_if_reading() {
    asio::post(stream_.get_executor(), [self = shared_from_this()] {
      if (self->state_ == State::reading || self->state_ == State::lingering) self->close_now();
    });
  }
  void close() {
    asio::post(stream_.get_executor(), [self = shared_from_this()] { self->close_now(); });
  }

 private:
  enum class State { reading, writing, lingering, closed };

  void begin_request(bool kept_alive) {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(limits_.max_header_bytes));
    parser_->body_limit(limits_.max_body_bytes);
    parser_->eager(true);
    scanned_ = 0;
    line_bytes_ = 0;
    lines_ = 0;
    header_end_seen_ = false;
    header_done_ = false;
    state_ = State::reading;
    // A new connection has header_timeout to send its headers; a kept-alive one
    // may wait idle_timeout for its next request, then has header_timeout.
    started_ = !kept_alive || buffer_.size() > 0;
    stream_.expires_after(started_ ? limits_.header_timeout : limits_.idle_timeout);
  }

  void read() {
    stream_.async_read_some(buffer_.prepare(kReadChunk),
                            [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                              self->on_read(ec, n);
                            });
  }

  void on_read(beast::error_code ec, std::size_t n) {
    if (state_ != State::reading) return close_now();
    if (ec) return close_now();  // eof, reset, a deadline (beast::error::timeout), or closed
    buffer_.commit(n);
    if (!started_) {
      started_ = true;
      stream_.expires_after(limits_.header_timeout);
    }
    process();
  }

  /// Scans header bytes as they arrive, so that a line never ending is cut at
  /// the limit (the parser itself only looks once the whole header is in).
  /// Returns the status to refuse with, or 0.
  int scan_header() {
    const auto* data = static_cast<const char*>(buffer_.data().data());
    const std::size_t size = buffer_.size();
    for (; scanned_ < size && !header_end_seen_; ++scanned_) {
      if (data[scanned_] != '\n') {
        if (++line_bytes_ > limits_.max_line_bytes) return lines_ == 0 ? 414 : 431;
        continue;
      }
      const bool blank = line_bytes_ <= 1;  // "\r\n" or "\n"
      line_bytes_ = 0;
      if (blank) {
        header_end_seen_ = lines_ > 0;  // blank lines before the request line are skipped
        continue;
      }
      if (++lines_ > limits_.max_headers + 1) return 431;  // the request line and the headers
    }
    return 0;
  }

  void process() {
    for (;;) {
      if (!header_done_) {
        if (const int status = scan_header()) {
          return fail(status, status == 414 ? "request line too long" : "request header too large");
        }
      }
      beast::error_code ec;
      const std::size_t used = parser_->put(buffer_.data(), ec);
      buffer_.consume(used);
      if (!header_done_) scanned_ -= std::min(scanned_, used);
      if (!header_done_ && parser_->is_header_done()) {
        header_done_ = true;
        stream_.expires_after(limits_.body_timeout);
        const auto& msg = parser_->get();
        if (!parser_->is_done() && beast::iequals(msg[http::field::expect], "100-continue")) {
          return send_continue();
        }
      }
      if (ec == http::error::need_more) return read();
      if (ec) return fail(status_for(ec), "malformed request: " + ec.message());
      if (parser_->is_done()) return respond();
      if (buffer_.size() == 0 || used == 0) return read();
    }
  }

  static int status_for(beast::error_code ec) {
    if (ec == http::error::body_limit) return 413;
    if (ec == http::error::header_limit || ec == http::error::buffer_overflow) return 431;
    return 400;
  }

  void send_continue() {
    static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
    state_ = State::writing;
    stream_.expires_after(limits_.write_timeout);
    asio::async_write(stream_, asio::buffer(kContinue.data(), kContinue.size()),
                      [self = shared_from_this()](beast::error_code ec, std::size_t) {
                        if (ec || self->state_ != State::writing) return self->close_now();
                        self->state_ = State::reading;
                        self->stream_.expires_after(self->limits_.body_timeout);
                        if (self->buffer_.size() == 0) return self->read();
                        self->process();
                      });
  }

  void respond() {
    http::request<http::string_body>& msg = parser_->get();
    HttpRequest request;
    request.method = std::string(msg.method_string());
    request.target = std::string(msg.target());
    request.path = decode_path(request.target);
    request.body = std::move(msg.body());
    for (const auto& field : msg) {
      request.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    HttpResponse response;
    try {
      server_.handler(request, response);
    } catch (const std::exception& e) {
      response = internal_error(request, e.what());
    } catch (...) {
      response = internal_error(request, "unknown exception");
    }
    const bool keep_alive = msg.keep_alive() && !server_.closing.load(std::memory_order_acquire);
    write(response, keep_alive);
  }

  static HttpResponse internal_error(const HttpRequest& request, const char* what) {
    std::fprintf(stderr, "poolviz serve: internal error answering %s %s: %s\n",
                 printable(request.method).c_str(), printable(request.target).c_str(),
                 printable(what).c_str());
    HttpResponse response;
    response.status = 500;
    response.body = error_body("internal error");
    return response;
  }

  void fail(int status, std::string_view message) {
    HttpResponse response;
    response.status = status;
    response.body = error_body(message);
    write(response, /*keep_alive=*/false);
  }

  void write(const HttpResponse& response, bool keep_alive) {
    state_ = State::writing;
    status_ = response.status;
    keep_alive_ = keep_alive;
    serialize(response, keep_alive, out_);
    stream_.expires_after(limits_.write_timeout);
    asio::async_write(stream_, asio::buffer(out_),
                      [self = shared_from_this()](beast::error_code ec, std::size_t) {
                        self->on_write(ec);
                      });
  }

  void on_write(beast::error_code ec) {
    if (ec || state_ != State::writing) return close_now();
    if (server_.sent) server_.sent(status_);
    if (!keep_alive_ || server_.closing.load(std::memory_order_acquire)) return linger();
    begin_request(/*kept_alive=*/true);
    if (buffer_.size() > 0) return process();  // pipelined
    read();
  }

  /// Half-closes, then reads and drops what the client still sends for a
  /// moment, so that it sees the answer instead of a reset.
  void linger() {
    state_ = State::lingering;
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.expires_after(kLingerTime);
    buffer_.clear();
    discard();
  }

  void discard() {
    stream_.async_read_some(buffer_.prepare(kReadChunk),
                            [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                              self->discarded_ += n;
                              if (ec || self->state_ != State::lingering ||
                                  self->discarded_ > kMaxDiscardBytes) {
                                return self->close_now();
                              }
                              self->discard();
                            });
  }

  void close_now() {
    if (state_ == State::closed) return;
    state_ = State::closed;
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
  }

  HttpServer::Impl& server_;
  const HttpLimits& limits_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  State state_ = State::reading;
  bool started_ = false;      // a byte of the current request has arrived
  bool header_done_ = false;  // the parser has the whole header
  std::size_t scanned_ = 0;   // header bytes checked by scan_header
  std::size_t line_bytes_ = 0;
  std::size_t lines_ = 0;
  bool header_end_seen_ = false;
  std::string out_;  // the response being written
  int status_ = 0;
  bool keep_alive_ = false;
  std::size_t discarded_ = 0;
};

void HttpServer::Impl::accept() {
  acceptor.async_accept(asio::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
    if (!acceptor.is_open() || ec == asio::error::operation_aborted) return;
    if (ec) {
      // Out of descriptors or similar: try again shortly instead of spinning.
      accept_retry.expires_after(std::chrono::milliseconds(50));
      accept_retry.async_wait([this](beast::error_code wait_ec) {
        if (!wait_ec && acceptor.is_open()) accept();
      });
      return;
    }
    admit(std::move(socket));
    accept();
  });
}

void HttpServer::Impl::admit(tcp::socket socket) {
  beast::error_code ignored;
  // Answers are small: without this, Nagle's algorithm meets the client's
  // delayed ACK and a keep-alive request can wait ~40 ms.
  socket.set_option(tcp::no_delay(true), ignored);
  auto session = std::make_shared<Session>(*this, std::move(socket));
  bool admitted = false;
  {
    const std::lock_guard lock(sessions_mutex);
    if (sessions.size() < limits.max_connections) {
      sessions.emplace(session.get(), session);
      admitted = true;
    }
  }
  if (admitted) {
    session->start();
  } else {
    session->refuse();
  }
}

// [SECTION] HttpServer ----------------------------------------------------------

HttpServer::HttpServer(HttpLimits limits, Handler handler, SentObserver sent)
    : impl_(std::make_shared<Impl>(limits, std::move(handler), std::move(sent))) {}

HttpServer::~HttpServer() {
  stop();
}

int HttpServer::listen(const std::string& address, int port) {
  beast::error_code ec;
  const auto ip = asio::ip::make_address(address, ec);
  if (ec) throw std::runtime_error("\"" + address + "\" is not an IP address");
  const tcp::endpoint endpoint(ip, static_cast<unsigned short>(port));
  tcp::acceptor& acceptor = impl_->acceptor;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(std::max(impl_->limits.listen_backlog, 128), ec);
  if (ec) {
    beast::error_code ignored;
    acceptor.close(ignored);
    throw std::runtime_error(ec.message());
  }
  return acceptor.local_endpoint().port();
}

void HttpServer::start(int threads) {
  Impl& impl = *impl_;
  impl.work.emplace(impl.ioc.get_executor());
  asio::post(impl.acceptor.get_executor(), [&impl] { impl.accept(); });
  const std::lock_guard lock(impl.threads_mutex);
  for (int i = 0; i < std::max(threads, 1); ++i) {
    ++impl.running;
    impl.threads.emplace_back([&impl] {
      for (;;) {
        try {
          impl.ioc.run();
          break;
        } catch (const std::exception& e) {  // handlers catch their own; this is the last resort
          std::fprintf(stderr, "poolviz serve: HTTP thread caught: %s\n", e.what());
        }
      }
      const std::lock_guard done(impl.threads_mutex);
      --impl.running;
      impl.threads_done.notify_all();
    });
  }
}

void HttpServer::close_idle() {
  impl_->closing.store(true, std::memory_order_release);
  for (const auto& session : impl_->live_sessions()) session->close_if_reading();
}

void HttpServer::stop() {
  Impl& impl = *impl_;
  {
    const std::lock_guard lock(impl.threads_mutex);
    if (impl.stopped) return;
    impl.stopped = true;
  }
  impl.closing.store(true, std::memory_order_release);
  asio::post(impl.acceptor.get_executor(), [&impl] {
    beast::error_code ignored;
    impl.acceptor.close(ignored);
    impl.accept_retry.cancel();
  });
  for (const auto& session : impl.live_sessions()) session->close();
  impl.work.reset();
  {
    // Every socket and timer is closing; the threads leave run() when the last
    // handler has run. A handler stuck elsewhere gets kStopGrace, then run() stops.
    std::unique_lock lock(impl.threads_mutex);
    impl.threads_done.wait_for(lock, kStopGrace, [&] { return impl.running == 0; });
  }
  impl.ioc.stop();
  for (std::thread& t : impl.threads) t.join();
  impl.threads.clear();
}

std::size_t HttpServer::open_connections() const {
  const std::lock_guard lock(impl_->sessions_mutex);
  return impl_->sessions.size();
}

}  // namespace poolviz::serve
