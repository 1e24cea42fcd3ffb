// Dotted paths with MongoDB's array semantics, shared by queries, sorts and index maintainers.
//
// A path step applied to an array applies to each element (fan-out) unless the step is a
// numeric index, in which case both the element at that index and the elements' fields of that
// name are candidates, as in MongoDB. Thread safety: free functions.
#pragma once

#include <boost/container/small_vector.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "strata/function_ref.h"
#include "strata/value.h"

namespace strata::codec {

// Appends every value the path reaches in `doc` to `out` (pointers into `doc`). Arrays reached at
// the end of the path are appended as the array itself; callers that want the elements too (a
// filter's implicit "any element" match, a multikey index) expand them. Missing paths add nothing.
void CollectPathValues(const Value& doc, std::string_view path, std::vector<const Value*>* out);

// Whether some prefix step of the path passes through an array (so the result may have many
// values).
bool PathCrossesArray(const Value& doc, std::string_view path);

// A dotted path split once into its steps, for callers that walk the same path many times.
struct FieldPath {
  FieldPath() = default;
  explicit FieldPath(std::string_view dotted);

  std::string dotted;
  // Most paths have a step or two: kept inline, a query's paths allocate nothing more.
  boost::container::small_vector<std::string, 2> parts;
  // The array index a step names (canonical decimal: "0", "12", not "01"), or -1.
  boost::container::small_vector<int64_t, 2> index;
};

// The array index a path step names, or -1 (digits only, no leading zero, below 2^53).
int64_t ParseArrayIndex(std::string_view step);

// MongoDB's matcher view of a path (its element iterator). `visit` receives every value the path
// reaches, and nullptr where the path ends at a missing field outside any array or at a scalar
// it cannot enter (so {a: null} matches {} and {"a.b": null} matches {a: 5} or {a: [{}]}, but an
// array with the path left over and no object elements yields nothing). An array reached at the
// end is visited element by element and then as itself when `expand_leaf_arrays`, else only as
// itself. Arrays nested in arrays are entered only through a numeric step. `root` may be an
// array ($elemMatch over arrays of arrays): its elements are then its fields "0", "1", ...
// Stops and returns true as soon as `visit` returns true.
bool VisitPath(const Value& root, const FieldPath& path, bool expand_leaf_arrays,
               FunctionRef<bool(const Value*)> visit);

}  // namespace strata::codec
