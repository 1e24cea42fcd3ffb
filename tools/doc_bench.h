// `strata bench doc`: the document layer against SQLite on the same data and operations.
//
// Each system runs in its own child process (so peak memory is its own): four loads of `num`
// small documents (no secondary index / two, one insert per call / batches of 100), then, on the
// last load, gets by id, indexed equality finds, indexed range finds of about 100 results, an
// unindexed filtered scan, a group-by over every document and an update of many documents.
// The systems load one after the other; then each read workload runs in ten slices that
// alternate between the systems, so that the ratios do not depend on when the machine was busy.
// SQLite uses a table with columns and the same indexes, WAL mode and synchronous=NORMAL; Strata
// writes without sync, which is the same durability (safe against a process crash).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace strata::tools {

struct DocBenchConfig {
  uint64_t num = 1000000;   // documents per load
  uint64_t reads = 100000;  // gets and equality finds
  uint64_t range_finds = 10000;
  int scans = 3;  // full scans, group-bys and update-manys
  std::vector<std::string> systems = {"strata", "sqlite"};
  std::string backend = "strata";  // the kv backend under the document layer
  std::string dir;                 // default: a fresh /tmp/strata-docbench-XXXXXX
  std::string json_path;
  uint64_t seed = 42;
  bool keep = false;
};

// Runs the benchmark and prints the report; returns the process exit code.
int RunDocBench(const DocBenchConfig& config);

}  // namespace strata::tools
