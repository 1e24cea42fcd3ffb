// Test helper: Values from a relaxed JSON text (bare or single-quoted keys, single-quoted strings)
// so query tests read like the MongoDB manual, and a printer for failure messages. Integers
// become ints, numbers with '.' or 'e' doubles. Aborts the test on malformed input.
#pragma once

#include <gtest/gtest.h>

#include <cctype>
#include <cstdlib>
#include <string>
#include <string_view>

#include "strata/value.h"

namespace strata::query::testing {

class RelaxedJson {
 public:
  explicit RelaxedJson(std::string_view s) : s_(s) {}

  Value Parse() {
    Value v = ParseValue();
    Skip();
    if (i_ != s_.size()) Fail("trailing text");
    return v;
  }

 private:
  void Fail(const char* what) {
    ADD_FAILURE() << "bad test JSON (" << what << ") at " << i_ << ": " << s_;
    std::abort();
  }
  void Skip() {
    while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_]))) ++i_;
  }
  bool Eat(char c) {
    Skip();
    if (i_ < s_.size() && s_[i_] == c) {
      ++i_;
      return true;
    }
    return false;
  }
  std::string ParseString() {
    const char q = s_[i_++];
    std::string out;
    while (i_ < s_.size() && s_[i_] != q) {
      if (s_[i_] == '\\' && i_ + 1 < s_.size()) {
        ++i_;
        const char e = s_[i_];
        out += e == 'n' ? '\n' : e == 't' ? '\t' : e;
      } else {
        out += s_[i_];
      }
      ++i_;
    }
    if (i_ == s_.size()) Fail("unterminated string");
    ++i_;
    return out;
  }
  std::string ParseKey() {
    Skip();
    if (i_ < s_.size() && (s_[i_] == '"' || s_[i_] == '\'')) return ParseString();
    size_t start = i_;
    while (i_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[i_])) || s_[i_] == '_' ||
                              s_[i_] == '$' || s_[i_] == '.')) {
      ++i_;
    }
    if (start == i_) Fail("key expected");
    return std::string(s_.substr(start, i_ - start));
  }
  Value ParseValue() {
    Skip();
    if (i_ >= s_.size()) Fail("value expected");
    const char c = s_[i_];
    if (c == '{') {
      ++i_;
      Object o;
      if (Eat('}')) return Value(std::move(o));
      do {
        std::string k = ParseKey();
        if (!Eat(':')) Fail("':' expected");
        o.emplace_back(std::move(k), ParseValue());
      } while (Eat(','));
      if (!Eat('}')) Fail("'}' expected");
      return Value(std::move(o));
    }
    if (c == '[') {
      ++i_;
      Array a;
      if (Eat(']')) return Value(std::move(a));
      do {
        a.push_back(ParseValue());
      } while (Eat(','));
      if (!Eat(']')) Fail("']' expected");
      return Value(std::move(a));
    }
    if (c == '"' || c == '\'') return Value(ParseString());
    if (s_.substr(i_, 4) == "null") return i_ += 4, Value();
    if (s_.substr(i_, 4) == "true") return i_ += 4, Value(true);
    if (s_.substr(i_, 5) == "false") return i_ += 5, Value(false);
    size_t start = i_;
    bool is_double = false;
    while (i_ < s_.size() && (std::isdigit(static_cast<unsigned char>(s_[i_])) ||
                              std::string_view("+-.eE").find(s_[i_]) != std::string_view::npos)) {
      if (std::string_view(".eE").find(s_[i_]) != std::string_view::npos) is_double = true;
      ++i_;
    }
    if (start == i_) Fail("unexpected character");
    std::string num(s_.substr(start, i_ - start));
    if (is_double) return Value(std::strtod(num.c_str(), nullptr));
    return Value(static_cast<int64_t>(std::strtoll(num.c_str(), nullptr, 10)));
  }

  std::string_view s_;
  size_t i_ = 0;
};

inline Value J(std::string_view s) { return RelaxedJson(s).Parse(); }

inline void AppendDebug(const Value& v, std::string* out) {
  switch (v.type()) {
    case ValueType::kNull:
      *out += "null";
      break;
    case ValueType::kBool:
      *out += v.as_bool() ? "true" : "false";
      break;
    case ValueType::kInt:
      *out += std::to_string(v.as_int());
      break;
    case ValueType::kDouble: {
      std::string d = std::to_string(v.as_double());
      *out += d;
      break;
    }
    case ValueType::kString:
      *out += "\"" + v.as_string() + "\"";
      break;
    case ValueType::kDate:
      *out += "Date(" + std::to_string(v.as_date()) + ")";
      break;
    case ValueType::kBinary:
      *out += "Binary(" + std::to_string(v.as_binary().size()) + ")";
      break;
    case ValueType::kMinKey:
      *out += "MinKey";
      break;
    case ValueType::kMaxKey:
      *out += "MaxKey";
      break;
    case ValueType::kArray: {
      *out += "[";
      bool first = true;
      for (const Value& e : v.as_array()) {
        if (!first) *out += ", ";
        first = false;
        AppendDebug(e, out);
      }
      *out += "]";
      break;
    }
    case ValueType::kObject: {
      *out += "{";
      bool first = true;
      for (const auto& [k, e] : v.as_object()) {
        if (!first) *out += ", ";
        first = false;
        *out += k + ": ";
        AppendDebug(e, out);
      }
      *out += "}";
      break;
    }
  }
}

inline std::string Debug(const Value& v) {
  std::string s;
  AppendDebug(v, &s);
  return s;
}

}  // namespace strata::query::testing
