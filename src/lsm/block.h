// Block: a parsed, immutable data or index block (see block_builder.h for the layout).
// Thread safety: a Block is immutable after construction; any number of iterators may read it
// concurrently. Each iterator is for one thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "base/coding.h"
#include "base/comparator.h"
#include "base/prefetch.h"
#include "lsm/format.h"
#include "strata/function_ref.h"
#include "strata/iterator.h"

namespace strata::lsm {

// Options for Block::NewIterator.
struct BlockIterOptions {
  // For error messages ("<file_name> block at offset N: ..."); must outlive the iterator.
  const std::string* file_name = nullptr;
  uint64_t block_offset = 0;
  // Run once when the iterator is destroyed (for example to release a block-cache handle or to
  // delete an uncached block).
  void (*cleanup)(void* arg1, void* arg2) = nullptr;
  void* cleanup_arg1 = nullptr;
  void* cleanup_arg2 = nullptr;
};

class Block {
 public:
  // Takes ownership of contents.data when contents.heap_allocated; otherwise the bytes must
  // outlive the Block.
  explicit Block(const BlockContents& contents);
  Block(const Block&) = delete;
  Block& operator=(const Block&) = delete;
  // Takes other's contents (to place a parsed block inside its cache entry); other keeps a view
  // of the bytes it no longer owns.
  Block(Block&& other) noexcept
      : data_(other.data_),
        size_(other.size_),
        fingerprints_(other.fingerprints_),
        restart_offset_(other.restart_offset_),
        num_restarts_(other.num_restarts_),
        prefix_len_(other.prefix_len_),
        owned_(other.owned_),
        malformed_(other.malformed_),
        internal_keys_(other.internal_keys_) {
    other.owned_ = false;
  }
  ~Block();

  // Restart fingerprints. A search binary-searches the restart points, and each step decodes a
  // key on a cold cache line of its own: about log2(restarts) dependent misses per block, the
  // largest cost of a point read or an index seek once the block is cached. Fingerprints are one
  // word per restart key, its 8 bytes after the prefix all the block's restart keys share, packed
  // in a few lines: the search finds its restart interval among them and compares whole keys only
  // among equal words. Keys must be ordered bytewise, or be internal keys whose user keys are.
  enum class KeyOrder { kBytewise, kInternal };
  struct FingerprintLayout {
    size_t bytes = 0;  // storage they need; 0 when the block gets none
    uint32_t prefix_len = 0;
    KeyOrder order = KeyOrder::kBytewise;
  };
  // What fingerprints for this block would take: none for blocks of one restart or with a
  // malformed restart key (their searches report it).
  FingerprintLayout PlanFingerprints(KeyOrder order) const;
  // Builds them into `storage` (layout.bytes, 8-aligned, unmoved while this Block lives; a
  // cached block's entry holds them after the Block). Changes no search's answer.
  void BuildFingerprints(const FingerprintLayout& layout, char* storage);
  bool has_fingerprints() const { return fingerprints_ != nullptr; }

  // Bytes of the block's contents.
  size_t size() const { return size_; }
  // What holding it in the block cache costs (its charge): contents, this object, and about
  // what the cache entry and the allocator's headers take.
  size_t ApproximateMemoryUsage() const { return size_ + sizeof(Block) + 128; }
  // False when the restart array is malformed; iterators then report Corruption.
  bool ok() const { return !malformed_; }

  // Hints for a batch of searches (Table::MultiGet): start loading into the CPU cache what a
  // search reads first: the fingerprints and copied offsets (else the middle of the restart
  // array), then (once that has arrived) the entry the search of `target` starts from (else the
  // one the middle restart points to). They change nothing.
  void PrefetchRestarts() const {
    if (fingerprints_ != nullptr) {
      PrefetchForRead(fingerprints_ + num_restarts_ / 2);
      PrefetchForRead(CopiedRestartOffsets() + num_restarts_ / 2);
    } else if (num_restarts_ > 0) {
      PrefetchForRead(FirstProbeRestart());
    }
  }
  void PrefetchFirstProbe(const Slice& target) const {
    if (malformed_ || num_restarts_ == 0) return;
    if (fingerprints_ != nullptr) {  // the restart the search will start from
      uint32_t left = 0, right = num_restarts_ - 1;
      NarrowByFingerprints(target, &left, &right);
      PrefetchForRead(data_ + RestartOffset(left));
      return;
    }
    const uint32_t first = DecodeFixed32(FirstProbeRestart());
    if (first < restart_offset_) PrefetchForRead(data_ + first);
  }

  // A new iterator over the block, ordered by `comparator` (borrowed; must outlive it).
  // Seek binary-searches the restart points, then scans at most restart_interval entries.
  // Malformed entries make the iterator invalid with a Corruption status.
  Iterator* NewIterator(const Comparator* comparator, const BlockIterOptions& options = {}) const;

