// The "rocksdb" backend: kv::Engine over RocksDB (Debian librocksdb-dev), default column family.
//
// Option mapping (kv::Options -> rocksdb), everything else keeps RocksDB's own defaults:
//   create_if_missing, error_if_exists -> same names
//   write_buffer_size                  -> Options::write_buffer_size
//   block_cache_size                   -> BlockBasedTableOptions::block_cache = NewLRUCache(size)
//                                         (0: no_block_cache)
//   compression kNone / kLZ4 / kZstd   -> kNoCompression / kLZ4Compression / kZSTD, with
//                                         zstd_level as compression_opts.level for kZstd
//   bloom_bits_per_key                 -> NewBloomFilterPolicy(bits) (0: no filter)
//   max_open_files                     -> Options::max_open_files
//   sync                               -> WriteOptions::sync when a write does not say
//   block_size and the other LSM tuning fields, env -> ignored (RocksDB uses its own files)
// Statistics are enabled at the tickers-only level (kExceptHistogramOrTimers) so that GetStats
// can report bytes written, block cache hits and stall time; that costs a few atomic adds.
//
// Snapshots and iterators hold a reference to the DB, so releasing them after Close() is safe;
// the DB is then closed when the last of them goes away.

#include <atomic>
#include <memory>
#include <string>

#include "kv/peer_engines.h"
#include "rocksdb/cache.h"
#include "rocksdb/db.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/options.h"
#include "rocksdb/statistics.h"
#include "rocksdb/table.h"
#include "rocksdb/write_batch.h"

namespace strata::kv {

namespace {

rocksdb::Slice ToRocks(const Slice& s) { return rocksdb::Slice(s.data(), s.size()); }
Slice FromRocks(const rocksdb::Slice& s) { return Slice(s.data(), s.size()); }

// RocksDB's status in Strata's codes. The message keeps RocksDB's text (without its code prefix).
Status FromRocks(const rocksdb::Status& s) {
  if (s.ok()) return Status::OK();
  std::string msg = "rocksdb: ";
  msg += s.getState() != nullptr ? s.getState() : s.ToString();
  if (s.IsNotFound()) return Status::NotFound(std::move(msg));
  if (s.IsCorruption()) return Status::Corruption(std::move(msg));
  if (s.IsInvalidArgument()) return Status::InvalidArgument(std::move(msg));
  if (s.IsNotSupported()) return Status::NotSupported(std::move(msg));
  if (s.IsBusy()) return Status::Busy(std::move(msg));
  if (s.IsTimedOut()) return Status::TimedOut(std::move(msg));
  if (s.IsAborted()) return Status::Aborted(std::move(msg));
  if (s.IsIOError()) {
    if (s.IsNoSpace()) return Status::NoSpace(std::move(msg));
    // Failing to take <dir>/LOCK means another DB instance (process or this one) has it open.
    if (msg.find("/LOCK") != std::string::npos) return Status::Busy(std::move(msg));
  }
  return Status::IOError(std::move(msg));
}

// ThreadSanitizer and RocksDB's write group: in DB::Write the leader thread appends the other
// writers' batches to a merged batch that later leaders reuse, synchronized by atomics inside
// librocksdb, which is not built with TSan, so TSan reports races on that memory. Its stacks cannot
// show librocksdb frames (TSan keeps a shadow stack of instrumented code only), so
// tests/tsan.supp has nothing to match: a TSan build ignores the memory accesses this thread makes
// inside DB::Write instead. Synchronization is still tracked; other builds compile this to nothing.
#if defined(__SANITIZE_THREAD__)
#define STRATA_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define STRATA_TSAN 1
#endif
#endif
#ifdef STRATA_TSAN
extern "C" void AnnotateIgnoreReadsBegin(const char* file, int line);
extern "C" void AnnotateIgnoreReadsEnd(const char* file, int line);
extern "C" void AnnotateIgnoreWritesBegin(const char* file, int line);
extern "C" void AnnotateIgnoreWritesEnd(const char* file, int line);
struct IgnoreTsanAccesses {
  IgnoreTsanAccesses() {
    AnnotateIgnoreReadsBegin(__FILE__, __LINE__);
    AnnotateIgnoreWritesBegin(__FILE__, __LINE__);
  }
  ~IgnoreTsanAccesses() {
    AnnotateIgnoreWritesEnd(__FILE__, __LINE__);
    AnnotateIgnoreReadsEnd(__FILE__, __LINE__);
  }
};
#else
struct IgnoreTsanAccesses {};
#endif

using SharedDB = std::shared_ptr<rocksdb::DB>;

class RocksSnapshot final : public Snapshot {
 public:
  RocksSnapshot(SharedDB db, const rocksdb::Snapshot* snapshot)
      : db_(std::move(db)), snapshot_(snapshot) {}
  ~RocksSnapshot() override { db_->ReleaseSnapshot(snapshot_); }
  const rocksdb::DB* db() const { return db_.get(); }
  const rocksdb::Snapshot* get() const { return snapshot_; }

