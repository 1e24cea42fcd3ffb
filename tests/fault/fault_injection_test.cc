// Fault tests of Strata's LSM engine over FaultInjectionEnv: simulated machine crashes (lost
// unsynced data, torn writes), failed fsync, full disk. The engine must keep every write it
// acknowledged with sync, recover a prefix of its writes, and never acknowledge a write it
// could not make durable.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <thread>

#include "env/fault_injection_env.h"
#include "fault_util.h"
#include "lsm/db.h"
#include "lsm/db_impl.h"

namespace strata::fault {
namespace {

class FaultTest : public testing::Test {
 protected:
  void SetUp() override {
    mem_ = NewMemEnv();
    env_ = std::make_unique<FaultInjectionEnv>(mem_.get(), 17);
    options_ = SmallEngineOptions(env_.get());
  }
  void TearDown() override {
    db_.reset();
    env_->ResetState();
  }

  Status TryOpen() { return ReopenEngine(dir_, options_, &db_); }
  void Open() {
    Status s = TryOpen();
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  lsm::DBImpl* impl() { return static_cast<lsm::DBImpl*>(db_.get()); }

  // A power failure: from this moment nothing reaches the disk; what was not durable is lost;
  // the dead engine is then torn down (its destructor cannot write either) and power returns.
  // `before_teardown` runs between the crash and the teardown (to stop the test's own threads).
  void Crash(const std::function<void()>& before_teardown = {}) {
    env_->SetFailWrites(true);
    env_->SetFailSync(true);
    Status s = env_->SimulateCrash();
    if (before_teardown) before_teardown();
    db_.reset();
    env_->ResetState();
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  Status Write(bool sync, int generation, Random* rnd) {
    WriteBatch batch = history_.Next(generation, rnd);
    kv::WriteOptions wo;
    wo.sync = sync;
    return db_->Write(wo, batch);
  }

  // Reopens and checks that the database holds a prefix of the history at least `acked` long;
  // forgets the lost writes. Returns the prefix length.
  size_t ReopenAndCheck(size_t acked) {
    Open();
    size_t m = 0;
    EXPECT_TRUE(HoldsPrefix(db_.get(), history_, &m));
    EXPECT_GE(m, acked) << "a write acknowledged as durable was lost";
    history_.Truncate(m);
    return m;
  }

  std::unique_ptr<Env> mem_;
  std::unique_ptr<FaultInjectionEnv> env_;
  kv::Options options_;
  std::string dir_ = "/db";
  std::unique_ptr<kv::Engine> db_;
  History history_;
};

// --- Crashes ---

struct CrashParam {
  uint64_t seed;
  bool torn;
};

class CrashTest : public FaultTest, public testing::WithParamInterface<CrashParam> {};

TEST_P(CrashTest, RecoversAPrefixWithEverySyncedWrite) {
  const CrashParam p = GetParam();
  Random rnd(p.seed);
  Open();
  size_t max_level_files = 0;
  for (int round = 0; round < 10; round++) {
    SCOPED_TRACE("round " + std::to_string(round));
    // In some rounds another thread keeps flushing and compacting the whole range, so that the
    // crash can also hit a manual compaction.
    std::atomic<bool> stop{false};
    std::thread compactor;
    if (rnd.OneIn(2)) {
      compactor = std::thread([this, &stop] {
        while (!stop.load()) {
          if (!db_->CompactRange(nullptr, nullptr).ok()) break;  // after the crash
        }
      });
    }
    auto stop_compactor = [&] {
      stop.store(true);
      if (compactor.joinable()) compactor.join();
    };
    // Mostly unsynced writes, some synced ones; a round writes a few memtables' worth.
    const int sync_one_in = 1 + static_cast<int>(rnd.Uniform(8));
    const int writes = 300 + static_cast<int>(rnd.Uniform(3000));
    size_t acked_synced = history_.size();  // everything before the round was recovered
    for (int i = 0; i < writes; i++) {
      const bool sync = rnd.OneIn(sync_one_in);
      Status s = Write(sync, round, &rnd);
      if (sync) acked_synced = history_.size();
      if (rnd.OneIn(1500)) s = db_->Flush();
      if (!s.ok()) stop_compactor();
      ASSERT_TRUE(s.ok()) << s.ToString();
    }
    for (int level = 1; level < 4; level++) {
      max_level_files = std::max<size_t>(max_level_files, impl()->NumFilesAtLevel(level));
    }
    // Crash at once (flushes and compactions may be running), or a little later.
    switch (rnd.Uniform(3)) {
      case 0:
        break;
      case 1:
        std::this_thread::sleep_for(std::chrono::microseconds(rnd.Uniform(3000)));
        break;
      case 2:
        stop_compactor();
        ASSERT_TRUE(impl()->WaitForBackgroundWork().ok());
        break;
    }
    env_->SetTornWrites(p.torn);
    Crash(stop_compactor);
    ReopenAndCheck(acked_synced);
    if (HasFailure()) return;
  }
  EXPECT_GT(max_level_files, 0u) << "no compaction output: the test is too small";
}

// A crash while the engine recovers (it writes a table, a MANIFEST and CURRENT): the next open
// still finds every synced write.
TEST_P(CrashTest, CrashDuringRecovery) {
  const CrashParam p = GetParam();
  Random rnd(p.seed + 100);
  Open();
  for (int i = 0; i < 1500; i++) ASSERT_TRUE(Write(i % 10 == 9, 0, &rnd).ok());
  const size_t acked = history_.size() - history_.size() % 10;
  Crash();
  for (int attempt = 0; attempt < 8; attempt++) {
    SCOPED_TRACE("attempt " + std::to_string(attempt));
    // Let recovery write only part of what it needs, then crash.
    env_->SetFailAfterBytes(static_cast<int64_t>(rnd.Uniform(200 << 10)));
    env_->SetTornWrites(p.torn);
    Status s = TryOpen();
    if (s.ok()) {
      size_t m = 0;
      EXPECT_TRUE(HoldsPrefix(db_.get(), history_, &m));
      EXPECT_GE(m, acked);
    } else {
      EXPECT_TRUE(s.IsNoSpace()) << s.ToString();
    }
    Crash();
  }
  ReopenAndCheck(acked);
}

INSTANTIATE_TEST_SUITE_P(Seeds, CrashTest,
                         testing::Values(CrashParam{1, false}, CrashParam{2, false},
                                         CrashParam{3, true}, CrashParam{4, true},
                                         CrashParam{5, true}),
                         [](const testing::TestParamInfo<CrashParam>& info) {
                           return "seed" + std::to_string(info.param.seed) +
                                  (info.param.torn ? "_torn" : "");
                         });

// --- Failed fsync ---

TEST_F(FaultTest, FailedSyncIsNeverAcknowledged) {
  Random rnd(7);
  Open();
  for (int i = 0; i < 100; i++) ASSERT_TRUE(Write(true, 0, &rnd).ok());
  const size_t acked = history_.size();

  env_->SetFailSync(true);
  Status s = Write(true, 0, &rnd);
  EXPECT_TRUE(s.IsIOError()) << s.ToString();
  // The engine stops accepting writes, synced or not, until it is reopened: the WAL's state is
  // unknown after a failed sync.
  s = Write(false, 0, &rnd);
  EXPECT_FALSE(s.ok());
  env_->SetFailSync(false);
  s = Write(true, 0, &rnd);
  EXPECT_FALSE(s.ok()) << "a write after a failed sync was acknowledged without a reopen";
  EXPECT_FALSE(db_->Flush().ok());
  // Reads keep working.
  std::string v;
  EXPECT_TRUE(db_->Get(kv::ReadOptions(), History::SeqKey(acked - 1), &v).ok());

  // The failed writes were never acknowledged: after a crash only the acked ones must remain.
  Crash();
  ReopenAndCheck(acked);
  ASSERT_TRUE(Write(true, 1, &rnd).ok());
  Crash();
  ReopenAndCheck(history_.size());
}

TEST_F(FaultTest, FailedSyncThenReopenWithoutCrash) {
  Random rnd(8);
  Open();
  for (int i = 0; i < 50; i++) ASSERT_TRUE(Write(false, 0, &rnd).ok());
  const size_t acked = history_.size();
  env_->SetFailSync(true);
  EXPECT_FALSE(Write(true, 0, &rnd).ok());
  // Reopening while syncs still fail must fail too (recovery syncs), without harm.
  db_.reset();
  Status s = TryOpen();
  EXPECT_FALSE(s.ok());
  env_->SetFailSync(false);
  // The process survived, so the unsynced writes are in the files: all acked writes are back
  // (the failed write may be too: it reached the WAL before its sync failed).
  const size_t m = ReopenAndCheck(acked);
  EXPECT_LE(m, acked + 1);
  ASSERT_TRUE(Write(true, 1, &rnd).ok());
}

TEST_F(FaultTest, FailedSyncDuringFlush) {
  Random rnd(9);
  Open();
  for (int i = 0; i < 300; i++) ASSERT_TRUE(Write(i % 50 == 49, 0, &rnd).ok());
  const size_t acked = history_.size();
  env_->SetFailSync(true);
  // The flush fails at its first sync: the directory sync for the new WAL. The memtable was not
  // switched, so the engine may go on accepting writes into the old WAL; a synced one must fail.
  Status s = db_->Flush();
  EXPECT_TRUE(s.IsIOError()) << s.ToString();
  size_t m = 0;
  EXPECT_TRUE(HoldsPrefix(db_.get(), history_, &m));  // still readable from memory
  EXPECT_EQ(m, acked);
  s = Write(true, 0, &rnd);
  EXPECT_TRUE(s.IsIOError()) << s.ToString();
  history_.Truncate(acked);
  Crash();
  ReopenAndCheck(acked);
  // With syncs working again, flushes work.
  for (int i = 0; i < 100; i++) ASSERT_TRUE(Write(false, 1, &rnd).ok());
  ASSERT_TRUE(db_->Flush().ok());
  ASSERT_TRUE(impl()->WaitForBackgroundWork().ok());
  EXPECT_GT(impl()->NumFilesAtLevel(0) + impl()->NumFilesAtLevel(1) + impl()->NumFilesAtLevel(2),
            0);
  Crash();
  ReopenAndCheck(history_.size());
}

// Many unsynced writes while syncs fail: the memtable switch syncs the old WAL and must fail,
// and from then on nothing is acknowledged.
TEST_F(FaultTest, FailedSyncAtMemtableSwitch) {
  Random rnd(10);
  Open();
  env_->SetFailSync(true);
  size_t acked = 0;
  Status s;
  for (int i = 0; i < 5000 && s.ok(); i++) {
    s = Write(false, 0, &rnd);
    if (s.ok()) acked = history_.size();
  }
  ASSERT_FALSE(s.ok()) << "5000 writes (several memtables) without a single successful sync";
  for (int i = 0; i < 5; i++) EXPECT_FALSE(Write(false, 0, &rnd).ok());
  env_->SetFailSync(false);
  // Without a crash, everything acknowledged is in the files.
  db_.reset();
  ReopenAndCheck(acked);
}

// --- Full disk ---

TEST_F(FaultTest, NoSpaceOnWalWrite) {
  Random rnd(11);
  Open();
  for (int i = 0; i < 200; i++) ASSERT_TRUE(Write(false, 0, &rnd).ok());
  const size_t acked = history_.size();
  env_->SetNoSpace(true);
  Status s = Write(false, 0, &rnd);
  EXPECT_TRUE(s.IsNoSpace()) << s.ToString();
  s = Write(true, 0, &rnd);
  EXPECT_TRUE(s.IsNoSpace() || s.IsIOError()) << s.ToString();
  // What was written before stays readable.
  size_t m = 0;
  EXPECT_TRUE(HoldsPrefix(db_.get(), history_, &m));
  EXPECT_EQ(m, acked);
  // Space is back: the engine still refuses writes until it is reopened.
  env_->ResetState();
  s = Write(false, 0, &rnd);
  EXPECT_FALSE(s.ok()) << "(the engine resumed by itself: fine, but update this test)";
  db_.reset();
  ReopenAndCheck(acked);
  ASSERT_TRUE(Write(true, 1, &rnd).ok());
  Crash();
  ReopenAndCheck(history_.size());
}

// The disk fills up at some point of a long run of writes, flushes and compactions: the first
// failure is reported as NoSpace (from Write or Flush), nothing after it is acknowledged, and
// everything acknowledged is there after space comes back and the engine reopens.
TEST_F(FaultTest, NoSpaceAnywhereDuringWritesFlushesAndCompactions) {
  for (uint64_t seed = 1; seed <= 6; seed++) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    db_.reset();
    env_.reset();
    SetUp();
    history_ = History();
    Random rnd(seed);
    Open();
    env_->ResetState();  // count bytes from here
    env_->SetFailAfterBytes(static_cast<int64_t>(200000 + rnd.Uniform(2500000)));
    size_t acked = 0;
    Status s;
    for (int i = 0; i < 8000 && s.ok(); i++) {
      s = Write(rnd.OneIn(20), 0, &rnd);
      if (s.ok()) acked = history_.size();
      if (s.ok() && rnd.OneIn(500)) s = db_->Flush();
    }
    ASSERT_FALSE(s.ok()) << "the disk never filled up";
    EXPECT_TRUE(s.IsNoSpace()) << s.ToString();
    EXPECT_FALSE(Write(false, 0, &rnd).ok());
    size_t m = 0;
    EXPECT_TRUE(HoldsPrefix(db_.get(), history_, &m));
    EXPECT_EQ(m, acked);
    // Reopening on a full disk fails cleanly (recovery must write) or succeeds: both harmless.
    db_.reset();
    Status open = TryOpen();
    db_.reset();
    EXPECT_TRUE(open.ok() || open.IsNoSpace()) << open.ToString();
    env_->ResetState();
    ReopenAndCheck(acked);
    ASSERT_TRUE(Write(true, 1, &rnd).ok());
    ASSERT_TRUE(db_->Flush().ok());
  }
}

TEST_F(FaultTest, NoSpaceDuringFlushAndCompaction) {
  Random rnd(12);
  Open();
  for (int i = 0; i < 3000; i++) ASSERT_TRUE(Write(false, 0, &rnd).ok());
  ASSERT_TRUE(db_->Flush().ok());
  ASSERT_TRUE(impl()->WaitForBackgroundWork().ok());
  // Less than the write buffer, so that the Flush below has all 300 writes to write out.
  for (int i = 0; i < 300; i++) ASSERT_TRUE(Write(false, 0, &rnd).ok());
  const size_t acked = history_.size();
  // Room for a part of their table only (300 unique keys and tags take more even compressed).
  env_->SetFailAfterBytes(static_cast<int64_t>(env_->BytesAppended() + 5000));
  Status s = db_->Flush();
  EXPECT_TRUE(s.IsNoSpace()) << s.ToString();
  s = db_->CompactRange(nullptr, nullptr);
  EXPECT_FALSE(s.ok());
  size_t m = 0;
  EXPECT_TRUE(HoldsPrefix(db_.get(), history_, &m));
  EXPECT_EQ(m, acked);
  db_.reset();
  env_->ResetState();
  ReopenAndCheck(acked);

  // A compaction that runs out of space: first give it overlapping tables to merge.
  for (int round = 0; round < 2; round++) {
    for (int i = 0; i < 1500; i++) ASSERT_TRUE(Write(false, 0, &rnd).ok());
    ASSERT_TRUE(db_->Flush().ok());
  }
  const size_t acked2 = history_.size();
  ASSERT_TRUE(impl()->WaitForBackgroundWork().ok());
  // Less room than any output table needs.
  env_->SetFailAfterBytes(static_cast<int64_t>(env_->BytesAppended() + 2000));
  s = db_->CompactRange(nullptr, nullptr);
  EXPECT_TRUE(s.IsNoSpace()) << s.ToString();
  EXPECT_TRUE(HoldsPrefix(db_.get(), history_, &m));
  EXPECT_EQ(m, acked2);
  Crash();
  ReopenAndCheck(acked2);
  ASSERT_TRUE(db_->CompactRange(nullptr, nullptr).ok());
  EXPECT_TRUE(HoldsPrefix(db_.get(), history_, &m));
}

}  // namespace
}  // namespace strata::fault
