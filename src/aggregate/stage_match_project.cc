// $match, $project and $addFields/$set.
//
// $project and $addFields share a tree of field specs. An inclusion $project runs in two passes
// as MongoDB does: first the included fields are copied in the input's order (arrays are
// walked element by element, scalars dropped), then the computed fields are set in the spec's
// order (a scalar where a computed sub-field must go is replaced by a new object). An exclusion
// $project copies everything but the excluded paths. $addFields is the second pass alone, over
// the whole document.
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "aggregate/expression.h"
#include "aggregate/stage.h"
#include "aggregate/value_ops.h"
#include "query/filter.h"

namespace strata::aggregate {
namespace {

// ---- $match ----

class MatchSource final : public DocumentSource {
 public:
  MatchSource(std::unique_ptr<DocumentSource> input, const query::Filter* filter,
              const StageContext& ctx)
      : input_(std::move(input)), filter_(filter), ctx_(ctx) {}

  Result<bool> Next(Value* doc) override {
    while (true) {
      Result<bool> r = input_->Next(doc);
      if (!r.ok() || !*r) return r;
      if (filter_->Matches(*doc)) return true;
    }
  }

 private:
  std::unique_ptr<DocumentSource> input_;
  const query::Filter* filter_;
  StageContext ctx_;
};

class MatchStage final : public Stage {
 public:
  explicit MatchStage(query::Filter filter) : filter_(std::move(filter)) {}
  Result<std::unique_ptr<DocumentSource>> Wrap(std::unique_ptr<DocumentSource> input,
                                               const StageContext& ctx) const override {
    return std::unique_ptr<DocumentSource>(new MatchSource(std::move(input), &filter_, ctx));
  }

 private:
  query::Filter filter_;
};

// ---- the field-spec tree of $project and $addFields ----

struct ProjNode {
  enum class Kind { kInclude, kExclude, kComputed, kNested };
  struct Child {
    std::string name;
    Kind kind;
    std::unique_ptr<Expression> expr;  // kComputed
    std::unique_ptr<ProjNode> node;    // kNested
  };
  std::vector<Child> children;
  bool has_computed = false;  // somewhere in this subtree

  Child* Find(std::string_view name) {
    for (Child& c : children) {
      if (c.name == name) return &c;
    }
    return nullptr;
  }
  const Child* Find(std::string_view name) const { return const_cast<ProjNode*>(this)->Find(name); }
};

enum class Mode { kUnknown, kInclusion, kExclusion };

class SpecParser {
 public:
  explicit SpecParser(bool add_fields) : add_fields_(add_fields) {}

