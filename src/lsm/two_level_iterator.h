// A two-level iterator: an index iterator whose values locate blocks, and a function that opens
// an iterator over the block an index value names. Yields the concatenation of those blocks.
//
// On an error in a block (unreadable, corrupt) the iterator stops there: it is not Valid() and
// status() reports the error; moving elsewhere clears it. Errors are never skipped silently.
// Thread safety: not thread-safe (like every Iterator).
#pragma once

#include <functional>

#include "strata/iterator.h"

namespace strata::lsm {

// Returns a new iterator over the block named by index_value (never nullptr; an error iterator
// from NewEmptyIterator(status) when the block cannot be read). `long_scan` is set when the
// iterator has stepped through kLongScanBlocks blocks or more in a row without a seek.
using BlockFunction = std::function<Iterator*(const Slice& index_value, bool long_scan)>;
inline constexpr int kLongScanBlocks = 8;

// Takes ownership of index_iter. block_function is destroyed after both iterators, so it may
// own what they read.
Iterator* NewTwoLevelIterator(Iterator* index_iter, BlockFunction block_function);

}  // namespace strata::lsm
