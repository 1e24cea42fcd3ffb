#include "lsm/block.h"

#include <algorithm>
#include <cstring>

#include "base/coding.h"
#include "lsm/dbformat.h"
#include "lsm/key_word.h"

namespace strata::lsm {

Block::Block(const BlockContents& contents)
    : data_(contents.data.data()), size_(contents.data.size()), owned_(contents.heap_allocated) {
  if (size_ < sizeof(uint32_t) || size_ > UINT32_MAX) {
    malformed_ = true;
    return;
  }
  const uint64_t max_restarts = (size_ - sizeof(uint32_t)) / sizeof(uint32_t);
  num_restarts_ = DecodeFixed32(data_ + size_ - sizeof(uint32_t));
  if (num_restarts_ > max_restarts) {
    malformed_ = true;
    num_restarts_ = 0;
    return;
  }
  restart_offset_ = static_cast<uint32_t>(size_ - (1 + num_restarts_) * sizeof(uint32_t));
  // Validated once here so the iterator's hot paths can trust every restart offset.
  uint32_t prev = 0;
  for (uint32_t i = 0; i < num_restarts_; i++) {
    const uint32_t r = DecodeFixed32(data_ + restart_offset_ + i * sizeof(uint32_t));
    // Restart 0 is the first entry; later ones increase strictly and lie before the array.
    if (i == 0 ? r != 0 : (r <= prev || r >= restart_offset_)) {
      malformed_ = true;
      num_restarts_ = 0;
      restart_offset_ = 0;
      return;
    }
    prev = r;
  }
}

Block::~Block() {
  if (owned_) delete[] data_;
}

namespace {

// Decodes an entry header at p (not past limit). Returns the start of the key delta, or nullptr
// when the header or the lengths it announces do not fit.
inline const char* DecodeEntry(const char* p, const char* limit, uint32_t* shared,
                               uint32_t* non_shared, uint32_t* value_length) {
  if (limit - p < 3) return nullptr;
  *shared = static_cast<uint8_t>(p[0]);
  *non_shared = static_cast<uint8_t>(p[1]);
  *value_length = static_cast<uint8_t>(p[2]);
  if ((*shared | *non_shared | *value_length) < 128) {
    p += 3;  // fast path: all three lengths fit in one byte each
  } else {
    if ((p = GetVarint32Ptr(p, limit, shared)) == nullptr) return nullptr;
    if ((p = GetVarint32Ptr(p, limit, non_shared)) == nullptr) return nullptr;
    if ((p = GetVarint32Ptr(p, limit, value_length)) == nullptr) return nullptr;
  }
  if (static_cast<uint64_t>(limit - p) < static_cast<uint64_t>(*non_shared) + *value_length) {
    return nullptr;
  }
  return p;
}

// "<file> block at offset N: <what>", the one form of a block's Corruption message.
Status BlockCorruption(const BlockIterOptions& options, const std::string& what) {
  std::string msg;
  if (options.file_name != nullptr) msg = *options.file_name + " ";
  msg += "block at offset " + std::to_string(options.block_offset) + ": " + what;
  return Status::Corruption(std::move(msg));
}

Status MalformedEntry(const BlockIterOptions& options, uint32_t offset) {
  return BlockCorruption(options, "malformed entry at byte " + std::to_string(offset));
}

}  // namespace

class Block::Iter final : public Iterator {
 public:
  Iter(const Comparator* comparator, const Block* block, const BlockIterOptions& options)
      : comparator_(comparator),
        block_(block),
        data_(block->data_),
        copied_offsets_(block->CopiedRestartOffsets()),
        restarts_(block->restart_offset_),
        num_restarts_(block->num_restarts_),
        current_(restarts_),
        restart_index_(num_restarts_),
        options_(options) {}

  ~Iter() override {
    if (options_.cleanup != nullptr) options_.cleanup(options_.cleanup_arg1, options_.cleanup_arg2);
  }

  bool Valid() const override { return current_ < restarts_; }
  Status status() const override { return status_; }
  Slice key() const override { return key_.slice(); }
  Slice value() const override { return value_; }

  void Next() override { ParseNextKey(); }

