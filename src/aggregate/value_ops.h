// Value helpers shared by expressions, accumulators and stages: the "missing" marker, MongoDB's
// truthiness, numeric sums with int64 overflow promotion, hashing consistent with CompareValues,
// approximate memory sizes and string formatting of numbers and dates.
// Thread safety: free functions and value types.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "strata/value.h"

namespace strata::aggregate {

// Expressions distinguish a missing field from null ($project drops missing fields, $type says
// "missing"). MinKey never occurs in stored documents, so it stands for "missing" while an
// expression is evaluated; it is never written into an output document.
inline Value Missing() { return Value::MinKey(); }
inline bool IsMissing(const Value& v) { return v.is_min_key(); }
inline bool IsNullish(const Value& v) { return v.is_null() || v.is_min_key(); }

// MongoDB's expression truthiness: false, null, missing and numeric zero are false.
bool IsTruthy(const Value& v);

// The type name as $type reports it ("missing" for a missing value).
std::string_view TypeNameOf(const Value& v);

// A hash for which CompareValues(a, b) == 0 implies equal hashes (1 and 1.0 hash alike).
size_t HashValue(const Value& v);
struct ValueHash {
  size_t operator()(const Value& v) const { return HashValue(v); }
};
struct ValueEq {
  bool operator()(const Value& a, const Value& b) const { return CompareValues(a, b) == 0; }
};

// Sums numbers as MongoDB does: int64 while every addend is an int and nothing overflows, then
// double (with Neumaier compensation, so long sums of doubles stay accurate).
class NumberSum {
 public:
  void Add(const Value& number);  // the value must be a number
  void AddInt(int64_t i);
  void AddDouble(double d);
  Value Total() const;
  double TotalDouble() const;
  bool is_double() const { return is_double_; }

 private:
  bool is_double_ = false;
  int64_t int_total_ = 0;
  double sum_ = 0;
  double compensation_ = 0;
};

// Whether a double holds an integer that fits in int64 (and so may be used as an index).
bool DoubleToInt64(double d, int64_t* out);

// A number as an int64 when it is integral ("$arrayElemAt: index must be an integer").
bool IntegralValue(const Value& v, int64_t* out);

// Shortest round-trip form, as $toString writes doubles ("1.5", "2", "1e+20", "NaN").
std::string FormatDouble(double d);
// ISO-8601 UTC with milliseconds: "2024-01-31T12:00:00.000Z".
std::string FormatDate(int64_t millis);

}  // namespace strata::aggregate
