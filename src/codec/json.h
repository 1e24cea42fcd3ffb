// JSON in (simdjson) and out (our own writer) for Values.
//
// Parsing: integers that fit in int64 become ints, every other number a double; nesting deeper
// than kMaxNestingDepth is refused; errors are InvalidArgument with "line L, column C: what".
// Extended forms are recognised when options.extended is set: {"$date": "<ISO-8601>" | <millis>},
// {"$binary": "<base64>"}, {"$numberDouble": "NaN" | "Infinity" | "-Infinity"},
// {"$numberLong": "<digits>"}. Writing uses the same forms for dates, binary and non-finite
// doubles, writes doubles so they read back as doubles (1.0, not 1), and escapes strings so the
// output is valid UTF-8 JSON. Thread safety: free functions.
#pragma once

#include <string>
#include <string_view>

#include "strata/status.h"
#include "strata/value.h"

namespace strata::codec {

struct JsonParseOptions {
  bool extended = true;
  int max_depth = 100;
};

Result<Value> ParseJson(std::string_view text, const JsonParseOptions& options = {});

struct JsonWriteOptions {
  bool pretty = false;  // two-space indentation, one field per line
};

void AppendJson(const Value& value, std::string* out, const JsonWriteOptions& options = {});
std::string ToJson(const Value& value, const JsonWriteOptions& options = {});

}  // namespace strata::codec
