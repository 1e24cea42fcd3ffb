// The filter's expression tree (private to the query layer): MatchNodes decide over a whole
// document; ValuePreds decide over one value that a path reaches (MongoDB's
// matchesSingleElement), nullptr standing for a missing field.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "codec/path.h"
#include "query/filter.h"
#include "strata/value.h"

namespace re2 {
class RE2;
}

namespace strata::query {

class MatchNode {
 public:
  virtual ~MatchNode() = default;
  virtual bool Matches(const Value& doc) const = 0;
};

using NodePtr = std::unique_ptr<MatchNode>;

class ValuePred {
 public:
  virtual ~ValuePred() = default;
  virtual bool MatchesSingle(const Value* v) const = 0;
  // Whether an array reached at the end of the path is also tried element by element ($size and
  // $elemMatch look at the array only).
  virtual bool ExpandLeafArrays() const { return true; }
};

using PredPtr = std::unique_ptr<ValuePred>;

// ---- document-level nodes ----

class AndNode : public MatchNode {
 public:
  explicit AndNode(std::vector<NodePtr> children) : children_(std::move(children)) {}
  bool Matches(const Value& doc) const override;
  size_t size() const { return children_.size(); }

 private:
  std::vector<NodePtr> children_;
};

class OrNode : public MatchNode {
 public:
  explicit OrNode(std::vector<NodePtr> children) : children_(std::move(children)) {}
  bool Matches(const Value& doc) const override;

 private:
  std::vector<NodePtr> children_;
};

class NotNode : public MatchNode {  // also $nor (over an OrNode)
 public:
  explicit NotNode(NodePtr child) : child_(std::move(child)) {}
  bool Matches(const Value& doc) const override { return !child_->Matches(doc); }

 private:
  NodePtr child_;
};

class ConstNode : public MatchNode {
 public:
  explicit ConstNode(bool result) : result_(result) {}
  bool Matches(const Value&) const override { return result_; }

 private:
  bool result_;
};

// True when some value the path reaches satisfies the predicate.
class PathNode : public MatchNode {
 public:
  PathNode(codec::FieldPath path, PredPtr pred) : path_(std::move(path)), pred_(std::move(pred)) {}
  bool Matches(const Value& doc) const override;

 private:
  codec::FieldPath path_;
  PredPtr pred_;
};

// ---- value-level predicates ----

enum class CmpOp { kEq, kGt, kGte, kLt, kLte };

// True when `v` (nullptr: missing) stands in relation `op` to `operand`, with MongoDB's type
// bracketing and null-matches-missing rule.
bool CompareSingle(const Value* v, CmpOp op, const Value& operand);

class ComparePred : public ValuePred {
 public:
  ComparePred(CmpOp op, Value operand) : op_(op), operand_(std::move(operand)) {}
  bool MatchesSingle(const Value* v) const override { return CompareSingle(v, op_, operand_); }

 private:
  CmpOp op_;
  Value operand_;
};

class InPred : public ValuePred {
 public:
  explicit InPred(std::vector<Value> operands) : operands_(std::move(operands)) {}
  bool MatchesSingle(const Value* v) const override;

 private:
  std::vector<Value> operands_;
};

class ExistsPred : public ValuePred {
 public:
  bool MatchesSingle(const Value* v) const override { return v != nullptr; }
};

class TypePred : public ValuePred {
 public:
  // MongoDB type numbers; kNumberAlias stands for "number".
  static constexpr int kNumberAlias = 1000;
  explicit TypePred(std::vector<int> types) : types_(std::move(types)) {}
  bool MatchesSingle(const Value* v) const override;

 private:
  std::vector<int> types_;
};

class RegexPred : public ValuePred {
 public:
  explicit RegexPred(std::shared_ptr<const re2::RE2> re) : re_(std::move(re)) {}
  bool MatchesSingle(const Value* v) const override;

 private:
  std::shared_ptr<const re2::RE2> re_;
};

class SizePred : public ValuePred {
 public:
  explicit SizePred(size_t size) : size_(size) {}
  bool MatchesSingle(const Value* v) const override {
    return v != nullptr && v->is_array() && v->as_array().size() == size_;
  }
  bool ExpandLeafArrays() const override { return false; }

 private:
  size_t size_;
};

// {$elemMatch: {b: 1}}: some object (or array) element matches the sub-filter.
class ElemMatchObjectPred : public ValuePred {
 public:
  explicit ElemMatchObjectPred(NodePtr sub) : sub_(std::move(sub)) {}
  bool MatchesSingle(const Value* v) const override;
  bool ExpandLeafArrays() const override { return false; }

 private:
  NodePtr sub_;
};

// {$elemMatch: {$gt: 1, $lt: 5}}: some element satisfies every predicate.
class ElemMatchValuePred : public ValuePred {
 public:
  explicit ElemMatchValuePred(std::vector<PredPtr> preds) : preds_(std::move(preds)) {}
  bool MatchesSingle(const Value* v) const override;
  bool ExpandLeafArrays() const override { return false; }

 private:
  std::vector<PredPtr> preds_;
};

// Value-level $not/$ne/$nin inside a value $elemMatch (and $pull conditions).
class NotPred : public ValuePred {
 public:
  explicit NotPred(PredPtr inner) : inner_(std::move(inner)) {}
  bool MatchesSingle(const Value* v) const override { return !inner_->MatchesSingle(v); }

 private:
  PredPtr inner_;
};

class AndPred : public ValuePred {
 public:
  explicit AndPred(std::vector<PredPtr> preds) : preds_(std::move(preds)) {}
  bool MatchesSingle(const Value* v) const override;

 private:
  std::vector<PredPtr> preds_;
};

// ---- parsing entry points shared with updates ($pull) ----

// What parsing the top-level conjunction tells the planner: the conditions it can use, and
// whether they are all the filter says (no condition was left out of them).
struct PlannerReport {
  std::vector<PathPredicate> predicates;
  bool exact = true;
};

// Parses a whole filter document. Fills `report` (may be nullptr) when this is the top-level
// conjunction.
Result<NodePtr> ParseFilterNode(const Value& spec, PlannerReport* report);

// Whether an object is an operator expression ({$gt: 1, ...}) rather than a literal: its first
// field name starts with '$'.
bool IsOperatorObject(const Value& v);

// Parses an operator object as a condition on one value ($pull's {$gte: 6}, a value
// $elemMatch). `path` names the place in error messages.
Result<PredPtr> ParseValueCondition(const Value& ops, const std::string& path);

}  // namespace strata::query
