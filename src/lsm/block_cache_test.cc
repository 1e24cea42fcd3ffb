// The engine and its block cache: data blocks fill one allocation size class, the blocks of
// deleted tables leave it, compaction outputs inherit the hot blocks of their inputs, a table
// closed and opened again finds the blocks it had there, and long scans fill room but displace
// nothing.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "env/env.h"
#include "lsm/block.h"
#include "lsm/cache.h"
#include "lsm/db.h"
#include "lsm/filename.h"
#include "lsm/format.h"
#include "lsm/table.h"
#include "lsm/table_cache.h"

namespace strata::lsm {
namespace {

std::string Key(int i) {
  char buf[32];
  snprintf(buf, sizeof(buf), "key%08d", i);
  return buf;
}
// ~100 bytes that do not compress away, so that the data's size on disk is what it looks like.
std::string ValueOf(int i, int version) {
  std::string v = std::to_string(version) + ":";
  uint64_t x = static_cast<uint64_t>(i) * 0x9E3779B97F4A7C15ull + static_cast<uint64_t>(version);
  while (v.size() < 100) {
    x ^= x >> 29;
    x *= 0xBF58476D1CE4E5B9ull;
    v.push_back(static_cast<char>('a' + (x >> 59)));
  }
  return v;
}

// Writes /db/<number>.sst with keys 0..n-1 and their values of `version`; returns its size.
uint64_t WriteTable(Env* env, const TableOptions& options, uint64_t number, int n, int version) {
  std::unique_ptr<WritableFile> file;
  EXPECT_TRUE(env->NewWritableFile(TableFileName("/db", number), &file).ok());
  TableBuilder builder(options, file.get());
  for (int i = 0; i < n; i++) builder.Add(Key(i), ValueOf(i, version));
  EXPECT_TRUE(builder.Finish().ok());
  EXPECT_TRUE(file->Close().ok());
  return builder.FileSize();
}

// The uncompressed sizes of the data blocks of table `number`, read through its index.
std::vector<size_t> DataBlockSizes(Env* env, uint64_t number, uint64_t file_size) {
  const std::string name = TableFileName("/db", number);
  std::unique_ptr<RandomAccessFile> file;
  EXPECT_TRUE(env->NewRandomAccessFile(name, &file).ok());
  char scratch[Footer::kEncodedLength];
  Slice bytes;
  EXPECT_TRUE(
      file->Read(file_size - Footer::kEncodedLength, Footer::kEncodedLength, &bytes, scratch).ok());
  Footer footer;
  EXPECT_TRUE(footer.DecodeFrom(bytes).ok());
  auto read = [&](const BlockHandle& handle) {
    BlockContents contents;
    EXPECT_TRUE(ReadBlock(file.get(), name, handle, &contents).ok());
    return contents;
  };
  BlockContents index_contents = read(footer.index_handle);
  Block index(index_contents);
  std::vector<size_t> sizes;
  std::unique_ptr<Iterator> it(index.NewIterator(BytewiseComparator()));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    BlockHandle handle;
    Slice value = it->value();
    EXPECT_TRUE(handle.DecodeFrom(&value).ok());
    BlockContents contents = read(handle);
    sizes.push_back(contents.data.size());
    if (contents.heap_allocated) delete[] contents.data.data();
  }
  return sizes;
}

// Data blocks are cut before an entry takes them past block_size: a decompressed block of the
// default 4096 bytes takes one 4096-byte allocation (cut after, it took the 5120-byte class, a
// fifth of it not charged to the cache). An entry larger than a block gets a block of its own.
TEST(BlockSizeTest, DataBlocksStayWithinBlockSize) {
  std::unique_ptr<Env> env = NewMemEnv();
  ASSERT_TRUE(env->CreateDir("/db").ok());
  TableOptions options;
  options.filter_user_keys = false;
  const int n = 4000;
  const uint64_t size = WriteTable(env.get(), options, 1, n, 1);
  std::vector<size_t> sizes = DataBlockSizes(env.get(), 1, size);
  ASSERT_GT(sizes.size(), 100u);
  size_t total = 0;
  for (size_t i = 0; i < sizes.size(); i++) {
    EXPECT_LE(sizes[i], options.block_size) << "block " << i;
    total += sizes[i];
  }
  // Full all the same: every block but the last lacks less than one entry.
  EXPECT_GT(total / sizes.size(), options.block_size - 200);

  std::unique_ptr<WritableFile> file;
  ASSERT_TRUE(env->NewWritableFile(TableFileName("/db", 2), &file).ok());
  TableBuilder builder(options, file.get());
  for (int i = 0; i < 100; i++) {
    builder.Add(Key(i), i == 50 ? std::string(10000, 'v') : ValueOf(i, 1));
  }
  ASSERT_TRUE(builder.Finish().ok());
  sizes = DataBlockSizes(env.get(), 2, builder.FileSize());
  int large = 0;
  for (size_t s : sizes) {
    if (s > options.block_size) {
      large++;
      EXPECT_LT(s, 10100u);  // the large entry alone
    }
  }
  EXPECT_EQ(large, 1);
}

class BlockCacheTest : public testing::Test {
 protected:
  void Open(size_t cache_bytes) {
    env_ = NewMemEnv();
    kv::Options o;
    o.env = env_.get();
    o.create_if_missing = true;
    o.write_buffer_size = 64 << 10;
    o.target_file_size = 64 << 10;
    o.max_bytes_for_level_base = 256 << 10;
    o.block_cache_size = cache_bytes;
    auto r = OpenDB("/db", o);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    db_ = std::move(r.value());
  }
  void WriteAll(int n, int version) {
    for (int i = 0; i < n; i++) ASSERT_TRUE(db_->Put(Key(i), ValueOf(i, version)).ok());
  }
  // Reads every key back; returns the block-cache misses the reads caused.
  uint64_t ReadAll(int n, int version) {
    const uint64_t before = db_->GetStats().block_cache_misses;
    for (int i = 0; i < n; i++) {
      std::string v;
      EXPECT_TRUE(db_->Get(kv::ReadOptions(), Key(i), &v).ok()) << Key(i);
      EXPECT_EQ(v, ValueOf(i, version)) << Key(i);
    }
    return db_->GetStats().block_cache_misses - before;
  }

