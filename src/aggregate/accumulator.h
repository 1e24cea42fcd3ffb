// $group accumulators: $sum $avg $min $max $first $last $push $addToSet $count. An accumulator
// sees one evaluated operand per document of its group (Missing() for a missing field) and
// reports the bytes it holds, so $group can enforce its memory limit.
// Thread safety: one accumulator per group per execution; not shared.
#pragma once

#include <cstddef>
#include <memory>
#include <string_view>

#include "strata/value.h"

namespace strata::aggregate {

class Accumulator {
 public:
  virtual ~Accumulator() = default;
  virtual void Process(const Value& operand) = 0;
  virtual Value Finish() const = 0;
  // Approximate bytes held beyond the object itself (kept up to date in O(1) per Process).
  virtual size_t memory() const { return 0; }
};

// nullptr when `op` (with its '$') is not an accumulator.
std::unique_ptr<Accumulator> MakeAccumulator(std::string_view op);

}  // namespace strata::aggregate
