// Names of the files in a Strata LSM directory:
//   CURRENT           names the live MANIFEST
//   LOCK              held while the engine is open
//   MANIFEST-NNNNNN   version edits (the list of live tables per level)
//   NNNNNN.wal        write-ahead log
//   NNNNNN.sst        sorted table
//   NNNNNN.tmp        a file being written (removed at open)
#pragma once

#include <cstdint>
#include <string>

#include "env/env.h"

namespace strata::lsm {

enum class FileType { kWal, kLock, kTable, kManifest, kCurrent, kTemp, kInfoLog };

std::string WalFileName(const std::string& dir, uint64_t number);
std::string TableFileName(const std::string& dir, uint64_t number);
std::string ManifestFileName(const std::string& dir, uint64_t number);
std::string CurrentFileName(const std::string& dir);
std::string LockFileName(const std::string& dir);
std::string TempFileName(const std::string& dir, uint64_t number);

// Parses a file name (not a path); false for names that are not the engine's.
bool ParseFileName(const std::string& name, uint64_t* number, FileType* type);

// Points CURRENT at MANIFEST-<manifest_number> atomically (write temp, sync, rename, sync dir).
Status SetCurrentFile(Env* env, const std::string& dir, uint64_t manifest_number);

}  // namespace strata::lsm
