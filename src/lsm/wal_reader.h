// WalReader: reads the records of a write-ahead log written by WalWriter
// (format: docs/formats/wal.md).
//
// How a log can end, and what the reader does:
//  - cleanly, after a complete record: ReadRecord returns false.
//  - in a torn record (a crash in the middle of an append: a header or a fragment cut short by
//    the end of the file, or a multi-fragment record whose last fragment is missing): the
//    partial record is dropped silently and TailDropped() is true. Zero-filled space at the end
//    and fragments of another log (stale data; the log number differs) end the log the same way.
//  - damaged bytes (a checksum or length that cannot be right, zeros followed by valid data, a
//    fragment out of sequence): reported to the Reporter with the byte offset, and the reader
//    resyncs at the next block. CorruptionInMiddle() then says whether valid data of this log
//    followed the damage, which a torn tail cannot explain.
//
// Recovery (the engine): read until ReadRecord returns false; then check status() (an I/O error
// is not a damaged log) and CorruptionInMiddle() (refuse to open in paranoid mode; otherwise the
// records returned are all that can be had). CorruptionReported() alone, without data after it,
// is the kind of damage a crash during a write can leave at the tail.
//
// Thread safety: not thread-safe. The reader borrows `file` and `reporter`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "env/env.h"
#include "lsm/wal_writer.h"
#include "strata/slice.h"
#include "strata/status.h"

namespace strata::lsm {

class WalReader {
 public:
  // Receives the damaged regions of a log.
  class Reporter {
   public:
    virtual ~Reporter() = default;
    // `bytes` bytes were dropped; the message of `reason` names the byte offset in the file.
    // Also called (with an IOError) when the file cannot be read.
    virtual void Corruption(size_t bytes, const Status& reason) = 0;
  };

  // Reads `file` from `initial_offset` on: the first record returned is the first one that
  // starts at or after that offset. `log_number` must be the one the writer was given; records
  // of any other log end the log. With `checksum` false, checksums are not verified.
  // `reporter` may be null.
  WalReader(SequentialFile* file, Reporter* reporter, bool checksum, uint64_t log_number,
            uint64_t initial_offset = 0);

  WalReader(const WalReader&) = delete;
  WalReader& operator=(const WalReader&) = delete;

  // Reads the next record into *record, which stays valid until the next call or until
  // *scratch changes (it may point into *scratch). False at the end of the log.
  bool ReadRecord(Slice* record, std::string* scratch);

  // The file offset of the first fragment of the record last returned by ReadRecord.
  uint64_t LastRecordOffset() const { return last_record_offset_; }
  // The file offset just past the record last returned (where valid data ends so far).
  uint64_t EndOfLastRecord() const { return end_of_last_record_; }

  // Any damage reported to the Reporter (not counting I/O errors).
  bool CorruptionReported() const { return corruption_reported_; }
  // A valid fragment of this log came after reported damage: the damage is not a torn tail.
  bool CorruptionInMiddle() const { return corruption_in_middle_; }
  // Bytes reported as damaged.
  uint64_t CorruptedBytes() const { return corrupted_bytes_; }
  // The log ended in a torn record, zero-filled space or another log's data (not reported).
  bool TailDropped() const { return tail_dropped_; }
  // The first error reading the file; OK when the log was read to its end.
  const Status& status() const { return status_; }

 private:
  // ReadPhysicalRecord's results besides the fragment types.
  enum : unsigned int {
    kEof = wal::kMaxRecordType + 1,
    // A bad fragment (reported) or zeros.
    kBadRecord = wal::kMaxRecordType + 2,
    // A fragment that starts before initial_offset_.
    kSkipped = wal::kMaxRecordType + 3,
  };

  bool SkipToInitialBlock();
  // Fills buffer_ with the next block; sets eof_ on a short block.
  Status ReadBlock();
  unsigned int ReadPhysicalRecord(Slice* result);
  // Reports `bytes` damaged bytes starting at file offset `offset`.
  void ReportCorruption(size_t bytes, uint64_t offset, const std::string& reason);
  void ReportDrop(size_t bytes, uint64_t offset, const Status& reason);
  // The file offset of the first byte still in buffer_.
  uint64_t BufferOffset() const { return end_of_buffer_offset_ - buffer_.size(); }

  SequentialFile* const file_;
  Reporter* const reporter_;
  const bool checksum_;
  const uint32_t log_number_;
  const uint64_t initial_offset_;
  std::unique_ptr<char[]> backing_store_;
  Slice buffer_;      // the unread part of the current block
  bool eof_ = false;  // the last block of the file is in buffer_ (or the log ended early)
  uint64_t end_of_buffer_offset_ = 0;  // file offset just past buffer_
  uint64_t last_record_offset_ = 0;
  uint64_t end_of_last_record_ = 0;
  // Skipping fragments of a record that began before initial_offset_.
  bool resyncing_;

  // Zero-filled space seen but not yet reported: only damage if valid data follows it.
  uint64_t pending_zero_offset_ = 0;
  uint64_t pending_zero_bytes_ = 0;

  bool corruption_reported_ = false;
  bool corruption_in_middle_ = false;
  uint64_t corrupted_bytes_ = 0;
  bool tail_dropped_ = false;
  Status status_;
};

}  // namespace strata::lsm
