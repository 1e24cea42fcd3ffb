// Internal to the kv layer: the backends besides Strata's LSM, and the helpers they share.
//
// Engine::Open (engine.cc) finds these through its registry; nothing above kv includes this file.
// The peer backends exist only when their Debian package was found at build time
// (STRATA_HAVE_ROCKSDB / _LEVELDB / _LMDB, defined for strata_kv's sources).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "base/kv_limits.h"  // CheckKeyValueSize, shared with the LSM
#include "strata/iterator.h"
#include "strata/kv.h"

namespace strata::kv {

// Applies [lower, upper) bounds to an iterator that has none. Seeks outside the bounds are
// clamped to them; an empty range (lower >= upper) is never Valid().
std::unique_ptr<Iterator> NewBoundedIterator(std::unique_ptr<Iterator> base,
                                             std::optional<std::string> lower,
                                             std::optional<std::string> upper);

// Bytes the regular files under `dir` occupy, recursively (0 when it cannot be read). A sparse
// file counts the blocks it occupies, not its length.
uint64_t DirectoryBytes(const std::string& dir);
// Removes `dir` when it exists and is empty; OK otherwise.
Status RemoveDirIfEmpty(const std::string& dir);

#if STRATA_HAVE_ROCKSDB
Result<std::unique_ptr<Engine>> OpenRocksDBEngine(const std::string& dir, const Options& options);
Status DestroyRocksDBEngine(const std::string& dir, const Options& options);
#endif
#if STRATA_HAVE_LEVELDB
Result<std::unique_ptr<Engine>> OpenLevelDBEngine(const std::string& dir, const Options& options);
Status DestroyLevelDBEngine(const std::string& dir, const Options& options);
#endif
#if STRATA_HAVE_LMDB
Result<std::unique_ptr<Engine>> OpenLMDBEngine(const std::string& dir, const Options& options);
Status DestroyLMDBEngine(const std::string& dir, const Options& options);
#endif

}  // namespace strata::kv
