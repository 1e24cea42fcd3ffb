// The parsed form of update operators (private to the query layer), shared by update.cc (parsing,
// upserts) and update_apply.cc (applying one operator to a document).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "query/filter_internal.h"
#include "query/sort.h"
#include "query/update.h"

namespace strata::query {

// The parsed operator (Update::Op, private to Update, derives from it so free functions can
// work with it).
struct UpdateOp {
  enum class Kind {
    kSet,
    kSetOnInsert,
    kUnset,
    kInc,
    kMul,
    kMin,
    kMax,
    kRename,
    kPush,
    kAddToSet,
    kPop,
    kPull,
    kPullAll,
    kCurrentDate,
  };
  Kind kind;
  std::string name;  // "$set", for messages
  std::string path;
  std::vector<std::string> parts;
  Value arg;

  // $rename's destination.
  std::string to;
  std::vector<std::string> to_parts;

  // $push and $addToSet: the values to add ($each, or the single argument).
  std::vector<Value> each;
  std::optional<int64_t> position;
  std::optional<int64_t> slice;
  int sort_direction = 0;             // $sort: 1 / -1 over whole elements
  std::optional<SortSpec> sort_spec;  // $sort: {field: 1} over object elements

  // $pull: a condition on the element ({$gte: 6}), a sub-filter for object elements ({a: 1}), or
  // neither (equality with arg).
  std::shared_ptr<const MatchNode> pull_wrapped;  // matched against {"": element}
  std::shared_ptr<const MatchNode> pull_object;

  // The path this operator writes (MongoDB applies operators in path order).
  const std::string& write_path() const { return kind == Kind::kRename ? to : path; }
};

// Applies one operator to `doc` (an object). `inserting` is true while building an upsert's
// document ($setOnInsert applies only then).
Status ApplyOp(const UpdateOp& op, Value* doc, int64_t now_millis, bool inserting);

// "<op> at '<path>': <what>".
Status OpError(const UpdateOp& op, const std::string& what);

}  // namespace strata::query
