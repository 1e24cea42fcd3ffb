// Failures of single files of Strata's LSM engine: an append, sync, create or rename of the
// WAL, a table, the MANIFEST or CURRENT fails while the engine writes, flushes and compacts.
// The engine must report the failure, acknowledge nothing it could not make durable, and leave a
// database that opens and holds every acknowledged write, both after a clean reopen and after a
// machine crash.
#include <gtest/gtest.h>

#include <string>

#include "env/fault_injection_env.h"
#include "fault_util.h"
#include "lsm/db.h"
#include "lsm/db_impl.h"

namespace strata::fault {
namespace {

struct FileFailure {
  const char* pattern;  // part of the file name
  FailOp op;
  bool crash;  // crash (losing unsynced data) instead of a clean reopen
};

std::string Name(const FileFailure& f) {
  std::string pattern = f.pattern;
  for (char& c : pattern) {
    if (c == '.') c = '_';
  }
  return pattern + "_" + FailOpName(f.op) + (f.crash ? "_crash" : "_reopen");
}

class FileFailureTest : public testing::TestWithParam<FileFailure> {
 protected:
  void SetUp() override {
    mem_ = NewMemEnv();
    fault_ = std::make_unique<FaultInjectionEnv>(mem_.get(), 23);
    env_ = std::make_unique<FileFailEnv>(fault_.get());
    options_ = SmallEngineOptions(env_.get());
  }

  Status TryOpen() { return ReopenEngine(dir_, options_, &db_); }
  Status Write(bool sync, Random* rnd) {
    WriteBatch batch = history_.Next(0, rnd);
    kv::WriteOptions wo;
    wo.sync = sync;
    return db_->Write(wo, batch);
  }
  void CrashOrClose(bool crash) {
    if (crash) {
      fault_->SetFailWrites(true);
      fault_->SetFailSync(true);
      fault_->SetTornWrites(true);  // e.g. a MANIFEST record whose sync failed is cut
      Status s = fault_->SimulateCrash();
      db_.reset();
      fault_->ResetState();
      ASSERT_TRUE(s.ok()) << s.ToString();
    } else {
      db_.reset();
    }
  }

