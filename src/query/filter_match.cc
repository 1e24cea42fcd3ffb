// Evaluation of the filter tree: MongoDB's matching rules over Values.
#include <re2/re2.h>

#include <cmath>
#include <cstdint>
#include <limits>

#include "query/filter_internal.h"

namespace strata::query {

bool AndNode::Matches(const Value& doc) const {
  for (const auto& c : children_) {
    if (!c->Matches(doc)) return false;
  }
  return true;
}

bool OrNode::Matches(const Value& doc) const {
  for (const auto& c : children_) {
    if (c->Matches(doc)) return true;
  }
  return false;
}

bool PathNode::Matches(const Value& doc) const {
  const ValuePred& pred = *pred_;
  return codec::VisitPath(doc, path_, pred.ExpandLeafArrays(),
                          [&pred](const Value* v) { return pred.MatchesSingle(v); });
}

namespace {

bool IsNaN(const Value& v) { return v.is_double() && std::isnan(v.as_double()); }

}  // namespace

bool CompareSingle(const Value* v, CmpOp op, const Value& operand) {
  if (v == nullptr) {
    // A missing field compares as null, and only null is equal to it.
    if (!operand.is_null()) return false;
    return op == CmpOp::kEq || op == CmpOp::kGte || op == CmpOp::kLte;
  }
  if (TypeOrder(v->type()) != TypeOrder(operand.type())) {
    // Type bracketing: different kinds never compare, except against MinKey/MaxKey bounds.
    if (operand.is_max_key()) return op == CmpOp::kLt || op == CmpOp::kLte;
    if (operand.is_min_key()) return op == CmpOp::kGt || op == CmpOp::kGte;
    return false;
  }
  if (IsNaN(operand)) {
    // NaN is equal to NaN and otherwise neither above nor below anything.
    const bool nan = IsNaN(*v);
    return nan && (op == CmpOp::kEq || op == CmpOp::kGte || op == CmpOp::kLte);
  }
  if (IsNaN(*v)) return false;
  const int c = CompareValues(*v, operand);
  switch (op) {
    case CmpOp::kEq:
      return c == 0;
    case CmpOp::kGt:
      return c > 0;
    case CmpOp::kGte:
      return c >= 0;
    case CmpOp::kLt:
      return c < 0;
    case CmpOp::kLte:
      return c <= 0;
  }
  return false;
}

bool InPred::MatchesSingle(const Value* v) const {
  for (const Value& o : operands_) {
    if (CompareSingle(v, CmpOp::kEq, o)) return true;
  }
  return false;
}

bool TypePred::MatchesSingle(const Value* v) const {
  if (v == nullptr) return false;
  for (int t : types_) {
    switch (t) {
      case kNumberAlias:
        if (v->is_number()) return true;
        break;
      case 16:  // "int": 32-bit integers; Strata stores every integer as int64
        if (v->is_int() && v->as_int() >= std::numeric_limits<int32_t>::min() &&
            v->as_int() <= std::numeric_limits<int32_t>::max()) {
          return true;
        }
        break;
      case -1:
        if (v->is_min_key()) return true;
        break;
      default:
        if (static_cast<int>(v->type()) == t) return true;
    }
  }
  return false;
}

bool RegexPred::MatchesSingle(const Value* v) const {
  return v != nullptr && v->is_string() && RE2::PartialMatch(v->as_string(), *re_);
}

bool ElemMatchObjectPred::MatchesSingle(const Value* v) const {
  if (v == nullptr || !v->is_array()) return false;
  for (const Value& e : v->as_array()) {
    if ((e.is_object() || e.is_array()) && sub_->Matches(e)) return true;
  }
  return false;
}

bool ElemMatchValuePred::MatchesSingle(const Value* v) const {
  if (v == nullptr || !v->is_array()) return false;
  for (const Value& e : v->as_array()) {
    bool all = true;
    for (const auto& p : preds_) {
      if (!p->MatchesSingle(&e)) {
        all = false;
        break;
      }
    }
    if (all) return true;
  }
  return false;
}

bool AndPred::MatchesSingle(const Value* v) const {
  for (const auto& p : preds_) {
    if (!p->MatchesSingle(v)) return false;
  }
  return true;
}

}  // namespace strata::query
