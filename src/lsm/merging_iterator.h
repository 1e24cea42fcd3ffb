// A merged view of several sorted iterators, in both directions.
#pragma once

#include <vector>

#include "base/comparator.h"
#include "strata/iterator.h"

namespace strata::lsm {

// Takes ownership of the children. Equal keys from different children are all returned, the
// child with the lower index first (callers order children newest first).
Iterator* NewMergingIterator(const Comparator* cmp, std::vector<Iterator*> children);

}  // namespace strata::lsm
