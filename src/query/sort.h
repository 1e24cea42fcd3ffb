// Sort specifications ({a: 1, "b.c": -1}) with MongoDB's semantics: missing sorts as null; an
// array sorts by its smallest element ascending and its largest descending; ties keep the input
// order when the caller uses a stable sort. Thread safety: immutable after Parse.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "codec/path.h"
#include "strata/status.h"
#include "strata/value.h"

namespace strata::query {

class SortSpec {
 public:
  SortSpec() = default;
  // InvalidArgument unless every value is 1 or -1 and there is at least one key.
  static Result<SortSpec> Parse(const Value& spec);

  // <0 when a sorts before b.
  int Compare(const Value& a, const Value& b) const;
  const std::vector<std::pair<std::string, int>>& keys() const { return keys_; }
  bool empty() const { return keys_.empty(); }

 private:
  std::vector<std::pair<std::string, int>> keys_;  // path, +1 or -1
  std::vector<codec::FieldPath> paths_;            // keys_' paths, split once
};

// The value a document sorts by for one key (direction +1 or -1).
Value SortKeyOf(const Value& doc, const std::string& path, int direction);

}  // namespace strata::query
