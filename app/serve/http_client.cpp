#include "serve/http_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>

namespace poolviz::serve {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

bool HttpReply::has_header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (beast::iequals(key, name)) return true;
  }
  return false;
}

std::string HttpReply::get_header_value(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (beast::iequals(key, name)) return value;
  }
  return {};
}

struct HttpClient::Impl {
  Impl(std::string h, int p, double timeout_s)
      : host(std::move(h)),
        port(p),
        timeout(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
            std::chrono::duration<double>(timeout_s))) {}

  /// Runs the io_context until the operation started before it completes;
  /// the stream's deadline bounds it.
  void run() {
    ioc.restart();
    ioc.run();
  }

  bool connect(beast::error_code& ec) {
    stream.close();
    tcp::resolver resolver(ioc);
    const auto endpoints = resolver.resolve(host, std::to_string(port), ec);
    if (ec) return false;
    stream.expires_after(timeout);
    stream.async_connect(endpoints, [&](beast::error_code e, const tcp::endpoint&) { ec = e; });
    run();
    if (ec) return false;
    stream.socket().set_option(tcp::no_delay(true), ec);
    connected = true;
    return true;
  }

  /// One exchange on the open connection; `answered_any` says whether a byte
  /// of the answer arrived (only then is a failure not worth a retry).
  std::optional<HttpReply> exchange(const http::request<http::string_body>& req,
                                    bool& answered_any) {
    beast::error_code ec;
    stream.expires_after(timeout);
    http::async_write(stream, req, [&](beast::error_code e, std::size_t) { ec = e; });
    run();
    answered_any = false;
    if (ec) return std::nullopt;
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    const std::size_t before = buffer.size();
    http::async_read(stream, buffer, parser, [&](beast::error_code e, std::size_t) { ec = e; });
    run();
    answered_any = parser.got_some() || buffer.size() != before;
    if (ec) return std::nullopt;
    const auto& msg = parser.get();
    HttpReply reply;
    reply.status = static_cast<int>(msg.result_int());
    reply.body = msg.body();
    for (const auto& field : msg) {
      reply.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    if (!msg.keep_alive()) drop();
    return reply;
  }

  void drop() {
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream.close();
    buffer.clear();
    connected = false;
  }

  const std::string host;
  const int port;
  const std::chrono::steady_clock::duration timeout;
  asio::io_context ioc{1};
  beast::tcp_stream stream{ioc};
  beast::flat_buffer buffer;
  bool connected = false;
};

HttpClient::HttpClient(std::string host, int port, double timeout_s)
    : impl_(std::make_unique<Impl>(std::move(host), port, timeout_s)) {}

HttpClient::~HttpClient() = default;

std::optional<HttpReply> HttpClient::request(std::string_view method, std::string_view target,
                                             std::string_view body,
                                             std::string_view content_type) {
  Impl& impl = *impl_;
  http::request<http::string_body> req;
  req.method_string(method);
  req.target(target);
  req.version(11);
  req.set(http::field::host, impl.host);
  for (const auto& [name, value] : headers_) req.set(name, value);
  if (!body.empty() || method == "POST" || method == "PUT") {
    req.set(http::field::content_type, content_type);
    req.body() = std::string(body);
    req.prepare_payload();
  }
  req.keep_alive(keep_alive_);
  for (int attempt = 0; attempt < 2; ++attempt) {
    const bool reused = impl.connected;
    if (!impl.connected) {
      beast::error_code ec;
      if (!impl.connect(ec)) {
        impl.drop();
        return std::nullopt;
      }
    }
    bool answered_any = false;
    auto reply = impl.exchange(req, answered_any);
    if (reply) {
      if (!keep_alive_) impl.drop();
      return reply;
    }
    impl.drop();
    if (!reused || answered_any) return std::nullopt;  // only a stale kept-alive socket is retried
  }
  return std::nullopt;
}

}  // namespace poolviz::serve
