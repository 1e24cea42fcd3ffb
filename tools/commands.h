// Subcommands of the `strata` command line. Each Add*Command registers one CLI11 subcommand whose
// callback runs the tool and sets the process exit code through `exit_code`.
#pragma once

namespace CLI {
class App;
}

namespace strata::tools {

void AddBenchCommand(CLI::App& app, int* exit_code);
void AddStressCommand(CLI::App& app, int* exit_code);
void AddCrashTestCommand(CLI::App& app, int* exit_code);
void AddDocStressCommands(CLI::App& app, int* exit_code);  // doc-stress, doc-crashtest
void AddSstDumpCommand(CLI::App& app, int* exit_code);
void AddWalDumpCommand(CLI::App& app, int* exit_code);
void AddCheckCommand(CLI::App& app, int* exit_code);
void AddKeyCommand(CLI::App& app, int* exit_code);  // key create|list|revoke
void AddServeCommand(CLI::App& app, int* exit_code);
void AddAdminCommands(CLI::App& app, int* exit_code);  // backup, restore, stats
void AddShellCommand(CLI::App& app, int* exit_code);
void AddImportExportCommands(CLI::App& app, int* exit_code);  // import, export

}  // namespace strata::tools