  std::unique_ptr<Env> mem_;
  std::unique_ptr<FaultInjectionEnv> fault_;
  std::unique_ptr<FileFailEnv> env_;
  kv::Options options_;
  std::string dir_ = "/db";
  std::unique_ptr<kv::Engine> db_;
  History history_;
};

TEST_P(FileFailureTest, FailureLeavesAConsistentDatabase) {
  const FileFailure f = GetParam();
  Random rnd(static_cast<uint64_t>(f.op) * 31 + f.pattern[1]);
  Status s = TryOpen();
  ASSERT_TRUE(s.ok()) << s.ToString();
  // Enough data for tables in several levels before the failure.
  size_t acked_synced = 0;  // acknowledged synced writes (a prefix of the history)
  for (int i = 0; i < 4000; i++) {
    ASSERT_TRUE(Write(i % 16 == 0, &rnd).ok());
    if (i % 16 == 0) acked_synced = history_.size();
  }
  ASSERT_TRUE(static_cast<lsm::DBImpl*>(db_.get())->WaitForBackgroundWork().ok());

  // From now on the chosen operation fails. Keep writing (unsynced and synced), flushing and
  // compacting until the engine reports an error.
  env_->Arm(f.pattern, f.op);
  size_t acked = history_.size();  // acknowledged writes
  for (int i = 0; i < 6000 && s.ok(); i++) {
    const bool sync = rnd.OneIn(8);
    s = Write(sync, &rnd);
    if (s.ok()) {
      acked = history_.size();
      if (sync) acked_synced = acked;
    }
    if (s.ok() && i % 700 == 699) s = db_->Flush();
    if (s.ok() && i % 2000 == 1999) s = db_->CompactRange(nullptr, nullptr);
  }
  const int injected = env_->Injected();
  if (std::string(f.pattern) == "CURRENT" ||
      (std::string(f.pattern) == "MANIFEST" && f.op == FailOp::kCreate)) {
    // Written only when the engine opens.
    EXPECT_EQ(injected, 0);
    EXPECT_TRUE(s.ok()) << s.ToString();
  } else {
    EXPECT_GT(injected, 0) << "the failure was never injected";
    EXPECT_FALSE(s.ok()) << "the engine never reported the injected failure";
  }
  if (!s.ok()) {
    EXPECT_TRUE(s.IsIOError()) << s.ToString();
    // The failed write (if a write failed) may have reached the WAL: it may come back at a
    // reopen, but only as the last write.
    const size_t failed_end = history_.size();
    // Nothing is acknowledged after a failure of the files the engine depends on.
    Status again = Write(true, &rnd);
    ASSERT_FALSE(again.ok()) << "a synced write was acknowledged after " << s.ToString();
    history_.Truncate(failed_end);
    // Reads keep working.
    size_t m = 0;
    EXPECT_TRUE(HoldsPrefix(db_.get(), history_, &m));
    EXPECT_EQ(m, acked);
  }

  // Opening while the failure persists fails cleanly or succeeds; either way nothing is lost.
  CrashOrClose(f.crash);
  Status open = TryOpen();
  if (open.ok()) {
    size_t m = 0;
    EXPECT_TRUE(HoldsPrefix(db_.get(), history_, &m));
    EXPECT_GE(m, f.crash ? acked_synced : acked);
    history_.Truncate(m);
    acked = acked_synced = m;
  } else {
    EXPECT_TRUE(open.IsIOError()) << open.ToString();
  }
  CrashOrClose(f.crash);

  // The disk is healthy again.
  env_->Disarm();
  s = TryOpen();
  ASSERT_TRUE(s.ok()) << s.ToString();
  size_t m = 0;
  EXPECT_TRUE(HoldsPrefix(db_.get(), history_, &m));
  EXPECT_GE(m, f.crash ? acked_synced : acked);
  history_.Truncate(m);
  for (int i = 0; i < 500; i++) ASSERT_TRUE(Write(i % 50 == 49, &rnd).ok());
  ASSERT_TRUE(db_->CompactRange(nullptr, nullptr).ok());
  const size_t all = history_.size();
  CrashOrClose(f.crash);
  ASSERT_TRUE(TryOpen().ok());
  EXPECT_TRUE(HoldsPrefix(db_.get(), history_, &m));
  EXPECT_EQ(m, all);
}

std::vector<FileFailure> AllFailures() {
  std::vector<FileFailure> result;
  for (bool crash : {false, true}) {
    for (const char* pattern : {".wal", ".sst", "MANIFEST"}) {
      for (FailOp op : {FailOp::kAppend, FailOp::kSync, FailOp::kCreate}) {
        result.push_back({pattern, op, crash});
      }
    }
    result.push_back({"CURRENT", FailOp::kRename, crash});
  }
  return result;
}

INSTANTIATE_TEST_SUITE_P(Files, FileFailureTest, testing::ValuesIn(AllFailures()),
                         [](const testing::TestParamInfo<FileFailure>& info) {
                           return Name(info.param);
                         });

// --- Failures while opening ---

class OpenFailureTest : public FileFailureTest {};

// Every file operation the engine makes while opening an existing database (replaying its WAL
// into a table, writing a fresh MANIFEST, pointing CURRENT at it, creating the new WAL) fails in
// turn: the open reports it, and the next open finds everything.
TEST_P(OpenFailureTest, FailedOpenChangesNothing) {
  const FileFailure f = GetParam();
  Random rnd(99);
  ASSERT_TRUE(TryOpen().ok());
  for (int i = 0; i < 2000; i++) ASSERT_TRUE(Write(i % 10 == 9, &rnd).ok());
  const size_t acked = history_.size();
  CrashOrClose(f.crash);
  const size_t promised = f.crash ? acked - acked % 10 : acked;

  env_->Arm(f.pattern, f.op);
  Status s = TryOpen();
  // Opening appends to no WAL; it writes every other kind of file.
  if (std::string(f.pattern) != ".wal" || f.op == FailOp::kCreate) {
    EXPECT_GT(env_->Injected(), 0) << "the open never met the failure";
  }
  if (env_->Injected() > 0) {
    EXPECT_FALSE(s.ok()) << "open ignored an injected failure";
    EXPECT_TRUE(s.IsIOError()) << s.ToString();
  }
  if (s.ok()) {
    size_t m = 0;
    EXPECT_TRUE(HoldsPrefix(db_.get(), history_, &m));
    EXPECT_GE(m, promised);
  }
  CrashOrClose(f.crash);
  env_->Disarm();
  ASSERT_TRUE(TryOpen().ok());
  size_t m = 0;
  EXPECT_TRUE(HoldsPrefix(db_.get(), history_, &m));
  EXPECT_GE(m, promised);
}

std::vector<FileFailure> OpenFailures() {
  std::vector<FileFailure> result;
  for (bool crash : {false, true}) {
    for (const char* pattern : {".wal", ".sst", "MANIFEST", ".tmp"}) {
      for (FailOp op : {FailOp::kAppend, FailOp::kSync, FailOp::kCreate}) {
        result.push_back({pattern, op, crash});
      }
    }
    result.push_back({"CURRENT", FailOp::kRename, crash});
  }
  return result;
}

INSTANTIATE_TEST_SUITE_P(Files, OpenFailureTest, testing::ValuesIn(OpenFailures()),
                         [](const testing::TestParamInfo<FileFailure>& info) {
                           return Name(info.param);
                         });

}  // namespace
}  // namespace strata::fault
