#include "lsm/wal_writer.h"

#include <algorithm>
#include <cassert>

#include "base/coding.h"
#include "base/hash.h"

namespace strata::lsm {

WalWriter::WalWriter(WritableFile* dest, uint64_t log_number, uint64_t initial_length)
    : dest_(dest),
      log_number_(wal::StoredLogNumber(log_number)),
      block_offset_(initial_length % wal::kBlockSize),
      bytes_written_(initial_length) {}

Status WalWriter::AddRecord(const Slice& payload) {
  if (!error_.ok()) return error_;
  const char* ptr = payload.data();
  size_t left = payload.size();
  size_t block_offset = block_offset_;
  buffer_.clear();

  // An empty payload still produces one (empty) FULL fragment, so it round-trips.
  bool begin = true;
  do {
    const size_t leftover = wal::kBlockSize - block_offset;
    if (leftover < wal::kHeaderSize) {
      // Too small for a header: zero-fill the trailer; the reader skips it.
      buffer_.append(leftover, '\0');
      block_offset = 0;
    }
    const size_t avail = wal::kBlockSize - block_offset - wal::kHeaderSize;
    const size_t fragment_length = std::min(left, avail);
    const bool end = (left == fragment_length);
    wal::RecordType type;
    if (begin && end) {
      type = wal::kFullType;
    } else if (begin) {
      type = wal::kFirstType;
    } else if (end) {
      type = wal::kLastType;
    } else {
      type = wal::kMiddleType;
    }
    AppendFragment(type, ptr, fragment_length);
    block_offset += wal::kHeaderSize + fragment_length;
    ptr += fragment_length;
    left -= fragment_length;
    begin = false;
  } while (left > 0);

  // One Append per record: a crash tears at most the record being written.
  Status s = dest_->Append(buffer_);
  if (s.ok()) s = dest_->Flush();
  if (!s.ok()) {
    error_ = s;
    return s;
  }
  block_offset_ = block_offset;
  bytes_written_ += buffer_.size();
  return s;
}

void WalWriter::AppendFragment(wal::RecordType type, const char* data, size_t length) {
  assert(length <= wal::kMaxFragmentSize);
  char header[wal::kHeaderSize];
  header[4] = static_cast<char>(length & 0xff);
  header[5] = static_cast<char>(length >> 8);
  header[6] = static_cast<char>(type);
  EncodeFixed32(header + 7, log_number_);
  // Type and log number are adjacent (bytes 6..10), so one call covers them and the payload.
  EncodeFixed32(header, Checksum32(header + 6, 5, data, length));
  buffer_.append(header, wal::kHeaderSize);
  buffer_.append(data, length);
}

}  // namespace strata::lsm