  void Prev() override {
    // Back up to the restart point before the current entry, then scan forward to just before it.
    const uint32_t original = current_;
    while (RestartPoint(restart_index_) >= original) {
      if (restart_index_ == 0) {
        MarkInvalid();
        return;
      }
      restart_index_--;
    }
    SeekToRestartPoint(restart_index_);
    do {
      if (!ParseNextKey()) return;
    } while (NextEntryOffset() < original);
  }

  void Seek(const Slice& target) override {
    if (num_restarts_ == 0) return MarkInvalid();
    // Binary search for the last restart point whose key is < target. When already positioned,
    // the current entry bounds the search (helps sequential seeks).
    uint32_t left = 0;
    uint32_t right = num_restarts_ - 1;
    int current_cmp = 0;
    if (Valid()) {
      current_cmp = comparator_->Compare(key_.slice(), target);
      if (current_cmp < 0) {
        left = restart_index_;
      } else if (current_cmp > 0) {
        right = restart_index_;
      } else {
        return;  // keys in a block are unique: the current entry is the answer
      }
    }
    block_->NarrowByFingerprints(target, &left, &right);
    while (left < right) {
      const uint32_t mid = left + (right - left + 1) / 2;
      const char* limit = data_ + restarts_;
      uint32_t shared, non_shared, value_length;
      const char* key_ptr =
          DecodeEntry(data_ + RestartPoint(mid), limit, &shared, &non_shared, &value_length);
      if (key_ptr == nullptr || shared != 0) return CorruptionError(RestartPoint(mid));
      if (comparator_->Compare(Slice(key_ptr, non_shared), target) < 0) {
        left = mid;
      } else {
        right = mid - 1;
      }
    }
    // Scanning on from the current entry is enough when it lies in the chosen restart interval.
    if (!(left == restart_index_ && current_cmp < 0)) SeekToRestartPoint(left);
    while (ParseNextKey()) {
      if (comparator_->Compare(key_.slice(), target) >= 0) return;
    }
  }

  void SeekToFirst() override {
    if (num_restarts_ == 0) return MarkInvalid();
    SeekToRestartPoint(0);
    ParseNextKey();
  }

  void SeekToLast() override {
    if (num_restarts_ == 0) return MarkInvalid();
    SeekToRestartPoint(num_restarts_ - 1);
    while (ParseNextKey() && NextEntryOffset() < restarts_) {
    }
  }

 private:
  uint32_t RestartPoint(uint32_t index) const {
    return RestartAt(copied_offsets_, data_ + restarts_, index);
  }
  uint32_t NextEntryOffset() const {
    return static_cast<uint32_t>(value_.data() + value_.size() - data_);
  }

  void SeekToRestartPoint(uint32_t index) {
    key_.Clear();
    restart_index_ = index;
    // ParseNextKey starts at the end of value_.
    value_ = Slice(data_ + RestartPoint(index), 0);
  }

  void MarkInvalid() {
    current_ = restarts_;
    restart_index_ = num_restarts_;
    key_.Clear();
    value_ = Slice();
  }

  void CorruptionError(uint32_t offset) {
    MarkInvalid();
    status_ = MalformedEntry(options_, offset);
  }

  bool ParseNextKey() {
    current_ = NextEntryOffset();
    const char* p = data_ + current_;
    const char* limit = data_ + restarts_;
    if (p >= limit) {
      MarkInvalid();  // no more entries
      return false;
    }
    uint32_t shared, non_shared, value_length;
    p = DecodeEntry(p, limit, &shared, &non_shared, &value_length);
    if (p == nullptr || key_.size() < shared) {
      CorruptionError(current_);
      return false;
    }
    key_.Assign(shared, p, non_shared);
    value_ = Slice(p + non_shared, value_length);
    while (restart_index_ + 1 < num_restarts_ && RestartPoint(restart_index_ + 1) < current_) {
      restart_index_++;
    }
    return true;
  }

