#include "lsm/cache.h"

#include <gtest/gtest.h>

#include <atomic>
#include <new>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "base/coding.h"
#include "base/random.h"

namespace strata::lsm {
namespace {

std::string EncodeKey(int k) {
  std::string result;
  PutFixed32(&result, static_cast<uint32_t>(k));
  return result;
}
void* EncodeValue(uintptr_t v) { return reinterpret_cast<void*>(v); }
int DecodeValue(void* v) { return static_cast<int>(reinterpret_cast<uintptr_t>(v)); }

class CacheTest : public ::testing::Test {
 public:
  static constexpr size_t kCapacity = 16 * 100;  // 100 per shard

  static void Deleter(const Slice& key, void* v) {
    current_->deleted_keys_.push_back(static_cast<int>(DecodeFixed32(key.data())));
    current_->deleted_values_.push_back(DecodeValue(v));
  }

  CacheTest() : cache_(NewLRUCache(kCapacity)) { current_ = this; }

  int Lookup(int key) {
    Cache::Handle* handle = cache_->Lookup(EncodeKey(key));
    const int r = (handle == nullptr) ? -1 : DecodeValue(cache_->Value(handle));
    if (handle != nullptr) cache_->Release(handle);
    return r;
  }
  void Insert(int key, int value, size_t charge = 1) {
    cache_->Release(cache_->Insert(EncodeKey(key), EncodeValue(value), charge, &Deleter));
  }
  Cache::Handle* InsertAndReturnHandle(int key, int value, size_t charge = 1) {
    return cache_->Insert(EncodeKey(key), EncodeValue(value), charge, &Deleter);
  }
  void Erase(int key) { cache_->Erase(EncodeKey(key)); }

