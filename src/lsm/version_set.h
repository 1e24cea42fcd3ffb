// Version: the tables live at one moment, per level. VersionSet: the chain of versions, the
// MANIFEST that records their edits, file numbering, and the choice of the next compaction.
//
// Thread safety: VersionSet methods require the engine mutex unless stated otherwise. A Version
// is immutable once installed; readers Ref() it under the mutex and may read it without.
#pragma once

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "lsm/dbformat.h"
#include "lsm/table_cache.h"
#include "lsm/version_edit.h"
#include "lsm/wal_writer.h"
#include "strata/kv.h"

namespace strata::lsm {

class VersionSet;
class Compaction;

class Version {
 public:
  // Looks key up in the tables, newest first. OK with *value, NotFound, or an error.
  // expect_found: kv::ReadOptions::expect_found.
  Status Get(bool fill_cache, const LookupKey& key, std::string* value, bool expect_found = false);
  // Get for every item not yet done, which it marks done with Get's status. The lookups that
  // reach one level go to Table::MultiGet as one batch, so their memory reads overlap.
  struct MultiGetItem {
    const LookupKey* key = nullptr;
    std::string* value = nullptr;
    Status status;
    bool done = false;
  };
  void MultiGet(bool fill_cache, std::span<MultiGetItem> items, bool expect_found = false);

  // What a scan may visit, in user keys. Files wholly outside [*lower, *upper) (nullptr:
  // unbounded) are left out; with a prefix (every key in the bounds has it as its filter
  // prefix, kv::PrefixExtractor::RangePrefixLength) so are files whose filter rules it out.
  struct ScanScope {
    const Slice* lower = nullptr;
    const Slice* upper = nullptr;
    Slice prefix;  // empty: none
  };
  // Appends iterators that together yield the version's contents within `scope` (L0 newest
  // first, then per deeper level one table iterator or one concatenating iterator).
  void AddIterators(bool fill_cache, const ScanScope& scope, std::vector<Iterator*>* iters);
  // A file that may hold entries within a scope, with its open table when its filter was
  // probed (null otherwise, or when it could not be opened: its reader reports the error).
  struct ScopedFile {
    int level = 0;
    FileMetaData* file = nullptr;
    std::shared_ptr<Table> table;
  };
  // The files that may hold entries within `scope`, newest first: L0 newest first, then by
  // level and key. With a prefix, the files' filters are probed together (each filter line
  // starts loading before any is read), so the probes' cache misses overlap.
  void FilesInScope(const ScanScope& scope, std::vector<ScopedFile>* out);

  // Files in `level` that overlap the user-key range [begin, end] (nullptr: unbounded).
  void GetOverlappingInputs(int level, const InternalKey* begin, const InternalKey* end,
                            std::vector<FileMetaData*>* inputs);
  bool OverlapInLevel(int level, const Slice* smallest_user_key, const Slice* largest_user_key);
  // The level a flushed memtable covering [smallest, largest] may be placed in directly.
  int PickLevelForMemTableOutput(const Slice& smallest_user_key, const Slice& largest_user_key);

  int NumFiles(int level) const { return static_cast<int>(files_[level].size()); }
  uint64_t NumLevelBytes(int level) const;
  // The level whose filters kv::ReadOptions::expect_found skips: the deepest one holding files,
  // below level 0 (whose files overlap); -1 when there is none or the hint is off.
  int UnfilteredLevel(bool expect_found) const;
  const std::vector<FileMetaData*>& files(int level) const { return files_[level]; }

  void Ref() { ++refs_; }
  void Unref();  // REQUIRES: the engine mutex

  std::string DebugString() const;

 private:
  friend class VersionSet;
  friend class VersionBuilder;
  friend class Compaction;
  explicit Version(VersionSet* vset) : vset_(vset) {}
  ~Version();

  Iterator* NewConcatenatingIterator(bool fill_cache, std::vector<FileMetaData*> files) const;
  // An iterator over file f, through `table` when it is already open.
  Iterator* NewTableIterator(bool fill_cache, const FileMetaData* f,
                             std::shared_ptr<Table> table) const;

  VersionSet* vset_;
  Version* next_ = this;  // the versions form a circular list, for finding live files
  Version* prev_ = this;
  int refs_ = 0;
  std::vector<FileMetaData*> files_[kNumLevels];
  // Set by VersionSet::Finalize: the level most in need of compaction and its score (>= 1).
  double compaction_score_ = -1;
  int compaction_level_ = -1;
};

// Adds to `inputs` (files of one level, `level_files`) each file that continues the user key
// the inputs end with: tables written before compactions kept a key's versions in one file may
// split them, and compacting the newer part alone would leave the older above it.
void AddBoundaryInputs(const InternalKeyComparator& icmp,
                       const std::vector<FileMetaData*>& level_files,
                       std::vector<FileMetaData*>* inputs);

class VersionSet {
 public:
  VersionSet(std::string dir, const kv::Options* options, TableCache* table_cache,
             const InternalKeyComparator* icmp);
  VersionSet(const VersionSet&) = delete;
  VersionSet& operator=(const VersionSet&) = delete;
  ~VersionSet();

