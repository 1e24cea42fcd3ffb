// Aggregation expressions: field paths ("$a.b", fanning out over arrays as MongoDB does), system
// variables ($$ROOT $$CURRENT $$NOW $$REMOVE), literals and $literal, object and array literals
// with expressions inside, and operators:
//   arithmetic  $add $subtract $multiply $divide $mod $abs $ceil $floor $round $trunc
//   comparison  $eq $ne $gt $gte $lt $lte $cmp
//   boolean     $and $or $not; conditional $cond $ifNull $switch
//   strings     $concat $toLower $toUpper $substr $substrBytes $strLenBytes $split $trim $ltrim
//   $rtrim arrays      $size $arrayElemAt $in $isArray $concatArrays $slice types       $type
//   $toString $toInt $toLong $toDouble $toBool objects     $mergeObjects; array reductions $sum
//   $avg $min $max
// Integer arithmetic stays int64 and becomes double on overflow; $divide is always double.
// Evaluation returns Missing() (value_ops.h) for a missing field. Errors name the operator:
// "$add: cannot add a string". Thread safety: a parsed Expression is immutable.
#pragma once

#include <cstdint>
#include <memory>

#include "strata/status.h"
#include "strata/value.h"

namespace strata::aggregate {

struct Variables {
  const Value* root = nullptr;     // $$ROOT
  const Value* current = nullptr;  // $$CURRENT; "$a" means "$$CURRENT.a"
  int64_t now_millis = 0;          // $$NOW
};

class Expression {
 public:
  virtual ~Expression() = default;

  // InvalidArgument names the operator: "unknown expression operator $foo".
  static Result<std::unique_ptr<Expression>> Parse(const Value& spec);

  virtual Result<Value> Evaluate(const Variables& vars) const = 0;

  // A constant's value, or nullptr (lets stages tell `{a: 1}` from `{a: "$x"}`).
  virtual const Value* constant() const { return nullptr; }
};

// Evaluates `expr` with $$ROOT and $$CURRENT both `doc` (tests, one-off use).
Result<Value> EvaluateExpression(const Value& spec, const Value& doc, int64_t now_millis = 0);

}  // namespace strata::aggregate