  std::unique_ptr<Env> env_;
  std::unique_ptr<kv::Engine> db_;
};

TEST_F(BlockCacheTest, BlocksOfDeletedTablesLeaveTheCache) {
  Open(16 << 20);
  const int n = 3000;
  WriteAll(n, 1);
  ASSERT_TRUE(db_->CompactRange(nullptr, nullptr).ok());
  EXPECT_GT(ReadAll(n, 1), 0u);
  const uint64_t cached = db_->GetStats().block_cache_bytes;
  ASSERT_GT(cached, 300u << 10);
  // Rewrite everything: the old tables go, and their blocks with them. The compaction hands
  // the cache's hold on its (hot) inputs to its outputs, so the cache holds about as much as
  // before, not twice as much. The compaction thread erases the old blocks after it reports
  // the compaction done: allow it a moment.
  WriteAll(n, 2);
  ASSERT_TRUE(db_->CompactRange(nullptr, nullptr).ok());
  uint64_t now = 2 * cached;
  for (int i = 0; i < 300 && now >= cached * 5 / 4; i++) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    now = db_->GetStats().block_cache_bytes;
  }
  EXPECT_LT(now, cached * 5 / 4) << "cached before: " << cached;
  EXPECT_GT(now, cached / 2) << "cached before: " << cached;
  EXPECT_EQ(ReadAll(n, 2), 0u);
}

// A compaction's outputs inherit the cache's hold on its inputs, block by block: data that
// readers kept in the cache is still there after the rewrite (no reader pays a file read for
// it), and data nobody read is not brought in.
TEST_F(BlockCacheTest, CompactionOutputsInheritTheHotBlocksOfTheirInputs) {
  Open(16 << 20);
  const int n = 3000;
  WriteAll(n, 1);
  ASSERT_TRUE(db_->CompactRange(nullptr, nullptr).ok());
  // Only the first half is read, so only its blocks are cached.
  const uint64_t base = db_->GetStats().block_cache_bytes;  // open tables' metadata
  EXPECT_GT(ReadAll(n / 2, 1), 0u);
  const uint64_t hot = db_->GetStats().block_cache_bytes - base;
  ASSERT_GT(hot, 100u << 10);

  WriteAll(n, 2);
  ASSERT_TRUE(db_->CompactRange(nullptr, nullptr).ok());
  // The first half reads from the cache alone, but for the block that straddles the half: an
  // output block is warmed by its last key's input block, which for that one lies in the cold
  // half (where blocks end depends on which background compactions ran first). The second
  // half, never read, was not cached.
  EXPECT_EQ(ReadAll(n / 2 - 50, 2), 0u);
  uint64_t misses = 0;
  const uint64_t before = db_->GetStats().block_cache_misses;
  for (int i = n / 2 + 50; i < n; i++) {
    std::string v;
    ASSERT_TRUE(db_->Get(kv::ReadOptions(), Key(i), &v).ok());
    EXPECT_EQ(v, ValueOf(i, 2));
  }
  misses = db_->GetStats().block_cache_misses - before;
  EXPECT_GT(misses, 10u);
}

