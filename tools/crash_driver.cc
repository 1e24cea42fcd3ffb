// The crash-test driver: run `strata stress`, SIGKILL it at a random moment, verify, repeat.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>

#include "base/random.h"
#include "kill_round.h"
#include "stress.h"

namespace strata::tools {
namespace {

// Starts `strata stress` as a child process; returns its pid or -1.
pid_t StartStress(const CrashTestConfig& config, const StressConfig& run) {
  std::vector<std::string> args = {config.self_exe,  "stress",
                                   "--backend",      run.backend,
                                   "--dir",          run.dir,
                                   "--expected",     run.expected_path,
                                   "--keys",         std::to_string(run.num_keys),
                                   "--threads",      std::to_string(run.threads),
                                   "--seed",         std::to_string(run.seed),
                                   "--duration",     std::to_string(run.duration_sec),
                                   "--write-buffer", std::to_string(run.write_buffer_size),
                                   "--compression",  CompressionName(run.compression)};
  return SpawnChild(args);
}

}  // namespace

int RunCrashTest(const CrashTestConfig& config) {
  namespace fs = std::filesystem;
  const StressConfig& base = config.stress;
  std::error_code ec;
  fs::remove_all(base.dir, ec);
  fs::remove(base.expected_path, ec);
  fs::create_directories(fs::path(base.expected_path).parent_path(), ec);

  Random rnd(base.seed);
  uint64_t total_applied = 0, total_lost = 0;
  const auto start = std::chrono::steady_clock::now();
  for (int round = 1; round <= config.kills; round++) {
    StressConfig run = base;
    run.seed = base.seed * 1000 + round;
    run.duration_sec = 60;  // killed long before
    const EngineShape shape = RandomEngineShape(&rnd);
    run.write_buffer_size = shape.write_buffer_size;
    run.compression = shape.compression;

    pid_t pid = StartStress(config, run);
    if (pid < 0) {
      perror("crashtest: fork");
      return 2;
    }
    double run_sec = 0;
    if (!RunThenKill(pid, config.min_run_sec, config.max_run_sec, &rnd, round, "crashtest",
                     &run_sec)) {
      return 1;
    }

    ExpectedState state;
    Status s = state.Open(run.expected_path, run.num_keys);
    VerifyReport report;
    if (s.ok()) s = VerifyDatabase(run, &state, &report);
    if (!s.ok()) {
      fprintf(stderr, "crashtest: round %d: %s\n", round, s.ToString().c_str());
      return 1;
    }
    if (!report.errors.empty()) {
      fprintf(stderr, "crashtest: round %d: %zu acknowledged-write violations:\n", round,
              report.errors.size());
      for (size_t i = 0; i < report.errors.size() && i < 20; i++) {
        fprintf(stderr, "  %s\n", report.errors[i].c_str());
      }
      return 1;
    }
    total_applied += report.pending_applied;
    total_lost += report.pending_lost;
    printf(
        "crashtest: kill %d/%d after %.2f s (buffer %zu KiB, %s): %llu keys verified live, "
        "%llu in-flight writes survived, %llu lost\n",
        round, config.kills, run_sec, run.write_buffer_size >> 10, CompressionName(run.compression),
        static_cast<unsigned long long>(report.keys_present),
        static_cast<unsigned long long>(report.pending_applied),
        static_cast<unsigned long long>(report.pending_lost));
    fflush(stdout);
  }
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  printf(
      "crashtest: %d kills, every acknowledged write present, scans consistent (%.1f s; %llu "
      "in-flight writes survived, %llu did not)\n",
      config.kills, secs, static_cast<unsigned long long>(total_applied),
      static_cast<unsigned long long>(total_lost));
  return 0;
}

}  // namespace strata::tools
