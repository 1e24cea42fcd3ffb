// Order-preserving words of keys, for searches that compare packed integers before whole keys
// (the table's point index, a block's restart fingerprints).
#pragma once

#include <cstdint>
#include <cstring>

#include "strata/slice.h"

namespace strata::lsm {

// The 8 bytes of `key` from byte `from` on as a big-endian word, zero-padded past its end. Keys
// that agree before `from`, in bytewise order, give words in the same (non-strict) order.
inline uint64_t KeyWordAt(const Slice& key, size_t from) {
  if (from + 8 <= key.size()) {
    uint64_t w;
    memcpy(&w, key.data() + from, sizeof(w));
    return __builtin_bswap64(w);
  }
  uint64_t w = 0;
  for (size_t i = from; i < from + 8; ++i) {
    w = (w << 8) | (i < key.size() ? static_cast<uint8_t>(key[i]) : 0);
  }
  return w;
}

// Where `key` lies against the keys that start with `prefix`: -1 below all of them, +1 above
// all of them, 0 when it starts with prefix.
inline int ComparePrefix(const Slice& key, const char* prefix, size_t prefix_len) {
  const size_t n = key.size() < prefix_len ? key.size() : prefix_len;
  const int c = n == 0 ? 0 : memcmp(key.data(), prefix, n);
  if (c < 0 || (c == 0 && key.size() < prefix_len)) return -1;
  return c > 0 ? 1 : 0;
}

}  // namespace strata::lsm
