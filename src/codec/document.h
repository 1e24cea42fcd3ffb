// The binary document format: a Value of object type as compact bytes, with fast access to a field
// by dotted path without decoding the whole document. Field order is kept; ints stay apart from
// doubles. Format: docs/formats/documents.md. Thread safety: DocView is a read-only view.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

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
  // The type of the element is stored in *type.
  Slice GetRaw(std::string_view path, ValueType* type) const;

  // Calls fn(name, value) for every top-level field in order; stop by returning false.
  template <typename Fn>
  void ForEachField(Fn&& fn) const;

  Slice bytes() const { return bytes_; }

 private:
  explicit DocView(Slice bytes) : bytes_(bytes) {}
  Slice bytes_;
};

}  // namespace strata::codec
