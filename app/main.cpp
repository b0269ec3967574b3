// poolviz — entry point; only dispatches to the command line.
#include "cli/cli.h"

int main(int argc, char** argv) { return poolviz::cli::run(argc, argv); }
