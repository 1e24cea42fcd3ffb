// DBImpl: Strata's LSM engine behind kv::Engine.
//
// Split by concern: db_impl.cc (open, recovery, close, files), db_impl_write.cc (group commit,
// write stalls, memtable switches), db_impl_read.cc (Get, iterators, snapshots, statistics),
// db_impl_compaction.cc (background flush and compaction threads).
//
// Concurrency: one mutex (mu_) guards the engine's state. Writers queue and the front writer
// commits a group: it appends to the WAL and inserts into the memtable without the mutex (only
// the leader writes). Readers take a SuperVersion (memtable, immutable memtables, version) under
// the mutex and read without it. One thread flushes memtables; one compacts.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "lsm/cache.h"
#include "lsm/dbformat.h"
#include "lsm/memtable.h"
#include "lsm/table_cache.h"
#include "lsm/version_set.h"
#include "lsm/wal_writer.h"
#include "strata/kv.h"

namespace strata::lsm {

// The live snapshots, oldest first: each is linked in at the end, under the mutex, with the
// latest sequence, which only grows. Shared with the snapshots themselves so that a snapshot
// released after the engine closed does not touch freed memory.
struct SnapshotRegistry {
  struct Node {
    Node* prev = nullptr;
    Node* next = nullptr;
    SequenceNumber sequence = 0;
  };
  SnapshotRegistry() { list.prev = list.next = &list; }
  std::mutex mu;
  Node list;  // the sentinel: list.next is the oldest snapshot
};

class DBImpl final : public kv::Engine {
 public:
  DBImpl(const std::string& dir, const kv::Options& options);
  ~DBImpl() override;

  // Creates or recovers the database. Called once, before anything else.
  Status Open();

  std::string_view Name() const override { return "strata"; }
  Status Get(const kv::ReadOptions& options, const Slice& key, std::string* value) override;
  void MultiGet(const kv::ReadOptions& options, std::span<const Slice> keys,
                std::span<std::string> values, std::span<Status> statuses) override;
  Status Write(const kv::WriteOptions& options, const WriteBatch& batch) override;
  std::unique_ptr<Iterator> NewIterator(const kv::ReadOptions& options) override;
  // When one memtable or table alone may hold keys of the range (the others' prefix filters
  // rule the range's prefix out), reads it there in place; otherwise walks an iterator.
  Status Scan(const kv::ReadOptions& options, const Slice& lower, const Slice* upper,
              FunctionRef<bool(const Slice& key, const Slice& value)> visit) override;
  std::shared_ptr<const kv::Snapshot> GetSnapshot() override;
  Status Flush() override;
  Status CompactRange(const Slice* begin, const Slice* end) override;
  uint64_t ApproximateSize(const Slice& begin, const Slice& end) override;
  kv::Stats GetStats() override;
  std::optional<std::string> GetProperty(std::string_view name) override;
  Status Close() override;

  // For tests and tools.
  int NumFilesAtLevel(int level);
  // Copies of the current version's files in `level`, in key order (levels 1 and deeper).
  std::vector<FileMetaData> LevelFiles(int level);
  // Waits until no flush or compaction is pending or running.
  Status WaitForBackgroundWork();

  using Engine::Delete;
  using Engine::Get;
  using Engine::Put;

 private:
  struct Writer;
  struct ManualCompaction;
  // A write buffer whose WAL is closed: its memtables wait to be flushed together into one table.
  struct SealedBuffer {
    std::vector<MemTable*> mems;  // oldest first
    uint64_t wal_number;          // the WAL holding their writes
  };
  // What a reader needs, reference counted as one unit.
  struct SuperVersion {
    MemTable* mem;
    std::vector<MemTable*> imm;  // newest first
    Version* version;
    std::atomic<int> refs{1};

    // Looks key up in the memtables, newest first: true when one of them settles it (a value
    // or a deletion), with *s its status.
    bool GetFromMemTables(const LookupKey& key, std::string* value, Status* s) const {
      if (mem->Get(key, value, s)) return true;
      for (MemTable* m : imm) {
        if (m->Get(key, value, s)) return true;
      }
      return false;
    }
  };

