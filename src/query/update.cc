// Update parsing (operators, modifiers, conflicts), Apply on a copy, and upsert documents.
#include "query/update.h"

#include <algorithm>
#include <cmath>
#include <iterator>

#include "codec/path.h"
#include "query/update_internal.h"

namespace strata::query {

using Kind = UpdateOp::Kind;

struct Update::Op : UpdateOp {};

namespace {

Status Err(std::string msg) { return Status::InvalidArgument(std::move(msg)); }
std::string At(const std::string& path) { return " at '" + path + "'"; }

struct OpName {
  const char* name;
  Kind kind;
};
constexpr OpName kOps[] = {
    {"$set", Kind::kSet},         {"$setOnInsert", Kind::kSetOnInsert},
    {"$unset", Kind::kUnset},     {"$inc", Kind::kInc},
    {"$mul", Kind::kMul},         {"$min", Kind::kMin},
    {"$max", Kind::kMax},         {"$rename", Kind::kRename},
    {"$push", Kind::kPush},       {"$addToSet", Kind::kAddToSet},
    {"$pop", Kind::kPop},         {"$pull", Kind::kPull},
    {"$pullAll", Kind::kPullAll}, {"$currentDate", Kind::kCurrentDate},
};

Status SplitPath(const std::string& op, const std::string& path, std::vector<std::string>* parts) {
  codec::FieldPath p(path);
  for (const std::string& s : p.parts) {
    if (s.empty()) return Err(op + " has an empty field name" + At(path));
    if (s[0] == '$') {
      return Status::NotSupported(op + ": positional operators are not supported" + At(path));
    }
  }
  parts->assign(std::make_move_iterator(p.parts.begin()), std::make_move_iterator(p.parts.end()));
  return Status::OK();
}

bool WholeNumber(const Value& v) {
  return v.is_int() || (v.is_double() && v.as_double() == std::trunc(v.as_double()) &&
                        std::abs(v.as_double()) < 9.0e15);
}
int64_t AsInt(const Value& v) {
  return v.is_int() ? v.as_int() : static_cast<int64_t>(v.as_double());
}

Status ParsePushArg(UpdateOp* op) {
  const Value& arg = op->arg;
  const bool modifiers = arg.is_object() && arg.Find("$each") != nullptr;
  if (!modifiers) {
    op->each.push_back(arg);
    return Status::OK();
  }
  for (const auto& [name, v] : arg.as_object()) {
    if (name == "$each") {
      if (!v.is_array()) return Err(op->name + " $each needs an array" + At(op->path));
      op->each = v.as_array();
    } else if (op->kind == Kind::kAddToSet) {
      return Err("$addToSet accepts only $each, not " + name + At(op->path));
    } else if (name == "$position" || name == "$slice") {
      if (!WholeNumber(v)) return Err("$push " + name + " needs an integer" + At(op->path));
      (name == "$position" ? op->position : op->slice) = AsInt(v);
    } else if (name == "$sort") {
      if (v.is_number() && (v.as_number() == 1 || v.as_number() == -1)) {
        op->sort_direction = static_cast<int>(v.as_number());
      } else if (v.is_object()) {
        Result<SortSpec> spec = SortSpec::Parse(v);
        if (!spec.ok()) return Err("$push $sort: " + spec.status().message() + At(op->path));
        op->sort_spec = std::move(*spec);
      } else {
        return Err("$push $sort needs 1, -1 or a sort document" + At(op->path));
      }
    } else {
      return Err("unknown $push modifier " + name + At(op->path));
    }
  }
  return Status::OK();
}

Status ParseArg(UpdateOp* op) {
  const Value& arg = op->arg;
  switch (op->kind) {
    case Kind::kInc:
    case Kind::kMul:
      if (!arg.is_number()) return Err(op->name + " needs a number" + At(op->path));
      return Status::OK();
    case Kind::kPop:
      if (!arg.is_number() || (arg.as_number() != 1 && arg.as_number() != -1)) {
        return Err("$pop needs 1 or -1" + At(op->path));
      }
      return Status::OK();
    case Kind::kPullAll:
      if (!arg.is_array()) return Err("$pullAll needs an array" + At(op->path));
      return Status::OK();
    case Kind::kCurrentDate: {
      if (arg.is_bool()) return Status::OK();
      const Value* t = arg.is_object() && arg.as_object().size() == 1 ? arg.Find("$type") : nullptr;
      if (t != nullptr && t->is_string() &&
          (t->as_string() == "date" || t->as_string() == "timestamp")) {
        return Status::OK();
      }
      return Err("$currentDate needs true or {$type: 'date' | 'timestamp'}" + At(op->path));
    }
    case Kind::kRename: {
      if (!arg.is_string() || arg.as_string().empty()) {
        return Err("$rename needs a non-empty string" + At(op->path));
      }
      op->to = arg.as_string();
      STRATA_RETURN_IF_ERROR(SplitPath(op->name, op->to, &op->to_parts));
      return Status::OK();
    }
    case Kind::kPush:
    case Kind::kAddToSet:
      return ParsePushArg(op);
    case Kind::kPull: {
      if (IsOperatorObject(arg)) {
        Result<NodePtr> n = ParseFilterNode(Value(Object{{"", arg}}), nullptr);
        if (!n.ok()) return Err("$pull: " + n.status().message() + At(op->path));
        op->pull_wrapped = std::move(*n);
      } else if (arg.is_object()) {
        Result<NodePtr> n = ParseFilterNode(arg, nullptr);
        if (!n.ok()) return Err("$pull: " + n.status().message() + At(op->path));
        op->pull_object = std::move(*n);
      }
      return Status::OK();
    }
    default:
      return Status::OK();
  }
}

// Whether one path equals the other or lies inside it.
bool Overlaps(const std::string& a, const std::string& b) {
  const std::string& s = a.size() <= b.size() ? a : b;
  const std::string& l = a.size() <= b.size() ? b : a;
  return l.compare(0, s.size(), s) == 0 && (l.size() == s.size() || l[s.size()] == '.');
}

// MongoDB (5.0+) applies updates in path order: field names bytewise, numeric ones by value.
bool PathLess(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    if (a[i] == b[i]) continue;
    const int64_t x = codec::ParseArrayIndex(a[i]), y = codec::ParseArrayIndex(b[i]);
    if (x >= 0 && y >= 0) return x < y;
    return a[i] < b[i];
  }
  return a.size() < b.size();
}

bool TouchesId(const UpdateOp& op) {
  return op.parts[0] == "_id" || (op.kind == Kind::kRename && op.to_parts[0] == "_id");
}

// Runs the operators on `doc`, refusing any change to an _id that was there before.
template <typename OpPtrs>  // deduced, so the private Update::Op need not be named
Status ApplyOps(const OpPtrs& ops, Value* doc, int64_t now, bool inserting) {
  const Value* id = doc->Find("_id");
  const Value id_before = id != nullptr ? *id : Value();
  const bool had_id = id != nullptr;
  for (const auto& op : ops) {
    STRATA_RETURN_IF_ERROR(ApplyOp(*op, doc, now, inserting));
    if (had_id && TouchesId(*op)) {
      const Value* after = doc->Find("_id");
      if (after == nullptr || !(*after == id_before)) return OpError(*op, "cannot change _id");
    }
  }
  return Status::OK();
}

// Puts the value at a dotted path of an upsert seed; a second condition on the same or an
// enclosing path is refused.
Status SeedPath(Value* seed, const std::string& path, const Value& v) {
  codec::FieldPath p(path);
  Value* cur = seed;
  for (size_t i = 0; i < p.parts.size(); ++i) {
    Value* next = cur->Find(p.parts[i]);
    if (i + 1 == p.parts.size()) {
      if (next != nullptr) return Err("upsert: path '" + path + "' is matched twice");
      cur->Set(p.parts[i], v);
      return Status::OK();
    }
    if (next == nullptr) {
      next = &cur->Set(p.parts[i], Value(Object{}));
    } else if (!next->is_object()) {
      return Err("upsert: path '" + path + "' is matched twice");
    }
    cur = next;
  }
  return Status::OK();
}

Status SeedFromFilter(const Value& filter, Value* seed) {
  if (!filter.is_object()) return Err("a filter must be an object");
  for (const auto& [name, cond] : filter.as_object()) {
    if (name == "$and") {
      if (!cond.is_array()) return Err("$and needs a non-empty array");
      for (const Value& sub : cond.as_array()) STRATA_RETURN_IF_ERROR(SeedFromFilter(sub, seed));
      continue;
    }
    if (!name.empty() && name[0] == '$') continue;
    if (!IsOperatorObject(cond)) {
      STRATA_RETURN_IF_ERROR(SeedPath(seed, name, cond));
      continue;
    }
    if (const Value* eq = cond.Find("$eq")) {
      STRATA_RETURN_IF_ERROR(SeedPath(seed, name, *eq));
    } else if (const Value* in = cond.Find("$in");
               in != nullptr && in->is_array() && in->as_array().size() == 1) {
      STRATA_RETURN_IF_ERROR(SeedPath(seed, name, in->as_array()[0]));
    }
  }
  return Status::OK();
}

// `replacement` with `id` (when there is one) as its first field.
Result<Value> Replace(const Value& replacement, const Value* id) {
  if (id == nullptr) return replacement;
  const Value* new_id = replacement.Find("_id");
  if (new_id != nullptr && !(*new_id == *id)) {
    return Err("replacement at '_id': cannot change _id");
  }
  Object out;
  out.emplace_back("_id", *id);
  for (const auto& f : replacement.as_object()) {
    if (f.first != "_id") out.push_back(f);
  }
  return Value(std::move(out));
}

}  // namespace

