#include "base/memory.h"

#include <cstddef>
#ifdef __GLIBC__
#include <malloc.h>
#endif

// jemalloc's control interface, weak so that binaries without jemalloc (the tests, the
// sanitizer builds) link and see a null pointer.
extern "C" int mallctl(const char* name, void* oldp, size_t* oldlenp, void* newp, size_t newlen)
    __attribute__((weak));

namespace strata {

namespace {
// jemalloc's MALLCTL_ARENAS_ALL (4096): "arena.<i>.purge" with it purges every arena.
constexpr const char* kPurgeAllArenas = "arena.4096.purge";
}  // namespace

bool UsingJemalloc() { return mallctl != nullptr; }

const char* AllocatorName() { return UsingJemalloc() ? "jemalloc" : "glibc malloc"; }

void ReleaseFreeMemory() {
  ReturnFreedPages();
#ifdef __GLIBC__
  malloc_trim(0);
#endif
}

void ReturnFreedPages() {
  if (UsingJemalloc()) mallctl(kPurgeAllArenas, nullptr, nullptr, nullptr, 0);
}

AllocatorBytes ReadAllocatorBytes() {
  if (!UsingJemalloc()) return AllocatorBytes{};
  // jemalloc's statistics are a snapshot taken when "epoch" is written.
  uint64_t epoch = 1;
  size_t len = sizeof(epoch);
  mallctl("epoch", &epoch, &len, &epoch, len);
  auto read = [](const char* name) -> int64_t {
    size_t value = 0;
    size_t size = sizeof(value);
    return mallctl(name, &value, &size, nullptr, 0) == 0 ? static_cast<int64_t>(value) : -1;
  };
  return AllocatorBytes{read("stats.allocated"), read("stats.resident")};
}

}  // namespace strata
