#include "lsm/wal_reader.h"

#include <cstring>

#include "base/coding.h"
#include "base/hash.h"

namespace strata::lsm {

namespace {

// True when [p, p + n) holds, at any offset, an intact fragment of log `log_number` (a known
// type, the right log number, a length inside the range, a matching checksum). Used after damage
// that could pass for a torn tail: an intact fragment behind it proves it is not one.
bool HasIntactFragment(const char* p, size_t n, uint32_t log_number) {
  for (size_t i = 0; i + wal::kHeaderSize <= n; i++) {
    const char* header = p + i;
    const unsigned int type = static_cast<uint8_t>(header[6]);
    if (type == wal::kZeroType || type > wal::kMaxRecordType) continue;
    if (DecodeFixed32(header + 7) != log_number) continue;
    const uint32_t length = static_cast<uint8_t>(header[4]) |
                            (static_cast<uint32_t>(static_cast<uint8_t>(header[5])) << 8);
    if (length > n - i - wal::kHeaderSize) continue;
    if (Checksum32(header + 6, 5, header + wal::kHeaderSize, length) == DecodeFixed32(header)) {
      return true;
    }
  }
  return false;
}

}  // namespace

WalReader::WalReader(SequentialFile* file, Reporter* reporter, bool checksum, uint64_t log_number,
                     uint64_t initial_offset)
    : file_(file),
      reporter_(reporter),
      checksum_(checksum),
      log_number_(wal::StoredLogNumber(log_number)),
      initial_offset_(initial_offset),
      backing_store_(new char[wal::kBlockSize]),
      resyncing_(initial_offset > 0) {}

bool WalReader::SkipToInitialBlock() {
  const uint64_t offset_in_block = initial_offset_ % wal::kBlockSize;
  uint64_t block_start = initial_offset_ - offset_in_block;
  // An offset inside a block trailer means the record starts in the next block.
  if (offset_in_block > wal::kBlockSize - wal::kHeaderSize) block_start += wal::kBlockSize;
  end_of_buffer_offset_ = block_start;
  if (block_start > 0) {
    Status s = file_->Skip(block_start);
    if (!s.ok()) {
      ReportDrop(block_start, 0, s);
      return false;
    }
  }
  return true;
}

bool WalReader::ReadRecord(Slice* record, std::string* scratch) {
  if (last_record_offset_ < initial_offset_) {
    if (!SkipToInitialBlock()) return false;
  }
  scratch->clear();
  record->clear();
  bool in_fragmented_record = false;
  // The offset of the record being assembled.
  uint64_t prospective_record_offset = 0;

  Slice fragment;
  while (true) {
    const unsigned int record_type = ReadPhysicalRecord(&fragment);
    // Meaningful only for the fragment types.
    const uint64_t physical_record_offset = BufferOffset() - wal::kHeaderSize - fragment.size();

    if (record_type == kSkipped) {
      // Also skip the rest of a record that starts before initial_offset_.
      resyncing_ = true;
      continue;
    }
    if (resyncing_) {
      if (record_type == wal::kMiddleType) continue;
      if (record_type == wal::kLastType) {
        resyncing_ = false;
        continue;
      }
      resyncing_ = false;
    }

    switch (record_type) {
      case wal::kFullType:
        if (in_fragmented_record && !scratch->empty()) {
          ReportCorruption(scratch->size(), prospective_record_offset,
                           "partial record without end (followed by a FULL fragment)");
        }
        scratch->clear();
        *record = fragment;
        last_record_offset_ = physical_record_offset;
        end_of_last_record_ = BufferOffset();
        return true;

      case wal::kFirstType:
        if (in_fragmented_record && !scratch->empty()) {
          ReportCorruption(scratch->size(), prospective_record_offset,
                           "partial record without end (followed by a FIRST fragment)");
        }
        prospective_record_offset = physical_record_offset;
        scratch->assign(fragment.data(), fragment.size());
        in_fragmented_record = true;
        break;

      case wal::kMiddleType:
        if (!in_fragmented_record) {
          ReportCorruption(fragment.size(), physical_record_offset,
                           "MIDDLE fragment without a FIRST fragment");
        } else {
          scratch->append(fragment.data(), fragment.size());
        }
        break;

      case wal::kLastType:
        if (!in_fragmented_record) {
          ReportCorruption(fragment.size(), physical_record_offset,
                           "LAST fragment without a FIRST fragment");
        } else {
          scratch->append(fragment.data(), fragment.size());
          *record = Slice(*scratch);
          last_record_offset_ = prospective_record_offset;
          end_of_last_record_ = BufferOffset();
          return true;
        }
        break;

      case kEof:
        if (in_fragmented_record) {
          // The writer died before the last fragment: a torn record, not damage.
          tail_dropped_ = true;
          scratch->clear();
        }
        return false;

      case kBadRecord:
        if (in_fragmented_record) {
          ReportCorruption(scratch->size(), prospective_record_offset,
                           "damaged fragment in the middle of a record");
          in_fragmented_record = false;
          scratch->clear();
        }
        break;

      default:
        ReportCorruption(fragment.size() + (in_fragmented_record ? scratch->size() : 0),
                         physical_record_offset,
                         "unknown fragment type " + std::to_string(record_type));
        in_fragmented_record = false;
        scratch->clear();
        break;
    }
  }
}

Status WalReader::ReadBlock() {
  char* store = backing_store_.get();
  size_t got = 0;
  buffer_.clear();
  // Files may return fewer bytes than asked before their end: only an empty read is the end.
  while (got < wal::kBlockSize) {
    Slice part;
    STRATA_RETURN_IF_ERROR(file_->Read(wal::kBlockSize - got, &part, store + got));
    if (part.empty()) break;
    if (part.data() != store + got) memmove(store + got, part.data(), part.size());
    got += part.size();
  }
  buffer_ = Slice(store, got);
  end_of_buffer_offset_ += got;
  if (got < wal::kBlockSize) eof_ = true;
  return Status::OK();
}

unsigned int WalReader::ReadPhysicalRecord(Slice* result) {
  result->clear();
  while (true) {
    if (buffer_.size() < wal::kHeaderSize) {
      if (!eof_) {
        // Skip the block trailer (or nothing) and read the next block.
        Status s = ReadBlock();
        if (!s.ok()) {
          ReportDrop(wal::kBlockSize, end_of_buffer_offset_, s);
          buffer_.clear();
          eof_ = true;
          return kEof;
        }
        continue;
      }
      // A header cut short by the end of the file: the writer died mid-append.
      if (!buffer_.empty() || pending_zero_bytes_ > 0) tail_dropped_ = true;
      buffer_.clear();
      return kEof;
    }

    const char* header = buffer_.data();
    const uint32_t length = static_cast<uint8_t>(header[4]) |
                            (static_cast<uint32_t>(static_cast<uint8_t>(header[5])) << 8);
    const unsigned int type = static_cast<uint8_t>(header[6]);
    const uint64_t offset = BufferOffset();

    if (type == wal::kZeroType && length == 0) {
      // Zero-filled space: preallocation, or a file system that grew the file in a crash
      // before the data arrived. Damage only if valid data follows (reported then).
      if (pending_zero_bytes_ == 0) pending_zero_offset_ = offset;
      pending_zero_bytes_ += buffer_.size();
      buffer_.clear();
      return kBadRecord;
    }

    if (wal::kHeaderSize + length > buffer_.size()) {
      const size_t drop = buffer_.size();
      const size_t offset_in_block = buffer_.data() - backing_store_.get();
      // Intact data after this header proves the length damaged (not a torn append).
      const bool intact_after = checksum_ && HasIntactFragment(header + 1, drop - 1, log_number_);
      buffer_.clear();
      if (eof_ && !intact_after && offset_in_block + wal::kHeaderSize + length <= wal::kBlockSize) {
        // The fragment would fit in its block: the file ends inside it (a torn append).
        tail_dropped_ = true;
        return kEof;
      }
      ReportCorruption(drop, offset, "bad fragment length " + std::to_string(length));
      if (intact_after) corruption_in_middle_ = true;
      return kBadRecord;
    }

    if (checksum_) {
      const uint32_t expected = DecodeFixed32(header);
      const uint32_t actual = Checksum32(header + 6, 5, header + wal::kHeaderSize, length);
      if (actual != expected) {
        // The length may be the damaged field, so nothing else in this block can be trusted.
        const size_t drop = buffer_.size();
        // A torn append leaves nothing intact behind it; intact data after the damage in this
        // (possibly last) block means the damage is in the middle of the log.
        const bool intact_after = HasIntactFragment(header + 1, drop - 1, log_number_);
        buffer_.clear();
        ReportCorruption(drop, offset, "checksum mismatch");
        if (intact_after) corruption_in_middle_ = true;
        return kBadRecord;
      }
    }
    buffer_.remove_prefix(wal::kHeaderSize + length);

    if (DecodeFixed32(header + 7) != log_number_) {
      // An intact fragment of another log (a recycled file, or stale blocks): this log ends.
      tail_dropped_ = true;
      buffer_.clear();
      eof_ = true;
      return kEof;
    }

    // A valid fragment: whatever damage came before it was not a torn tail.
    if (pending_zero_bytes_ > 0) {
      const uint64_t zeros = pending_zero_bytes_;
      pending_zero_bytes_ = 0;
      ReportCorruption(zeros, pending_zero_offset_, "zero-filled region followed by valid data");
    }
    if (corruption_reported_) corruption_in_middle_ = true;

    // Skip fragments of records that start before initial_offset_.
    if (offset < initial_offset_) return kSkipped;

    *result = Slice(header + wal::kHeaderSize, length);
    return type;
  }
}

void WalReader::ReportCorruption(size_t bytes, uint64_t offset, const std::string& reason) {
  corruption_reported_ = true;
  corrupted_bytes_ += bytes;
  ReportDrop(bytes, offset,
             Status::Corruption(reason + " at offset " + std::to_string(offset) + " in the WAL"));
}

void WalReader::ReportDrop(size_t bytes, uint64_t offset, const Status& reason) {
  if (!reason.IsCorruption() && status_.ok()) status_ = reason;
  // Damage before initial_offset_ is none of the caller's business.
  if (reporter_ != nullptr && offset + bytes > initial_offset_) {
    reporter_->Corruption(bytes, reason);
  }
}

}  // namespace strata::lsm
