// Validation, decoding and path lookup for the binary document format
// (docs/formats/documents.md). Validation runs once per Open/DecodeDocument; everything after it
// reads the bytes without checks.
#include "codec/document.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <string>
#include <vector>

#include "base/coding.h"
#include "codec/document_format.h"

namespace strata::codec {

using namespace document_internal;  // NOLINT: the format's own helpers

namespace {

// Checks every length, count, type byte, varint and offset table; recursion depth is bounded by
// kMaxNestingDepth. Offsets in messages are relative to the start of the document.
class Validator {
 public:
  explicit Validator(const char* base) : base_(base) {}

  // Validates the container payload at *p (which must end by `limit`) and advances *p past it.
  Status Container(const char** p, const char* limit, bool is_array, int depth) {
    if (depth > kMaxNestingDepth) {
      return Error(*p, "nesting deeper than " + std::to_string(kMaxNestingDepth) + " levels");
    }
    const char* q = *p;
    if (limit - q < 4) return Error(q, "truncated object or array length");
    uint32_t len = DecodeFixed32(q);
    q += 4;
    if (len > static_cast<size_t>(limit - q)) {
      return Error(q - 4, "object or array length " + std::to_string(len) + " runs past the end (" +
                              std::to_string(limit - q) + " bytes left)");
    }
    const char* end = q + len;
    uint64_t count;
    STRATA_RETURN_IF_ERROR(Varint(&q, end, &count, "entry count"));
    if (count > static_cast<uint64_t>(end - q)) {
      return Error(q, "entry count " + std::to_string(count) + " exceeds the " +
                          std::to_string(end - q) + " bytes left");
    }
    const char* table = nullptr;
    if (count >= kIndexedMinEntries) {
      if (count * 4 > static_cast<uint64_t>(end - q)) {
        return Error(q, "offset table of " + std::to_string(count) + " entries runs past the end");
      }
      table = q;
      q += 4 * count;
    }
    const char* entries = q;
    size_t starts_base = starts_.size();
    for (uint64_t i = 0; i < count; i++) {
      uint32_t offset = static_cast<uint32_t>(q - entries);
      if (is_array) {
        if (table != nullptr && DecodeFixed32(table + 4 * i) != offset) {
          return Error(table + 4 * i, "offset table entry " + std::to_string(i) +
                                          " does not point at element " + std::to_string(i));
        }
      } else {
        uint64_t name_len;
        STRATA_RETURN_IF_ERROR(Varint(&q, end, &name_len, "field name length"));
        if (name_len > static_cast<uint64_t>(end - q)) {
          return Error(q, "field name length " + std::to_string(name_len) + " runs past the end");
        }
        q += name_len;
        if (table != nullptr) starts_.push_back(offset);
      }
      STRATA_RETURN_IF_ERROR(Element(&q, end, depth));
    }
    if (q != end) {
      return Error(q, std::to_string(end - q) + " unexpected bytes after the last entry");
    }
    if (table != nullptr && !is_array) {
      STRATA_RETURN_IF_ERROR(CheckObjectTable(table, entries, count, starts_base));
    }
    starts_.resize(starts_base);
    *p = end;
    return Status::OK();
  }

 private:
  Status Element(const char** p, const char* end, int depth) {
    const char* q = *p;
    if (q >= end) return Error(q, "truncated element: missing its type byte");
    uint8_t type = static_cast<uint8_t>(*q++);
    switch (type) {
      case kTypeNull:
        break;
      case kTypeBool:
        if (q >= end) return Error(q, "truncated boolean");
        if (static_cast<uint8_t>(*q) > 1) return Error(q, "boolean byte is neither 0 nor 1");
        q++;
        break;
      case kTypeDouble:
      case kTypeDate:
        if (end - q < 8) return Error(q, "truncated 8-byte value");
        q += 8;
        break;
      case kTypeInt: {
        uint64_t v;
        STRATA_RETURN_IF_ERROR(Varint(&q, end, &v, "integer"));
        break;
      }
      case kTypeString:
      case kTypeBinary: {
        uint64_t n;
        STRATA_RETURN_IF_ERROR(Varint(&q, end, &n, "length"));
        if (n > static_cast<uint64_t>(end - q)) {
          return Error(q, "string or binary length " + std::to_string(n) + " runs past the end");
        }
        q += n;
        break;
      }
      case kTypeObject:
      case kTypeArray:
        STRATA_RETURN_IF_ERROR(Container(&q, end, type == kTypeArray, depth + 1));
        break;
      default: {
        static const char kHex[] = "0123456789abcdef";
        std::string hex = {kHex[type >> 4], kHex[type & 15]};
        return Error(q - 1, "unknown type byte 0x" + hex);
      }
    }
    *p = q;
    return Status::OK();
  }

