// Internals of the JSON codec: the error locator (simdjson's DOM reports no positions, so on a
// failure a strict scanner walks the text to find the first fault), UTF-8 checks, and the
// extended forms' helpers (base64, ISO-8601 dates).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace strata::codec::json_internal {

struct JsonFault {
  size_t offset;        // byte offset in the text
  std::string message;  // what was expected or found
};

// Strictly validates `text` as one RFC 8259 JSON value with containers nested at most
// `max_depth` deep, and returns its first fault (nullopt when valid). Integers too large for int64
// but finite as doubles are not faults; the byte offsets just past them are appended to
// *big_ints (simdjson refuses those beyond uint64, so the caller rewrites them as doubles).
std::optional<JsonFault> ScanJson(std::string_view text, int max_depth,
                                  std::vector<size_t>* big_ints);

// In valid JSON text, the offset of the opening bracket of the `ordinal`-th container (0-based,
// in document order, objects and arrays alike). With `first_value`, for a non-empty object, the
// offset of its first field's value instead.
size_t LocateContainer(std::string_view text, uint64_t ordinal, bool first_value);

// "line L, column C" of a byte offset (both 1-based; columns count code points).
std::string LineColumn(std::string_view text, size_t offset);

// The length of the valid UTF-8 sequence starting at s[0] (1 to 4), or 0 when it is not valid
// (overlong forms, surrogates and code points beyond U+10FFFF are invalid).
int Utf8SequenceLength(const unsigned char* s, size_t n);

// RFC 4648 base64 with padding. Decoding also accepts missing padding; false on other faults.
void AppendBase64(std::string_view bytes, std::string* out);
bool DecodeBase64(std::string_view text, std::string* bytes);

// Dates as ISO-8601 UTC ("2024-05-01T12:30:00.000Z"). Formatting covers years 0000 to 9999 and
// returns false outside them. Parsing accepts "YYYY-MM-DD", or that plus "THH:MM[:SS[.fff...]]"
// and a zone ("Z", "+HH:MM", "+HHMM", "+HH"); digits past milliseconds are truncated.
bool FormatIsoDate(int64_t millis, std::string* out);
bool ParseIsoDate(std::string_view text, int64_t* millis);

}  // namespace strata::codec::json_internal
