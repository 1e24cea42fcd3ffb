#include "lsm/cache.h"

#include <algorithm>
#include <atomic>
#include <cassert>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include "base/hash.h"
#include "base/prefetch.h"

namespace strata::lsm {
namespace {

// An entry, allocated with its key inline. While in_cache it is in its shard's `clock_` list,
// pinned or not: a hit only bumps refs and sets `referenced` in the entry itself, so a lookup
// touches no other entry (moving entries between lists on every hit and release cost several
// cache misses per block read).
struct LRUHandle {
  void* value;
  void (*deleter)(const Slice&, void* value);
  LRUHandle* next_hash;
  LRUHandle* next;
  LRUHandle* prev;
  size_t charge;
  size_t key_length;
  bool in_cache;    // the map refers to it
  bool referenced;  // used since the clock hand last passed: gets a second chance
  uint32_t refs;    // Handles, plus one while in_cache
  uint32_t hash;
  char key_data[1];

  Slice key() const { return Slice(key_data, key_length); }
};

// A chained hash table of LRUHandles that grows to keep at most one entry per two buckets. A
// lookup reads each entry of its chain before the one it wants, each a cache miss in a large
// cache: at up to one per bucket, a third of the entries a hit read were someone else's.
class HandleTable {
 public:
  HandleTable() { Resize(); }
  ~HandleTable() { delete[] list_; }

  LRUHandle* Lookup(const Slice& key, uint32_t hash) { return *FindPointer(key, hash); }
  const LRUHandle* Lookup(const Slice& key, uint32_t hash) const {
    return *const_cast<HandleTable*>(this)->FindPointer(key, hash);
  }

  // Starts loading the bucket of `hash` into the CPU cache. Called without the shard's lock:
  // it reads the published array and mask, which a concurrent Resize may have replaced (a
  // prefetch of a stale address is harmless).
  void Prefetch(uint32_t hash) const {
    LRUHandle** list = published_list_.load(std::memory_order_relaxed);
    const uint32_t mask = published_mask_.load(std::memory_order_relaxed);
    PrefetchForRead(list + (hash & mask));
  }

  // Returns the entry it replaced, if any.
  LRUHandle* Insert(LRUHandle* h) {
    LRUHandle** ptr = FindPointer(h->key(), h->hash);
    LRUHandle* old = *ptr;
    h->next_hash = (old == nullptr ? nullptr : old->next_hash);
    *ptr = h;
    if (old == nullptr && ++elems_ > length_ / 2) Resize();
    return old;
  }

  LRUHandle* Remove(const Slice& key, uint32_t hash) {
    LRUHandle** ptr = FindPointer(key, hash);
    LRUHandle* result = *ptr;
    if (result != nullptr) {
      *ptr = result->next_hash;
      --elems_;
    }
    return result;
  }

 private:
  LRUHandle** FindPointer(const Slice& key, uint32_t hash) {
    LRUHandle** ptr = &list_[hash & (length_ - 1)];
    while (*ptr != nullptr && ((*ptr)->hash != hash || key != (*ptr)->key())) {
      ptr = &(*ptr)->next_hash;
    }
    return ptr;
  }

  void Resize() {
    uint32_t new_length = 16;
    while (new_length < 2 * elems_) new_length *= 2;
    auto** new_list = new LRUHandle*[new_length]();
    for (uint32_t i = 0; i < length_; i++) {
      LRUHandle* h = list_[i];
      while (h != nullptr) {
        LRUHandle* next = h->next_hash;
        LRUHandle** ptr = &new_list[h->hash & (new_length - 1)];
        h->next_hash = *ptr;
        *ptr = h;
        h = next;
      }
    }
    delete[] list_;
    list_ = new_list;
    length_ = new_length;
    published_list_.store(list_, std::memory_order_relaxed);
    published_mask_.store(length_ - 1, std::memory_order_relaxed);
  }

  uint32_t length_ = 0;
  uint32_t elems_ = 0;
  LRUHandle** list_ = nullptr;
  std::atomic<LRUHandle**> published_list_{nullptr};  // list_ and length_ - 1, for Prefetch
  std::atomic<uint32_t> published_mask_{0};
};

// A new entry holding one reference (the Handle returned to the caller), outside every list.
// With inline_size > 0 the value is stored after the key, 8-aligned, and construct builds it.
LRUHandle* NewEntry(const Slice& key, uint32_t hash, void* value, size_t charge,
                    void (*deleter)(const Slice&, void*), size_t inline_size = 0,
                    void (*construct)(void*, void*) = nullptr, void* arg = nullptr) {
  const size_t key_end = offsetof(LRUHandle, key_data) + key.size();
  const size_t value_offset = (key_end + 7) & ~size_t{7};
  const size_t bytes =
      std::max(sizeof(LRUHandle), inline_size > 0 ? value_offset + inline_size : key_end);
  auto* e = static_cast<LRUHandle*>(malloc(bytes));
  e->value = value;
  e->deleter = deleter;
  e->charge = charge;
  e->key_length = key.size();
  e->hash = hash;
  e->in_cache = false;
  e->referenced = false;
  e->refs = 1;
  memcpy(e->key_data, key.data(), key.size());
  if (inline_size > 0) {
    e->value = reinterpret_cast<char*>(e) + value_offset;
    construct(e->value, arg);
  }
  return e;
}

void FreeHandle(LRUHandle* e) {
  e->deleter(e->key(), e->value);
  free(e);
}

// Entries whose last reference went away under the lock; freed after unlocking so deleters
// (closing files, freeing blocks) do not run inside the critical section.
class Garbage {
 public:
  ~Garbage() {
    while (head_ != nullptr) {
      LRUHandle* next = head_->next;
      FreeHandle(head_);
      head_ = next;
    }
  }
  void Add(LRUHandle* e) {
    e->next = head_;
    head_ = e;
  }

