// Updates: MongoDB's update operators and replacement documents over Values.
//
// Operators: $set $unset $inc $mul $min $max $rename $push (with $each, $position, $slice, $sort)
// $pull $addToSet (with $each) $pop $currentDate; dotted paths create missing objects, index
// into arrays, and refuse to traverse scalars. A spec without operators is a replacement. Two
// operators on the same or overlapping paths are refused, as is any change to _id.
// Thread safety: a parsed Update is immutable.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "query/filter.h"
#include "strata/status.h"
#include "strata/value.h"

namespace strata::query {

class Update {
 public:
  Update();
  ~Update();
  Update(Update&&) noexcept;
  Update& operator=(Update&&) noexcept;

  // InvalidArgument names the operator and path: "$inc needs a number at 'count'".
  static Result<Update> Parse(const Value& spec);

  bool is_replacement() const { return replacement_; }

  // Applies the update to `doc`. On error `doc` is left unchanged and the Status names the
  // operator and path (for example "$inc at 'n': cannot apply to a string"). `now_millis` is the
  // time $currentDate writes. A replacement keeps doc's _id.
  Status Apply(Value* doc, int64_t now_millis) const;

  // The document an upsert inserts when nothing matched: the filter's equality conditions
  // (top-level and inside $and) as fields, then this update applied.
  Result<Value> MakeUpsertDocument(const Value& filter_spec, int64_t now_millis) const;

 private:
  struct Op;
  bool replacement_ = false;
  Value replacement_doc_;
  std::vector<std::shared_ptr<const Op>> ops_;
};

}  // namespace strata::query
