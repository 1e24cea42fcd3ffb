// strata shell: an interactive shell like mongosh, on a server (--url, --key) or a data
// directory opened in this process (--data).
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <iostream>

#include "commands.h"
#include "shell_backend.h"
#include "shell_repl.h"
#include "shell_session.h"

namespace strata::tools {

namespace {

struct ShellArgs {
  std::string url, key, data, format = "json", eval;
  bool insecure = false;
};

int RunShell(const ShellArgs& args) {
  auto backend = OpenBackend(args.url, args.key, args.data, args.insecure);
  if (!backend.ok()) {
    std::cerr << "strata shell: " << backend.status().ToString() << "\n";
    return 1;
  }
  // Fail early (a wrong URL or key) rather than on the first command.
  auto names = (*backend)->ListCollections();
  if (!names.ok()) {
    std::cerr << "strata shell: cannot use " << (*backend)->Describe() << ": "
              << names.status().ToString() << "\n";
    return 1;
  }
  ShellSession session(backend->get(), &std::cout, &std::cerr);
  session.set_format(args.format == "table" ? ShellSession::Format::kTable
                                            : ShellSession::Format::kJson);
  if (!args.eval.empty()) {
    session.Execute(args.eval);
    return session.errors() > 0 ? 1 : 0;
  }
  bool interactive = isatty(STDIN_FILENO) != 0;
  if (interactive) {
    std::cout << "Strata shell on " << (*backend)->Describe() << " (" << names->size()
              << " collections). Type .help for help, .exit to leave.\n";
  }
  return RunShellRepl(&session, interactive);
}

}  // namespace

void AddShellCommand(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<ShellArgs>();
  CLI::App* cmd = app.add_subcommand(
      "shell", "Interactive shell (mongosh-like) on a server or a data directory");
  cmd->add_option("--url", args->url, "Server URL (default http://127.0.0.1:6969)");
  cmd->add_option("--key", args->key, "API key (default: $STRATA_KEY)");
  cmd->add_flag("--insecure", args->insecure, "Do not verify an https server's certificate");
  cmd->add_option("--data", args->data, "Open this data directory directly instead of a server");
  cmd->add_option("--format", args->format, "How results print")
      ->check(CLI::IsMember({"json", "table"}));
  cmd->add_option("--eval", args->eval, "Run one command and exit");
  cmd->callback([args, exit_code] { *exit_code = RunShell(*args); });
}

}  // namespace strata::tools
