// DBImpl: background work. One thread flushes immutable memtables to L0 (so writers are never
// held up by a long compaction); another runs leveled compactions.
#include "base/memory.h"
#include "lsm/db_impl.h"
#include "lsm/filename.h"
#include "lsm/merging_iterator.h"
#include "lsm/table_builder.h"

namespace strata::lsm {

namespace {

// Hands the block cache's hold on a compaction's inputs on to its outputs: an output data block
// is cached as it is written when, in some input table whose range holds the block's last key,
// the block holding that key is cached. Without it every compaction turned the hot part of its
// key range cold, and readers took a file read, checksum and decompression per block until they
// had read it all again (28% of an indexed find's samples while a load's compactions ran, 15%
// with this; docs/BENCHMARKS.md). Cold inputs stay cold: the cache gains nothing a reader had not
// brought in, so its memory stays what reads made it.
class OutputBlockWarmer {
 public:
  OutputBlockWarmer(TableCache* tables, const InternalKeyComparator& icmp, const Compaction& c)
      : icmp_(icmp) {
    if (tables->options().block_cache == nullptr) return;
    for (int which = 0; which < 2; which++) {
      for (const FileMetaData* f : c.inputs(which)) {
        std::shared_ptr<Table> table;
        if (tables->FindTable(f->number, f->file_size, &table).ok()) {
          inputs_.push_back(Input{f, std::move(table)});
        }
      }
    }
  }

  bool active() const { return !inputs_.empty(); }

  bool Hot(const Slice& last_key) const {
    for (const Input& in : inputs_) {
      if (icmp_.Compare(last_key, in.file->smallest.Encode()) < 0 ||
          icmp_.Compare(last_key, in.file->largest.Encode()) > 0) {
        continue;
      }
      if (in.table->BlockCachedFor(last_key)) return true;
    }
    return false;
  }

 private:
  struct Input {
    const FileMetaData* file;
    std::shared_ptr<Table> table;
  };
  const InternalKeyComparator& icmp_;
  std::vector<Input> inputs_;
};

}  // namespace

struct DBImpl::ManualCompaction {
  int level;
  bool done = false;
  std::optional<InternalKey> begin;
  std::optional<InternalKey> end;
  Status status;
};

void DBImpl::FlushThread() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    EraseRetiredBlocks(lock);  // of the files the last flush made obsolete
    while (!shutting_down_ && (sealed_.empty() || !bg_error_.ok())) work_cv_.wait(lock);
    if (shutting_down_) break;  // unflushed memtables stay in their WALs and are replayed
    flush_running_ = true;
    Status s = FlushOldestBuffer(lock);
    flush_running_ = false;
    if (!s.ok()) RecordBackgroundError(s);
    bg_done_cv_.notify_all();
    work_cv_.notify_all();  // the compaction thread may have work now
  }
  bg_done_cv_.notify_all();
}

void DBImpl::EraseRetiredBlocks(std::unique_lock<std::mutex>& lock) {
  lock.unlock();
  // A compaction's inputs often had tens of MiB of blocks in the cache. jemalloc would keep
  // their pages (and the compaction's own buffers) resident for its ten-second decay, while
  // memtables and new blocks took fresh pages: at 10M keys that slack was 60-77 MiB at the
  // moments of peak memory (docs/BENCHMARKS.md, "Memory held by the allocator").
  if (table_cache_->EraseRetiredBlocks() > 0) ReturnFreedPages();
  lock.lock();
}

