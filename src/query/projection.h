// Projections: {a: 1, "b.c": 1} includes, {a: 0} excludes; _id is included unless excluded;
// mixing inclusion and exclusion (other than _id: 0) is refused. Dotted paths reach into nested
// objects and through arrays. Thread safety: immutable after Parse.
#pragma once

#include <string>
#include <vector>

#include "strata/status.h"
#include "strata/value.h"

namespace strata::query {

class Projection {
 public:
  Projection() = default;  // keeps everything
  static Result<Projection> Parse(const Value& spec);
  Value Apply(const Value& doc) const;
  bool empty() const { return paths_.empty() && !exclude_id_; }

 private:
  bool inclusion_ = true;
  bool exclude_id_ = false;
  std::vector<std::string> paths_;
};

}  // namespace strata::query
