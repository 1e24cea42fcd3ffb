// BlockBuilder: builds a data or index block with prefix-compressed keys.
//
// Layout (LevelDB's): entries, then fixed32 restart offsets, then fixed32 restart count.
// Each entry: varint32 shared | varint32 non_shared | varint32 value_len | key delta | value.
// Every `restart_interval` entries the full key is stored (shared = 0) and its offset is added
// to the restart array, so readers can binary-search restarts.
// Thread safety: not thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "strata/slice.h"

namespace strata::lsm {

class BlockBuilder {
 public:
  explicit BlockBuilder(int restart_interval);
  BlockBuilder(const BlockBuilder&) = delete;
  BlockBuilder& operator=(const BlockBuilder&) = delete;

  // Forgets everything added, as if just constructed.
  void Reset();
  // REQUIRES: Finish() not called since the last Reset(); key > every key added before (in the
  // order of the comparator the block will be read with).
  void Add(const Slice& key, const Slice& value);
  // Appends the restart array; the returned bytes stay valid until Reset() or destruction.
  Slice Finish();
  // The size of the block Finish() would return now.
  size_t CurrentSizeEstimate() const;
  // An upper bound of CurrentSizeEstimate() once key and value are added.
  size_t SizeEstimateAfterAdding(const Slice& key, const Slice& value) const {
    // Three varint32 lengths and, at most, one more restart point.
    return CurrentSizeEstimate() + key.size() + value.size() + 3 * 5 + sizeof(uint32_t);
  }
  bool empty() const { return buffer_.empty(); }
  // The last key added.
  Slice last_key() const { return last_key_; }

 private:
  const int restart_interval_;
  std::string buffer_;
  std::vector<uint32_t> restarts_;
  int counter_ = 0;  // entries since the last restart
  bool finished_ = false;
  std::string last_key_;
};

}  // namespace strata::lsm