  // db_impl.cc
  Status NewDB();
  Status Recover(std::unique_lock<std::mutex>& lock);
  Status ReplayWal(uint64_t number, SequenceNumber* max_sequence, VersionEdit* edit);
  // Recovery only: writes `mem` to a level-0 table and records it in `edit`.
  Status WriteLevel0Table(MemTable* mem, VersionEdit* edit);
  Status BuildTable(Iterator* iter, FileMetaData* meta);
  void RemoveObsoleteFiles();
  void InstallSuperVersion();
  // A reference to the current SuperVersion, or the error of a closed engine.
  Status AcquireSuperVersion(SuperVersion** sv);
  // The prefix every key of [lower, *upper) has under the prefix extractor, or an empty slice
  // (no extractor, no upper bound, or no single prefix).
  Slice RangePrefix(const Slice& lower, const Slice* upper) const;
  void ReleaseSuperVersion(SuperVersion* sv);
  // Drops the references `sv` holds and deletes it. REQUIRES: mu_ held, no reader left.
  void FreeSuperVersion(SuperVersion* sv);
  Status CheckOpen() const;
  MemTable* NewMemTable(size_t size);
  // REQUIRES: mu_ held. Every immutable memtable, newest first (the order reads take).
  std::vector<MemTable*> Immutables() const;

  // db_impl_write.cc
  Status WriteImpl(const kv::WriteOptions& options, const WriteBatch* batch, bool force_flush);
  Status MakeRoomForWrite(bool force, std::unique_lock<std::mutex>& lock);
  Writer* BuildBatchGroup(WriteBatch* group);
  Status InsertInto(const WriteBatch& batch, MemTable* mem);

  // db_impl_compaction.cc
  void FlushThread();
  // Drops the cached blocks of deleted tables (TableCache::EraseRetiredBlocks) with mu_
  // released: thousands of erases must not hold up writers.
  void EraseRetiredBlocks(std::unique_lock<std::mutex>& lock);
  void CompactionThread();
  // Writes the memtables of the oldest sealed write buffer to one level-0 table.
  Status FlushOldestBuffer(std::unique_lock<std::mutex>& lock);
  Status BackgroundCompaction(std::unique_lock<std::mutex>& lock);
  Status DoCompactionWork(Compaction* c, std::unique_lock<std::mutex>& lock);
  bool IdleMaintenanceDue();
  Status IdleMaintenance(std::unique_lock<std::mutex>& lock);
  SequenceNumber SmallestSnapshot();
  void RecordBackgroundError(const Status& s);

  const std::string dir_;
  kv::Options options_;  // with every optional setting resolved
  size_t write_buffer_size_;
  size_t memtable_size_;  // write_buffer_size_ / memtables_per_flush
  Env* env_;
  const InternalKeyComparator icmp_;
  std::unique_ptr<Cache> block_cache_;
  std::unique_ptr<TableCache> table_cache_;
  std::unique_ptr<VersionSet> versions_;
  std::unique_ptr<FileLock> db_lock_;

  std::mutex mu_;
  std::condition_variable bg_done_cv_;  // background work finished a step
  std::condition_variable work_cv_;     // background threads have something to do
  std::atomic<bool> shutting_down_{false};
  bool opened_ = false;
  bool closed_ = false;
  Status bg_error_;

  MemTable* mem_ = nullptr;
  // The write buffer still filling (under the current WAL) is filling_ and then mem_.
  std::vector<MemTable*> filling_;   // its full memtables, oldest first
  std::deque<SealedBuffer> sealed_;  // oldest first
  SuperVersion* super_version_ = nullptr;

  uint64_t wal_number_ = 0;
  std::unique_ptr<WritableFile> wal_file_;
  std::unique_ptr<WalWriter> wal_;
  std::deque<Writer*> writers_;
  WriteBatch group_batch_;

  std::set<uint64_t> pending_outputs_;
  std::shared_ptr<SnapshotRegistry> snapshots_;
  ManualCompaction* manual_compaction_ = nullptr;
  // Idle maintenance: when writes pause, flush the memtable and merge L0 into L1 once, so
  // that reads probe as few sorted runs as possible.
  uint64_t write_groups_ = 0;         // write groups committed
  uint64_t idle_done_at_groups_ = 0;  // write_groups_ when idle maintenance last ran
  uint64_t last_write_micros_ = 0;
  bool flush_running_ = false;
  bool compaction_running_ = false;
  std::thread flush_thread_;
  std::thread compaction_thread_;

  // Statistics.
  std::atomic<uint64_t> user_bytes_written_{0};
  std::atomic<uint64_t> wal_bytes_written_{0};  // of WALs already closed
  std::atomic<uint64_t> table_bytes_written_{0};
  std::atomic<uint64_t> stall_micros_{0};
  std::atomic<uint64_t> flushes_{0};
  std::atomic<uint64_t> compactions_{0};
};

}  // namespace strata::lsm
