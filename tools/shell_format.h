// How the shell prints results: documents as pretty JSON, or as a text table whose columns are
// the union of the documents' top-level fields (first-seen order, _id first).
#pragma once

#include <string>
#include <vector>

#include "strata/value.h"

namespace strata::tools {

// A table cell: strings as they are, everything else as compact JSON; missing fields empty;
// cut to `max_width` characters (UTF-8 aware) with a trailing "…".
std::string FormatCell(const Value* value, size_t max_width);
// The table, or "(no documents)\n". Non-object rows get one "value" column.
std::string FormatTable(const std::vector<Value>& docs, size_t max_width = 40);
// Each document as pretty JSON, one after another.
std::string FormatJson(const std::vector<Value>& docs);

}  // namespace strata::tools
