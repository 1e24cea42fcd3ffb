// Table: an open, immutable sorted table (SSTable) file.
//
// The index block, the filter and the properties stay in memory for the Table's life; data
// blocks are read on demand, through options.block_cache when one is set (key: fixed64 cache id
// from NewId() at Open | fixed64 block offset; value: Block*; charge: the block's bytes).
// Corruption anywhere (footer, index, filter, properties, data) is reported as a Corruption
// status naming the file and offset, never returned as data.
// Thread safety: a Table is immutable after Open; its methods may be called concurrently.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "env/env.h"
#include "lsm/table_builder.h"
#include "strata/function_ref.h"
#include "strata/iterator.h"
#include "strata/slice.h"
#include "strata/status.h"

namespace strata::lsm {

class Block;

class Table {
 public:
  // Reads the footer, index, filter and properties of the table in `file` (file_size bytes).
  // Corruption when any of them is damaged; InvalidArgument when the table was written with a
  // comparator whose Name() differs from options.comparator's. options.comparator and
  // options.block_cache are borrowed and must outlive the Table. cache_id names the table's
  // blocks in the block cache (0: a new id): a table opened again under its file's id finds
  // the blocks read before.
  static Status Open(const TableOptions& options, std::unique_ptr<RandomAccessFile> file,
                     uint64_t file_size, const std::string& file_name,
                     std::unique_ptr<Table>* table, uint64_t cache_id = 0);

  // Removes the table's data blocks from the block cache (its file was deleted).
  void EraseCachedBlocks() const;

  // Whether the data block that holds `key`, or would hold it, is in the block cache now.
  bool BlockCachedFor(const Slice& key) const;
  // Puts a data block just written (its uncompressed bytes, as TableBuilder's block sink gets
  // them) into options.block_cache, as a read of the table opened under cache_id would: a
  // compaction hands the hot blocks of its inputs on to its outputs this way.
  static void CacheWrittenBlock(const TableOptions& options, uint64_t cache_id, uint64_t offset,
                                const Slice& contents);
  // Takes back a CacheWrittenBlock whose table will never be opened.
  static void EraseWrittenBlock(const TableOptions& options, uint64_t cache_id, uint64_t offset);

  Table(const Table&) = delete;
  Table& operator=(const Table&) = delete;
  ~Table();

  // A new iterator over the table's entries (the caller deletes it; it must not outlive the
  // Table, unless `keep_open` holds this table: the iterator then keeps it open). The data block
  // under the iterator is pinned (by a cache handle or owned) until the iterator moves to
  // another block or is deleted. fill_cache: whether blocks read from the file are added to the
  // block cache (false for one-off scans such as compactions).
  Iterator* NewIterator(bool fill_cache = true,
                        std::shared_ptr<const Table> keep_open = nullptr) const;

  // Looks up `key` (an internal key when filter_user_keys): when the filter rules it out,
  // returns OK without calling handle_result. Otherwise seeks the index and the data block it
  // names, and calls handle_result(arg, k, v) for the first entry k >= key in that block, if
  // any (the bytes are valid only during the call). Errors come back as the return value.
  // use_filter false skips the filter (the caller expects the key to be there).
  Status InternalGet(const Slice& key, bool fill_cache, void* arg,
                     void (*handle_result)(void* arg, const Slice& k, const Slice& v),
                     bool use_filter = true) const;

  // Hands the entries from the first at or after `key` on to on_entry, in order, until it
  // returns false or the table ends; keys and values are valid during the call only. Blocks
  // are read in place, without iterators, while the table has its point index. A short scan's
  // path (an index's entries for one value).
  Status ScanFrom(const Slice& key, bool fill_cache,
                  FunctionRef<bool(const Slice& k, const Slice& v)> on_entry) const;

  // One lookup of a MultiGet batch: table, key, arg and handle_result as for InternalGet;
  // MultiGet sets status to what InternalGet would return.
  struct BatchLookup {
    const Table* table = nullptr;
    Slice key;
    void* arg = nullptr;
    void (*handle_result)(void* arg, const Slice& k, const Slice& v) = nullptr;
    bool use_filter = true;
    Status status;
  };
  // InternalGet for every lookup (on any mix of tables), done in passes over the whole batch:
  // each pass starts loading into the CPU cache what the next one reads (the filter line, the
  // block-cache slot, the block's restart array and first entry), so the lookups' memory reads
  // overlap instead of following one another.
  static void MultiGet(std::span<BatchLookup> lookups, bool fill_cache);

  // False when the filter proves no entry has the filter key of `key`.
  bool KeyMayMatch(const Slice& key) const;
  // False when the filter proves no entry's user key has the prefix `prefix` under the
  // reader's TableOptions::prefix_extractor (true when the table's filter holds other keys).
  bool PrefixMayMatch(const Slice& prefix) const;
  // PrefixMayMatch in steps, for probing many tables' filters at once: PrefixHash once, then
  // PrefetchPrefix on every table (starts loading the filter line), then PrefixMayMatchHash.
  static uint64_t PrefixHash(const Slice& prefix);
  void PrefetchPrefix(uint64_t hash) const;
  bool PrefixMayMatchHash(uint64_t hash) const;

  // The approximate file offset where the data for `key` begins (or would begin).
  uint64_t ApproximateOffsetOf(const Slice& key) const;

  uint64_t NumEntries() const;
  const TableProperties& properties() const;
  const std::string& file_name() const;

 private:
  struct Rep;
  explicit Table(std::unique_ptr<Rep> rep);

  // A data block held for reading: from the block cache (released by `cleanup`) or read for
  // this use alone (deleted by it).
  struct PinnedBlock;
  // The data block handle an index value holds; Corruption when it does not decode or points
  // outside the table's data.
  Status DecodeIndexValue(const Slice& index_value, BlockHandle* handle) const;
  // Finds or reads the data block named by an index value (a BlockHandle), or by its handle.
  // long_scan: a block read from the file goes into the cache only while that evicts nothing
  // (a scan of more data than the cache holds must not wipe out what point reads use).
  Status PinBlock(const Slice& index_value, bool fill_cache, PinnedBlock* pinned,
                  bool long_scan = false) const;
  Status PinBlock(const BlockHandle& handle, bool fill_cache, PinnedBlock* pinned,
                  bool long_scan = false) const;
  // An iterator over the data block named by an index value.
  Iterator* BlockReader(const Slice& index_value, bool fill_cache, bool long_scan) const;
  Iterator* NewIndexIterator() const;
  // The handle of the data block that holds `key`, or would hold it; none past the last key or
  // for an index entry that does not decode.
  std::optional<BlockHandle> DataBlockFor(const Slice& key) const;

  std::unique_ptr<Rep> rep_;
};

}  // namespace strata::lsm
