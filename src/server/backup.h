// A consistent copy of a whole database, made from one snapshot while writers go on, into a new
// engine directory (any backend); and the restore of such a copy. Thread safety: free functions;
// BackupTo may run beside any other use of `source`.
#pragma once

#include <cstdint>
#include <string>

#include "strata/kv.h"
#include "strata/status.h"

namespace strata::server {

struct BackupReport {
  uint64_t keys = 0;
  uint64_t bytes = 0;
  double seconds = 0;
};

// Copies every key of `source` as of one snapshot into a new `backend` engine in `dir`, which
// must not exist yet or be empty (AlreadyExists otherwise).
Result<BackupReport> BackupTo(kv::Engine* source, const std::string& backend,
                              const std::string& dir);

// Copies the backup in `backup_dir` into `data_dir` (which must not exist or be empty), checking
// first that the backup opens and reads to the end.
Result<BackupReport> RestoreFrom(const std::string& backup_dir, const std::string& data_dir,
                                 const std::string& backend);

}  // namespace strata::server
