// `strata doc-stress` and `strata doc-crashtest`.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <climits>

#include "commands.h"
#include "doc_stress.h"
#include "kill_round.h"

namespace strata::tools {
namespace {

void AddDocStressOptions(CLI::App* cmd, DocStressConfig* c, std::string* compression) {
  cmd->add_option("--docs", c->num_docs, "Number of distinct documents")->capture_default_str();
  cmd->add_option("--threads", c->threads, "Writer threads")->capture_default_str();
  cmd->add_option("--seed", c->seed, "Random seed")->capture_default_str();
  cmd->add_option("--write-buffer", c->write_buffer_size, "Memtable bytes")->capture_default_str();
  cmd->add_option("--compression", *compression, "lz4, zstd or none")
      ->check(CLI::IsMember({"lz4", "zstd", "none"}))
      ->capture_default_str();
  cmd->add_flag("--txn-error-probes,!--no-txn-error-probes", c->txn_error_probes,
                "Also commit transactions in which one call failed on a unique key");
}

}  // namespace

void AddDocStressCommands(CLI::App& app, int* exit_code) {
  auto* stress = app.add_subcommand(
      "doc-stress",
      "Document writes (sync on) on an indexed collection with an expected-state oracle, reads "
      "checked against it; the document crash test's worker");
  auto config = std::make_shared<DocStressConfig>();
  auto compression = std::make_shared<std::string>("lz4");
  stress->add_option("--dir", config->dir, "Database directory")->required();
  stress->add_option("--expected", config->expected_path, "Expected-state file")->required();
  stress->add_option("--duration", config->duration_sec, "Seconds to run")->capture_default_str();
  AddDocStressOptions(stress, config.get(), compression.get());
  stress->callback([config, compression, exit_code]() {
    config->compression = ParseCompression(*compression);
    *exit_code = RunDocStress(*config);
  });

  auto* crash = app.add_subcommand(
      "doc-crashtest",
      "Kill `strata doc-stress` with SIGKILL again and again; after each kill require a clean "
      "Check and verify every acknowledged document change and the indexes' answers");
  auto crash_config = std::make_shared<DocCrashTestConfig>();
  auto crash_compression = std::make_shared<std::string>("lz4");
  auto dir = std::make_shared<std::string>();
  crash->add_option("--dir", *dir, "Work directory (its db/ and expected file are replaced)")
      ->required();
  crash->add_option("--kills", crash_config->kills, "Number of kills")->capture_default_str();
  crash->add_option("--min-run", crash_config->min_run_sec, "Shortest run before a kill, seconds")
      ->capture_default_str();
  crash->add_option("--max-run", crash_config->max_run_sec, "Longest run before a kill, seconds")
      ->capture_default_str();
  AddDocStressOptions(crash, &crash_config->stress, crash_compression.get());
  crash->callback([crash_config, crash_compression, dir, exit_code]() {
    crash_config->stress.compression = ParseCompression(*crash_compression);
    crash_config->stress.dir = *dir + "/db";
    crash_config->stress.expected_path = *dir + "/expected_state";
    crash_config->self_exe = SelfExe();
    *exit_code = RunDocCrashTest(*crash_config);
  });
}

}  // namespace strata::tools
