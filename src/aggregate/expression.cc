// Expression parsing and the nodes that are not plain functions of their evaluated arguments:
// constants, field paths, variables, object and array literals, and the lazy operators ($cond
// $switch $ifNull $and $or), which must not evaluate a branch they do not take.
#include "aggregate/expression.h"

#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "aggregate/expression_ops.h"
#include "aggregate/value_ops.h"

namespace strata::aggregate {

using ExprPtr = std::unique_ptr<Expression>;

Status OpError(std::string message) { return Status::InvalidArgument(std::move(message)); }

namespace {

class ConstantExpr final : public Expression {
 public:
  explicit ConstantExpr(Value v) : value_(std::move(v)) {}
  Result<Value> Evaluate(const Variables&) const override { return value_; }
  const Value* constant() const override { return &value_; }

 private:
  Value value_;
};

// MongoDB's path walk: objects step into the field, arrays apply the rest of the path to each
// element (nested arrays stay nested; scalars and misses drop out), anything else is missing.
Value WalkPath(const Value& start, const std::vector<std::string>& path, size_t i);

Value WalkArray(const Value& array, const std::vector<std::string>& path, size_t i) {
  Array out;
  for (const Value& item : array.as_array()) {
    if (item.is_object()) {
      Value v = WalkPath(item, path, i);
      if (!IsMissing(v)) out.push_back(std::move(v));
    } else if (item.is_array()) {
      out.push_back(WalkArray(item, path, i));
    }
  }
  return Value(std::move(out));
}

Value WalkPath(const Value& start, const std::vector<std::string>& path, size_t i) {
  const Value* v = start.is_object() ? start.Find(path[i]) : nullptr;
  if (v == nullptr) return Missing();
  if (i + 1 == path.size()) return *v;
  if (v->is_object()) return WalkPath(*v, path, i + 1);
  if (v->is_array()) return WalkArray(*v, path, i + 1);
  return Missing();
}

class FieldPathExpr final : public Expression {
 public:
  FieldPathExpr(bool from_root, std::vector<std::string> path)
      : from_root_(from_root), path_(std::move(path)) {}

  Result<Value> Evaluate(const Variables& vars) const override {
    const Value* base = from_root_ ? vars.root : vars.current;
    if (base == nullptr) return Missing();
    if (path_.empty()) return *base;
    return WalkPath(*base, path_, 0);
  }

 private:
  bool from_root_;
  std::vector<std::string> path_;
};

class NowExpr final : public Expression {
 public:
  Result<Value> Evaluate(const Variables& vars) const override {
    return Value::Date(vars.now_millis);
  }
};

class ObjectExpr final : public Expression {
 public:
  explicit ObjectExpr(std::vector<std::pair<std::string, ExprPtr>> fields)
      : fields_(std::move(fields)) {}

  Result<Value> Evaluate(const Variables& vars) const override {
    Object out;
    out.reserve(fields_.size());
    for (const auto& [name, expr] : fields_) {
      Result<Value> v = expr->Evaluate(vars);
      if (!v.ok()) return v.status();
      if (!IsMissing(*v)) out.emplace_back(name, std::move(v).value());
    }
    return Value(std::move(out));
  }

 private:
  std::vector<std::pair<std::string, ExprPtr>> fields_;
};

class ArrayExpr final : public Expression {
 public:
  explicit ArrayExpr(std::vector<ExprPtr> items) : items_(std::move(items)) {}

  Result<Value> Evaluate(const Variables& vars) const override {
    Array out;
    out.reserve(items_.size());
    for (const auto& expr : items_) {
      Result<Value> v = expr->Evaluate(vars);
      if (!v.ok()) return v.status();
      out.push_back(IsMissing(*v) ? Value() : std::move(v).value());  // missing becomes null
    }
    return Value(std::move(out));
  }

 private:
  std::vector<ExprPtr> items_;
};

class SimpleOpExpr final : public Expression {
 public:
  SimpleOpExpr(const OpInfo* op, std::vector<ExprPtr> args) : op_(op), args_(std::move(args)) {}