  static CacheTest* current_;
  std::vector<int> deleted_keys_;
  std::vector<int> deleted_values_;
  std::unique_ptr<Cache> cache_;
};
CacheTest* CacheTest::current_;

TEST_F(CacheTest, HitAndMiss) {
  EXPECT_EQ(Lookup(100), -1);
  Insert(100, 101);
  EXPECT_EQ(Lookup(100), 101);
  EXPECT_EQ(Lookup(200), -1);
  Insert(200, 201);
  EXPECT_EQ(Lookup(100), 101);
  EXPECT_EQ(Lookup(200), 201);
  Insert(100, 102);  // replaces; the old value is freed
  EXPECT_EQ(Lookup(100), 102);
  ASSERT_EQ(deleted_keys_.size(), 1u);
  EXPECT_EQ(deleted_keys_[0], 100);
  EXPECT_EQ(deleted_values_[0], 101);
  EXPECT_EQ(cache_->hits(), 4u);
  EXPECT_EQ(cache_->misses(), 2u);
  EXPECT_EQ(cache_->TotalCharge(), 2u);
}

TEST_F(CacheTest, Erase) {
  Erase(200);
  EXPECT_TRUE(deleted_keys_.empty());
  Insert(100, 101);
  Insert(200, 201);
  Erase(100);
  EXPECT_EQ(Lookup(100), -1);
  EXPECT_EQ(Lookup(200), 201);
  ASSERT_EQ(deleted_keys_.size(), 1u);
  Erase(100);
  EXPECT_EQ(deleted_keys_.size(), 1u);
}

TEST_F(CacheTest, EntriesArePinned) {
  Cache::Handle* h1 = InsertAndReturnHandle(100, 101);
  Cache::Handle* h2 = cache_->Lookup(EncodeKey(100));
  ASSERT_NE(h2, nullptr);
  EXPECT_EQ(DecodeValue(cache_->Value(h2)), 101);
  Insert(100, 102);  // displaces the pinned entry from the map, does not free it
  EXPECT_EQ(Lookup(100), 102);
  EXPECT_EQ(deleted_keys_.size(), 0u);
  EXPECT_EQ(DecodeValue(cache_->Value(h1)), 101);
  cache_->Release(h1);
  EXPECT_EQ(deleted_keys_.size(), 0u);
  cache_->Release(h2);
  ASSERT_EQ(deleted_keys_.size(), 1u);
  EXPECT_EQ(deleted_values_[0], 101);
  Erase(100);
  EXPECT_EQ(deleted_keys_.size(), 2u);
}

TEST_F(CacheTest, EraseWhileHeldFreesOnRelease) {
  Cache::Handle* h = InsertAndReturnHandle(7, 70);
  Erase(7);
  EXPECT_EQ(Lookup(7), -1);
  EXPECT_TRUE(deleted_keys_.empty());
  EXPECT_EQ(DecodeValue(cache_->Value(h)), 70);
  cache_->Release(h);
  ASSERT_EQ(deleted_keys_.size(), 1u);
}

TEST_F(CacheTest, EvictionByCharge) {
  // Pin one entry, then insert far more than the capacity.
  Cache::Handle* pinned = InsertAndReturnHandle(100000, 1, 10);
  for (int i = 0; i < 5000; i++) {
    Insert(i, 1000 + i, 10);
    ASSERT_LE(cache_->TotalCharge(), kCapacity + 10 * 16);
  }
  EXPECT_LE(cache_->TotalCharge(), kCapacity + 10);
  EXPECT_GT(deleted_keys_.size(), 4000u);
  // The newest entries survive; the oldest are gone; the pinned one stays.
  EXPECT_EQ(Lookup(4999), 5999);
  EXPECT_EQ(Lookup(0), -1);
  EXPECT_EQ(Lookup(100000), 1);
  cache_->Release(pinned);
  for (int i = 5000; i < 10000; i++) Insert(i, 1000 + i, 10);
  EXPECT_EQ(Lookup(100000), -1);  // evictable once released
}

// WouldEvict tells, per shard and without a lock, whether an insert would displace an entry.
TEST_F(CacheTest, WouldEvictOnceAShardIsFull) {
  EXPECT_FALSE(cache_->WouldEvict(EncodeKey(7), 10));
  EXPECT_TRUE(cache_->WouldEvict(EncodeKey(7), 101));  // more than a shard holds
  for (int i = 0; i < 5000; i++) Insert(i, i, 10);     // every shard at capacity
  EXPECT_TRUE(cache_->WouldEvict(EncodeKey(7), 10));
  for (int i = 0; i < 5000; i++) Erase(i);
  EXPECT_EQ(cache_->TotalCharge(), 0u);
  EXPECT_FALSE(cache_->WouldEvict(EncodeKey(7), 10));
}

TEST_F(CacheTest, RecentlyUsedSurvives) {
  // Keep touching key 0 while filling the cache: it stays.
  Insert(0, 1, 10);
  for (int i = 1; i < 3000; i++) {
    Insert(i, i, 10);
    ASSERT_EQ(Lookup(0), 1) << i;
  }
}

// Contains answers without counting a hit or a miss, and, unlike Lookup, does not keep an
// entry from eviction (a compaction asks it about every block it writes).
TEST_F(CacheTest, ContainsCountsNothingAndKeepsNothing) {
  EXPECT_FALSE(cache_->Contains(EncodeKey(100)));
  Insert(100, 101);
  EXPECT_TRUE(cache_->Contains(EncodeKey(100)));
  EXPECT_EQ(cache_->hits(), 0u);
  EXPECT_EQ(cache_->misses(), 0u);
  Erase(100);
  EXPECT_FALSE(cache_->Contains(EncodeKey(100)));
  Insert(0, 1, 10);
  bool evicted = false;
  for (int i = 1; i < 3000 && !evicted; i++) {
    Insert(i, i, 10);
    evicted = !cache_->Contains(EncodeKey(0));
  }
  EXPECT_TRUE(evicted);
}

TEST_F(CacheTest, TooLargeEntryIsNotKept) {
  Cache::Handle* h = InsertAndReturnHandle(1, 2, kCapacity * 2);
  EXPECT_EQ(DecodeValue(cache_->Value(h)), 2);
  EXPECT_EQ(Lookup(1), -1);
  EXPECT_TRUE(deleted_keys_.empty());
  cache_->Release(h);
  EXPECT_EQ(deleted_keys_.size(), 1u);
}

TEST_F(CacheTest, ZeroCapacityCachesNothing) {
  cache_ = NewLRUCache(0);
  Insert(1, 2);
  EXPECT_EQ(Lookup(1), -1);
  EXPECT_EQ(deleted_keys_.size(), 1u);
}

TEST_F(CacheTest, NewIdAndPrune) {
  std::set<uint64_t> ids;
  for (int i = 0; i < 100; i++) ids.insert(cache_->NewId());
  EXPECT_EQ(ids.size(), 100u);
  Insert(1, 100);
  Insert(2, 200);
  Cache::Handle* h = cache_->Lookup(EncodeKey(1));
  cache_->Prune();
  EXPECT_EQ(deleted_keys_.size(), 1u);  // key 2 only: key 1 is pinned
  EXPECT_EQ(Lookup(1), 100);
  cache_->Release(h);
}

// Values stored inside their entries: built once, read back through Value while pinned (also
// with keys of every length, so the value's alignment varies), destroyed in place exactly once
// whether the entry is erased, replaced, evicted or was never kept.
struct InlineValue {
  uint64_t payload;
  std::string text;  // owns heap memory: a missed destructor shows under ASan
  static inline int live = 0;
  static inline std::vector<uint64_t> destroyed;
};
void ConstructInline(void* where, void* arg) {
  new (where) InlineValue{*static_cast<uint64_t*>(arg), std::string(40, 'x')};
  InlineValue::live++;
}
void DestroyInline(const Slice&, void* value) {
  auto* v = static_cast<InlineValue*>(value);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(v) % alignof(InlineValue), 0u);
  InlineValue::destroyed.push_back(v->payload);
  v->~InlineValue();
  InlineValue::live--;
}

TEST(CacheInlineTest, ValuesLiveInTheirEntriesAndAreDestroyedOnce) {
  InlineValue::live = 0;
  InlineValue::destroyed.clear();
  {
    std::unique_ptr<Cache> cache = NewLRUCache(16 * 1000);
    auto insert = [&](const std::string& key, uint64_t payload, size_t charge) {
      return cache->InsertInline(key, sizeof(InlineValue), &ConstructInline, &payload, charge,
                                 &DestroyInline);
    };
    for (uint64_t k = 1; k <= 20; k++) {
      Cache::Handle* h = insert(std::string(k, 'k'), k, 1);
      auto* v = static_cast<InlineValue*>(cache->Value(h));
      EXPECT_EQ(v->payload, k);
      EXPECT_EQ(v->text, std::string(40, 'x'));
      cache->Release(h);
    }
    EXPECT_EQ(InlineValue::live, 20);
    for (uint64_t k = 1; k <= 20; k++) {
      Cache::Handle* h = cache->Lookup(std::string(k, 'k'));
      ASSERT_NE(h, nullptr);
      EXPECT_EQ(static_cast<InlineValue*>(cache->Value(h))->payload, k);
      cache->Release(h);
    }
    // Erased while pinned: destroyed at the release, not before.
    Cache::Handle* held = cache->Lookup(std::string(3, 'k'));
    cache->Erase(std::string(3, 'k'));
    EXPECT_TRUE(InlineValue::destroyed.empty());
    EXPECT_EQ(static_cast<InlineValue*>(cache->Value(held))->payload, 3u);
    cache->Release(held);
    EXPECT_EQ(InlineValue::destroyed, std::vector<uint64_t>{3});
    // Replaced: the old value goes.
    cache->Release(insert(std::string(4, 'k'), 104, 1));
    EXPECT_EQ(InlineValue::destroyed.back(), 4u);
    // Larger than the cache: handed back, never kept, destroyed at its release.
    Cache::Handle* big = insert("big", 99, 1 << 20);
    EXPECT_EQ(static_cast<InlineValue*>(cache->Value(big))->payload, 99u);
    cache->Release(big);
    EXPECT_EQ(InlineValue::destroyed.back(), 99u);
    EXPECT_EQ(cache->Lookup("big"), nullptr);
    EXPECT_EQ(InlineValue::live, 19);
  }
  EXPECT_EQ(InlineValue::live, 0);  // the rest at the cache's destruction
  EXPECT_EQ(InlineValue::destroyed.size(), 22u);

  // Evicted: a cache of one unit per shard keeps at most 16 of 200 entries.
  InlineValue::destroyed.clear();
  {
    std::unique_ptr<Cache> cache = NewLRUCache(16);
    for (uint64_t k = 0; k < 200; k++) {
      cache->Release(cache->InsertInline(std::to_string(k), sizeof(InlineValue), &ConstructInline,
                                         &k, 1, &DestroyInline));
    }
    EXPECT_LE(InlineValue::live, 16);
    EXPECT_EQ(InlineValue::destroyed.size() + InlineValue::live, 200u);
  }
  EXPECT_EQ(InlineValue::live, 0);
  std::set<uint64_t> once(InlineValue::destroyed.begin(), InlineValue::destroyed.end());
  EXPECT_EQ(once.size(), 200u);  // each value destroyed exactly once
}

TEST(CacheConcurrencyTest, Smoke) {
  static std::atomic<int> inserted{0};
  static std::atomic<int> deleted{0};
  inserted = 0;
  deleted = 0;
  {
    std::unique_ptr<Cache> cache = NewLRUCache(4096);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; t++) {
      threads.emplace_back([&cache, t] {
        Random rnd(1000 + t);
        for (int i = 0; i < 50000; i++) {
          const int k = static_cast<int>(rnd.Uniform(2000));
          const std::string key = EncodeKey(k);
          const int op = static_cast<int>(rnd.Uniform(10));
          if (op < 6) {
            Cache::Handle* h = cache->Lookup(key);
            if (h != nullptr) {
              // Values are always derived from their key.
              ASSERT_EQ(DecodeValue(cache->Value(h)) / 10, k);
              cache->Release(h);
            }
          } else if (op < 9) {
            inserted++;
            cache->Release(cache->Insert(key, EncodeValue(k * 10 + t), 1 + rnd.Uniform(8),
                                         [](const Slice&, void*) { deleted++; }));
          } else {
            cache->Erase(key);
          }
        }
      });
    }
    for (auto& th : threads) th.join();
    EXPECT_LE(cache->TotalCharge(), 4096u + 16 * 8);
    EXPECT_GT(cache->hits(), 0u);
  }
  EXPECT_EQ(inserted.load(), deleted.load());
}

}  // namespace
}  // namespace strata::lsm