Status DBImpl::FlushOldestBuffer(std::unique_lock<std::mutex>& lock) {
  // A copy: writers may add buffers to sealed_ while the table is written.
  const std::vector<MemTable*> mems = sealed_.front().mems;
  // Once these memtables are in a table, every WAL before the next one is obsolete.
  const uint64_t next_wal = sealed_.size() > 1 ? sealed_[1].wal_number : wal_number_;
  FileMetaData meta;
  meta.number = versions_->NewFileNumber();
  pending_outputs_.insert(meta.number);
  lock.unlock();
  // The flush thread alone pops sealed_, so the memtables stay referenced meanwhile.
  std::vector<Iterator*> children;  // newest first
  for (auto it = mems.rbegin(); it != mems.rend(); ++it) children.push_back((*it)->NewIterator());
  std::unique_ptr<Iterator> iter(NewMergingIterator(&icmp_, std::move(children)));
  Status s = BuildTable(iter.get(), &meta);
  iter.reset();
  lock.lock();
  VersionEdit edit;
  if (s.ok() && meta.file_size > 0) {
    edit.AddFlushedFile(meta);  // its level is chosen against the version it joins
    table_bytes_written_ += meta.file_size;
  }
  if (s.ok()) {
    edit.SetLogNumber(next_wal);
    s = versions_->LogAndApply(&edit, &lock);
  }
  pending_outputs_.erase(meta.number);
  if (s.ok()) {
    sealed_.pop_front();
    for (MemTable* mem : mems) mem->Unref();
    InstallSuperVersion();
    flushes_++;
    RemoveObsoleteFiles();
  }
  return s;
}

void DBImpl::CompactionThread() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    EraseRetiredBlocks(lock);  // of the last compaction's inputs
    while (!shutting_down_ &&
           (!bg_error_.ok() || (manual_compaction_ == nullptr && !versions_->NeedsCompaction()))) {
      if (bg_error_.ok() && IdleMaintenanceDue()) break;
      work_cv_.wait_for(lock, std::chrono::milliseconds(250));
    }
    if (shutting_down_) break;
    if (manual_compaction_ == nullptr && !versions_->NeedsCompaction()) {
      Status s = IdleMaintenance(lock);
      if (!s.ok() && s.code() != Status::Code::kAborted && !shutting_down_) {
        RecordBackgroundError(s);
      }
      bg_done_cv_.notify_all();
      continue;
    }
    compaction_running_ = true;
    Status s = BackgroundCompaction(lock);
    compaction_running_ = false;
    if (!s.ok() && !shutting_down_) RecordBackgroundError(s);
    bg_done_cv_.notify_all();
  }
  if (manual_compaction_ != nullptr) {
    manual_compaction_->status = Status::Aborted(dir_ + ": the engine is closing");
    manual_compaction_->done = true;
  }
  bg_done_cv_.notify_all();
}

bool DBImpl::IdleMaintenanceDue() {
  constexpr uint64_t kIdleMicros = 1000000;
  if (write_groups_ == idle_done_at_groups_) return false;  // done since the last write
  if (env_->NowMicros() - last_write_micros_ < kIdleMicros) return false;
  return mem_->NumEntries() > 0 || !filling_.empty() || !sealed_.empty() ||
         versions_->current()->NumFiles(0) > 0;
}

Status DBImpl::IdleMaintenance(std::unique_lock<std::mutex>& lock) {
  idle_done_at_groups_ = write_groups_;
  lock.unlock();
  Status s = Flush();  // through the writer queue, like any memtable switch
  lock.lock();
  if (!s.ok() || shutting_down_) return s;
  // Writes resumed, or a CompactRange call took the manual slot meanwhile: leave it to them.
  if (write_groups_ != idle_done_at_groups_ || manual_compaction_ != nullptr) return Status::OK();
  // Merge every L0 table into L1, as a manual compaction of level 0 would.
  ManualCompaction manual;
  manual.level = 0;
  manual_compaction_ = &manual;
  while (!manual.done && s.ok() && !shutting_down_) s = BackgroundCompaction(lock);
  if (manual_compaction_ == &manual) manual_compaction_ = nullptr;
  return s.ok() ? manual.status : s;
}

