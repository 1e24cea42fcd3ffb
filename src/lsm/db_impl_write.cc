// DBImpl: the write path. Writers queue; the front writer commits a group of batches with one
// WAL record (group commit), then inserts them into the memtable.
#include <chrono>

#include "base/kv_limits.h"
#include "lsm/db_impl.h"
#include "lsm/filename.h"

namespace strata::lsm {

struct DBImpl::Writer {
  const WriteBatch* batch;  // nullptr: a request to switch the memtable (Flush)
  bool sync;
  bool force_flush;
  bool done = false;
  Status status;
  std::condition_variable cv;
};

namespace {

class MemTableInserter final : public WriteBatch::Handler {
 public:
  MemTableInserter(SequenceNumber seq, MemTable* mem) : sequence_(seq), mem_(mem) {}
  void Put(const Slice& key, const Slice& value) override {
    mem_->Add(sequence_++, kTypeValue, key, value);
  }
  void Delete(const Slice& key) override { mem_->Add(sequence_++, kTypeDeletion, key, Slice()); }

 private:
  SequenceNumber sequence_;
  MemTable* mem_;
};

}  // namespace

Status DBImpl::InsertInto(const WriteBatch& batch, MemTable* mem) {
  MemTableInserter inserter(batch.Sequence(), mem);
  return batch.Iterate(&inserter);
}

Status DBImpl::Write(const kv::WriteOptions& options, const WriteBatch& batch) {
  STRATA_RETURN_IF_ERROR(kv::CheckBatchSizes(options_, batch));
  if (batch.Count() == 0) return CheckOpen();
  return WriteImpl(options, &batch, false);
}

Status DBImpl::Flush() {
  STRATA_RETURN_IF_ERROR(WriteImpl(kv::WriteOptions(), nullptr, true));
  std::unique_lock<std::mutex> lock(mu_);
  // Wait for the buffers sealed so far. Later writes may already fill memtables of the next
  // buffer, which is flushed only once it is full: waiting for it could last forever.
  const uint64_t sealed_below = wal_number_;
  while (!sealed_.empty() && sealed_.front().wal_number < sealed_below && bg_error_.ok() &&
         !shutting_down_) {
    bg_done_cv_.wait(lock);
  }
  return bg_error_;
}

Status DBImpl::WriteImpl(const kv::WriteOptions& options, const WriteBatch* batch,
                         bool force_flush) {
  Writer w;
  w.batch = batch;
  w.sync = options.sync.value_or(options_.sync);
  w.force_flush = force_flush;

  std::unique_lock<std::mutex> lock(mu_);
  STRATA_RETURN_IF_ERROR(CheckOpen());
  writers_.push_back(&w);
  while (!w.done && &w != writers_.front()) w.cv.wait(lock);
  if (w.done) return w.status;

  Status status = MakeRoomForWrite(force_flush, lock);
  SequenceNumber last_sequence = versions_->LastSequence();
  Writer* last_writer = &w;
  if (status.ok() && batch != nullptr) {
    last_writer = BuildBatchGroup(&group_batch_);
    group_batch_.SetSequence(last_sequence + 1);
    last_sequence += group_batch_.Count();
    const bool sync = w.sync;
    // Only the front writer reaches here, so the WAL and memtable need no mutex.
    lock.unlock();
    status = wal_->AddRecord(group_batch_.Contents());
    bool sync_error = false;
    if (status.ok() && sync) {
      status = wal_file_->Sync();
      sync_error = !status.ok();
    }
    if (status.ok()) status = InsertInto(group_batch_, mem_);
    lock.lock();
    write_groups_++;
    last_write_micros_ = env_->NowMicros();
    if (status.ok()) {
      versions_->SetLastSequence(last_sequence);
      user_bytes_written_.fetch_add(group_batch_.UserBytes(), std::memory_order_relaxed);
    } else if (sync_error || !status.IsInvalidArgument()) {
      // The WAL's state is unknown after a failed append or sync: refuse further writes rather
      // than acknowledge something that may not be durable.
      RecordBackgroundError(status);
    }
  }

  while (true) {
    Writer* ready = writers_.front();
    writers_.pop_front();
    if (ready != &w) {
      ready->status = status;
      ready->done = true;
      ready->cv.notify_one();
    }
    if (ready == last_writer) break;
  }
  if (!writers_.empty()) writers_.front()->cv.notify_one();
  if (closed_) bg_done_cv_.notify_all();
  return status;
}

DBImpl::Writer* DBImpl::BuildBatchGroup(WriteBatch* group) {
  Writer* first = writers_.front();
  group->Clear();
  group->Append(*first->batch);
  size_t size = first->batch->ApproximateSize();
  // Keep a small write from waiting behind a large group.
  size_t max_size = size <= (128 << 10) ? size + (128 << 10) : 1 << 20;
  Writer* last = first;
  for (auto it = writers_.begin() + 1; it != writers_.end(); ++it) {
    Writer* w = *it;
    if (w->batch == nullptr) break;      // a flush request goes alone
    if (w->sync && !first->sync) break;  // a sync write must not ride in an unsynced group
    size += w->batch->ApproximateSize();
    if (size > max_size) break;
    group->Append(*w->batch);
    last = w;
  }
  return last;
}

Status DBImpl::MakeRoomForWrite(bool force, std::unique_lock<std::mutex>& lock) {
  bool allow_delay = !force;
  while (true) {
    if (!bg_error_.ok()) return bg_error_;
    if (shutting_down_) return Status::Aborted(dir_ + ": the engine is closing");
    const int l0_files = versions_->current()->NumFiles(0);
    if (allow_delay && l0_files >= options_.l0_slowdown_trigger) {
      // Slow each writer a little rather than stop them all later; compaction catches up.
      lock.unlock();
      const uint64_t start = env_->NowMicros();
      env_->SleepForMicroseconds(1000);
      stall_micros_ += env_->NowMicros() - start;
      lock.lock();
      allow_delay = false;
      continue;
    }
    // An empty memtable never switches: its arena's first block alone may exceed a tiny buffer.
    if (!force && (mem_->NumEntries() == 0 || mem_->ApproximateMemoryUsage() <= memtable_size_)) {
      return Status::OK();
    }
    // A flush with nothing buffered has nothing to do.
    if (force && mem_->NumEntries() == 0 && filling_.empty()) return Status::OK();
    if (!force && filling_.size() + 1 < static_cast<size_t>(options_.memtables_per_flush)) {
      // The write buffer has room for another memtable: switch, keeping the WAL.
      filling_.push_back(mem_);
      mem_ = NewMemTable(memtable_size_);
      InstallSuperVersion();
      return Status::OK();
    }
    // The write buffer is full, or a flush was asked for: seal it by closing its WAL.
    if (sealed_.size() >= static_cast<size_t>(options_.max_immutable_memtables) ||
        l0_files >= options_.l0_stop_trigger) {
      // Memory or L0 is full: wait for the background threads.
      const uint64_t start = env_->NowMicros();
      work_cv_.notify_all();
      bg_done_cv_.wait(lock);
      stall_micros_ += env_->NowMicros() - start;
      continue;
    }
    // Switch to a new WAL and, unless it is empty, a new memtable; the buffer becomes sealed.
    const uint64_t number = versions_->NewFileNumber();
    std::unique_ptr<WritableFile> file;
    Status s = env_->NewLogFile(WalFileName(dir_, number), &file);
    if (s.ok()) s = env_->SyncDir(dir_);  // synced writes to the new WAL need its entry durable
    if (!s.ok()) return s;
    // Sync the old WAL so that a later synced write never survives a crash that loses an
    // earlier write: recovery always yields a prefix of the acknowledged writes.
    Status closed = wal_file_->Sync();
    if (closed.ok()) closed = wal_file_->Close();
    wal_bytes_written_ += wal_->BytesWritten();
    if (!closed.ok()) {
      RecordBackgroundError(closed);
      return closed;
    }
    if (mem_->NumEntries() > 0) {
      filling_.push_back(mem_);
      mem_ = NewMemTable(memtable_size_);
    }
    sealed_.push_back({std::move(filling_), wal_number_});
    filling_.clear();  // moved from: valid but unspecified
    wal_number_ = number;
    wal_file_ = std::move(file);
    wal_ = std::make_unique<WalWriter>(wal_file_.get(), number);
    InstallSuperVersion();
    force = false;
    work_cv_.notify_all();
  }
}

void DBImpl::RecordBackgroundError(const Status& s) {
  if (bg_error_.ok()) bg_error_ = s;
  bg_done_cv_.notify_all();
}

}  // namespace strata::lsm
