// String operators. Byte-oriented ($substrBytes, $strLenBytes) as MongoDB's are, but ranges
// that would cut a UTF-8 character are refused, and $trim works on code points.
#include <string>
#include <string_view>

#include "aggregate/expression_ops.h"

namespace strata::aggregate {

Result<std::string> CoerceToString(const Value& v) {
  if (IsNullish(v)) return std::string();
  if (v.is_string()) return v.as_string();
  if (v.is_int()) return std::to_string(v.as_int());
  if (v.is_double()) return FormatDouble(v.as_double());
  if (v.is_date()) return FormatDate(v.as_date());
  return OpError("cannot convert a " + std::string(TypeNameOf(v)) + " to a string");
}

namespace {

std::string TypeName(const Value& v) { return std::string(TypeNameOf(v)); }

bool IsContinuation(unsigned char c) { return (c & 0xC0) == 0x80; }

Result<Value> Concat(std::vector<Value>& args) {
  std::string out;
  for (const Value& a : args) {
    if (IsNullish(a)) return Value();
    if (!a.is_string()) return OpError("only supports strings, not " + TypeName(a));
    out += a.as_string();
  }
  return Value(std::move(out));
}

template <bool kUpper>
Result<Value> ChangeCase(std::vector<Value>& args) {
  Result<std::string> s = CoerceToString(args[0]);
  if (!s.ok()) return s.status();
  std::string out = std::move(s).value();
  for (char& c : out) {  // ASCII only, as MongoDB
    if (kUpper && c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (!kUpper && c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return Value(std::move(out));
}

Result<Value> SubstrBytes(std::vector<Value>& args) {
  Result<std::string> s = CoerceToString(args[0]);
  if (!s.ok()) return s.status();
  const std::string& str = *s;
  if (!args[1].is_number()) return OpError("starting index must be a number");
  if (!args[2].is_number()) return OpError("length must be a number");
  double start_d = args[1].as_number();
  double len_d = args[2].as_number();
  if (start_d < 0) return Value("");
  size_t start =
      start_d >= static_cast<double>(str.size()) ? str.size() : static_cast<size_t>(start_d);
  size_t len = (len_d < 0 || len_d >= static_cast<double>(str.size())) ? str.size()
                                                                       : static_cast<size_t>(len_d);
  if (start < str.size() && IsContinuation(static_cast<unsigned char>(str[start]))) {
    return OpError("invalid range: the starting index is inside a UTF-8 character");
  }
  if (start + len < str.size() && IsContinuation(static_cast<unsigned char>(str[start + len]))) {
    return OpError("invalid range: the ending index is inside a UTF-8 character");
  }
  if (start >= str.size()) return Value("");
  return Value(str.substr(start, len));
}

Result<Value> StrLenBytes(std::vector<Value>& args) {
  if (!args[0].is_string()) return OpError("requires a string, got " + TypeName(args[0]));
  return Value(static_cast<int64_t>(args[0].as_string().size()));
}

Result<Value> Split(std::vector<Value>& args) {
  const Value& s = args[0];
  const Value& d = args[1];
  if (IsNullish(s)) return Value();
  if (!s.is_string()) return OpError("requires a string to split, got " + TypeName(s));
  if (!d.is_string()) return OpError("requires a string delimiter, got " + TypeName(d));
  const std::string& str = s.as_string();
  const std::string& delim = d.as_string();
  if (delim.empty()) return OpError("the delimiter must not be empty");
  Array out;
  size_t start = 0;
  while (true) {
    size_t pos = str.find(delim, start);
    if (pos == std::string::npos) {
      out.emplace_back(str.substr(start));
      break;
    }
    out.emplace_back(str.substr(start, pos - start));
    start = pos + delim.size();
  }
  return Value(std::move(out));
}

// UTF-8 code points of `s`, as byte strings.
std::vector<std::string_view> CodePoints(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    size_t j = i + 1;
    while (j < s.size() && IsContinuation(static_cast<unsigned char>(s[j]))) ++j;
    out.push_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

const std::vector<std::string_view>& DefaultTrimChars() {
  static const auto* chars = new std::vector<std::string_view>{std::string_view("\0", 1),
                                                               " ",
                                                               "\t",
                                                               "\n",
                                                               "\v",
                                                               "\f",
                                                               "\r",
                                                               "\u00a0",
                                                               "\u1680",
                                                               "\u2000",
                                                               "\u2001",
                                                               "\u2002",
                                                               "\u2003",
                                                               "\u2004",
                                                               "\u2005",
                                                               "\u2006",
                                                               "\u2007",
                                                               "\u2008",
                                                               "\u2009",
                                                               "\u200a",
                                                               "\u2028",
                                                               "\u2029",
                                                               "\u202f",
                                                               "\u205f",
                                                               "\u3000"};
  return *chars;
}

template <bool kLeft, bool kRight>
Result<Value> Trim(std::vector<Value>& args) {
  const Value& input = args[0];
  const Value& chars = args[1];
  if (IsNullish(input)) return Value();
  if (!input.is_string()) return OpError("requires a string input, got " + TypeName(input));
  std::vector<std::string_view> custom;
  const std::vector<std::string_view>* set = &DefaultTrimChars();
  if (!IsMissing(chars)) {
    if (chars.is_null()) return Value();
    if (!chars.is_string()) return OpError("'chars' must be a string, got " + TypeName(chars));
    custom = CodePoints(chars.as_string());
    set = &custom;
  }
  auto in_set = [set](std::string_view cp) {
    for (std::string_view c : *set) {
      if (c == cp) return true;
    }
    return false;
  };
  std::vector<std::string_view> cps = CodePoints(input.as_string());
  size_t begin = 0, end = cps.size();
  if (kLeft) {
    while (begin < end && in_set(cps[begin])) ++begin;
  }
  if (kRight) {
    while (end > begin && in_set(cps[end - 1])) --end;
  }
  std::string out;
  for (size_t i = begin; i < end; ++i) out += cps[i];
  return Value(std::move(out));
}

const OpInfo kOps[] = {
    {"$concat", 0, -1, Concat},
    {"$toLower", 1, 1, ChangeCase<false>},
    {"$toUpper", 1, 1, ChangeCase<true>},
    {"$substr", 3, 3, SubstrBytes},
    {"$substrBytes", 3, 3, SubstrBytes},
    {"$strLenBytes", 1, 1, StrLenBytes},
    {"$split", 2, 2, Split},
    {"$trim", 2, 2, Trim<true, true>},
    {"$ltrim", 2, 2, Trim<true, false>},
    {"$rtrim", 2, 2, Trim<false, true>},
};

}  // namespace

std::span<const OpInfo> StringOps() { return kOps; }

}  // namespace strata::aggregate
