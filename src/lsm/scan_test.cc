// kv::Engine::Scan on Strata's engine. A range within one prefix that a single memtable or
// table alone may hold (every other source's filter rules the prefix out) is read there in
// place, without an iterator; any other range walks an iterator. Either way a scan yields what
// an iterator over the same bounds would: each key's newest version at or below the snapshot,
// with deleted keys left out.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "base/random.h"
#include "env/env.h"
#include "lsm/db.h"
#include "lsm/db_impl.h"
#include "lsm/prefix_test_util.h"

namespace strata::lsm {
namespace {

using Model = std::map<std::string, std::string>;
using Entries = std::vector<std::pair<std::string, std::string>>;

class DBScanTest : public PrefixDBFixture {
 protected:
  void SetUp() override {
    options_.block_size = 1024;  // a group's entries span blocks
    PrefixDBFixture::SetUp();
  }
  int NumTables() {
    int n = 0;
    for (int level = 0; level < 7; level++) {
      n += std::stoi(*db_->GetProperty("strata.num-files-at-level" + std::to_string(level)));
    }
    return n;
  }

  // Scans [lower, upper) (upper empty: unbounded) at `snapshot`, stopping after `limit`
  // entries.
  Entries Scan(const std::string& lower, const std::string& upper,
               std::shared_ptr<const kv::Snapshot> snapshot = nullptr, size_t limit = SIZE_MAX) {
    kv::ReadOptions ro;
    ro.snapshot = std::move(snapshot);
    Entries got;
    const Slice upper_slice(upper);
    Status s = db_->Scan(ro, lower, upper.empty() ? nullptr : &upper_slice,
                         [&](const Slice& k, const Slice& v) {
                           got.emplace_back(k.ToString(), v.ToString());
                           return got.size() < limit;
                         });
    EXPECT_TRUE(s.ok()) << s.ToString();
    return got;
  }
  static Entries Expected(const Model& model, const std::string& lower, const std::string& upper,
                          size_t limit = SIZE_MAX) {
    Entries want;
    for (auto m = model.lower_bound(lower);
         m != model.end() && (upper.empty() || m->first < upper) && want.size() < limit; ++m) {
      want.emplace_back(m->first, m->second);
    }
    return want;
  }
  static std::string GroupLimit(int group) {
    std::string limit = GroupPrefix(group);
    limit.back() = '}';
    return limit;
  }
};

// Three states of one group: written, then partly overwritten and deleted, then overwritten
// again, with a snapshot held on the first two. Each is read from the memtable alone, then from
// the one table that holds every version (the snapshots keep them through the flush).
TEST_F(DBScanTest, TheOnlySourceServesEachKeysNewestVersionAtTheSnapshot) {
  options_.write_buffer_size = 4 << 20;  // one memtable holds all of it
  Reopen();
  Model first, second, latest;
  for (int i = 0; i < 400; i++) {
    ASSERT_TRUE(db_->Put(GroupKey(7, i), "first" + std::to_string(i)).ok());
    first[GroupKey(7, i)] = "first" + std::to_string(i);
  }
  auto at_first = db_->GetSnapshot();
  second = first;
  for (int i = 0; i < 400; i++) {
    if (i % 3 == 0) {
      ASSERT_TRUE(db_->Delete(GroupKey(7, i)).ok());
      second.erase(GroupKey(7, i));
    } else if (i % 2 == 0) {
      ASSERT_TRUE(db_->Put(GroupKey(7, i), "second" + std::to_string(i)).ok());
      second[GroupKey(7, i)] = "second" + std::to_string(i);
    }
  }
  auto at_second = db_->GetSnapshot();
  latest = second;
  for (int i = 0; i < 400; i += 5) {
    ASSERT_TRUE(db_->Put(GroupKey(7, i), "latest" + std::to_string(i)).ok());
    latest[GroupKey(7, i)] = "latest" + std::to_string(i);
  }
  ASSERT_TRUE(db_->Put(GroupKey(6, 1), "a neighbour below").ok());
  ASSERT_TRUE(db_->Put(GroupKey(8, 1), "a neighbour above").ok());
  for (const bool flushed : {false, true}) {
    SCOPED_TRACE(flushed ? "one table" : "one memtable");
    if (flushed) {
      ASSERT_TRUE(db_->Flush().ok());
      ASSERT_EQ(NumTables(), 1);
    }
    const std::pair<std::shared_ptr<const kv::Snapshot>, const Model*> states[] = {
        {at_first, &first}, {at_second, &second}, {nullptr, &latest}};
    for (const auto& [snapshot, model] : states) {
      ASSERT_EQ(Scan(GroupPrefix(7), GroupLimit(7), snapshot),
                Expected(*model, GroupPrefix(7), GroupLimit(7)));
      ASSERT_EQ(Scan(GroupKey(7, 99), GroupKey(7, 301), snapshot),
                Expected(*model, GroupKey(7, 99), GroupKey(7, 301)));
      ASSERT_EQ(Scan(GroupKey(7, 150), GroupLimit(7), snapshot, 7),
                Expected(*model, GroupKey(7, 150), GroupLimit(7), 7));
      ASSERT_EQ(Scan(GroupKey(7, 0), GroupKey(7, 1), snapshot),
                Expected(*model, GroupKey(7, 0), GroupKey(7, 1)));
    }
    ASSERT_TRUE(Scan(GroupPrefix(9), GroupLimit(9)).empty());  // a group no one wrote
  }
}

// Ranges that give no single prefix, and an unbounded one, walk an iterator.
TEST_F(DBScanTest, RangesAcrossPrefixesWalkAnIterator) {
  Model model;
  for (int g = 0; g < 10; g++) {
    for (int i = 0; i < 30; i++) {
      ASSERT_TRUE(db_->Put(GroupKey(g, i), std::to_string(g * 100 + i)).ok());
      model[GroupKey(g, i)] = std::to_string(g * 100 + i);
    }
  }
  ASSERT_TRUE(db_->Put("whole", "no prefix").ok());
  model["whole"] = "no prefix";
  ASSERT_EQ(Scan(GroupKey(2, 5), GroupKey(5, 7)), Expected(model, GroupKey(2, 5), GroupKey(5, 7)));
  ASSERT_EQ(Scan(GroupKey(8, 5), ""), Expected(model, GroupKey(8, 5), ""));
  ASSERT_EQ(Scan("", "", nullptr, 45), Expected(model, "", "", 45));
  ASSERT_EQ(Scan("wh", "wi"), Expected(model, "wh", "wi"));
}

// A randomized model test: puts and deletes in a few groups, snapshots, flushes and
// compactions, so a group lives in one memtable, one table, or several of them; scans within a
// group (in place when one source holds it) or across groups, stopped after a few entries or
// not, at the latest state or at a snapshot, must equal the model's.
TEST_F(DBScanTest, RandomizedAgainstAModel) {
  Random rnd(2211);
  Model model;
  std::vector<std::pair<std::shared_ptr<const kv::Snapshot>, Model>> snapshots;
  for (int op = 0; op < 20000; op++) {
    const int group = static_cast<int>(rnd.Uniform(12));
    const std::string key = GroupKey(group, static_cast<int>(rnd.Uniform(group < 6 ? 8 : 300)));
    const int dice = static_cast<int>(rnd.Uniform(100));
    if (dice < 50) {
      const std::string value = std::to_string(op) + std::string(rnd.Uniform(60), 'v');
      ASSERT_TRUE(db_->Put(key, value).ok());
      model[key] = value;
    } else if (dice < 62) {
      ASSERT_TRUE(db_->Delete(key).ok());
      model.erase(key);
    } else if (dice < 64) {
      if (snapshots.size() == 4) snapshots.erase(snapshots.begin() + rnd.Uniform(4));
      snapshots.emplace_back(db_->GetSnapshot(), model);
    } else if (dice < 65) {
      ASSERT_TRUE(db_->Flush().ok());
    } else if (dice == 65 && rnd.OneIn(10)) {
      ASSERT_TRUE(db_->CompactRange(nullptr, nullptr).ok());
    } else {
      const bool at_snapshot = !snapshots.empty() && rnd.OneIn(3);
      const auto& [snapshot, seen] =
          at_snapshot ? snapshots[rnd.Uniform(snapshots.size())]
                      : std::pair<std::shared_ptr<const kv::Snapshot>, Model>(nullptr, model);
      std::string lower = GroupPrefix(group), upper = GroupLimit(group);
      if (rnd.OneIn(3)) lower = GroupKey(group, static_cast<int>(rnd.Uniform(300)));
      if (rnd.OneIn(3)) upper = GroupKey(group, static_cast<int>(rnd.Uniform(300)));
      if (rnd.OneIn(10)) upper = GroupLimit(group + 1);  // two groups: no single prefix
      const size_t limit = rnd.OneIn(2) ? SIZE_MAX : 1 + rnd.Uniform(5);
      ASSERT_EQ(Scan(lower, upper, snapshot, limit), Expected(seen, lower, upper, limit))
          << "op " << op << ": [" << lower << ", " << upper << ") limit " << limit
          << (at_snapshot ? " at a snapshot" : "");
    }
  }
}

}  // namespace
}  // namespace strata::lsm
