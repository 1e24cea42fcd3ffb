#include "lsm/block.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "base/coding.h"
#include "base/random.h"
#include "lsm/block_builder.h"
#include "lsm/dbformat.h"
#include "lsm/scan_test_util.h"

namespace strata::lsm {
namespace {

std::string RandomKey(Random* rnd) {
  // Shared prefixes so prefix compression has something to do.
  static const char* kPrefixes[] = {"", "user", "user:00", "order/2024/"};
  std::string k = kPrefixes[rnd->Uniform(4)];
  const int len = 1 + static_cast<int>(rnd->Uniform(12));
  for (int i = 0; i < len; i++) k.push_back(static_cast<char>('a' + rnd->Uniform(26)));
  return k;
}

// A block built from `model`, held in an exactly-sized heap buffer (so a sanitizer catches any
// read past its end).
std::unique_ptr<Block> BuildBlock(const std::map<std::string, std::string>& model, int restart) {
  BlockBuilder builder(restart);
  for (const auto& [k, v] : model) builder.Add(k, v);
  const size_t estimate = builder.CurrentSizeEstimate();
  const Slice raw = builder.Finish();
  EXPECT_EQ(raw.size(), estimate);
  char* buf = new char[raw.size()];
  memcpy(buf, raw.data(), raw.size());
  BlockContents contents{Slice(buf, raw.size()), true, true};
  return std::make_unique<Block>(contents);
}

std::unique_ptr<Block> BlockFromBytes(const std::string& bytes) {
  char* buf = new char[bytes.size()];
  if (!bytes.empty()) memcpy(buf, bytes.data(), bytes.size());
  return std::make_unique<Block>(BlockContents{Slice(buf, bytes.size()), true, true});
}

TEST(BlockTest, Empty) {
  std::unique_ptr<Block> block = BuildBlock({}, 16);
  ASSERT_TRUE(block->ok());
  std::unique_ptr<Iterator> it(block->NewIterator(BytewiseComparator()));
  it->SeekToFirst();
  EXPECT_FALSE(it->Valid());
  it->SeekToLast();
  EXPECT_FALSE(it->Valid());
  it->Seek("x");
  EXPECT_FALSE(it->Valid());
  EXPECT_TRUE(it->status().ok());
}

// Gives `block` restart fingerprints in `storage`, which must live as long as the block.
bool AddFingerprints(Block* block, Block::KeyOrder order, std::vector<uint64_t>* storage) {
  const Block::FingerprintLayout layout = block->PlanFingerprints(order);
  EXPECT_EQ(layout.bytes % 8, 0u);
  storage->assign(layout.bytes / 8 + 1, 0);
  block->BuildFingerprints(layout, reinterpret_cast<char*>(storage->data()));
  return block->has_fingerprints();
}

// Restart interval, and whether the block has restart fingerprints.
class BlockModelTest : public ::testing::TestWithParam<std::tuple<int, bool>> {};

TEST_P(BlockModelTest, MatchesModel) {
  const auto [restart_interval, fingerprints] = GetParam();
  Random rnd(301 + restart_interval);
  std::map<std::string, std::string> model;
  for (int i = 0; i < 2000; i++) {
    model[RandomKey(&rnd)] = std::string(rnd.Uniform(20), static_cast<char>('A' + i % 26));
  }
  std::vector<std::string> keys;
  for (const auto& [k, v] : model) keys.push_back(k);
  std::unique_ptr<Block> block = BuildBlock(model, restart_interval);
  std::vector<uint64_t> storage;
  if (fingerprints) {
    ASSERT_TRUE(AddFingerprints(block.get(), Block::KeyOrder::kBytewise, &storage));
  }
  std::unique_ptr<Iterator> it(block->NewIterator(BytewiseComparator()));

  // Forward and backward scans.
  ASSERT_NO_FATAL_FAILURE(ExpectForwardScan(it.get(), model));
  auto rm = model.rbegin();
  for (it->SeekToLast(); it->Valid(); it->Prev(), ++rm) {
    ASSERT_NE(rm, model.rend());
    ASSERT_EQ(it->key().ToString(), rm->first);
  }
  EXPECT_EQ(rm, model.rend());

  // Random seeks (without resetting, to exercise the "already positioned" path), then short
  // random walks.
  for (int i = 0; i < 3000; i++) {
    const std::string target = rnd.OneIn(2) ? RandomKey(&rnd) : keys[rnd.Uniform(keys.size())];
    it->Seek(target);
    auto expect = model.lower_bound(target);
    if (expect == model.end()) {
      ASSERT_FALSE(it->Valid());
      continue;
    }
    ASSERT_TRUE(it->Valid());
    ASSERT_EQ(it->key().ToString(), expect->first);
    for (int step = 0; step < 5 && it->Valid(); step++) {
      if (rnd.OneIn(2)) {
        it->Next();
        ++expect;
        if (expect == model.end()) {
          ASSERT_FALSE(it->Valid());
          break;
        }
      } else {
        it->Prev();
        if (expect == model.begin()) {
          ASSERT_FALSE(it->Valid());
          break;
        }
        --expect;
      }
      ASSERT_TRUE(it->Valid());
      ASSERT_EQ(it->key().ToString(), expect->first);
      ASSERT_EQ(it->value().ToString(), expect->second);
    }
  }

  // Sequential ascending seeks hit the "continue from the current entry" path.
  it->SeekToFirst();
  for (const auto& [k, v] : model) {
    it->Seek(k);
    ASSERT_TRUE(it->Valid());
    ASSERT_EQ(it->key().ToString(), k);
  }
  EXPECT_TRUE(it->status().ok());

  // Short scans without an iterator: from a target (empty: the first entry), `want` entries
  // or to the block's end.
  for (int i = 0; i < 1000; i++) {
    std::string target = rnd.OneIn(2) ? RandomKey(&rnd) : keys[rnd.Uniform(keys.size())];
    if (i == 0) target.clear();
    const size_t want = 1 + rnd.Uniform(i % 10 == 0 ? 3000 : 6);
    bool ended = false;
    Status s;
    const size_t seen = ExpectShortScan(model, target, want, [&](auto visit) {
      s = block->ScanFrom(BytewiseComparator(), target, {}, visit, &ended);
    });
    ASSERT_TRUE(s.ok()) << s.ToString();
    ASSERT_FALSE(HasFailure());
    // The block ran out only when the scan still wanted more.
    ASSERT_EQ(ended, seen < want) << "scan from '" << target << "'";
  }
}

INSTANTIATE_TEST_SUITE_P(Block, BlockModelTest,
                         ::testing::Combine(::testing::Values(1, 2, 16, 100), ::testing::Bool()));

// Keys built to strain the fingerprints: a shared prefix longer than the 64 bytes they keep,
// keys that differ only past the 8 bytes of their word, one key that is the shared prefix, and
// internal keys with many versions of one user key across restarts. Every search of the
// fingerprinted block answers as the plain one does, from fresh and from positioned iterators.
TEST(BlockTest, FingerprintsChangeNoSearch) {
  Random rnd(23);
  for (const bool internal : {false, true}) {
    for (const size_t shared : {size_t{0}, size_t{5}, size_t{70}}) {
      for (int restart : {1, 2, 4, 16}) {
        const std::string prefix(shared, 'k');
        std::vector<std::string> user_keys = {prefix};
        for (int i = 0; i < 300; i++) {
          std::string k = prefix;
          const int len = static_cast<int>(rnd.Uniform(14));
          for (int j = 0; j < len; j++)
            k.push_back(static_cast<char>(j < 9 && rnd.OneIn(2) ? 'x' : 'a' + rnd.Uniform(3)));
          user_keys.push_back(k);
        }
        std::sort(user_keys.begin(), user_keys.end());
        user_keys.erase(std::unique(user_keys.begin(), user_keys.end()), user_keys.end());
        std::vector<std::string> keys;
        for (const std::string& u : user_keys) {
          if (!internal) {
            keys.push_back(u);
            continue;
          }
          const int versions = rnd.OneIn(10) ? 12 : 1;  // a run of one user key spans restarts
          for (int v = versions; v > 0; v--) {
            keys.emplace_back();
            AppendInternalKey(&keys.back(), u, 100 + v, kTypeValue);
          }
        }
        BlockBuilder builder(restart);
        for (const std::string& k : keys) builder.Add(k, "v" + std::to_string(keys.size()));
        const std::string bytes = builder.Finish().ToString();
        std::unique_ptr<Block> plain = BlockFromBytes(bytes);
        std::unique_ptr<Block> fast = BlockFromBytes(bytes);
        std::vector<uint64_t> storage;
        const auto order = internal ? Block::KeyOrder::kInternal : Block::KeyOrder::kBytewise;
        ASSERT_TRUE(AddFingerprints(fast.get(), order, &storage));

        InternalKeyComparator icmp(BytewiseComparator());
        const Comparator* cmp =
            internal ? static_cast<const Comparator*>(&icmp) : BytewiseComparator();
        std::unique_ptr<Iterator> walking(fast->NewIterator(cmp));
        // Also targets below and above the shared prefix whose own bytes after it are high and
        // low: only the prefix test says where they lie.
        std::vector<std::string> targets = {"",
                                            "\xff\xff",
                                            prefix.substr(0, shared / 2),
                                            prefix + "\xff",
                                            std::string(shared, 'j') + std::string(12, '\xff'),
                                            std::string(shared, 'l')};
        for (const std::string& u : user_keys) {
          targets.push_back(u);
          targets.push_back(u + '\0');
          if (!u.empty()) targets.push_back(u.substr(0, u.size() - 1));
        }
        for (std::string& t : targets) {
          if (internal) {
            const std::string user = t;
            t.clear();
            AppendInternalKey(&t, user, 100 + rnd.Uniform(14), kTypeValue);
          }
        }
        for (const std::string& k : keys) targets.push_back(k);
        for (const std::string& target : targets) {
          std::unique_ptr<Iterator> expect(plain->NewIterator(cmp));
          expect->Seek(target);
          std::unique_ptr<Iterator> got(fast->NewIterator(cmp));
          got->Seek(target);
          walking->Seek(target);
          bool found = false;
          std::string once;
          ASSERT_TRUE(fast->SeekOnce(internal ? nullptr : cmp, target, &found, BlockIterOptions{},
                                     [&](const Slice& k, const Slice&) { once = k.ToString(); })
                          .ok());
          ASSERT_EQ(got->Valid(), expect->Valid());
          ASSERT_EQ(walking->Valid(), expect->Valid());
          ASSERT_EQ(found, expect->Valid());
          if (expect->Valid()) {
            ASSERT_EQ(got->key().ToString(), expect->key().ToString());
            ASSERT_EQ(walking->key().ToString(), expect->key().ToString());
            ASSERT_EQ(once, expect->key().ToString());
          }
          if (!walking->Valid()) walking->SeekToFirst();
        }
      }
    }
  }
}

TEST(BlockTest, MalformedRestartKeysGetNoFingerprints) {
  BlockBuilder builder(1);
  for (const char* k : {"a1", "a2", "a3", "a4"}) builder.Add(k, "value");
  const std::string good = builder.Finish().ToString();
  // Entry 0 is at offset 0, entry 3 (the last restart) at 3 * 10: shared, non_shared, value
  // length, 2 key bytes and 5 value bytes each. A restart entry must not share bytes.
  for (const size_t entry : {size_t{1}, size_t{3}}) {
    std::string bytes = good;
    bytes[entry * 10] = 1;
    std::unique_ptr<Block> block = BlockFromBytes(bytes);
    ASSERT_TRUE(block->ok());
    std::vector<uint64_t> storage;
    EXPECT_FALSE(AddFingerprints(block.get(), Block::KeyOrder::kBytewise, &storage));
    bool found = false;
    const std::string target = "a" + std::to_string(entry + 1);  // its search decodes the entry
    Status s = block->SeekOnce(BytewiseComparator(), target, &found, BlockIterOptions{},
                               [](const Slice&, const Slice&) {});
    EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  }
  // Internal keys shorter than their 8-byte trailer.
  std::unique_ptr<Block> block = BlockFromBytes(good);
  std::vector<uint64_t> storage;
  EXPECT_FALSE(AddFingerprints(block.get(), Block::KeyOrder::kInternal, &storage));
}

TEST(BlockTest, CleanupRunsOnDestroy) {
  std::unique_ptr<Block> block = BuildBlock({{"a", "1"}}, 16);
  int calls = 0;
  BlockIterOptions options;
  options.cleanup = [](void* arg, void*) { ++*static_cast<int*>(arg); };
  options.cleanup_arg1 = &calls;
  delete block->NewIterator(BytewiseComparator(), options);
  EXPECT_EQ(calls, 1);
}

TEST(BlockTest, MalformedRestartArray) {
  const std::string file = "t.sst";
  for (const std::string& bytes :
       {std::string(), std::string("\x01\x02", 2), std::string("\xff\xff\xff\x7f", 4),
        std::string("\x05\x00\x00\x00\x01\x00\x00\x00", 8)}) {
    std::unique_ptr<Block> block = BlockFromBytes(bytes);
    EXPECT_FALSE(block->ok());
    BlockIterOptions options;
    options.file_name = &file;
    options.block_offset = 77;
    std::unique_ptr<Iterator> it(block->NewIterator(BytewiseComparator(), options));
    it->SeekToFirst();
    EXPECT_FALSE(it->Valid());
    EXPECT_TRUE(it->status().IsCorruption());
    EXPECT_NE(it->status().message().find("t.sst"), std::string::npos);
    EXPECT_NE(it->status().message().find("77"), std::string::npos);
  }
}

TEST(BlockTest, EntryLengthPastEndIsCorruption) {
  // One entry claiming a 100-byte value in a block that has 3.
  std::string bytes;
  bytes.push_back(0);    // shared
  bytes.push_back(1);    // non_shared
  bytes.push_back(100);  // value length
  bytes += "kvvv";
  PutFixed32(&bytes, 0);
  PutFixed32(&bytes, 1);
  std::unique_ptr<Block> block = BlockFromBytes(bytes);
  ASSERT_TRUE(block->ok());
  std::unique_ptr<Iterator> it(block->NewIterator(BytewiseComparator()));
  it->SeekToFirst();
  EXPECT_FALSE(it->Valid());
  EXPECT_TRUE(it->status().IsCorruption());
  it->Seek("k");
  EXPECT_FALSE(it->Valid());
  it->SeekToLast();
  EXPECT_FALSE(it->Valid());
}

// SeekOnce (the point lookup's path) finds what an iterator's Seek finds.
void ExpectSeekOnceLikeSeek(const Block& block, const std::string& target) {
  std::unique_ptr<Iterator> it(block.NewIterator(BytewiseComparator()));
  it->Seek(target);
  bool found = false;
  std::string key, value;
  Status s = block.SeekOnce(BytewiseComparator(), target, &found, BlockIterOptions{},
                            [&](const Slice& k, const Slice& v) {
                              key = k.ToString();
                              value = v.ToString();
                            });
  EXPECT_EQ(s.ok(), it->status().ok()) << target;
  EXPECT_EQ(found, it->Valid()) << target;
  if (found && it->Valid()) {
    EXPECT_EQ(key, it->key().ToString());
    EXPECT_EQ(value, it->value().ToString());
  }
}

TEST(BlockTest, SeekOnceMatchesIteratorSeek) {
  Random rnd(5);
  for (int restart : {1, 3, 16}) {
    std::map<std::string, std::string> model;
    for (int i = 0; i < 300; i++) {
      std::string k = RandomKey(&rnd);
      // Some keys longer than SeekOnce's 128 inline bytes, sharing long prefixes.
      if (rnd.OneIn(5)) k = std::string(100 + rnd.Uniform(200), 'p') + k;
      model[k] = std::string(rnd.Uniform(20), 'v');
    }
    std::unique_ptr<Block> block = BuildBlock(model, restart);
    for (const auto& [k, v] : model) {
      ExpectSeekOnceLikeSeek(*block, k);
      ExpectSeekOnceLikeSeek(*block, k + '\0');
    }
    for (int i = 0; i < 300; i++) ExpectSeekOnceLikeSeek(*block, RandomKey(&rnd));
    ExpectSeekOnceLikeSeek(*block, "");
    ExpectSeekOnceLikeSeek(*block, "\xff\xff");
  }
}

TEST(BlockTest, CompareBytewiseMatchesSliceCompare) {
  Random rnd(9);
  auto sign = [](int r) { return r < 0 ? -1 : (r > 0 ? 1 : 0); };
  for (int i = 0; i < 20000; i++) {
    // Short alphabets and shared prefixes so that equal words, ties and every length occur.
    auto make = [&rnd](const std::string& base) {
      std::string k = base.substr(0, rnd.Uniform(static_cast<uint32_t>(base.size()) + 1));
      const int extra = static_cast<int>(rnd.Uniform(40));
      for (int j = 0; j < extra; j++)
        k.push_back(static_cast<char>(rnd.OneIn(2) ? 0xff : rnd.Uniform(3)));
      return k;
    };
    const std::string base = make("");
    const std::string a = make(base), b = make(base);
    EXPECT_EQ(sign(CompareBytewise(a, b)), sign(Slice(a).compare(b)));
    EXPECT_EQ(CompareBytewise(a, a), 0);
  }
}

TEST(BlockTest, SeekOnceInlineInternalKeyOrder) {
  // Internal keys: user key then 8 bytes of sequence and type, newest first for one user key.
  InternalKeyComparator icmp(BytewiseComparator());
  Random rnd(11);
  std::vector<std::string> keys;
  for (int i = 0; i < 400; i++) {
    std::string k;
    AppendInternalKey(&k, RandomKey(&rnd), rnd.Uniform(1000), kTypeValue);
    keys.push_back(k);
  }
  std::sort(keys.begin(), keys.end(),
            [&](const std::string& a, const std::string& b) { return icmp.Compare(a, b) < 0; });
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  BlockBuilder builder(16);
  for (const std::string& k : keys) builder.Add(k, "v" + k.substr(0, 3));
  const std::string bytes = builder.Finish().ToString();
  std::unique_ptr<Block> block = BlockFromBytes(bytes);
  for (int i = 0; i < 600; i++) {
    std::string target;
    AppendInternalKey(&target, RandomKey(&rnd), rnd.Uniform(1000), kTypeValue);
    if (rnd.OneIn(3)) target = keys[rnd.Uniform(static_cast<uint32_t>(keys.size()))];
    std::unique_ptr<Iterator> it(block->NewIterator(&icmp));
    it->Seek(target);
    bool found = false;
    std::string key;
    ASSERT_TRUE(block
                    ->SeekOnce(nullptr, target, &found, BlockIterOptions{},
                               [&](const Slice& k, const Slice&) { key = k.ToString(); })
                    .ok());
    ASSERT_EQ(found, it->Valid());
    if (found) {
      EXPECT_EQ(key, it->key().ToString());
    }
  }
}

TEST(BlockTest, SeekOnceReportsCorruptionWithPlace) {
  const std::string file = "t.sst";
  BlockIterOptions options;
  options.file_name = &file;
  options.block_offset = 77;
  bool found = true;
  auto ignore = [](const Slice&, const Slice&) { ADD_FAILURE() << "no entry expected"; };
  std::unique_ptr<Block> malformed = BlockFromBytes(std::string("\x01\x02", 2));
  Status s = malformed->SeekOnce(BytewiseComparator(), "k", &found, options, ignore);
  EXPECT_TRUE(s.IsCorruption());
  EXPECT_FALSE(found);
  EXPECT_NE(s.message().find("t.sst"), std::string::npos);
  EXPECT_NE(s.message().find("77"), std::string::npos);

  std::string bytes;  // one entry whose value runs past the end
  bytes.push_back(0);
  bytes.push_back(1);
  bytes.push_back(100);
  bytes += "kvvv";
  PutFixed32(&bytes, 0);
  PutFixed32(&bytes, 1);
  std::unique_ptr<Block> block = BlockFromBytes(bytes);
  s = block->SeekOnce(BytewiseComparator(), "k", &found, options, ignore);
  EXPECT_TRUE(s.IsCorruption());
  EXPECT_NE(s.message().find("malformed entry"), std::string::npos);
}

TEST(BlockTest, RandomMutationsNeverCrash) {
  Random rnd(17);
  std::map<std::string, std::string> model;
  for (int i = 0; i < 200; i++) model[RandomKey(&rnd)] = std::string(rnd.Uniform(10), 'v');
  BlockBuilder builder(4);
  for (const auto& [k, v] : model) builder.Add(k, v);
  const std::string good = builder.Finish().ToString();
  for (int trial = 0; trial < 2000; trial++) {
    std::string bytes = good;
    const int flips = 1 + static_cast<int>(rnd.Uniform(4));
    for (int f = 0; f < flips; f++)
      bytes[rnd.Uniform(bytes.size())] = static_cast<char>(rnd.Next());
    if (rnd.OneIn(4)) bytes.resize(rnd.Uniform(bytes.size()));
    std::unique_ptr<Block> block = BlockFromBytes(bytes);
    std::unique_ptr<Iterator> it(block->NewIterator(BytewiseComparator()));
    int n = 0;
    for (it->SeekToFirst(); it->Valid() && n < 10000; it->Next()) n++;
    n = 0;
    for (it->SeekToLast(); it->Valid() && n < 10000; it->Prev()) n++;
    const std::string target = RandomKey(&rnd);
    it->Seek(target);
    if (it->Valid()) it->Prev();
    bool found = false;
    (void)block->SeekOnce(BytewiseComparator(), target, &found, BlockIterOptions{},
                          [](const Slice&, const Slice&) {});
  }
}

}  // namespace
}  // namespace strata::lsm
