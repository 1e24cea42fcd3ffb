// Order-preserving tuple keys: the bytes of encoded tuples compare (memcmp) as the tuples compare
// element by element in CompareValues() order. Used for record keys, index keys and typed tables.
// Format and test vectors: docs/formats/keys.md, tests/golden/keys.json.
//
// Each element is a type byte followed by its payload. Numbers (ints and doubles) share one
// ordering so that 1 < 1.5 < 2 holds in bytes; the encoding still remembers which of the two a
// number was, so decode(encode(v)) == v. -0.0 is stored as 0.0 and every NaN as one canonical
// NaN, which sorts below all other numbers. Strings escape 0x00 so that embedded zero bytes keep
// the order; binary, ordered by length first, carries its length instead. Arrays are nested
// tuples; objects are nested (name, value) sequences.
// Which numbers were ints is kept in a short trailer at the end of each top-level element, so an
// int and a double of equal value tie on everything else in that element (int first on a tie).
// Thread safety: free functions on caller-owned buffers.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "strata/slice.h"
#include "strata/status.h"
#include "strata/value.h"

namespace strata::codec {

// Arrays and objects nested deeper than this inside one element are refused by the decoder
// (documents are limited to kMaxNestingDepth = 100 levels; the encoder does not check).
inline constexpr int kMaxKeyNestingDepth = 128;

// Appends one element to `out`. Every Value type is accepted, MinKey/MaxKey included (they
// encode as the smallest and largest element and are meant for scan bounds).
void AppendKeyElement(std::string* out, const Value& value);

// Typed fast paths: byte for byte AppendKeyElement(out, Value(v)) (binary: Value::Binary(v)),
// without building a Value.
void AppendKeyInt64(std::string* out, int64_t v);
void AppendKeyDouble(std::string* out, double v);
void AppendKeyBool(std::string* out, bool v);
void AppendKeyString(std::string* out, std::string_view v);
void AppendKeyBinary(std::string* out, std::string_view v);

// Encodes a whole tuple (the concatenation of its elements).
std::string EncodeKey(const std::vector<Value>& tuple);

// Decodes one element from the front of `in` and advances it. Corruption names the byte offset
// (relative to the start of `in` at the call) and what was expected.
Status DecodeKeyElement(Slice* in, Value* value);

// The byte length of the element at the front of `in` (its kind trailer included), or 0 when
// `in` does not start with a valid element. Strings are measured without decoding them.
size_t KeyElementLength(Slice in);

// Decodes every element of `in` (offsets in errors count from its start). On error *tuple is
// left as it was.
Status DecodeKey(Slice in, std::vector<Value>* tuple);

// The smallest byte string greater than every key that starts with `prefix`
// (empty when none exists, i.e. the prefix is all 0xff).
std::string PrefixSuccessor(Slice prefix);

// The exclusive upper bound of the tuples that begin with the complete elements in `prefix`
// (prefix + 0xff). Unlike PrefixSuccessor it leaves out longer strings: for the prefix ("a")
// it excludes ("a\0"), whose bytes also start with those of "a".
std::string TuplePrefixLimit(Slice prefix);

}  // namespace strata::codec
