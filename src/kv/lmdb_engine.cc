// The "lmdb" backend: kv::Engine over LMDB (Debian liblmdb-dev), a memory-mapped copy-on-write
// B+tree with one write transaction at a time and lock-free readers.
//
// Option mapping (kv::Options -> LMDB); LMDB has no memtable, block cache, compression or filters:
//   create_if_missing, error_if_exists -> checked here against <dir>/data.mdb
//   sync                               -> the environment is opened MDB_NOSYNC; a write that asks
//                                         for sync calls mdb_env_sync(force) after its commit.
//                                         Unsynced commits survive a process crash; like any
//                                         MDB_NOSYNC environment, a machine crash may lose more
//                                         than the unsynced commits. Close() syncs.
//   write_buffer_size, block_cache_size, compression, bloom_bits_per_key, max_open_files, LSM
//   tuning, env                        -> ignored
// Fixed choices: a 64 GiB map (address space only; the file grows as pages are used), doubled on
// MDB_MAP_FULL when no snapshot or iterator is open; MDB_NOTLS so read transactions can move
// between threads; 4096 reader slots.
//
// Keys: LMDB rejects empty keys, so every key is stored with a one-byte prefix (order is kept).
// The longest key is therefore LMDB's 511 bytes minus one; longer keys give InvalidArgument.
//
// Snapshots and iterators each keep a read transaction open. That is cheap to hold, but while it
// is open LMDB cannot reuse the pages it sees, so the file grows under heavy writes, and the map
// cannot be resized. Flush is mdb_env_sync; CompactRange does nothing (a B+tree has no levels).
// A LOCK file under flock keeps a second open of the same directory (in this process or another)
// out: LMDB itself allows several processes and forbids a second open in the same one.

#include <fcntl.h>
#include <lmdb.h>
#include <sys/file.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <vector>

#include "kv/peer_engines.h"

namespace strata::kv {

namespace {

constexpr size_t kInitialMapSize = size_t{64} << 30;
constexpr unsigned kMaxReaders = 4096;
constexpr char kKeyPrefix = '\0';

Status FromLmdb(int rc, const std::string& what) {
  if (rc == MDB_SUCCESS) return Status::OK();
  std::string msg = "lmdb: " + what + ": " + mdb_strerror(rc);
  switch (rc) {
    case MDB_NOTFOUND:
      return Status::NotFound(std::move(msg));
    case MDB_CORRUPTED:
    case MDB_PAGE_NOTFOUND:
    case MDB_INVALID:
    case MDB_VERSION_MISMATCH:
      return Status::Corruption(std::move(msg));
    case MDB_MAP_FULL:
    case ENOSPC:
      return Status::NoSpace(std::move(msg));
    case MDB_BAD_VALSIZE:
    case MDB_TXN_FULL:
    case EINVAL:
      return Status::InvalidArgument(std::move(msg));
    case MDB_READERS_FULL:
    case EAGAIN:
      return Status::Busy(std::move(msg));
    case EACCES:
      return Status::PermissionDenied(std::move(msg));
    default:
      return Status::IOError(std::move(msg));
  }
}

// A stored key: the prefix byte then the user key.
class StoredKey {
 public:
  explicit StoredKey(const Slice& key) {
    bytes_.reserve(key.size() + 1);
    bytes_.push_back(kKeyPrefix);
    bytes_.append(key.data(), key.size());
  }
  MDB_val* val() {
    val_ = {bytes_.size(), bytes_.data()};
    return &val_;
  }

 private:
  std::string bytes_;
  MDB_val val_;
};

Slice UserKey(const MDB_val& v) {
  return Slice(static_cast<const char*>(v.mv_data) + 1, v.mv_size - 1);
}

// The environment, shared by the engine, its snapshots and its iterators.
struct LmdbHandle {
  MDB_env* env = nullptr;
  MDB_dbi dbi = 0;
  int lock_fd = -1;
  std::string dir;
  size_t map_size = kInitialMapSize;
  size_t max_user_key = 0;

  std::mutex write_mu;               // one writer, so that a resize never races a commit
  std::shared_mutex resize_mu;       // shared: short reads and creating readers; exclusive: resize
  std::atomic<int> long_readers{0};  // open snapshots and iterators

  std::mutex pool_mu;
  std::vector<MDB_txn*> pool;  // reset read-only transactions, renewed on use

  ~LmdbHandle() {
    for (MDB_txn* txn : pool) mdb_txn_abort(txn);
    if (env != nullptr) mdb_env_close(env);
    if (lock_fd >= 0) close(lock_fd);  // releases the flock
  }