 private:
  SharedDB db_;
  const rocksdb::Snapshot* snapshot_;
};

class RocksIterator final : public Iterator {
 public:
  RocksIterator(SharedDB db, const ReadOptions& options) : db_(std::move(db)) {
    snapshot_ = options.snapshot;
    rocksdb::ReadOptions ro;
    ro.fill_cache = options.fill_cache;
    if (snapshot_) ro.snapshot = static_cast<const RocksSnapshot&>(*snapshot_).get();
    // RocksDB keeps pointers to the bounds: they live in this object.
    if (options.lower_bound) {
      lower_ = *options.lower_bound;
      lower_slice_ = lower_;
      ro.iterate_lower_bound = &lower_slice_;
    }
    if (options.upper_bound) {
      upper_ = *options.upper_bound;
      upper_slice_ = upper_;
      ro.iterate_upper_bound = &upper_slice_;
    }
    iter_.reset(db_->NewIterator(ro));
  }

  bool Valid() const override { return iter_->Valid(); }
  void SeekToFirst() override { iter_->SeekToFirst(); }
  void SeekToLast() override { iter_->SeekToLast(); }
  void Seek(const Slice& target) override { iter_->Seek(ToRocks(target)); }
  void SeekForPrev(const Slice& target) override { iter_->SeekForPrev(ToRocks(target)); }
  void Next() override { iter_->Next(); }
  void Prev() override { iter_->Prev(); }
  Slice key() const override { return FromRocks(iter_->key()); }
  Slice value() const override { return FromRocks(iter_->value()); }
  Status status() const override { return FromRocks(iter_->status()); }

 private:
  // Declared first so that it is destroyed last.
  SharedDB db_;
  std::shared_ptr<const Snapshot> snapshot_;
  std::string lower_, upper_;
  rocksdb::Slice lower_slice_, upper_slice_;
  std::unique_ptr<rocksdb::Iterator> iter_;
};

// Builds the RocksDB batch and checks the size limits on the way.
class BatchConverter final : public WriteBatch::Handler {
 public:
  explicit BatchConverter(const Options& options) : options_(options) {}
  void Put(const Slice& key, const Slice& value) override {
    if (status_.ok()) status_ = CheckKeyValueSize(options_, key, &value);
    if (status_.ok()) status_ = FromRocks(batch_.Put(ToRocks(key), ToRocks(value)));
  }
  void Delete(const Slice& key) override {
    if (status_.ok()) status_ = CheckKeyValueSize(options_, key, nullptr);
    if (status_.ok()) status_ = FromRocks(batch_.Delete(ToRocks(key)));
  }
  const Status& status() const { return status_; }
  rocksdb::WriteBatch* batch() { return &batch_; }

 private:
  const Options& options_;
  Status status_;
  rocksdb::WriteBatch batch_;
};

class RocksEngine final : public Engine {
 public:
  RocksEngine(const Options& options, std::string dir, SharedDB db,
              std::shared_ptr<rocksdb::Statistics> statistics)
      : options_(options),
        dir_(std::move(dir)),
        db_(std::move(db)),
        statistics_(std::move(statistics)) {}
  ~RocksEngine() override {
    if (db_) Close();
  }

  std::string_view Name() const override { return "rocksdb"; }

  Status Get(const ReadOptions& options, const Slice& key, std::string* value) override {
    STRATA_RETURN_IF_ERROR(CheckOpen());
    rocksdb::ReadOptions ro;
    ro.fill_cache = options.fill_cache;
    STRATA_RETURN_IF_ERROR(SetSnapshot(options, &ro));
    rocksdb::Status s = db_->Get(ro, ToRocks(key), value);
    if (s.IsNotFound()) return Status::NotFound();
    return FromRocks(s);
  }

