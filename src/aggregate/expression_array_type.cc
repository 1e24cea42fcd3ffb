// Array operators, type inspection and conversion, and $mergeObjects.
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "aggregate/expression_ops.h"

namespace strata::aggregate {
namespace {

std::string TypeName(const Value& v) { return std::string(TypeNameOf(v)); }

Result<Value> Size(std::vector<Value>& args) {
  if (!args[0].is_array())
    return OpError("the argument must be an array, got " + TypeName(args[0]));
  return Value(static_cast<int64_t>(args[0].as_array().size()));
}

Result<Value> ArrayElemAt(std::vector<Value>& args) {
  const Value& a = args[0];
  const Value& i = args[1];
  if (IsNullish(a) || IsNullish(i)) return Value();
  if (!a.is_array()) return OpError("the first argument must be an array, got " + TypeName(a));
  int64_t index;
  if (!IntegralValue(i, &index)) return OpError("the index must be an integer");
  int64_t n = static_cast<int64_t>(a.as_array().size());
  if (index < 0) index += n;
  if (index < 0 || index >= n) return Missing();
  return a.as_array()[static_cast<size_t>(index)];
}

Result<Value> In(std::vector<Value>& args) {
  if (!args[1].is_array()) {
    return OpError("the second argument must be an array, got " + TypeName(args[1]));
  }
  for (const Value& item : args[1].as_array()) {
    if (CompareValues(item, args[0]) == 0) return Value(true);
  }
  return Value(false);
}

Result<Value> IsArray(std::vector<Value>& args) { return Value(args[0].is_array()); }

Result<Value> ConcatArrays(std::vector<Value>& args) {
  Array out;
  for (Value& a : args) {
    if (IsNullish(a)) return Value();
    if (!a.is_array()) return OpError("only supports arrays, not " + TypeName(a));
    for (Value& item : a.as_array()) out.push_back(std::move(item));
  }
  return Value(std::move(out));
}

Result<Value> Slice(std::vector<Value>& args) {
  for (const Value& a : args) {
    if (IsNullish(a)) return Value();
  }
  if (!args[0].is_array())
    return OpError("the first argument must be an array, got " + TypeName(args[0]));
  const Array& arr = args[0].as_array();
  int64_t size = static_cast<int64_t>(arr.size());
  int64_t start, count;
  if (args.size() == 2) {
    if (!IntegralValue(args[1], &count)) return OpError("the count must be an integer");
    if (count >= 0) {
      start = 0;
    } else {
      start = count < -size ? 0 : size + count;
      count = -count;
    }
  } else {
    if (!IntegralValue(args[1], &start)) return OpError("the position must be an integer");
    if (!IntegralValue(args[2], &count)) return OpError("the count must be an integer");
    if (count <= 0) return OpError("the count must be positive");
    if (start < 0) start = start < -size ? 0 : size + start;
  }
  Array out;
  for (int64_t i = start; i < size && i - start < count; ++i)
    out.push_back(arr[static_cast<size_t>(i)]);
  return Value(std::move(out));
}

Result<Value> Type(std::vector<Value>& args) { return Value(TypeNameOf(args[0])); }

Result<Value> ToString(std::vector<Value>& args) {
  const Value& a = args[0];
  if (IsNullish(a)) return Value();
  if (a.is_bool()) return Value(a.as_bool() ? "true" : "false");
  if (a.is_string() || a.is_number() || a.is_date()) {
    Result<std::string> s = CoerceToString(a);
    if (!s.ok()) return s.status();
    return Value(std::move(s).value());
  }
  return OpError("unsupported conversion from " + TypeName(a) + " to string");
}

Result<Value> ParseIntString(const std::string& s, int64_t min, int64_t max) {
  if (s.empty() || s.size() > 32) return OpError("cannot parse '" + s + "' as an integer");
  errno = 0;
  char* end = nullptr;
  long long v = std::strtoll(s.c_str(), &end, 10);
  if (end != s.c_str() + s.size() || s[0] == ' ' || s[0] == '+') {
    return OpError("cannot parse '" + s + "' as an integer");
  }
  if (errno == ERANGE || v < min || v > max) return OpError("conversion of '" + s + "' overflows");
  return Value(static_cast<int64_t>(v));
}

Result<Value> ToInteger(const Value& a, int64_t min, int64_t max, bool allow_date) {
  if (IsNullish(a)) return Value();
  if (a.is_bool()) return Value(int64_t{a.as_bool() ? 1 : 0});
  if (a.is_int()) {
    if (a.as_int() < min || a.as_int() > max) return OpError("conversion overflows");
    return a;
  }
  if (a.is_double()) {
    double d = std::trunc(a.as_double());
    if (!std::isfinite(d)) return OpError("cannot convert a non-finite double");
    if (d < static_cast<double>(min) || d >= -static_cast<double>(min)) {
      return OpError("conversion overflows");
    }
    return Value(static_cast<int64_t>(d));
  }
  if (a.is_string()) return ParseIntString(a.as_string(), min, max);
  if (a.is_date() && allow_date) return Value(a.as_date());
  return OpError("unsupported conversion from " + TypeName(a));
}

Result<Value> ToInt(std::vector<Value>& args) {
  return ToInteger(args[0], INT32_MIN, INT32_MAX, false);
}

Result<Value> ToLong(std::vector<Value>& args) {
  return ToInteger(args[0], INT64_MIN, INT64_MAX, true);
}

Result<Value> ToDouble(std::vector<Value>& args) {
  const Value& a = args[0];
  if (IsNullish(a)) return Value();
  if (a.is_bool()) return Value(a.as_bool() ? 1.0 : 0.0);
  if (a.is_number()) return Value(a.as_number());
  if (a.is_date()) return Value(static_cast<double>(a.as_date()));
  if (a.is_string()) {
    const std::string& s = a.as_string();
    if (s == "NaN") return Value(std::nan(""));
    if (s == "Infinity") return Value(HUGE_VAL);
    if (s == "-Infinity") return Value(-HUGE_VAL);
    char* end = nullptr;
    double d = s.empty() || s[0] == ' ' ? 0 : std::strtod(s.c_str(), &end);
    if (s.empty() || s[0] == ' ' || end != s.c_str() + s.size() || !std::isfinite(d)) {
      return OpError("cannot parse '" + s + "' as a double");
    }
    return Value(d);
  }
  return OpError("unsupported conversion from " + TypeName(a));
}

Result<Value> ToBool(std::vector<Value>& args) {
  const Value& a = args[0];
  if (IsNullish(a)) return Value();
  if (a.is_bool()) return a;
  if (a.is_number()) return Value(a.as_number() != 0);
  return Value(true);  // strings (even ""), dates, objects, arrays, binary
}

Result<Value> MergeObjects(std::vector<Value>& args) {
  Value out{Object()};
  for (Value& a : args) {
    if (IsNullish(a)) continue;
    if (!a.is_object()) return OpError("only supports objects, not " + TypeName(a));
    for (auto& [name, v] : a.as_object()) out.Set(name, std::move(v));
  }
  return out;
}

const OpInfo kOps[] = {
    {"$size", 1, 1, Size},
    {"$arrayElemAt", 2, 2, ArrayElemAt},
    {"$in", 2, 2, In},
    {"$isArray", 1, 1, IsArray},
    {"$concatArrays", 0, -1, ConcatArrays},
    {"$slice", 2, 3, Slice},
    {"$type", 1, 1, Type},
    {"$toString", 1, 1, ToString},
    {"$toInt", 1, 1, ToInt},
    {"$toLong", 1, 1, ToLong},
    {"$toDouble", 1, 1, ToDouble},
    {"$toBool", 1, 1, ToBool},
    {"$mergeObjects", 0, -1, MergeObjects},
};

}  // namespace

std::span<const OpInfo> ArrayTypeOps() { return kOps; }

}  // namespace strata::aggregate
