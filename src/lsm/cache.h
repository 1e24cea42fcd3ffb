// Cache: a map from keys to values with a byte budget ("charge"), evicting the least recently
// used entries that nobody holds.
//
// Entries are reached through Handles. Insert and Lookup return a Handle that pins the entry:
// it is not freed (though it may be erased or displaced from the map) until every Handle on it
// has been Released. The deleter runs exactly once, when the entry is out of the cache and
// unreferenced.
//
// Thread safety: all methods are thread-safe. NewLRUCache splits the key space into 16 shards,
// each with its own mutex, hash table and LRU list.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "strata/slice.h"

namespace strata::lsm {

class Cache {
 public:
  // Opaque; points at an entry.
  struct Handle {};

  Cache() = default;
  Cache(const Cache&) = delete;
  Cache& operator=(const Cache&) = delete;
  // REQUIRES: every Handle has been Released.
  virtual ~Cache() = default;

  // Maps key to value with the given charge, replacing any previous entry for key, and returns a
  // Handle the caller must Release. When the cache is over capacity, unpinned entries are
  // evicted; an entry larger than the whole capacity is handed back but not kept.
  virtual Handle* Insert(const Slice& key, void* value, size_t charge,
                         void (*deleter)(const Slice& key, void* value)) = 0;
  // Insert with the value stored inside the cache's entry: `value_size` bytes (8-aligned) that
  // construct(where, arg) builds before the entry is published, and that Value returns. A lookup
  // then finds the value on the entry's own cache lines, not behind one more pointer. The
  // deleter must destroy the value in place and not free it.
  virtual Handle* InsertInline(const Slice& key, size_t value_size,
                               void (*construct)(void* where, void* arg), void* arg, size_t charge,
                               void (*deleter)(const Slice& key, void* value)) = 0;
  // A Handle the caller must Release, or nullptr when the key is absent.
  virtual Handle* Lookup(const Slice& key) = 0;
  // Whether key is in the map now. Unlike Lookup it pins nothing, counts neither a hit nor a
  // miss, and does not mark the entry used.
  virtual bool Contains(const Slice& key) const = 0;
  // A hint that Lookup(key) follows soon: starts loading what it will read into the CPU cache,
  // so that a batch of lookups overlaps its memory reads. Changes nothing; may do nothing.
  virtual void Prefetch(const Slice& /*key*/) const {}
  // Whether inserting `charge` bytes under key would evict something now (a lock-free
  // estimate). Long scans ask, so that they fill a cache with room but never displace it.
  virtual bool WouldEvict(const Slice& /*key*/, size_t /*charge*/) const { return false; }
  // REQUIRES: handle came from this cache and was not released yet.
  virtual void Release(Handle* handle) = 0;
  // REQUIRES: handle is not released yet.
  virtual void* Value(Handle* handle) = 0;
  // Removes key from the map; the value is freed once the last Handle on it is released.
  virtual void Erase(const Slice& key) = 0;
  // A new id, distinct from every other NewId() of this cache (to partition the key space
  // among clients sharing one cache).
  virtual uint64_t NewId() = 0;
  // Frees every entry that no Handle pins.
  virtual void Prune() = 0;
  // Sum of the charges of the entries in the map.
  virtual size_t TotalCharge() const = 0;
  virtual size_t Capacity() const = 0;
  // Lookups that found (did not find) the key.
  virtual uint64_t hits() const = 0;
  virtual uint64_t misses() const = 0;
};

// An LRU cache holding up to `capacity` bytes of charge, in 16 shards of capacity/16 each.
std::unique_ptr<Cache> NewLRUCache(size_t capacity);

}  // namespace strata::lsm
