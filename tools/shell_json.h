// Relaxed JSON as mongosh accepts it, turned into strict JSON for codec::ParseJson: unquoted keys
// ({name: 1, $gt: 2}), single-quoted strings, trailing commas, comments, NaN/Infinity/undefined,
// and ISODate("...") / new Date("...") / Date(millis). Errors name the column of the relaxed text
// (plus `base`, the text's offset in a longer line) where the problem is.
#pragma once

#include <string>
#include <string_view>

#include "strata/status.h"
#include "strata/value.h"

namespace strata::tools {

// The strict JSON text. `base` shifts the columns in error messages.
Result<std::string> RelaxedToStrict(std::string_view text, size_t base = 0);
// Converts and parses (extended JSON forms such as {"$date": ...} included).
Result<Value> ParseRelaxedJson(std::string_view text, size_t base = 0);

}  // namespace strata::tools
