// Software prefetch that the compiler keeps.
#pragma once

namespace strata {

// Starts loading the cache line holding `p` (for reading, kept in every cache level). Never
// faults, whatever p is. GCC finds a function whose only effect is __builtin_prefetch to be
// pure, and then removes its calls as having no effect; the empty volatile asm is an effect.
inline void PrefetchForRead(const void* p) {
  asm volatile("" : : "r"(p));
  __builtin_prefetch(p, 0, 3);
}

}  // namespace strata