  Status Parse(const Value& spec, ProjNode* node, const std::string& prefix) {
    for (const auto& [key, value] : spec.as_object()) {
      std::string path = prefix.empty() ? key : prefix + "." + key;
      if (key.empty()) return Status::InvalidArgument("empty field name");
      if (key[0] == '$') {
        return Status::InvalidArgument("field name '" + path + "' may not start with '$'");
      }
      std::vector<std::string> parts;
      size_t start = 0;
      while (true) {
        size_t dot = key.find('.', start);
        parts.push_back(
            key.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
        if (parts.back().empty()) return Status::InvalidArgument("invalid path '" + path + "'");
        if (dot == std::string::npos) break;
        start = dot + 1;
      }
      // Walk or create the nested nodes of a dotted key.
      ProjNode* parent = node;
      std::vector<ProjNode*> chain{node};
      for (size_t i = 0; i + 1 < parts.size(); ++i) {
        ProjNode::Child* c = parent->Find(parts[i]);
        if (c == nullptr) {
          parent->children.push_back(
              {parts[i], ProjNode::Kind::kNested, nullptr, std::make_unique<ProjNode>()});
          c = &parent->children.back();
        } else if (c->kind != ProjNode::Kind::kNested) {
          return Status::InvalidArgument("path collision at '" + path + "'");
        }
        parent = c->node.get();
        chain.push_back(parent);
      }
      const std::string& leaf = parts.back();
      if (parent->Find(leaf) != nullptr) {
        return Status::InvalidArgument("path collision at '" + path + "'");
      }
      bool top_id = prefix.empty() && parts.size() == 1 && leaf == "_id";
      ProjNode::Child child{leaf, ProjNode::Kind::kComputed, nullptr, nullptr};
      bool nested_spec = value.is_object() && !value.as_object().empty() &&
                         !value.as_object()[0].first.starts_with('$');
      if (nested_spec) {
        child.kind = ProjNode::Kind::kNested;
        child.node = std::make_unique<ProjNode>();
        STRATA_RETURN_IF_ERROR(Parse(value, child.node.get(), path));
        parent->children.push_back(std::move(child));
        if (parent->children.back().node->has_computed) {
          for (ProjNode* n : chain) n->has_computed = true;
        }
        continue;
      }
      if (!add_fields_ && value.is_object() && value.as_object().empty()) {
        return Status::InvalidArgument("an empty object is not a valid value for '" + path + "'");
      }
      if (!add_fields_ && (value.is_number() || value.is_bool())) {
        bool include = value.is_bool() ? value.as_bool() : value.as_number() != 0;
        child.kind = include ? ProjNode::Kind::kInclude : ProjNode::Kind::kExclude;
        if (!top_id)
          STRATA_RETURN_IF_ERROR(SetMode(include ? Mode::kInclusion : Mode::kExclusion, path));
        if (top_id) id_spec_ = child.kind;
      } else {
        Result<std::unique_ptr<Expression>> e = Expression::Parse(value);
        if (!e.ok()) return e.status();
        child.expr = std::move(e).value();
        if (!add_fields_) STRATA_RETURN_IF_ERROR(SetMode(Mode::kInclusion, path, true));
        if (top_id) id_spec_ = ProjNode::Kind::kComputed;
        for (ProjNode* n : chain) n->has_computed = true;
      }
      parent->children.push_back(std::move(child));
    }
    return Status::OK();
  }

  Mode mode() const { return mode_; }
  const std::optional<ProjNode::Kind>& id_spec() const { return id_spec_; }

 private:
  Status SetMode(Mode m, const std::string& path, bool computed = false) {
    if (mode_ == Mode::kUnknown) mode_ = m;
    if (mode_ == m) return Status::OK();
    if (computed) {
      return Status::InvalidArgument("cannot use an expression for '" + path +
                                     "' in an exclusion projection");
    }
    return Status::InvalidArgument(
        std::string("cannot do ") + (m == Mode::kInclusion ? "inclusion" : "exclusion") +
        " on field '" + path + "' in an " + (m == Mode::kInclusion ? "exclusion" : "inclusion") +
        " projection");
  }

  bool add_fields_;
  Mode mode_ = Mode::kUnknown;
  std::optional<ProjNode::Kind> id_spec_;
};

// Pass one of an inclusion: the included fields of `obj`, in its order.
Value IncludeFields(const ProjNode& node, const Value& obj);

Value IncludeValue(const ProjNode& node, const Value& v) {
  if (v.is_object()) return IncludeFields(node, v);
  if (v.is_array()) {
    Array out;
    for (const Value& item : v.as_array()) {
      // A dropped scalar keeps its slot when computed fields will fill it with an object.
      Value p = IncludeValue(node, item);
      if (!IsMissing(p) || node.has_computed) out.push_back(std::move(p));
    }
    return Value(std::move(out));
  }
  return Missing();
}

Value IncludeFields(const ProjNode& node, const Value& obj) {
  Object out;
  for (const auto& [name, v] : obj.as_object()) {
    const ProjNode::Child* c = node.Find(name);
    if (c == nullptr) continue;
    if (c->kind == ProjNode::Kind::kInclude) {
      out.emplace_back(name, v);
    } else if (c->kind == ProjNode::Kind::kNested) {
      Value p = IncludeValue(*c->node, v);
      if (!IsMissing(p)) out.emplace_back(name, std::move(p));
    }
  }
  return Value(std::move(out));
}

// Pass two: sets the computed fields of `node` into `obj` (an object).
Status SetComputed(const ProjNode& node, Value* obj, const Variables& vars);

Result<Value> ComputedValue(const ProjNode& node, Value v, const Variables& vars) {
  if (v.is_array()) {
    for (Value& item : v.as_array()) {
      Result<Value> r = ComputedValue(node, std::move(item), vars);
      if (!r.ok()) return r.status();
      item = std::move(r).value();
    }
    return v;
  }
  if (!v.is_object()) v = Value(Object());
  STRATA_RETURN_IF_ERROR(SetComputed(node, &v, vars));
  return v;
}

Status SetComputed(const ProjNode& node, Value* obj, const Variables& vars) {
  for (const ProjNode::Child& c : node.children) {
    if (c.kind == ProjNode::Kind::kComputed) {
      Result<Value> v = c.expr->Evaluate(vars);
      if (!v.ok()) return v.status();
      if (IsMissing(*v)) {
        obj->Erase(c.name);  // $$REMOVE over an existing field
      } else {
        obj->Set(c.name, std::move(v).value());
      }
    } else if (c.kind == ProjNode::Kind::kNested && c.node->has_computed) {
      Value* existing = obj->Find(c.name);
      Result<Value> v = ComputedValue(*c.node, existing ? std::move(*existing) : Missing(), vars);
      if (!v.ok()) return v.status();
      obj->Set(c.name, std::move(v).value());
    }
  }
  return Status::OK();
}

Value ExcludeFields(const ProjNode& node, const Value& obj);

Value ExcludeValue(const ProjNode& node, const Value& v) {
  if (v.is_object()) return ExcludeFields(node, v);
  if (v.is_array()) {
    Array out;
    for (const Value& item : v.as_array()) out.push_back(ExcludeValue(node, item));
    return Value(std::move(out));
  }
  return v;
}

Value ExcludeFields(const ProjNode& node, const Value& obj) {
  Object out;
  for (const auto& [name, v] : obj.as_object()) {
    const ProjNode::Child* c = node.Find(name);
    if (c == nullptr || c->kind == ProjNode::Kind::kInclude) {
      out.emplace_back(name, v);
    } else if (c->kind == ProjNode::Kind::kNested) {
      out.emplace_back(name, ExcludeValue(*c->node, v));
    }
  }
  return Value(std::move(out));
}

enum class ProjectKind { kInclusion, kExclusion, kAddFields };

class ProjectSource final : public DocumentSource {
 public:
  ProjectSource(std::unique_ptr<DocumentSource> input, const ProjNode* root, ProjectKind kind,
                const StageContext& ctx)
      : input_(std::move(input)), root_(root), kind_(kind), ctx_(ctx) {}

