// Internal keys of the LSM engine: user_key | fixed64(sequence << 8 | type).
// Ordered by user key ascending, then sequence descending, so the newest version comes first.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>

#include "base/coding.h"
#include "base/comparator.h"
#include "strata/kv.h"
#include "strata/slice.h"

namespace strata::lsm {

enum ValueType : unsigned char { kTypeDeletion = 0x0, kTypeValue = 0x1 };
// Seeks use the highest type so that a lookup key sorts before every entry of its sequence.
constexpr ValueType kValueTypeForSeek = kTypeValue;

using SequenceNumber = uint64_t;
constexpr SequenceNumber kMaxSequenceNumber = (1ull << 56) - 1;

inline uint64_t PackSequenceAndType(SequenceNumber seq, ValueType t) { return (seq << 8) | t; }

// The bytes that stand for `user_key` in bloom filters: its prefix under `px`, else itself.
inline Slice FilterKeyOf(const kv::PrefixExtractor* px, const Slice& user_key) {
  if (px == nullptr) return user_key;
  const size_t n = px->PrefixLength(user_key);
  return n == 0 || n > user_key.size() ? user_key : Slice(user_key.data(), n);
}

inline Slice ExtractUserKey(const Slice& internal_key) {
  return Slice(internal_key.data(), internal_key.size() - 8);
}

struct ParsedInternalKey {
  Slice user_key;
  SequenceNumber sequence = 0;
  ValueType type = kTypeValue;
};

inline bool ParseInternalKey(const Slice& internal_key, ParsedInternalKey* result) {
  const size_t n = internal_key.size();
  if (n < 8) return false;
  uint64_t num = DecodeFixed64(internal_key.data() + n - 8);
  unsigned char c = num & 0xff;
  result->sequence = num >> 8;
  result->type = static_cast<ValueType>(c);
  result->user_key = Slice(internal_key.data(), n - 8);
  return c <= static_cast<unsigned char>(kTypeValue);
}

inline void AppendInternalKey(std::string* result, const Slice& user_key, SequenceNumber seq,
                              ValueType t) {
  result->append(user_key.data(), user_key.size());
  PutFixed64(result, PackSequenceAndType(seq, t));
}

// Bytewise order of a and b (like Slice::compare), eight bytes at a time for short keys: most
// keys are short, and a call to memcmp cost more than the compare itself on the read path.
inline int CompareBytewise(const Slice& a, const Slice& b) {
  const size_t n = a.size() < b.size() ? a.size() : b.size();
  if (n > 32) {
    const int r = memcmp(a.data(), b.data(), n);
    if (r != 0) return r;
  } else {
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
      uint64_t x, y;
      memcpy(&x, a.data() + i, 8);
      memcpy(&y, b.data() + i, 8);
      if (x != y) return __builtin_bswap64(x) < __builtin_bswap64(y) ? -1 : 1;
    }
    for (; i < n; i++) {
      const uint8_t x = static_cast<uint8_t>(a[i]), y = static_cast<uint8_t>(b[i]);
      if (x != y) return x < y ? -1 : 1;
    }
  }
  return a.size() < b.size() ? -1 : (a.size() > b.size() ? 1 : 0);
}

// Orders internal keys. The engine orders user keys bytewise (the user comparator is kept for
// its name and key-shortening), so the hot comparison is CompareBytewise, inline.
class InternalKeyComparator final : public Comparator {
 public:
  explicit InternalKeyComparator(const Comparator* user) : user_(user) {}
  int Compare(const Slice& a, const Slice& b) const override { return CompareKeys(a, b); }
  static int CompareKeys(const Slice& a, const Slice& b) {
    int r = CompareBytewise(ExtractUserKey(a), ExtractUserKey(b));
    if (r == 0) {
      const uint64_t anum = DecodeFixed64(a.data() + a.size() - 8);
      const uint64_t bnum = DecodeFixed64(b.data() + b.size() - 8);
      if (anum > bnum) return -1;
      if (anum < bnum) return 1;
    }
    return r;
  }
  const char* Name() const override { return "strata.InternalKeyComparator"; }
  void FindShortestSeparator(std::string* start, const Slice& limit) const override;
  void FindShortSuccessor(std::string* key) const override;
  const Comparator* user_comparator() const { return user_; }

 private:
  const Comparator* user_;
};

// An internal key held by value (file boundaries in the MANIFEST).
class InternalKey {
 public:
  InternalKey() = default;
  InternalKey(const Slice& user_key, SequenceNumber s, ValueType t) {
    AppendInternalKey(&rep_, user_key, s, t);
  }
  void DecodeFrom(const Slice& s) { rep_.assign(s.data(), s.size()); }
  Slice Encode() const { return rep_; }
  Slice user_key() const { return ExtractUserKey(rep_); }
  bool empty() const { return rep_.empty(); }
  void Clear() { rep_.clear(); }

 private:
  std::string rep_;
};

// A key for lookups in a memtable (varint length-prefixed internal key) and in tables.
class LookupKey {
 public:
  LookupKey(const Slice& user_key, SequenceNumber sequence);
  LookupKey(const LookupKey&) = delete;
  LookupKey& operator=(const LookupKey&) = delete;
  ~LookupKey() {
    if (start_ != space_) delete[] start_;
  }
  Slice memtable_key() const { return Slice(start_, end_ - start_); }
  Slice internal_key() const { return Slice(kstart_, end_ - kstart_); }
  Slice user_key() const { return Slice(kstart_, end_ - kstart_ - 8); }

 private:
  const char* start_;
  const char* kstart_;
  const char* end_;
  char space_[200];
};

}  // namespace strata::lsm