  Result<Value> Evaluate(const Variables& vars) const override {
    std::vector<Value> values;
    values.reserve(args_.size());
    for (const auto& arg : args_) {
      Result<Value> v = arg->Evaluate(vars);
      if (!v.ok()) return v.status();
      values.push_back(std::move(v).value());
    }
    Result<Value> r = op_->fn(values);
    if (!r.ok())
      return Status(r.status().code(), std::string(op_->name) + ": " + r.status().message());
    return r;
  }

 private:
  const OpInfo* op_;
  std::vector<ExprPtr> args_;
};

class CondExpr final : public Expression {
 public:
  CondExpr(ExprPtr cond, ExprPtr then, ExprPtr otherwise)
      : cond_(std::move(cond)), then_(std::move(then)), else_(std::move(otherwise)) {}

  Result<Value> Evaluate(const Variables& vars) const override {
    Result<Value> c = cond_->Evaluate(vars);
    if (!c.ok()) return c.status();
    return IsTruthy(*c) ? then_->Evaluate(vars) : else_->Evaluate(vars);
  }

 private:
  ExprPtr cond_, then_, else_;
};

class SwitchExpr final : public Expression {
 public:
  SwitchExpr(std::vector<std::pair<ExprPtr, ExprPtr>> branches, ExprPtr otherwise)
      : branches_(std::move(branches)), default_(std::move(otherwise)) {}

  Result<Value> Evaluate(const Variables& vars) const override {
    for (const auto& [when, then] : branches_) {
      Result<Value> c = when->Evaluate(vars);
      if (!c.ok()) return c.status();
      if (IsTruthy(*c)) return then->Evaluate(vars);
    }
    if (default_ == nullptr) {
      return OpError("$switch: no branch matched and no default was given");
    }
    return default_->Evaluate(vars);
  }

 private:
  std::vector<std::pair<ExprPtr, ExprPtr>> branches_;
  ExprPtr default_;
};

// $ifNull: the first argument that is neither null nor missing, else the last argument.
class IfNullExpr final : public Expression {
 public:
  explicit IfNullExpr(std::vector<ExprPtr> args) : args_(std::move(args)) {}

  Result<Value> Evaluate(const Variables& vars) const override {
    for (size_t i = 0; i + 1 < args_.size(); ++i) {
      Result<Value> v = args_[i]->Evaluate(vars);
      if (!v.ok() || !IsNullish(*v)) return v;
    }
    return args_.back()->Evaluate(vars);
  }

 private:
  std::vector<ExprPtr> args_;
};

// $and / $or, short-circuiting as MongoDB does.
class LogicExpr final : public Expression {
 public:
  LogicExpr(bool is_and, std::vector<ExprPtr> args) : is_and_(is_and), args_(std::move(args)) {}

  Result<Value> Evaluate(const Variables& vars) const override {
    for (const auto& arg : args_) {
      Result<Value> v = arg->Evaluate(vars);
      if (!v.ok()) return v.status();
      if (IsTruthy(*v) != is_and_) return Value(!is_and_);
    }
    return Value(is_and_);
  }

