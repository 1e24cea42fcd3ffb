// kv::Engine: Strata's ordered key-value interface.
//
// One interface over several engines, chosen by name when opening: "strata" (Strata's own LSM
// tree, the default), "memory" (an in-memory ordered map), and, when built with them, "rocksdb",
// "leveldb" and "lmdb". The conformance suite (tests/conformance) holds every backend to the same
// contract: keys and values are byte strings ordered bytewise; Write applies a batch atomically;
// a snapshot sees exactly the writes acknowledged before it was taken; an acknowledged write with
// sync survives a crash of the machine, one without sync survives a crash of the process.
//
// Thread safety: an Engine may be used from many threads at once. Iterators and WriteBatches are
// single-threaded. Snapshots may be shared between threads.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "strata/function_ref.h"
#include "strata/iterator.h"
#include "strata/slice.h"
#include "strata/status.h"
#include "strata/write_batch.h"

namespace strata {

class Env;  // src/env/env.h: all file access goes through an Env.

namespace kv {

enum class Compression : unsigned char { kNone = 0, kLZ4 = 1, kZstd = 2 };

// Says which prefix of a key Strata's bloom filters hold in its place, so that a scan bounded
// within one prefix (an index lookup by one value: all entries "value, id" for that value) can
// skip every memtable and table whose filter rules the prefix out, as point reads skip them by
// key. Like RocksDB's prefix_extractor, but the range test is the extractor's: only it knows
// where its prefixes end. Other backends ignore it.
class PrefixExtractor {
 public:
  virtual ~PrefixExtractor() = default;
  // Not empty (an extractor without a name is ignored). Stored in each table with a filter. A
  // table written under another name (or without an extractor) is read without its filter
  // where the two would disagree, so changing the extractor of a database never hides data; it
  // only costs filter probes until compaction.
  virtual const char* Name() const = 0;
  // The length of the prefix of `key` that stands for it in filters, in [1, key.size()], or 0
  // when the whole key does (the key is outside the extractor's domain).
  virtual size_t PrefixLength(Slice key) const = 0;
  // n > 0 only when every key k in [lower, upper) starts with lower[0, n) and has
  // PrefixLength(k) == n; otherwise 0. Must be exact: a wrong n makes scans miss entries.
  virtual size_t RangePrefixLength(Slice lower, Slice upper) const = 0;
};

struct Options {
  bool create_if_missing = false;
  bool error_if_exists = false;
  // Settings every engine has in some form. Unset means the engine's own default, so that a
  // peer opened through this interface behaves as that peer does out of the box; Strata's own
  // defaults are the kStrata* values.
  // Bytes buffered in memory before a flush to disk (Strata: the memtable).
  std::optional<size_t> write_buffer_size;
  // Bytes of uncompressed blocks kept in memory.
  std::optional<size_t> block_cache_size;
  std::optional<Compression> compression;
  // Bloom filter bits per key; 0 disables filters.
  std::optional<int> bloom_bits_per_key;
  // A 16 MiB write buffer (four memtables, see memtables_per_flush) keeps level-0 tables large
  // while each skiplist stays small enough to insert into quickly; a 256 MiB block cache holds
  // the uncompressed blocks of about two million small records. Peak memory is about
  // write_buffer_size * (1 + max_immutable_memtables) + block_cache_size + 64 MiB.
  static constexpr size_t kStrataWriteBufferSize = 16 << 20;
  static constexpr size_t kStrataBlockCacheSize = 256 << 20;
  static constexpr Compression kStrataCompression = Compression::kLZ4;
  static constexpr int kStrataBloomBitsPerKey = 10;

  int zstd_level = 3;
  // The sync choice for writes whose WriteOptions do not say.
  bool sync = false;
  // Upper bound on open table files kept by the table cache.
  int max_open_files = 1000;
  // Longest key and value accepted (InvalidArgument beyond).
  size_t max_key_size = 64 << 10;
  size_t max_value_size = 256 << 20;

  // Tuning of Strata's LSM; other backends ignore these.
  size_t block_size = 4096;
  // Entries between full keys in a data block. A point read binary-searches the full keys and
  // then decodes entries one by one, each on a cold cache line when values are ~100 bytes: 4
  // (LevelDB's and RocksDB's 16) made random reads 1.2x faster at 1M keys for 2-5% larger tables,
  // and left scans as they were (docs/BENCHMARKS.md, "Restart interval 4 in data blocks").
  int block_restart_interval = 4;
  int l0_compaction_trigger = 4;
  int l0_slowdown_trigger = 20;
  int l0_stop_trigger = 36;
  // Full write buffers that may wait for their flush before writers wait.
  int max_immutable_memtables = 2;
  // The write buffer is this many memtables, filled one after another and flushed together as
  // one level-0 table (RocksDB's min_write_buffer_number_to_merge). A skiplist a quarter the size
  // inserts faster: fewer levels to descend, more of it in the CPU cache. Level-0 tables, WAL
  // switches and compaction stay as they are for the whole buffer (docs/BENCHMARKS.md, "A write
  // buffer of four memtables").
  int memtables_per_flush = 4;
  uint64_t target_file_size = 64ull << 20;
  uint64_t max_bytes_for_level_base = 256ull << 20;
  int level_size_multiplier = 10;

