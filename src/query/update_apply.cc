// Applying one update operator to a document: paths are followed without fan-out (numeric steps
// index arrays), missing objects are created where the operator sets a value, and scalars in the
// way are errors.
#include <algorithm>
#include <limits>

#include "codec/path.h"
#include "query/update_internal.h"

namespace strata::query {

using Op = UpdateOp;
using Kind = UpdateOp::Kind;

Status OpError(const Op& op, const std::string& what) {
  return Status::InvalidArgument(op.name + " at '" + op.path + "': " + what);
}

namespace {

std::string TypeName(const Value& v) { return std::string(ValueTypeName(v.type())); }

Value* Child(Value* container, const std::string& step) {
  if (container->is_object()) return container->Find(step);
  if (container->is_array()) {
    const int64_t i = codec::ParseArrayIndex(step);
    Array& a = container->as_array();
    if (i < 0 || static_cast<size_t>(i) >= a.size()) return nullptr;
    return &a[static_cast<size_t>(i)];
  }
  return nullptr;
}

// Stores `v` under `step` in an object or array (padding an array with nulls up to the index).
Result<Value*> SetChild(const Op& op, Value* container, const std::string& step, Value v) {
  if (container->is_object()) return &container->Set(step, std::move(v));
  if (container->is_array()) {
    const int64_t i = codec::ParseArrayIndex(step);
    if (i < 0) return OpError(op, "cannot create field '" + step + "' in an array");
    Array& a = container->as_array();
    if (static_cast<size_t>(i) >= a.size()) a.resize(static_cast<size_t>(i) + 1);
    a[static_cast<size_t>(i)] = std::move(v);
    return &a[static_cast<size_t>(i)];
  }
  return OpError(op, "cannot create field '" + step + "' in a " + TypeName(*container));
}

// The container that holds the path's last step. With `create`, missing objects on the way are
// made and a scalar in the way is an error; without, either yields nullptr.
Result<Value*> Parent(const Op& op, Value* doc, const std::vector<std::string>& parts,
                      bool create) {
  Value* cur = doc;
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    Value* next = Child(cur, parts[i]);
    if (next == nullptr) {
      if (!create) return static_cast<Value*>(nullptr);
      Result<Value*> made = SetChild(op, cur, parts[i], Value(Object{}));
      if (!made.ok()) return made.status();
      next = *made;
    } else if (!next->is_object() && !next->is_array()) {
      if (!create) return static_cast<Value*>(nullptr);
      return OpError(op, "cannot create field '" + parts[i + 1] + "' in a " + TypeName(*next));
    }
    cur = next;
  }
  if (cur->is_array() && codec::ParseArrayIndex(parts.back()) < 0) {
    if (!create) return static_cast<Value*>(nullptr);
    return OpError(op, "cannot create field '" + parts.back() + "' in an array");
  }
  return cur;
}

bool IsEqual(const Value& a, const Value& b) { return CompareSingle(&a, CmpOp::kEq, b); }

Result<Value> Arithmetic(const Op& op, const Value& cur) {
  const Value& arg = op.arg;
  if (!cur.is_number()) return OpError(op, "cannot apply to a " + TypeName(cur));
  const bool inc = op.kind == Kind::kInc;
  if (cur.is_int() && arg.is_int()) {
    int64_t out;
    const bool overflow = inc ? __builtin_add_overflow(cur.as_int(), arg.as_int(), &out)
                              : __builtin_mul_overflow(cur.as_int(), arg.as_int(), &out);
    if (overflow) return OpError(op, "integer overflow");
    return Value(out);
  }
  return Value(inc ? cur.as_number() + arg.as_number() : cur.as_number() * arg.as_number());
}

void SortArray(const Op& op, Array* a) {
  if (op.sort_spec.has_value()) {
    const SortSpec& spec = *op.sort_spec;
    std::stable_sort(a->begin(), a->end(),
                     [&spec](const Value& x, const Value& y) { return spec.Compare(x, y) < 0; });
  } else if (op.sort_direction != 0) {
    const int dir = op.sort_direction;
    std::stable_sort(a->begin(), a->end(), [dir](const Value& x, const Value& y) {
      return CompareValues(x, y) * dir < 0;
    });
  }
}

void Push(const Op& op, Array* a) {
  size_t at = a->size();
  if (op.position.has_value()) {
    const int64_t p = *op.position;
    const int64_t n = static_cast<int64_t>(a->size());
    at = static_cast<size_t>(p >= 0 ? std::min(p, n) : std::max<int64_t>(0, n + p));
  }
  a->insert(a->begin() + static_cast<std::ptrdiff_t>(at), op.each.begin(), op.each.end());
  SortArray(op, a);
  if (op.slice.has_value()) {
    const int64_t s = *op.slice;
    const size_t keep = static_cast<size_t>(s >= 0 ? s : -s);
    if (keep < a->size()) {
      if (s >= 0) {
        a->resize(keep);
      } else {
        a->erase(a->begin(), a->end() - static_cast<std::ptrdiff_t>(keep));
      }
    }
  }
}

bool PullMatches(const Op& op, const Value& e) {
  if (op.pull_object != nullptr) return e.is_object() && op.pull_object->Matches(e);
  if (op.pull_wrapped != nullptr) return op.pull_wrapped->Matches(Value(Object{{"", e}}));
  if (op.kind == Kind::kPullAll) {
    for (const Value& v : op.arg.as_array()) {
      if (IsEqual(e, v)) return true;
    }
    return false;
  }
  return IsEqual(e, op.arg);
}

Status Rename(const Op& op, Value* doc) {
  Result<Value*> from_parent = Parent(op, doc, op.parts, false);
  if (!from_parent.ok()) return from_parent.status();
  if (*from_parent == nullptr) return Status::OK();
  Value* from = Child(*from_parent, op.parts.back());
  if (from == nullptr) return Status::OK();
  // Neither end may sit inside an array (MongoDB refuses both).
  Value* cur = doc;
  for (size_t i = 0; i < op.parts.size(); ++i) {
    if (!cur->is_object()) return OpError(op, "the source field cannot be an array element");
    cur = cur->Find(op.parts[i]);
  }
  cur = doc;
  for (size_t i = 0; i + 1 < op.to_parts.size() && cur != nullptr && cur->is_object(); ++i) {
    cur = cur->Find(op.to_parts[i]);
    if (cur != nullptr && cur->is_array()) {
      return OpError(op, "the destination field cannot be an array element");
    }
  }
  Value moved = std::move(*from);
  (*from_parent)->Erase(op.parts.back());
  Op dest = op;
  dest.path = op.to;
  Result<Value*> to_parent = Parent(dest, doc, op.to_parts, true);
  if (!to_parent.ok()) return to_parent.status();
  return SetChild(dest, *to_parent, op.to_parts.back(), std::move(moved)).status();
}

}  // namespace