  Status Write(const WriteOptions& options, const WriteBatch& batch) override {
    STRATA_RETURN_IF_ERROR(CheckOpen());
    BatchConverter converter(options_);
    STRATA_RETURN_IF_ERROR(batch.Iterate(&converter));
    STRATA_RETURN_IF_ERROR(converter.status());
    rocksdb::WriteOptions wo;
    wo.sync = options.sync.value_or(options_.sync);
    rocksdb::Status s;
    {
      [[maybe_unused]] IgnoreTsanAccesses ignore;
      s = db_->Write(wo, converter.batch());
    }
    STRATA_RETURN_IF_ERROR(FromRocks(s));
    user_bytes_.fetch_add(batch.UserBytes(), std::memory_order_relaxed);
    return Status::OK();
  }

  std::unique_ptr<Iterator> NewIterator(const ReadOptions& options) override {
    Status s = CheckOpen();
    if (s.ok()) s = CheckSnapshot(options);
    if (!s.ok()) return std::unique_ptr<Iterator>(NewEmptyIterator(s));
    return std::make_unique<RocksIterator>(db_, options);
  }

  std::shared_ptr<const Snapshot> GetSnapshot() override {
    if (!db_) return nullptr;
    return std::make_shared<RocksSnapshot>(db_, db_->GetSnapshot());
  }

  Status Flush() override {
    STRATA_RETURN_IF_ERROR(CheckOpen());
    rocksdb::FlushOptions fo;
    fo.wait = true;
    return FromRocks(db_->Flush(fo));
  }

  Status CompactRange(const Slice* begin, const Slice* end) override {
    STRATA_RETURN_IF_ERROR(CheckOpen());
    rocksdb::Slice b, e;
    if (begin != nullptr) b = ToRocks(*begin);
    if (end != nullptr) e = ToRocks(*end);
    return FromRocks(db_->CompactRange(rocksdb::CompactRangeOptions(),
                                       begin != nullptr ? &b : nullptr,
                                       end != nullptr ? &e : nullptr));
  }

  uint64_t ApproximateSize(const Slice& begin, const Slice& end) override {
    if (!db_) return 0;
    rocksdb::SizeApproximationOptions so;
    so.include_memtables = true;  // like Strata's: recent writes count before a flush
    so.include_files = true;
    rocksdb::Range range(ToRocks(begin), ToRocks(end));
    uint64_t size = 0;
    if (!db_->GetApproximateSizes(so, db_->DefaultColumnFamily(), &range, 1, &size).ok()) return 0;
    return size;
  }

  Stats GetStats() override {
    Stats stats;
    stats.user_bytes_written = user_bytes_.load(std::memory_order_relaxed);
    if (!db_) return stats;
    auto ticker = [this](rocksdb::Tickers t) { return statistics_->getTickerCount(t); };
    stats.engine_bytes_written = ticker(rocksdb::WAL_FILE_BYTES) +
                                 ticker(rocksdb::FLUSH_WRITE_BYTES) +
                                 ticker(rocksdb::COMPACT_WRITE_BYTES);
    if (stats.user_bytes_written > 0) {
      stats.write_amplification =
          static_cast<double>(stats.engine_bytes_written) / stats.user_bytes_written;
    }
    rocksdb::ColumnFamilyMetaData meta;
    db_->GetColumnFamilyMetaData(&meta);
    for (const rocksdb::LevelMetaData& level : meta.levels) {
      stats.levels.push_back({level.level, level.files.size(), level.size});
    }
    uint64_t v = 0;
    if (db_->GetIntProperty("rocksdb.cur-size-all-mem-tables", &v)) stats.memtable_bytes = v;
    if (db_->GetIntProperty("rocksdb.estimate-pending-compaction-bytes", &v)) {
      stats.pending_compaction_bytes = v;
    }
    stats.block_cache_hits = ticker(rocksdb::BLOCK_CACHE_HIT);
    stats.block_cache_misses = ticker(rocksdb::BLOCK_CACHE_MISS);
    const uint64_t lookups = stats.block_cache_hits + stats.block_cache_misses;
    if (lookups > 0)
      stats.block_cache_hit_rate = static_cast<double>(stats.block_cache_hits) / lookups;
    stats.write_stall_micros = ticker(rocksdb::STALL_MICROS);
    stats.disk_bytes = DirectoryBytes(dir_);
    return stats;
  }

