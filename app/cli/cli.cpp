#include "cli/cli.h"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cli/check_command.h"
#include "cli/compare_command.h"
#include "common/flag_checks.h"
#include "cli/headless.h"
#include "gui/gui.h"
#include "poolviz/scenario.h"
#include "serve/serve_cli.h"

namespace poolviz::cli {

namespace {

constexpr int kOk = 0;
constexpr int kFailed = 1;
constexpr int kBadUsage = 2;

/// Loads a scenario for a command; prints the error and returns nullopt on failure.
std::optional<Scenario> load_or_report(const std::string& name) {
  try {
    return load_scenario(name);
  } catch (const ScenarioError& e) {
    std::fprintf(stderr, "poolviz: error: %s\n", e.what());
    return std::nullopt;
  }
}

bool parse_size(const std::string& text, int& width, int& height) {
  unsigned w = 0, h = 0;
  char x = 0, extra = 0;
  if (std::sscanf(text.c_str(), "%u%c%u%c", &w, &x, &h, &extra) != 3 || (x != 'x' && x != 'X')) {
    return false;
  }
  if (w < 320 || h < 240 || w > 7680 || h > 4320) return false;
  width = static_cast<int>(w);
  height = static_cast<int>(h);
  return true;
}

bool display_present() {
#ifdef POOLVIZ_HAVE_GUI
  return gui::display_available();
#else
  return false;
#endif
}

int open_gui(const gui::GuiOptions& options) {
#ifdef POOLVIZ_HAVE_GUI
  return gui::run(options);
#else
  (void)options;
  std::fprintf(stderr, "poolviz: error: this binary was built without the GUI (POOLVIZ_BUILD_GUI=OFF)\n");
  return kFailed;
#endif
}

// [SECTION] Commands -----------------------------------------------------------

int command_list(bool json) {
  std::vector<Scenario> scenarios;
  try {
    scenarios = builtin_scenarios();
  } catch (const ScenarioError& e) {
    std::fprintf(stderr, "poolviz: error: a built-in scenario is broken: %s\n", e.what());
    return kFailed;
  }
  if (json) {
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    for (const Scenario& s : scenarios) {
      nlohmann::ordered_json lessons = nlohmann::ordered_json::array();
      for (const LessonClaim& l : s.lessons) lessons.push_back({{"claim", l.claim}, {"check", l.check}});
      list.push_back({{"id", s.id},
                      {"title", s.title},
                      {"summary", s.summary},
                      {"watch", s.watch},
                      {"lessons", std::move(lessons)}});
    }
    std::cout << list.dump(2) << std::endl;
    return kOk;
  }
  for (const Scenario& s : scenarios) {
    std::printf("%-24s %s\n", s.id.c_str(), s.title.c_str());
    std::printf("%-24s %s\n\n", "", s.summary.c_str());
  }
  std::printf("Run one with `poolviz run ID`, open it with `poolviz gui ID`.\n");
  return kOk;
}

int command_validate(const std::vector<std::string>& files) {
  int status = kOk;
  for (const std::string& file : files) {
    try {
      const Scenario s = load_scenario(file);
      std::printf("%s: ok (%s: %s)\n", file.c_str(), s.id.c_str(), s.title.c_str());
    } catch (const ScenarioError& e) {
      std::fprintf(stderr, "%s\n", e.what());
      status = kFailed;
    }
  }
  return status;
}

/// Loads and applies --set; returns kOk and fills `out`, or the exit code.
int prepare(const std::string& name, const std::vector<std::string>& sets, Scenario& out) {
  std::optional<Scenario> s = load_or_report(name);
  if (!s) return kFailed;
  for (const std::string& assignment : sets) {
    try {
      apply_override(*s, assignment);
    } catch (const ScenarioError& e) {
      std::fprintf(stderr, "poolviz: error: %s\n", e.what());
      return kBadUsage;
    }
  }
  out = std::move(*s);
  return kOk;
}

/// What gui and screenshot share: scenario, speed, --size and --theme.
int window_options(const std::string& scenario, double speed, const std::string& size, const std::string& theme,
                   gui::GuiOptions& options) {
  options.scenario = scenario;
  options.speed = speed;
  options.light = theme == "light";
  if (!size.empty() && !parse_size(size, options.width, options.height)) {
    std::fprintf(stderr, "poolviz: error: --size %s: expected WIDTHxHEIGHT, e.g. 1280x800 (320x240 to 7680x4320)\n",
                 size.c_str());
    return kBadUsage;
  }
  return kOk;
}

int command_gui(const std::string& name, double speed, const std::string& size, bool frame_stats,
                const std::string& replay,
                const std::string& theme) {
  const std::string id = name.empty() ? std::string(kDefaultScenarioId) : name;
  Scenario scenario;
  if (int status = prepare(id, {}, scenario); status != kOk) return status;
  gui::GuiOptions options;
  if (int status = window_options(id, speed, size, theme, options); status != kOk) return status;
  options.frame_stats = frame_stats;
  options.replay_path = replay;
  if (!display_present() && !replay.empty()) {
    std::fprintf(stderr, "poolviz: error: --replay needs a display (DISPLAY/WAYLAND_DISPLAY unset); try "
                         "`xvfb-run -a poolviz screenshot ... --replay FILE`\n");
    return kFailed;
  }
  if (!display_present()) {
    std::printf("poolviz: no display found (DISPLAY/WAYLAND_DISPLAY unset); running the scenario "
                "headless instead\n");
    std::fflush(stdout);
    HeadlessOptions headless;
    headless.speed = speed > 0 ? speed : 1.0;  // the [view] speed hint is for watching
    return run_headless(scenario, headless);
  }
  return open_gui(options);
}

int command_screenshot(const std::string& name, double at, const std::string& out,
                       const std::string& size, double speed, bool compare, const std::string& theme,
                       double scrub_to, const std::string& replay, const std::string& record) {
  Scenario scenario;
  if (int status = prepare(name, {}, scenario); status != kOk) return status;
  gui::GuiOptions options;
  if (int status = window_options(name, speed, size, theme, options); status != kOk) return status;
  if (const std::string problem = flags::check_writable(out); !problem.empty()) {
    std::fprintf(stderr, "poolviz: error: %s\n", problem.c_str());
    return kFailed;
  }
  options.screenshot_at = at;
  options.scrub_to = scrub_to;
  options.replay_path = replay;
  options.record_path = record;
  options.screenshot_out = out;
  options.compare = compare;
  if (!display_present()) {
    std::fprintf(stderr, "poolviz: error: screenshot needs a display (DISPLAY/WAYLAND_DISPLAY "
                         "unset); try `xvfb-run -a poolviz screenshot ...`\n");
    return kFailed;
  }
  return open_gui(options);
}

// [SECTION] Registration -------------------------------------------------------
// Each add_*_command declares its options on `app` and returns what runs it
// after parsing (nullopt when its subcommand was not given), as compare, sweep
// and check do in their own files.

CommandRunner add_gui_command(CLI::App& app) {
  struct Args {
    std::string scenario, size, replay, theme = "dark";
    double speed = 0;  // 0 = the scenario's [view] speed, else 1
    bool frame_stats = false;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand("gui", "Open the GUI on a scenario (default basic-pool)");
  cmd->add_option("scenario", args->scenario, "Built-in id or a .toml file");
  cmd->add_option("--speed", args->speed,
                  "Scenario time = real time × speed (default: the scenario's [view] speed, else 1)")
      ->check(flags::number_in(flags::kWindowSpeed));
  cmd->add_option("--size", args->size, "Window size WIDTHxHEIGHT, e.g. 1280x800");
  cmd->add_flag("--frame-stats", args->frame_stats, "Print mean / p99 frame time at exit");
  cmd->add_option("--replay", args->replay, "Open a recording (`run --record FILE`): scrub and replay it, no engine");
  cmd->add_option("--theme", args->theme, "dark or light (default dark)")->check(CLI::IsMember({"dark", "light"}));
  return [cmd, args]() -> std::optional<int> {
    if (!*cmd) return std::nullopt;
    return command_gui(args->scenario, args->speed, args->size, args->frame_stats, args->replay, args->theme);
  };
}

CommandRunner add_list_command(CLI::App& app) {
  auto json = std::make_shared<bool>(false);
  CLI::App* cmd = app.add_subcommand("list", "List the built-in scenarios (id, title, summary)");
  cmd->add_flag("--json", *json, "One JSON array on stdout");
  return [cmd, json]() -> std::optional<int> {
    if (!*cmd) return std::nullopt;
    return command_list(*json);
  };
}

CommandRunner add_validate_command(CLI::App& app) {
  auto files = std::make_shared<std::vector<std::string>>();
  CLI::App* cmd = app.add_subcommand("validate", "Check scenario files; exit 1 and name file:line:col on errors");
  cmd->add_option("files", *files, "Scenario .toml files (or built-in ids)")->required();
  return [cmd, files]() -> std::optional<int> {
    if (!*cmd) return std::nullopt;
    return command_validate(*files);
  };
}

CommandRunner add_run_command(CLI::App& app) {
  struct Args {
    std::string scenario;
    HeadlessOptions options;
    double speed = 1.0, duration = 0;
    std::uint64_t seed = 0;
    std::vector<std::string> sets;
    CLI::Option* duration_option = nullptr;
    CLI::Option* seed_option = nullptr;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand("run", "Run a scenario headless on the real engine and print a summary");
  cmd->add_option("scenario", args->scenario, "Built-in id or a .toml file")->required();
  cmd->add_option("--speed", args->speed, "Scenario time = real time × speed (default 1)")
      ->check(flags::number_in(flags::kRunSpeed));
  args->duration_option = cmd->add_option("--duration", args->duration, "Stop after S scenario seconds")
                              ->check(flags::number_in(flags::kDuration));
  args->seed_option = cmd->add_option("--seed", args->seed, "Workload seed (overrides workload.seed)")
                          ->check(flags::whole_number());
  std::string set_help = "Override a scenario value, KEY=VALUE; keys:";
  for (std::string_view key : override_keys()) set_help += " " + std::string(key);
  cmd->add_option("--set", args->sets, set_help)->allow_extra_args(false);
  HeadlessOptions& o = args->options;
  cmd->add_flag("--json", o.json, "Print exactly one JSON object on stdout");
  cmd->add_option("--csv", o.csv_path, "Write the time series (one row per 100 ms)");
  cmd->add_option("--trace", o.trace_path, "Write a Chrome trace-event JSON file");
  cmd->add_option("--record", o.record_path,
                  "Write every event (poolviz-recording, JSON Lines, version 1) for `gui --replay`");
  cmd->add_flag("--quiet", o.quiet, "No progress line and no human summary");
  return [cmd, args]() -> std::optional<int> {
    if (!*cmd) return std::nullopt;
    Scenario scenario;
    if (int status = prepare(args->scenario, args->sets, scenario); status != kOk) return status;
    HeadlessOptions options = args->options;
    for (const std::string& path : {options.csv_path, options.trace_path}) {
      if (path.empty()) continue;
      if (const std::string problem = flags::check_writable(path); !problem.empty()) {
        std::fprintf(stderr, "poolviz: error: %s\n", problem.c_str());
        return kFailed;
      }
    }
    options.speed = args->speed;
    if (*args->duration_option) options.duration_s = args->duration;
    if (*args->seed_option) options.seed = args->seed;
    return run_headless(scenario, options);
  };
}

CommandRunner add_screenshot_command(CLI::App& app) {
  struct Args {
    std::string scenario, out, size, replay, record, theme = "dark";
    double at = 0, speed = 1.0, scrub_to = -1;
    bool compare = false;
  };
  auto args = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand("screenshot", "Render the GUI at scenario time S into a PNG");
  cmd->add_option("scenario", args->scenario, "Built-in id or a .toml file")->required();
  cmd->add_option("--at", args->at, "Scenario seconds at which to take the picture")
      ->required()
      ->check(flags::number_in(flags::kScreenshotAt));
  cmd->add_option("--out", args->out, "Output PNG file")->required();
  cmd->add_option("--size", args->size, "Image size WIDTHxHEIGHT, e.g. 1280x800");
  cmd->add_flag("--compare", args->compare, "Picture the compare view (the scenario's [[compare]] variants)");
  cmd->add_option("--theme", args->theme, "dark or light (default dark)")->check(CLI::IsMember({"dark", "light"}));
  cmd->add_option("--speed", args->speed, "Scenario time = real time × speed")
      ->check(flags::number_in(flags::kWindowSpeed));
  cmd->add_option("--replay", args->replay, "Picture a recording (`run --record FILE`) at --at instead of a live run");
  cmd->add_option("--scrub-to", args->scrub_to,
                  "After reaching --at, scrub back to this earlier moment (paused, cursor on the plots)")
      ->check(flags::number_in(flags::kScreenshotAt));
  cmd->add_option("--record", args->record,
                  "Also write the window's recording of the run (as `run --record`), for --replay");
  return [cmd, args]() -> std::optional<int> {
    if (!*cmd) return std::nullopt;
    const Args& a = *args;
    return command_screenshot(a.scenario, a.at, a.out, a.size, a.speed, a.compare, a.theme, a.scrub_to, a.replay,
                              a.record);
  };
}

}  // namespace

// [SECTION] Entry point --------------------------------------------------------

int run(int argc, char** argv) {
  CLI::App app{"poolviz — watch a real thread pool work, one pattern at a time.\n"
               "With no command, opens the GUI on the basic-pool scenario.",
               "poolviz"};  // the name in usage lines, whatever path argv[0] is
  app.require_subcommand(0, 1);
  app.set_version_flag("--version", "poolviz 0.1.0");

  // In the order of `poolviz --help`.
  const std::vector<CommandRunner> commands = {
      add_gui_command(app),     add_list_command(app),    add_validate_command(app),
      add_run_command(app),     add_screenshot_command(app), add_compare_command(app),
      add_sweep_command(app),   add_check_command(app)};
  serve::ServeCommands serve_cmds(app);  // serve, load

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "poolviz: error: %s\n", flags::explain_parse_error(app, e, argc, argv).c_str());
    std::fprintf(stderr, "Commands: gui, list, validate, run, screenshot, compare, sweep, check, serve, load. See `poolviz --help` "
                         "or `poolviz COMMAND --help` for what each accepts.\n");
    return kBadUsage;
  }

  for (const CommandRunner& command : commands) {
    if (const std::optional<int> status = command()) return *status;
  }
  if (const std::optional<int> status = serve_cmds.dispatch()) return *status;
  return command_gui("", 0, "", false, "", "dark");
}

}  // namespace poolviz::cli
