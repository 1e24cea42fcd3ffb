// DBImpl: open, recovery, files, close.
#include "lsm/db_impl.h"

#include <algorithm>

#include "base/memory.h"
#include "lsm/db.h"
#include "lsm/filename.h"
#include "lsm/table_builder.h"
#include "lsm/wal_reader.h"

namespace strata::lsm {

DBImpl::DBImpl(const std::string& dir, const kv::Options& options)
    : dir_(dir), options_(options), icmp_(BytewiseComparator()) {
  if (options_.env == nullptr) options_.env = Env::Default();
  // Resolve the shared settings to Strata's defaults; below they are always set.
  options_.write_buffer_size =
      options_.write_buffer_size.value_or(kv::Options::kStrataWriteBufferSize);
  options_.block_cache_size =
      options_.block_cache_size.value_or(kv::Options::kStrataBlockCacheSize);
  options_.compression = options_.compression.value_or(kv::Options::kStrataCompression);
  options_.bloom_bits_per_key =
      options_.bloom_bits_per_key.value_or(kv::Options::kStrataBloomBitsPerKey);
  // A nameless extractor could not be told apart from none in table files: filter whole keys.
  if (options_.prefix_extractor != nullptr && *options_.prefix_extractor->Name() == '\0') {
    options_.prefix_extractor = nullptr;
  }
  write_buffer_size_ = *options_.write_buffer_size;
  env_ = options_.env;
  options_.max_immutable_memtables = std::clamp(options_.max_immutable_memtables, 1, 8);
  options_.memtables_per_flush = std::clamp(options_.memtables_per_flush, 1, 16);
  memtable_size_ = std::max<size_t>(write_buffer_size_ / options_.memtables_per_flush, 1);
  options_.l0_compaction_trigger = std::max(options_.l0_compaction_trigger, 1);
  options_.l0_slowdown_trigger =
      std::max(options_.l0_slowdown_trigger, options_.l0_compaction_trigger);
  options_.l0_stop_trigger = std::max(options_.l0_stop_trigger, options_.l0_slowdown_trigger);
  block_cache_ = NewLRUCache(*options_.block_cache_size);
  TableOptions topt;
  topt.comparator = &icmp_;
  topt.block_size = options_.block_size;
  topt.restart_interval = options_.block_restart_interval;
  topt.compression = *options_.compression;
  topt.zstd_level = options_.zstd_level;
  topt.bloom_bits_per_key = *options_.bloom_bits_per_key;
  topt.filter_user_keys = true;
  topt.block_cache = block_cache_.get();
  topt.prefix_extractor = options_.prefix_extractor.get();
  // Keep a few descriptors for the WAL, MANIFEST and LOCK.
  table_cache_ =
      std::make_unique<TableCache>(dir_, env_, topt, std::max(options_.max_open_files - 10, 10));
  versions_ = std::make_unique<VersionSet>(dir_, &options_, table_cache_.get(), &icmp_);
  snapshots_ = std::make_shared<SnapshotRegistry>();
}

DBImpl::~DBImpl() {
  if (!closed_) Close();
  block_cache_.reset();
  // The block cache and memtables were often hundreds of MiB in small blocks that malloc
  // keeps for reuse in its arenas (one per thread that allocated): hand them back to the
  // system, for the engine opened next or the rest of the program.
  ReleaseFreeMemory();
}

Status DBImpl::CheckOpen() const {
  if (closed_ || !opened_) return Status::InvalidArgument(dir_ + ": the engine is closed");
  return Status::OK();
}

Status DBImpl::NewDB() {
  VersionEdit edit;
  edit.SetComparatorName(icmp_.user_comparator()->Name());
  edit.SetLogNumber(0);
  edit.SetNextFile(2);
  edit.SetLastSequence(0);
  const std::string manifest = ManifestFileName(dir_, 1);
  std::unique_ptr<WritableFile> file;
  STRATA_RETURN_IF_ERROR(env_->NewWritableFile(manifest, &file));
  std::string record;
  edit.EncodeTo(&record);
  Status s;
  {
    WalWriter log(file.get(), 1);
    s = log.AddRecord(record);
  }
  if (s.ok()) s = file->Sync();
  if (s.ok()) s = file->Close();
  if (s.ok()) s = SetCurrentFile(env_, dir_, 1);
  if (!s.ok()) env_->RemoveFile(manifest);
  return s;
}

Status DBImpl::Open() {
  std::unique_lock<std::mutex> lock(mu_);
  Status s = Recover(lock);
  if (!s.ok()) {
    if (db_lock_) env_->UnlockFile(std::move(db_lock_));
    return s;
  }
  opened_ = true;
  InstallSuperVersion();
  RemoveObsoleteFiles();
  lock.unlock();
  flush_thread_ = std::thread([this] { FlushThread(); });
  compaction_thread_ = std::thread([this] { CompactionThread(); });
  work_cv_.notify_all();
  return Status::OK();
}

Status DBImpl::Recover(std::unique_lock<std::mutex>& lock) {
  if (options_.create_if_missing) {
    STRATA_RETURN_IF_ERROR(env_->CreateDir(dir_));
  } else if (!env_->FileExists(dir_)) {
    return Status::InvalidArgument(dir_ + ": does not exist (create_if_missing is false)");
  }
  STRATA_RETURN_IF_ERROR(env_->LockFile(LockFileName(dir_), &db_lock_));

  if (!env_->FileExists(CurrentFileName(dir_))) {
    // Without CURRENT, a directory that still holds tables, WALs or a MANIFEST is a damaged
    // database, not an empty one: creating afresh would delete those files as obsolete.
    std::vector<std::string> existing;
    STRATA_RETURN_IF_ERROR(env_->GetChildren(dir_, &existing));
    for (const std::string& name : existing) {
      uint64_t number;
      FileType type;
      if (ParseFileName(name, &number, &type) &&
          (type == FileType::kTable || type == FileType::kWal || type == FileType::kManifest)) {
        return Status::Corruption(CurrentFileName(dir_) + " is missing but database files (" +
                                  name +
                                  ", ...) are present; refusing to start an empty database "
                                  "over them");
      }
    }
    if (!options_.create_if_missing) {
      return Status::InvalidArgument(dir_ + ": no database here (create_if_missing is false)");
    }
    STRATA_RETURN_IF_ERROR(NewDB());
  } else if (options_.error_if_exists) {
    return Status::InvalidArgument(dir_ + ": a database exists here (error_if_exists is true)");
  }
  STRATA_RETURN_IF_ERROR(versions_->Recover());

  // Replay every WAL at or after the MANIFEST's log number, oldest first.
  std::vector<std::string> children;
  STRATA_RETURN_IF_ERROR(env_->GetChildren(dir_, &children));
  std::vector<uint64_t> wals;
  std::set<uint64_t> live;
  versions_->AddLiveFiles(&live);
  for (const std::string& name : children) {
    uint64_t number;
    FileType type;
    if (!ParseFileName(name, &number, &type)) continue;
    versions_->MarkFileNumberUsed(number);
    if (type == FileType::kWal && number >= versions_->LogNumber()) wals.push_back(number);
    if (type == FileType::kTable) live.erase(number);
  }
  if (!live.empty()) {
    return Status::Corruption(dir_ + ": " + std::to_string(live.size()) +
                              " table(s) named by the MANIFEST are missing, e.g. " +
                              TableFileName(dir_, *live.begin()));
  }
  std::sort(wals.begin(), wals.end());

  VersionEdit edit;
  SequenceNumber max_sequence = versions_->LastSequence();
  // Replay fills whole write buffers, each written to a table as the flush thread would.
  mem_ = NewMemTable(write_buffer_size_);
  for (uint64_t number : wals) STRATA_RETURN_IF_ERROR(ReplayWal(number, &max_sequence, &edit));
  if (mem_->NumEntries() > 0) STRATA_RETURN_IF_ERROR(WriteLevel0Table(mem_, &edit));
  mem_->Unref();
  mem_ = NewMemTable(memtable_size_);
  versions_->SetLastSequence(max_sequence);

  wal_number_ = versions_->NewFileNumber();
  STRATA_RETURN_IF_ERROR(env_->NewLogFile(WalFileName(dir_, wal_number_), &wal_file_));
  wal_ = std::make_unique<WalWriter>(wal_file_.get(), wal_number_);
  edit.SetLogNumber(wal_number_);

  // A fresh MANIFEST holding the whole state keeps the file short; then the recovery edit.
  STRATA_RETURN_IF_ERROR(versions_->WriteSnapshotManifest());
  Status s = versions_->LogAndApply(&edit, &lock);
  if (s.ok()) s = env_->SyncDir(dir_);
  return s;
}

namespace {

struct WalReporter : public WalReader::Reporter {
  Status* status;
  std::string file;
  void Corruption(size_t bytes, const Status& reason) override {
    if (status->ok()) *status = reason.WithContext(file);
  }
};

}  // namespace

Status DBImpl::ReplayWal(uint64_t number, SequenceNumber* max_sequence, VersionEdit* edit) {
  const std::string name = WalFileName(dir_, number);
  std::unique_ptr<SequentialFile> file;
  STRATA_RETURN_IF_ERROR(env_->NewSequentialFile(name, &file));
  Status reported;
  WalReporter reporter;
  reporter.status = &reported;
  reporter.file = name;
  WalReader reader(file.get(), &reporter, /*checksum=*/true, number);
  Slice record;
  std::string scratch;
  WriteBatch batch;
  Status s;
  while (s.ok() && reader.ReadRecord(&record, &scratch)) {
    if (record.size() < WriteBatch::kHeaderSize) {
      s = Status::Corruption(name + ": record at byte " +
                             std::to_string(reader.LastRecordOffset()) + " is too small");
      break;
    }
    STRATA_RETURN_IF_ERROR(batch.SetContents(record));
    s = InsertInto(batch, mem_);
    if (!s.ok()) {
      s = s.WithContext(name + " record at byte " + std::to_string(reader.LastRecordOffset()));
      break;
    }
    const SequenceNumber last = batch.Sequence() + batch.Count() - 1;
    if (last > *max_sequence) *max_sequence = last;
    if (mem_->ApproximateMemoryUsage() > write_buffer_size_) {
      STRATA_RETURN_IF_ERROR(WriteLevel0Table(mem_, edit));
      mem_->Unref();
      mem_ = NewMemTable(write_buffer_size_);
    }
  }
  STRATA_RETURN_IF_ERROR(s);
  STRATA_RETURN_IF_ERROR(reader.status());
  // Damage at the tail is the normal trace of a crash in the middle of a write, and the writes
  // there were never acknowledged as synced. Damage followed by valid records is not: refuse to
  // open rather than silently skip acknowledged writes.
  if (reader.CorruptionInMiddle()) {
    return Status::Corruption(reported.ok() ? name + ": damaged records before valid ones"
                                            : reported.message());
  }
  return Status::OK();
}

Status DBImpl::BuildTable(Iterator* iter, FileMetaData* meta) {
  const std::string name = TableFileName(dir_, meta->number);
  iter->SeekToFirst();
  meta->file_size = 0;
  if (!iter->Valid()) return iter->status();
  std::unique_ptr<WritableFile> file;
  STRATA_RETURN_IF_ERROR(env_->NewWritableFile(name, &file));
  TableBuilder builder(table_cache_->options(), file.get());
  meta->smallest.DecodeFrom(iter->key());
  Slice last;
  for (; iter->Valid(); iter->Next()) {
    last = iter->key();
    builder.Add(last, iter->value());
  }
  meta->largest.DecodeFrom(last);
  Status s = iter->status();
  if (s.ok()) {
    s = builder.Finish();
  } else {
    builder.Abandon();
  }
  meta->file_size = builder.FileSize();
  meta->num_entries = builder.NumEntries();
  if (s.ok()) s = file->Sync();
  if (s.ok()) s = file->Close();
  if (s.ok()) s = env_->SyncDir(dir_);  // the new file's directory entry must be durable too
  if (s.ok()) {
    // Prove the table is readable before the MANIFEST names it.
    std::shared_ptr<Table> table;
    s = table_cache_->FindTable(meta->number, meta->file_size, &table);
  }
  if (!s.ok()) {
    file.reset();
    env_->RemoveFile(name);
    meta->file_size = 0;
  }
  return s;
}

Status DBImpl::WriteLevel0Table(MemTable* mem, VersionEdit* edit) {
  FileMetaData meta;
  meta.number = versions_->NewFileNumber();
  std::unique_ptr<Iterator> iter(mem->NewIterator());
  Status s = BuildTable(iter.get(), &meta);
  if (!s.ok() || meta.file_size == 0) return s;
  edit->AddFile(0, meta);
  table_bytes_written_ += meta.file_size;
  return Status::OK();
}

void DBImpl::RemoveObsoleteFiles() {
  if (!bg_error_.ok()) return;  // after an error the state of files is uncertain: keep them
  std::set<uint64_t> live = pending_outputs_;
  versions_->AddLiveFiles(&live);
  std::vector<std::string> children;
  env_->GetChildren(dir_, &children);
  for (const std::string& name : children) {
    uint64_t number;
    FileType type;
    if (!ParseFileName(name, &number, &type)) continue;
    bool keep = true;
    switch (type) {
      case FileType::kWal:
        keep = number >= versions_->LogNumber() || number == wal_number_;
        break;
      case FileType::kManifest:
        keep = number >= versions_->ManifestFileNumber();
        break;
      case FileType::kTable:
        keep = live.count(number) > 0;
        break;
      case FileType::kTemp:
        keep = live.count(number) > 0;
        break;
      default:
        break;
    }
    if (!keep) {
      if (type == FileType::kTable) table_cache_->Evict(number);
      env_->RemoveFile(dir_ + "/" + name);
    }
  }
}

MemTable* DBImpl::NewMemTable(size_t size) {
  auto* mem = new MemTable(icmp_, size, options_.prefix_extractor.get());
  mem->Ref();
  return mem;
}

std::vector<MemTable*> DBImpl::Immutables() const {
  std::vector<MemTable*> out(filling_.rbegin(), filling_.rend());
  for (auto it = sealed_.rbegin(); it != sealed_.rend(); ++it) {
    out.insert(out.end(), it->mems.rbegin(), it->mems.rend());
  }
  return out;
}

void DBImpl::InstallSuperVersion() {
  auto* sv = new SuperVersion;
  sv->mem = mem_;
  mem_->Ref();
  sv->imm = Immutables();
  for (MemTable* m : sv->imm) m->Ref();
  sv->version = versions_->current();
  sv->version->Ref();
  SuperVersion* old = super_version_;
  super_version_ = sv;
  if (old != nullptr && old->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    FreeSuperVersion(old);
  }
}

Status DBImpl::AcquireSuperVersion(SuperVersion** sv) {
  std::lock_guard<std::mutex> g(mu_);
  STRATA_RETURN_IF_ERROR(CheckOpen());
  super_version_->refs.fetch_add(1, std::memory_order_relaxed);
  *sv = super_version_;
  return Status::OK();
}

void DBImpl::ReleaseSuperVersion(SuperVersion* sv) {
  if (sv->refs.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
  // The last reader of a replaced SuperVersion frees it; versions need the mutex.
  std::lock_guard<std::mutex> g(mu_);
  FreeSuperVersion(sv);
}

void DBImpl::FreeSuperVersion(SuperVersion* sv) {
  sv->mem->Unref();
  for (MemTable* m : sv->imm) m->Unref();
  sv->version->Unref();
  delete sv;
}

Status DBImpl::Close() {
  {
    std::unique_lock<std::mutex> lock(mu_);
    if (closed_) return Status::InvalidArgument(dir_ + ": the engine is already closed");
    closed_ = true;
    shutting_down_.store(true);
    // Wake writers waiting for room (they give up with Aborted), then wait until no writer is
    // left inside the WAL; a writer that finishes while closed_ is set notifies bg_done_cv_.
    bg_done_cv_.notify_all();
    bg_done_cv_.wait(lock, [this] { return writers_.empty(); });
  }
  work_cv_.notify_all();
  bg_done_cv_.notify_all();
  if (flush_thread_.joinable()) flush_thread_.join();
  if (compaction_thread_.joinable()) compaction_thread_.join();

  std::unique_lock<std::mutex> lock(mu_);
  Status s;
  if (wal_file_) {
    s = wal_file_->Close();
    wal_bytes_written_ += wal_->BytesWritten();
    wal_.reset();
    wal_file_.reset();
  }
  if (super_version_ != nullptr) {
    SuperVersion* sv = super_version_;
    super_version_ = nullptr;
    if (sv->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) FreeSuperVersion(sv);
  }
  for (MemTable* m : Immutables()) m->Unref();
  filling_.clear();
  sealed_.clear();
  if (mem_ != nullptr) mem_->Unref();
  mem_ = nullptr;
  versions_.reset();
  table_cache_.reset();
  if (db_lock_) {
    Status u = env_->UnlockFile(std::move(db_lock_));
    if (s.ok()) s = u;
  }
  return s;
}

Result<std::unique_ptr<kv::Engine>> OpenDB(const std::string& dir, const kv::Options& options) {
  if (dir.empty()) return Status::InvalidArgument("empty directory name");
  auto db = std::make_unique<DBImpl>(dir, options);
  Status s = db->Open();
  if (!s.ok()) return s;
  return std::unique_ptr<kv::Engine>(std::move(db));
}

Status DestroyDB(const std::string& dir, const kv::Options& options) {
  Env* env = options.env != nullptr ? options.env : Env::Default();
  std::vector<std::string> children;
  if (!env->GetChildren(dir, &children).ok()) return Status::OK();  // nothing to destroy
  std::unique_ptr<FileLock> lock;
  STRATA_RETURN_IF_ERROR(env->LockFile(LockFileName(dir), &lock));
  Status result;
  for (const std::string& name : children) {
    uint64_t number;
    FileType type;
    if (ParseFileName(name, &number, &type) && type != FileType::kLock) {
      Status s = env->RemoveFile(dir + "/" + name);
      if (result.ok() && !s.ok()) result = s;
    }
  }
  env->UnlockFile(std::move(lock));
  env->RemoveFile(LockFileName(dir));
  env->RemoveDir(dir);  // fails harmlessly when other files remain
  return result;
}

}  // namespace strata::lsm
