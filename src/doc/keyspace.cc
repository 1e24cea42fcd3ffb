#include "doc/keyspace.h"

#include <algorithm>
#include <cstring>

#include "codec/key_codec.h"

namespace strata::doc {

namespace {

class IndexValuePrefix final : public kv::PrefixExtractor {
 public:
  const char* Name() const override { return "strata.doc.index-first-element.v1"; }

  size_t PrefixLength(Slice key) const override {
    constexpr size_t kHead = 5;  // space byte, 4-byte index id
    if (key.size() <= kHead || key[0] != kIndexSpace) return 0;
    const size_t element = codec::KeyElementLength(Slice(key.data() + kHead, key.size() - kHead));
    return element == 0 ? 0 : kHead + element;
  }

  // The keys in [P, P + 0xff) are P alone or P followed by a byte below 0xff, and only 0xff
  // continues an element past its end (an escaped zero byte of a string): so each of them has
  // P's first element, and P as its prefix. Equality scans are exactly such ranges.
  size_t RangePrefixLength(Slice lower, Slice upper) const override {
    const size_t n = PrefixLength(lower);
    if (n == 0) return 0;
    // upper <= P + 0xff, compared without building the limit.
    const int c = std::memcmp(upper.data(), lower.data(), std::min(n, upper.size()));
    if (c != 0) return c < 0 ? n : 0;
    if (upper.size() <= n) return n;  // upper is P or shorter: below the limit
    const auto next = static_cast<uint8_t>(upper[n]);
    return next < 0xff || upper.size() == n + 1 ? n : 0;
  }
};

}  // namespace

std::shared_ptr<const kv::PrefixExtractor> KeyspacePrefixExtractor() {
  // Engines hold their own reference, so the order of static destruction does not matter.
  static const std::shared_ptr<const kv::PrefixExtractor> extractor =
      std::make_shared<IndexValuePrefix>();
  return extractor;
}

void AppendPrefixId(std::string* out, uint32_t n) {
  out->push_back(static_cast<char>(n >> 24));
  out->push_back(static_cast<char>(n >> 16));
  out->push_back(static_cast<char>(n >> 8));
  out->push_back(static_cast<char>(n));
}

std::string CollectionDescriptorPrefix() { return std::string{kSystemSpace, 'c'}; }

std::string CollectionDescriptorKey(std::string_view name) {
  std::string key = CollectionDescriptorPrefix();
  codec::AppendKeyElement(&key, Value(name));
  return key;
}

std::string IndexDescriptorPrefix(uint32_t collection) {
  std::string key{kSystemSpace, 'i'};
  AppendPrefixId(&key, collection);
  return key;
}

std::string IndexDescriptorKey(uint32_t collection, std::string_view name) {
  std::string key = IndexDescriptorPrefix(collection);
  codec::AppendKeyElement(&key, Value(name));
  return key;
}

std::string CounterKey(uint32_t collection) {
  std::string key{kSystemSpace, 'k'};
  AppendPrefixId(&key, collection);
  return key;
}

std::string NextPrefixKey() { return std::string{kSystemSpace, 'n'}; }

std::string LostFoundKey(uint32_t collection, Slice raw_key) {
  std::string key{kSystemSpace, 'l'};
  AppendPrefixId(&key, collection);
  key.append(raw_key.data(), raw_key.size());
  return key;
}

std::string RecordPrefix(uint32_t collection) {
  std::string key(1, kRecordSpace);
  AppendPrefixId(&key, collection);
  return key;
}

std::string RecordKey(uint32_t collection, const Value& id) {
  std::string key = RecordPrefix(collection);
  codec::AppendKeyElement(&key, id);
  return key;
}

Slice RecordIdBytes(Slice record_key) {
  if (record_key.size() < 5) return Slice();
  record_key.remove_prefix(5);
  return record_key;
}

std::string IndexPrefix(uint32_t index) {
  std::string key(1, kIndexSpace);
  AppendPrefixId(&key, index);
  return key;
}

}  // namespace strata::doc
