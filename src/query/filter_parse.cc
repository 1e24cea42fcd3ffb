// Parsing of filter documents into the match tree (filter_internal.h).
#include <re2/re2.h>

#include <boost/container/small_vector.hpp>
#include <cmath>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include "query/filter_internal.h"

namespace strata::query {
namespace {

Status Err(std::string msg) { return Status::InvalidArgument(std::move(msg)); }
std::string At(const std::string& path) { return " at '" + path + "'"; }

class FalsePred : public ValuePred {
 public:
  bool MatchesSingle(const Value*) const override { return false; }
};

// One operator's contribution on a path: "some value satisfies pred", or the negation of that,
// or ($not) the negation of a conjunction.
struct Cond {
  PredPtr pred;
  bool negated = false;
  std::vector<Cond> inner;  // $not: NOT(AND(inner))
};

Cond Positive(PredPtr p) { return Cond{std::move(p), false, {}}; }
Cond Negative(PredPtr p) { return Cond{std::move(p), true, {}}; }

NodePtr ToNode(Cond c, const codec::FieldPath& path) {
  if (c.pred != nullptr) {
    NodePtr n = std::make_unique<PathNode>(path, std::move(c.pred));
    return c.negated ? std::make_unique<NotNode>(std::move(n)) : std::move(n);
  }
  std::vector<NodePtr> kids;
  for (Cond& i : c.inner) kids.push_back(ToNode(std::move(i), path));
  return std::make_unique<NotNode>(std::make_unique<AndNode>(std::move(kids)));
}

PredPtr ToPred(Cond c) {
  if (c.pred != nullptr) {
    return c.negated ? std::make_unique<NotPred>(std::move(c.pred)) : std::move(c.pred);
  }
  std::vector<PredPtr> kids;
  for (Cond& i : c.inner) kids.push_back(ToPred(std::move(i)));
  return std::make_unique<NotPred>(std::make_unique<AndPred>(std::move(kids)));
}

// A one-operand list, with the operand copied once (a braced list copies it twice: into the
// initializer_list, then out of it).
std::vector<Value> One(const Value& v) {
  std::vector<Value> out;
  out.reserve(1);
  out.push_back(v);
  return out;
}

bool Truthy(const Value& v) {
  if (v.is_null()) return false;
  if (v.is_bool()) return v.as_bool();
  if (v.is_number()) return v.as_number() != 0;
  return true;
}

// Operands an index can look up: scalars with a total order inside their type.
bool PlannerScalar(const Value& v) {
  if (v.is_double()) return !std::isnan(v.as_double());
  return v.is_int() || v.is_string() || v.is_bool() || v.is_date() || v.is_binary();
}

// x mode: drops unescaped whitespace and #-comments outside character classes.
std::string StripExtended(const std::string& p) {
  std::string out;
  bool in_class = false;
  for (size_t i = 0; i < p.size(); ++i) {
    const char c = p[i];
    if (c == '\\' && i + 1 < p.size()) {
      out += c;
      out += p[++i];
      continue;
    }
    if (in_class) {
      if (c == ']') in_class = false;
      out += c;
      continue;
    }
    if (c == '[') {
      in_class = true;
      out += c;
    } else if (c == '#') {
      while (i + 1 < p.size() && p[i + 1] != '\n') ++i;
    } else if (c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\v') {
      out += c;
    }
  }
  return out;
}

Result<PredPtr> CompileRegex(const std::string& pattern, const std::string& options,
                             const std::string& path) {
  std::string flags;
  bool extended = false;
  for (char c : options) {
    switch (c) {
      case 'i':
      case 'm':
      case 's':
        if (flags.find(c) == std::string::npos) flags += c;
        break;
      case 'x':
        extended = true;
        break;
      case 'u':
        break;  // patterns are UTF-8 already
      default:
        return Err(std::string("invalid flag '") + c + "' in $options" + At(path));
    }
  }
  std::string pat = extended ? StripExtended(pattern) : pattern;
  if (!flags.empty()) pat = "(?" + flags + ")" + pat;
  RE2::Options o;
  o.set_log_errors(false);
  auto re = std::make_shared<RE2>(pat, o);
  if (!re->ok()) return Err("invalid regex" + At(path) + ": " + re->error());
  return PredPtr(std::make_unique<RegexPred>(std::move(re)));
}

// MongoDB's $type aliases and numbers (numbers of types Strata lacks are valid, match nothing).
Result<int> TypeCode(const Value& t, const std::string& path) {
  static const std::pair<const char*, int> kNames[] = {{"double", 1},
                                                       {"string", 2},
                                                       {"object", 3},
                                                       {"array", 4},
                                                       {"binData", 5},
                                                       {"undefined", 6},
                                                       {"objectId", 7},
                                                       {"bool", 8},
                                                       {"date", 9},
                                                       {"null", 10},
                                                       {"regex", 11},
                                                       {"dbPointer", 12},
                                                       {"javascript", 13},
                                                       {"symbol", 14},
                                                       {"int", 16},
                                                       {"timestamp", 17},
                                                       {"long", 18},
                                                       {"decimal", 19},
                                                       {"minKey", -1},
                                                       {"maxKey", 127},
                                                       {"javascriptWithScope", 15},
                                                       {"number", TypePred::kNumberAlias}};
  if (t.is_string()) {
    for (const auto& [name, code] : kNames) {
      if (t.as_string() == name) return code;
    }
    return Err("unknown type name '" + t.as_string() + "' in $type" + At(path));
  }
  if (t.is_number()) {
    const double d = t.as_number();
    if (d == std::trunc(d) && ((d >= 1 && d <= 19) || d == -1 || d == 127)) {
      return static_cast<int>(d);
    }
    return Err("invalid type number in $type" + At(path));
  }
  return Err("$type needs a type name or number" + At(path));
}

Result<PredPtr> ParseType(const Value& operand, const std::string& path) {
  std::vector<int> codes;
  if (operand.is_array()) {
    for (const Value& t : operand.as_array()) {
      Result<int> c = TypeCode(t, path);
      if (!c.ok()) return c.status();
      codes.push_back(*c);
    }
  } else {
    Result<int> c = TypeCode(operand, path);
    if (!c.ok()) return c.status();
    codes.push_back(*c);
  }
  return PredPtr(std::make_unique<TypePred>(std::move(codes)));
}

Status ParseOps(const Value& ops, const std::string& path, std::vector<Cond>* out,
                PlannerReport* planner);

Result<PredPtr> ParseElemMatch(const Value& operand, const std::string& path) {
  if (!operand.is_object()) return Err("$elemMatch needs an object" + At(path));
  const Object& fields = operand.as_object();
  const bool value_form = IsOperatorObject(operand) && fields[0].first != "$and" &&
                          fields[0].first != "$or" && fields[0].first != "$nor";
  if (value_form) {
    std::vector<Cond> conds;
    STRATA_RETURN_IF_ERROR(ParseOps(operand, path, &conds, nullptr));
    std::vector<PredPtr> preds;
    for (Cond& c : conds) preds.push_back(ToPred(std::move(c)));
    return PredPtr(std::make_unique<ElemMatchValuePred>(std::move(preds)));
  }
  Result<NodePtr> sub = ParseFilterNode(operand, nullptr);
  if (!sub.ok()) return sub.status();
  return PredPtr(std::make_unique<ElemMatchObjectPred>(std::move(*sub)));
}

Status ParseOps(const Value& ops, const std::string& path, std::vector<Cond>* out,
                PlannerReport* planner) {
  const Value* regex = ops.Find("$regex");
  const Value* options = ops.Find("$options");
  bool planned = false;  // the operator being parsed gave the planner a predicate
  auto plan = [&](PathPredicate::Op op, std::vector<Value> operands) {
    planned = true;
    if (planner != nullptr) planner->predicates.push_back({path, op, std::move(operands)});
  };
  for (const auto& [name, operand] : ops.as_object()) {
    const size_t conds_before = out->size();
    planned = false;
    if (name == "$eq") {
      if (PlannerScalar(operand)) plan(PathPredicate::Op::kEq, One(operand));
      out->push_back(Positive(std::make_unique<ComparePred>(CmpOp::kEq, operand)));
    } else if (name == "$ne") {
      out->push_back(Negative(std::make_unique<ComparePred>(CmpOp::kEq, operand)));
    } else if (name == "$gt" || name == "$gte" || name == "$lt" || name == "$lte") {
      CmpOp op = name == "$gt"    ? CmpOp::kGt
                 : name == "$gte" ? CmpOp::kGte
                 : name == "$lt"  ? CmpOp::kLt
                                  : CmpOp::kLte;
      if (PlannerScalar(operand)) {
        plan(op == CmpOp::kGt    ? PathPredicate::Op::kGt
             : op == CmpOp::kGte ? PathPredicate::Op::kGte
             : op == CmpOp::kLt  ? PathPredicate::Op::kLt
                                 : PathPredicate::Op::kLte,
             One(operand));
      }
      out->push_back(Positive(std::make_unique<ComparePred>(op, operand)));
    } else if (name == "$in" || name == "$nin") {
      if (!operand.is_array()) return Err(name + " needs an array" + At(path));
      bool all_scalar = true;
      for (const Value& v : operand.as_array()) {
        if (IsOperatorObject(v)) return Err("cannot nest $ under " + name + At(path));
        all_scalar = all_scalar && PlannerScalar(v);
      }
      auto pred = std::make_unique<InPred>(operand.as_array());
      if (name == "$in") {
        if (all_scalar) plan(PathPredicate::Op::kIn, operand.as_array());
        out->push_back(Positive(std::move(pred)));
      } else {
        out->push_back(Negative(std::move(pred)));
      }
    } else if (name == "$exists") {
      auto pred = std::make_unique<ExistsPred>();
      out->push_back(Truthy(operand) ? Positive(std::move(pred)) : Negative(std::move(pred)));
    } else if (name == "$type") {
      Result<PredPtr> p = ParseType(operand, path);
      if (!p.ok()) return p.status();
      out->push_back(Positive(std::move(*p)));
    } else if (name == "$regex") {
      if (!regex->is_string()) return Err("$regex needs a string" + At(path));
      if (options != nullptr && !options->is_string()) {
        return Err("$options needs a string" + At(path));
      }
      Result<PredPtr> p =
          CompileRegex(regex->as_string(), options ? options->as_string() : "", path);
      if (!p.ok()) return p.status();
      out->push_back(Positive(std::move(*p)));
    } else if (name == "$options") {
      if (regex == nullptr) return Err("$options needs a $regex" + At(path));
    } else if (name == "$size") {
      if (!operand.is_number()) return Err("$size needs a number" + At(path));
      const double d = operand.as_number();
      if (d != std::trunc(d)) return Err("$size needs a whole number" + At(path));
      if (d < 0) return Err("$size may not be negative" + At(path));
      out->push_back(Positive(std::make_unique<SizePred>(static_cast<size_t>(d))));
    } else if (name == "$all") {
      if (!operand.is_array()) return Err("$all needs an array" + At(path));
      if (operand.as_array().empty()) out->push_back(Positive(std::make_unique<FalsePred>()));
      for (const Value& v : operand.as_array()) {
        if (v.is_object() && !v.as_object().empty() && v.as_object()[0].first == "$elemMatch") {
          Result<PredPtr> p = ParseElemMatch(v.as_object()[0].second, path);
          if (!p.ok()) return p.status();
          out->push_back(Positive(std::move(*p)));
        } else if (IsOperatorObject(v)) {
          return Err("$all needs values or $elemMatch objects" + At(path));
        } else {
          out->push_back(Positive(std::make_unique<ComparePred>(CmpOp::kEq, v)));
        }
      }
    } else if (name == "$elemMatch") {
      Result<PredPtr> p = ParseElemMatch(operand, path);
      if (!p.ok()) return p.status();
      out->push_back(Positive(std::move(*p)));
    } else if (name == "$not") {
      if (!operand.is_object()) return Err("$not needs an object" + At(path));
      if (operand.as_object().empty()) return Err("$not cannot be empty" + At(path));
      if (!IsOperatorObject(operand)) return Err("$not needs operators" + At(path));
      Cond c;
      STRATA_RETURN_IF_ERROR(ParseOps(operand, path, &c.inner, nullptr));
      out->push_back(std::move(c));
    } else {
      return Err("unknown operator " + name + At(path));
    }
    // A condition the planner did not get: the predicates no longer say all the filter does.
    if (planner != nullptr && out->size() != conds_before && !planned) planner->exact = false;
  }
  return Status::OK();
}

Result<NodePtr> ParseLogical(const std::string& name, const Value& operand,
                             PlannerReport* planner) {
  if (!operand.is_array() || operand.as_array().empty()) {
    return Err(name + " needs a non-empty array");
  }
  std::vector<NodePtr> kids;
  for (const Value& sub : operand.as_array()) {
    if (!sub.is_object()) return Err(name + " entries must be objects");
    Result<NodePtr> n = ParseFilterNode(sub, name == "$and" ? planner : nullptr);
    if (!n.ok()) return n.status();
    kids.push_back(std::move(*n));
  }
  if (name == "$and") return NodePtr(std::make_unique<AndNode>(std::move(kids)));
  NodePtr any = std::make_unique<OrNode>(std::move(kids));
  if (name == "$or") return any;
  return NodePtr(std::make_unique<NotNode>(std::move(any)));
}

}  // namespace

bool IsOperatorObject(const Value& v) {
  return v.is_object() && !v.as_object().empty() && !v.as_object()[0].first.empty() &&
         v.as_object()[0].first[0] == '$';
}

Result<NodePtr> ParseFilterNode(const Value& spec, PlannerReport* planner) {
  if (!spec.is_object()) return Err("a filter must be an object");
  // Most filters have a condition or two: no vector unless they are joined by an AndNode.
  boost::container::small_vector<NodePtr, 2> kids;
  for (const auto& [name, operand] : spec.as_object()) {
    if (!name.empty() && name[0] == '$') {
      if (name == "$comment") continue;
      if (name != "$and" && name != "$or" && name != "$nor") {
        return Err("unknown top level operator " + name);
      }
      if (planner != nullptr) planner->exact = false;  // the planner sees into $and only
      Result<NodePtr> n = ParseLogical(name, operand, planner);
      if (!n.ok()) return n.status();
      kids.push_back(std::move(*n));
      continue;
    }
    codec::FieldPath path(name);
    if (IsOperatorObject(operand)) {
      std::vector<Cond> conds;
      STRATA_RETURN_IF_ERROR(ParseOps(operand, name, &conds, planner));
      for (Cond& c : conds) kids.push_back(ToNode(std::move(c), path));
    } else {
      if (planner != nullptr && PlannerScalar(operand)) {
        planner->predicates.push_back({name, PathPredicate::Op::kEq, One(operand)});
      } else if (planner != nullptr) {
        planner->exact = false;
      }
      kids.push_back(std::make_unique<PathNode>(
          std::move(path), std::make_unique<ComparePred>(CmpOp::kEq, operand)));
    }
  }
  if (kids.size() == 1) return std::move(kids[0]);
  if (kids.empty()) return NodePtr(std::make_unique<ConstNode>(true));
  return NodePtr(std::make_unique<AndNode>(std::vector<NodePtr>(
      std::make_move_iterator(kids.begin()), std::make_move_iterator(kids.end()))));
}

Result<PredPtr> ParseValueCondition(const Value& ops, const std::string& path) {
  std::vector<Cond> conds;
  STRATA_RETURN_IF_ERROR(ParseOps(ops, path, &conds, nullptr));
  std::vector<PredPtr> preds;
  for (Cond& c : conds) preds.push_back(ToPred(std::move(c)));
  return PredPtr(std::make_unique<AndPred>(std::move(preds)));
}

// ---- Filter ----

Filter::Filter() = default;
Filter::~Filter() = default;
Filter::Filter(Filter&&) noexcept = default;
Filter& Filter::operator=(Filter&&) noexcept = default;

Result<Filter> Filter::Parse(const Value& spec) {
  PlannerReport report;
  Result<NodePtr> root = ParseFilterNode(spec, &report);
  if (!root.ok()) return root.status();
  Filter f;
  if (!spec.as_object().empty()) f.root_ = std::move(*root);
  f.predicates_ = std::move(report.predicates);
  f.predicates_exact_ = report.exact;
  return f;
}

bool Filter::Matches(const Value& doc) const { return root_ == nullptr || root_->Matches(doc); }

bool Filter::empty() const { return root_ == nullptr; }

}  // namespace strata::query