 private:
  bool is_and_;
  std::vector<ExprPtr> args_;
};

Result<ExprPtr> ParseExpr(const Value& spec);

Result<std::vector<ExprPtr>> ParseArgs(const Value& spec) {
  std::vector<ExprPtr> args;
  if (spec.is_array()) {
    for (const Value& item : spec.as_array()) {
      Result<ExprPtr> e = ParseExpr(item);
      if (!e.ok()) return e.status();
      args.push_back(std::move(e).value());
    }
  } else {
    Result<ExprPtr> e = ParseExpr(spec);
    if (!e.ok()) return e.status();
    args.push_back(std::move(e).value());
  }
  return args;
}

Status CheckFieldName(std::string_view name, std::string_view what) {
  if (name.empty()) return OpError(std::string(what) + ": empty field name");
  if (name.find('.') != std::string_view::npos) {
    return OpError(std::string(what) + ": field name '" + std::string(name) +
                   "' may not contain '.'");
  }
  if (name[0] == '$') {
    return OpError(std::string(what) + ": field name '" + std::string(name) +
                   "' may not start with '$'");
  }
  return Status::OK();
}

Result<ExprPtr> ParseFieldPath(std::string_view text) {
  // text is "$a.b" or "$$VAR.a.b".
  bool variable = text.size() >= 2 && text[1] == '$';
  std::string_view rest = text.substr(variable ? 2 : 1);
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t dot = rest.find('.', start);
    std::string_view part =
        rest.substr(start, dot == std::string_view::npos ? rest.npos : dot - start);
    if (part.empty()) {
      return OpError("invalid field path '" + std::string(text) + "': empty component");
    }
    if (part[0] == '$' && !(variable && parts.empty())) {
      return OpError("invalid field path '" + std::string(text) +
                     "': a component may not start with '$'");
    }
    parts.emplace_back(part);
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  if (!variable) return ExprPtr(new FieldPathExpr(false, std::move(parts)));
  std::string var = parts.front();
  parts.erase(parts.begin());
  if (var == "ROOT") return ExprPtr(new FieldPathExpr(true, std::move(parts)));
  if (var == "CURRENT") return ExprPtr(new FieldPathExpr(false, std::move(parts)));
  if (var == "NOW" && parts.empty()) return ExprPtr(new NowExpr());
  if (var == "REMOVE" && parts.empty()) return ExprPtr(new ConstantExpr(Missing()));
  return OpError("use of undefined variable: " + var);
}

// Object-form arguments ({if, then, else}, {input, chars}) in a fixed order; absent optional
// keys become constant missing.
Result<std::vector<ExprPtr>> ParseNamedArgs(std::string_view op, const Value& spec,
                                            std::initializer_list<const char*> keys,
                                            size_t required) {
  if (!spec.is_object()) return OpError(std::string(op) + ": expects an object");
  for (const auto& [name, value] : spec.as_object()) {
    bool known = false;
    for (const char* k : keys) known = known || name == k;
    if (!known) return OpError(std::string(op) + ": unknown argument '" + name + "'");
  }
  std::vector<ExprPtr> args;
  size_t i = 0;
  for (const char* k : keys) {
    const Value* v = spec.Find(k);
    if (v == nullptr) {
      if (i < required) return OpError(std::string(op) + ": missing '" + k + "'");
      args.push_back(ExprPtr(new ConstantExpr(Missing())));
    } else {
      Result<ExprPtr> e = ParseExpr(*v);
      if (!e.ok()) return e.status();
      args.push_back(std::move(e).value());
    }
    ++i;
  }
  return args;
}

Result<ExprPtr> ParseSwitch(const Value& spec) {
  if (!spec.is_object()) return OpError("$switch: expects an object");
  std::vector<std::pair<ExprPtr, ExprPtr>> branches;
  ExprPtr otherwise;
  for (const auto& [name, value] : spec.as_object()) {
    if (name == "branches") {
      if (!value.is_array()) return OpError("$switch: 'branches' must be an array");
      for (const Value& b : value.as_array()) {
        if (!b.is_object()) return OpError("$switch: each branch must be an object");
        const Value* c = b.Find("case");
        const Value* t = b.Find("then");
        if (c == nullptr || t == nullptr || b.as_object().size() != 2) {
          return OpError("$switch: each branch needs exactly 'case' and 'then'");
        }
        Result<ExprPtr> ce = ParseExpr(*c);
        if (!ce.ok()) return ce.status();
        Result<ExprPtr> te = ParseExpr(*t);
        if (!te.ok()) return te.status();
        branches.emplace_back(std::move(ce).value(), std::move(te).value());
      }
    } else if (name == "default") {
      Result<ExprPtr> d = ParseExpr(value);
      if (!d.ok()) return d.status();
      otherwise = std::move(d).value();
    } else {
      return OpError("$switch: unknown argument '" + name + "'");
    }
  }
  if (branches.empty()) return OpError("$switch: requires at least one branch");
  return ExprPtr(new SwitchExpr(std::move(branches), std::move(otherwise)));
}

Result<ExprPtr> ParseSpecial(std::string_view op, const Value& arg, bool* handled) {
  *handled = true;
  if (op == "$literal") return ExprPtr(new ConstantExpr(arg));
  if (op == "$cond") {
    Result<std::vector<ExprPtr>> args =
        arg.is_object() ? ParseNamedArgs(op, arg, {"if", "then", "else"}, 3) : ParseArgs(arg);
    if (!args.ok()) return args.status();
    if (args->size() != 3) return OpError("$cond: expects 3 arguments");
    return ExprPtr(
        new CondExpr(std::move((*args)[0]), std::move((*args)[1]), std::move((*args)[2])));
  }
  if (op == "$switch") return ParseSwitch(arg);
  if (op == "$ifNull" || op == "$and" || op == "$or") {
    Result<std::vector<ExprPtr>> args = ParseArgs(arg);
    if (!args.ok()) return args.status();
    if (op == "$ifNull") {
      if (args->size() < 2) return OpError("$ifNull: expects at least 2 arguments");
      return ExprPtr(new IfNullExpr(std::move(args).value()));
    }
    return ExprPtr(new LogicExpr(op == "$and", std::move(args).value()));
  }
  *handled = false;
  return ExprPtr();
}

const OpInfo* FindOp(std::string_view name) {
  static const auto* table = [] {
    auto* t = new std::unordered_map<std::string_view, const OpInfo*>();
    for (auto family : {ArithmeticOps(), StringOps(), ArrayTypeOps()}) {
      for (const OpInfo& op : family) (*t)[op.name] = &op;
    }
    return t;
  }();
  auto it = table->find(name);
  return it == table->end() ? nullptr : it->second;
}

Result<ExprPtr> ParseOperator(std::string_view op, const Value& arg) {
  bool handled;
  Result<ExprPtr> special = ParseSpecial(op, arg, &handled);
  if (handled) return special;
  const OpInfo* info = FindOp(op);
  if (info == nullptr) return OpError("unknown expression operator " + std::string(op));
  bool trim = op == "$trim" || op == "$ltrim" || op == "$rtrim";
  Result<std::vector<ExprPtr>> args =
      trim ? ParseNamedArgs(op, arg, {"input", "chars"}, 1) : ParseArgs(arg);
  if (!args.ok()) return args.status();
  int n = static_cast<int>(args->size());
  if (n < info->min_args || (info->max_args >= 0 && n > info->max_args)) {
    std::string expected = std::to_string(info->min_args);
    if (info->max_args != info->min_args) {
      expected += info->max_args < 0 ? " or more" : " to " + std::to_string(info->max_args);
    }
    return OpError(std::string(op) + ": expects " + expected + " argument" +
                   (info->max_args == 1 ? "" : "s") + ", got " + std::to_string(n));
  }
  return ExprPtr(new SimpleOpExpr(info, std::move(args).value()));
}

Result<ExprPtr> ParseExpr(const Value& spec) {
  if (spec.is_string()) {
    const std::string& s = spec.as_string();
    if (!s.empty() && s[0] == '$') return ParseFieldPath(s);
    return ExprPtr(new ConstantExpr(spec));
  }
  if (spec.is_array()) {
    Result<std::vector<ExprPtr>> items = ParseArgs(spec);
    if (!items.ok()) return items.status();
    return ExprPtr(new ArrayExpr(std::move(items).value()));
  }
  if (!spec.is_object()) return ExprPtr(new ConstantExpr(spec));
  const Object& fields = spec.as_object();
  if (!fields.empty() && !fields[0].first.empty() && fields[0].first[0] == '$') {
    if (fields.size() != 1) {
      return OpError("an expression object must have exactly one field, the operator; found " +
                     std::to_string(fields.size()));
    }
    return ParseOperator(fields[0].first, fields[0].second);
  }
  std::vector<std::pair<std::string, ExprPtr>> out;
  for (const auto& [name, value] : fields) {
    STRATA_RETURN_IF_ERROR(CheckFieldName(name, "object expression"));
    Result<ExprPtr> e = ParseExpr(value);
    if (!e.ok()) return e.status();
    out.emplace_back(name, std::move(e).value());
  }
  return ExprPtr(new ObjectExpr(std::move(out)));
}

}  // namespace

Result<std::unique_ptr<Expression>> Expression::Parse(const Value& spec) { return ParseExpr(spec); }

Result<Value> EvaluateExpression(const Value& spec, const Value& doc, int64_t now_millis) {
  Result<std::unique_ptr<Expression>> e = Expression::Parse(spec);
  if (!e.ok()) return e.status();
  Variables vars{&doc, &doc, now_millis};
  return (*e)->Evaluate(vars);
}

}  // namespace strata::aggregate
