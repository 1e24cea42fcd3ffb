// The key and value size limits of kv::Options, the one check every engine's write path uses
// (Strata's LSM and the adapters of the peers alike).
#pragma once

#include "strata/kv.h"

namespace strata::kv {

// InvalidArgument naming the size and the option when `key` or `value` (nullptr for a delete)
// is longer than options allows.
Status CheckKeyValueSize(const Options& options, const Slice& key, const Slice* value);

// Checks every operation of `batch`; the error also names the operation's index in the batch.
Status CheckBatchSizes(const Options& options, const WriteBatch& batch);

}  // namespace strata::kv
