// app/cli/cli.h — the command line: parses argv and runs one command.
#pragma once

namespace poolviz::cli {

/// Runs the command named by argv. Exit codes: 0 ok, 1 the scenario failed to
/// load or run, 2 bad usage.
int run(int argc, char** argv);

}  // namespace poolviz::cli
