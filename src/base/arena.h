// Arena: bump allocation in large blocks, freed all at once (memtable keys and skiplist nodes).
// Thread safety: Allocate is single-threaded (the memtable's one writer); MemoryUsage may be read
// from any thread.
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <vector>

namespace strata {

class Arena {
 public:
  // Blocks of block_size bytes (larger requests get their own block).
  explicit Arena(size_t block_size = 64 << 10)
      : block_size_(block_size < 1024 ? 1024 : block_size) {}
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;

  char* Allocate(size_t bytes) {
    if (bytes <= alloc_bytes_remaining_) {
      char* result = alloc_ptr_;
      alloc_ptr_ += bytes;
      alloc_bytes_remaining_ -= bytes;
      return result;
    }
    return AllocateFallback(bytes);
  }
  // Aligned to alignof(std::max_align_t)-compatible 8 bytes (for pointers and atomics).
  char* AllocateAligned(size_t bytes);

  // Bytes reserved from the system, including block overhead.
  size_t MemoryUsage() const { return memory_usage_.load(std::memory_order_relaxed); }

 private:
  const size_t block_size_;
  char* AllocateFallback(size_t bytes);
  char* AllocateNewBlock(size_t block_bytes);

  char* alloc_ptr_ = nullptr;
  size_t alloc_bytes_remaining_ = 0;
  std::vector<std::unique_ptr<char[]>> blocks_;
  std::atomic<size_t> memory_usage_{0};
};

}  // namespace strata
