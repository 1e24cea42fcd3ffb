// The query planner: picks, for a filter and a sort, between an _id lookup, an index scan over
// key ranges, and a collection scan, and says whether the output already comes in sort order.
// Only "ready" field indexes are used. The chosen ranges are a superset of the matches; the
// executor applies the whole filter to every document it fetches.
// Thread safety: free functions over immutable inputs.
#pragma once

#include <string>
#include <vector>

#include "doc/catalog.h"
#include "query/filter.h"
#include "query/sort.h"

namespace strata::db {

struct KeyRange {
  std::string lower;  // inclusive, a full kv key
  std::string upper;  // exclusive
};

struct Plan {
  enum class Kind { kIdLookup, kIndexScan, kCollectionScan };
  Kind kind = Kind::kCollectionScan;
  const doc::IndexDef* index = nullptr;  // kIndexScan; points into the CollectionDef
  std::vector<KeyRange> ranges;          // ascending, disjoint; record keys or index keys
  bool reverse = false;                  // walk the ranges from the end
  bool sort_satisfied = false;           // the output is already in the requested order
  bool dedupe = false;                   // a multikey index may return a record more than once
  // kIndexScan: the ranges hold exactly the documents the filter matches (every condition is
  // an equality or range the bounds take in whole), so fetched documents need no filter.
  bool exact = false;
  std::string bounds;  // for Explain (only when ChoosePlan was asked to describe)

  std::string Describe() const;  // "IXSCAN email_1", "COLLSCAN", "IDHACK"
};

// The plan refers to `def`, which must outlive it. `describe` fills Plan::bounds, which costs
// more than the planning itself for point queries.
Plan ChoosePlan(const doc::CollectionDef& def, const query::Filter& filter,
                const query::SortSpec& sort, bool describe = true);

}  // namespace strata::db
