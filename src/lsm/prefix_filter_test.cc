// Prefix filters (kv::Options::prefix_extractor): tables and memtables hold keys' prefixes in
// their bloom filters, scans bounded within one prefix skip what the filters rule out, and
// nothing is ever missed, also when a database is reopened under another extractor or none.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <thread>

#include "base/random.h"
#include "env/env.h"
#include "lsm/db.h"
#include "lsm/db_impl.h"
#include "lsm/prefix_test_util.h"
#include "lsm/table.h"
#include "lsm/table_builder.h"

namespace strata::lsm {
namespace {

class PrefixTableTest : public testing::Test {
 protected:
  // Writes a table holding groups 0, 2, 4, ... (10 keys each) and "whole-1", "whole-2".
  void Build(const kv::PrefixExtractor* writer) {
    TableOptions options;
    options.comparator = BytewiseComparator();
    options.filter_user_keys = false;
    options.prefix_extractor = writer;
    std::unique_ptr<WritableFile> file;
    ASSERT_TRUE(env_->NewWritableFile("/t.sst", &file).ok());
    TableBuilder builder(options, file.get());
    for (int g = 0; g < 200; g += 2) {
      for (int i = 0; i < 10; i++) builder.Add(GroupKey(g, i), "v");
    }
    builder.Add("whole-1", "v");
    builder.Add("whole-2", "v");
    ASSERT_TRUE(builder.Finish().ok());
    ASSERT_TRUE(file->Close().ok());
  }
  std::unique_ptr<Table> Open(const kv::PrefixExtractor* reader) {
    TableOptions options;
    options.comparator = BytewiseComparator();
    options.filter_user_keys = false;
    options.prefix_extractor = reader;
    std::unique_ptr<RandomAccessFile> file;
    uint64_t size = 0;
    EXPECT_TRUE(env_->GetFileSize("/t.sst", &size).ok());
    EXPECT_TRUE(env_->NewRandomAccessFile("/t.sst", &file).ok());
    std::unique_ptr<Table> table;
    Status s = Table::Open(options, std::move(file), size, "/t.sst", &table);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return table;
  }
  // How many of the 100 absent groups the filter rules out.
  static int AbsentGroupsRuledOut(const Table& table) {
    int out = 0;
    for (int g = 1; g < 200; g += 2) out += !table.PrefixMayMatch(GroupPrefix(g));
    return out;
  }

