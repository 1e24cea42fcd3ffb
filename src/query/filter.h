// Filters: MongoDB's query language over Values.
//
// Operators: $eq $ne $gt $gte $lt $lte $in $nin $exists $type $regex (RE2, with $options i m s x)
// $and $or $nor $not $all $size $elemMatch, implicit equality, dotted paths with MongoDB's array
// semantics (a condition on an array field matches when the array itself or any element
// matches), and comparison type bracketing ({$gt: 5} matches numbers only). Thread safety: a
// parsed Filter is immutable; Matches may be called from many threads.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "strata/status.h"
#include "strata/value.h"

namespace strata::query {

class MatchNode;  // the parsed expression tree (filter.cc)

// A condition on one path that every matching document satisfies, for the planner. Only
// top-level conjuncts are reported, and only $eq (scalar operand), $in (scalar operands) and
// the four range operators. The filter itself is still applied to every fetched document.
struct PathPredicate {
  enum class Op { kEq, kIn, kGt, kGte, kLt, kLte };
  std::string path;
  Op op;
  std::vector<Value> operands;  // one, except for kIn
};

class Filter {
 public:
  Filter();  // matches everything
  ~Filter();
  Filter(Filter&&) noexcept;
  Filter& operator=(Filter&&) noexcept;

  // InvalidArgument names the operator and the path at fault, e.g.
  // "unknown operator $foo at 'a.b'" or "$in needs an array at 'tags'".
  static Result<Filter> Parse(const Value& spec);

  bool Matches(const Value& doc) const;
  bool empty() const;  // matches everything
  const std::vector<PathPredicate>& predicates() const { return predicates_; }
  // Whether the filter means exactly "every one of predicates() holds": it has no condition
  // the planner cannot see ($ne, $exists, $or, a non-scalar operand...). An index scan whose
  // bounds take in every predicate then needs no filter on what it fetches.
  bool predicates_are_exact() const { return predicates_exact_; }

 private:
  std::unique_ptr<const MatchNode> root_;
  std::vector<PathPredicate> predicates_;
  bool predicates_exact_ = true;
};

}  // namespace strata::query
