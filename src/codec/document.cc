// Validation, decoding and path lookup for the binary document format
// (docs/formats/documents.md). Validation runs once per Open/DecodeDocument; everything after it
// reads the bytes without checks.
#include "codec/document.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <string>
#include <tuple>
#include <vector>

#include "base/coding.h"
#include "codec/document_format.h"

namespace strata::codec {

using namespace document_internal;  // NOLINT: the format's own helpers

namespace {

// Checks every length, count, type byte, varint and offset table; recursion depth is bounded by
// kMaxNestingDepth. Offsets in messages are relative to the start of the document. Every read
// of a stored record passes through here, so the checks are plain comparisons and the messages
// are built only on failure, in the cold Fail functions.
class Validator {
 public:
  explicit Validator(const char* base) : base_(base) {}

  // The failure a Container() that returned false met.
  const Status& error() const { return error_; }

  // Validates the container payload at *p (which must end by `limit`) and advances *p past it.
  bool Container(const char** p, const char* limit, bool is_array, int depth) {
    if (depth > kMaxNestingDepth) {
      return Fail(*p, "nesting deeper than " + std::to_string(kMaxNestingDepth) + " levels");
    }
    const char* q = *p;
    if (limit - q < 4) return Fail(q, "truncated object or array length");
    uint32_t len = DecodeFixed32(q);
    q += 4;
    if (len > static_cast<size_t>(limit - q)) return FailLength(q - 4, len, limit - q);
    const char* end = q + len;
    uint64_t count;
    if (!Varint(&q, end, &count, "entry count")) return false;
    if (count > static_cast<uint64_t>(end - q)) return FailCount(q, count, end - q);
    const char* table = nullptr;
    if (count >= kIndexedMinEntries) {
      if (count * 4 > static_cast<uint64_t>(end - q)) return FailTable(q, count);
      table = q;
      q += 4 * count;
    }
    const char* entries = q;
    size_t starts_base = starts_.size();
    for (uint64_t i = 0; i < count; i++) {
      uint32_t offset = static_cast<uint32_t>(q - entries);
      if (is_array) {
        if (table != nullptr && DecodeFixed32(table + 4 * i) != offset) {
          return FailNumber(table + 4 * i, "offset table entry ", i, " does not point at element");
        }
      } else {
        uint64_t name_len;
        if (!Varint(&q, end, &name_len, "field name length")) return false;
        if (name_len > static_cast<uint64_t>(end - q)) {
          return FailNumber(q, "field name length ", name_len, " runs past the end");
        }
        q += name_len;
        if (table != nullptr) starts_.push_back(offset);
      }
      if (!Element(&q, end, depth)) return false;
    }
    if (q != end) return FailNumber(q, "", end - q, " unexpected bytes after the last entry");
    if (table != nullptr && !is_array && !CheckObjectTable(table, entries, count, starts_base)) {
      return false;
    }
    starts_.resize(starts_base);
    *p = end;
    return true;
  }

 private:
  bool Element(const char** p, const char* end, int depth) {
    const char* q = *p;
    if (q >= end) return Fail(q, "truncated element: missing its type byte");
    uint8_t type = static_cast<uint8_t>(*q++);
    switch (type) {
      case kTypeNull:
        break;
      case kTypeBool:
        if (q >= end) return Fail(q, "truncated boolean");
        if (static_cast<uint8_t>(*q) > 1) return Fail(q, "boolean byte is neither 0 nor 1");
        q++;
        break;
      case kTypeDouble:
      case kTypeDate:
        if (end - q < 8) return Fail(q, "truncated 8-byte value");
        q += 8;
        break;
      case kTypeInt: {
        uint64_t v;
        if (!Varint(&q, end, &v, "integer")) return false;
        break;
      }
      case kTypeString:
      case kTypeBinary: {
        uint64_t n;
        if (!Varint(&q, end, &n, "length")) return false;
        if (n > static_cast<uint64_t>(end - q)) {
          return FailNumber(q, "string or binary length ", n, " runs past the end");
        }
        q += n;
        break;
      }
      case kTypeObject:
      case kTypeArray:
        if (!Container(&q, end, type == kTypeArray, depth + 1)) return false;
        break;
      default:
        return FailType(q - 1, type);
    }
    *p = q;
    return true;
  }

