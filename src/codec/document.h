// The binary document format: a Value of object type as compact bytes, with fast access to a field
// by dotted path without decoding the whole document. Field order is kept; ints stay apart from
// doubles. Format: docs/formats/documents.md. Thread safety: DocView is a read-only view.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

#include "strata/slice.h"
#include "strata/status.h"
#include "strata/value.h"

namespace strata::codec {

// The format version written in every document's first byte.
inline constexpr uint8_t kDocumentFormatVersion = 1;
// Deepest nesting of objects and arrays accepted by the encoder, decoder and JSON parser.
inline constexpr int kMaxNestingDepth = 100;

// Encodes `doc` (which must be an object) and appends it to `out`. InvalidArgument names the path
// of anything that cannot be stored (nesting deeper than kMaxNestingDepth, MinKey/MaxKey).
Status EncodeDocument(const Value& doc, std::string* out);
// The same, with `id` (when not null) written as the first field "_id" ahead of doc's own fields:
// an insert stores a generated id first without moving every field of the caller's document.
// doc must not have an "_id" of its own then.
Status EncodeDocumentWithId(const Value& doc, const Value* id, std::string* out);

// Decodes a whole document, validating every byte; Corruption names the offset at fault.
Status DecodeDocument(Slice bytes, Value* doc);

// A borrowed, validated view of an encoded document (or of a nested object/array inside one).
class DocView {
 public:
  // Validates the structure once (so later lookups need no checks) and returns a view.
  static Result<DocView> Open(Slice bytes);

  // The value at a dotted path ("a.b", "items.0.price"); numeric steps index arrays. No array
  // fan-out. nullopt when absent. Decodes only the value found.
  std::optional<Value> Get(std::string_view path) const;

  // The raw encoded element at a path, for callers that copy or compare bytes; empty if absent.
  // The type of the element is stored in *type. The raw element is its type byte followed by
  // its payload (so two elements are equal values iff their bytes are equal, ints apart from
  // doubles); when absent, *type is set to ValueType::kMinKey, which is never stored.
  Slice GetRaw(std::string_view path, ValueType* type) const;

  // A view of the object or array at a path; nullopt when absent or not a container.
  std::optional<DocView> GetView(std::string_view path) const;

  // Calls fn(name, value) for every top-level field in order; stop by returning false (a
  // callback returning void visits every field). For a view of an array, name is the index.
  template <typename Fn>
  void ForEachField(Fn&& fn) const;

  // kObject for a document; kObject or kArray for a view from GetView().
  ValueType type() const { return type_; }

  // The whole document for Open(); the raw element (type byte first) for GetView().
  Slice bytes() const { return bytes_; }

 private:
  DocView(Slice bytes, const char* payload, ValueType type)
      : bytes_(bytes), payload_(payload), type_(type) {}
  Slice bytes_;
  const char* payload_;  // the container's payload: its length field, count, entries
  ValueType type_;
};

namespace document_internal {

// Walks the entries of a validated container, decoding each value (for ForEachField).
class EntryCursor {
 public:
  EntryCursor(const char* payload, bool is_array);
  // False at the end. For arrays, *name is the element's index in decimal.
  bool Next(std::string_view* name, Value* value);

 private:
  const char* p_;
  const char* end_;
  bool is_array_;
  uint64_t index_ = 0;
  char index_buf_[24];
};

}  // namespace document_internal

template <typename Fn>
void DocView::ForEachField(Fn&& fn) const {
  document_internal::EntryCursor cursor(payload_, type_ == ValueType::kArray);
  std::string_view name;
  Value value;
  while (cursor.Next(&name, &value)) {
    if constexpr (std::is_void_v<std::invoke_result_t<Fn&, std::string_view, const Value&>>) {
      fn(name, static_cast<const Value&>(value));
    } else {
      if (!fn(name, static_cast<const Value&>(value))) return;
    }
  }
}

}  // namespace strata::codec
