#include "lsm/memtable.h"

#include <algorithm>

#include "base/hash.h"

namespace strata::lsm {
namespace {

// Entries are: varint32 internal_key_len | internal key | varint32 value_len | value.
Slice GetLengthPrefixed(const char* data) {
  uint32_t len;
  const char* p = GetVarint32Ptr(data, data + 5, &len);
  return Slice(p, len);
}

}  // namespace

MemTable::MemTable(const InternalKeyComparator& cmp, size_t write_buffer_size,
                   const kv::PrefixExtractor* prefix_extractor)
    : comparator_(cmp),
      prefix_extractor_(prefix_extractor),
      // One filter bit per 4 bytes of buffer (3% of it): ~24 bits per key when documents'
      // records (~130 bytes) and index entries (~50) share the buffer.
      filter_lines_(std::max<size_t>(write_buffer_size / 4 / kFilterLineBits, 8)),
      arena_(std::clamp<size_t>(write_buffer_size / 32, 4 << 10, 1 << 20)),
      table_(comparator_, &arena_) {
  filter_.reset(new FilterLine[filter_lines_]);
  for (size_t i = 0; i < filter_lines_; i++) {
    for (auto& w : filter_[i].words) w.store(0, std::memory_order_relaxed);
  }
}

namespace {
// A key's bits all lie in one cache line (a blocked bloom filter): a probe costs one miss. Every
// memtable of the write buffer is probed by each read (a dozen while flushes wait), so their
// false positives add up: 3 bits in a 64-bit word at 12 bits per key let 1.5% of absent keys
// through; 8 bits in a 512-bit line at 24 bits per key, under 0.01%.
constexpr int kFilterProbes = 8;

inline size_t FilterLineOf(uint64_t h, size_t lines) {
  return static_cast<size_t>(((h >> 32) * lines) >> 32);  // the high half, scaled: no division
}

// The next bit position in the line (0..511), from a multiplicative remix of the hash.
inline uint32_t NextFilterBit(uint64_t* h) {
  *h *= 0x9E3779B97F4A7C15ull;
  return static_cast<uint32_t>(*h >> 55);
}
}  // namespace

void MemTable::AddToFilter(const Slice& user_key) {
  uint64_t h = Hash64(user_key.data(), user_key.size());
  FilterLine& line = filter_[FilterLineOf(h, filter_lines_)];
  for (int i = 0; i < kFilterProbes; i++) {
    const uint32_t bit = NextFilterBit(&h);
    std::atomic<uint64_t>& word = line.words[bit >> 6];
    // One writer: a plain load and store avoid a locked read-modify-write.
    word.store(word.load(std::memory_order_relaxed) | (1ull << (bit & 63)),
               std::memory_order_relaxed);
  }
}

bool MemTable::MayContain(const Slice& user_key) const {
  uint64_t h = Hash64(user_key.data(), user_key.size());
  const FilterLine& line = filter_[FilterLineOf(h, filter_lines_)];
  for (int i = 0; i < kFilterProbes; i++) {
    const uint32_t bit = NextFilterBit(&h);
    if ((line.words[bit >> 6].load(std::memory_order_relaxed) & (1ull << (bit & 63))) == 0) {
      return false;
    }
  }
  return true;
}

bool MemTable::PrefixMayMatch(const Slice& prefix) const {
  return num_entries_.load(std::memory_order_relaxed) > 0 && MayContain(prefix);
}

// Decodes the entry once per move: merging iterators read key() many times per step.
class MemTableIterator final : public Iterator {
 public:
  explicit MemTableIterator(MemTable::Table* table) : iter_(table) {}
  bool Valid() const override { return iter_.Valid(); }
  void Seek(const Slice& k) override {
    tmp_.clear();
    PutVarint32(&tmp_, static_cast<uint32_t>(k.size()));
    tmp_.append(k.data(), k.size());
    iter_.Seek(tmp_.data());
    Decode();
  }
  void SeekToFirst() override {
    iter_.SeekToFirst();
    Decode();
  }
  void SeekToLast() override {
    iter_.SeekToLast();
    Decode();
  }
  void Next() override {
    iter_.Next();
    Decode();
  }
  void Prev() override {
    iter_.Prev();
    Decode();
  }
  Slice key() const override { return key_; }
  Slice value() const override { return value_; }
  Status status() const override { return Status::OK(); }

 private:
  void Decode() {
    if (!iter_.Valid()) return;
    key_ = GetLengthPrefixed(iter_.key());
    value_ = GetLengthPrefixed(key_.data() + key_.size());
  }
  MemTable::Table::Iterator iter_;
  std::string tmp_;
  Slice key_, value_;
};

Iterator* MemTable::NewIterator() { return new MemTableIterator(&table_); }

void MemTable::ScanFrom(const LookupKey& start,
                        FunctionRef<bool(const Slice& internal_key, const Slice& value)> visit) {
  Table::Iterator iter(&table_);
  for (iter.Seek(start.memtable_key().data()); iter.Valid(); iter.Next()) {
    const Slice key = GetLengthPrefixed(iter.key());
    if (!visit(key, GetLengthPrefixed(key.data() + key.size()))) return;
  }
}

void MemTable::Add(SequenceNumber s, ValueType type, const Slice& key, const Slice& value) {
  const size_t key_size = key.size();
  const size_t internal_key_size = key_size + 8;
  const size_t encoded_len = VarintLength(internal_key_size) + internal_key_size +
                             VarintLength(value.size()) + value.size();
  char* buf = table_.AllocateKey(encoded_len);
  char* p = EncodeVarint32(buf, static_cast<uint32_t>(internal_key_size));
  memcpy(p, key.data(), key_size);
  p += key_size;
  EncodeFixed64(p, PackSequenceAndType(s, type));
  p += 8;
  p = EncodeVarint32(p, static_cast<uint32_t>(value.size()));
  memcpy(p, value.data(), value.size());
  table_.InsertAllocated();
  AddToFilter(FilterKeyOf(prefix_extractor_, key));
  num_entries_.fetch_add(1, std::memory_order_relaxed);
}

bool MemTable::Get(const LookupKey& key, std::string* value, Status* s) {
  // An empty memtable (just after a switch) answers without touching its filter.
  if (num_entries_.load(std::memory_order_relaxed) == 0 ||
      !MayContain(FilterKeyOf(prefix_extractor_, key.user_key()))) {
    return false;
  }
  Table::Iterator iter(&table_);
  iter.Seek(key.memtable_key().data());
  if (!iter.Valid()) return false;
  const char* entry = iter.key();
  uint32_t key_length;
  const char* key_ptr = GetVarint32Ptr(entry, entry + 5, &key_length);
  Slice found_user_key(key_ptr, key_length - 8);
  if (found_user_key != key.user_key()) return false;
  const uint64_t tag = DecodeFixed64(key_ptr + key_length - 8);
  switch (static_cast<ValueType>(tag & 0xff)) {
    case kTypeValue: {
      Slice v = GetLengthPrefixed(key_ptr + key_length);
      value->assign(v.data(), v.size());
      *s = Status::OK();
      return true;
    }
    case kTypeDeletion:
      *s = Status::NotFound();
      return true;
  }
  return false;
}

}  // namespace strata::lsm
