// EncodeDocument: one pass over the Value, writing into the caller's string; container lengths
// (and offset tables) are reserved up front and patched once the children are written.
#include <algorithm>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "base/coding.h"
#include "codec/document.h"
#include "codec/document_format.h"

namespace strata::codec {

namespace {

using namespace document_internal;  // NOLINT: the format's own helpers

constexpr std::string_view kIdField = "_id";

// Writes through a raw pointer into `out`, which is grown ahead (doubling) and cut to the bytes
// written by Finish(): small appends cost a store, not a std::string::append call each.
class Encoder {
 public:
  explicit Encoder(std::string* out) : out_(out), start_(out->size()), pos_(start_) {}

  // False on error; then error_ says what and path_ holds the steps, innermost first. `id`, when
  // given, is written as an object's first field "_id" ahead of its own fields.
  bool Container(const Value& v, int depth, const Value* id = nullptr) {
    if (depth > kMaxNestingDepth) {
      error_ = "nesting deeper than " + std::to_string(kMaxNestingDepth) + " levels";
      return false;
    }
    size_t len_pos = pos_;
    Room(4 + 10);
    pos_ += 4;
    if (v.is_object()) {
      const Object& fields = v.as_object();
      size_t n = fields.size() + (id != nullptr ? 1 : 0);
      PutVarint(n);
      if (n >= kIndexedMinEntries) return IndexedObject(fields, id, len_pos, depth);
      if (id != nullptr && !Field(kIdField, *id, depth)) return false;
      for (const auto& [name, value] : fields) {
        if (!Field(name, value, depth)) return false;
      }
    } else {
      const Array& items = v.as_array();
      size_t n = items.size();
      PutVarint(n);
      size_t table_pos = pos_;
      bool indexed = n >= kIndexedMinEntries;
      if (indexed) {
        Room(4 * n);
        pos_ += 4 * n;
      }
      size_t entries = pos_;
      for (size_t i = 0; i < n; i++) {
        if (indexed) EncodeFixed32(At(table_pos + 4 * i), static_cast<uint32_t>(pos_ - entries));
        if (!Element(items[i], depth)) {
          path_.push_back(std::to_string(i));
          return false;
        }
      }
    }
    return PatchLength(len_pos);
  }

  // Cuts the string to what was written (or back to `size` after a failure).
  void Finish(size_t size) { out_->resize(size); }
  size_t size() const { return pos_; }

  std::string error_;
  std::vector<std::string> path_;

 private:
  bool IndexedObject(const Object& fields, const Value* id, size_t len_pos, int depth) {
    size_t n = fields.size() + (id != nullptr ? 1 : 0);
    size_t table_pos = pos_;
    Room(4 * n);
    pos_ += 4 * n;
    size_t entries = pos_;
    std::vector<std::pair<std::string_view, uint32_t>> order;
    order.reserve(n);
    if (id != nullptr) {
      order.emplace_back(kIdField, 0);
      if (!Field(kIdField, *id, depth)) return false;
    }
    for (const auto& [name, value] : fields) {
      order.emplace_back(name, static_cast<uint32_t>(pos_ - entries));
      if (!Field(name, value, depth)) return false;
    }
    std::sort(order.begin(), order.end());  // by name, then offset (duplicates: first wins)
    for (size_t i = 0; i < n; i++) EncodeFixed32(At(table_pos + 4 * i), order[i].second);
    return PatchLength(len_pos);
  }

  bool Field(std::string_view name, const Value& value, int depth) {
    char* p = Room(10 + name.size() + 1 + 10);
    p = WriteVarint(p, name.size());
    memcpy(p, name.data(), name.size());
    pos_ = static_cast<size_t>(p + name.size() - out_->data());
    if (!Element(value, depth)) {
      path_.emplace_back(name);
      return false;
    }
    return true;
  }