  // What Seek(target) on an iterator would find, without the iterator (a point lookup's path:
  // no allocation while keys fit in 128 bytes). Sets *found and, when found, hands the entry's
  // key and value (valid while the block lives) to `on_entry`. Corruption says where.
  // A null comparator means internal keys in bytewise order (InternalKeyComparator), compared
  // inline.
  template <typename OnEntry>
  Status SeekOnce(const Comparator* comparator, const Slice& target, bool* found,
                  const BlockIterOptions& options, OnEntry&& on_entry) const {
    KeyBuffer key;
    Slice value;
    Status s = FindFirstAtOrAfter(comparator, target, options, &key, &value, found);
    if (s.ok() && *found) on_entry(key.slice(), value);
    return s;
  }

  // A short scan without an iterator: hands the entries from the first at or after `target`
  // (from the block's first when target is empty) to on_entry, in order, until it returns
  // false. *ended is set when the block ran out with on_entry still asking for more. Keys and
  // values are valid during the call only. Comparator as for SeekOnce.
  Status ScanFrom(const Comparator* comparator, const Slice& target,
                  const BlockIterOptions& options,
                  FunctionRef<bool(const Slice& key, const Slice& value)> on_entry,
                  bool* ended) const;

 private:
  // The key being rebuilt entry by entry: inline up to 128 bytes, else on the heap.
  class KeyBuffer {
   public:
    KeyBuffer() = default;
    KeyBuffer(const KeyBuffer&) = delete;
    KeyBuffer& operator=(const KeyBuffer&) = delete;
    ~KeyBuffer() {
      if (data_ != inline_) delete[] data_;
    }
    size_t size() const { return size_; }
    void Clear() { size_ = 0; }
    // Keeps the first `shared` bytes and appends `n` bytes from p.
    void Assign(uint32_t shared, const char* p, uint32_t n) {
      const size_t needed = size_t{shared} + n;
      if (needed > capacity_) Grow(needed, shared);
      memcpy(data_ + shared, p, n);
      size_ = needed;
    }
    Slice slice() const { return Slice(data_, size_); }

   private:
    void Grow(size_t needed, uint32_t keep);

    char inline_[128];
    char* data_ = inline_;
    size_t size_ = 0;
    size_t capacity_ = sizeof(inline_);
  };

  // Decodes the entry at *p (before limit) onto `key`, which holds the entry before it, and
  // `value`, and moves *p past it; false when the entry is malformed.
  static bool ReadEntry(const char** p, const char* limit, KeyBuffer* key, Slice* value);
  // *next (when given) is set to where the entry after the one found begins.
  Status FindFirstAtOrAfter(const Comparator* comparator, const Slice& target,
                            const BlockIterOptions& options, KeyBuffer* key, Slice* value,
                            bool* found, const char** next = nullptr) const;

  class Iter;

  // Narrows [*left, *right], restarts that hold the last one whose key is below target (or 0),
  // with the fingerprints, when the block has them.
  void NarrowByFingerprints(const Slice& target, uint32_t* left, uint32_t* right) const;

  // The offset of restart `index`: from the fingerprints' copy `copied` when the block has them
  // (next to the words the search just read), else from the restart array at the block's end.
  static uint32_t RestartAt(const uint32_t* copied, const char* restart_array, uint32_t index) {
    return copied != nullptr ? copied[index]
                             : DecodeFixed32(restart_array + index * sizeof(uint32_t));
  }
  uint32_t RestartOffset(uint32_t index) const {
    return RestartAt(CopiedRestartOffsets(), data_ + restart_offset_, index);
  }
  // The fingerprints' copy of the restart offsets; null without fingerprints.
  const uint32_t* CopiedRestartOffsets() const {
    return fingerprints_ == nullptr
               ? nullptr
               : reinterpret_cast<const uint32_t*>(fingerprints_ + num_restarts_);
  }

  // The restart array's entry a search reads first: its binary search starts in the middle.
  const char* FirstProbeRestart() const {
    return data_ + restart_offset_ + num_restarts_ / 2 * sizeof(uint32_t);
  }

  const char* data_;
  size_t size_;
  // num_restarts_ words, then a copy of the restart offsets; or null. The restart keys' shared
  // prefix (prefix_len_ bytes, padded to 8) lies just before the words.
  const uint64_t* fingerprints_ = nullptr;
  uint32_t restart_offset_ = 0;  // offset of the restart array
  uint32_t num_restarts_ = 0;
  uint16_t prefix_len_ = 0;
  bool owned_;
  bool malformed_ = false;
  bool internal_keys_ = false;  // fingerprints are of the user keys (the last 8 bytes dropped)
};

}  // namespace strata::lsm
