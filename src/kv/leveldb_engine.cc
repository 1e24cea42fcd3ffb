// The "leveldb" backend: kv::Engine over LevelDB 1.23 (Debian libleveldb-dev).
//
// Option mapping (kv::Options -> leveldb), everything else keeps LevelDB's own defaults:
//   create_if_missing, error_if_exists -> same names
//   write_buffer_size                  -> Options::write_buffer_size
//   block_cache_size                   -> Options::block_cache = NewLRUCache(size)
//                                         (0: LevelDB's internal 8 MiB cache)
//   compression                        -> kNone: kNoCompression; kLZ4 and kZstd:
//   kSnappyCompression,
//                                         because LevelDB 1.23 has only Snappy (zstd_level unused)
//   bloom_bits_per_key                 -> NewBloomFilterPolicy(bits) (0: no filter)
//   max_open_files                     -> Options::max_open_files
//   sync                               -> WriteOptions::sync when a write does not say
//   block_size and the other LSM tuning fields, env -> ignored (LevelDB uses its own files)
//
// What LevelDB lacks, done here: iterator bounds and SeekForPrev (NewBoundedIterator and the
// default Iterator::SeekForPrev); Flush (a CompactRange over an empty, inverted range, which
// compacts the memtable and nothing else); stats from the "leveldb.stats" and "leveldb.sstables"
// properties. ApproximateSize counts table files only (LevelDB ignores the memtable).
//
// Snapshots and iterators hold a reference to the DB, so releasing them after Close() is safe;
// the DB is then closed when the last of them goes away.

#include <atomic>
#include <cstdio>
#include <memory>
#include <sstream>
#include <string>

#include "kv/peer_engines.h"
#include "leveldb/cache.h"
#include "leveldb/db.h"
#include "leveldb/filter_policy.h"
#include "leveldb/options.h"
#include "leveldb/write_batch.h"

namespace strata::kv {

namespace {

leveldb::Slice ToLevel(const Slice& s) { return leveldb::Slice(s.data(), s.size()); }
Slice FromLevel(const leveldb::Slice& s) { return Slice(s.data(), s.size()); }

// LevelDB's status in Strata's codes; the message keeps LevelDB's text without its code prefix.
Status FromLevel(const leveldb::Status& s) {
  if (s.ok()) return Status::OK();
  std::string text = s.ToString();
  for (std::string_view prefix :
       {"NotFound: ", "Corruption: ", "Not implemented: ", "Invalid argument: ", "IO error: "}) {
    if (std::string_view(text).starts_with(prefix)) {
      text.erase(0, prefix.size());
      break;
    }
  }
  std::string msg = "leveldb: " + text;
  if (s.IsNotFound()) return Status::NotFound(std::move(msg));
  if (s.IsCorruption()) return Status::Corruption(std::move(msg));
  if (s.IsInvalidArgument()) return Status::InvalidArgument(std::move(msg));
  if (s.IsNotSupportedError()) return Status::NotSupported(std::move(msg));
  // "lock <dir>/LOCK: already held by process" (this process) or "...: Resource temporarily
  // unavailable" (another one): the database is open elsewhere.
  if (msg.find("/LOCK") != std::string::npos) return Status::Busy(std::move(msg));
  if (msg.find("No space left") != std::string::npos) return Status::NoSpace(std::move(msg));
  return Status::IOError(std::move(msg));
}

// The DB and the objects it borrows, destroyed in the right order (DB first).
struct LevelHandle {
  std::unique_ptr<leveldb::Cache> cache;
  std::unique_ptr<const leveldb::FilterPolicy> filter;
  std::unique_ptr<leveldb::DB> db;
  ~LevelHandle() { db.reset(); }
};
using SharedHandle = std::shared_ptr<LevelHandle>;

class LevelSnapshot final : public Snapshot {
 public:
  LevelSnapshot(SharedHandle handle, const leveldb::Snapshot* snapshot)
      : handle_(std::move(handle)), snapshot_(snapshot) {}
  ~LevelSnapshot() override { handle_->db->ReleaseSnapshot(snapshot_); }
  const LevelHandle* handle() const { return handle_.get(); }
  const leveldb::Snapshot* get() const { return snapshot_; }

 private:
  SharedHandle handle_;
  const leveldb::Snapshot* snapshot_;
};

// An unbounded adapter; bounds come from NewBoundedIterator, SeekForPrev from the default.
class LevelIterator final : public Iterator {
 public:
  LevelIterator(SharedHandle handle, std::shared_ptr<const Snapshot> snapshot,
                leveldb::Iterator* iter)
      : handle_(std::move(handle)), snapshot_(std::move(snapshot)), iter_(iter) {}

  bool Valid() const override { return iter_->Valid(); }
  void SeekToFirst() override { iter_->SeekToFirst(); }
  void SeekToLast() override { iter_->SeekToLast(); }
  void Seek(const Slice& target) override { iter_->Seek(ToLevel(target)); }
  void Next() override { iter_->Next(); }
  void Prev() override { iter_->Prev(); }
  Slice key() const override { return FromLevel(iter_->key()); }
  Slice value() const override { return FromLevel(iter_->value()); }
  Status status() const override { return FromLevel(iter_->status()); }