  // Where files live; nullptr means the POSIX file system. Not owned; must outlive the engine.
  Env* env = nullptr;
  // Filters hold these prefixes of keys (see PrefixExtractor); nullptr: whole keys.
  std::shared_ptr<const PrefixExtractor> prefix_extractor;
};

// A consistent read view. Released when the last shared_ptr to it goes away.
class Snapshot {
 public:
  virtual ~Snapshot() = default;
};

struct ReadOptions {
  // Read as of this snapshot; nullptr reads the latest state.
  std::shared_ptr<const Snapshot> snapshot;
  // Iterators only: keys outside [lower_bound, upper_bound) are not visited.
  std::optional<std::string> lower_bound;
  std::optional<std::string> upper_bound;
  // Keep blocks read by this operation in the block cache.
  bool fill_cache = true;
  // Get and MultiGet only: a hint that the keys exist (an index entry names them). A table that
  // holds a key cannot have a filter ruling it out, so Strata skips the filters of the deepest
  // level, where a lookup that got that far must find its key. Reads are correct either way; a key
  // that is missing after all costs an index and a block search there. Others ignore it.
  bool expect_found = false;
};

struct WriteOptions {
  // nullopt: use Options::sync.
  std::optional<bool> sync;
};

struct LevelStats {
  int level = 0;
  uint64_t files = 0;
  uint64_t bytes = 0;
};

struct Stats {
  uint64_t user_bytes_written = 0;    // keys + values handed to Put/Delete/Write
  uint64_t engine_bytes_written = 0;  // bytes the engine wrote to files (WAL, tables, manifest)
  double write_amplification = 0;     // engine / user
  std::vector<LevelStats> levels;
  uint64_t memtable_bytes = 0;
  uint64_t block_cache_hits = 0;
  uint64_t block_cache_misses = 0;
  double block_cache_hit_rate = 0;
  uint64_t block_cache_bytes = 0;  // charged to the block cache now (open tables' metadata too)
  uint64_t pending_compaction_bytes = 0;
  uint64_t disk_bytes = 0;  // bytes of live files
  uint64_t write_stall_micros = 0;
};

class Engine {
 public:
  // Opens (or creates, with create_if_missing) the engine named `backend` in directory `dir`.
  static Result<std::unique_ptr<Engine>> Open(std::string_view backend, const std::string& dir,
                                              const Options& options);
  // Removes every file of the engine in `dir` (the directory too, when it is then empty).
  static Status Destroy(std::string_view backend, const std::string& dir,
                        const Options& options = Options());
  // Names of the backends this build has, "strata" first.
  static std::vector<std::string> Backends();
  // Names of known backends this build lacks, with the reason ("rocksdb: not found at build").
  static std::vector<std::string> MissingBackends();

  Engine() = default;
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;
  // Closes the engine if Close() was not called.
  virtual ~Engine() = default;

  virtual std::string_view Name() const = 0;

  // NotFound when the key is absent.
  virtual Status Get(const ReadOptions& options, const Slice& key, std::string* value) = 0;
  // Get for every key of `keys`, all read at one point in time: statuses[i] and values[i] are
  // what Get would give for keys[i] (the spans are the same size). A backend may overlap the
  // lookups' memory reads, which makes a batch cheaper than as many Gets; the default takes a
  // snapshot (unless options has one) and calls Get for each key.
  virtual void MultiGet(const ReadOptions& options, std::span<const Slice> keys,
                        std::span<std::string> values, std::span<Status> statuses);
  virtual Status Put(const WriteOptions& options, const Slice& key, const Slice& value);
  virtual Status Delete(const WriteOptions& options, const Slice& key);
  // Applies every operation of `batch` or none of them.
  virtual Status Write(const WriteOptions& options, const WriteBatch& batch) = 0;

  // The iterator must be destroyed before the engine.
  virtual std::unique_ptr<Iterator> NewIterator(const ReadOptions& options) = 0;
  // Calls visit(key, value) for the entries of [lower, *upper) (upper nullptr: to the end) in
  // key order, until visit returns false or the range ends; the slices are valid during the
  // call only. options' bounds are not used. For short ranges, such as an index's entries for
  // one value, this costs less than an iterator: a backend may read the entries in place. The
  // default walks NewIterator.
  virtual Status Scan(const ReadOptions& options, const Slice& lower, const Slice* upper,
                      FunctionRef<bool(const Slice& key, const Slice& value)> visit);
  virtual std::shared_ptr<const Snapshot> GetSnapshot() = 0;

  // Writes buffered data to tables (where the backend has such a notion) and waits for it.
  virtual Status Flush() = 0;
  // Compacts the key range [begin, end] (nullptr: unbounded) and waits for it.
  virtual Status CompactRange(const Slice* begin, const Slice* end) = 0;
  // Approximate bytes on disk used by keys in [begin, end).
  virtual uint64_t ApproximateSize(const Slice& begin, const Slice& end) = 0;

  virtual Stats GetStats() = 0;
  // Named properties ("strata.stats", "strata.levels", "strata.num-files-at-levelN",
  // "strata.num-immutable-memtables"); nullopt when unknown.
  virtual std::optional<std::string> GetProperty(std::string_view name);

  // Flushes what must be flushed and releases files; later calls return an error.
  virtual Status Close() = 0;

  // Convenience forms with default options.
  Result<std::string> Get(const Slice& key);
  Status Put(const Slice& key, const Slice& value) { return Put(WriteOptions(), key, value); }
  Status Delete(const Slice& key) { return Delete(WriteOptions(), key); }
};

}  // namespace kv
}  // namespace strata