  // A read-only transaction at the latest commit. REQUIRES: resize_mu held (any mode).
  Status BeginRead(MDB_txn** txn) {
    {
      std::lock_guard lock(pool_mu);
      if (!pool.empty()) {
        *txn = pool.back();
        pool.pop_back();
      } else {
        *txn = nullptr;
      }
    }
    if (*txn != nullptr) {
      if (mdb_txn_renew(*txn) == MDB_SUCCESS) return Status::OK();
      mdb_txn_abort(*txn);
    }
    return FromLmdb(mdb_txn_begin(env, nullptr, MDB_RDONLY, txn), "begin read txn in " + dir);
  }
  void EndRead(MDB_txn* txn) {
    mdb_txn_reset(txn);
    std::lock_guard lock(pool_mu);
    pool.push_back(txn);
  }

  // Doubles the map after MDB_MAP_FULL. REQUIRES: write_mu held, no write txn open.
  Status Grow() {
    std::unique_lock lock(resize_mu);
    if (long_readers.load() > 0) {
      return Status::NoSpace("lmdb: map of " + std::to_string(map_size) + " bytes is full in " +
                             dir + " and cannot grow while snapshots or iterators are open");
    }
    {
      std::lock_guard pool_lock(pool_mu);
      for (MDB_txn* txn : pool) mdb_txn_abort(txn);
      pool.clear();
    }
    STRATA_RETURN_IF_ERROR(FromLmdb(mdb_env_set_mapsize(env, map_size * 2), "grow map of " + dir));
    map_size *= 2;
    return Status::OK();
  }
};
using SharedHandle = std::shared_ptr<LmdbHandle>;

// A read transaction kept open. Its uses are serialized by `mu` because snapshots may be shared
// between threads and LMDB does not promise that one transaction may be used by two at once.
class LmdbSnapshot final : public Snapshot {
 public:
  explicit LmdbSnapshot(SharedHandle handle) : handle_(std::move(handle)) {
    std::shared_lock lock(handle_->resize_mu);
    status_ = handle_->BeginRead(&txn_);
    if (status_.ok()) handle_->long_readers++;
  }
  ~LmdbSnapshot() override {
    if (!status_.ok()) return;
    handle_->EndRead(txn_);
    handle_->long_readers--;
  }
  const LmdbHandle* handle() const { return handle_.get(); }
  const Status& status() const { return status_; }
  MDB_txn* txn() const { return txn_; }
  std::mutex& mu() const { return mu_; }

 private:
  SharedHandle handle_;
  Status status_;
  MDB_txn* txn_ = nullptr;
  mutable std::mutex mu_;
};

// An unbounded cursor walk; bounds come from NewBoundedIterator, SeekForPrev from the default.
class LmdbIterator final : public Iterator {
 public:
  explicit LmdbIterator(std::shared_ptr<const LmdbSnapshot> snapshot)
      : snapshot_(std::move(snapshot)) {
    std::lock_guard lock(snapshot_->mu());
    status_ = FromLmdb(mdb_cursor_open(snapshot_->txn(), snapshot_->handle()->dbi, &cursor_),
                       "open cursor");
  }
  ~LmdbIterator() override {
    if (cursor_ == nullptr) return;
    std::lock_guard lock(snapshot_->mu());
    mdb_cursor_close(cursor_);
  }

  bool Valid() const override { return valid_; }
  void SeekToFirst() override { Move(MDB_FIRST, nullptr); }
  void SeekToLast() override { Move(MDB_LAST, nullptr); }
  void Seek(const Slice& target) override {
    StoredKey k(target);
    Move(MDB_SET_RANGE, k.val());
  }
  void Next() override { Move(MDB_NEXT, nullptr); }
  void Prev() override { Move(MDB_PREV, nullptr); }
  Slice key() const override { return UserKey(key_); }
  Slice value() const override {
    return Slice(static_cast<const char*>(value_.mv_data), value_.mv_size);
  }
  Status status() const override { return status_; }

 private:
  void Move(MDB_cursor_op op, MDB_val* target) {
    valid_ = false;
    if (cursor_ == nullptr) return;
    std::lock_guard lock(snapshot_->mu());
    if (target != nullptr) key_ = *target;
    int rc = mdb_cursor_get(cursor_, &key_, &value_, op);
    if (rc == MDB_SUCCESS) {
      valid_ = true;
    } else if (rc != MDB_NOTFOUND) {
      status_ = FromLmdb(rc, "cursor");
    }
  }