  const Comparator* const comparator_;
  const Block* const block_;
  const char* const data_;
  const uint32_t* const copied_offsets_;  // the fingerprints' copy of the restart array, or null
  const uint32_t restarts_;               // offset of the restart array
  const uint32_t num_restarts_;           // entries in the restart array
  uint32_t current_;        // offset of the current entry; >= restarts_ when not Valid
  uint32_t restart_index_;  // restart interval holding current_
  KeyBuffer key_;  // inline for ordinary keys: a block iterator allocates nothing of its own
  Slice value_;
  Status status_;
  BlockIterOptions options_;
};

void Block::KeyBuffer::Grow(size_t needed, uint32_t keep) {
  const size_t capacity = std::max(needed, 2 * capacity_);
  char* bigger = new char[capacity];
  memcpy(bigger, data_, keep);
  if (data_ != inline_) delete[] data_;
  data_ = bigger;
  capacity_ = capacity;
}

namespace {

// Longer shared prefixes are cut here: words past it are then mostly equal, and the whole-key
// compares among equal words make the search what it was without fingerprints.
constexpr uint32_t kMaxFingerprintPrefix = 64;

// The prefix's bytes in the fingerprint storage, keeping the words after it 8-aligned.
size_t PaddedPrefixBytes(size_t prefix_len) { return (prefix_len + 7) & ~size_t{7}; }

// The key of restart `index` (stored whole) and of its user key the bytes before `trailer`;
// false when its entry is malformed or the key shorter than the trailer.
bool RestartKey(const char* data, uint32_t restart_offset, uint32_t index, size_t trailer,
                Slice* key) {
  const uint32_t offset = DecodeFixed32(data + restart_offset + index * sizeof(uint32_t));
  uint32_t shared, non_shared, value_length;
  const char* p =
      DecodeEntry(data + offset, data + restart_offset, &shared, &non_shared, &value_length);
  if (p == nullptr || shared != 0 || non_shared < trailer) return false;
  *key = Slice(p, non_shared - trailer);
  return true;
}

}  // namespace

Block::FingerprintLayout Block::PlanFingerprints(KeyOrder order) const {
  FingerprintLayout layout;
  layout.order = order;
  if (malformed_ || num_restarts_ < 2) return layout;
  const size_t trailer = order == KeyOrder::kInternal ? 8 : 0;
  Slice first, last;
  if (!RestartKey(data_, restart_offset_, 0, trailer, &first) ||
      !RestartKey(data_, restart_offset_, num_restarts_ - 1, trailer, &last)) {
    return layout;
  }
  uint32_t n = 0;
  const size_t most = std::min<size_t>({first.size(), last.size(), kMaxFingerprintPrefix});
  while (n < most && first[n] == last[n]) ++n;
  layout.prefix_len = n;
  layout.bytes = PaddedPrefixBytes(n) +
                 ((num_restarts_ * (sizeof(uint64_t) + sizeof(uint32_t)) + 7) & ~size_t{7});
  return layout;
}

void Block::BuildFingerprints(const FingerprintLayout& layout, char* storage) {
  if (layout.bytes == 0) return;
  const size_t trailer = layout.order == KeyOrder::kInternal ? 8 : 0;
  // The prefix first, on the line of the Block before it; then the words and the offsets.
  char* prefix = storage;
  uint64_t* words = reinterpret_cast<uint64_t*>(storage + PaddedPrefixBytes(layout.prefix_len));
  uint32_t* offsets = reinterpret_cast<uint32_t*>(words + num_restarts_);
  for (uint32_t i = 0; i < num_restarts_; ++i) {
    Slice key;
    if (!RestartKey(data_, restart_offset_, i, trailer, &key)) return;  // searches report it
    if (i == 0) memcpy(prefix, key.data(), layout.prefix_len);
    words[i] = KeyWordAt(key, layout.prefix_len);
    offsets[i] = DecodeFixed32(data_ + restart_offset_ + i * sizeof(uint32_t));
  }
  prefix_len_ = static_cast<uint16_t>(layout.prefix_len);
  internal_keys_ = layout.order == KeyOrder::kInternal;
  fingerprints_ = words;
}

void Block::NarrowByFingerprints(const Slice& target, uint32_t* left, uint32_t* right) const {
  if (fingerprints_ == nullptr) return;
  Slice user = target;
  if (internal_keys_) {
    if (user.size() < 8) return;
    user.remove_suffix(8);
  }
  // Restarts with a smaller word hold smaller keys, those with a larger one larger keys: the one
  // sought is the last below the equal words, or among them.
  const char* prefix =
      reinterpret_cast<const char*>(fingerprints_) - PaddedPrefixBytes(prefix_len_);
  const int c = ComparePrefix(user, prefix, prefix_len_);
  const uint64_t word = c < 0 ? 0 : c > 0 ? ~uint64_t{0} : KeyWordAt(user, prefix_len_);
  const uint64_t* end = fingerprints_ + num_restarts_;
  const uint64_t* lo = std::lower_bound(fingerprints_, end, word);
  const uint64_t* hi = std::upper_bound(lo, end, word);
  const uint32_t first_equal = static_cast<uint32_t>(lo - fingerprints_);
  const uint32_t first_above = static_cast<uint32_t>(hi - fingerprints_);
  *left = std::max(*left, first_equal == 0 ? 0 : first_equal - 1);
  *right = std::min(*right, first_above == 0 ? 0 : first_above - 1);
}

bool Block::ReadEntry(const char** p, const char* limit, KeyBuffer* key, Slice* value) {
  uint32_t shared, non_shared, value_length;
  const char* delta = DecodeEntry(*p, limit, &shared, &non_shared, &value_length);
  if (delta == nullptr || key->size() < shared) return false;
  key->Assign(shared, delta, non_shared);
  *value = Slice(delta + non_shared, value_length);
  *p = delta + non_shared + value_length;
  return true;
}

// The same search as Iter::Seek from an unpositioned iterator.
Status Block::FindFirstAtOrAfter(const Comparator* comparator, const Slice& target,
                                 const BlockIterOptions& options, KeyBuffer* key, Slice* value,
                                 bool* found, const char** next) const {
  *found = false;
  if (malformed_) return BlockCorruption(options, "malformed restart array");
  if (num_restarts_ == 0) return Status::OK();
  const char* limit = data_ + restart_offset_;
  auto compare = [comparator](const Slice& a, const Slice& b) {
    return comparator != nullptr ? comparator->Compare(a, b)
                                 : InternalKeyComparator::CompareKeys(a, b);
  };
  auto restart_point = [this](uint32_t index) { return RestartOffset(index); };
  uint32_t left = 0;
  uint32_t right = num_restarts_ - 1;
  NarrowByFingerprints(target, &left, &right);
  while (left < right) {
    const uint32_t mid = left + (right - left + 1) / 2;
    uint32_t shared, non_shared, value_length;
    const char* key_ptr =
        DecodeEntry(data_ + restart_point(mid), limit, &shared, &non_shared, &value_length);
    if (key_ptr == nullptr || shared != 0) return MalformedEntry(options, restart_point(mid));
    if (compare(Slice(key_ptr, non_shared), target) < 0) {
      left = mid;
    } else {
      right = mid - 1;
    }
  }
  const char* p = data_ + restart_point(left);
  while (p < limit) {
    const char* entry = p;
    if (!ReadEntry(&p, limit, key, value)) {
      return MalformedEntry(options, static_cast<uint32_t>(entry - data_));
    }
    if (compare(key->slice(), target) >= 0) {
      *found = true;
      if (next != nullptr) *next = p;
      return Status::OK();
    }
  }
  return Status::OK();
}

Status Block::ScanFrom(const Comparator* comparator, const Slice& target,
                       const BlockIterOptions& options,
                       FunctionRef<bool(const Slice& key, const Slice& value)> on_entry,
                       bool* ended) const {
  *ended = false;
  if (malformed_) return BlockCorruption(options, "malformed restart array");
  KeyBuffer key;
  Slice value;
  const char* p = data_;  // the entry after the one in key and value
  const char* limit = data_ + restart_offset_;
  if (num_restarts_ == 0) {
    p = limit;
  } else if (!target.empty()) {
    bool found = false;
    STRATA_RETURN_IF_ERROR(
        FindFirstAtOrAfter(comparator, target, options, &key, &value, &found, &p));
    if (!found) {
      *ended = true;
      return Status::OK();
    }
    if (!on_entry(key.slice(), value)) return Status::OK();
  }
  while (p < limit) {
    const char* entry = p;
    if (!ReadEntry(&p, limit, &key, &value)) {
      return MalformedEntry(options, static_cast<uint32_t>(entry - data_));
    }
    if (!on_entry(key.slice(), value)) return Status::OK();
  }
  *ended = true;
  return Status::OK();
}

Iterator* Block::NewIterator(const Comparator* comparator, const BlockIterOptions& options) const {
  if (malformed_) {
    Iterator* it = NewEmptyIterator(BlockCorruption(options, "malformed restart array"));
    if (options.cleanup != nullptr) options.cleanup(options.cleanup_arg1, options.cleanup_arg2);
    return it;
  }
  return new Iter(comparator, this, options);
}

}  // namespace strata::lsm
