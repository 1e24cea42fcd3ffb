// `strata stress` and `strata crashtest`.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <climits>

#include "commands.h"
#include "kill_round.h"
#include "stress.h"

namespace strata::tools {
namespace {

void AddStressOptions(CLI::App* cmd, StressConfig* c, std::string* compression) {
  cmd->add_option("--backend", c->backend, "Engine to test")->capture_default_str();
  cmd->add_option("--keys", c->num_keys, "Number of distinct keys")->capture_default_str();
  cmd->add_option("--threads", c->threads, "Writer threads")->capture_default_str();
  cmd->add_option("--seed", c->seed, "Random seed")->capture_default_str();
  cmd->add_option("--write-buffer", c->write_buffer_size, "Memtable bytes")->capture_default_str();
  cmd->add_option("--compression", *compression, "lz4, zstd or none")
      ->check(CLI::IsMember({"lz4", "zstd", "none"}))
      ->capture_default_str();
}

}  // namespace

void AddStressCommand(CLI::App& app, int* exit_code) {
  auto* cmd = app.add_subcommand("stress",
                                 "Random writes (sync on) with an expected-state oracle, reads "
                                 "checked against it; the crash test's worker");
  auto config = std::make_shared<StressConfig>();
  auto compression = std::make_shared<std::string>("lz4");
  cmd->add_option("--dir", config->dir, "Database directory")->required();
  cmd->add_option("--expected", config->expected_path, "Expected-state file")->required();
  cmd->add_option("--duration", config->duration_sec, "Seconds to run")->capture_default_str();
  AddStressOptions(cmd, config.get(), compression.get());
  cmd->callback([config, compression, exit_code]() {
    config->compression = ParseCompression(*compression);
    *exit_code = RunStress(*config);
  });
}

void AddCrashTestCommand(CLI::App& app, int* exit_code) {
  auto* cmd = app.add_subcommand(
      "crashtest",
      "Kill `strata stress` with SIGKILL again and again; verify every acknowledged "
      "write and the database's consistency after each kill");
  auto config = std::make_shared<CrashTestConfig>();
  auto compression = std::make_shared<std::string>("lz4");
  auto dir = std::make_shared<std::string>();
  cmd->add_option("--dir", *dir, "Work directory (its db/ and expected file are replaced)")
      ->required();
  cmd->add_option("--kills", config->kills, "Number of kills")->capture_default_str();
  cmd->add_option("--min-run", config->min_run_sec, "Shortest run before a kill, seconds")
      ->capture_default_str();
  cmd->add_option("--max-run", config->max_run_sec, "Longest run before a kill, seconds")
      ->capture_default_str();
  AddStressOptions(cmd, &config->stress, compression.get());
  cmd->callback([config, compression, dir, exit_code]() {
    config->stress.compression = ParseCompression(*compression);
    config->stress.dir = *dir + "/db";
    config->stress.expected_path = *dir + "/expected_state";
    config->self_exe = SelfExe();
    *exit_code = RunCrashTest(*config);
  });
}

}  // namespace strata::tools
