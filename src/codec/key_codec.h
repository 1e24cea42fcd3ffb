// Order-preserving tuple keys: the bytes of encoded tuples compare (memcmp) as the tuples compare
// element by element in CompareValues() order. Used for record keys, index keys and typed tables.
// Format and test vectors: docs/formats/keys.md, tests/golden/keys.json.
//
// Each element is a type byte followed by its payload. Numbers (ints and doubles) share one
// ordering so that 1 < 1.5 < 2 holds in bytes; the encoding still remembers which of the two a
// number was, so decode(encode(v)) == v. -0.0 is stored as 0.0 and every NaN as one canonical
// NaN, which sorts below all other numbers. Strings and bytes escape 0x00 so that embedded zero
// bytes keep the order. Arrays are nested tuples; objects are nested (name, value) sequences.
// Thread safety: free functions on caller-owned buffers.
#pragma once

#include <string>
#include <vector>

#include "strata/slice.h"
#include "strata/status.h"
#include "strata/value.h"

namespace strata::codec {

// Appends one element to `out`. Every Value type is accepted, MinKey/MaxKey included (they
// encode as the smallest and largest element and are meant for scan bounds).
void AppendKeyElement(std::string* out, const Value& value);

// Encodes a whole tuple (the concatenation of its elements).
std::string EncodeKey(const std::vector<Value>& tuple);

// Decodes one element from the front of `in` and advances it. Corruption names the byte offset
// (relative to the start of `in` at the call) and what was expected.
Status DecodeKeyElement(Slice* in, Value* value);

// Decodes every element of `in`.
Status DecodeKey(Slice in, std::vector<Value>* tuple);

// The smallest byte string greater than every key that starts with `prefix`
// (empty when none exists, i.e. the prefix is all 0xff).
std::string PrefixSuccessor(Slice prefix);

}  // namespace strata::codec
