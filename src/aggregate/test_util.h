// Test helpers for the aggregate layer: J() reads relaxed JSON as the mongo shell writes it
// (unquoted keys, single or double quotes; integers become ints, numbers with '.' or an
// exponent doubles) and Show() prints a Value so that ints and doubles differ ("1" vs "1.0").
#pragma once

#include <cctype>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "aggregate/pipeline.h"
#include "aggregate/value_ops.h"
#include "strata/value.h"

namespace strata::aggregate::testing {

class RelaxedJsonReader {
 public:
  explicit RelaxedJsonReader(std::string_view text) : s_(text) {}

  Value ReadAll() {
    Value v = Read();
    Skip();
    if (i_ != s_.size()) Fail("trailing text");
    return v;
  }

 private:
  [[noreturn]] void Fail(const std::string& what) {
    throw std::runtime_error("bad test JSON at " + std::to_string(i_) + ": " + what + " in " +
                             std::string(s_));
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
  std::string ReadString() {
    char quote = s_[i_++];
    std::string out;
    while (i_ < s_.size() && s_[i_] != quote) {
      char c = s_[i_++];
      if (c == '\\' && i_ < s_.size()) {
        char e = s_[i_++];
        out += e == 'n' ? '\n' : e == 't' ? '\t' : e == '0' ? '\0' : e;
      } else {
        out += c;
      }
    }
    if (i_ >= s_.size()) Fail("unterminated string");
    ++i_;
    return out;
  }
  std::string ReadKey() {
    Skip();
    if (i_ < s_.size() && (s_[i_] == '"' || s_[i_] == '\'')) return ReadString();
    size_t start = i_;
    while (i_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[i_])) || s_[i_] == '_' ||
                              s_[i_] == '$' || s_[i_] == '.')) {
      ++i_;
    }
    if (start == i_) Fail("expected a key");
    return std::string(s_.substr(start, i_ - start));
  }
  Value Read() {
    Skip();
    if (i_ >= s_.size()) Fail("unexpected end");
    char c = s_[i_];
    if (c == '{') {
      ++i_;
      Object obj;
      if (Eat('}')) return Value(std::move(obj));
      do {
        std::string key = ReadKey();
        if (!Eat(':')) Fail("expected ':'");
        obj.emplace_back(std::move(key), Read());
      } while (Eat(','));
      if (!Eat('}')) Fail("expected '}'");
      return Value(std::move(obj));
    }
    if (c == '[') {
      ++i_;
      Array arr;
      if (Eat(']')) return Value(std::move(arr));
      do {
        arr.push_back(Read());
      } while (Eat(','));
      if (!Eat(']')) Fail("expected ']'");
      return Value(std::move(arr));
    }
    if (c == '"' || c == '\'') return Value(ReadString());
    for (auto [word, value] : {std::pair<const char*, Value>{"true", Value(true)},
                               {"false", Value(false)},
                               {"null", Value()}}) {
      if (s_.substr(i_).starts_with(word)) {
        i_ += std::string_view(word).size();
        return value;
      }
    }
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

inline Value J(std::string_view text) { return RelaxedJsonReader(text).ReadAll(); }

inline void AppendShow(const Value& v, std::string* out) {
  if (IsMissing(v)) {
    *out += "<missing>";
  } else if (v.is_null()) {
    *out += "null";
  } else if (v.is_bool()) {
    *out += v.as_bool() ? "true" : "false";
  } else if (v.is_int()) {
    *out += std::to_string(v.as_int());
  } else if (v.is_double()) {
    std::string d = FormatDouble(v.as_double());
    if (d.find_first_of(".eNI") == std::string::npos) d += ".0";
    *out += d;
  } else if (v.is_string()) {
    *out += "\"" + v.as_string() + "\"";
  } else if (v.is_date()) {
    *out += "Date(" + std::to_string(v.as_date()) + ")";
  } else if (v.is_array()) {
    *out += "[";
    for (size_t i = 0; i < v.as_array().size(); ++i) {
      if (i > 0) *out += ", ";
      AppendShow(v.as_array()[i], out);
    }
    *out += "]";
  } else if (v.is_object()) {
    *out += "{";
    bool first = true;
    for (const auto& [name, item] : v.as_object()) {
      if (!first) *out += ", ";
      first = false;
      *out += name + ": ";
      AppendShow(item, out);
    }
    *out += "}";
  } else {
    *out += "<" + std::string(ValueTypeName(v.type())) + ">";
  }
}

inline std::string Show(const Value& v) {
  std::string out;
  AppendShow(v, &out);
  return out;
}

inline std::string Show(const std::vector<Value>& docs) { return Show(Value(Array(docs))); }

// Parses and runs a pipeline over relaxed-JSON documents; the result as Show() text, or
// "error: <message>".
inline std::string Agg(std::string_view pipeline, std::string_view docs,
                       const PipelineOptions& options = {}) {
  Result<Pipeline> p = Pipeline::Parse(J(pipeline));
  if (!p.ok()) return "error: " + p.status().message();
  Result<std::vector<Value>> out = RunPipeline(*p, J(docs).as_array(), options);
  if (!out.ok()) return "error: " + out.status().message();
  return Show(*out);
}

}  // namespace strata::aggregate::testing
