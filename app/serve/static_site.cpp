#include "serve/static_site.h"

#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>
#include <system_error>

namespace poolviz::serve {

namespace fs = std::filesystem;

namespace {

/// The folder's own file for a decoded request path, or "" when the path is
/// one we refuse (see the contract in the header). Lexical checks first, then
/// the canonical path must still be inside the root (symbolic links).
fs::path resolve(const fs::path& root, std::string_view path) {
  if (path.empty() || path.front() != '/') return {};
  if (path.find('\0') != std::string_view::npos || path.find('\\') != std::string_view::npos) return {};
  fs::path relative;
  std::size_t at = 1;
  while (at <= path.size()) {
    const std::size_t slash = std::min(path.find('/', at), path.size());
    const std::string_view segment = path.substr(at, slash - at);
    if (!segment.empty()) {
      if (segment.front() == '.') return {};  // "..", ".", hidden files
      relative /= std::string(segment);
    }
    at = slash + 1;
  }
  std::error_code ec;
  fs::path file = root / relative;
  if (fs::is_directory(file, ec)) file /= "index.html";
  const fs::path real = fs::canonical(file, ec);
  if (ec || !fs::is_regular_file(real, ec)) return {};
  const auto [root_end, real_at] = std::mismatch(root.begin(), root.end(), real.begin(), real.end());
  if (root_end != root.end()) return {};
  return real;
}

}  // namespace

std::string_view content_type_for(std::string_view name) {
  const std::size_t dot = name.rfind('.');
  const std::string_view ext = dot == std::string_view::npos ? std::string_view{} : name.substr(dot + 1);
  if (ext == "html") return "text/html; charset=utf-8";
  if (ext == "js") return "text/javascript; charset=utf-8";
  if (ext == "wasm") return "application/wasm";
  if (ext == "css") return "text/css; charset=utf-8";
  if (ext == "json") return "application/json";
  if (ext == "png") return "image/png";
  if (ext == "svg") return "image/svg+xml";
  if (ext == "toml" || ext == "txt" || ext == "md") return "text/plain; charset=utf-8";
  return "application/octet-stream";
}

StaticSite::StaticSite(const fs::path& root) {
  std::error_code ec;
  root_ = fs::canonical(root, ec);
  if (ec || !fs::is_directory(root_, ec)) {
    throw std::runtime_error("serve --web: " + root.string() + " is not a folder (build it with scripts/web)");
  }
}

void StaticSite::handle(const HttpRequest& request, HttpResponse& response) const {
  // Every answer, errors included, is cross-origin isolated: the page and its workers must all be.
  response.set_header("Cross-Origin-Opener-Policy", "same-origin");
  response.set_header("Cross-Origin-Embedder-Policy", "require-corp");
  response.set_header("Cross-Origin-Resource-Policy", "same-origin");
  response.set_header("X-Content-Type-Options", "nosniff");
  response.set_header("Cache-Control", "no-cache");
  if (request.method != "GET" && request.method != "HEAD") {
    response.status = 405;
    response.set_header("Allow", "GET, HEAD");
    response.content_type = "text/plain; charset=utf-8";
    response.body = "method not allowed\n";
    return;
  }
  const fs::path file = resolve(root_, request.path);
  std::ifstream in;
  if (!file.empty()) in.open(file, std::ios::binary);
  if (!in.is_open()) {  // a stream never opened is not in a failed state: ask is_open
    response.status = 404;
    response.content_type = "text/plain; charset=utf-8";
    response.body = "not found\n";
    return;
  }
  response.content_type = std::string(content_type_for(file.filename().string()));
  if (request.method == "HEAD") {  // headers alone, with the length the GET would send
    std::error_code ec;
    const std::uintmax_t size = fs::file_size(file, ec);
    if (!ec) response.head_length = static_cast<std::size_t>(size);
    return;
  }
  std::ostringstream body;
  body << in.rdbuf();
  response.body = std::move(body).str();
}

int serve_static_command(const std::string& dir, const std::string& bind, int port) {
  try {
    const StaticSite site(dir);
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);  // before the server's threads start
    HttpLimits limits;
    HttpServer server(limits, [&site](const HttpRequest& request, HttpResponse& response) {
      site.handle(request, response);
    });
    const int bound = server.listen(bind, port);
    server.start(2);
    const std::string host = bind.find(':') != std::string::npos ? "[" + bind + "]" : bind;
    std::fprintf(stderr, "poolviz serve: %s on http://%s:%d/ (cross-origin isolated; Ctrl-C stops)\n",
                 site.root().c_str(), host.c_str(), bound);
    std::printf("%d\n", bound);  // the port alone on stdout, for scripts that give --port 0
    std::fflush(stdout);
    int signal_number = 0;
    sigwait(&stop_signals, &signal_number);
    server.stop();
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "poolviz: error: %s\n", e.what());
    return 1;
  }
}

}  // namespace poolviz::serve
