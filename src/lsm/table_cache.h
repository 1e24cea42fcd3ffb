// TableCache: open tables by file number, at most `capacity` at a time (max_open_files).
// Thread safety: thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "env/env.h"
#include "lsm/table.h"
#include "strata/iterator.h"

namespace strata::lsm {

class TableCache {
 public:
  TableCache(std::string dir, Env* env, const TableOptions& options, size_t capacity);

  // The table for file `number`, opened if needed. Its shared_ptr keeps it open while in use
  // even after eviction.
  Status FindTable(uint64_t number, uint64_t file_size, std::shared_ptr<Table>* table);

  // An iterator over the table's internal keys; it keeps the table open.
  Iterator* NewIterator(bool fill_cache, uint64_t number, uint64_t file_size);
  // The same over a table already found.
  Iterator* NewIterator(bool fill_cache, std::shared_ptr<Table> table);

  // Calls handle_result with the first entry >= internal_key, if the table may have it.
  Status Get(bool fill_cache, uint64_t number, uint64_t file_size, const Slice& internal_key,
             void* arg, void (*handle_result)(void*, const Slice&, const Slice&),
             bool use_filter = true);

  // Forgets a deleted file. Its open table is retired: EraseRetiredBlocks drops its blocks
  // from the block cache (a table closed earlier leaves them to age out).
  void Evict(uint64_t number);
  // Drops the blocks of the tables Evict retired and returns how many tables there were.
  // Erasing thousands of blocks takes a while: the engine calls this without holding its own
  // mutex.
  size_t EraseRetiredBlocks();

  // A data block just written to file `number`, put into the block cache as a read of the
  // table would put it (Table::CacheWrittenBlock); EraseWrittenBlock takes it back when the
  // file will not be used.
  void CacheWrittenBlock(uint64_t number, uint64_t offset, const Slice& contents);
  void EraseWrittenBlock(uint64_t number, uint64_t offset);

  const TableOptions& options() const { return options_; }

 private:
  // The block-cache id of file `number`'s blocks (0 without a block cache). It stays the same
  // until Evict, so blocks cached for the file outlive its table being closed (max_open_files).
  uint64_t CacheId(uint64_t number);

  struct Entry {
    std::shared_ptr<Table> table;
    uint64_t last_use = 0;  // tick of the last lookup: the least recent is evicted
  };

  const std::string dir_;
  Env* const env_;
  const TableOptions options_;
  const size_t capacity_;
  std::mutex mu_;
  std::unordered_map<uint64_t, Entry> tables_;
  std::unordered_map<uint64_t, uint64_t> cache_ids_;  // file number -> block-cache id
  std::vector<std::shared_ptr<Table>> retired_;
  uint64_t tick_ = 0;
};

}  // namespace strata::lsm
