// `poolviz sweep`: one scenario at each value of a range (usually the arrival
// rate), run one after the other, measured waits beside theory's mean wait.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "cli/compare_command.h"
#include "common/flag_checks.h"
#include "poolviz/sweep.h"

namespace poolviz::cli {

namespace {

struct SweepArgs {
  CLI::App* command = nullptr;
  std::string scenario;
  std::string range;
  std::vector<std::string> sets;
  double speed = 10.0;
  std::uint64_t seed = 0;
  double duration = 0;
  CLI::Option* seed_option = nullptr;
  CLI::Option* duration_option = nullptr;
  bool json = false;
  std::string csv_path;
  bool quiet = false;
};

int run_sweep_command(const SweepArgs& args) {
  Scenario scenario;
  SweepRange range;
  try {
    scenario = load_scenario(args.scenario);
    for (const std::string& assignment : args.sets) apply_override(scenario, assignment);
    range = parse_sweep_range(args.range);
    // Check every step's value now, before minutes of running stop at a bad one.
    for (double value : range.values()) {
      Scenario probe = scenario;
      char text[64];
      std::snprintf(text, sizeof text, "%.10g", value);
      apply_override(probe, range.key, text);
    }
  } catch (const ScenarioError& e) {
    std::fprintf(stderr, "poolviz: error: %s\n", e.what());
    return 2;
  }
  if (!args.csv_path.empty()) {
    if (const std::string problem = flags::check_writable(args.csv_path); !problem.empty()) {
      std::fprintf(stderr, "poolviz: error: %s\n", problem.c_str());
      return 1;
    }
  }
  SweepOptions options;
  options.speed = args.speed;
  if (*args.seed_option) options.seed = args.seed;
  if (*args.duration_option) options.duration_s = args.duration;
  const bool progress = !args.quiet;
  std::vector<SweepPoint> points;
  try {
    const std::size_t steps = range.values().size();
    points = run_sweep(scenario, range, options, [&](std::size_t i, const SweepPoint& p) {
      if (!progress) return;
      // stderr, so --json stays exactly one JSON document on stdout.
      std::fprintf(stderr, "  step %zu/%zu: %s = %g done (wait mean %.2f ms)\n", i + 1, steps, range.key.c_str(),
                   p.value, p.summary.wait_ms.mean_ms);
    });
  } catch (const ScenarioError& e) {
    std::fprintf(stderr, "poolviz: error: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "poolviz: error: the sweep of %s failed: %s\n", scenario.id.c_str(), e.what());
    return 1;
  }
  int status = 0;
  if (!args.csv_path.empty()) {
    std::ofstream csv(args.csv_path);
    write_sweep_csv(csv, range, points);
    csv.close();
    if (!csv) {
      std::fprintf(stderr, "poolviz: error: cannot write the CSV file %s\n", args.csv_path.c_str());
      status = 1;
    }
  }
  if (args.json) {
    std::cout << sweep_to_json(scenario.id, range, points) << std::endl;
  } else if (!args.quiet) {
    std::printf("sweep %s over %s (speed %gx, each step a fresh run)\n", scenario.id.c_str(), range.key.c_str(),
                args.speed);
    std::fputs(format_sweep(range, points).c_str(), stdout);
    if (!points.empty()) std::printf("theory: %s\n", points.front().theory.reason.c_str());
  }
  return status;
}

}  // namespace

CommandRunner add_sweep_command(CLI::App& app) {
  auto args = std::make_shared<SweepArgs>();
  CLI::App* cmd = app.add_subcommand(
      "sweep", "Run a scenario at each load of a range; measured waits next to queueing theory (the hockey stick)");
  args->command = cmd;
  cmd->add_option("scenario", args->scenario, "Built-in id or a .toml file")->required();
  cmd->add_option("--set-range", args->range, "KEY=FROM:TO:STEPS, e.g. workload.rate=5:38:12")->required();
  cmd->add_option("--set", args->sets, "Override a scenario value, KEY=VALUE (applied before each step's value)");
  cmd->add_option("--speed", args->speed, "Scenario time = real time x speed (default 10)")->check(flags::number_in(flags::kRunSpeed));
  args->seed_option = cmd->add_option("--seed", args->seed, "Workload seed for every step")->check(flags::whole_number());
  args->duration_option =
      cmd->add_option("--duration", args->duration, "Cut each step after S scenario seconds")->check(flags::number_in(flags::kDuration));
  cmd->add_flag("--json", args->json, "Print one JSON object with a point per step");
  cmd->add_option("--csv", args->csv_path, "Write one CSV row per step");
  cmd->add_flag("--quiet", args->quiet, "No progress lines and no human table");
  return [args]() -> std::optional<int> {
    if (!*args->command) return std::nullopt;
    return run_sweep_command(*args);
  };
}

}  // namespace poolviz::cli
