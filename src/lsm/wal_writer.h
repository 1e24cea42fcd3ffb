// WalWriter: appends records to a write-ahead log file (format: docs/formats/wal.md).
//
// The file is a sequence of 32 KiB blocks. A record is split into fragments so that no fragment
// crosses a block boundary; each fragment carries an 11-byte header
//   checksum fixed32 | length fixed16 | type byte | log number fixed32
// followed by `length` bytes of payload. The checksum covers type, log number and payload, so a
// fragment left in the file by an earlier log (a recycled file, or stale blocks a file system
// exposes after a crash) is rejected by the reader even though its own checksum is intact.
//
// Thread safety: not thread-safe; the engine serializes writers. The writer borrows `dest`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "env/env.h"
#include "strata/slice.h"
#include "strata/status.h"

namespace strata::lsm {

namespace wal {

constexpr size_t kBlockSize = 32768;
// checksum (4) + length (2) + type (1) + log number (4).
constexpr size_t kHeaderSize = 4 + 2 + 1 + 4;
// The largest payload a single fragment can carry.
constexpr size_t kMaxFragmentSize = kBlockSize - kHeaderSize;

enum RecordType : unsigned char {
  // Never written: a header of zeros is preallocated or zero-filled space.
  kZeroType = 0,
  kFullType = 1,
  // Fragments of a record that spans blocks.
  kFirstType = 2,
  kMiddleType = 3,
  kLastType = 4,
};
constexpr unsigned char kMaxRecordType = kLastType;

// The log number as stored in a header: its low 32 bits.
inline uint32_t StoredLogNumber(uint64_t log_number) { return static_cast<uint32_t>(log_number); }

}  // namespace wal

class WalWriter {
 public:
  // Writes to `dest`, which holds `initial_length` bytes already (non-zero when appending to an
  // existing log written with the same `log_number`). `log_number` is the number of the log file;
  // the reader must be given the same one.
  WalWriter(WritableFile* dest, uint64_t log_number, uint64_t initial_length = 0);

  WalWriter(const WalWriter&) = delete;
  WalWriter& operator=(const WalWriter&) = delete;

  // Appends `payload` as one record, then Flush()es it to the operating system so that a process
  // crash keeps it. Durability against a machine crash needs the caller's dest->Sync().
  // Errors are sticky: after a failed Append or Flush the file may end in a partial record, so
  // every later call returns the first error; the engine should switch to a new log file.
  Status AddRecord(const Slice& payload);

  // The length of the log file as this writer sees it (initial_length + bytes appended).
  uint64_t BytesWritten() const { return bytes_written_; }

 private:
  // Appends one fragment (header + data) to buffer_.
  void AppendFragment(wal::RecordType type, const char* data, size_t length);

  WritableFile* const dest_;
  const uint32_t log_number_;
  size_t block_offset_;  // position inside the current block
  uint64_t bytes_written_;
  Status error_;
  std::string buffer_;  // the record being written, reused across calls
};

}  // namespace strata::lsm