  // A canonical varint (at most 10 bytes, no overflow, no redundant trailing zero byte). Most
  // lengths and small integers take one byte, which is always canonical.
  bool Varint(const char** p, const char* end, uint64_t* v, const char* what) {
    if (*p < end && static_cast<uint8_t>(**p) < 128) {
      *v = static_cast<uint8_t>(**p);
      *p += 1;
      return true;
    }
    return LongVarint(p, end, v, what);
  }

  [[gnu::noinline]] bool LongVarint(const char** p, const char* end, uint64_t* v,
                                    const char* what) {
    const auto* q = reinterpret_cast<const unsigned char*>(*p);
    const auto* e = reinterpret_cast<const unsigned char*>(end);
    uint64_t result = 0;
    for (int i = 0; i < 10; i++) {
      if (q + i >= e) return Fail(*p, std::string("truncated ") + what);
      uint64_t b = q[i];
      if (i == 9 && b > 1) break;
      result |= (b & 127) << (7 * i);
      if (b < 128) {
        if (b == 0 && i > 0) return Fail(*p, std::string(what) + " is not minimally encoded");
        *v = result;
        *p += i + 1;
        return true;
      }
    }
    return Fail(*p, std::string(what) + " overflows 64 bits");
  }

  // The table must list every field start exactly once, sorted by (name, offset).
  bool CheckObjectTable(const char* table, const char* entries, uint64_t count,
                        size_t starts_base) {
    auto first = starts_.begin() + static_cast<ptrdiff_t>(starts_base);
    std::string_view prev_name;
    uint32_t prev_offset = 0;
    for (uint64_t k = 0; k < count; k++) {
      uint32_t offset = DecodeFixed32(table + 4 * k);
      if (!std::binary_search(first, starts_.end(), offset)) {
        return FailNumber(table + 4 * k, "offset table entry ", k, " does not point at a field");
      }
      const char* f = entries + offset;
      std::string_view name = ReadName(&f);
      if (k > 0 && (name < prev_name || (name == prev_name && offset <= prev_offset))) {
        return Fail(table + 4 * k, "offset table is not sorted by field name");
      }
      prev_name = name;
      prev_offset = offset;
    }
    return true;
  }

  // Failures: each records the first problem met (callers unwind with false).
  [[gnu::cold, gnu::noinline]] bool Fail(const char* at, const std::string& what) {
    error_ = Status::Corruption("document: " + what + " at offset " + std::to_string(at - base_));
    return false;
  }
  [[gnu::cold, gnu::noinline]] bool FailNumber(const char* at, const char* before, uint64_t n,
                                               const char* after) {
    return Fail(at, before + std::to_string(n) + after);
  }
  [[gnu::cold, gnu::noinline]] bool FailLength(const char* at, uint32_t len, ptrdiff_t left) {
    return Fail(at, "object or array length " + std::to_string(len) + " runs past the end (" +
                        std::to_string(left) + " bytes left)");
  }
  [[gnu::cold, gnu::noinline]] bool FailCount(const char* at, uint64_t count, ptrdiff_t left) {
    return Fail(at, "entry count " + std::to_string(count) + " exceeds the " +
                        std::to_string(left) + " bytes left");
  }
  [[gnu::cold, gnu::noinline]] bool FailTable(const char* at, uint64_t count) {
    return Fail(at, "offset table of " + std::to_string(count) + " entries runs past the end");
  }
  [[gnu::cold, gnu::noinline]] bool FailType(const char* at, uint8_t type) {
    static const char kHex[] = "0123456789abcdef";
    return Fail(at, std::string("unknown type byte 0x") + kHex[type >> 4] + kHex[type & 15]);
  }