  std::shared_ptr<const LmdbSnapshot> snapshot_;
  MDB_cursor* cursor_ = nullptr;
  Status status_;
  bool valid_ = false;
  MDB_val key_{0, nullptr};
  MDB_val value_{0, nullptr};
};

struct Op {
  Slice key;
  std::optional<Slice> value;
};

class BatchCollector final : public WriteBatch::Handler {
 public:
  BatchCollector(const Options& options, size_t max_user_key)
      : options_(options), max_user_key_(max_user_key) {}
  void Put(const Slice& key, const Slice& value) override {
    Check(key, &value);
    ops_.push_back({key, value});
  }
  void Delete(const Slice& key) override {
    Check(key, nullptr);
    ops_.push_back({key, std::nullopt});
  }
  const Status& status() const { return status_; }
  const std::vector<Op>& ops() const { return ops_; }

 private:
  void Check(const Slice& key, const Slice* value) {
    if (status_.ok()) status_ = CheckKeyValueSize(options_, key, value);
    if (status_.ok() && key.size() > max_user_key_) {
      status_ = Status::InvalidArgument(
          "key of " + std::to_string(key.size()) + " bytes exceeds LMDB's key limit of " +
          std::to_string(max_user_key_) + " bytes (its 511 minus Strata's 1-byte prefix)");
    }
  }

  const Options& options_;
  const size_t max_user_key_;
  Status status_;
  std::vector<Op> ops_;
};

class LmdbEngine final : public Engine {
 public:
  LmdbEngine(const Options& options, SharedHandle handle)
      : options_(options), handle_(std::move(handle)) {}
  ~LmdbEngine() override {
    if (handle_) Close();
  }

  std::string_view Name() const override { return "lmdb"; }

  Status Get(const ReadOptions& options, const Slice& key, std::string* value) override {
    STRATA_RETURN_IF_ERROR(CheckOpen());
    if (key.size() > handle_->max_user_key) return Status::NotFound();
    StoredKey k(key);
    MDB_val v;
    int rc;
    if (options.snapshot) {
      const LmdbSnapshot* snap = nullptr;
      STRATA_RETURN_IF_ERROR(CheckSnapshot(options, &snap));
      std::lock_guard lock(snap->mu());
      rc = mdb_get(snap->txn(), handle_->dbi, k.val(), &v);
      if (rc == MDB_SUCCESS) value->assign(static_cast<const char*>(v.mv_data), v.mv_size);
    } else {
      std::shared_lock lock(handle_->resize_mu);
      MDB_txn* txn = nullptr;
      STRATA_RETURN_IF_ERROR(handle_->BeginRead(&txn));
      rc = mdb_get(txn, handle_->dbi, k.val(), &v);
      if (rc == MDB_SUCCESS) value->assign(static_cast<const char*>(v.mv_data), v.mv_size);
      handle_->EndRead(txn);
    }
    if (rc == MDB_NOTFOUND) return Status::NotFound();
    return FromLmdb(rc, "get in " + handle_->dir);
  }

  Status Write(const WriteOptions& options, const WriteBatch& batch) override {
    STRATA_RETURN_IF_ERROR(CheckOpen());
    BatchCollector collector(options_, handle_->max_user_key);
    STRATA_RETURN_IF_ERROR(batch.Iterate(&collector));
    STRATA_RETURN_IF_ERROR(collector.status());
    std::lock_guard write_lock(handle_->write_mu);
    for (;;) {
      int rc = Commit(collector.ops());
      if (rc == MDB_MAP_FULL) {
        STRATA_RETURN_IF_ERROR(handle_->Grow());
        continue;
      }
      STRATA_RETURN_IF_ERROR(FromLmdb(rc, "write in " + handle_->dir));
      break;
    }
    if (options.sync.value_or(options_.sync)) {
      STRATA_RETURN_IF_ERROR(FromLmdb(mdb_env_sync(handle_->env, 1), "sync " + handle_->dir));
    }
    user_bytes_.fetch_add(batch.UserBytes(), std::memory_order_relaxed);
    return Status::OK();
  }

  std::unique_ptr<Iterator> NewIterator(const ReadOptions& options) override {
    Status s = CheckOpen();
    std::shared_ptr<const LmdbSnapshot> snap;
    if (s.ok()) {
      if (options.snapshot) {
        const LmdbSnapshot* unused = nullptr;
        s = CheckSnapshot(options, &unused);
        if (s.ok()) snap = std::static_pointer_cast<const LmdbSnapshot>(options.snapshot);
      } else {
        snap = std::make_shared<LmdbSnapshot>(handle_);
        s = snap->status();
      }
    }
    if (!s.ok()) return std::unique_ptr<Iterator>(NewEmptyIterator(s));
    return NewBoundedIterator(std::make_unique<LmdbIterator>(std::move(snap)), options.lower_bound,
                              options.upper_bound);
  }

