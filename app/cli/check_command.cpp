// app/cli/check_command.cpp — `poolviz check [SCENARIO|FILE|all] [--json]`:
// every claim of a scenario's [[lesson]] tables, run headless on this machine,
// printed as held / did not hold with the figures measured beside it.
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/check_command.h"
#include "poolviz/lesson_check.h"
#include "poolviz/scenario.h"

namespace poolviz::cli {

namespace {

void print_check(const ScenarioCheck& check) {
  std::printf("%s (%.1f s)\n", check.id.c_str(), check.real_seconds);
  if (!check.error.empty()) std::printf("  error: %s\n", check.error.c_str());
  for (const ClaimCheck& c : check.claims) {
    const char* mark = !c.outcome.evaluated ? "??" : c.outcome.held ? "held" : "did not hold";
    std::printf("  [%s] %s\n", mark, c.claim.claim.c_str());
    std::printf("      check: %s\n", c.claim.check.c_str());
    if (!c.outcome.terms.empty()) std::printf("      measured: %s\n", c.outcome.measured().c_str());
    if (!c.outcome.evaluated) std::printf("      not measured: %s did not run\n", c.outcome.missing.c_str());
    if (c.rerun) std::printf("      %s\n", c.outcome.held ? "held when run again (the first run did not)" : "did not hold twice");
    if (!c.machine.empty()) std::printf("      %s\n", c.machine.c_str());
  }
  std::fflush(stdout);
}

nlohmann::ordered_json check_json(const ScenarioCheck& check) {
  nlohmann::ordered_json j;
  j["scenario"] = check.id;
  j["held"] = check.held();
  j["seconds"] = check.real_seconds;
  if (!check.error.empty()) j["error"] = check.error;
  j["claims"] = nlohmann::ordered_json::array();
  for (const ClaimCheck& c : check.claims) {
    nlohmann::ordered_json claim;
    claim["claim"] = c.claim.claim;
    claim["check"] = c.claim.check;
    claim["held"] = c.outcome.evaluated && c.outcome.held;
    claim["measured"] = c.outcome.measured();
    claim["figures"] = nlohmann::ordered_json::array();
    for (const ClaimTerm& t : c.outcome.terms) {
      claim["figures"].push_back({{"variant", t.variant}, {"field", t.field}, {"value", t.value}, {"unit", t.unit}});
    }
    claim["rerun"] = c.rerun;
    if (!c.machine.empty()) claim["machine"] = c.machine;
    j["claims"].push_back(std::move(claim));
  }
  return j;
}

int command_check(const std::string& target, bool json, bool no_rerun) {
  std::vector<Scenario> scenarios;
  try {
    if (target.empty() || target == "all") {
      scenarios = builtin_scenarios();
    } else {
      scenarios.push_back(load_scenario(target));
    }
  } catch (const ScenarioError& e) {
    std::fprintf(stderr, "poolviz: error: %s\n", e.what());
    return 1;
  }
  CheckOptions options;
  options.rerun_on_failure = !no_rerun;
  if (!json) {
    options.progress = [](const std::string& what) {
      std::fprintf(stderr, "  running %s...\n", what.c_str());
    };
  }
  nlohmann::ordered_json all = nlohmann::ordered_json::array();
  int claims = 0, failed = 0, scenarios_without = 0;
  for (const Scenario& s : scenarios) {
    if (s.lessons.empty()) {
      ++scenarios_without;
      if (!json) std::printf("%s: no [[lesson]] claims to check\n", s.id.c_str());
      continue;
    }
    const ScenarioCheck check = check_scenario(s, options);
    for (const ClaimCheck& c : check.claims) {
      ++claims;
      if (!(c.outcome.evaluated && c.outcome.held)) ++failed;
    }
    if (!check.error.empty()) ++failed;
    if (json) {
      all.push_back(check_json(check));
    } else {
      print_check(check);
    }
  }
  if (json) {
    std::cout << (scenarios.size() == 1 && !all.empty() ? all.front() : all).dump(2) << std::endl;
  } else {
    std::printf("\n%d claim%s in %zu scenario%s: %d held, %d did not hold.\n", claims, claims == 1 ? "" : "s",
                scenarios.size() - static_cast<std::size_t>(scenarios_without),
                scenarios.size() - static_cast<std::size_t>(scenarios_without) == 1 ? "" : "s", claims - failed, failed);
  }
  return failed > 0 ? 1 : 0;
}

}  // namespace

CommandRunner add_check_command(CLI::App& app) {
  struct State {
    std::string target = "all";
    bool json = false;
    bool no_rerun = false;
  };
  auto state = std::make_shared<State>();
  CLI::App* cmd = app.add_subcommand(
      "check", "Run the scenarios' lesson claims headless and say which hold on this machine (exit 1 if one does not)");
  cmd->add_option("scenario", state->target, "A built-in id, a .toml file, or all (default)");
  cmd->add_flag("--json", state->json, "One JSON object (or array for all) on stdout");
  cmd->add_flag("--no-rerun", state->no_rerun, "Report a failed claim at once instead of running it again");
  return [cmd, state]() -> std::optional<int> {
    if (!*cmd) return std::nullopt;
    return command_check(state->target, state->json, state->no_rerun);
  };
}

}  // namespace poolviz::cli
