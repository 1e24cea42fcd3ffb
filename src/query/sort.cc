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
    s.paths_.emplace_back(path);
  }
  return s;
}

namespace {

// The value a document sorts by: every value the path reaches, arrays by their elements, missing
// as null; the smallest ascending, the largest descending. An empty array sorts below null
// (MongoDB); MinKey stands for it, as no stored document holds MinKey. Points into `doc` or at a
// constant.
const Value* SortKey(const Value& doc, const codec::FieldPath& path, int direction) {
  static const Value kNull;
  static const Value kEmptyArray = Value::MinKey();
  const Value* best = nullptr;
  auto offer = [&](const Value* v) {
    if (best == nullptr || CompareValues(*v, *best) * direction < 0) best = v;
  };
  codec::VisitPath(doc, path, /*expand_leaf_arrays=*/false, [&](const Value* v) {
    if (v == nullptr) {
      offer(&kNull);
    } else if (!v->is_array()) {
      offer(v);
    } else if (v->as_array().empty()) {
      offer(&kEmptyArray);
    } else {
      for (const Value& e : v->as_array()) offer(&e);
    }
    return false;
  });
  return best != nullptr ? best : &kNull;
}

}  // namespace

int SortSpec::Compare(const Value& a, const Value& b) const {
  for (size_t i = 0; i < keys_.size(); ++i) {
    const int dir = keys_[i].second;
    const int c = CompareValues(*SortKey(a, paths_[i], dir), *SortKey(b, paths_[i], dir));
    if (c != 0) return c * dir;
  }
  return 0;
}

Value SortKeyOf(const Value& doc, const std::string& path, int direction) {
  return *SortKey(doc, codec::FieldPath(path), direction);
}

}  // namespace strata::query
