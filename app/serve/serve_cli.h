// app/serve/serve_cli.h — the `serve` and `load` commands of the poolviz CLI.
//
// Hooking them into the CLI takes two lines in app/cli/cli.cpp:
//   serve::ServeCommands serve_commands(app);   // before app.parse()
//   if (auto code = serve_commands.dispatch()) return *code;   // after it
//
//   poolviz serve [SCENARIO|FILE] [--port N] [--bind ADDR] [--set K=V]...
//                 [--on-exit drain|cancel] [--keep N] [--speed X] [--json]
//                 [--http-threads N] [--allow-unbounded] [--token T]
//   poolviz serve --web DIR [--port N] [--bind ADDR]    (the browser build, scripts/web)
//   poolviz load URL [--rate R | --concurrency C] [--duration S] [--requests N]
//                [--body JSON] [--json] [--allow-remote]
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "serve/load_generator.h"
#include "serve/task_server.h"

namespace CLI {
class App;
}

namespace poolviz::serve {

inline constexpr std::string_view kServeDefaultScenario = "http-task-queue";

struct ServeCommandOptions {
  std::string scenario = std::string(kServeDefaultScenario);
  std::vector<std::string> sets;  // --set KEY=VALUE, in order
  ServeOptions serve;
  bool json = false;  // the exit summary as one JSON object
  bool gui = false;
  // With --gui: render the window at scenario second `screenshot_at` into this
  // PNG, then stop serving (for docs; see scripts/screenshots).
  std::string screenshot;
  double screenshot_at = 5;
};

/// Runs the server until SIGINT/SIGTERM, then drains or cancels and prints the
/// run summary. Exit codes: 0 ok, 1 cannot load/bind, 2 bad usage.
int serve_command(const ServeCommandOptions& options);

/// Runs the load generator and prints its report. 0 ok, 2 bad usage, 1 when
/// no request got an HTTP answer.
int load_command(const LoadOptions& options, bool json);

/// Registers `serve` and `load` on a CLI11 app; dispatch() after parsing.
class ServeCommands {
 public:
  explicit ServeCommands(CLI::App& app);
  ~ServeCommands();
  /// The exit code of `serve` or `load` when one of them was given, else nullopt.
  std::optional<int> dispatch();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace poolviz::serve