Update::Update() = default;
Update::~Update() = default;
Update::Update(Update&&) noexcept = default;
Update& Update::operator=(Update&&) noexcept = default;

Result<Update> Update::Parse(const Value& spec) {
  if (!spec.is_object()) return Err("an update must be an object");
  Update u;
  const Object& fields = spec.as_object();
  size_t operators = 0;
  for (const auto& f : fields) operators += !f.first.empty() && f.first[0] == '$';
  if (operators == 0) {
    u.replacement_ = true;
    u.replacement_doc_ = spec;
    return u;
  }
  if (operators != fields.size()) {
    for (const auto& f : fields) {
      if (f.first.empty() || f.first[0] != '$') {
        return Err("an update mixes operators and fields" + At(f.first));
      }
    }
  }
  std::vector<UpdateOp> ops;
  for (const auto& [name, args] : fields) {
    const OpName* known = std::find_if(std::begin(kOps), std::end(kOps),
                                       [&name](const OpName& o) { return name == o.name; });
    if (known == std::end(kOps)) return Err("unknown update operator " + name);
    if (!args.is_object()) return Err(name + " needs an object of paths");
    for (const auto& [path, arg] : args.as_object()) {
      UpdateOp op;
      op.kind = known->kind;
      op.name = name;
      op.path = path;
      op.arg = arg;
      STRATA_RETURN_IF_ERROR(SplitPath(name, path, &op.parts));
      STRATA_RETURN_IF_ERROR(ParseArg(&op));
      ops.push_back(std::move(op));
    }
  }
  // Two operators on the same or nested paths would depend on their order: refused.
  std::vector<std::pair<const std::string*, const UpdateOp*>> paths;
  for (const UpdateOp& op : ops) {
    paths.emplace_back(&op.path, &op);
    if (op.kind == Kind::kRename) paths.emplace_back(&op.to, &op);
  }
  for (size_t i = 0; i < paths.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (Overlaps(*paths[i].first, *paths[j].first)) {
        return Err(paths[i].second->name + " at '" + *paths[i].first + "' conflicts with " +
                   paths[j].second->name + " at '" + *paths[j].first + "'");
      }
    }
  }
  std::stable_sort(ops.begin(), ops.end(), [](const UpdateOp& a, const UpdateOp& b) {
    return PathLess(a.kind == Kind::kRename ? a.to_parts : a.parts,
                    b.kind == Kind::kRename ? b.to_parts : b.parts);
  });
  for (UpdateOp& op : ops) u.ops_.push_back(std::make_shared<const Op>(Op{std::move(op)}));
  return u;
}

Status Update::Apply(Value* doc, int64_t now_millis) const {
  if (!doc->is_object()) return Err("an update applies to an object");
  if (replacement_) {
    Result<Value> r = Replace(replacement_doc_, doc->Find("_id"));
    if (!r.ok()) return r.status();
    *doc = std::move(*r);
    return Status::OK();
  }
  Value copy = *doc;  // so that an error leaves `doc` as it was
  STRATA_RETURN_IF_ERROR(ApplyOps(ops_, &copy, now_millis, /*inserting=*/false));
  *doc = std::move(copy);
  return Status::OK();
}

Result<Value> Update::MakeUpsertDocument(const Value& filter_spec, int64_t now_millis) const {
  Value seed{Object{}};
  STRATA_RETURN_IF_ERROR(SeedFromFilter(filter_spec, &seed));
  if (replacement_) return Replace(replacement_doc_, seed.Find("_id"));
  STRATA_RETURN_IF_ERROR(ApplyOps(ops_, &seed, now_millis, /*inserting=*/true));
  return seed;
}

}  // namespace strata::query