  std::unique_ptr<Env> env_ = NewMemEnv();
  BarPrefix bar_;
};

TEST_F(PrefixTableTest, FilterHoldsPrefixesAndWholeKeysOutsideTheDomain) {
  Build(&bar_);
  auto table = Open(&bar_);
  EXPECT_EQ(table->properties().filter_prefix, "test.bar-prefix");
  for (int g = 0; g < 200; g += 2) {
    EXPECT_TRUE(table->PrefixMayMatch(GroupPrefix(g)));
    EXPECT_TRUE(table->KeyMayMatch(GroupKey(g, 3)));
    EXPECT_TRUE(table->KeyMayMatch(GroupKey(g, 999)));  // a point read probes its prefix
  }
  EXPECT_GT(AbsentGroupsRuledOut(*table), 90);
  EXPECT_TRUE(table->KeyMayMatch("whole-1"));
  EXPECT_TRUE(table->KeyMayMatch("whole-2"));
  int absent_whole_keys = 0;
  for (int i = 3; i < 103; i++)
    absent_whole_keys += !table->KeyMayMatch("whole-" + std::to_string(i));
  EXPECT_GT(absent_whole_keys, 90);
}

TEST_F(PrefixTableTest, AnotherExtractorOrNoneNeverTrustsThePrefixFilter) {
  Build(&bar_);
  BarPrefix renamed("test.other-name");
  for (const kv::PrefixExtractor* reader : {static_cast<const kv::PrefixExtractor*>(&renamed),
                                            static_cast<const kv::PrefixExtractor*>(nullptr)}) {
    auto table = Open(reader);
    EXPECT_EQ(AbsentGroupsRuledOut(*table), 0);
    // The filter holds prefixes, so whole-key probes could miss: every key may match.
    EXPECT_TRUE(table->KeyMayMatch(GroupKey(2, 5)));
    EXPECT_TRUE(table->KeyMayMatch("whole-77"));
  }
}

TEST_F(PrefixTableTest, WholeKeyTableUnderAnExtractorStillFiltersPointReads) {
  Build(nullptr);
  auto table = Open(&bar_);
  EXPECT_EQ(table->properties().filter_prefix, "");
  EXPECT_EQ(AbsentGroupsRuledOut(*table), 0);  // it holds no prefixes
  EXPECT_TRUE(table->KeyMayMatch(GroupKey(4, 7)));
  int absent = 0;
  for (int i = 10; i < 110; i++) absent += !table->KeyMayMatch(GroupKey(4, i));
  EXPECT_GT(absent, 90);
}

// A randomized model test: puts and deletes in many groups, flushes and compactions between
// them, scans bounded to one group (prefix filtered) or to a few (not), and reopens under the
// same extractor, another one and none. Every scan must equal the model's.
class PrefixDBTest : public PrefixDBFixture {
 protected:
  void ExpectScan(const std::string& lower, const std::string& upper, bool reverse) {
    kv::ReadOptions ro;
    ro.lower_bound = lower;
    ro.upper_bound = upper;
    auto it = db_->NewIterator(ro);
    std::vector<std::pair<std::string, std::string>> got, want;
    if (reverse) {
      for (it->SeekToLast(); it->Valid(); it->Prev())
        got.emplace_back(it->key().ToString(), it->value().ToString());
      for (auto m = model_.lower_bound(upper); m != model_.begin();) {
        --m;
        if (m->first < lower) break;
        want.emplace_back(m->first, m->second);
      }
    } else {
      for (it->SeekToFirst(); it->Valid(); it->Next())
        got.emplace_back(it->key().ToString(), it->value().ToString());
      for (auto m = model_.lower_bound(lower); m != model_.end() && m->first < upper; ++m) {
        want.emplace_back(m->first, m->second);
      }
    }
    ASSERT_TRUE(it->status().ok()) << it->status().ToString();
    ASSERT_EQ(got, want) << "[" << lower << ", " << upper << ")";
  }

