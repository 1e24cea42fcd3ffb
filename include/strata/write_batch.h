// WriteBatch: a list of puts and deletes applied atomically by kv::Engine::Write.
//
// Encoding (also the WAL record payload of Strata's LSM, see docs/formats/wal.md):
//   sequence: fixed64 | count: fixed32 | record*
//   record := kTypeValue varint32(len) key varint32(len) value
//           | kTypeDeletion varint32(len) key
// Thread safety: not thread-safe; a batch is built by one thread, then handed to Write.
#pragma once

#include <cstdint>
#include <string>

#include "strata/slice.h"
#include "strata/status.h"

namespace strata {

class WriteBatch {
 public:
  // Receives the operations of a batch in order.
  class Handler {
   public:
    virtual ~Handler() = default;
    virtual void Put(const Slice& key, const Slice& value) = 0;
    virtual void Delete(const Slice& key) = 0;
  };

  static constexpr size_t kHeaderSize = 12;

  WriteBatch();

  void Put(const Slice& key, const Slice& value);
  void Delete(const Slice& key);
  void Clear();
  // Appends the operations of `other` after those of this batch.
  void Append(const WriteBatch& other);

  uint32_t Count() const;
  // Size of the encoded batch in bytes.
  size_t ApproximateSize() const { return rep_.size(); }
  // Bytes of keys and values the user asked to write (for write amplification).
  uint64_t UserBytes() const { return user_bytes_; }

  // Calls `handler` for each operation in order; Corruption if the encoding is damaged.
  Status Iterate(Handler* handler) const;

  // The encoded form; SetContents replaces it (Corruption if it is too short to be a batch).
  const std::string& Contents() const { return rep_; }
  Status SetContents(const Slice& contents);

  uint64_t Sequence() const;
  void SetSequence(uint64_t seq);

  enum ValueType : unsigned char { kTypeDeletion = 0x0, kTypeValue = 0x1 };

 private:
  std::string rep_;
  uint64_t user_bytes_ = 0;
};

}  // namespace strata