  // Any RocksDB property ("rocksdb.stats", "rocksdb.block-cache-usage", ...).
  std::optional<std::string> GetProperty(std::string_view name) override {
    std::string value;
    if (!db_ || !db_->GetProperty(rocksdb::Slice(name.data(), name.size()), &value)) {
      return std::nullopt;
    }
    return value;
  }

  Status Close() override {
    if (!db_) return Status::InvalidArgument("rocksdb: engine already closed: " + dir_);
    Status s;
    if (db_.use_count() == 1) {
      // Nobody else holds the DB: close it here to report the status.
      s = FromRocks(db_->Close());
    }
    // Otherwise live snapshots or iterators close it when the last of them goes.
    db_.reset();
    return s;
  }

 private:
  Status CheckOpen() const {
    if (!db_) return Status::InvalidArgument("rocksdb: engine is closed: " + dir_);
    return Status::OK();
  }
  Status CheckSnapshot(const ReadOptions& options) const {
    if (!options.snapshot) return Status::OK();
    auto* snap = dynamic_cast<const RocksSnapshot*>(options.snapshot.get());
    if (snap == nullptr || snap->db() != db_.get()) {
      return Status::InvalidArgument("rocksdb: snapshot belongs to another engine");
    }
    return Status::OK();
  }
  Status SetSnapshot(const ReadOptions& options, rocksdb::ReadOptions* ro) const {
    STRATA_RETURN_IF_ERROR(CheckSnapshot(options));
    if (options.snapshot) ro->snapshot = static_cast<const RocksSnapshot&>(*options.snapshot).get();
    return Status::OK();
  }

  const Options options_;
  const std::string dir_;
  SharedDB db_;
  std::shared_ptr<rocksdb::Statistics> statistics_;
  std::atomic<uint64_t> user_bytes_{0};
};

rocksdb::Options ToRocksOptions(const Options& options) {
  rocksdb::Options ro;
  ro.create_if_missing = options.create_if_missing;
  ro.error_if_exists = options.error_if_exists;
  // Unset settings keep RocksDB's own defaults (64 MiB buffer, 8 MiB cache, Snappy, no filter).
  if (options.write_buffer_size) ro.write_buffer_size = *options.write_buffer_size;
  ro.max_open_files = options.max_open_files;
  switch (options.compression.value_or(Compression::kNone)) {
    case Compression::kNone:
      if (options.compression) ro.compression = rocksdb::kNoCompression;
      break;
    case Compression::kLZ4:
      ro.compression = rocksdb::kLZ4Compression;
      break;
    case Compression::kZstd:
      ro.compression = rocksdb::kZSTD;
      ro.compression_opts.level = options.zstd_level;
      break;
  }
  rocksdb::BlockBasedTableOptions table;
  if (options.block_cache_size) {
    if (*options.block_cache_size > 0) {
      table.block_cache = rocksdb::NewLRUCache(*options.block_cache_size);
    } else {
      table.no_block_cache = true;
    }
  }
  if (options.bloom_bits_per_key && *options.bloom_bits_per_key > 0) {
    table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(*options.bloom_bits_per_key));
  }
  ro.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  ro.statistics = rocksdb::CreateDBStatistics();
  ro.statistics->set_stats_level(rocksdb::StatsLevel::kExceptHistogramOrTimers);
  return ro;
}

}  // namespace

Result<std::unique_ptr<Engine>> OpenRocksDBEngine(const std::string& dir, const Options& options) {
  rocksdb::Options ro = ToRocksOptions(options);
  rocksdb::DB* raw = nullptr;
  Status s = FromRocks(rocksdb::DB::Open(ro, dir, &raw));
  if (!s.ok()) return s;
  SharedDB db(raw, [](rocksdb::DB* db) {
    db->Close().PermitUncheckedError();
    delete db;
  });
  return std::unique_ptr<Engine>(
      std::make_unique<RocksEngine>(options, dir, std::move(db), ro.statistics));
}

Status DestroyRocksDBEngine(const std::string& dir, const Options& options) {
  STRATA_RETURN_IF_ERROR(FromRocks(rocksdb::DestroyDB(dir, ToRocksOptions(options))));
  return RemoveDirIfEmpty(dir);
}

}  // namespace strata::kv