  bool Element(const Value& v, int depth) {
    char* p = Room(1 + 10);  // room for a type byte and any fixed or varint payload
    switch (v.type()) {
      case ValueType::kNull:
        *p = static_cast<char>(kTypeNull);
        pos_ += 1;
        return true;
      case ValueType::kBool:
        p[0] = static_cast<char>(kTypeBool);
        p[1] = v.as_bool() ? 1 : 0;
        pos_ += 2;
        return true;
      case ValueType::kInt:
        p[0] = static_cast<char>(kTypeInt);
        pos_ = static_cast<size_t>(WriteVarint(p + 1, ZigZag(v.as_int())) - out_->data());
        return true;
      case ValueType::kDouble: {
        double d = v.as_double();
        p[0] = static_cast<char>(kTypeDouble);
        memcpy(p + 1, &d, 8);
        pos_ += 9;
        return true;
      }
      case ValueType::kDate: {
        int64_t ms = v.as_date();
        p[0] = static_cast<char>(kTypeDate);
        memcpy(p + 1, &ms, 8);
        pos_ += 9;
        return true;
      }
      case ValueType::kString:
        Bytes(kTypeString, v.as_string());
        return true;
      case ValueType::kBinary:
        Bytes(kTypeBinary, v.as_binary());
        return true;
      case ValueType::kObject:
      case ValueType::kArray:
        *p = static_cast<char>(v.is_object() ? kTypeObject : kTypeArray);
        pos_ += 1;
        return Container(v, depth + 1);
      case ValueType::kMinKey:
      case ValueType::kMaxKey:
        error_ = std::string(ValueTypeName(v.type())) + " cannot be stored in a document";
        return false;
    }
    return false;
  }

  void Bytes(uint8_t type, const std::string& s) {
    char* p = Room(1 + 10 + s.size());
    *p++ = static_cast<char>(type);
    p = WriteVarint(p, s.size());
    memcpy(p, s.data(), s.size());
    pos_ = static_cast<size_t>(p + s.size() - out_->data());
  }

  void PutVarint(uint64_t v) {
    char* p = Room(10);
    pos_ = static_cast<size_t>(WriteVarint(p, v) - out_->data());
  }

  // A pointer to pos_ with at least n writable bytes after it.
  char* Room(size_t n) {
    if (out_->size() - pos_ < n) [[unlikely]]
      Grow(n);
    return out_->data() + pos_;
  }

  // Ahead by as much as this document has taken so far: amortized O(1) per byte, and a large
  // string the caller appends to is not doubled for one small document.
  [[gnu::noinline]] void Grow(size_t n) { out_->resize(pos_ + std::max(n + 64, pos_ - start_)); }

  char* At(size_t pos) { return out_->data() + pos; }

  bool PatchLength(size_t len_pos) {
    size_t len = pos_ - len_pos - 4;
    if (len > UINT32_MAX) {
      error_ = "object or array larger than 4 GiB";
      return false;
    }
    EncodeFixed32(At(len_pos), static_cast<uint32_t>(len));
    return true;
  }

  std::string* out_;
  size_t start_;
  size_t pos_;  // the end of what was written; out_ may be longer (room ahead)
};

}  // namespace

Status EncodeDocument(const Value& doc, std::string* out) {
  return EncodeDocumentWithId(doc, nullptr, out);
}

Status EncodeDocumentWithId(const Value& doc, const Value* id, std::string* out) {
  if (!doc.is_object()) {
    return Status::InvalidArgument("a document must be an object, not " +
                                   std::string(ValueTypeName(doc.type())));
  }
  size_t start = out->size();
  out->push_back(static_cast<char>(kDocumentFormatVersion));
  Encoder enc(out);
  if (enc.Container(doc, 1, id)) {
    enc.Finish(enc.size());
    return Status::OK();
  }
  enc.Finish(start);
  std::string path;
  for (auto it = enc.path_.rbegin(); it != enc.path_.rend(); ++it) {
    if (!path.empty()) path += '.';
    path += *it;
  }
  return Status::InvalidArgument(path.empty() ? enc.error_ : "field '" + path + "': " + enc.error_);
}

}  // namespace strata::codec
