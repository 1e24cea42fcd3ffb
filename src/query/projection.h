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
  bool empty() const { return keep_all_; }

 private:
  bool keep_all_ = true;
  bool inclusion_ = true;
  bool exclude_id_ = false;
  std::vector<std::string> paths_;
  std::vector<std::vector<std::string>> split_;  // paths_, split at the dots
};

}  // namespace strata::query
