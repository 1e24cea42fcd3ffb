// Checksums and hashes: XXH3 (libxxhash) everywhere.
#pragma once

#include <cstddef>
#include <cstdint>

namespace strata {

uint64_t Hash64(const char* data, size_t n, uint64_t seed = 0);

// The 32-bit checksum stored in WAL records and table block trailers: the low 32 bits of XXH3-64.
uint32_t Checksum32(const char* data, size_t n);
// Checksum of the concatenation a || b without copying (for type byte + payload).
uint32_t Checksum32(const char* a, size_t na, const char* b, size_t nb);

}  // namespace strata
