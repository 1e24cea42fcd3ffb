// Indexes as JSON, shared by the index routes and the shell's data-directory backend: the field
// spec a client sends, the name an index gets by default, and the description a client reads.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "strata/db.h"
#include "strata/status.h"
#include "strata/value.h"

namespace strata::server {

using IndexFieldList = std::vector<std::pair<std::string, int>>;

// {"a": 1, "b": -1} or [["a", 1], ["b", -1]] (or ["a", "b"], ascending); null (absent) and
// empty specs are InvalidArgument, as is a direction other than 1 or -1.
Result<IndexFieldList> ParseIndexFields(const Value& spec);

// "a_1_b_-1": the name the store gives an index created without one.
std::string DefaultIndexName(const IndexFieldList& fields);

// {name, fields, unique, sparse, multikey, kind, state[, progress {done, total} while building]}.
Value IndexInfoValue(const IndexInfo& info);

}  // namespace strata::server