 private:
  LRUHandle* head_ = nullptr;
};

class alignas(64) LRUShard {
 public:
  LRUShard() { clock_.next = clock_.prev = &clock_; }
  ~LRUShard() {
    for (LRUHandle* e = clock_.next; e != &clock_;) {
      assert(e->refs == 1);  // every Handle released
      LRUHandle* next = e->next;
      FreeHandle(e);
      e = next;
    }
  }

  void set_capacity(size_t capacity) { capacity_ = capacity; }

  // Takes e from NewEntry.
  Cache::Handle* Insert(LRUHandle* e) {
    const size_t charge = e->charge;
    Garbage garbage;
    std::lock_guard<std::mutex> lock(mu_);
    if (charge <= capacity_) {
      e->refs++;
      e->in_cache = true;
      Append(&clock_, e);
      entries_++;
      usage_ += charge;
      FinishErase(table_.Insert(e), &garbage);
    } else {
      e->next = e->prev = nullptr;  // handed back uncached; freed by its Release
    }
    // The clock hand sweeps from the oldest entry: pinned entries and those used since the last
    // sweep go to the back (the latter losing their mark); the first other one is evicted.
    for (size_t visited = 0; usage_ > capacity_ && visited < 2 * entries_ + 1; visited++) {
      LRUHandle* old = clock_.next;
      if (old == &clock_) break;
      if (old->refs > 1 || old->referenced) {
        old->referenced = false;
        Remove(old);
        Append(&clock_, old);
        continue;
      }
      FinishErase(table_.Remove(old->key(), old->hash), &garbage);
    }
    usage_seen_.store(usage_, std::memory_order_relaxed);
    return reinterpret_cast<Cache::Handle*>(e);
  }

  void Prefetch(uint32_t hash) const { table_.Prefetch(hash); }

  bool WouldEvict(size_t charge) const {
    return usage_seen_.load(std::memory_order_relaxed) + charge > capacity_;
  }

