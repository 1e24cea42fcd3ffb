// Bad input to Strata's LSM engine on the POSIX Env: a missing directory, a directory locked by
// another process, oversized keys and values. Each must give a clear error, never a crash.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "env/env.h"
#include "lsm/db.h"
#include "strata/write_batch.h"

namespace strata::lsm {
namespace {

class BadInputTest : public testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = testing::TempDir() + "strata_bad_input_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    root_ = tmpl;
    dir_ = root_ + "/db";
    options_.create_if_missing = true;
  }
  void TearDown() override {
    DestroyDB(dir_, options_);
    Env::Default()->RemoveDir(root_);
  }

  std::string root_;
  std::string dir_;
  kv::Options options_;
};

TEST_F(BadInputTest, MissingDirectoryWithoutCreateIfMissing) {
  options_.create_if_missing = false;
  auto r = OpenDB(dir_, options_);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsInvalidArgument()) << r.status().ToString();
  EXPECT_NE(r.status().message().find(dir_), std::string::npos) << r.status().ToString();
  EXPECT_FALSE(Env::Default()->FileExists(dir_)) << "a failed open created the directory";
}

TEST_F(BadInputTest, EmptyDirectoryWithoutCreateIfMissing) {
  ASSERT_TRUE(Env::Default()->CreateDir(dir_).ok());
  options_.create_if_missing = false;
  auto r = OpenDB(dir_, options_);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsInvalidArgument()) << r.status().ToString();
}

TEST_F(BadInputTest, EmptyDirectoryName) {
  auto r = OpenDB("", options_);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsInvalidArgument()) << r.status().ToString();
}

TEST_F(BadInputTest, DirectoryIsARegularFile) {
  ASSERT_TRUE(WriteStringToFile(Env::Default(), "not a directory", dir_, true).ok());
  auto r = OpenDB(dir_, options_);
  EXPECT_FALSE(r.ok());
  Env::Default()->RemoveFile(dir_);
}

TEST_F(BadInputTest, ErrorIfExists) {
  {
    auto r = OpenDB(dir_, options_);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }
  options_.error_if_exists = true;
  auto r = OpenDB(dir_, options_);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsInvalidArgument()) << r.status().ToString();
}

TEST_F(BadInputTest, OpenTwiceInOneProcessIsBusy) {
  auto first = OpenDB(dir_, options_);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  auto second = OpenDB(dir_, options_);
  ASSERT_FALSE(second.ok());
  EXPECT_TRUE(second.status().IsBusy()) << second.status().ToString();
  EXPECT_NE(second.status().message().find("LOCK"), std::string::npos);
  // The failed open did not disturb the first one.
  ASSERT_TRUE(first.value()->Put("k", "v").ok());
  EXPECT_EQ(first.value()->Get("k").value(), "v");
}

TEST_F(BadInputTest, LockedByAnotherProcessIsBusy) {
  {
    auto r = OpenDB(dir_, options_);  // create it, and close it again
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_TRUE(r.value()->Put("k", "v1").ok());
  }
  int ready[2], release[2];
  ASSERT_EQ(pipe(ready), 0);
  ASSERT_EQ(pipe(release), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // The child opens the database and holds it until the parent says so.
    close(ready[0]);
    close(release[1]);
    auto r = OpenDB(dir_, options_);
    const char c = r.ok() ? 'y' : 'n';
    if (write(ready[1], &c, 1) != 1) _exit(2);
    char buf;
    if (read(release[0], &buf, 1) < 0) _exit(3);
    _exit(r.ok() ? 0 : 1);  // no destructors: the process just ends, releasing the lock
  }
  close(ready[1]);
  close(release[0]);
  char c = 0;
  ASSERT_EQ(read(ready[0], &c, 1), 1);
  ASSERT_EQ(c, 'y') << "the child could not open the database";

  auto r = OpenDB(dir_, options_);
  EXPECT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsBusy()) << r.status().ToString();
  EXPECT_NE(r.status().message().find("LOCK"), std::string::npos) << r.status().ToString();

  ASSERT_EQ(write(release[1], "x", 1), 1);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  close(ready[0]);
  close(release[1]);

  // The child is gone, and so is its lock.
  auto again = OpenDB(dir_, options_);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
}

TEST_F(BadInputTest, OversizedKeysAndValuesAreInvalidArgument) {
  options_.max_key_size = 100;
  options_.max_value_size = 1000;
  auto r = OpenDB(dir_, options_);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  kv::Engine* db = r.value().get();

  Status s = db->Put(std::string(101, 'k'), "v");
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  s = db->Put("k", std::string(1001, 'v'));
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  s = db->Delete(std::string(101, 'k'));
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();

  // A batch with one bad operation is rejected as a whole.
  WriteBatch batch;
  batch.Put("good", "1");
  batch.Put("bad", std::string(1001, 'v'));
  s = db->Write(kv::WriteOptions(), batch);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  std::string v;
  EXPECT_TRUE(db->Get(kv::ReadOptions(), "good", &v).IsNotFound());

  // The limits are inclusive, and the engine keeps working after a rejection.
  ASSERT_TRUE(db->Put(std::string(100, 'k'), std::string(1000, 'v')).ok());
  ASSERT_TRUE(db->Get(kv::ReadOptions(), std::string(100, 'k'), &v).ok());
  EXPECT_EQ(v, std::string(1000, 'v'));
  ASSERT_TRUE(db->Put("good", "2").ok());
  r.value().reset();
  auto reopened = OpenDB(dir_, options_);
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  EXPECT_EQ(reopened.value()->Get("good").value(), "2");
}

TEST_F(BadInputTest, DefaultLimitsRejectHugeKey) {
  auto r = OpenDB(dir_, options_);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const std::string key((64 << 10) + 1, 'k');
  Status s = r.value()->Put(key, "v");
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  // A large value within the limit spans many WAL blocks and survives a reopen.
  const std::string big(3 << 20, 'b');
  ASSERT_TRUE(r.value()->Put("big", big).ok());
  r.value().reset();
  auto reopened = OpenDB(dir_, options_);
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  EXPECT_EQ(reopened.value()->Get("big").value(), big);
}

TEST_F(BadInputTest, UseAfterCloseIsAnError) {
  auto r = OpenDB(dir_, options_);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_TRUE(r.value()->Close().ok());
  EXPECT_FALSE(r.value()->Put("k", "v").ok());
  std::string v;
  EXPECT_FALSE(r.value()->Get(kv::ReadOptions(), "k", &v).ok());
  EXPECT_FALSE(r.value()->Flush().ok());
  std::unique_ptr<Iterator> it = r.value()->NewIterator(kv::ReadOptions());
  it->SeekToFirst();
  EXPECT_FALSE(it->Valid());
  EXPECT_FALSE(it->status().ok());
}

}  // namespace
}  // namespace strata::lsm
