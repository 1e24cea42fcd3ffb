// MongoDB's path iteration over Values (its BSONElementIterator, recursive instead of a cursor).
#include "codec/path.h"

namespace strata::codec {

int64_t ParseArrayIndex(std::string_view step) {
  if (step.empty() || step.size() > 15) return -1;
  if (step.size() > 1 && step[0] == '0') return -1;
  int64_t v = 0;
  for (char c : step) {
    if (c < '0' || c > '9') return -1;
    v = v * 10 + (c - '0');
  }
  return v;
}

FieldPath::FieldPath(std::string_view path) : dotted(path) {
  size_t start = 0;
  while (true) {
    size_t dot = path.find('.', start);
    std::string_view step = path.substr(start, dot == std::string_view::npos ? dot : dot - start);
    parts.emplace_back(step);
    index.push_back(ParseArrayIndex(step));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
}

namespace {

struct Walker {
  const FieldPath& path;
  bool expand;
  FunctionRef<bool(const Value*)> visit;

  // Emits a value reached at the end of the path.
  bool Leaf(const Value& v) {
    if (v.is_array() && expand) {
      for (const Value& e : v.as_array()) {
        if (visit(&e)) return true;
      }
    }
    return visit(&v);
  }

  // Looks up step i in a container (object, or array by index at the root of an $elemMatch).
  static const Value* Child(const Value& c, const FieldPath& p, size_t i) {
    if (c.is_object()) return c.Find(p.parts[i]);
    const int64_t k = p.index[i];
    if (k < 0 || static_cast<size_t>(k) >= c.as_array().size()) return nullptr;
    return &c.as_array()[static_cast<size_t>(k)];
  }

  // Follows steps i.. from a container through objects until the end, a dead end, or an array.
  bool FromContainer(const Value& container, size_t i) {
    const Value* cur = &container;
    while (true) {
      const Value* v = Child(*cur, path, i);
      if (v == nullptr) return visit(nullptr);
      if (i + 1 == path.parts.size()) return Leaf(*v);
      if (v->is_array()) return InArray(*v, i + 1);
      if (!v->is_object()) return visit(nullptr);
      cur = v;
      ++i;
    }
  }

  // An array with steps j.. still to apply.
  bool InArray(const Value& arr, size_t j) {
    const bool last = j + 1 == path.parts.size();
    const int64_t want = path.index[j];
    const Array& elems = arr.as_array();
    for (size_t k = 0; k < elems.size(); ++k) {
      const Value& e = elems[k];
      const bool offset_match = want >= 0 && static_cast<size_t>(want) == k;
      if (e.is_object()) {
        if (FromContainer(e, j)) return true;  // the step as a field of each element
        if (offset_match) {
          if (last ? visit(&e) : FromContainer(e, j + 1)) return true;
        }
      } else if (offset_match) {
        if (last) {
          if (visit(&e)) return true;
        } else if (e.is_array()) {
          if (InArray(e, j + 1)) return true;
        }
      }
    }
    return false;
  }
};

}  // namespace

bool VisitPath(const Value& root, const FieldPath& path, bool expand_leaf_arrays,
               FunctionRef<bool(const Value*)> visit) {
  if (!root.is_object() && !root.is_array()) return visit(nullptr);
  Walker w{path, expand_leaf_arrays, visit};
  return w.FromContainer(root, 0);
}

void CollectPathValues(const Value& doc, std::string_view path, std::vector<const Value*>* out) {
  FieldPath p(path);
  VisitPath(doc, p, /*expand_leaf_arrays=*/false, [out](const Value* v) {
    if (v != nullptr) out->push_back(v);
    return false;
  });
}

namespace {

bool CrossesFrom(const Value& v, const FieldPath& path, size_t i) {
  const auto& parts = path.parts;
  if (i == parts.size()) return false;
  if (v.is_array()) return true;
  if (!v.is_object()) return false;
  const Value* child = v.Find(parts[i]);
  return child != nullptr && i + 1 < parts.size() && CrossesFrom(*child, path, i + 1);
}

}  // namespace

bool PathCrossesArray(const Value& doc, std::string_view path) {
  FieldPath p(path);
  if (!doc.is_object()) return false;
  return CrossesFrom(doc, p, 0);
}

}  // namespace strata::codec
