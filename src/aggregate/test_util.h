// Test helpers for the aggregate layer: J() reads relaxed JSON as the mongo shell writes it
// (query/query_test_util.h) and Show() prints a Value so that ints and doubles differ ("1" vs
// "1.0").
#pragma once

#include <cctype>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "aggregate/pipeline.h"
#include "aggregate/value_ops.h"
#include "query/query_test_util.h"
#include "strata/value.h"

namespace strata::aggregate::testing {

// Relaxed JSON is the query layer's test reader; one reader for both layers' tests.
inline Value J(std::string_view text) { return query::testing::J(text); }

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