Status DBImpl::BackgroundCompaction(std::unique_lock<std::mutex>& lock) {
  std::unique_ptr<Compaction> c;
  ManualCompaction* m = manual_compaction_;
  // Whether this step ends the manual compaction. `done` is set only once the step's work is
  // over: the waiter in CompactRange returns when it sees it, and `m` lives on its stack.
  bool last_step = false;
  if (m != nullptr) {
    c = versions_->CompactRange(m->level, m->begin ? &*m->begin : nullptr,
                                m->end ? &*m->end : nullptr);
    if (c == nullptr) {
      m->done = true;
    } else {
      // Continue after the last input next time, so a large range goes step by step.
      const auto& in = c->inputs(0);
      m->begin = in.back()->largest;
      last_step = m->end && icmp_.Compare(m->begin->Encode(), m->end->Encode()) >= 0;
    }
  } else {
    c = versions_->PickCompaction();
  }
  if (c == nullptr) {
    if (m != nullptr) manual_compaction_ = nullptr;
    return Status::OK();
  }

  Status s;
  if (m == nullptr && c->IsTrivialMove()) {
    // Move the file down a level: only the MANIFEST changes.
    FileMetaData* f = c->input(0, 0);
    c->edit()->RemoveFile(c->level(), f->number);
    c->edit()->AddFile(c->output_level(), *f);
    s = versions_->LogAndApply(c->edit(), &lock);
  } else {
    s = DoCompactionWork(c.get(), lock);
  }
  c->ReleaseInputs();
  if (s.ok()) {
    compactions_++;
    InstallSuperVersion();
    RemoveObsoleteFiles();
  }
  if (m != nullptr) {
    if (!s.ok()) m->status = s;
    if (!s.ok() || last_step) m->done = true;
    if (m->done) manual_compaction_ = nullptr;
  }
  return s;
}

Status DBImpl::DoCompactionWork(Compaction* c, std::unique_lock<std::mutex>& lock) {
  const SequenceNumber smallest_snapshot = SmallestSnapshot();
  std::unique_ptr<Iterator> input(versions_->MakeInputIterator(c));
  lock.unlock();

  struct Output {
    FileMetaData meta;
    std::unique_ptr<WritableFile> file;
    std::unique_ptr<TableBuilder> builder;
    std::vector<uint64_t> cached_offsets;  // of blocks put into the block cache as written
  };
  std::vector<FileMetaData> outputs;
  std::unique_ptr<Output> out;
  Status s;
  const OutputBlockWarmer warmer(table_cache_.get(), icmp_, *c);
  // An output that will not be installed takes its cached blocks back (nobody would read them).
  auto drop_cached_blocks = [&](const Output& o) {
    for (uint64_t offset : o.cached_offsets) table_cache_->EraseWrittenBlock(o.meta.number, offset);
  };

  auto finish_output = [&]() -> Status {
    Status fs = out->builder->Finish();
    out->meta.file_size = out->builder->FileSize();
    out->meta.num_entries = out->builder->NumEntries();
    if (fs.ok()) fs = out->file->Sync();
    if (fs.ok()) fs = out->file->Close();
    if (fs.ok()) fs = env_->SyncDir(dir_);
    if (fs.ok()) {
      std::shared_ptr<Table> table;
      fs = table_cache_->FindTable(out->meta.number, out->meta.file_size, &table);
    }
    if (fs.ok()) {
      table_bytes_written_ += out->meta.file_size;
      outputs.push_back(out->meta);
    } else {
      drop_cached_blocks(*out);
    }
    out.reset();
    return fs;
  };

  std::string current_user_key;
  bool has_current_user_key = false;
  SequenceNumber last_sequence_for_key = kMaxSequenceNumber;
  // An output is closed only where the user key changes. Were a key's versions split over two
  // files of one level, a later compaction could take the newer file down a level and leave
  // the older versions above it, where reads would find them first.
  bool cut_due = false;
  for (input->SeekToFirst(); input->Valid() && !shutting_down_; input->Next()) {
    const Slice key = input->key();
    if (c->ShouldStopBefore(key)) cut_due = true;
    ParsedInternalKey ikey;
    if (!ParseInternalKey(key, &ikey)) {
      s = Status::Corruption("compaction met an unparsable internal key in level " +
                             std::to_string(c->level()) + " inputs");
      break;
    }
    if (!has_current_user_key || ikey.user_key != Slice(current_user_key)) {
      if (out && cut_due) {
        s = finish_output();
        if (!s.ok()) break;
      }
      cut_due = false;
      current_user_key.assign(ikey.user_key.data(), ikey.user_key.size());
      has_current_user_key = true;
      last_sequence_for_key = kMaxSequenceNumber;
    }
    bool drop = false;
    if (last_sequence_for_key <= smallest_snapshot) {
      drop = true;  // a newer entry of this key is visible to every reader
    } else if (ikey.type == kTypeDeletion && ikey.sequence <= smallest_snapshot &&
               c->IsBaseLevelForKey(ikey.user_key)) {
      drop = true;  // nothing older remains below, so the tombstone has done its work
    }
    last_sequence_for_key = ikey.sequence;
    if (drop) continue;

    if (!out) {
      out = std::make_unique<Output>();
      {
        std::lock_guard<std::mutex> g(mu_);
        out->meta.number = versions_->NewFileNumber();
        pending_outputs_.insert(out->meta.number);
      }
      s = env_->NewWritableFile(TableFileName(dir_, out->meta.number), &out->file);
      if (!s.ok()) {
        out.reset();
        break;
      }
      out->builder = std::make_unique<TableBuilder>(table_cache_->options(), out->file.get());
      if (warmer.active()) {
        out->builder->SetDataBlockSink([this, &warmer, o = out.get()](const BlockHandle& handle,
                                                                      const Slice& contents,
                                                                      const Slice& last_key) {
          if (!warmer.Hot(last_key)) return;
          table_cache_->CacheWrittenBlock(o->meta.number, handle.offset(), contents);
          o->cached_offsets.push_back(handle.offset());
        });
      }
      out->meta.smallest.DecodeFrom(key);
    }
    out->meta.largest.DecodeFrom(key);
    out->builder->Add(key, input->value());
    if (out->builder->FileSize() >= c->MaxOutputFileSize()) cut_due = true;
  }
  if (s.ok() && shutting_down_) s = Status::Aborted(dir_ + ": compaction stopped by Close");
  if (s.ok()) s = input->status();
  if (s.ok() && out) s = finish_output();
  if (out) {
    out->builder->Abandon();
    drop_cached_blocks(*out);
    out.reset();
  }
  input.reset();

  lock.lock();
  if (s.ok()) {
    c->AddInputDeletions();
    for (const FileMetaData& meta : outputs) c->edit()->AddFile(c->output_level(), meta);
    s = versions_->LogAndApply(c->edit(), &lock);
  }
  for (const FileMetaData& meta : outputs) pending_outputs_.erase(meta.number);
  if (!s.ok()) {
    // Outputs not named by the MANIFEST are removed by the next RemoveObsoleteFiles.
    for (const FileMetaData& meta : outputs) table_cache_->Evict(meta.number);
  }
  return s;
}

