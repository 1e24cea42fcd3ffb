#include "env/env.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>

namespace strata {
namespace {

class EnvTest : public testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    if (GetParam()) {
      mem_ = NewMemEnv();
      env_ = mem_.get();
      dir_ = "/mem/envtest";
    } else {
      env_ = Env::Default();
      dir_ = testing::TempDir() + "envtest_" + std::to_string(getpid());
    }
    ASSERT_TRUE(env_->CreateDir(dir_).ok());
  }
  void TearDown() override {
    std::vector<std::string> children;
    env_->GetChildren(dir_, &children);
    for (auto& c : children) env_->RemoveFile(dir_ + "/" + c);
    env_->RemoveDir(dir_);
  }

  std::unique_ptr<Env> mem_;
  Env* env_ = nullptr;
  std::string dir_;
};

TEST_P(EnvTest, WriteReadRoundTrip) {
  const std::string name = dir_ + "/f";
  std::string big(200000, 'x');
  for (size_t i = 0; i < big.size(); i++) big[i] = static_cast<char>('a' + i % 26);
  ASSERT_TRUE(WriteStringToFile(env_, big, name, true).ok());
  uint64_t size = 0;
  ASSERT_TRUE(env_->GetFileSize(name, &size).ok());
  EXPECT_EQ(size, big.size());
  std::string back;
  ASSERT_TRUE(ReadFileToString(env_, name, &back).ok());
  EXPECT_EQ(back, big);

  std::unique_ptr<RandomAccessFile> ra;
  ASSERT_TRUE(env_->NewRandomAccessFile(name, &ra).ok());
  char scratch[10];
  Slice r;
  ASSERT_TRUE(ra->Read(1000, 10, &r, scratch).ok());
  EXPECT_EQ(r.ToString(), big.substr(1000, 10));
  ASSERT_TRUE(ra->Read(big.size() - 3, 10, &r, scratch).ok());
  EXPECT_EQ(r.size(), 3u);
}

TEST_P(EnvTest, AppendableFileAppends) {
  const std::string name = dir_ + "/a";
  ASSERT_TRUE(WriteStringToFile(env_, "abc", name, false).ok());
  std::unique_ptr<WritableFile> f;
  ASSERT_TRUE(env_->NewAppendableFile(name, &f).ok());
  ASSERT_TRUE(f->Append("def").ok());
  ASSERT_TRUE(f->Close().ok());
  std::string back;
  ASSERT_TRUE(ReadFileToString(env_, name, &back).ok());
  EXPECT_EQ(back, "abcdef");
}

TEST_P(EnvTest, ChildrenRenameRemove) {
  ASSERT_TRUE(WriteStringToFile(env_, "1", dir_ + "/one", false).ok());
  ASSERT_TRUE(WriteStringToFile(env_, "2", dir_ + "/two", false).ok());
  ASSERT_TRUE(env_->RenameFile(dir_ + "/two", dir_ + "/three").ok());
  std::vector<std::string> children;
  ASSERT_TRUE(env_->GetChildren(dir_, &children).ok());
  std::sort(children.begin(), children.end());
  EXPECT_EQ(children, (std::vector<std::string>{"one", "three"}));
  EXPECT_TRUE(env_->FileExists(dir_ + "/one"));
  ASSERT_TRUE(env_->RemoveFile(dir_ + "/one").ok());
  EXPECT_FALSE(env_->FileExists(dir_ + "/one"));
  EXPECT_TRUE(env_->RemoveFile(dir_ + "/one").IsNotFound());
  std::unique_ptr<SequentialFile> f;
  EXPECT_TRUE(env_->NewSequentialFile(dir_ + "/missing", &f).IsNotFound());
}

TEST_P(EnvTest, LockIsExclusive) {
  std::unique_ptr<FileLock> a, b;
  ASSERT_TRUE(env_->LockFile(dir_ + "/LOCK", &a).ok());
  Status s = env_->LockFile(dir_ + "/LOCK", &b);
  EXPECT_TRUE(s.IsBusy()) << s.ToString();
  EXPECT_NE(s.message().find("LOCK"), std::string::npos);
  ASSERT_TRUE(env_->UnlockFile(std::move(a)).ok());
  ASSERT_TRUE(env_->LockFile(dir_ + "/LOCK", &b).ok());
  ASSERT_TRUE(env_->UnlockFile(std::move(b)).ok());
}

INSTANTIATE_TEST_SUITE_P(Envs, EnvTest, testing::Values(false, true),
                         [](const auto& info) { return info.param ? "Mem" : "Posix"; });

}  // namespace
}  // namespace strata

namespace strata {
namespace {

// The POSIX log file appends through a memory map in 1 MiB chunks; Close trims the file.
TEST(PosixLogFileTest, AppendsAcrossChunksAndTrimsOnClose) {
  Env* env = Env::Default();
  const std::string name = testing::TempDir() + "logfile_" + std::to_string(getpid());
  std::unique_ptr<WritableFile> f;
  ASSERT_TRUE(env->NewLogFile(name, &f).ok());
  std::string expected;
  for (int i = 0; i < 3000; i++) {
    std::string rec(700 + i % 300, static_cast<char>('a' + i % 26));
    ASSERT_TRUE(f->Append(rec).ok());
    expected += rec;
    if (i % 1000 == 0) {
      ASSERT_TRUE(f->Sync().ok());
    }
  }
  ASSERT_GT(expected.size(), 2u << 20);  // spans several chunks
  // Before Close the bytes are readable (they are in the page cache) even without Flush.
  std::string before;
  ASSERT_TRUE(ReadFileToString(env, name, &before).ok());
  EXPECT_EQ(before.substr(0, expected.size()), expected);
  ASSERT_TRUE(f->Close().ok());
  uint64_t size = 0;
  ASSERT_TRUE(env->GetFileSize(name, &size).ok());
  EXPECT_EQ(size, expected.size());
  std::string after;
  ASSERT_TRUE(ReadFileToString(env, name, &after).ok());
  EXPECT_EQ(after, expected);
  env->RemoveFile(name);
}

}  // namespace
}  // namespace strata