  const char* base_;
  Status error_;
  std::vector<uint32_t> starts_;  // field offsets of the objects being checked, a stack
};

Status Validate(Slice bytes) {
  const char* p = bytes.data();
  const char* end = p + bytes.size();
  if (bytes.empty()) return Status::Corruption("document: empty input at offset 0");
  auto version = static_cast<uint8_t>(*p);
  if (version != kDocumentFormatVersion) {
    return Status::Corruption("document: unsupported format version " + std::to_string(version) +
                              " (expected " + std::to_string(kDocumentFormatVersion) +
                              ") at offset 0");
  }
  p++;
  Validator v(bytes.data());
  if (!v.Container(&p, end, /*is_array=*/false, 1)) return v.error();
  if (p != end) {
    return Status::Corruption("document: " + std::to_string(end - p) +
                              " trailing bytes after the document at offset " +
                              std::to_string(p - bytes.data()));
  }
  return Status::OK();
}

// The payload of the field `name` in a validated object, or nullptr. Duplicate names: the first.
const char* FindField(const char* payload, std::string_view name, uint8_t* type) {
  Container c = ReadContainer(payload);
  if (c.table != nullptr) {
    uint64_t lo = 0, hi = c.count;
    while (lo < hi) {
      uint64_t mid = lo + (hi - lo) / 2;
      const char* f = c.entries + DecodeFixed32(c.table + 4 * mid);
      if (ReadName(&f) < name) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    if (lo == c.count) return nullptr;
    const char* f = c.entries + DecodeFixed32(c.table + 4 * lo);
    if (ReadName(&f) != name) return nullptr;
    *type = static_cast<uint8_t>(*f);
    return f + 1;
  }
  const char* p = c.entries;
  for (uint64_t i = 0; i < c.count; i++) {
    std::string_view n = ReadName(&p);
    uint8_t t = static_cast<uint8_t>(*p++);
    if (n == name) {
      *type = t;
      return p;
    }
    p = SkipPayload(t, p);
  }
  return nullptr;
}

const char* FindElement(const char* payload, uint64_t index, uint8_t* type) {
  Container c = ReadContainer(payload);
  if (index >= c.count) return nullptr;
  const char* p = c.entries;
  if (c.table != nullptr) {
    p += DecodeFixed32(c.table + 4 * index);
  } else {
    for (uint64_t i = 0; i < index; i++) {
      uint8_t t = static_cast<uint8_t>(*p++);
      p = SkipPayload(t, p);
    }
  }
  *type = static_cast<uint8_t>(*p);
  return p + 1;
}

// An array step: digits only, as Value::FindPath reads them.
bool ParseIndex(std::string_view s, uint64_t* index) {
  if (s.empty() || s.size() > 18) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  *index = v;
  return true;
}

// Follows a dotted path from a container payload; returns the found element's payload.
const char* Walk(const char* payload, uint8_t container_type, std::string_view path,
                 uint8_t* type) {
  const char* p = payload;
  uint8_t t = container_type;
  while (true) {
    size_t dot = path.find('.');
    std::string_view step = path.substr(0, dot);
    if (t == kTypeObject) {
      p = FindField(p, step, &t);
    } else if (t == kTypeArray) {
      uint64_t i;
      if (!ParseIndex(step, &i)) return nullptr;
      p = FindElement(p, i, &t);
    } else {
      return nullptr;
    }
    if (p == nullptr) return nullptr;
    if (dot == std::string_view::npos) {
      *type = t;
      return p;
    }
    path.remove_prefix(dot + 1);
  }
}

}  // namespace

namespace document_internal {

namespace {

Object DecodeObject(const char* payload);
Array DecodeArray(const char* payload);

// Decodes the payload at q and hands the result to `place`, which constructs it where it will
// live (a field, an element): no temporary Value is moved through the variant. Returns the byte
// past the payload.
template <class Place>
const char* DecodeInto(uint8_t type, const char* q, Place&& place) {
  switch (type) {
    case kTypeNull:
      place(nullptr);
      return q;
    case kTypeBool:
      place(*q != 0);
      return q + 1;
    case kTypeInt:
      place(UnZigZag(ReadVarint(&q)));
      return q;
    case kTypeDouble: {
      uint64_t bits = DecodeFixed64(q);
      double d;
      memcpy(&d, &bits, 8);
      place(d);
      return q + 8;
    }
    case kTypeDate:
      place(Value::Date(static_cast<int64_t>(DecodeFixed64(q))));
      return q + 8;
    case kTypeString:
    case kTypeBinary: {
      uint64_t n = ReadVarint(&q);
      if (type == kTypeString) {
        place(std::string(q, n));
      } else {
        place(Value::Binary(std::string(q, n)));
      }
      return q + n;
    }
    case kTypeObject:
      place(DecodeObject(q));
      return q + 4 + DecodeFixed32(q);
    default:  // array
      place(DecodeArray(q));
      return q + 4 + DecodeFixed32(q);
  }
}

Object DecodeObject(const char* payload) {
  Container c = ReadContainer(payload);
  Object fields;
  fields.reserve(c.count);
  const char* e = c.entries;
  for (uint64_t i = 0; i < c.count; i++) {
    std::string_view name = ReadName(&e);
    uint8_t t = static_cast<uint8_t>(*e++);
    e = DecodeInto(t, e, [&](auto&& v) {
      fields.emplace_back(std::piecewise_construct, std::forward_as_tuple(name),
                          std::forward_as_tuple(std::forward<decltype(v)>(v)));
    });
  }
  return fields;
}

Array DecodeArray(const char* payload) {
  Container c = ReadContainer(payload);
  Array items;
  items.reserve(c.count);
  const char* e = c.entries;
  for (uint64_t i = 0; i < c.count; i++) {
    uint8_t t = static_cast<uint8_t>(*e++);
    e = DecodeInto(t, e, [&](auto&& v) { items.emplace_back(std::forward<decltype(v)>(v)); });
  }
  return items;
}

}  // namespace

const char* DecodePayload(uint8_t type, const char* p, Value* value) {
  return DecodeInto(type, p, [&](auto&& v) { *value = Value(std::forward<decltype(v)>(v)); });
}

EntryCursor::EntryCursor(const char* payload, bool is_array) : is_array_(is_array) {
  Container c = ReadContainer(payload);
  p_ = c.entries;
  end_ = c.end;
}

bool EntryCursor::Next(std::string_view* name, Value* value) {
  if (p_ >= end_) return false;
  if (is_array_) {
    auto r = std::to_chars(index_buf_, index_buf_ + sizeof(index_buf_), index_++);
    *name = std::string_view(index_buf_, static_cast<size_t>(r.ptr - index_buf_));
  } else {
    *name = ReadName(&p_);
  }
  uint8_t t = static_cast<uint8_t>(*p_++);
  p_ = DecodePayload(t, p_, value);
  return true;
}

}  // namespace document_internal

Status DecodeDocument(Slice bytes, Value* doc) {
  STRATA_RETURN_IF_ERROR(Validate(bytes));
  DecodePayload(kTypeObject, bytes.data() + 1, doc);
  return Status::OK();
}

Result<DocView> DocView::Open(Slice bytes) {
  STRATA_RETURN_IF_ERROR(Validate(bytes));
  return DocView(bytes, bytes.data() + 1, ValueType::kObject);
}

std::optional<Value> DocView::Get(std::string_view path) const {
  uint8_t type;
  const char* p = Walk(payload_, static_cast<uint8_t>(type_), path, &type);
  if (p == nullptr) return std::nullopt;
  Value v;
  DecodePayload(type, p, &v);
  return v;
}

Slice DocView::GetRaw(std::string_view path, ValueType* type) const {
  uint8_t t;
  const char* p = Walk(payload_, static_cast<uint8_t>(type_), path, &t);
  if (p == nullptr) {
    *type = ValueType::kMinKey;
    return Slice();
  }
  *type = static_cast<ValueType>(t);
  return Slice(p - 1, static_cast<size_t>(SkipPayload(t, p) - (p - 1)));
}

std::optional<DocView> DocView::GetView(std::string_view path) const {
  uint8_t t;
  const char* p = Walk(payload_, static_cast<uint8_t>(type_), path, &t);
  if (p == nullptr || (t != kTypeObject && t != kTypeArray)) return std::nullopt;
  Slice raw(p - 1, static_cast<size_t>(SkipPayload(t, p) - (p - 1)));
  return DocView(raw, p, static_cast<ValueType>(t));
}

}  // namespace strata::codec
