// CheckDB: verifies a Strata LSM directory without changing it: CURRENT and the MANIFEST decode,
// every table the MANIFEST names exists, has the recorded size, reads back with every block
// checksum verified, holds keys in order within its recorded bounds, and every WAL still needed
// reads back without damage. Used by `strata check` and by the tests.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "strata/kv.h"

namespace strata::lsm {

struct CheckReport {
  uint64_t tables = 0;
  uint64_t table_entries = 0;
  uint64_t wals = 0;
  uint64_t wal_records = 0;
  uint64_t bytes_verified = 0;
  std::vector<std::string> problems;  // each names the file and what is wrong
  std::vector<std::string> notes;     // harmless findings (e.g. a torn WAL tail, orphan files)
  bool ok() const { return problems.empty(); }
};

// Takes the directory's LOCK (Busy when the database is open elsewhere). The returned Status
// is for failures to run the check at all; damage found is listed in the report.
Status CheckDB(const std::string& dir, const kv::Options& options, CheckReport* report);

}  // namespace strata::lsm
