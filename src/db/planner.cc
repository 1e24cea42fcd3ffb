#include "db/planner.h"

#include <algorithm>
#include <boost/container/small_vector.hpp>
#include <cmath>
#include <string_view>

#include "codec/json.h"
#include "codec/key_codec.h"
#include "doc/index_maintainer.h"
#include "doc/keyspace.h"

namespace strata::db {

namespace {

using Op = query::PathPredicate::Op;

// Planning a find allocates little: a filter has a few paths, a value one or two encodings.
template <typename T, size_t N>
using SmallVector = boost::container::small_vector<T, N>;
using Encodings = SmallVector<std::string, 2>;
using RangePredicates = SmallVector<const query::PathPredicate*, 2>;

std::string Enc(const Value& v) {
  std::string out;
  out.reserve(v.is_string() ? v.as_string().size() + 2 : 16);  // type code, bytes, terminator
  codec::AppendKeyElement(&out, v);
  return out;
}

// Appends the encodings of every value equal to v: an integral number has an int and a double
// form. Encodings of one value come out sorted, without duplicates.
void AppendEqualEncodings(const Value& v, Encodings* out) {
  const size_t first = out->size();
  out->push_back(Enc(v));
  if (v.is_int()) {
    double d = static_cast<double>(v.as_int());
    if (d >= -9.2e18 && d <= 9.2e18 && static_cast<int64_t>(d) == v.as_int()) {
      out->push_back(Enc(Value(d)));
    }
  } else if (v.is_double()) {
    double d = v.as_double();
    if (d == static_cast<double>(static_cast<int64_t>(d)) && d >= -9.2e18 && d <= 9.2e18) {
      out->push_back(Enc(Value(static_cast<int64_t>(d))));
    }
  }
  if (out->size() - first < 2) return;
  std::sort(out->begin() + static_cast<ptrdiff_t>(first), out->end());
  out->erase(std::unique(out->begin() + static_cast<ptrdiff_t>(first), out->end()), out->end());
}

Encodings EqualEncodings(const Value& v) {
  Encodings out;
  AppendEqualEncodings(v, &out);
  return out;
}

// The smallest value of each type rank, to find where a type's keys end.
Value SmallestOfRank(int rank) {
  switch (rank) {
    case 0:
      return Value::MinKey();
    case 1:
      return Value();
    case 2:
      return Value(std::nan(""));
    case 3:
      return Value("");
    case 4:
      return Value(Object{});
    case 5:
      return Value(Array{});
    case 6:
      return Value::Binary("");
    case 7:
      return Value(false);
    case 8:
      return Value::Date(INT64_MIN);
    default:
      return Value::MaxKey();
  }
}

// [start, end) of the keys whose element has v's type (comparisons never cross types).
std::pair<std::string, std::string> TypeBracket(const Value& v) {
  // From the smallest value of v's type, not from v: false and true have type codes of their
  // own, and {$lt: true} takes in false.
  int rank = TypeOrder(v.type());
  return {Enc(SmallestOfRank(rank)).substr(0, 1), Enc(SmallestOfRank(rank + 1)).substr(0, 1)};
}

struct ElementRange {
  std::string lo, hi;  // element bytes; [lo, hi)
  bool empty() const { return lo >= hi; }
};

// The range a set of range predicates on one path allows. `intersect` false keeps the first
// predicate only (multikey indexes: different elements may satisfy different bounds).
ElementRange RangeOf(const RangePredicates& preds, bool intersect) {
  ElementRange r;
  bool first = true;
  for (const query::PathPredicate* p : preds) {
    const Value& v = p->operands[0];
    auto [start, end] = TypeBracket(v);
    if (first) {
      r.lo = start;
      r.hi = end;
    }
    Encodings encs = EqualEncodings(v);
    std::string lo = r.lo, hi = r.hi;
    switch (p->op) {
      case Op::kGte:
        lo = encs.front();
        break;
      case Op::kGt:
        lo = codec::TuplePrefixLimit(encs.back());
        break;
      case Op::kLte:
        hi = codec::TuplePrefixLimit(encs.back());
        break;
      case Op::kLt:
        hi = encs.front();
        break;
      default:
        break;
    }
    r.lo = std::max(r.lo, std::max(lo, start));
    r.hi = std::min(r.hi, std::min(hi, end));
    first = false;
    if (!intersect) break;
  }
  return r;
}

struct PathConditions {
  SmallVector<const Value*, 2> eq;  // equal to any of these ($eq, $in); empty when none
  bool has_eq = false;
  RangePredicates ranges;
};

// Conditions by path, in first-seen order. A filter has few paths: a vector beats a map.
using Conditions = SmallVector<std::pair<std::string_view, PathConditions>, 4>;

const PathConditions* FindPath(const Conditions& conds, std::string_view path) {
  for (const auto& [p, c] : conds) {
    if (p == path) return &c;
  }
  return nullptr;
}

Conditions GroupByPath(const query::Filter& filter) {
  Conditions out;
  out.reserve(filter.predicates().size());
  for (const query::PathPredicate& p : filter.predicates()) {
    auto it =
        std::find_if(out.begin(), out.end(), [&](const auto& e) { return e.first == p.path; });
    if (it == out.end()) {
      it = out.emplace(out.end());  // built in place: no PathConditions to move
      it->first = p.path;
    }
    PathConditions& c = it->second;
    if (p.op == Op::kEq || p.op == Op::kIn) {
      if (c.has_eq) {
        // Two equality conditions: keep the values both allow.
        SmallVector<const Value*, 2> both;
        for (const Value* a : c.eq) {
          for (const Value& b : p.operands) {
            if (CompareValues(*a, b) == 0) both.push_back(a);
          }
        }
        c.eq = std::move(both);
      } else {
        for (const Value& v : p.operands) c.eq.push_back(&v);
        c.has_eq = true;
      }
    } else {
      c.ranges.push_back(&p);
    }
  }
  return out;
}

void SortAndMerge(std::vector<KeyRange>* ranges) {
  std::erase_if(*ranges, [](const KeyRange& r) { return r.lower >= r.upper; });
  if (ranges->size() <= 1) return;
  std::sort(ranges->begin(), ranges->end(),
            [](const KeyRange& a, const KeyRange& b) { return a.lower < b.lower; });
  std::vector<KeyRange> merged;
  for (KeyRange& r : *ranges) {
    if (!merged.empty() && r.lower <= merged.back().upper) {
      merged.back().upper = std::max(merged.back().upper, r.upper);
    } else {
      merged.push_back(std::move(r));
    }
  }
  *ranges = std::move(merged);
}

struct Candidate {
  int score = 0;
  Plan plan;
};

constexpr size_t kMaxRanges = 1000;

// Whether range predicates on one path, intersected, select exactly the keys between their
// bounds. A number range without a lower bound starts at the bottom of the numbers, where NaN
// sorts, and NaN satisfies no comparison: those need the filter.
bool RangeIsExact(const RangePredicates& preds) {
  bool numbers = false;
  for (const query::PathPredicate* p : preds) {
    if (p->op == Op::kGt || p->op == Op::kGte) return true;
    if (p->operands[0].is_number()) numbers = true;
  }
  return !numbers;
}

// Whether the bounds PlanIndex made from eq_fields equality fields and (range_used) one range
// field take in every condition of the filter.
bool BoundsAreExact(const doc::IndexDef& idx, const Conditions& conds, size_t eq_fields,
                    bool range_used) {
  if (idx.info.multikey) return false;  // an array's elements may match different conditions
  const auto& fields = idx.info.fields;
  for (const auto& [path, pc] : conds) {
    size_t pos = 0;
    while (pos < fields.size() && fields[pos].first != path) ++pos;
    if (pos < eq_fields) {
      if (!pc.ranges.empty()) return false;  // the bounds use the equality only
    } else if (!(range_used && pos == eq_fields && RangeIsExact(pc.ranges))) {
      return false;
    }
  }
  return true;
}

Candidate PlanIndex(const doc::IndexDef& idx, const Conditions& conds, const query::SortSpec& sort,
                    bool exact_filter, bool describe) {
  Candidate c;
  const auto& fields = idx.info.fields;
  // Most indexes have no condition on their first field: skip them before allocating.
  if (fields.empty() || FindPath(conds, fields[0].first) == nullptr) return c;
  SmallVector<std::string, 1> combos;
  combos.push_back(doc::IndexPrefix(idx.prefix));
  combos[0].reserve(48);  // the prefix and a short value or two: appended without regrowing
  std::string bounds;
  size_t eq_fields = 0;
  bool range_used = false;
  ElementRange range;
  for (const auto& [path, dir] : fields) {
    const PathConditions* found = FindPath(conds, path);
    if (found == nullptr) break;
    const PathConditions& pc = *found;
    if (pc.has_eq) {
      if (pc.eq.size() == 1 && !pc.eq[0]->is_number()) {
        // One value with one encoding (numbers have two): appended to each combination as is.
        for (std::string& c0 : combos) {
          const size_t at = c0.size();
          codec::AppendKeyElement(&c0, *pc.eq[0]);
          if (dir < 0) doc::InvertBytes(&c0, at);
        }
      } else {
        Encodings encs;
        for (const Value* v : pc.eq) AppendEqualEncodings(*v, &encs);
        if (dir < 0) {
          for (std::string& e : encs) doc::InvertBytes(&e, 0);
        }
        if (combos.size() * std::max<size_t>(1, encs.size()) > kMaxRanges) break;
        if (encs.size() == 1) {  // extend each combination in place
          for (std::string& c0 : combos) c0 += encs[0];
        } else {
          SmallVector<std::string, 1> next;
          next.reserve(combos.size() * encs.size());
          for (const std::string& c0 : combos) {
            for (const std::string& e : encs) next.push_back(c0 + e);
          }
          combos = std::move(next);
        }
      }
      ++eq_fields;
      if (describe) {
        bounds += (bounds.empty() ? "" : ", ") + path + " in [" + std::to_string(pc.eq.size()) +
                  " value(s)" + (pc.eq.size() == 1 ? ": " + codec::ToJson(*pc.eq[0]) : "") + "]";
      }
      continue;
    }
    if (!pc.ranges.empty() && dir > 0) {
      range = RangeOf(pc.ranges, !idx.info.multikey);
      range_used = true;
      if (describe) bounds += (bounds.empty() ? "" : ", ") + path + " in a range";
    }
    break;
  }
  if (eq_fields == 0 && !range_used) return c;
  c.plan.ranges.reserve(combos.size());
  for (std::string& combo : combos) {
    if (range_used) {
      c.plan.ranges.push_back({combo + range.lo, combo + range.hi});
    } else {
      std::string limit = codec::TuplePrefixLimit(combo);
      c.plan.ranges.push_back({std::move(combo), std::move(limit)});
    }
  }
  SortAndMerge(&c.plan.ranges);
  c.plan.kind = Plan::Kind::kIndexScan;
  c.plan.index = &idx;
  c.plan.dedupe = idx.info.multikey;
  c.plan.exact = exact_filter && BoundsAreExact(idx, conds, eq_fields, range_used);
  c.plan.bounds = std::move(bounds);
  c.score = static_cast<int>(eq_fields) * 4 + (range_used ? 2 : 0);
  if (idx.info.unique && eq_fields == fields.size()) c.score += 8;
  // Any order will do without a sort; with one, it is free when it follows the index fields
  // after the equality prefix.
  if (sort.empty()) c.plan.sort_satisfied = true;
  if (!sort.empty() && combos.size() == 1 && !idx.info.multikey) {
    const auto& keys = sort.keys();
    bool same = true, opposite = true;
    bool fits = eq_fields + keys.size() <= fields.size();
    for (size_t i = 0; fits && i < keys.size(); ++i) {
      const auto& [fpath, fdir] = fields[eq_fields + i];
      if (keys[i].first != fpath) fits = false;
      if (keys[i].second != fdir) same = false;
      if (keys[i].second != -fdir) opposite = false;
    }
    if (fits && (same || opposite)) {
      c.plan.sort_satisfied = true;
      c.plan.reverse = !same;
      c.score += 1;
    }
  }
  return c;
}

}  // namespace

std::string Plan::Describe() const {
  switch (kind) {
    case Kind::kIdLookup:
      return "IDHACK";
    case Kind::kIndexScan:
      return "IXSCAN " + (index != nullptr ? index->info.name : std::string());
    case Kind::kCollectionScan:
      return "COLLSCAN";
  }
  return "";
}

Plan ChoosePlan(const doc::CollectionDef& def, const query::Filter& filter,
                const query::SortSpec& sort, bool describe) {
  auto conds = GroupByPath(filter);
  bool sort_by_id = sort.keys().size() == 1 && sort.keys()[0].first == "_id";

  // _id equality: direct lookups.
  if (const PathConditions* id = FindPath(conds, "_id"); id != nullptr && id->has_eq) {
    Plan p;
    p.kind = Plan::Kind::kIdLookup;
    const std::string record_prefix = doc::RecordPrefix(def.info.prefix);
    for (const Value* v : id->eq) {
      for (const std::string& e : EqualEncodings(*v)) {
        std::string key = record_prefix + e;
        p.ranges.push_back({key, key + '\0'});
      }
    }
    SortAndMerge(&p.ranges);
    p.sort_satisfied = sort.empty() || sort_by_id;
    p.reverse = sort_by_id && sort.keys()[0].second < 0;
    if (describe) p.bounds = "_id in [" + std::to_string(id->eq.size()) + " value(s)]";
    return p;
  }

  Candidate best;
  for (const doc::IndexDef& idx : def.indexes) {
    if (idx.info.state != "ready" || idx.info.kind != "field") continue;
    Candidate c = PlanIndex(idx, conds, sort, filter.predicates_are_exact(), describe);
    if (c.score > best.score) best = std::move(c);
  }
  if (best.score > 0) return std::move(best.plan);

  Plan scan;
  scan.kind = Plan::Kind::kCollectionScan;
  const std::string record_prefix = doc::RecordPrefix(def.info.prefix);
  std::string lo = record_prefix, hi = codec::PrefixSuccessor(record_prefix);
  if (const PathConditions* id = FindPath(conds, "_id"); id != nullptr && !id->ranges.empty()) {
    ElementRange r = RangeOf(id->ranges, true);
    lo = record_prefix + r.lo;
    hi = record_prefix + r.hi;
    scan.bounds = "_id in a range";
  }
  scan.ranges.push_back({lo, hi});
  SortAndMerge(&scan.ranges);
  scan.sort_satisfied = sort.empty() || sort_by_id;
  scan.reverse = sort_by_id && sort.keys()[0].second < 0;
  if (!scan.sort_satisfied) {
    // An index in the sort's order avoids sorting in memory; it must hold every document.
    for (const doc::IndexDef& idx : def.indexes) {
      if (idx.info.state != "ready" || idx.info.kind != "field" || idx.info.multikey ||
          idx.info.sparse) {
        continue;
      }
      const auto& keys = sort.keys();
      if (keys.size() > idx.info.fields.size()) continue;
      bool same = true, opposite = true;
      for (size_t i = 0; i < keys.size(); ++i) {
        if (keys[i].first != idx.info.fields[i].first) same = opposite = false;
        if (keys[i].second != idx.info.fields[i].second) same = false;
        if (keys[i].second != -idx.info.fields[i].second) opposite = false;
      }
      if (!same && !opposite) continue;
      Plan p;
      p.kind = Plan::Kind::kIndexScan;
      p.index = &idx;
      std::string ip = doc::IndexPrefix(idx.prefix);
      p.ranges.push_back({ip, codec::PrefixSuccessor(ip)});
      p.sort_satisfied = true;
      p.reverse = !same;
      p.bounds = "all keys, for the sort";
      return p;
    }
  }
  return scan;
}

}  // namespace strata::db
