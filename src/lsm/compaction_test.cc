// Choosing compaction inputs: a user key whose versions span two files of a level is never cut
// in two by a compaction (AddBoundaryInputs), and compactions write each key's versions into one
// output. Both guard the rule that a key's newer versions sit above its older ones.
#include <gtest/gtest.h>

#include <map>

#include "base/random.h"
#include "env/env.h"
#include "lsm/db.h"
#include "lsm/db_impl.h"
#include "lsm/filename.h"
#include "lsm/table_builder.h"
#include "lsm/version_set.h"
#include "lsm/wal_writer.h"

namespace strata::lsm {
namespace {

// Letters that do not compress, so small tables fill up.
std::string RandomString(Random* rnd, size_t n) {
  std::string s(n, ' ');
  for (char& c : s) c = static_cast<char>('a' + rnd->Uniform(26));
  return s;
}

class BoundaryInputsTest : public testing::Test {
 protected:
  ~BoundaryInputsTest() override {
    for (FileMetaData* f : all_) delete f;
  }
  // A file from (smallest_key @ smallest_seq) to (largest_key @ largest_seq).
  FileMetaData* File(const char* smallest, SequenceNumber smallest_seq, const char* largest,
                     SequenceNumber largest_seq) {
    auto* f = new FileMetaData;
    f->number = all_.size() + 1;
    f->smallest = InternalKey(smallest, smallest_seq, kTypeValue);
    f->largest = InternalKey(largest, largest_seq, kTypeValue);
    all_.push_back(f);
    return f;
  }
  InternalKeyComparator icmp_{BytewiseComparator()};
  std::vector<FileMetaData*> all_;
};

TEST_F(BoundaryInputsTest, NothingToAdd) {
  std::vector<FileMetaData*> level, inputs;
  AddBoundaryInputs(icmp_, level, &inputs);
  EXPECT_TRUE(inputs.empty());

  FileMetaData* a = File("a", 9, "c", 8);
  FileMetaData* b = File("d", 7, "f", 6);
  level = {a, b};
  AddBoundaryInputs(icmp_, level, &inputs);  // no inputs: nothing added
  EXPECT_TRUE(inputs.empty());
  inputs = {a};
  AddBoundaryInputs(icmp_, level, &inputs);  // b starts with another user key
  EXPECT_EQ(inputs, (std::vector<FileMetaData*>{a}));
}

TEST_F(BoundaryInputsTest, TakesTheFilesThatContinueTheLastKey) {
  FileMetaData* a = File("a", 9, "k", 30);   // k's newest versions
  FileMetaData* b = File("k", 20, "k", 10);  // older versions of k, alone in a file
  FileMetaData* c = File("k", 5, "p", 4);    // the oldest version of k, then more keys
  FileMetaData* d = File("q", 3, "z", 2);
  std::vector<FileMetaData*> level = {d, c, a, b};  // the order in the level does not matter
  std::vector<FileMetaData*> inputs = {a};
  AddBoundaryInputs(icmp_, level, &inputs);
  EXPECT_EQ(inputs, (std::vector<FileMetaData*>{a, b, c}));

  inputs = {b};  // starting in the middle: only what is older follows
  AddBoundaryInputs(icmp_, level, &inputs);
  EXPECT_EQ(inputs, (std::vector<FileMetaData*>{b, c}));

  inputs = {c};
  AddBoundaryInputs(icmp_, level, &inputs);
  EXPECT_EQ(inputs, (std::vector<FileMetaData*>{c}));
}

TEST_F(BoundaryInputsTest, StartsFromTheLargestKeyOfAllInputs) {
  FileMetaData* a = File("a", 9, "c", 8);
  FileMetaData* b = File("d", 9, "k", 8);
  FileMetaData* c = File("k", 7, "m", 6);
  std::vector<FileMetaData*> level = {a, b, c};
  std::vector<FileMetaData*> inputs = {b, a};
  AddBoundaryInputs(icmp_, level, &inputs);
  EXPECT_EQ(inputs, (std::vector<FileMetaData*>{b, a, c}));
}

// The engine, on a level written with a user key split over two files (as compactions did
// before they kept a key's versions together): compacting that level keeps the newest version
// of the key visible.
class SplitKeyTest : public testing::Test {
 protected:
  void SetUp() override {
    env_ = NewMemEnv();
    options_.env = env_.get();
    options_.create_if_missing = true;
  }
  // Writes table #number holding `entries` (user key, sequence, value), in internal-key order.
  FileMetaData WriteTable(
      uint64_t number,
      const std::vector<std::tuple<std::string, SequenceNumber, std::string>>& entries) {
    TableOptions topt;
    topt.comparator = &icmp_;
    std::unique_ptr<WritableFile> file;
    EXPECT_TRUE(env_->NewWritableFile(TableFileName(dir_, number), &file).ok());
    TableBuilder builder(topt, file.get());
    FileMetaData meta;
    meta.number = number;
    for (const auto& [key, seq, value] : entries) {
      InternalKey ikey(key, seq, kTypeValue);
      if (meta.smallest.empty()) meta.smallest = ikey;
      meta.largest = ikey;
      builder.Add(ikey.Encode(), value);
    }
    EXPECT_TRUE(builder.Finish().ok());
    meta.file_size = builder.FileSize();
    meta.num_entries = builder.NumEntries();
    EXPECT_TRUE(file->Close().ok());
    return meta;
  }

