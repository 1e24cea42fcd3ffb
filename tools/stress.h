// The stress test and the crash-test driver, in the manner of RocksDB's db_stress and
// db_crashtest.py: `strata stress` writes with sync on and records every acknowledged write in an
// ExpectedState; `strata crashtest` kills it with SIGKILL at random moments, reopens the
// database and checks every acknowledged write and the database's consistency, again and again.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "expected_state.h"
#include "strata/kv.h"
#include "strata/status.h"

namespace strata::tools {

struct StressConfig {
  std::string backend = "strata";
  std::string dir;
  std::string expected_path;
  uint32_t num_keys = 10000;
  int threads = 4;
  uint64_t seed = 1;
  double duration_sec = 10;  // the crash test kills it long before
  bool sync = true;
  size_t write_buffer_size = 256 << 10;
  kv::Compression compression = kv::Compression::kLZ4;
};

// Runs random puts, deletes, batches, reads and scans until the duration ends. Returns 0 on
// success, 1 when a read saw something the oracle forbids, 2 on an engine error.
int RunStress(const StressConfig& config);

struct VerifyReport {
  uint64_t keys_present = 0;
  uint64_t pending_applied = 0;  // in-flight writes that turned out durable
  uint64_t pending_lost = 0;     // in-flight writes that were not (allowed: never acknowledged)
  std::vector<std::string> errors;
};

// Opens the database, checks every key against the oracle (then adopts in-flight writes that
// survived), and checks that forward and backward scans agree with point reads.
Status VerifyDatabase(const StressConfig& config, ExpectedState* state, VerifyReport* report);

struct CrashTestConfig {
  StressConfig stress;
  std::string self_exe;  // the `strata` binary, run as `strata stress ...`
  int kills = 20;
  double min_run_sec = 0.3;
  double max_run_sec = 1.5;
};

int RunCrashTest(const CrashTestConfig& config);

// Keys and values of the stress test. Values name their key and version so reads can be checked.
std::string StressKey(uint32_t key);
std::string StressValue(uint32_t key, uint32_t version);
bool ParseStressValue(const Slice& value, uint32_t* key, uint32_t* version);

}  // namespace strata::tools
