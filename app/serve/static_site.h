// app/serve/static_site.h — `poolviz serve --web DIR`: the files of one folder
// (the browser build, build/web) over HTTP, with the two headers that make the
// page cross-origin isolated, which its threads (SharedArrayBuffer) need:
//   Cross-Origin-Opener-Policy: same-origin
//   Cross-Origin-Embedder-Policy: require-corp
//
// Contract: only regular files inside the folder are ever read. A path with a
// ".." or hidden ("."-led) segment, a NUL or a backslash, or one that leaves
// the folder through a symbolic link, gets 404 like a missing file. GET and
// HEAD only (405 otherwise). "/" and folders mean their index.html.
// Thread-safe: handle() only reads the file system.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "serve/http_server.h"

namespace poolviz::serve {

class StaticSite {
 public:
  /// Throws std::runtime_error when `root` is not a readable folder.
  explicit StaticSite(const std::filesystem::path& root);
  void handle(const HttpRequest& request, HttpResponse& response) const;
  const std::filesystem::path& root() const { return root_; }

 private:
  std::filesystem::path root_;  // canonical
};

/// The Content-Type for a file name (application/wasm for .wasm, ...).
std::string_view content_type_for(std::string_view file_name);

/// `poolviz serve --web DIR`: serves DIR on bind:port until SIGINT/SIGTERM,
/// printing the URL (and the port alone on stdout, for scripts). Exit codes:
/// 0 ok, 1 cannot read DIR or bind.
int serve_static_command(const std::string& dir, const std::string& bind, int port);

}  // namespace poolviz::serve