 private:
  // Declared first so that they are destroyed last.
  SharedHandle handle_;
  std::shared_ptr<const Snapshot> snapshot_;
  std::unique_ptr<leveldb::Iterator> iter_;
};

class BatchConverter final : public WriteBatch::Handler {
 public:
  explicit BatchConverter(const Options& options) : options_(options) {}
  void Put(const Slice& key, const Slice& value) override {
    if (status_.ok()) status_ = CheckKeyValueSize(options_, key, &value);
    if (status_.ok()) batch_.Put(ToLevel(key), ToLevel(value));
  }
  void Delete(const Slice& key) override {
    if (status_.ok()) status_ = CheckKeyValueSize(options_, key, nullptr);
    if (status_.ok()) batch_.Delete(ToLevel(key));
  }
  const Status& status() const { return status_; }
  leveldb::WriteBatch* batch() { return &batch_; }

 private:
  const Options& options_;
  Status status_;
  leveldb::WriteBatch batch_;
};

class LevelEngine final : public Engine {
 public:
  LevelEngine(const Options& options, std::string dir, SharedHandle handle)
      : options_(options), dir_(std::move(dir)), handle_(std::move(handle)) {}
  ~LevelEngine() override {
    if (handle_) Close();
  }

  std::string_view Name() const override { return "leveldb"; }

  Status Get(const ReadOptions& options, const Slice& key, std::string* value) override {
    STRATA_RETURN_IF_ERROR(CheckOpen());
    leveldb::ReadOptions ro;
    STRATA_RETURN_IF_ERROR(ToReadOptions(options, &ro));
    leveldb::Status s = handle_->db->Get(ro, ToLevel(key), value);
    if (s.IsNotFound()) return Status::NotFound();
    return FromLevel(s);
  }

  Status Write(const WriteOptions& options, const WriteBatch& batch) override {
    STRATA_RETURN_IF_ERROR(CheckOpen());
    BatchConverter converter(options_);
    STRATA_RETURN_IF_ERROR(batch.Iterate(&converter));
    STRATA_RETURN_IF_ERROR(converter.status());
    leveldb::WriteOptions wo;
    wo.sync = options.sync.value_or(options_.sync);
    STRATA_RETURN_IF_ERROR(FromLevel(handle_->db->Write(wo, converter.batch())));
    user_bytes_.fetch_add(batch.UserBytes(), std::memory_order_relaxed);
    // The WAL record payload is the encoded batch; LevelDB does not count it for us.
    wal_bytes_.fetch_add(converter.batch()->ApproximateSize(), std::memory_order_relaxed);
    return Status::OK();
  }

  std::unique_ptr<Iterator> NewIterator(const ReadOptions& options) override {
    Status s = CheckOpen();
    leveldb::ReadOptions ro;
    if (s.ok()) s = ToReadOptions(options, &ro);
    if (!s.ok()) return std::unique_ptr<Iterator>(NewEmptyIterator(s));
    auto base =
        std::make_unique<LevelIterator>(handle_, options.snapshot, handle_->db->NewIterator(ro));
    return NewBoundedIterator(std::move(base), options.lower_bound, options.upper_bound);
  }

  std::shared_ptr<const Snapshot> GetSnapshot() override {
    if (!handle_) return nullptr;
    return std::make_shared<LevelSnapshot>(handle_, handle_->db->GetSnapshot());
  }

  Status Flush() override {
    STRATA_RETURN_IF_ERROR(CheckOpen());
    // LevelDB has no public flush. CompactRange always compacts the memtable first, then the
    // tables overlapping [begin, end]; an inverted range overlaps (practically) no table.
    const std::string begin(64, '\xff');
    const leveldb::Slice b(begin), e("");
    handle_->db->CompactRange(&b, &e);
    return Status::OK();
  }

  Status CompactRange(const Slice* begin, const Slice* end) override {
    STRATA_RETURN_IF_ERROR(CheckOpen());
    leveldb::Slice b, e;
    if (begin != nullptr) b = ToLevel(*begin);
    if (end != nullptr) e = ToLevel(*end);
    handle_->db->CompactRange(begin != nullptr ? &b : nullptr, end != nullptr ? &e : nullptr);
    return Status::OK();
  }

  uint64_t ApproximateSize(const Slice& begin, const Slice& end) override {
    if (!handle_) return 0;
    leveldb::Range range(ToLevel(begin), ToLevel(end));
    uint64_t size = 0;
    handle_->db->GetApproximateSizes(&range, 1, &size);
    return size;
  }

