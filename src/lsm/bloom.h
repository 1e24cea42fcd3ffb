// A whole-table bloom filter over keys, blocked for cache locality: each key sets and tests all
// of its probes inside one 64-byte line, so a lookup touches one cache line.
//
// Filter layout: num_lines * 64 bytes of bits | uint8 num_probes | fixed32 num_lines.
// About 1% false positives at 10 bits per key. Thread safety: the builder is not thread-safe;
// BloomFilterMayMatch is a pure function.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "strata/slice.h"

namespace strata::lsm {

class BloomFilterBuilder {
 public:
  explicit BloomFilterBuilder(int bits_per_key);

  void AddKey(const Slice& key);
  // Keys added so far (duplicates included).
  size_t NumKeys() const { return hashes_.size(); }
  // Returns the filter over every key added, and forgets them.
  std::string Finish();

 private:
  int bits_per_key_;
  int num_probes_;
  std::vector<uint64_t> hashes_;
};

// A filter whose trailer was read once: a probe then touches only its key's line (a table
// probes its filter on every point lookup). The filter's bytes are borrowed.
class BloomFilterView {
 public:
  BloomFilterView() = default;  // matches everything
  explicit BloomFilterView(const Slice& filter);
  // False only when `key` was certainly not added. An empty or malformed filter matches
  // everything.
  bool MayMatch(const Slice& key) const;

  // MayMatch in two steps, for batches: KeyHash, then Prefetch (starts loading the filter line
  // the key's probes read), then MayMatchHash with the same hash once other work has been done.
  static uint64_t KeyHash(const Slice& key);
  void Prefetch(uint64_t hash) const;
  bool MayMatchHash(uint64_t hash) const;

 private:
  const char* bits_ = nullptr;
  uint32_t num_lines_ = 0;
  int num_probes_ = 0;
};

// BloomFilterView(filter).MayMatch(key).
bool BloomFilterMayMatch(const Slice& filter, const Slice& key);

}  // namespace strata::lsm