  // Writes `edit` to the MANIFEST and installs the resulting version. Releases *lock while
  // writing; concurrent callers are serialized.
  Status LogAndApply(VersionEdit* edit, std::unique_lock<std::mutex>* lock);

  // Reads CURRENT and the MANIFEST it names.
  Status Recover();
  // Writes the current state to a fresh MANIFEST and points CURRENT at it (done at open).
  Status WriteSnapshotManifest();

  Version* current() const { return current_; }
  uint64_t NewFileNumber() { return next_file_number_++; }
  void MarkFileNumberUsed(uint64_t number) {
    if (next_file_number_ <= number) next_file_number_ = number + 1;
  }
  uint64_t ManifestFileNumber() const { return manifest_file_number_; }
  uint64_t LogNumber() const { return log_number_; }

  // May be read without the mutex.
  SequenceNumber LastSequence() const { return last_sequence_.load(std::memory_order_acquire); }
  void SetLastSequence(SequenceNumber s) { last_sequence_.store(s, std::memory_order_release); }

  // The next compaction to run, or nullptr.
  std::unique_ptr<Compaction> PickCompaction();
  // A compaction of the range [begin, end] in `level` (manual compaction), or nullptr.
  std::unique_ptr<Compaction> CompactRange(int level, const InternalKey* begin,
                                           const InternalKey* end);
  // An iterator over the inputs of `c`.
  Iterator* MakeInputIterator(Compaction* c);
  bool NeedsCompaction() const { return current_->compaction_score_ >= 1; }

  // Every file number referenced by some live version.
  void AddLiveFiles(std::set<uint64_t>* live) const;

  uint64_t MaxBytesForLevel(int level) const;
  uint64_t PendingCompactionBytes() const;
  uint64_t ManifestBytesWritten() const { return manifest_bytes_written_; }
  const InternalKeyComparator* icmp() const { return icmp_; }
  const kv::Options* options() const { return options_; }

 private:
  friend class Version;
  friend class Compaction;
  friend class VersionBuilder;

  void AppendVersion(Version* v);
  void Finalize(Version* v);
  void SetupOtherInputs(Compaction* c);
  Status WriteSnapshot(WalWriter* log, uint64_t* bytes);

  const std::string dir_;
  Env* const env_;
  const kv::Options* const options_;
  TableCache* const table_cache_;
  const InternalKeyComparator* const icmp_;

  uint64_t next_file_number_ = 2;
  uint64_t manifest_file_number_ = 0;
  uint64_t log_number_ = 0;
  std::atomic<SequenceNumber> last_sequence_{0};

  std::unique_ptr<WritableFile> manifest_file_;
  std::unique_ptr<WalWriter> manifest_log_;
  uint64_t manifest_bytes_written_ = 0;
  bool manifest_busy_ = false;
  std::condition_variable manifest_cv_;

  Version dummy_versions_{this};  // head of the circular list of versions
  Version* current_ = nullptr;
  // Where the next compaction of each level starts (round robin through the key space).
  std::string compact_pointer_[kNumLevels];
};

// A compaction: inputs from `level` and `level + 1`, output to `level + 1`.
class Compaction {
 public:
  // REQUIRES: ReleaseInputs() was called (under the engine mutex).
  ~Compaction() = default;
  // Drops the reference to the input version. REQUIRES: the engine mutex.
  void ReleaseInputs();
  int level() const { return level_; }
  int output_level() const { return level_ + 1; }
  const std::vector<FileMetaData*>& inputs(int which) const { return inputs_[which]; }
  int num_input_files(int which) const { return static_cast<int>(inputs_[which].size()); }
  FileMetaData* input(int which, int i) const { return inputs_[which][i]; }
  uint64_t MaxOutputFileSize() const { return max_output_file_size_; }
  VersionEdit* edit() { return &edit_; }

  // A single input file that can move down a level without being rewritten.
  bool IsTrivialMove() const;
  // Adds the removal of every input to edit().
  void AddInputDeletions();
  // True when no level below the output holds user_key (so a tombstone can be dropped).
  // Calls must come in increasing key order.
  bool IsBaseLevelForKey(const Slice& user_key);
  // True when the current output should be closed before `internal_key` because it would
  // overlap too much of the level below the output.
  bool ShouldStopBefore(const Slice& internal_key);

 private:
  friend class VersionSet;
  Compaction(const kv::Options* options, int level, Version* input_version);

  int level_;
  uint64_t max_output_file_size_;
  uint64_t max_grandparent_overlap_;
  Version* input_version_;
  VersionEdit edit_;
  std::vector<FileMetaData*> inputs_[2];
  std::vector<FileMetaData*> grandparents_;
  size_t grandparent_index_ = 0;
  bool seen_key_ = false;
  uint64_t overlapped_bytes_ = 0;
  size_t level_ptrs_[kNumLevels] = {};
};

}  // namespace strata::lsm
