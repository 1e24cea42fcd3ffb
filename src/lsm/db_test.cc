// Engine-level tests of Strata's LSM: flushes, compactions, recovery, snapshots across them.
// Behaviour shared with other backends is in tests/conformance.
#include "lsm/db.h"

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <thread>

#include "base/random.h"
#include "env/env.h"
#include "lsm/db_impl.h"
#include "lsm/scan_test_util.h"

namespace strata::lsm {
namespace {

class DBTest : public testing::Test {
 protected:
  void SetUp() override {
    env_ = NewMemEnv();
    options_.env = env_.get();
    options_.create_if_missing = true;
    options_.write_buffer_size = 64 << 10;  // small: many flushes
    options_.target_file_size = 64 << 10;
    options_.max_bytes_for_level_base = 256 << 10;
    options_.block_cache_size = 1 << 20;
    Reopen();
  }
  void Reopen() {
    db_.reset();
    auto r = OpenDB(dir_, options_);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    db_ = std::move(r.value());
  }
  DBImpl* impl() { return static_cast<DBImpl*>(db_.get()); }
  std::string Get(const std::string& k, std::shared_ptr<const kv::Snapshot> snap = nullptr) {
    kv::ReadOptions ro;
    ro.snapshot = snap;
    std::string v;
    Status s = db_->Get(ro, k, &v);
    return Outcome(s, v);
  }
  // A read's answer as one string: the value, "NOT_FOUND", or the error.
  static std::string Outcome(const Status& s, const std::string& value) {
    if (s.IsNotFound()) return "NOT_FOUND";
    if (!s.ok()) return s.ToString();
    return value;
  }
  static std::string Key(int i) {
    char buf[32];
    snprintf(buf, sizeof(buf), "key%08d", i);
    return buf;
  }

  using Model = std::map<std::string, std::string>;
  // Writes to a random key in [0, key_space), in the engine and in the model: a delete one time
  // in five, else a put of make_value().
  template <typename MakeValue>
  void RandomWrite(Random* rnd, int key_space, Model* model, MakeValue&& make_value) {
    const std::string key = Key(static_cast<int>(rnd->Uniform(key_space)));
    if (rnd->OneIn(5)) {
      ASSERT_TRUE(db_->Delete(key).ok());
      model->erase(key);
    } else {
      const std::string value = make_value();
      ASSERT_TRUE(db_->Put(key, value).ok());
      (*model)[key] = value;
    }
  }
  // Every key in [0, key_space) reads as the model says.
  void ExpectGetsMatch(const Model& model, int key_space) {
    for (int i = 0; i < key_space; i++) {
      auto it = model.find(Key(i));
      EXPECT_EQ(Get(Key(i)), it == model.end() ? "NOT_FOUND" : it->second) << Key(i);
    }
  }
  // A forward scan yields exactly the model.
  void ExpectScanMatches(const Model& model) {
    std::unique_ptr<Iterator> iter = db_->NewIterator(kv::ReadOptions());
    ASSERT_NO_FATAL_FAILURE(ExpectForwardScan(iter.get(), model));
    ASSERT_TRUE(iter->status().ok());
  }