  std::unique_ptr<Env> env_;
  kv::Options options_;
  InternalKeyComparator icmp_{BytewiseComparator()};
  std::string dir_ = "/db";
};

TEST_F(SplitKeyTest, CompactingALevelKeepsTheNewestVersionOnTop) {
  // Level 1: #10 (large) ends with k's newest version, #11 (small) holds its older ones. Level
  // 1 is over its size target, so the engine compacts it at open, starting with #10; without #10
  // it would be under the target.
  ASSERT_TRUE(env_->CreateDir(dir_).ok());
  Random rnd(3);
  std::vector<std::tuple<std::string, SequenceNumber, std::string>> large;
  for (int i = 0; i < 200; i++)
    large.emplace_back("a" + std::to_string(1000 + i), 1, RandomString(&rnd, 100));
  large.emplace_back("k", 40, "k-newest");
  std::vector<FileMetaData> files = {
      WriteTable(10, large),
      WriteTable(11, {{"k", 30, "k-older"}, {"k", 20, "k-oldest"}, {"m", 2, "m1"}}),
  };
  ASSERT_GT(files[0].file_size, 16u << 10);
  ASSERT_LT(files[1].file_size, 4u << 10);
  VersionEdit edit;
  edit.SetComparatorName(icmp_.user_comparator()->Name());
  edit.SetLogNumber(0);
  edit.SetNextFile(12);
  edit.SetLastSequence(40);
  for (const FileMetaData& f : files) edit.AddFile(1, f);
  std::unique_ptr<WritableFile> manifest;
  ASSERT_TRUE(env_->NewWritableFile(ManifestFileName(dir_, 1), &manifest).ok());
  std::string record;
  edit.EncodeTo(&record);
  {
    WalWriter log(manifest.get(), 1);
    ASSERT_TRUE(log.AddRecord(record).ok());
  }
  ASSERT_TRUE(manifest->Close().ok());
  ASSERT_TRUE(SetCurrentFile(env_.get(), dir_, 1).ok());

  options_.max_bytes_for_level_base = 8 << 10;
  auto opened = OpenDB(dir_, options_);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  std::unique_ptr<kv::Engine> db = std::move(opened.value());
  auto* impl = static_cast<DBImpl*>(db.get());
  ASSERT_TRUE(impl->WaitForBackgroundWork().ok());
  EXPECT_EQ(impl->NumFilesAtLevel(1), 0) << *db->GetProperty("strata.levels");  // both went
  std::string value;
  ASSERT_TRUE(db->Get(kv::ReadOptions(), "k", &value).ok());
  EXPECT_EQ(value, "k-newest");
  ASSERT_TRUE(db->Get(kv::ReadOptions(), "m", &value).ok());
  EXPECT_EQ(value, "m1");
}

// Many versions of each key, all held by snapshots, and outputs far smaller than one key's
// versions: every output still ends between two user keys, and each snapshot reads its state.
TEST(CompactionOutputTest, OutputsEndBetweenUserKeys) {
  auto env = NewMemEnv();
  kv::Options options;
  options.env = env.get();
  options.create_if_missing = true;
  options.write_buffer_size = 16 << 10;
  options.target_file_size = 1 << 10;
  options.max_bytes_for_level_base = 16 << 10;
  auto opened = OpenDB("/db", options);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  std::unique_ptr<kv::Engine> db = std::move(opened.value());
  std::vector<std::shared_ptr<const kv::Snapshot>> snapshots;
  std::vector<std::map<std::string, std::string>> states;
  std::map<std::string, std::string> model;
  Random rnd(7);
  for (int round = 0; round < 25; round++) {
    for (int k = 0; k < 30; k++) {
      const std::string key = "key" + std::to_string(k);
      const std::string value = std::to_string(round) + ":" + RandomString(&rnd, 60);
      ASSERT_TRUE(db->Put(key, value).ok());
      model[key] = value;
    }
    snapshots.push_back(db->GetSnapshot());
    states.push_back(model);
  }
  ASSERT_TRUE(db->CompactRange(nullptr, nullptr).ok());
  auto* impl = static_cast<DBImpl*>(db.get());
  ASSERT_TRUE(impl->WaitForBackgroundWork().ok());
  int files = 0;
  for (int level = 1; level < kNumLevels; level++) {
    const std::vector<FileMetaData> level_files = impl->LevelFiles(level);
    files += static_cast<int>(level_files.size());
    for (size_t i = 1; i < level_files.size(); i++) {
      EXPECT_LT(level_files[i - 1].largest.user_key().compare(level_files[i].smallest.user_key()),
                0)
          << "level " << level << ": a user key spans two files\n"
          << *db->GetProperty("strata.levels");
    }
  }
  EXPECT_GT(files, 5);  // the outputs were cut many times
  for (size_t s = 0; s < snapshots.size(); s++) {
    kv::ReadOptions ro;
    ro.snapshot = snapshots[s];
    for (const auto& [key, want] : states[s]) {
      std::string value;
      ASSERT_TRUE(db->Get(ro, key, &value).ok()) << key;
      EXPECT_EQ(value, want) << key << " at snapshot " << s;
    }
  }
}

}  // namespace
}  // namespace strata::lsm
