// app/cli/compare_command.h — `poolviz compare` and `poolviz sweep`.
//
// Each add_*_command() registers its subcommand on the CLI11 app and returns
// a function to call after parsing: it runs the command and returns its exit
// code if that subcommand was chosen, or nullopt if not. So registering both
// in cli.cpp is two lines before parsing and two after.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <optional>

namespace poolviz::cli {

using CommandRunner = std::function<std::optional<int>()>;

/// `poolviz compare SCENARIO|FILE [--variant "label: k=v,k=v"]... [--set k=v]...
///  [--speed X] [--seed N] [--duration S] [--json] [--csv FILE] [--quiet]`
CommandRunner add_compare_command(CLI::App& app);

/// `poolviz sweep SCENARIO|FILE --set-range KEY=FROM:TO:STEPS [--set k=v]...
///  [--speed X] [--seed N] [--duration S] [--json] [--csv FILE] [--quiet]`
CommandRunner add_sweep_command(CLI::App& app);

}  // namespace poolviz::cli