Status ApplyOp(const Op& op, Value* doc, int64_t now_millis, bool inserting) {
  const std::string& last = op.parts.back();
  switch (op.kind) {
    case Kind::kRename:
      return Rename(op, doc);
    case Kind::kUnset:
    case Kind::kPop:
    case Kind::kPull:
    case Kind::kPullAll: {
      // Operators that never create anything: a missing path is a no-op.
      Result<Value*> parent = Parent(op, doc, op.parts, false);
      if (!parent.ok()) return parent.status();
      if (*parent == nullptr) return Status::OK();
      Value* target = Child(*parent, last);
      if (target == nullptr) return Status::OK();
      if (op.kind == Kind::kUnset) {
        if ((*parent)->is_object()) {
          (*parent)->Erase(last);
        } else {
          *target = Value();  // an array keeps its length: the element becomes null
        }
        return Status::OK();
      }
      if (!target->is_array()) return OpError(op, "not an array but a " + TypeName(*target));
      Array& a = target->as_array();
      if (op.kind == Kind::kPop) {
        if (!a.empty()) {
          if (op.arg.as_number() > 0) {
            a.pop_back();
          } else {
            a.erase(a.begin());
          }
        }
        return Status::OK();
      }
      a.erase(
          std::remove_if(a.begin(), a.end(), [&op](const Value& e) { return PullMatches(op, e); }),
          a.end());
      return Status::OK();
    }
    default:
      break;
  }
  if (op.kind == Kind::kSetOnInsert && !inserting) return Status::OK();
  Result<Value*> parent = Parent(op, doc, op.parts, true);
  if (!parent.ok()) return parent.status();
  Value* target = Child(*parent, last);
  Value out;
  switch (op.kind) {
    case Kind::kSet:
    case Kind::kSetOnInsert:
      out = op.arg;
      break;
    case Kind::kCurrentDate:
      out = Value::Date(now_millis);
      break;
    case Kind::kInc:
    case Kind::kMul: {
      if (target == nullptr) {
        out = op.kind == Kind::kInc ? op.arg : (op.arg.is_int() ? Value(0) : Value(0.0));
        break;
      }
      Result<Value> r = Arithmetic(op, *target);
      if (!r.ok()) return r.status();
      out = std::move(*r);
      break;
    }
    case Kind::kMin:
    case Kind::kMax: {
      if (target != nullptr) {
        const int c = CompareValues(op.arg, *target);
        if (op.kind == Kind::kMin ? c >= 0 : c <= 0) return Status::OK();
      }
      out = op.arg;
      break;
    }
    case Kind::kPush:
    case Kind::kAddToSet: {
      if (target != nullptr && !target->is_array()) {
        return OpError(op, "not an array but a " + TypeName(*target));
      }
      Array a = target != nullptr ? std::move(target->as_array()) : Array{};
      if (op.kind == Kind::kPush) {
        Push(op, &a);
      } else {
        for (const Value& v : op.each) {
          if (std::none_of(a.begin(), a.end(), [&v](const Value& e) { return IsEqual(e, v); })) {
            a.push_back(v);
          }
        }
      }
      out = Value(std::move(a));
      break;
    }
    default:
      return OpError(op, "unhandled operator");
  }
  return SetChild(op, *parent, last, std::move(out)).status();
}

}  // namespace strata::query
