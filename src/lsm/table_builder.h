// TableBuilder: writes a sorted table (SSTable) to a WritableFile.
//
// File layout (docs/formats/sstable.md): data blocks | filter block | index block |
// properties block | footer. Every block has a 5-byte trailer (compression type + checksum).
// Thread safety: not thread-safe; the caller owns the file and closes it after Finish().
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "base/comparator.h"
#include "env/env.h"
#include "lsm/cache.h"
#include "lsm/format.h"
#include "strata/kv.h"
#include "strata/slice.h"
#include "strata/status.h"

namespace strata::lsm {

struct TableOptions {
  // Orders the keys; its Name() is stored in the table and checked by Table::Open. Not owned.
  const Comparator* comparator = BytewiseComparator();
  // Uncompressed bytes of a data block before a new one starts.
  size_t block_size = 4096;
  // Entries between full (not prefix-compressed) keys in a data block. The engine passes
  // kv::Options::block_restart_interval (4 by default); 16, LevelDB's, is for tables built
  // directly, as in tests. Readers need not know it.
  int restart_interval = 16;
  kv::Compression compression = kv::Compression::kLZ4;
  int zstd_level = 3;
  // 0 (or less) writes no filter.
  int bloom_bits_per_key = 10;
  // Strip the 8-byte internal-key trailer before adding to (and probing) the filter.
  bool filter_user_keys = true;
  // Writers: the filter holds keys' prefixes under it (and the table names it, property
  // strata.filter_prefix). Readers: a table's filter is probed by prefix only when the names
  // agree. Borrowed; nullptr: whole keys.
  const kv::PrefixExtractor* prefix_extractor = nullptr;
  // Readers only: uncompressed blocks are cached here when set. Not owned.
  Cache* block_cache = nullptr;
};

// The bytes of `key` the filter holds: the user key of an internal key when filter_user_keys.
inline Slice FilterKey(const TableOptions& options, const Slice& key) {
  if (!options.filter_user_keys || key.size() < 8) return key;
  return Slice(key.data(), key.size() - 8);
}

// Counts kept in a table's properties block.
struct TableProperties {
  std::string comparator_name;
  uint64_t num_entries = 0;
  uint64_t num_data_blocks = 0;
  uint64_t raw_key_bytes = 0;
  uint64_t raw_value_bytes = 0;
  uint64_t data_bytes = 0;  // bytes of data blocks on disk, trailers included
  uint64_t filter_bytes = 0;
  uint64_t index_bytes = 0;
  // The PrefixExtractor whose prefixes the filter holds; empty: whole keys.
  std::string filter_prefix;
};

class TableBuilder {
 public:
  // `file` is borrowed and must outlive the builder.
  TableBuilder(const TableOptions& options, WritableFile* file);
  TableBuilder(const TableBuilder&) = delete;
  TableBuilder& operator=(const TableBuilder&) = delete;
  // REQUIRES: Finish() or Abandon() was called.
  ~TableBuilder();

  // Called for each data block once it is written: its handle, its uncompressed bytes, and its
  // last key (all valid only during the call).
  using DataBlockSink =
      std::function<void(const BlockHandle& handle, const Slice& contents, const Slice& last_key)>;
  void SetDataBlockSink(DataBlockSink sink);

  // REQUIRES: key > every key added before (comparator order); Finish/Abandon not called.
  // With filter_user_keys, key is an internal key (at least 8 bytes).
  void Add(const Slice& key, const Slice& value);
  // Writes the rest of the table. Does not sync or close the file.
  Status Finish();
  // The file's contents are to be dropped; the builder writes nothing more.
  void Abandon();

  uint64_t NumEntries() const;
  // Bytes written so far (the whole file after Finish()).
  uint64_t FileSize() const;
  // The first error of an Append, if any.
  Status status() const;
  const TableProperties& properties() const;

 private:
  struct Rep;
  void Flush();
  // `data`: a data block, for the sink.
  void WriteBlock(class BlockBuilder* block, bool compress, BlockHandle* handle, bool data = false);
  void WriteRawBlock(const Slice& contents, unsigned char type, BlockHandle* handle);

  std::unique_ptr<Rep> rep_;
};

}  // namespace strata::lsm
