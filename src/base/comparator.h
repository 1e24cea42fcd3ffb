// Comparator: a total order over keys. Tables and iterators are parameterized by one, because the
// LSM engine orders internal keys (user key, then sequence number descending).
// Thread safety: implementations are stateless and thread-safe.
#pragma once

#include <string>

#include "strata/slice.h"

namespace strata {

class Comparator {
 public:
  virtual ~Comparator() = default;
  virtual int Compare(const Slice& a, const Slice& b) const = 0;
  // Stored in table and MANIFEST files; opening with a different comparator is refused.
  virtual const char* Name() const = 0;
  // May shorten *start to a key in [*start, limit) (for smaller index blocks).
  virtual void FindShortestSeparator(std::string* start, const Slice& limit) const = 0;
  // May change *key to a short key >= *key.
  virtual void FindShortSuccessor(std::string* key) const = 0;
};

// Bytewise (memcmp) order. Never deleted.
const Comparator* BytewiseComparator();

}  // namespace strata
