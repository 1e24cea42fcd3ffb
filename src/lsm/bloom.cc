#include "lsm/bloom.h"

#include <algorithm>

#include "base/coding.h"
#include "base/hash.h"
#include "base/prefetch.h"

namespace strata::lsm {
namespace {

constexpr uint32_t kLineBytes = 64;
constexpr uint32_t kLineBits = kLineBytes * 8;  // 512: a probe needs 9 bits of hash
constexpr size_t kTrailerSize = 1 + 4;
constexpr int kMaxProbes = 30;

// Maps h uniformly onto [0, n) without a division.
inline uint32_t FastRange32(uint32_t h, uint32_t n) {
  return static_cast<uint32_t>((static_cast<uint64_t>(h) * n) >> 32);
}

// The upper 32 bits of the hash pick the line; the lower 32 bits, remixed by a multiplication
// per probe, give each probe's 9-bit position (the top bits of the product are the best mixed).
inline void AddHash(uint64_t h, char* bits, uint32_t num_lines, int num_probes) {
  char* line = bits + static_cast<size_t>(FastRange32(static_cast<uint32_t>(h >> 32), num_lines)) *
                          kLineBytes;
  uint32_t h2 = static_cast<uint32_t>(h);
  for (int i = 0; i < num_probes; i++) {
    const uint32_t bit = h2 >> (32 - 9);
    line[bit >> 3] |= static_cast<char>(1 << (bit & 7));
    h2 *= 0x9E3779B9u;
  }
}

inline const char* LineOf(uint64_t h, const char* bits, uint32_t num_lines) {
  return bits +
         static_cast<size_t>(FastRange32(static_cast<uint32_t>(h >> 32), num_lines)) * kLineBytes;
}

inline bool ProbeLine(uint64_t h, const char* bits, uint32_t num_lines, int num_probes) {
  const char* line = LineOf(h, bits, num_lines);
  uint32_t h2 = static_cast<uint32_t>(h);
  for (int i = 0; i < num_probes; i++) {
    const uint32_t bit = h2 >> (32 - 9);
    if ((line[bit >> 3] & (1 << (bit & 7))) == 0) return false;
    h2 *= 0x9E3779B9u;
  }
  return true;
}

}  // namespace

BloomFilterBuilder::BloomFilterBuilder(int bits_per_key)
    : bits_per_key_(std::max(1, bits_per_key)) {
  // k = bits_per_key * ln 2 minimizes false positives for a standard filter; blocked filters
  // do slightly better with a little fewer probes.
  num_probes_ = std::clamp(static_cast<int>(bits_per_key_ * 0.6), 1, kMaxProbes);
}

void BloomFilterBuilder::AddKey(const Slice& key) {
  hashes_.push_back(Hash64(key.data(), key.size()));
}

std::string BloomFilterBuilder::Finish() {
  const uint64_t total_bits = std::max<uint64_t>(hashes_.size(), 1) * bits_per_key_;
  const uint64_t lines64 = (total_bits + kLineBits - 1) / kLineBits;
  const uint32_t num_lines = static_cast<uint32_t>(std::min<uint64_t>(lines64, UINT32_MAX / 2));
  std::string result(static_cast<size_t>(num_lines) * kLineBytes, '\0');
  for (uint64_t h : hashes_) AddHash(h, result.data(), num_lines, num_probes_);
  result.push_back(static_cast<char>(num_probes_));
  PutFixed32(&result, num_lines);
  hashes_.clear();
  return result;
}

BloomFilterView::BloomFilterView(const Slice& filter) {
  if (filter.size() < kTrailerSize + kLineBytes) return;
  const size_t len = filter.size() - kTrailerSize;
  const int num_probes = static_cast<uint8_t>(filter.data()[len]);
  const uint32_t num_lines = DecodeFixed32(filter.data() + len + 1);
  if (num_probes < 1 || num_probes > kMaxProbes || num_lines == 0 ||
      static_cast<uint64_t>(num_lines) * kLineBytes != len) {
    return;  // not a filter we understand: never risk a false negative
  }
  bits_ = filter.data();
  num_lines_ = num_lines;
  num_probes_ = num_probes;
}

uint64_t BloomFilterView::KeyHash(const Slice& key) { return Hash64(key.data(), key.size()); }

bool BloomFilterView::MayMatch(const Slice& key) const {
  return bits_ == nullptr || MayMatchHash(KeyHash(key));
}

void BloomFilterView::Prefetch(uint64_t hash) const {
  if (bits_ == nullptr) return;
  PrefetchForRead(LineOf(hash, bits_, num_lines_));  // tables align their filters to lines
}

bool BloomFilterView::MayMatchHash(uint64_t hash) const {
  return bits_ == nullptr || ProbeLine(hash, bits_, num_lines_, num_probes_);
}

bool BloomFilterMayMatch(const Slice& filter, const Slice& key) {
  return BloomFilterView(filter).MayMatch(key);
}

}  // namespace strata::lsm
