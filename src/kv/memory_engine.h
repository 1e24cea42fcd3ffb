// The "memory" backend: an ordered multi-version map held in memory.
//
// Data lives only while the engine is open: the directory is not used, so reopening "memory" in
// the same directory gives an empty store, create_if_missing / error_if_exists have nothing to
// check, and a second open of the same directory gives a second, independent store. Sync is
// meaningless (nothing survives the process). Useful as a reference in tests and as a baseline in
// benchmarks.
//
// Thread safety: as kv::Engine. Writes are atomic under an exclusive lock; reads and iterator
// steps take a shared lock. Snapshots and iterators keep the data alive, so they may outlive
// Close() (but the kv contract still asks for iterators to go first).
#pragma once

#include <memory>
#include <string>

#include "strata/kv.h"

namespace strata::kv {

std::unique_ptr<Engine> NewMemoryEngine(const Options& options);

// Registry entries (engine.cc): Open ignores `dir`; Destroy has nothing to remove.
Result<std::unique_ptr<Engine>> OpenMemoryEngine(const std::string& dir, const Options& options);
Status DestroyMemoryEngine(const std::string& dir, const Options& options);

}  // namespace strata::kv