Status DBImpl::CompactRange(const Slice* begin, const Slice* end) {
  STRATA_RETURN_IF_ERROR(Flush());
  std::unique_lock<std::mutex> lock(mu_);
  STRATA_RETURN_IF_ERROR(CheckOpen());
  int max_level_with_files = 1;
  {
    Version* v = versions_->current();
    for (int level = 1; level < kNumLevels; level++) {
      if (v->OverlapInLevel(level, begin, end)) max_level_with_files = level;
    }
  }
  for (int level = 0; level < max_level_with_files; level++) {
    ManualCompaction manual;
    manual.level = level;
    if (begin != nullptr) manual.begin = InternalKey(*begin, kMaxSequenceNumber, kValueTypeForSeek);
    if (end != nullptr) manual.end = InternalKey(*end, 0, static_cast<ValueType>(0));
    while (!manual.done && bg_error_.ok() && !shutting_down_) {
      if (manual_compaction_ == nullptr) {
        manual_compaction_ = &manual;
        work_cv_.notify_all();
      }
      bg_done_cv_.wait(lock);
    }
    // Leaving early (closing, or a background error): the compaction thread may still be
    // working on `manual`, which lives on this stack; wait until it lets go.
    while (manual_compaction_ == &manual && compaction_running_) bg_done_cv_.wait(lock);
    if (manual_compaction_ == &manual) manual_compaction_ = nullptr;
    if (!manual.status.ok()) return manual.status;
    if (!bg_error_.ok()) return bg_error_;
    if (shutting_down_) return Status::Aborted(dir_ + ": the engine is closing");
  }
  return Status::OK();
}

Status DBImpl::WaitForBackgroundWork() {
  std::unique_lock<std::mutex> lock(mu_);
  while (bg_error_.ok() && !shutting_down_ &&
         (!sealed_.empty() || flush_running_ || compaction_running_ ||
          versions_->NeedsCompaction() || manual_compaction_ != nullptr)) {
    work_cv_.notify_all();
    bg_done_cv_.wait(lock);
  }
  return bg_error_;
}

}  // namespace strata::lsm
