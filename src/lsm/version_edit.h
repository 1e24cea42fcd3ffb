// VersionEdit: one change to the set of live tables, as recorded in the MANIFEST.
// See docs/formats/manifest.md for the encoding.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "lsm/dbformat.h"
#include "strata/status.h"

namespace strata::lsm {

constexpr int kNumLevels = 7;

struct FileMetaData {
  uint64_t number = 0;
  uint64_t file_size = 0;
  InternalKey smallest;
  InternalKey largest;
  uint64_t num_entries = 0;
  // Set while a compaction reads the file, so two compactions never share an input.
  bool being_compacted = false;
  int refs = 0;
};

class VersionEdit {
 public:
  void Clear() { *this = VersionEdit(); }

  void SetComparatorName(const Slice& name) {
    has_comparator_ = true;
    comparator_ = name.ToString();
  }
  void SetLogNumber(uint64_t num) {
    has_log_number_ = true;
    log_number_ = num;
  }
  void SetNextFile(uint64_t num) {
    has_next_file_number_ = true;
    next_file_number_ = num;
  }
  void SetLastSequence(SequenceNumber seq) {
    has_last_sequence_ = true;
    last_sequence_ = seq;
  }
  void SetCompactPointer(int level, const InternalKey& key) {
    compact_pointers_.emplace_back(level, key);
  }
  void AddFile(int level, const FileMetaData& f) { new_files_.emplace_back(level, f); }
  // A flushed memtable's table: LogAndApply places it (L0, or L1 when nothing overlaps it)
  // against the version it applies the edit to, so a concurrent compaction cannot make the
  // choice stale.
  void AddFlushedFile(const FileMetaData& f) { flushed_file_ = f; }
  void RemoveFile(int level, uint64_t file) { deleted_files_.emplace(level, file); }

  void EncodeTo(std::string* dst) const;
  Status DecodeFrom(const Slice& src);
  std::string DebugString() const;

 private:
  friend class VersionSet;
  friend class VersionBuilder;

  std::string comparator_;
  uint64_t log_number_ = 0;
  uint64_t next_file_number_ = 0;
  SequenceNumber last_sequence_ = 0;
  bool has_comparator_ = false;
  bool has_log_number_ = false;
  bool has_next_file_number_ = false;
  bool has_last_sequence_ = false;
  std::vector<std::pair<int, InternalKey>> compact_pointers_;
  std::set<std::pair<int, uint64_t>> deleted_files_;
  std::vector<std::pair<int, FileMetaData>> new_files_;
  std::optional<FileMetaData> flushed_file_;  // not encoded: resolved into new_files_
};

}  // namespace strata::lsm
