// strata: the command line. `strata --help` lists the subcommands.
#include <CLI/CLI.hpp>

#include "commands.h"

int main(int argc, char** argv) {
  CLI::App app{"Strata: an LSM-tree database. Run `strata CMD --help` for a command's options."};
  app.require_subcommand(1);
  int exit_code = 0;
  strata::tools::AddBenchCommand(app, &exit_code);
  strata::tools::AddStressCommand(app, &exit_code);
  strata::tools::AddCrashTestCommand(app, &exit_code);
  strata::tools::AddDocStressCommands(app, &exit_code);
  strata::tools::AddSstDumpCommand(app, &exit_code);
  strata::tools::AddWalDumpCommand(app, &exit_code);
  strata::tools::AddCheckCommand(app, &exit_code);
  strata::tools::AddKeyCommand(app, &exit_code);
  strata::tools::AddServeCommand(app, &exit_code);
  strata::tools::AddAdminCommands(app, &exit_code);
  strata::tools::AddShellCommand(app, &exit_code);
  strata::tools::AddImportExportCommands(app, &exit_code);
  CLI11_PARSE(app, argc, argv);
  return exit_code;
}
