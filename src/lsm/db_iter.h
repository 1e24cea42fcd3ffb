// DBIter: turns the merged stream of internal keys into the user's view at one sequence number:
// the newest visible version of each key, deletions hidden, within optional bounds.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "lsm/dbformat.h"
#include "strata/iterator.h"

namespace strata::lsm {

// Takes ownership of `internal`. `cleanup` runs when the iterator is destroyed (it releases
// the memtables and version the internal iterator reads).
Iterator* NewDBIterator(const Comparator* user_cmp, Iterator* internal, SequenceNumber sequence,
                        std::optional<std::string> lower_bound,
                        std::optional<std::string> upper_bound, std::function<void()> cleanup);

}  // namespace strata::lsm
