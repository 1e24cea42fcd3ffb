// Block: a parsed, immutable data or index block (see block_builder.h for the layout).
// Thread safety: a Block is immutable after construction; any number of iterators may read it
// concurrently. Each iterator is for one thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "base/comparator.h"
#include "lsm/format.h"
#include "strata/iterator.h"

namespace strata::lsm {

// Options for Block::NewIterator.
struct BlockIterOptions {
  // For error messages ("<file_name> block at offset N: ..."); must outlive the iterator.
  const std::string* file_name = nullptr;
  uint64_t block_offset = 0;
  // Run once when the iterator is destroyed (for example to release a block-cache handle or to
  // delete an uncached block).
  void (*cleanup)(void* arg1, void* arg2) = nullptr;
  void* cleanup_arg1 = nullptr;
  void* cleanup_arg2 = nullptr;
};

class Block {
 public:
  // Takes ownership of contents.data when contents.heap_allocated; otherwise the bytes must
  // outlive the Block.
  explicit Block(const BlockContents& contents);
  Block(const Block&) = delete;
  Block& operator=(const Block&) = delete;
  ~Block();

  // Bytes of the block (its charge in the block cache).
  size_t size() const { return size_; }
  // False when the restart array is malformed; iterators then report Corruption.
  bool ok() const { return !malformed_; }

  // A new iterator over the block, ordered by `comparator` (borrowed; must outlive it).
  // Seek binary-searches the restart points, then scans at most restart_interval entries.
  // Malformed entries make the iterator invalid with a Corruption status.
  Iterator* NewIterator(const Comparator* comparator, const BlockIterOptions& options = {}) const;

 private:
  class Iter;

  const char* data_;
  size_t size_;
  uint32_t restart_offset_ = 0;  // offset of the restart array
  uint32_t num_restarts_ = 0;
  bool owned_;
  bool malformed_ = false;
};

}  // namespace strata::lsm
