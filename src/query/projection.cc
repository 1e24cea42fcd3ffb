// Inclusion and exclusion projections.
#include "query/projection.h"

#include "codec/path.h"

namespace strata::query {
namespace {

// The paths (as parts from `depth` on) that continue below a field, and whether one ends at it.
struct Matches {
  bool ends = false;
  std::vector<const std::vector<std::string>*> below;
};

Matches Select(const std::vector<const std::vector<std::string>*>& paths, size_t depth,
               const std::string& field) {
  Matches m;
  for (const auto* p : paths) {
    if ((*p)[depth] != field) continue;
    if (depth + 1 == p->size()) {
      m.ends = true;
    } else {
      m.below.push_back(p);
    }
  }
  return m;
}

Value Include(const Value& v, const std::vector<const std::vector<std::string>*>& paths,
              size_t depth, bool* keep);

// Inside arrays an inclusion keeps projected objects and nested arrays, and drops scalars.
Value IncludeInArray(const Array& a, const std::vector<const std::vector<std::string>*>& paths,
                     size_t depth) {
  Array out;
  for (const Value& e : a) {
    bool keep = false;
    Value p = Include(e, paths, depth, &keep);
    if (keep) out.push_back(std::move(p));
  }
  return Value(std::move(out));
}

Value Include(const Value& v, const std::vector<const std::vector<std::string>*>& paths,
              size_t depth, bool* keep) {
  *keep = true;
  if (v.is_array()) return IncludeInArray(v.as_array(), paths, depth);
  if (!v.is_object()) {
    *keep = false;
    return Value();
  }
  Object out;
  for (const auto& [name, child] : v.as_object()) {
    Matches m = Select(paths, depth, name);
    if (m.ends) {
      out.emplace_back(name, child);
    } else if (!m.below.empty()) {
      bool k = false;
      Value p = Include(child, m.below, depth + 1, &k);
      if (k) out.emplace_back(name, std::move(p));
    }
  }
  return Value(std::move(out));
}

Value Exclude(const Value& v, const std::vector<const std::vector<std::string>*>& paths,
              size_t depth) {
  if (v.is_array()) {
    Array out;
    for (const Value& e : v.as_array()) out.push_back(Exclude(e, paths, depth));
    return Value(std::move(out));
  }
  if (!v.is_object()) return v;
  Object out;
  for (const auto& [name, child] : v.as_object()) {
    Matches m = Select(paths, depth, name);
    if (m.ends) continue;
    out.emplace_back(name, m.below.empty() ? child : Exclude(child, m.below, depth + 1));
  }
  return Value(std::move(out));
}

bool Prefix(const std::string& a, const std::string& b) {
  return b.size() > a.size() && b.compare(0, a.size(), a) == 0 && b[a.size()] == '.';
}

}  // namespace

Result<Projection> Projection::Parse(const Value& spec) {
  if (!spec.is_object()) return Status::InvalidArgument("a projection must be an object");
  Projection p;
  bool have_mode = false;
  bool id_included = false;
  for (const auto& [path, v] : spec.as_object()) {
    bool include;
    if (v.is_bool()) {
      include = v.as_bool();
    } else if (v.is_number()) {
      include = v.as_number() != 0;
    } else {
      return Status::NotSupported("projection at '" + path +
                                  "': only 0, 1, true and false are supported");
    }
    if (path == "$" || path.ends_with(".$") || path.find(".$.") != std::string::npos) {
      return Status::NotSupported("projection at '" + path +
                                  "': the positional operator $ is not supported");
    }
    if (path.empty() || path[0] == '$' || path.find("..") != std::string::npos ||
        path.back() == '.' || path[0] == '.') {
      return Status::InvalidArgument("invalid projection path '" + path + "'");
    }
    if (path == "_id") {
      p.exclude_id_ = !include;
      id_included = include;
      continue;
    }
    if (have_mode && include != p.inclusion_) {
      return Status::InvalidArgument("cannot mix inclusion and exclusion in a projection at '" +
                                     path + "'");
    }
    have_mode = true;
    p.inclusion_ = include;
    for (const std::string& other : p.paths_) {
      if (other == path || Prefix(other, path) || Prefix(path, other)) {
        return Status::InvalidArgument("projection path collision at '" + path + "'");
      }
    }
    p.paths_.push_back(path);
  }
  if (!have_mode) {
    // Only _id (or nothing): {_id: 0} excludes it, {_id: 1} keeps only it.
    p.inclusion_ = id_included;
  }
  if (p.inclusion_ && !p.exclude_id_) p.paths_.insert(p.paths_.begin(), "_id");
  if (!p.inclusion_ && p.exclude_id_) p.paths_.insert(p.paths_.begin(), "_id");
  p.keep_all_ = spec.as_object().empty();
  for (const std::string& s : p.paths_) {
    auto parts = codec::FieldPath(s).parts;
    p.split_.emplace_back(std::make_move_iterator(parts.begin()),
                          std::make_move_iterator(parts.end()));
  }
  return p;
}

Value Projection::Apply(const Value& doc) const {
  if (keep_all_ || !doc.is_object()) return doc;
  std::vector<const std::vector<std::string>*> paths;
  for (const auto& s : split_) paths.push_back(&s);
  if (!inclusion_) return Exclude(doc, paths, 0);
  bool keep = false;
  return Include(doc, paths, 0, &keep);
}

}  // namespace strata::query
