// The change feed behind Database::AddChangeListener: each Database's listener table, fed by one
// commit hook in the doc::Store that is installed only while listeners exist.
// Thread safety: all members are safe from many threads.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <vector>

#include "strata/db.h"

namespace strata::db {

class ChangeFeed {
 public:
  // Returns whether this was the first listener (the hook must be installed).
  bool Add(uint64_t id, ChangeListener listener);
  // Returns whether no listener is left. Once it returns, the listener is not called again:
  // the fan-out holds the same mutex.
  bool Remove(uint64_t id);
  void Fanout(const std::vector<Change>& changes);
  uint64_t NextId() { return next_id_.fetch_add(1); }

  // Serializes adding and removing listeners with installing and removing the hook, so the hook
  // is installed exactly while the table is not empty. Taken before the Store's commit mutex.
  std::mutex install_mu;

 private:
  std::mutex mu_;  // guards listeners_; held while they are called
  std::map<uint64_t, ChangeListener> listeners_;
  std::atomic<uint64_t> next_id_{1};
};

}  // namespace strata::db