  Stats GetStats() override {
    Stats stats;
    stats.user_bytes_written = user_bytes_.load(std::memory_order_relaxed);
    if (!handle_) return stats;
    leveldb::DB* db = handle_->db.get();
    std::string text;
    // "leveldb.sstables": "--- level N ---" then " <number>:<file size>[...]" per table.
    if (db->GetProperty("leveldb.sstables", &text)) {
      std::istringstream in(text);
      std::string line;
      while (std::getline(in, line)) {
        int level = 0;
        unsigned long long number = 0, size = 0;
        if (std::sscanf(line.c_str(), "--- level %d ---", &level) == 1) {
          stats.levels.push_back({level, 0, 0});
        } else if (!stats.levels.empty() &&
                   std::sscanf(line.c_str(), " %llu:%llu[", &number, &size) == 2) {
          stats.levels.back().files++;
          stats.levels.back().bytes += size;
        }
      }
    }
    // "leveldb.stats" has per-level compaction output in whole MiB (the only figure it gives).
    uint64_t table_bytes = 0;
    if (db->GetProperty("leveldb.stats", &text)) {
      std::istringstream in(text);
      std::string line;
      while (std::getline(in, line)) {
        int level = 0, files = 0;
        double size_mb = 0, secs = 0, read_mb = 0, write_mb = 0;
        if (std::sscanf(line.c_str(), "%d %d %lf %lf %lf %lf", &level, &files, &size_mb, &secs,
                        &read_mb, &write_mb) == 6) {
          table_bytes += static_cast<uint64_t>(write_mb * 1048576.0);
        }
      }
    }
    stats.engine_bytes_written = wal_bytes_.load(std::memory_order_relaxed) + table_bytes;
    if (stats.user_bytes_written > 0) {
      stats.write_amplification =
          static_cast<double>(stats.engine_bytes_written) / stats.user_bytes_written;
    }
    // The property counts the block cache too; take it out to leave the memtables.
    if (db->GetProperty("leveldb.approximate-memory-usage", &text)) {
      uint64_t total = std::strtoull(text.c_str(), nullptr, 10);
      uint64_t cache = handle_->cache ? handle_->cache->TotalCharge() : 0;
      stats.memtable_bytes = total > cache ? total - cache : 0;
    }
    stats.disk_bytes = DirectoryBytes(dir_);
    return stats;
  }

  // Any LevelDB property ("leveldb.stats", "leveldb.num-files-at-level0", ...).
  std::optional<std::string> GetProperty(std::string_view name) override {
    std::string value;
    if (!handle_ || !handle_->db->GetProperty(leveldb::Slice(name.data(), name.size()), &value)) {
      return std::nullopt;
    }
    return value;
  }

  Status Close() override {
    if (!handle_) return Status::InvalidArgument("leveldb: engine already closed: " + dir_);
    // Live snapshots or iterators keep the DB open until the last of them goes.
    handle_.reset();
    return Status::OK();
  }

 private:
  Status CheckOpen() const {
    if (!handle_) return Status::InvalidArgument("leveldb: engine is closed: " + dir_);
    return Status::OK();
  }
  Status ToReadOptions(const ReadOptions& options, leveldb::ReadOptions* ro) const {
    ro->fill_cache = options.fill_cache;
    if (!options.snapshot) return Status::OK();
    auto* snap = dynamic_cast<const LevelSnapshot*>(options.snapshot.get());
    if (snap == nullptr || snap->handle() != handle_.get()) {
      return Status::InvalidArgument("leveldb: snapshot belongs to another engine");
    }
    ro->snapshot = snap->get();
    return Status::OK();
  }

  const Options options_;
  const std::string dir_;
  SharedHandle handle_;
  std::atomic<uint64_t> user_bytes_{0};
  std::atomic<uint64_t> wal_bytes_{0};
};

}  // namespace

Result<std::unique_ptr<Engine>> OpenLevelDBEngine(const std::string& dir, const Options& options) {
  auto handle = std::make_shared<LevelHandle>();
  leveldb::Options lo;
  lo.create_if_missing = options.create_if_missing;
  lo.error_if_exists = options.error_if_exists;
  // Unset settings keep LevelDB's own defaults (4 MiB buffer, 8 MiB cache, Snappy, no filter).
  if (options.write_buffer_size) lo.write_buffer_size = *options.write_buffer_size;
  lo.max_open_files = options.max_open_files;
  if (options.compression) {
    lo.compression = *options.compression == Compression::kNone ? leveldb::kNoCompression
                                                                : leveldb::kSnappyCompression;
  }
  if (options.block_cache_size && *options.block_cache_size > 0) {
    handle->cache.reset(leveldb::NewLRUCache(*options.block_cache_size));
    lo.block_cache = handle->cache.get();
  }
  if (options.bloom_bits_per_key && *options.bloom_bits_per_key > 0) {
    handle->filter.reset(leveldb::NewBloomFilterPolicy(*options.bloom_bits_per_key));
    lo.filter_policy = handle->filter.get();
  }
  leveldb::DB* db = nullptr;
  Status s = FromLevel(leveldb::DB::Open(lo, dir, &db));
  if (!s.ok()) return s;
  handle->db.reset(db);
  return std::unique_ptr<Engine>(std::make_unique<LevelEngine>(options, dir, std::move(handle)));
}

Status DestroyLevelDBEngine(const std::string& dir, const Options& options) {
  STRATA_RETURN_IF_ERROR(FromLevel(leveldb::DestroyDB(dir, leveldb::Options())));
  return RemoveDirIfEmpty(dir);
}

}  // namespace strata::kv
