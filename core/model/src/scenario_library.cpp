// The built-in scenario library: scenarios/*.toml embedded in the binary, in
// the teaching order each file states (`order` in its [scenario] table).
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <utility>

#include <toml++/toml.h>

#include "poolviz/scenario.h"
#include "poolviz/scenario_limits.h"
#include "scenario_fields.h"

namespace poolviz {

namespace detail {
extern const BuiltinScenarioText kEmbeddedScenarios[];
extern const int kEmbeddedScenarioCount;
}  // namespace detail

// [SECTION] The built-in library ------------------------------------------------

namespace {

/// The built-in scenarios, each parsed once, in the order a course would
/// present the patterns in: each file's own `[scenario] order` (a file without
/// one goes last), then by id.
struct Library {
  std::vector<BuiltinScenarioText> texts;
  std::vector<Scenario> scenarios;  // scenarios[i] is texts[i] parsed
};

Library ordered_library() {
  std::vector<std::pair<BuiltinScenarioText, Scenario>> parsed;
  for (int i = 0; i < detail::kEmbeddedScenarioCount; ++i) {
    const BuiltinScenarioText& text = detail::kEmbeddedScenarios[i];
    parsed.emplace_back(text, parse_scenario(text.toml_text, "builtin:" + std::string(text.id)));
  }
  const auto rank = [](const Scenario& s) {
    return s.order > 0 ? s.order : std::numeric_limits<int>::max();
  };
  std::stable_sort(parsed.begin(), parsed.end(), [&](const auto& a, const auto& b) {
    return rank(a.second) != rank(b.second) ? rank(a.second) < rank(b.second)
                                            : a.first.id < b.first.id;
  });
  Library library;
  for (auto& [text, scenario] : parsed) {
    library.texts.push_back(text);
    library.scenarios.push_back(std::move(scenario));
  }
  return library;
}

const Library& library() {
  static const Library kLibrary = ordered_library();
  return kLibrary;
}

}  // namespace

std::span<const BuiltinScenarioText> builtin_scenario_texts() {
  return library().texts;
}

std::vector<Scenario> builtin_scenarios() {
  return library().scenarios;
}

Scenario load_scenario(std::string_view path_or_id) {
  const std::string name(path_or_id);
  std::error_code ec;
  const std::filesystem::path path(name);
  const std::filesystem::file_status status = std::filesystem::status(path, ec);
  if (std::filesystem::is_regular_file(status)) {
    const std::uintmax_t size = std::filesystem::file_size(path, ec);
    if (!ec && size > kMaxScenarioFileBytes) {
      char message[160];
      std::snprintf(message, sizeof message, "the file is %.1f MiB; a scenario file may be at most %.0f MiB",
                    static_cast<double>(size) / (1024.0 * 1024.0),
                    static_cast<double>(kMaxScenarioFileBytes) / (1024.0 * 1024.0));
      throw ScenarioError(name, 0, 0, "", message);
    }
    errno = 0;
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      throw ScenarioError(name, 0, 0, "",
                          std::string("cannot read the file: ") + std::strerror(errno != 0 ? errno : EIO));
    }
    // Read at most one byte past the cap: a file that grew since the size check is still refused.
    std::string text(static_cast<std::size_t>(kMaxScenarioFileBytes) + 1, '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    text.resize(static_cast<std::size_t>(in.gcount()));
    if (text.size() > kMaxScenarioFileBytes) {
      throw ScenarioError(name, 0, 0, "", "the file grew past the 1 MiB limit while it was read");
    }
    return parse_scenario(text, path.filename().string());
  }
  if (!ec && std::filesystem::exists(status)) {
    const char* what = std::filesystem::is_directory(status)      ? "a directory"
                       : std::filesystem::is_fifo(status)         ? "a FIFO"
                       : std::filesystem::is_character_file(status) ? "a character device"
                       : std::filesystem::is_block_file(status)   ? "a block device"
                       : std::filesystem::is_socket(status)       ? "a socket"
                                                                  : "not a regular file";
    throw ScenarioError(name, 0, 0, "",
                        std::string("not a regular file (") + what + "); give a .toml file or a built-in id");
  }
  const Library& builtins = library();
  for (std::size_t i = 0; i < builtins.texts.size(); ++i) {
    if (builtins.texts[i].id == path_or_id) return builtins.scenarios[i];
  }
  std::vector<std::string_view> ids;
  for (const BuiltinScenarioText& text : builtin_scenario_texts()) ids.push_back(text.id);
  std::string message;
  if (name.ends_with(".toml") || name.find('/') != std::string::npos) {
    message = std::string("cannot read the file: ") + std::strerror(ENOENT);
  } else {
    message = "not a built-in scenario or a file";
    if (std::string close = did_you_mean(name, ids); !close.empty()) {
      message += "; did you mean \"" + close + "\"?";
    } else {
      message += ".";
    }
    message += " Built-in: " + detail::join(ids) + ".";
  }
  throw ScenarioError(name, 0, 0, "", message);
}

}  // namespace poolviz
