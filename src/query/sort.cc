// Sort keys with MongoDB's array rules.
#include "query/sort.h"

#include "codec/path.h"

namespace strata::query {

Result<SortSpec> SortSpec::Parse(const Value& spec) {
  if (!spec.is_object() || spec.as_object().empty()) {
    return Status::InvalidArgument("a sort needs at least one key");
  }
  SortSpec s;
  for (const auto& [path, dir] : spec.as_object()) {
    if (!dir.is_number() || (dir.as_number() != 1 && dir.as_number() != -1)) {
      return Status::InvalidArgument("sort direction at '" + path + "' must be 1 or -1");
    }
    if (path.empty()) return Status::InvalidArgument("a sort key needs a field name");
    s.keys_.emplace_back(path, static_cast<int>(dir.as_number()));
  }
  return s;
}

int SortSpec::Compare(const Value& a, const Value& b) const {
  for (const auto& [path, dir] : keys_) {
    const int c = CompareValues(SortKeyOf(a, path, dir), SortKeyOf(b, path, dir));
    if (c != 0) return c * dir;
  }
  return 0;
}

Value SortKeyOf(const Value& doc, const std::string& path, int direction) {
  // Candidates: every value the path reaches, arrays by their elements, missing as null. An
  // empty array sorts below null (MongoDB); MinKey stands for that, as no document holds it.
  const Value* best = nullptr;
  bool seen = false;
  Value null_value, empty_array = Value::MinKey();
  auto offer = [&](const Value* v) {
    if (!seen || CompareValues(*v, *best) * direction < 0) best = v;
    seen = true;
  };
  codec::VisitPath(doc, codec::FieldPath(path), /*expand_leaf_arrays=*/false, [&](const Value* v) {
    if (v == nullptr) {
      offer(&null_value);
    } else if (!v->is_array()) {
      offer(v);
    } else if (v->as_array().empty()) {
      offer(&empty_array);
    } else {
      for (const Value& e : v->as_array()) offer(&e);
    }
    return false;
  });
  return seen ? *best : Value();
}

}  // namespace strata::query