  std::shared_ptr<const Snapshot> GetSnapshot() override {
    if (!handle_) return nullptr;
    // A failed one (reader slots exhausted) reports its status on every read.
    return std::make_shared<LmdbSnapshot>(handle_);
  }

  Status Flush() override {
    STRATA_RETURN_IF_ERROR(CheckOpen());
    return FromLmdb(mdb_env_sync(handle_->env, 1), "sync " + handle_->dir);
  }

  Status CompactRange(const Slice* begin, const Slice* end) override { return CheckOpen(); }

  uint64_t ApproximateSize(const Slice& begin, const Slice& end) override {
    // LMDB keeps no per-range statistics: sum the bytes of the keys and values in the range.
    if (!handle_ || begin.compare(end) >= 0) return 0;
    ReadOptions ro;
    ro.lower_bound = begin.ToString();
    ro.upper_bound = end.ToString();
    std::unique_ptr<Iterator> it = NewIterator(ro);
    uint64_t total = 0;
    for (it->SeekToFirst(); it->Valid(); it->Next()) total += it->key().size() + it->value().size();
    return total;
  }

  Stats GetStats() override {
    Stats stats;
    stats.user_bytes_written = user_bytes_.load(std::memory_order_relaxed);
    // LMDB does not count the pages it writes, so engine bytes and write amplification stay 0.
    if (handle_) stats.disk_bytes = DirectoryBytes(handle_->dir);
    return stats;
  }

  // "lmdb.stat" (mdb_stat of the tree) and "lmdb.info" (mdb_env_info).
  std::optional<std::string> GetProperty(std::string_view name) override {
    if (!handle_) return std::nullopt;
    if (name == "lmdb.stat") {
      MDB_stat st;
      if (mdb_env_stat(handle_->env, &st) != MDB_SUCCESS) return std::nullopt;
      return "page_size=" + std::to_string(st.ms_psize) + " depth=" + std::to_string(st.ms_depth) +
             " branch_pages=" + std::to_string(st.ms_branch_pages) +
             " leaf_pages=" + std::to_string(st.ms_leaf_pages) +
             " overflow_pages=" + std::to_string(st.ms_overflow_pages) +
             " entries=" + std::to_string(st.ms_entries);
    }
    if (name == "lmdb.info") {
      MDB_envinfo info;
      if (mdb_env_info(handle_->env, &info) != MDB_SUCCESS) return std::nullopt;
      return "map_size=" + std::to_string(info.me_mapsize) +
             " last_pgno=" + std::to_string(info.me_last_pgno) +
             " last_txnid=" + std::to_string(info.me_last_txnid) +
             " max_readers=" + std::to_string(info.me_maxreaders) +
             " num_readers=" + std::to_string(info.me_numreaders);
    }
    return std::nullopt;
  }

  Status Close() override {
    if (!handle_) return Status::InvalidArgument("lmdb: engine already closed");
    Status s = FromLmdb(mdb_env_sync(handle_->env, 1), "sync " + handle_->dir);
    // Live snapshots or iterators keep the environment open until the last of them goes.
    handle_.reset();
    return s;
  }

 private:
  Status CheckOpen() const {
    if (!handle_) return Status::InvalidArgument("lmdb: engine is closed");
    return Status::OK();
  }
  Status CheckSnapshot(const ReadOptions& options, const LmdbSnapshot** snap) const {
    *snap = dynamic_cast<const LmdbSnapshot*>(options.snapshot.get());
    if (*snap == nullptr || (*snap)->handle() != handle_.get()) {
      return Status::InvalidArgument("lmdb: snapshot belongs to another engine");
    }
    return (*snap)->status();
  }

  // One write transaction for the whole batch. Returns an LMDB code (MDB_MAP_FULL: grow, retry).
  int Commit(const std::vector<Op>& ops) {
    std::shared_lock lock(handle_->resize_mu);
    MDB_txn* txn = nullptr;
    int rc = mdb_txn_begin(handle_->env, nullptr, 0, &txn);
    if (rc != MDB_SUCCESS) return rc;
    for (const Op& op : ops) {
      StoredKey k(op.key);
      if (op.value) {
        MDB_val v{op.value->size(), const_cast<char*>(op.value->data())};
        rc = mdb_put(txn, handle_->dbi, k.val(), &v, 0);
      } else {
        rc = mdb_del(txn, handle_->dbi, k.val(), nullptr);
        if (rc == MDB_NOTFOUND) rc = MDB_SUCCESS;
      }
      if (rc != MDB_SUCCESS) {
        mdb_txn_abort(txn);
        return rc;
      }
    }
    return mdb_txn_commit(txn);  // frees the transaction whatever it returns
  }

