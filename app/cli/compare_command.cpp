// `poolviz compare`: two to four variants of one scenario on the same seeded
// arrivals, started together, with the side-by-side table and the theory overlay.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "cli/compare_command.h"
#include "common/flag_checks.h"
#include "poolviz/compare.h"

namespace poolviz::cli {

namespace {

struct CompareArgs {
  CLI::App* command = nullptr;
  std::string scenario;
  std::vector<std::string> variants;
  std::vector<std::string> sets;
  double speed = 1.0;
  std::uint64_t seed = 0;
  double duration = 0;
  CLI::Option* seed_option = nullptr;
  CLI::Option* duration_option = nullptr;
  bool json = false;
  std::string csv_path;
  bool quiet = false;
};

void print_progress(const Comparison& comparison) {
  std::string line = "\r  t=" + std::to_string(comparison.now_seconds()).substr(0, 7) + "s";
  for (std::size_t i = 0; i < comparison.size(); ++i) {
    const TimelineCounts& c = comparison.run(i).timeline().counts();
    line += "  [" + comparison.label(i) + "] " + std::to_string(c.completed) + "/" + std::to_string(c.submitted);
  }
  std::fputs((line + "   ").c_str(), stderr);
  std::fflush(stderr);
}

int run_compare(const CompareArgs& args) {
  Scenario base;
  std::vector<CompareVariant> extra;
  try {
    base = load_scenario(args.scenario);
    for (const std::string& assignment : args.sets) apply_override(base, assignment);
    for (const std::string& text : args.variants) extra.push_back(parse_variant(text));
  } catch (const ScenarioError& e) {
    std::fprintf(stderr, "poolviz: error: %s\n", e.what());
    return 2;
  }
  std::vector<VariantPlan> plans;
  try {
    plans = plan_variants(base, extra);
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
  ComparisonOptions options;
  options.speed = args.speed;
  if (*args.seed_option) options.seed = args.seed;
  if (*args.duration_option) options.duration_s = args.duration;
  // stderr, like `run`'s: stdout stays the table or the JSON.
  const bool progress = !args.quiet && isatty(STDERR_FILENO) == 1;
  try {
    Comparison comparison(std::move(plans), options);
    comparison.start();
    using namespace std::chrono_literals;
    auto last_progress = std::chrono::steady_clock::now();
    while (!comparison.finished()) {
      comparison.poll();
      if (progress && std::chrono::steady_clock::now() - last_progress > 100ms) {
        print_progress(comparison);
        last_progress = std::chrono::steady_clock::now();
      }
      std::this_thread::sleep_for(2ms);
    }
    comparison.stop();
    if (progress) std::fputs("\r\033[K", stderr);

    const ComparisonTable table = comparison.table();
    int status = 0;
    if (!args.csv_path.empty()) {
      std::ofstream csv(args.csv_path);
      write_comparison_csv(csv, table);
      csv.close();
      if (!csv) {
        std::fprintf(stderr, "poolviz: error: cannot write the CSV file %s\n", args.csv_path.c_str());
        status = 1;
      }
    }
    if (args.json) {
      std::cout << comparison_to_json(comparison) << std::endl;
      return status;
    }
    if (args.quiet) return status;
    std::printf("compare %s: %s (speed %gx, same seeded arrivals for every variant)\n\n", base.id.c_str(),
                base.title.c_str(), args.speed);
    std::fputs(format_table(table).c_str(), stdout);
    for (std::size_t i = 0; i < comparison.size(); ++i) {
      std::printf("\n[%s] ", comparison.label(i).c_str());
      std::fputs(describe(comparison.overlay(i)).c_str(), stdout);
    }
    return status;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "poolviz: error: the comparison of %s failed: %s\n", base.id.c_str(), e.what());
    return 1;
  }
}

}  // namespace

CommandRunner add_compare_command(CLI::App& app) {
  auto args = std::make_shared<CompareArgs>();
  CLI::App* cmd = app.add_subcommand(
      "compare", "Run 2-4 variants of a scenario side by side on the same arrivals; table + queueing theory");
  args->command = cmd;
  cmd->add_option("scenario", args->scenario, "Built-in id or a .toml file")->required();
  cmd->add_option("--variant", args->variants,
                  "A variant beside the scenario as written: \"[label:] KEY=VALUE,KEY=VALUE\" "
                  "(repeat; default: the scenario's [[compare]] blocks)");
  cmd->add_option("--set", args->sets, "Override a value of the base scenario, KEY=VALUE (before the variants)");
  cmd->add_option("--speed", args->speed, "Scenario time = real time x speed (default 1)")->check(flags::number_in(flags::kRunSpeed));
  args->seed_option = cmd->add_option("--seed", args->seed, "Workload seed for every variant")->check(flags::whole_number());
  args->duration_option =
      cmd->add_option("--duration", args->duration, "Stop every variant after S scenario seconds")
          ->check(flags::number_in(flags::kDuration));
  cmd->add_flag("--json", args->json, "Print one JSON array: a `run --json` object per variant, with \"variant\"");
  cmd->add_option("--csv", args->csv_path, "Write the table as CSV, one row per variant");
  cmd->add_flag("--quiet", args->quiet, "No progress line and no human table");
  return [args]() -> std::optional<int> {
    if (!*args->command) return std::nullopt;
    return run_compare(*args);
  };
}

}  // namespace poolviz::cli
