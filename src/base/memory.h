// The process's allocator: which one it is, and handing freed memory back to the system.
#pragma once

namespace strata {

// True when the binary links jemalloc (the `strata` binary does).
bool UsingJemalloc();
// "jemalloc" or "glibc malloc", for reports.
const char* AllocatorName();

// Hands memory that was freed back to the operating system, so RSS reflects what is in use:
// jemalloc purges every arena, glibc trims its heaps. For the moments after a large structure
// (an engine's block cache, a benchmark's data) was released.
void ReleaseFreeMemory();

}  // namespace strata
