// The operator tables behind Expression::Parse (expression.cc). Each family file defines its
// operators as plain functions over evaluated arguments; the parser checks the argument count
// and prefixes an operator's own errors with its name.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "aggregate/value_ops.h"
#include "strata/status.h"
#include "strata/value.h"

namespace strata::aggregate {

// Evaluated arguments (Missing() for a missing field). An error's message leaves out the
// operator's name; the caller adds "$op: ".
using OpFn = Result<Value> (*)(std::vector<Value>& args);

struct OpInfo {
  const char* name;
  int min_args;
  int max_args;  // -1: any number
  OpFn fn;
};

std::span<const OpInfo> ArithmeticOps();  // expression_arith.cc (+ comparison, reductions)
std::span<const OpInfo> StringOps();      // expression_string.cc
std::span<const OpInfo> ArrayTypeOps();   // expression_array_type.cc (arrays, types, objects)

// Helpers the families share.
Status OpError(std::string message);  // InvalidArgument
// A string for $concat-like coercion: strings, numbers and dates; null/missing give "".
Result<std::string> CoerceToString(const Value& v);

}  // namespace strata::aggregate