  std::unique_ptr<Env> env_;
  kv::Options options_;
  std::string dir_ = "/db";
  std::unique_ptr<kv::Engine> db_;
};

TEST_F(DBTest, PutGetDeleteAcrossFlushAndReopen) {
  ASSERT_TRUE(db_->Put("a", "1").ok());
  ASSERT_TRUE(db_->Put("b", "2").ok());
  ASSERT_TRUE(db_->Delete("a").ok());
  EXPECT_EQ(Get("a"), "NOT_FOUND");
  EXPECT_EQ(Get("b"), "2");
  ASSERT_TRUE(db_->Flush().ok());
  EXPECT_EQ(Get("b"), "2");
  Reopen();
  EXPECT_EQ(Get("a"), "NOT_FOUND");
  EXPECT_EQ(Get("b"), "2");
  ASSERT_TRUE(db_->Put("c", "3").ok());
  Reopen();  // recovered from the WAL
  EXPECT_EQ(Get("c"), "3");
}

TEST_F(DBTest, ManyWritesFlushAndCompactAgainstModel) {
  Model model;
  Random rnd(301);
  for (int i = 0; i < 20000; i++) {
    ASSERT_NO_FATAL_FAILURE(RandomWrite(&rnd, 5000, &model, [&] {
      return "v" + std::to_string(i) + std::string(rnd.Uniform(100), 'x');
    }));
  }
  ASSERT_TRUE(impl()->WaitForBackgroundWork().ok());
  int files = 0;
  for (int l = 0; l < 7; l++) files += impl()->NumFilesAtLevel(l);
  EXPECT_GT(files, 1);
  ExpectGetsMatch(model, 5000);
  // Full scans both ways.
  ASSERT_NO_FATAL_FAILURE(ExpectScanMatches(model));
  auto iter = db_->NewIterator(kv::ReadOptions());
  auto rm = model.rbegin();
  for (iter->SeekToLast(); iter->Valid(); iter->Prev(), ++rm) {
    ASSERT_NE(rm, model.rend());
    ASSERT_EQ(iter->key().ToString(), rm->first);
  }
  EXPECT_EQ(rm, model.rend());
  iter.reset();

  ASSERT_TRUE(db_->CompactRange(nullptr, nullptr).ok());
  Reopen();
  ExpectGetsMatch(model, 5000);
}

// MultiGet over keys spread across the memtable, level 0 and deeper levels, with overwrites and
// deletes in newer layers, at a snapshot and at the latest state: each answer is Get's.
TEST_F(DBTest, MultiGetAgreesWithGetAcrossLevels) {
  options_.max_bytes_for_level_base = 64 << 10;  // three levels in use
  Reopen();
  Random rnd(77);
  std::map<std::string, std::string> model, at_snapshot;
  std::shared_ptr<const kv::Snapshot> snap;
  for (int i = 0; i < 30000; i++) {
    if (i == 20000) {
      snap = db_->GetSnapshot();
      at_snapshot = model;
    }
    std::string k = Key(static_cast<int>(rnd.Uniform(6000)));
    if (rnd.OneIn(6)) {
      ASSERT_TRUE(db_->Delete(k).ok());
      model.erase(k);
    } else {
      std::string v = "v" + std::to_string(i) + std::string(rnd.Uniform(120), 'x');
      ASSERT_TRUE(db_->Put(k, v).ok());
      model[k] = v;
    }
  }
  ASSERT_TRUE(impl()->WaitForBackgroundWork().ok());
  ASSERT_TRUE(db_->Put(Key(1), "in the memtable").ok());
  model[Key(1)] = "in the memtable";
  EXPECT_GT(impl()->NumFilesAtLevel(2), 0);

  auto check = [&](const std::map<std::string, std::string>& want,
                   std::shared_ptr<const kv::Snapshot> at) {
    kv::ReadOptions ro;
    ro.snapshot = at;
    for (int round = 0; round < 40; round++) {
      const size_t n = 1 + rnd.Uniform(round % 2 == 0 ? 8 : 200);
      std::vector<std::string> keys;
      for (size_t j = 0; j < n; j++) keys.push_back(Key(static_cast<int>(rnd.Uniform(6100))));
      std::vector<Slice> slices(keys.begin(), keys.end());
      std::vector<std::string> values(n);
      std::vector<Status> statuses(n);
      db_->MultiGet(ro, slices, values, statuses);
      for (size_t j = 0; j < n; j++) {
        auto it = want.find(keys[j]);
        if (it == want.end()) {
          EXPECT_TRUE(statuses[j].IsNotFound()) << keys[j] << ": " << statuses[j].ToString();
        } else {
          ASSERT_TRUE(statuses[j].ok()) << keys[j] << ": " << statuses[j].ToString();
          EXPECT_EQ(values[j], it->second) << keys[j];
        }
      }
    }
  };
  check(model, nullptr);
  check(at_snapshot, snap);
  snap.reset();
  ASSERT_TRUE(db_->CompactRange(nullptr, nullptr).ok());
  check(model, nullptr);
}

TEST_F(DBTest, SnapshotSurvivesCompaction) {
  for (int i = 0; i < 2000; i++) ASSERT_TRUE(db_->Put(Key(i), "old" + std::to_string(i)).ok());
  auto snap = db_->GetSnapshot();
  for (int i = 0; i < 2000; i++) {
    if (i % 2) {
      ASSERT_TRUE(db_->Delete(Key(i)).ok());
    } else {
      ASSERT_TRUE(db_->Put(Key(i), "new" + std::to_string(i)).ok());
    }
  }
  ASSERT_TRUE(db_->CompactRange(nullptr, nullptr).ok());
  for (int i = 0; i < 2000; i += 7) {
    EXPECT_EQ(Get(Key(i), snap), "old" + std::to_string(i));
    EXPECT_EQ(Get(Key(i)), i % 2 ? "NOT_FOUND" : "new" + std::to_string(i));
  }
  snap.reset();
  ASSERT_TRUE(db_->CompactRange(nullptr, nullptr).ok());
  EXPECT_EQ(Get(Key(1)), "NOT_FOUND");
  EXPECT_EQ(Get(Key(2)), "new2");
}

// A write buffer of several memtables: a full memtable gives way to a new one without a flush,
// and the full buffer becomes one level-0 table in which the newest write of each key wins.
TEST_F(DBTest, WriteBufferOfFourMemtablesFlushesAsOneTable) {
  options_.write_buffer_size = 256 << 10;
  options_.memtables_per_flush = 4;
  options_.l0_compaction_trigger = 100;  // no compaction: each table is one flush
  options_.l0_slowdown_trigger = 100;
  options_.l0_stop_trigger = 100;
  Reopen();
  auto immutables = [&] {
    return std::stoi(db_->GetProperty("strata.num-immutable-memtables").value_or("-1"));
  };
  auto tables = [&] {
    int n = 0;
    for (int level = 0; level < kNumLevels; level++) n += impl()->NumFilesAtLevel(level);
    return n;
  };
  Model model;
  Random rnd(17);
  auto write_one = [&](int i) {
    RandomWrite(&rnd, 1500, &model, [i] { return std::to_string(i) + std::string(80, 'v'); });
  };
  auto check_model = [&] {
    ExpectGetsMatch(model, 1500);
    ExpectScanMatches(model);
  };

  // Three memtables fill, each giving way to the next; nothing reaches a table.
  int i = 0;
  while (immutables() < 3) {
    ASSERT_NO_FATAL_FAILURE(write_one(i++));
    ASSERT_LT(i, 100000);
  }
  EXPECT_EQ(tables(), 0);
  ASSERT_NO_FATAL_FAILURE(check_model());

  // The fourth fills the buffer: all four are flushed into one table.
  while (immutables() == 3) ASSERT_NO_FATAL_FAILURE(write_one(i++));
  ASSERT_TRUE(impl()->WaitForBackgroundWork().ok());
  EXPECT_EQ(tables(), 1);
  EXPECT_EQ(immutables(), 0);
  ASSERT_NO_FATAL_FAILURE(check_model());

  // Half of the next buffer survives a reopen through its WAL, and Flush() writes it out
  // although the buffer is not full.
  while (immutables() < 2) ASSERT_NO_FATAL_FAILURE(write_one(i++));
  Reopen();
  EXPECT_EQ(tables(), 2);  // recovery wrote the replayed half buffer
  ASSERT_NO_FATAL_FAILURE(check_model());
  while (immutables() < 1) ASSERT_NO_FATAL_FAILURE(write_one(i++));
  ASSERT_TRUE(db_->Flush().ok());
  EXPECT_EQ(tables(), 3);
  EXPECT_EQ(immutables(), 0);
  EXPECT_LT(db_->GetStats().memtable_bytes, 16u << 10);  // a fresh, empty memtable
  ASSERT_NO_FATAL_FAILURE(check_model());
}

// When writes pause, the engine flushes the memtable and merges L0 into L1 on its own, so reads
// probe as few sorted runs as possible.
TEST_F(DBTest, IdleMaintenanceFlushesAndMergesLevel0) {
  for (int i = 0; i < 3000; i++)
    ASSERT_TRUE(db_->Put(Key(i * 7 % 3000), std::string(100, 'a')).ok());
  ASSERT_TRUE(db_->Flush().ok());
  for (int i = 0; i < 500; i++) ASSERT_TRUE(db_->Put(Key(i * 3), "fresh").ok());
  // Done when the memtable holding the fresh writes was flushed (a new one is a fraction of its
  // size) and L0 is empty. L0 alone is no sign: the background compactions the first writes
  // set off may empty it before the idle second has passed.
  const uint64_t fresh_bytes = db_->GetStats().memtable_bytes;
  bool idle_done = false;
  for (int wait = 0; wait < 100 && !idle_done; wait++) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    idle_done = impl()->NumFilesAtLevel(0) == 0 && db_->GetStats().memtable_bytes < fresh_bytes / 2;
  }
  EXPECT_TRUE(idle_done) << db_->GetProperty("strata.levels").value_or("");
  EXPECT_EQ(Get(Key(3)), "fresh");
  EXPECT_EQ(Get(Key(2)), std::string(100, 'a'));
  // Nothing more happens until new writes arrive.
  const uint64_t written = db_->GetStats().engine_bytes_written;
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_EQ(db_->GetStats().engine_bytes_written, written);
}

// expect_found skips the filters of the deepest level only: answers stay those of a plain Get
// (present, overwritten above, deleted above, never written), and a key that is missing after
// all costs a block lookup there instead of a filter probe.
TEST_F(DBTest, ExpectFoundSkipsOnlyTheDeepestLevelsFilters) {
  for (int i = 0; i < 4000; i += 2) ASSERT_TRUE(db_->Put(Key(i), "old" + Key(i)).ok());
  ASSERT_TRUE(db_->CompactRange(nullptr, nullptr).ok());
  for (int i = 0; i < 4000; i += 10) ASSERT_TRUE(db_->Put(Key(i), "new").ok());
  for (int i = 4; i < 4000; i += 10) ASSERT_TRUE(db_->Delete(Key(i)).ok());
  ASSERT_TRUE(db_->Flush().ok());
  ASSERT_GT(impl()->NumFilesAtLevel(0), 0) << "the overwrites should sit above the old data";

  kv::ReadOptions hinted;
  hinted.expect_found = true;
  std::vector<std::string> keys;
  for (int i = 0; i < 4000; i++) keys.push_back(Key(i));
  std::vector<Slice> slices(keys.begin(), keys.end());
  std::vector<std::string> values(keys.size());
  std::vector<Status> statuses(keys.size());
  db_->MultiGet(hinted, slices, values, statuses);
  for (size_t i = 0; i < keys.size(); i++) {
    std::string v;
    Status s = db_->Get(hinted, keys[i], &v);
    const std::string expected = Get(keys[i]);
    EXPECT_EQ(Outcome(s, v), expected) << keys[i];
    EXPECT_EQ(Outcome(statuses[i], values[i]), expected) << keys[i];
  }

  // Odd keys were never written: the filters rule nearly all of them out, unless skipped.
  auto block_lookups = [&](const kv::ReadOptions& ro) {
    const kv::Stats before = db_->GetStats();
    std::string v;
    for (int i = 1; i < 2000; i += 2) EXPECT_TRUE(db_->Get(ro, Key(i), &v).IsNotFound());
    const kv::Stats after = db_->GetStats();
    return (after.block_cache_hits + after.block_cache_misses) -
           (before.block_cache_hits + before.block_cache_misses);
  };
  EXPECT_LT(block_lookups(kv::ReadOptions()), 100u);
  EXPECT_GE(block_lookups(hinted), 1000u);
}

TEST_F(DBTest, StatsReportWriteAmplification) {
  for (int i = 0; i < 5000; i++) ASSERT_TRUE(db_->Put(Key(i), std::string(100, 'v')).ok());
  ASSERT_TRUE(db_->Flush().ok());
  kv::Stats st = db_->GetStats();
  EXPECT_GE(st.user_bytes_written, 5000u * 111);
  EXPECT_GT(st.engine_bytes_written, 0u);
  EXPECT_GT(st.write_amplification, 0.5);
  EXPECT_EQ(st.levels.size(), 7u);
  EXPECT_TRUE(db_->GetProperty("strata.stats").has_value());
}

TEST_F(DBTest, MissingDirectoryWithoutCreateIfMissing) {
  kv::Options o = options_;
  o.create_if_missing = false;
  auto r = OpenDB("/nowhere", o);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsInvalidArgument()) << r.status().ToString();
  EXPECT_NE(r.status().message().find("/nowhere"), std::string::npos);
}

TEST_F(DBTest, SecondOpenIsBusy) {
  auto r = OpenDB(dir_, options_);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsBusy()) << r.status().ToString();
}

}  // namespace
}  // namespace strata::lsm