  Result<bool> Next(Value* doc) override {
    Result<bool> r = input_->Next(doc);
    if (!r.ok() || !*r) return r;
    if (!doc->is_object()) return ctx_.Wrap(Status::InvalidArgument("input is not a document"));
    Variables vars{doc, doc, ctx_.options->now_millis};
    Value out;
    switch (kind_) {
      case ProjectKind::kExclusion:
        *doc = ExcludeFields(*root_, *doc);
        return true;
      case ProjectKind::kInclusion:
        out = IncludeFields(*root_, *doc);
        break;
      case ProjectKind::kAddFields:
        out = *doc;
        break;
    }
    Status s = SetComputed(*root_, &out, vars);
    if (!s.ok()) return ctx_.Wrap(s);
    *doc = std::move(out);
    return true;
  }

 private:
  std::unique_ptr<DocumentSource> input_;
  const ProjNode* root_;
  ProjectKind kind_;
  StageContext ctx_;
};

class ProjectStage final : public Stage {
 public:
  ProjectStage(std::unique_ptr<ProjNode> root, ProjectKind kind)
      : root_(std::move(root)), kind_(kind) {}
  Result<std::unique_ptr<DocumentSource>> Wrap(std::unique_ptr<DocumentSource> input,
                                               const StageContext& ctx) const override {
    return std::unique_ptr<DocumentSource>(
        new ProjectSource(std::move(input), root_.get(), kind_, ctx));
  }

 private:
  std::unique_ptr<ProjNode> root_;
  ProjectKind kind_;
};

}  // namespace

Result<StagePtr> ParseMatchStage(const Value& spec) {
  if (!spec.is_object()) return Status::InvalidArgument("the filter must be an object");
  Result<query::Filter> f = query::Filter::Parse(spec);
  if (!f.ok()) return f.status();
  return StagePtr(new MatchStage(std::move(f).value()));
}

Result<StagePtr> ParseProjectStage(const Value& spec) {
  if (!spec.is_object()) return Status::InvalidArgument("the specification must be an object");
  if (spec.as_object().empty()) {
    return Status::InvalidArgument("the specification must have at least one field");
  }
  auto root = std::make_unique<ProjNode>();
  SpecParser parser(false);
  STRATA_RETURN_IF_ERROR(parser.Parse(spec, root.get(), ""));
  Mode mode = parser.mode();
  if (mode == Mode::kUnknown) {  // only _id was given
    mode = parser.id_spec() == ProjNode::Kind::kExclude ? Mode::kExclusion : Mode::kInclusion;
  }
  if (mode == Mode::kInclusion && !parser.id_spec().has_value()) {
    root->children.insert(root->children.begin(),
                          {"_id", ProjNode::Kind::kInclude, nullptr, nullptr});
  }
  return StagePtr(new ProjectStage(std::move(root), mode == Mode::kInclusion
                                                        ? ProjectKind::kInclusion
                                                        : ProjectKind::kExclusion));
}

Result<StagePtr> ParseAddFieldsStage(const Value& spec) {
  if (!spec.is_object()) return Status::InvalidArgument("the specification must be an object");
  auto root = std::make_unique<ProjNode>();
  SpecParser parser(true);
  STRATA_RETURN_IF_ERROR(parser.Parse(spec, root.get(), ""));
  return StagePtr(new ProjectStage(std::move(root), ProjectKind::kAddFields));
}

}  // namespace strata::aggregate