  // A canonical varint (at most 10 bytes, no overflow, no redundant trailing zero byte).
  Status Varint(const char** p, const char* end, uint64_t* v, const char* what) {
    const auto* q = reinterpret_cast<const unsigned char*>(*p);
    const auto* e = reinterpret_cast<const unsigned char*>(end);
    if (q < e && q[0] < 128) {  // most lengths and small ints: one byte, always canonical
      *v = q[0];
      *p += 1;
      return Status::OK();
    }
    uint64_t result = 0;
    for (int i = 0; i < 10; i++) {
      if (q + i >= e) return Error(*p, std::string("truncated ") + what);
      uint64_t b = q[i];
      if (i == 9 && b > 1) return Error(*p, std::string(what) + " overflows 64 bits");
      result |= (b & 127) << (7 * i);
      if (b < 128) {
        if (b == 0 && i > 0) return Error(*p, std::string(what) + " is not minimally encoded");
        *v = result;
        *p += i + 1;
        return Status::OK();
      }
    }
    return Error(*p, std::string(what) + " overflows 64 bits");
  }

  // The table must list every field start exactly once, sorted by (name, offset).
  Status CheckObjectTable(const char* table, const char* entries, uint64_t count,
                          size_t starts_base) {
    auto first = starts_.begin() + static_cast<ptrdiff_t>(starts_base);
    std::string_view prev_name;
    uint32_t prev_offset = 0;
    for (uint64_t k = 0; k < count; k++) {
      uint32_t offset = DecodeFixed32(table + 4 * k);
      if (!std::binary_search(first, starts_.end(), offset)) {
        return Error(table + 4 * k,
                     "offset table entry " + std::to_string(k) + " does not point at a field");
      }
      const char* f = entries + offset;
      std::string_view name = ReadName(&f);
      if (k > 0 && (name < prev_name || (name == prev_name && offset <= prev_offset))) {
        return Error(table + 4 * k, "offset table is not sorted by field name");
      }
      prev_name = name;
      prev_offset = offset;
    }
    return Status::OK();
  }

  Status Error(const char* at, const std::string& what) const {
    return Status::Corruption("document: " + what + " at offset " + std::to_string(at - base_));
  }

  const char* base_;
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
  STRATA_RETURN_IF_ERROR(v.Container(&p, end, /*is_array=*/false, 1));
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

const char* DecodePayload(uint8_t type, const char* p, Value* value) {
  switch (type) {
    case kTypeNull:
      *value = Value();
      return p;
    case kTypeBool:
      *value = Value(*p != 0);
      return p + 1;
    case kTypeInt:
      *value = Value(UnZigZag(ReadVarint(&p)));
      return p;
    case kTypeDouble: {
      uint64_t bits = DecodeFixed64(p);
      double d;
      memcpy(&d, &bits, 8);
      *value = Value(d);
      return p + 8;
    }
    case kTypeDate:
      *value = Value::Date(static_cast<int64_t>(DecodeFixed64(p)));
      return p + 8;
    case kTypeString:
    case kTypeBinary: {
      uint64_t n = ReadVarint(&p);
      std::string s(p, n);
      *value = type == kTypeString ? Value(std::move(s)) : Value::Binary(std::move(s));
      return p + n;
    }
    case kTypeObject: {
      Container c = ReadContainer(p);
      *value = Value(Object());
      Object& fields = value->as_object();
      fields.resize(c.count);
      const char* q = c.entries;
      for (auto& [name, v] : fields) {
        name = ReadName(&q);
        uint8_t t = static_cast<uint8_t>(*q++);
        q = DecodePayload(t, q, &v);
      }
      return c.end;
    }
    default: {  // array
      Container c = ReadContainer(p);
      *value = Value(Array());
      Array& items = value->as_array();
      items.resize(c.count);
      const char* q = c.entries;
      for (Value& v : items) {
        uint8_t t = static_cast<uint8_t>(*q++);
        q = DecodePayload(t, q, &v);
      }
      return c.end;
    }
  }
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
