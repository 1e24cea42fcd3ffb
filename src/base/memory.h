// The process's allocator: which one it is, and handing freed memory back to the system.
#pragma once

#include <cstdint>

namespace strata {

// True when the binary links jemalloc (the `strata` binary does).
bool UsingJemalloc();
// "jemalloc" or "glibc malloc", for reports.
const char* AllocatorName();

// Hands memory that was freed back to the operating system, so RSS reflects what is in use:
// jemalloc purges every arena, glibc trims its heaps. For the moments after a large structure
// (an engine's block cache, a benchmark's data) was released.
void ReleaseFreeMemory();

// Hands the allocator's unused pages back now rather than after its decay time (jemalloc:
// every arena purged; jemalloc keeps freed pages ten seconds by default). Cheap enough to call
// after each compaction; a no-op under glibc malloc, whose malloc_trim walks every heap.
void ReturnFreedPages();

// What the allocator holds, in bytes (jemalloc's stats.allocated and stats.resident): memory
// the program has asked for, and the allocator's pages in RAM (freed pages not yet handed back
// and fragmentation included). Both -1 without jemalloc.
struct AllocatorBytes {
  int64_t allocated = -1;
  int64_t resident = -1;
};
AllocatorBytes ReadAllocatorBytes();

}  // namespace strata
