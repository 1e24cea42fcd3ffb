#include "strata/write_batch.h"

#include "base/coding.h"

namespace strata {

WriteBatch::WriteBatch() { Clear(); }

void WriteBatch::Clear() {
  rep_.assign(kHeaderSize, '\0');
  user_bytes_ = 0;
}

uint32_t WriteBatch::Count() const { return DecodeFixed32(rep_.data() + 8); }
uint64_t WriteBatch::Sequence() const { return DecodeFixed64(rep_.data()); }
void WriteBatch::SetSequence(uint64_t seq) { EncodeFixed64(&rep_[0], seq); }

void WriteBatch::Put(const Slice& key, const Slice& value) {
  EncodeFixed32(&rep_[8], Count() + 1);
  rep_.push_back(static_cast<char>(kTypeValue));
  PutLengthPrefixedSlice(&rep_, key);
  PutLengthPrefixedSlice(&rep_, value);
  user_bytes_ += key.size() + value.size();
}

void WriteBatch::Delete(const Slice& key) {
  EncodeFixed32(&rep_[8], Count() + 1);
  rep_.push_back(static_cast<char>(kTypeDeletion));
  PutLengthPrefixedSlice(&rep_, key);
  user_bytes_ += key.size();
}

void WriteBatch::Append(const WriteBatch& other) {
  EncodeFixed32(&rep_[8], Count() + other.Count());
  rep_.append(other.rep_.data() + kHeaderSize, other.rep_.size() - kHeaderSize);
  user_bytes_ += other.user_bytes_;
}

Status WriteBatch::SetContents(const Slice& contents) {
  if (contents.size() < kHeaderSize) {
    return Status::Corruption("write batch shorter than its 12-byte header");
  }
  rep_.assign(contents.data(), contents.size());
  user_bytes_ = 0;
  return Status::OK();
}

Status WriteBatch::Iterate(Handler* handler) const {
  Slice input(rep_);
  if (input.size() < kHeaderSize) return Status::Corruption("write batch too small");
  input.remove_prefix(kHeaderSize);
  Slice key, value;
  uint32_t found = 0;
  while (!input.empty()) {
    const size_t offset = rep_.size() - input.size();
    char tag = input[0];
    input.remove_prefix(1);
    switch (tag) {
      case kTypeValue:
        if (!GetLengthPrefixedSlice(&input, &key) || !GetLengthPrefixedSlice(&input, &value)) {
          return Status::Corruption("bad Put record in write batch at byte " +
                                    std::to_string(offset));
        }
        handler->Put(key, value);
        break;
      case kTypeDeletion:
        if (!GetLengthPrefixedSlice(&input, &key)) {
          return Status::Corruption("bad Delete record in write batch at byte " +
                                    std::to_string(offset));
        }
        handler->Delete(key);
        break;
      default:
        return Status::Corruption("unknown record type " + std::to_string(tag & 0xff) +
                                  " in write batch at byte " + std::to_string(offset));
    }
    found++;
  }
  if (found != Count()) {
    return Status::Corruption("write batch holds " + std::to_string(found) +
                              " records but its header says " + std::to_string(Count()));
  }
  return Status::OK();
}

}  // namespace strata
