#include "env/fault_injection_env.h"

#include <gtest/gtest.h>

#include <set>
#include <thread>

namespace strata {
namespace {

class FaultInjectionEnvTest : public testing::Test {
 protected:
  FaultInjectionEnvTest() : mem_(NewMemEnv()), env_(mem_.get()) {
    EXPECT_TRUE(env_.CreateDir(kDir).ok());
  }

  static constexpr const char* kDir = "/db";
  static std::string Path(const std::string& name) { return std::string(kDir) + "/" + name; }

  // Creates `name` with `contents`, synced, with its directory entry synced.
  void CreateDurable(const std::string& name, const std::string& contents) {
    std::unique_ptr<WritableFile> f;
    ASSERT_TRUE(env_.NewWritableFile(name, &f).ok());
    ASSERT_TRUE(f->Append(contents).ok());
    ASSERT_TRUE(f->Sync().ok());
    ASSERT_TRUE(f->Close().ok());
    ASSERT_TRUE(env_.SyncDir(kDir).ok());
  }

  std::string Contents(const std::string& name) {
    std::string data;
    Status s = ReadFileToString(mem_.get(), name, &data);
    return s.ok() ? data : "<" + s.ToString() + ">";
  }

  std::unique_ptr<Env> mem_;
  FaultInjectionEnv env_;
};

TEST_F(FaultInjectionEnvTest, UnsyncedDataIsDroppedAtCrash) {
  std::unique_ptr<WritableFile> f;
  ASSERT_TRUE(env_.NewWritableFile(Path("a"), &f).ok());
  ASSERT_TRUE(f->Append("synced").ok());
  ASSERT_TRUE(f->Sync().ok());
  ASSERT_TRUE(env_.SyncDir(kDir).ok());
  ASSERT_TRUE(f->Append(" lost").ok());
  ASSERT_TRUE(f->Flush().ok());  // flushed is not synced
  EXPECT_EQ(Contents(Path("a")), "synced lost");

  ASSERT_TRUE(env_.SimulateCrash().ok());
  EXPECT_EQ(Contents(Path("a")), "synced");
}

TEST_F(FaultInjectionEnvTest, SyncedDataIsKept) {
  CreateDurable(Path("a"), "first");
  std::unique_ptr<WritableFile> f;
  ASSERT_TRUE(env_.NewAppendableFile(Path("a"), &f).ok());
  ASSERT_TRUE(f->Append(" second").ok());
  ASSERT_TRUE(f->Sync().ok());
  ASSERT_TRUE(f->Append(" third").ok());
  ASSERT_TRUE(env_.SimulateCrash().ok());
  EXPECT_EQ(Contents(Path("a")), "first second");
  // Twice in a row changes nothing.
  ASSERT_TRUE(env_.SimulateCrash().ok());
  EXPECT_EQ(Contents(Path("a")), "first second");
}

TEST_F(FaultInjectionEnvTest, UntrackedFilesAreDurable) {
  ASSERT_TRUE(WriteStringToFile(mem_.get(), "outside", Path("x"), false).ok());
  std::unique_ptr<WritableFile> f;
  ASSERT_TRUE(env_.NewAppendableFile(Path("x"), &f).ok());
  ASSERT_TRUE(f->Append(" appended").ok());
  ASSERT_TRUE(env_.SimulateCrash().ok());
  EXPECT_EQ(Contents(Path("x")), "outside");
}

TEST_F(FaultInjectionEnvTest, NewFileWithoutDirSyncIsRemoved) {
  std::unique_ptr<WritableFile> f;
  ASSERT_TRUE(env_.NewWritableFile(Path("new"), &f).ok());
  ASSERT_TRUE(f->Append("data").ok());
  ASSERT_TRUE(f->Sync().ok());  // the data is synced, the directory entry is not
  ASSERT_TRUE(env_.SimulateCrash().ok());
  EXPECT_FALSE(mem_->FileExists(Path("new")));
}

TEST_F(FaultInjectionEnvTest, DirSyncOfAnotherDirectoryDoesNotHelp) {
  ASSERT_TRUE(env_.CreateDir("/other").ok());
  std::unique_ptr<WritableFile> f;
  ASSERT_TRUE(env_.NewWritableFile(Path("new"), &f).ok());
  ASSERT_TRUE(f->Sync().ok());
  ASSERT_TRUE(env_.SyncDir("/other").ok());
  ASSERT_TRUE(env_.SimulateCrash().ok());
  EXPECT_FALSE(mem_->FileExists(Path("new")));
}

TEST_F(FaultInjectionEnvTest, RenameWithoutDirSyncIsUndone) {
  // The CURRENT-file pattern: write a temp file, sync it, rename it over the old one.
  CreateDurable(Path("CURRENT"), "v1");
  std::unique_ptr<WritableFile> f;
  ASSERT_TRUE(env_.NewWritableFile(Path("CURRENT.tmp"), &f).ok());
  ASSERT_TRUE(f->Append("v2").ok());
  ASSERT_TRUE(f->Sync().ok());
  ASSERT_TRUE(f->Close().ok());
  ASSERT_TRUE(env_.RenameFile(Path("CURRENT.tmp"), Path("CURRENT")).ok());
  EXPECT_EQ(Contents(Path("CURRENT")), "v2");

  ASSERT_TRUE(env_.SimulateCrash().ok());
  EXPECT_EQ(Contents(Path("CURRENT")), "v1");
  EXPECT_FALSE(mem_->FileExists(Path("CURRENT.tmp")));
}

TEST_F(FaultInjectionEnvTest, RenameFollowedByDirSyncIsKept) {
  CreateDurable(Path("CURRENT"), "v1");
  std::unique_ptr<WritableFile> f;
  ASSERT_TRUE(env_.NewWritableFile(Path("CURRENT.tmp"), &f).ok());
  ASSERT_TRUE(f->Append("v2").ok());
  ASSERT_TRUE(f->Sync().ok());
  ASSERT_TRUE(env_.RenameFile(Path("CURRENT.tmp"), Path("CURRENT")).ok());
  ASSERT_TRUE(env_.SyncDir(kDir).ok());
  ASSERT_TRUE(env_.SimulateCrash().ok());
  EXPECT_EQ(Contents(Path("CURRENT")), "v2");
  EXPECT_FALSE(mem_->FileExists(Path("CURRENT.tmp")));
}

TEST_F(FaultInjectionEnvTest, RenamedFileKeepsItsSyncState) {
  CreateDurable(Path("a"), "");
  std::unique_ptr<WritableFile> f;
  ASSERT_TRUE(env_.NewAppendableFile(Path("a"), &f).ok());
  ASSERT_TRUE(f->Append("kept").ok());
  ASSERT_TRUE(f->Sync().ok());
  ASSERT_TRUE(env_.RenameFile(Path("a"), Path("b")).ok());
  ASSERT_TRUE(env_.SyncDir(kDir).ok());
  ASSERT_TRUE(f->Append(" lost").ok());  // the open handle writes to the renamed file
  ASSERT_TRUE(env_.SimulateCrash().ok());
  EXPECT_EQ(Contents(Path("b")), "kept");
}

TEST_F(FaultInjectionEnvTest, HandlesOpenedBeforeACrashStopWorking) {
  std::unique_ptr<WritableFile> f;
  ASSERT_TRUE(env_.NewWritableFile(Path("a"), &f).ok());
  ASSERT_TRUE(env_.SyncDir(kDir).ok());
  ASSERT_TRUE(env_.SimulateCrash().ok());
  EXPECT_TRUE(f->Append("zombie").IsIOError());
  EXPECT_TRUE(f->Sync().IsIOError());
  EXPECT_TRUE(f->Close().ok());
  EXPECT_EQ(Contents(Path("a")), "");
}

TEST_F(FaultInjectionEnvTest, FailedSyncReportsAnErrorAndKeepsNothing) {
  CreateDurable(Path("a"), "durable");
  std::unique_ptr<WritableFile> f;
  ASSERT_TRUE(env_.NewAppendableFile(Path("a"), &f).ok());
  ASSERT_TRUE(f->Append(" more").ok());
  env_.SetFailSync(true);
  EXPECT_TRUE(f->Sync().IsIOError());
  EXPECT_TRUE(env_.SyncDir(kDir).IsIOError());
  EXPECT_EQ(env_.SyncCount(), 1u);  // only CreateDurable's
  ASSERT_TRUE(env_.SimulateCrash().ok());
  EXPECT_EQ(Contents(Path("a")), "durable");

  env_.SetFailSync(false);
  ASSERT_TRUE(env_.NewAppendableFile(Path("a"), &f).ok());
  ASSERT_TRUE(f->Append(" more").ok());
  EXPECT_TRUE(f->Sync().ok());
  ASSERT_TRUE(env_.SimulateCrash().ok());
  EXPECT_EQ(Contents(Path("a")), "durable more");
}

TEST_F(FaultInjectionEnvTest, FailedWrites) {
  std::unique_ptr<WritableFile> f;
  ASSERT_TRUE(env_.NewWritableFile(Path("a"), &f).ok());
  ASSERT_TRUE(f->Append("ok").ok());
  env_.SetFailWrites(true);
  EXPECT_TRUE(f->Append("fails").IsIOError());
  env_.SetFailWrites(false);
  EXPECT_TRUE(f->Append("!").ok());
  EXPECT_EQ(Contents(Path("a")), "ok!");
  EXPECT_EQ(env_.BytesAppended(), 3u);
}

TEST_F(FaultInjectionEnvTest, NoSpace) {
  std::unique_ptr<WritableFile> f;
  ASSERT_TRUE(env_.NewWritableFile(Path("a"), &f).ok());
  ASSERT_TRUE(f->Append("ok").ok());
  env_.SetNoSpace(true);
  EXPECT_TRUE(f->Append("full").IsNoSpace());
  EXPECT_TRUE(f->Sync().IsNoSpace());
  env_.SetNoSpace(false);
  EXPECT_TRUE(f->Sync().ok());
  EXPECT_EQ(Contents(Path("a")), "ok");
}

TEST_F(FaultInjectionEnvTest, FailAfterBytes) {
  std::unique_ptr<WritableFile> f;
  ASSERT_TRUE(env_.NewWritableFile(Path("a"), &f).ok());
  env_.SetFailAfterBytes(10);
  EXPECT_TRUE(f->Append("123456").ok());
  EXPECT_TRUE(f->Append("789abc").IsNoSpace());  // would cross 10
  EXPECT_TRUE(f->Append("7890").ok());           // still fits exactly
  EXPECT_TRUE(f->Append("x").IsNoSpace());
  EXPECT_EQ(Contents(Path("a")), "1234567890");
  env_.SetFailAfterBytes(-1);
  EXPECT_TRUE(f->Append("x").ok());
  EXPECT_EQ(env_.BytesAppended(), 11u);
}

TEST_F(FaultInjectionEnvTest, TornWritesLeaveAPrefixOfTheLastAppend) {
  std::set<size_t> lengths;
  for (int trial = 0; trial < 40; trial++) {
    const std::string name = Path("torn" + std::to_string(trial));
    CreateDurable(name, "sync");
    std::unique_ptr<WritableFile> f;
    ASSERT_TRUE(env_.NewAppendableFile(name, &f).ok());
    ASSERT_TRUE(f->Append("1111").ok());
    ASSERT_TRUE(f->Append("22222222").ok());
    env_.SetTornWrites(true);
    ASSERT_TRUE(env_.SimulateCrash().ok());
    const std::string after = Contents(name);
    // The earlier unsynced append survives; the last one is cut short.
    ASSERT_GE(after.size(), 8u);
    ASSERT_LT(after.size(), 16u);
    ASSERT_EQ(after, std::string("sync111122222222").substr(0, after.size()));
    lengths.insert(after.size());
  }
  EXPECT_GT(lengths.size(), 3u);  // the cut is random
}

TEST_F(FaultInjectionEnvTest, TornWritesKeepSyncedData) {
  CreateDurable(Path("a"), "sync");
  std::unique_ptr<WritableFile> f;
  ASSERT_TRUE(env_.NewAppendableFile(Path("a"), &f).ok());
  ASSERT_TRUE(f->Append("more").ok());
  ASSERT_TRUE(f->Sync().ok());
  env_.SetTornWrites(true);
  ASSERT_TRUE(env_.SimulateCrash().ok());
  EXPECT_EQ(Contents(Path("a")), "syncmore");
}

TEST_F(FaultInjectionEnvTest, CountersAndResetState) {
  std::unique_ptr<WritableFile> f;
  ASSERT_TRUE(env_.NewWritableFile(Path("a"), &f).ok());
  ASSERT_TRUE(f->Append("abc").ok());
  ASSERT_TRUE(f->Sync().ok());
  ASSERT_TRUE(f->Append("de").ok());
  EXPECT_EQ(env_.SyncCount(), 1u);
  EXPECT_EQ(env_.BytesAppended(), 5u);
  EXPECT_EQ(env_.DirSyncCount(), 0u);

  env_.SetFailWrites(true);
  env_.ResetState();  // everything so far becomes durable; faults and counters cleared
  EXPECT_EQ(env_.SyncCount(), 0u);
  EXPECT_EQ(env_.BytesAppended(), 0u);
  ASSERT_TRUE(f->Append("f").ok());
  ASSERT_TRUE(env_.SimulateCrash().ok());
  EXPECT_EQ(Contents(Path("a")), "abcde");
}

TEST_F(FaultInjectionEnvTest, TruncatingAnExistingFileIsDurable) {
  CreateDurable(Path("a"), "old contents");
  std::unique_ptr<WritableFile> f;
  ASSERT_TRUE(env_.NewWritableFile(Path("a"), &f).ok());
  ASSERT_TRUE(f->Append("new").ok());
  ASSERT_TRUE(env_.SimulateCrash().ok());
  EXPECT_EQ(Contents(Path("a")), "");
}

TEST_F(FaultInjectionEnvTest, ConcurrentWriters) {
  constexpr int kThreads = 4;
  constexpr int kAppends = 500;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; t++) {
    threads.emplace_back([this, t] {
      std::unique_ptr<WritableFile> f;
      ASSERT_TRUE(env_.NewWritableFile(Path("t" + std::to_string(t)), &f).ok());
      for (int i = 0; i < kAppends; i++) {
        ASSERT_TRUE(f->Append("xy").ok());
        if (i % 10 == 0) {
          ASSERT_TRUE(f->Sync().ok());
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(env_.BytesAppended(), uint64_t{kThreads} * kAppends * 2);
  EXPECT_EQ(env_.SyncCount(), uint64_t{kThreads} * kAppends / 10);
}

}  // namespace
}  // namespace strata