// max_open_files closes tables; one opened again keeps its file's cache id, so the blocks
// read before are still found.
TEST(TableCacheTest, ATableOpenedAgainFindsItsCachedBlocks) {
  std::unique_ptr<Env> env = NewMemEnv();
  ASSERT_TRUE(env->CreateDir("/db").ok());
  std::unique_ptr<Cache> cache = NewLRUCache(8 << 20);
  TableOptions options;
  options.block_cache = cache.get();
  options.filter_user_keys = false;
  constexpr int kTables = 12;  // more than the table cache keeps open (8)
  std::vector<uint64_t> sizes;
  for (int t = 1; t <= kTables; t++) sizes.push_back(WriteTable(env.get(), options, t, 500, t));
  TableCache tables("/db", env.get(), options, 8);
  auto read_table = [&](int t) {
    std::unique_ptr<Iterator> it(tables.NewIterator(true, t, sizes[t - 1]));
    int i = 0;
    for (it->SeekToFirst(); it->Valid(); it->Next(), i++) {
      EXPECT_EQ(it->value().ToString(), ValueOf(i, t));
    }
    EXPECT_TRUE(it->status().ok());
    EXPECT_EQ(i, 500);
  };
  read_table(1);
  for (int t = 2; t <= kTables; t++) read_table(t);  // table 1 is closed on the way
  const uint64_t misses = cache->misses();
  read_table(1);
  EXPECT_EQ(cache->misses(), misses);
  // Evicted as deleted, its blocks go: read again (the file is still there), every block
  // misses, under a new id.
  const uint64_t charged = cache->TotalCharge();
  tables.Evict(1);
  tables.EraseRetiredBlocks();
  EXPECT_LT(cache->TotalCharge(), charged);
  read_table(1);
  EXPECT_GE(cache->misses(), misses + 5);
}

// A table of `n` entries of about 110 bytes (about 36 per 4 KiB block) in /db/000001.sst.
std::unique_ptr<Table> BuildTable(Env* env, const TableOptions& options, int n) {
  EXPECT_TRUE(env->CreateDir("/db").ok());
  const uint64_t size = WriteTable(env, options, 1, n, 1);
  std::unique_ptr<RandomAccessFile> in;
  EXPECT_TRUE(env->NewRandomAccessFile(TableFileName("/db", 1), &in).ok());
  std::unique_ptr<Table> table;
  Status s = Table::Open(options, std::move(in), size, TableFileName("/db", 1), &table);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return table;
}

// Point reads of keys [from, to); returns the block-cache misses they caused.
uint64_t PointReads(const Table& table, const Cache& cache, int from, int to) {
  const uint64_t before = cache.misses();
  for (int i = from; i < to; i++) {
    std::string got;
    auto save = [](void* arg, const Slice&, const Slice& v) {
      *static_cast<std::string*>(arg) = v.ToString();
    };
    EXPECT_TRUE(table.InternalGet(Key(i), true, &got, save).ok());
    EXPECT_EQ(got, ValueOf(i, 1)) << Key(i);
  }
  return cache.misses() - before;
}

int ScanAll(const Table& table) {
  std::unique_ptr<Iterator> it(table.NewIterator(/*fill_cache=*/true));
  int i = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next(), i++) {
    EXPECT_EQ(it->value().ToString(), ValueOf(i, 1));
  }
  EXPECT_TRUE(it->status().ok());
  return i;
}

// A scan of more blocks than the cache holds keeps out of a full cache: the blocks point
// reads put there stay (before, the scan's blocks displaced them all).
TEST(ScanResistanceTest, ALongScanDisplacesNothingFromAFullCache) {
  std::unique_ptr<Env> env = NewMemEnv();
  // About 64 blocks, four in each shard: the last blocks point reads bring in stay, however
  // the hash spreads them.
  std::unique_ptr<Cache> cache = NewLRUCache(16 * (20 << 10));
  TableOptions options;
  options.block_cache = cache.get();
  options.filter_user_keys = false;
  const int n = 8000;  // about 230 blocks
  std::unique_ptr<Table> table = BuildTable(env.get(), options, n);
  // Point reads over the first quarter fill the cache; the last blocks they read are in it.
  EXPECT_GT(PointReads(*table, *cache, 0, n / 4), 20u);
  ASSERT_EQ(PointReads(*table, *cache, n / 4 - 100, n / 4), 0u);
  ASSERT_GT(cache->TotalCharge(), cache->Capacity() / 2);
  // The scan passes those blocks early, then three times the cache's worth of others.
  EXPECT_EQ(ScanAll(*table), n);
  EXPECT_EQ(PointReads(*table, *cache, n / 4 - 100, n / 4), 0u)
      << "the scan displaced cached blocks";
}

// The same scan fills a cache that has room: read again, every block is found there.
TEST(ScanResistanceTest, ALongScanFillsACacheWithRoom) {
  std::unique_ptr<Env> env = NewMemEnv();
  std::unique_ptr<Cache> cache = NewLRUCache(8 << 20);
  TableOptions options;
  options.block_cache = cache.get();
  options.filter_user_keys = false;
  const int n = 4000;
  std::unique_ptr<Table> table = BuildTable(env.get(), options, n);
  EXPECT_EQ(ScanAll(*table), n);
  const uint64_t misses = cache->misses();
  EXPECT_GT(misses, 50u);
  EXPECT_EQ(ScanAll(*table), n);
  EXPECT_EQ(cache->misses(), misses);
  EXPECT_EQ(PointReads(*table, *cache, 0, n), 0u);
}

}  // namespace
}  // namespace strata::lsm