  Cache::Handle* Lookup(const Slice& key, uint32_t hash) {
    std::lock_guard<std::mutex> lock(mu_);
    LRUHandle* e = table_.Lookup(key, hash);
    // Counted under the mutex: a plain store, not a locked read-modify-write, per lookup.
    if (e == nullptr) {
      misses_.store(misses_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
      return nullptr;
    }
    hits_.store(hits_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    Ref(e);
    return reinterpret_cast<Cache::Handle*>(e);
  }

  bool Contains(const Slice& key, uint32_t hash) const {
    std::lock_guard<std::mutex> lock(mu_);
    return table_.Lookup(key, hash) != nullptr;
  }

  void Release(Cache::Handle* handle) {
    Garbage garbage;
    std::lock_guard<std::mutex> lock(mu_);
    Unref(reinterpret_cast<LRUHandle*>(handle), &garbage);
  }

  void Erase(const Slice& key, uint32_t hash) {
    Garbage garbage;
    std::lock_guard<std::mutex> lock(mu_);
    FinishErase(table_.Remove(key, hash), &garbage);
  }

  void Prune() {
    Garbage garbage;
    std::lock_guard<std::mutex> lock(mu_);
    for (LRUHandle* e = clock_.next; e != &clock_;) {
      LRUHandle* next = e->next;
      if (e->refs == 1) FinishErase(table_.Remove(e->key(), e->hash), &garbage);
      e = next;
    }
  }

  size_t TotalCharge() const {
    std::lock_guard<std::mutex> lock(mu_);
    return usage_;
  }
  uint64_t hits() const { return hits_.load(std::memory_order_relaxed); }
  uint64_t misses() const { return misses_.load(std::memory_order_relaxed); }

 private:
  static void Remove(LRUHandle* e) {
    e->next->prev = e->prev;
    e->prev->next = e->next;
  }
  // Makes e the newest entry of `list`.
  static void Append(LRUHandle* list, LRUHandle* e) {
    e->next = list;
    e->prev = list->prev;
    e->prev->next = e;
    e->next->prev = e;
  }

  void Ref(LRUHandle* e) {
    e->refs++;  // pinned while refs > 1: the clock hand passes over it
    e->referenced = true;
  }

  void Unref(LRUHandle* e, Garbage* garbage) {
    assert(e->refs > 0);
    e->refs--;
    if (e->refs == 0) {
      assert(!e->in_cache);
      garbage->Add(e);
    }
  }

  // Finishes removing e (already out of table_) from the cache.
  void FinishErase(LRUHandle* e, Garbage* garbage) {
    if (e == nullptr) return;
    assert(e->in_cache);
    Remove(e);
    e->in_cache = false;
    entries_--;
    usage_ -= e->charge;
    usage_seen_.store(usage_, std::memory_order_relaxed);
    Unref(e, garbage);
  }

  mutable std::mutex mu_;
  size_t capacity_ = 0;
  size_t usage_ = 0;
  std::atomic<size_t> usage_seen_{0};  // usage_ as last stored, read without the mutex
  size_t entries_ = 0;
  LRUHandle clock_;  // dummy head; clock_.next is where the hand starts
  HandleTable table_;
  std::atomic<uint64_t> hits_{0};
  std::atomic<uint64_t> misses_{0};
};

class ShardedLRUCache final : public Cache {
 public:
  explicit ShardedLRUCache(size_t capacity) : capacity_(capacity) {
    const size_t per_shard = (capacity + kNumShards - 1) / kNumShards;
    for (LRUShard& s : shards_) s.set_capacity(per_shard);
  }

  Handle* Insert(const Slice& key, void* value, size_t charge,
                 void (*deleter)(const Slice& key, void* value)) override {
    const uint64_t h = HashKey(key);
    return Shard(h).Insert(NewEntry(key, static_cast<uint32_t>(h), value, charge, deleter));
  }
  Handle* InsertInline(const Slice& key, size_t value_size, void (*construct)(void*, void*),
                       void* arg, size_t charge,
                       void (*deleter)(const Slice& key, void* value)) override {
    const uint64_t h = HashKey(key);
    return Shard(h).Insert(NewEntry(key, static_cast<uint32_t>(h), nullptr, charge, deleter,
                                    std::max<size_t>(value_size, 1), construct, arg));
  }
  Handle* Lookup(const Slice& key) override {
    const uint64_t h = HashKey(key);
    return Shard(h).Lookup(key, static_cast<uint32_t>(h));
  }
  bool Contains(const Slice& key) const override {
    const uint64_t h = HashKey(key);
    return Shard(h).Contains(key, static_cast<uint32_t>(h));
  }
  void Prefetch(const Slice& key) const override {
    const uint64_t h = HashKey(key);
    Shard(h).Prefetch(static_cast<uint32_t>(h));
  }
  bool WouldEvict(const Slice& key, size_t charge) const override {
    return Shard(HashKey(key)).WouldEvict(charge);
  }
  void Release(Handle* handle) override {
    auto* e = reinterpret_cast<LRUHandle*>(handle);
    shards_[e->hash >> (32 - kNumShardBits)].Release(handle);
  }
  void* Value(Handle* handle) override { return reinterpret_cast<LRUHandle*>(handle)->value; }
  void Erase(const Slice& key) override {
    const uint64_t h = HashKey(key);
    Shard(h).Erase(key, static_cast<uint32_t>(h));
  }
  uint64_t NewId() override { return last_id_.fetch_add(1, std::memory_order_relaxed) + 1; }
  void Prune() override {
    for (LRUShard& s : shards_) s.Prune();
  }
  size_t TotalCharge() const override {
    size_t total = 0;
    for (const LRUShard& s : shards_) total += s.TotalCharge();
    return total;
  }
  size_t Capacity() const override { return capacity_; }
  uint64_t hits() const override {
    uint64_t total = 0;
    for (const LRUShard& s : shards_) total += s.hits();
    return total;
  }
  uint64_t misses() const override {
    uint64_t total = 0;
    for (const LRUShard& s : shards_) total += s.misses();
    return total;
  }

 private:
  static constexpr int kNumShardBits = 4;
  static constexpr int kNumShards = 1 << kNumShardBits;

  static uint64_t HashKey(const Slice& key) { return Hash64(key.data(), key.size()); }
  // The shard is chosen by the top bits of the 32-bit hash kept in the entry, so Release can
  // find it again without rehashing.
  LRUShard& Shard(uint64_t h) { return shards_[static_cast<uint32_t>(h) >> (32 - kNumShardBits)]; }
  const LRUShard& Shard(uint64_t h) const {
    return shards_[static_cast<uint32_t>(h) >> (32 - kNumShardBits)];
  }

  const size_t capacity_;
  LRUShard shards_[kNumShards];
  std::atomic<uint64_t> last_id_{0};
};

}  // namespace

std::unique_ptr<Cache> NewLRUCache(size_t capacity) {
  return std::make_unique<ShardedLRUCache>(capacity);
}

}  // namespace strata::lsm
