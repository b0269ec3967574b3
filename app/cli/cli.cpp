#include "cli/cli.h"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cli/check_command.h"
#include "cli/compare_command.h"
#include "cli/flag_checks.h"
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
  if (const std::string problem = check_writable(out); !problem.empty()) {
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

}  // namespace

// [SECTION] Entry point --------------------------------------------------------

int run(int argc, char** argv) {
  CLI::App app{"poolviz — watch a real thread pool work, one pattern at a time.\n"
               "With no command, opens the GUI on the basic-pool scenario.",
               "poolviz"};  // the name in usage lines, whatever path argv[0] is
  app.require_subcommand(0, 1);
  app.set_version_flag("--version", "poolviz 0.1.0");

  // gui
  std::string gui_scenario;
  double gui_speed = 0;  // 0 = the scenario's [view] speed, else 1
  std::string gui_size;
  bool gui_frame_stats = false;
  CLI::App* gui_cmd = app.add_subcommand("gui", "Open the GUI on a scenario (default basic-pool)");
  gui_cmd->add_option("scenario", gui_scenario, "Built-in id or a .toml file");
  gui_cmd->add_option("--speed", gui_speed,
                      "Scenario time = real time × speed (default: the scenario's [view] speed, else 1)")
      ->check(number_in(kWindowSpeed));
  gui_cmd->add_option("--size", gui_size, "Window size WIDTHxHEIGHT, e.g. 1280x800");
  gui_cmd->add_flag("--frame-stats", gui_frame_stats, "Print mean / p99 frame time at exit");
  std::string gui_replay;
  gui_cmd->add_option("--replay", gui_replay, "Open a recording (`run --record FILE`): scrub and replay it, no engine");
  std::string gui_theme = "dark";
  gui_cmd->add_option("--theme", gui_theme, "dark or light (default dark)")->check(CLI::IsMember({"dark", "light"}));

  // list
  bool list_json = false;
  CLI::App* list_cmd = app.add_subcommand("list", "List the built-in scenarios (id, title, summary)");
  list_cmd->add_flag("--json", list_json, "One JSON array on stdout");

  // validate
  std::vector<std::string> validate_files;
  CLI::App* validate_cmd =
      app.add_subcommand("validate", "Check scenario files; exit 1 and name file:line:col on errors");
  validate_cmd->add_option("files", validate_files, "Scenario .toml files (or built-in ids)")->required();

  // run
  std::string run_scenario;
  HeadlessOptions run_options;
  double run_speed = 1.0;
  double run_duration = 0;
  std::uint64_t run_seed = 0;
  std::vector<std::string> run_sets;
  CLI::App* run_cmd = app.add_subcommand(
      "run", "Run a scenario headless on the real engine and print a summary");
  run_cmd->add_option("scenario", run_scenario, "Built-in id or a .toml file")->required();
  run_cmd->add_option("--speed", run_speed, "Scenario time = real time × speed (default 1)")
      ->check(number_in(kRunSpeed));
  CLI::Option* duration_opt =
      run_cmd->add_option("--duration", run_duration, "Stop after S scenario seconds")
          ->check(number_in(kDuration));
  CLI::Option* seed_opt = run_cmd->add_option("--seed", run_seed, "Workload seed (overrides workload.seed)")
                              ->check(whole_number());
  std::string set_help = "Override a scenario value, KEY=VALUE; keys:";
  for (std::string_view key : override_keys()) set_help += " " + std::string(key);
  run_cmd->add_option("--set", run_sets, set_help)->allow_extra_args(false);
  run_cmd->add_flag("--json", run_options.json, "Print exactly one JSON object on stdout");
  run_cmd->add_option("--csv", run_options.csv_path, "Write the time series (one row per 100 ms)");
  run_cmd->add_option("--trace", run_options.trace_path, "Write a Chrome trace-event JSON file");
  run_cmd->add_option("--record", run_options.record_path,
                      "Write every event (poolviz-recording, JSON Lines, version 1) for `gui --replay`");
  run_cmd->add_flag("--quiet", run_options.quiet, "No progress line and no human summary");

  // screenshot
  std::string shot_scenario, shot_out, shot_size;
  double shot_at = 0, shot_speed = 1.0;
  bool shot_compare = false;
  CLI::App* shot_cmd = app.add_subcommand("screenshot", "Render the GUI at scenario time S into a PNG");
  shot_cmd->add_option("scenario", shot_scenario, "Built-in id or a .toml file")->required();
  shot_cmd->add_option("--at", shot_at, "Scenario seconds at which to take the picture")
      ->required()
      ->check(number_in(kScreenshotAt));
  shot_cmd->add_option("--out", shot_out, "Output PNG file")->required();
  shot_cmd->add_option("--size", shot_size, "Image size WIDTHxHEIGHT, e.g. 1280x800");
  shot_cmd->add_flag("--compare", shot_compare, "Picture the compare view (the scenario's [[compare]] variants)");
  std::string shot_theme = "dark";
  shot_cmd->add_option("--theme", shot_theme, "dark or light (default dark)")->check(CLI::IsMember({"dark", "light"}));
  shot_cmd->add_option("--speed", shot_speed, "Scenario time = real time × speed")
      ->check(number_in(kWindowSpeed));
  std::string shot_replay;
  shot_cmd->add_option("--replay", shot_replay, "Picture a recording (`run --record FILE`) at --at instead of a live run");
  double shot_scrub_to = -1;
  shot_cmd->add_option("--scrub-to", shot_scrub_to,
                       "After reaching --at, scrub back to this earlier moment (paused, cursor on the plots)")
      ->check(number_in(kScreenshotAt));
  std::string shot_record;
  shot_cmd->add_option("--record", shot_record,
                       "Also write the window's recording of the run (as `run --record`), for --replay");

  const CommandRunner compare_cmd = add_compare_command(app);
  const CommandRunner sweep_cmd = add_sweep_command(app);
  const CommandRunner check_cmd = add_check_command(app);
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
    std::fprintf(stderr, "poolviz: error: %s\n", explain_parse_error(app, e, argc, argv).c_str());
    std::fprintf(stderr, "Commands: gui, list, validate, run, screenshot, compare, sweep, check, serve, load. See `poolviz --help` "
                         "or `poolviz COMMAND --help` for what each accepts.\n");
    return kBadUsage;
  }

  if (const std::optional<int> status = compare_cmd()) return *status;
  if (const std::optional<int> status = sweep_cmd()) return *status;
  if (const std::optional<int> status = check_cmd()) return *status;
  if (const std::optional<int> status = serve_cmds.dispatch()) return *status;
  if (*list_cmd) return command_list(list_json);
  if (*validate_cmd) return command_validate(validate_files);
  if (*run_cmd) {
    Scenario scenario;
    if (int status = prepare(run_scenario, run_sets, scenario); status != kOk) return status;
    for (const std::string& path : {run_options.csv_path, run_options.trace_path}) {
      if (path.empty()) continue;
      if (const std::string problem = check_writable(path); !problem.empty()) {
        std::fprintf(stderr, "poolviz: error: %s\n", problem.c_str());
        return kFailed;
      }
    }
    run_options.speed = run_speed;
    if (*duration_opt) run_options.duration_s = run_duration;
    if (*seed_opt) run_options.seed = run_seed;
    return run_headless(scenario, run_options);
  }
  if (*shot_cmd) return command_screenshot(shot_scenario, shot_at, shot_out, shot_size, shot_speed, shot_compare, shot_theme,
                                            shot_scrub_to, shot_replay, shot_record);
  if (*gui_cmd) return command_gui(gui_scenario, gui_speed, gui_size, gui_frame_stats, gui_replay, gui_theme);
  return command_gui("", 0, "", false, "", "dark");
}

}  // namespace poolviz::cli
