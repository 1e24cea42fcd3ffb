// Internals of the binary document format shared by the encoder, the validator and the view
// (layout: docs/formats/documents.md). The unchecked readers here trust bytes that
// DocView::Open / DecodeDocument already validated.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

#include "base/coding.h"
#include "strata/value.h"

namespace strata::codec::document_internal {

// Containers with at least this many entries carry an offset table (arrays: index order;
// objects: sorted by name) so that a lookup is O(1) / O(log n) instead of a scan.
inline constexpr uint64_t kIndexedMinEntries = 16;

// The type byte of an element is the ValueType code (MongoDB's $type numbers).
inline constexpr uint8_t kTypeDouble = static_cast<uint8_t>(ValueType::kDouble);
inline constexpr uint8_t kTypeString = static_cast<uint8_t>(ValueType::kString);
inline constexpr uint8_t kTypeObject = static_cast<uint8_t>(ValueType::kObject);
inline constexpr uint8_t kTypeArray = static_cast<uint8_t>(ValueType::kArray);
inline constexpr uint8_t kTypeBinary = static_cast<uint8_t>(ValueType::kBinary);
inline constexpr uint8_t kTypeBool = static_cast<uint8_t>(ValueType::kBool);
inline constexpr uint8_t kTypeDate = static_cast<uint8_t>(ValueType::kDate);
inline constexpr uint8_t kTypeNull = static_cast<uint8_t>(ValueType::kNull);
inline constexpr uint8_t kTypeInt = static_cast<uint8_t>(ValueType::kInt);

inline uint64_t ZigZag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
inline int64_t UnZigZag(uint64_t v) { return static_cast<int64_t>((v >> 1) ^ (~(v & 1) + 1)); }

// Writes a varint at p (room for 10 bytes) and returns the byte past it.
inline char* WriteVarint(char* p, uint64_t v) {
  while (v >= 128) {
    *p++ = static_cast<char>(v | 128);
    v >>= 7;
  }
  *p++ = static_cast<char>(v);
  return p;
}

// Reads a varint from validated bytes.
inline uint64_t ReadVarint(const char** p) {
  const auto* q = reinterpret_cast<const unsigned char*>(*p);
  uint64_t v = *q & 127;
  if (*q++ < 128) {
    *p = reinterpret_cast<const char*>(q);
    return v;
  }
  for (int shift = 7;; shift += 7) {
    uint64_t b = *q++;
    v |= (b & 127) << shift;
    if (b < 128) break;
  }
  *p = reinterpret_cast<const char*>(q);
  return v;
}

inline std::string_view ReadName(const char** p) {
  uint64_t n = ReadVarint(p);
  std::string_view name(*p, n);
  *p += n;
  return name;
}

// Returns the byte past a validated payload of the given type.
inline const char* SkipPayload(uint8_t type, const char* p) {
  switch (type) {
    case kTypeNull:
      return p;
    case kTypeBool:
      return p + 1;
    case kTypeDouble:
    case kTypeDate:
      return p + 8;
    case kTypeInt:
      ReadVarint(&p);
      return p;
    case kTypeString:
    case kTypeBinary: {
      uint64_t n = ReadVarint(&p);
      return p + n;
    }
    default:  // object, array
      return p + 4 + DecodeFixed32(p);
  }
}

// A validated container's payload split into its parts.
struct Container {
  uint64_t count;
  const char* table;    // nullptr when count < kIndexedMinEntries
  const char* entries;  // offsets in the table are relative to this
  const char* end;
};

inline Container ReadContainer(const char* payload) {
  Container c;
  c.end = payload + 4 + DecodeFixed32(payload);
  const char* p = payload + 4;
  c.count = ReadVarint(&p);
  c.table = c.count >= kIndexedMinEntries ? p : nullptr;
  c.entries = c.table ? p + 4 * c.count : p;
  return c;
}

// Decodes a validated payload into *value; returns the byte past it.
const char* DecodePayload(uint8_t type, const char* p, Value* value);

}  // namespace strata::codec::document_internal
