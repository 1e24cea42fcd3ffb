// Dotted paths with MongoDB's array semantics, shared by queries, sorts and index maintainers.
//
// A path step applied to an array applies to each element (fan-out) unless the step is a
// numeric index, in which case both the element at that index and the elements' fields of that
// name are candidates, as in MongoDB. Thread safety: free functions.
#pragma once

#include <string_view>
#include <vector>

#include "strata/value.h"

namespace strata::codec {

// Appends every value the path reaches in `doc` to `out` (pointers into `doc`). Arrays reached at
// the end of the path are appended as the array itself; callers that want the elements too (a
// filter's implicit "any element" match, a multikey index) expand them. Missing paths add nothing.
void CollectPathValues(const Value& doc, std::string_view path, std::vector<const Value*>* out);

// Whether some prefix step of the path passes through an array (so the result may have many
// values).
bool PathCrossesArray(const Value& doc, std::string_view path);

}  // namespace strata::codec
