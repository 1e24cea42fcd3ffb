// Iterator: an ordered cursor over key/value pairs.
//
// Public iterators (kv::Engine::NewIterator) order keys bytewise. The LSM engine also uses this
// class internally over internal keys; there SeekForPrev is never called.
// Thread safety: an Iterator is not thread-safe; use one per thread.
#pragma once

#include "strata/function_ref.h"
#include "strata/slice.h"
#include "strata/status.h"

namespace strata {

class Iterator {
 public:
  Iterator() = default;
  Iterator(const Iterator&) = delete;
  Iterator& operator=(const Iterator&) = delete;
  virtual ~Iterator() = default;

  // True when positioned at an entry. An iterator that hit an error is not Valid(); see status().
  virtual bool Valid() const = 0;
  virtual void SeekToFirst() = 0;
  virtual void SeekToLast() = 0;
  // Positions at the first key >= target.
  virtual void Seek(const Slice& target) = 0;
  // Positions at the last key <= target. The default assumes bytewise key order.
  virtual void SeekForPrev(const Slice& target);
  // REQUIRES: Valid().
  virtual void Next() = 0;
  virtual void Prev() = 0;
  // REQUIRES: Valid(). The returned bytes stay valid until the iterator moves.
  virtual Slice key() const = 0;
  virtual Slice value() const = 0;
  virtual Status status() const = 0;
};

// An iterator over nothing that reports `status` (OK by default).
Iterator* NewEmptyIterator(Status status = Status::OK());

// Hands the entries from where `it` stands on to visit, moving forward, until visit returns
// false or the entries end; returns the iterator's status (the walk behind kv::Engine::Scan).
Status VisitForward(Iterator* it, FunctionRef<bool(const Slice& key, const Slice& value)> visit);

}  // namespace strata
