// app/cli/check_command.h — `poolviz check`: the scenarios' lesson claims, checked
// on this machine (see poolviz/lesson_check.h).
#pragma once

#include "cli/compare_command.h"  // CommandRunner

namespace poolviz::cli {

/// `poolviz check [SCENARIO|FILE|all] [--json] [--no-rerun]`
CommandRunner add_check_command(CLI::App& app);

}  // namespace poolviz::cli