  std::map<std::string, std::string> model_;
};

TEST_F(PrefixDBTest, BoundedScansMatchTheModelUnderEveryExtractor) {
  Random rnd(1121);
  const std::shared_ptr<const kv::PrefixExtractor> extractors[] = {
      options_.prefix_extractor, std::make_shared<BarPrefix>("test.renamed"), nullptr};
  for (int round = 0; round < 6; round++) {
    for (int op = 0; op < 3000; op++) {
      const int group = static_cast<int>(rnd.Uniform(60)) * 2;  // odd groups stay empty
      const std::string key = GroupKey(group, static_cast<int>(rnd.Uniform(50)));
      if (rnd.OneIn(5)) {
        ASSERT_TRUE(db_->Delete(key).ok());
        model_.erase(key);
      } else {
        const std::string value = std::to_string(round) + ":" + std::to_string(op);
        ASSERT_TRUE(db_->Put(key, value).ok());
        model_[key] = value;
      }
    }
    for (int group = 0; group < 121; group++) {
      const std::string p = GroupPrefix(group);
      std::string limit = p;
      limit.back() = '}';
      ExpectScan(p, limit, group % 2 == 1);
      ExpectScan(GroupKey(group, 10), GroupKey(group, 30), group % 3 == 0);
      if (HasFatalFailure()) return;
    }
    ExpectScan(GroupPrefix(10), GroupPrefix(20), false);  // many prefixes: no filter
    if (round == 2) {
      ASSERT_TRUE(db_->CompactRange(nullptr, nullptr).ok());
    }
    options_.prefix_extractor = extractors[round % 3];
    Reopen();
  }
}

// Block lookups made by scans of 19 absent groups: with the extractor the filters answer
// (a false positive may cost a lookup), without it every scan seeks the table.
TEST_F(PrefixDBTest, ScanWithinAnAbsentPrefixLeavesTheTableOut) {
  for (int g = 0; g < 40; g += 2) {
    for (int i = 0; i < 20; i++) ASSERT_TRUE(db_->Put(GroupKey(g, i), "v").ok());
  }
  ASSERT_TRUE(db_->CompactRange(nullptr, nullptr).ok());
  for (int i = 0; i < 5; i++) ASSERT_TRUE(db_->Put(GroupKey(100, i), "v").ok());
  auto lookups = [&]() {
    const kv::Stats st = db_->GetStats();
    return st.block_cache_hits + st.block_cache_misses;
  };
  auto scan_absent_groups = [&]() {
    const uint64_t before = lookups();
    for (int g = 1; g < 38; g += 2) {  // all inside the table's key range
      kv::ReadOptions ro;
      ro.lower_bound = GroupPrefix(g);
      ro.upper_bound = GroupPrefix(g);
      ro.upper_bound->back() = '}';
      auto it = db_->NewIterator(ro);
      it->SeekToFirst();
      EXPECT_FALSE(it->Valid());
      EXPECT_TRUE(it->status().ok());
    }
    return lookups() - before;
  };
  EXPECT_LE(scan_absent_groups(), 3u);
  options_.prefix_extractor = nullptr;
  Reopen();
  EXPECT_GE(scan_absent_groups(), 19u);
}

// A writer and prefix scans at once (iterators and Scan), across memtable switches and flushes:
// a scan sees every write acknowledged before it began (memtable filter bits are published with
// the sequence).
TEST_F(PrefixDBTest, ConcurrentScansSeeEveryAcknowledgedWrite) {
  constexpr int kWrites = 4000;
  std::atomic<int> acked{-1};
  std::atomic<int> checks{0};
  std::thread writer([&] {
    for (int i = 0; i < kWrites; i++) {
      // Every 200 writes, wait for a scan: on a busy machine the writer could otherwise finish
      // before the scans begin.
      while (i % 200 == 0 && checks.load() < i / 200) std::this_thread::yield();
      EXPECT_TRUE(db_->Put(GroupKey(i % 50, i), "v").ok());
      acked.store(i, std::memory_order_release);
    }
  });
  for (int last = acked.load(std::memory_order_acquire); last < kWrites - 1;
       last = acked.load(std::memory_order_acquire)) {
    if (last < 0) continue;
    kv::ReadOptions ro;
    ro.lower_bound = GroupPrefix(last % 50);
    ro.upper_bound = GroupPrefix(last % 50);
    ro.upper_bound->back() = '}';
    auto it = db_->NewIterator(ro);
    it->Seek(GroupKey(last % 50, last));
    ASSERT_TRUE(it->Valid()) << "write " << last << " acknowledged but not seen";
    ASSERT_EQ(it->key().ToString(), GroupKey(last % 50, last));
    // The same through Scan, read in place when one source holds the group.
    std::string first;
    const Slice upper(*ro.upper_bound);
    ASSERT_TRUE(db_->Scan(kv::ReadOptions(), GroupKey(last % 50, last), &upper,
                          [&](const Slice& k, const Slice&) {
                            first = k.ToString();
                            return false;
                          })
                    .ok());
    ASSERT_EQ(first, GroupKey(last % 50, last)) << "write " << last << " not seen by Scan";
    ++checks;
  }
  writer.join();
  EXPECT_GE(checks.load(), kWrites / 200 - 1);
}

}  // namespace
}  // namespace strata::lsm