  const Options options_;
  SharedHandle handle_;
  std::atomic<uint64_t> user_bytes_{0};
};

// Takes <dir>/LOCK with flock: Busy when any open file description (this process or another)
// holds it.
Status LockDir(const std::string& dir, int* fd) {
  const std::string name = dir + "/LOCK";
  *fd = open(name.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (*fd < 0) return Status::IOError("lmdb: open " + name + ": " + std::strerror(errno));
  if (flock(*fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    close(*fd);
    *fd = -1;
    if (err == EWOULDBLOCK) {
      return Status::Busy("lmdb: " + dir + " is already open (" + name +
                          " is locked by this or another process)");
    }
    return Status::IOError("lmdb: lock " + name + ": " + std::strerror(err));
  }
  return Status::OK();
}

}  // namespace

Result<std::unique_ptr<Engine>> OpenLMDBEngine(const std::string& dir, const Options& options) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const std::string data = dir + "/data.mdb";
  if (!fs::exists(dir, ec)) {
    if (!options.create_if_missing) {
      return Status::InvalidArgument("lmdb: " + dir +
                                     " does not exist (create_if_missing is false)");
    }
    fs::create_directories(dir, ec);
    if (ec) return Status::IOError("lmdb: create " + dir + ": " + ec.message());
  }
  auto handle = std::make_shared<LmdbHandle>();
  handle->dir = dir;
  STRATA_RETURN_IF_ERROR(LockDir(dir, &handle->lock_fd));
  const bool exists = fs::exists(data, ec);
  if (!exists && !options.create_if_missing) {
    return Status::InvalidArgument("lmdb: " + data +
                                   " does not exist (create_if_missing is false)");
  }
  if (exists && options.error_if_exists) {
    return Status::InvalidArgument("lmdb: " + data + " exists (error_if_exists is true)");
  }
  STRATA_RETURN_IF_ERROR(FromLmdb(mdb_env_create(&handle->env), "create env"));
  STRATA_RETURN_IF_ERROR(
      FromLmdb(mdb_env_set_mapsize(handle->env, handle->map_size), "set map size"));
  STRATA_RETURN_IF_ERROR(FromLmdb(mdb_env_set_maxreaders(handle->env, kMaxReaders), "set readers"));
  STRATA_RETURN_IF_ERROR(FromLmdb(
      mdb_env_open(handle->env, dir.c_str(), MDB_NOTLS | MDB_NOSYNC, 0644), "open " + dir));
  MDB_envinfo info;
  if (mdb_env_info(handle->env, &info) == MDB_SUCCESS) handle->map_size = info.me_mapsize;
  handle->max_user_key = static_cast<size_t>(mdb_env_get_maxkeysize(handle->env)) - 1;
  MDB_txn* txn = nullptr;
  STRATA_RETURN_IF_ERROR(FromLmdb(mdb_txn_begin(handle->env, nullptr, 0, &txn), "begin"));
  int rc = mdb_dbi_open(txn, nullptr, 0, &handle->dbi);
  if (rc != MDB_SUCCESS) {
    mdb_txn_abort(txn);
    return FromLmdb(rc, "open main database in " + dir);
  }
  STRATA_RETURN_IF_ERROR(FromLmdb(mdb_txn_commit(txn), "commit open of " + dir));
  return std::unique_ptr<Engine>(std::make_unique<LmdbEngine>(options, std::move(handle)));
}

Status DestroyLMDBEngine(const std::string& dir, const Options& options) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::exists(dir, ec)) return Status::OK();
  int fd = -1;
  STRATA_RETURN_IF_ERROR(LockDir(dir, &fd));  // Busy while open
  for (const char* name : {"data.mdb", "lock.mdb"}) {
    fs::remove(dir + "/" + name, ec);
    if (ec) {
      close(fd);
      return Status::IOError("lmdb: remove " + dir + "/" + name + ": " + ec.message());
    }
  }
  fs::remove(dir + "/LOCK", ec);
  close(fd);
  return RemoveDirIfEmpty(dir);
}

}  // namespace strata::kv
