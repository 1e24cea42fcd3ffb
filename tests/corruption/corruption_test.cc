// Corruption tests of Strata's LSM engine: damaged tables, WALs, MANIFESTs and CURRENT files must
// be reported as Corruption naming the damaged file, never read as wrong data, never crash.
// Files are damaged by rewriting them through a MemEnv with the engine closed.
// Bad input (missing directory, a LOCK held by another process, oversized keys) is in
// bad_input_test.cc.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "base/coding.h"
#include "base/random.h"
#include "env/env.h"
#include "lsm/db.h"
#include "lsm/db_impl.h"
#include "lsm/filename.h"

namespace strata::lsm {
namespace {

constexpr size_t kFooterSize = 64;

std::string Key(int i) {
  char buf[32];
  snprintf(buf, sizeof(buf), "key%06d", i);
  return buf;
}

// Distinct, mildly compressible values of varied length.
std::string Value(int i) {
  std::string v = "value" + std::to_string(i) + ":";
  Random rnd(i + 1);
  const size_t len = 60 + rnd.Uniform(80);
  while (v.size() < len) v.push_back(static_cast<char>('a' + rnd.Uniform(6)));
  return v;
}

// Keys of one hundred (Key(i) for i in [100h, 100h + 100)) share their first 7 bytes as their
// prefix, so a scan of one hundred is read in place from the one table that holds it.
class HundredsPrefix final : public kv::PrefixExtractor {
 public:
  const char* Name() const override { return "test.hundreds"; }
  size_t PrefixLength(Slice key) const override { return key.size() >= 7 ? 7 : 0; }
  size_t RangePrefixLength(Slice lower, Slice upper) const override {
    if (lower.size() < 7 || static_cast<uint8_t>(lower[6]) == 0xff) return 0;
    std::string limit(lower.data(), 7);
    limit.back() = static_cast<char>(limit.back() + 1);
    return upper.compare(Slice(limit)) <= 0 ? 7 : 0;
  }
};

struct TableLayout {
  uint64_t file_size = 0;
  uint64_t data_end = 0;  // data blocks are [0, data_end)
  uint64_t filter_offset = 0, filter_size = 0;
  uint64_t index_offset = 0, index_size = 0;
  uint64_t props_offset = 0, props_size = 0;
};

class CorruptionTest : public testing::Test {
 protected:
  static constexpr int kNumKeys = 400;

  CorruptionTest() {
    env_ = NewMemEnv();
    options_.env = env_.get();
    options_.create_if_missing = true;
    options_.compression = kv::Compression::kNone;
    options_.block_size = 1024;  // several data blocks in a small table
    options_.block_cache_size = 1 << 20;
  }

  Status TryOpen() {
    db_.reset();
    auto r = OpenDB(dir_, options_);
    if (!r.ok()) return r.status();
    db_ = std::move(r.value());
    return Status::OK();
  }
  void Open() {
    Status s = TryOpen();
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  void Close() { db_.reset(); }
  DBImpl* impl() { return static_cast<DBImpl*>(db_.get()); }

  // Writes keys [0, n) and, with `flush`, puts them in one table. Leaves the engine closed.
  void Build(int n, bool flush, bool sync = false) {
    Open();
    kv::WriteOptions wo;
    wo.sync = sync;
    for (int i = 0; i < n; i++) ASSERT_TRUE(db_->Put(wo, Key(i), Value(i)).ok());
    if (flush) {
      ASSERT_TRUE(db_->Flush().ok());
      ASSERT_TRUE(impl()->WaitForBackgroundWork().ok());
    }
    Close();
  }

  std::vector<std::string> Files(FileType want) {
    std::vector<std::string> children, result;
    EXPECT_TRUE(env_->GetChildren(dir_, &children).ok());
    for (const std::string& name : children) {
      uint64_t number;
      FileType type;
      if (ParseFileName(name, &number, &type) && type == want) result.push_back(dir_ + "/" + name);
    }
    std::sort(result.begin(), result.end());
    return result;
  }
  std::string OnlyFile(FileType type) {
    std::vector<std::string> files = Files(type);
    EXPECT_EQ(files.size(), 1u);
    return files.empty() ? std::string() : files.back();
  }
  std::string Contents(const std::string& name) {
    std::string data;
    EXPECT_TRUE(ReadFileToString(env_.get(), name, &data).ok()) << name;
    return data;
  }
  void Rewrite(const std::string& name, const std::string& data) {
    ASSERT_TRUE(WriteStringToFile(env_.get(), data, name, /*sync=*/true).ok()) << name;
  }
  void FlipByte(const std::string& name, uint64_t offset, uint8_t mask = 0x41) {
    std::string data = Contents(name);
    ASSERT_LT(offset, data.size()) << name;
    data[offset] = static_cast<char>(data[offset] ^ mask);
    Rewrite(name, data);
  }
  void Truncate(const std::string& name, uint64_t size) {
    std::string data = Contents(name);
    ASSERT_LE(size, data.size());
    data.resize(size);
    Rewrite(name, data);
  }

  TableLayout Layout(const std::string& table) {
    std::string data = Contents(table);
    TableLayout l;
    l.file_size = data.size();
    EXPECT_GE(data.size(), kFooterSize);
    if (data.size() < kFooterSize) return l;
    const char* f = data.data() + data.size() - kFooterSize;
    l.filter_offset = DecodeFixed64(f);
    l.filter_size = DecodeFixed64(f + 8);
    l.index_offset = DecodeFixed64(f + 16);
    l.index_size = DecodeFixed64(f + 24);
    l.props_offset = DecodeFixed64(f + 32);
    l.props_size = DecodeFixed64(f + 40);
    l.data_end = l.filter_size > 0 ? l.filter_offset : l.index_offset;
    return l;
  }

  // Reads every key with Get, with MultiGet (which must agree with Get key by key), with a
  // full scan and with a Scan of each hundred keys. Every value read must be the one written; every
  // failure must be a Corruption naming `file`. Returns the number of failed reads.
  int CheckReads(int n, const std::string& file, bool expect_all_present = true) {
    int failures = 0;
    std::vector<Status> gets(n);
    for (int i = 0; i < n; i++) {
      std::string v;
      Status s = gets[i] = db_->Get(kv::ReadOptions(), Key(i), &v);
      if (s.ok()) {
        EXPECT_EQ(v, Value(i)) << "wrong value for " << Key(i);
      } else if (s.IsNotFound() && !expect_all_present) {
      } else {
        failures++;
        EXPECT_TRUE(s.IsCorruption()) << Key(i) << ": " << s.ToString();
        EXPECT_NE(s.message().find(file), std::string::npos) << s.ToString();
      }
    }
    // MultiGet in batches of up to 64 keys, each batch in reverse key order.
    for (int first = 0; first < n; first += 64) {
      const int count = std::min(64, n - first);
      std::vector<std::string> keys, values(count);
      for (int i = first + count - 1; i >= first; i--) keys.push_back(Key(i));
      std::vector<Slice> slices(keys.begin(), keys.end());
      std::vector<Status> statuses(count);
      db_->MultiGet(kv::ReadOptions(), slices, values, statuses);
      for (int k = 0; k < count; k++) {
        const int i = first + count - 1 - k;
        EXPECT_EQ(statuses[k].code(), gets[i].code())
            << Key(i) << ": MultiGet " << statuses[k].ToString() << ", Get " << gets[i].ToString();
        if (statuses[k].ok()) {
          EXPECT_EQ(values[k], Value(i)) << "MultiGet's value for " << Key(i);
        }
      }
    }
    kv::ReadOptions ro;
    ro.fill_cache = false;
    std::unique_ptr<Iterator> it = db_->NewIterator(ro);
    int expected = 0;
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      if (!expect_all_present) {
        while (expected < n && it->key().ToString() > Key(expected)) expected++;
      }
      if (expected >= n) {
        ADD_FAILURE() << "scan yields an extra key " << it->key().ToString();
        break;
      }
      EXPECT_EQ(it->key().ToString(), Key(expected));
      EXPECT_EQ(it->value().ToString(), Value(expected)) << Key(expected);
      if (it->key().ToString() != Key(expected)) break;
      expected++;
    }
    Status s = it->status();
    if (expected < n && expect_all_present) {
      // A scan may stop early only with an error.
      EXPECT_TRUE(s.IsCorruption()) << "scan stopped at " << Key(expected) << ": " << s.ToString();
      if (!s.ok()) {
        EXPECT_NE(s.message().find(file), std::string::npos) << s.ToString();
      }
      failures++;
    } else if (!s.ok()) {
      EXPECT_TRUE(s.IsCorruption()) << s.ToString();
      failures++;
    }
    // Scans of each hundred (kv::Engine::Scan): in place under HundredsPrefix.
    for (int first = 0; first < n; first += 100) {
      const std::string lower = Key(first).substr(0, 7);
      std::string upper = lower;
      upper.back() = static_cast<char>(upper.back() + 1);
      const Slice upper_slice(upper);
      int next = first;  // the key the scan should visit next
      Status scan = db_->Scan(ro, lower, &upper_slice, [&](const Slice& k, const Slice& v) {
        if (!expect_all_present) {
          while (next < n && k.ToString() > Key(next)) next++;
        }
        EXPECT_EQ(k.ToString(), Key(next));
        EXPECT_EQ(v.ToString(), Value(next)) << Key(next);
        return k.ToString() == Key(next++);
      });
      const int last = std::min(n, first + 100);
      if (!scan.ok()) {
        EXPECT_TRUE(scan.IsCorruption()) << scan.ToString();
        EXPECT_NE(scan.message().find(file), std::string::npos) << scan.ToString();
        failures++;
      } else if (expect_all_present) {
        EXPECT_EQ(next, last) << "scan of [" << lower << ", " << upper << ") stopped early";
      }
    }
    return failures;
  }

  std::unique_ptr<Env> env_;
  kv::Options options_;
  std::string dir_ = "/corrupt";
  std::unique_ptr<kv::Engine> db_;
};

// --- Tables ---

TEST_F(CorruptionTest, TableIntactReadsEverything) {
  Build(kNumKeys, true);
  const std::string table = OnlyFile(FileType::kTable);
  TableLayout l = Layout(table);
  EXPECT_GT(l.data_end, 4 * options_.block_size) << "want several data blocks";
  EXPECT_GT(l.filter_size, 0u);
  Open();
  EXPECT_EQ(CheckReads(kNumKeys, table), 0);
}

TEST_F(CorruptionTest, TableDataBlockFlip) {
  Build(kNumKeys, true);
  const std::string table = OnlyFile(FileType::kTable);
  // A byte in the middle of the first data block: only the keys of that block are affected.
  FlipByte(table, 100);
  Open();
  std::string v;
  Status s = db_->Get(kv::ReadOptions(), Key(0), &v);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.message().find(table), std::string::npos) << s.ToString();
  s = db_->Get(kv::ReadOptions(), Key(kNumKeys - 1), &v);
  EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(v, Value(kNumKeys - 1));
  EXPECT_GT(CheckReads(kNumKeys, table), 0);
}

TEST_F(CorruptionTest, TableBlockTrailerFlip) {
  Build(kNumKeys, true);
  const std::string table = OnlyFile(FileType::kTable);
  TableLayout l = Layout(table);
  // The last data block's checksum is the 4 bytes before the filter block.
  FlipByte(table, l.data_end - 2);
  Open();
  std::string v;
  Status s = db_->Get(kv::ReadOptions(), Key(kNumKeys - 1), &v);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_GT(CheckReads(kNumKeys, table), 0);
}

TEST_F(CorruptionTest, TableIndexBlockFlip) {
  Build(kNumKeys, true);
  const std::string table = OnlyFile(FileType::kTable);
  TableLayout l = Layout(table);
  FlipByte(table, l.index_offset + l.index_size / 2);
  Open();
  for (int i : {0, kNumKeys / 2, kNumKeys - 1}) {
    std::string v;
    Status s = db_->Get(kv::ReadOptions(), Key(i), &v);
    EXPECT_TRUE(s.IsCorruption()) << s.ToString();
    EXPECT_NE(s.message().find(table), std::string::npos) << s.ToString();
  }
  EXPECT_GT(CheckReads(kNumKeys, table), 0);
}

TEST_F(CorruptionTest, TableFilterBlockFlipIsDetected) {
  Build(kNumKeys, true);
  const std::string table = OnlyFile(FileType::kTable);
  TableLayout l = Layout(table);
  ASSERT_GT(l.filter_size, 0u);
  // Clearing bits of the filter could hide present keys (a false "absent"); the filter block's
  // checksum must catch it at table open, so no present key ever reads as NotFound.
  std::string data = Contents(table);
  for (uint64_t i = 0; i < l.filter_size; i++) data[l.filter_offset + i] = 0;
  Rewrite(table, data);
  Open();
  for (int i = 0; i < kNumKeys; i += 7) {
    std::string v;
    Status s = db_->Get(kv::ReadOptions(), Key(i), &v);
    EXPECT_TRUE(s.IsCorruption()) << Key(i) << ": " << s.ToString();
    EXPECT_NE(s.message().find(table), std::string::npos) << s.ToString();
  }
}

TEST_F(CorruptionTest, TableFilterSingleByteFlips) {
  Build(kNumKeys, true);
  const std::string table = OnlyFile(FileType::kTable);
  const std::string original = Contents(table);
  TableLayout l = Layout(table);
  ASSERT_GT(l.filter_size, 0u);
  for (uint64_t off : {l.filter_offset, l.filter_offset + l.filter_size / 2,
                       l.filter_offset + l.filter_size - 5,     // num_probes
                       l.filter_offset + l.filter_size - 1}) {  // num_lines
    SCOPED_TRACE("filter byte at " + std::to_string(off));
    Rewrite(table, original);
    FlipByte(table, off, 0xff);
    Open();
    std::string v;
    Status s = db_->Get(kv::ReadOptions(), Key(3), &v);
    EXPECT_TRUE(s.IsCorruption()) << s.ToString();
    EXPECT_GT(CheckReads(kNumKeys, table), 0);
    Close();
  }
}

TEST_F(CorruptionTest, TableFooterFlips) {
  Build(kNumKeys, true);
  const std::string table = OnlyFile(FileType::kTable);
  const std::string original = Contents(table);
  for (uint64_t pos : {0, 9, 17, 30, 33, 44, 48, 53, 56, 63}) {
    SCOPED_TRACE("footer byte " + std::to_string(pos));
    Rewrite(table, original);
    FlipByte(table, original.size() - kFooterSize + pos);
    Open();
    std::string v;
    Status s = db_->Get(kv::ReadOptions(), Key(10), &v);
    EXPECT_TRUE(s.IsCorruption()) << s.ToString();
    EXPECT_NE(s.message().find(table), std::string::npos) << s.ToString();
    EXPECT_EQ(CheckReads(kNumKeys, table), kNumKeys + 1 + kNumKeys / 100);  // gets, scans
    Close();
  }
}

TEST_F(CorruptionTest, TableTruncated) {
  Build(kNumKeys, true);
  const std::string table = OnlyFile(FileType::kTable);
  const std::string original = Contents(table);
  for (uint64_t size : {uint64_t{0}, uint64_t{10}, original.size() / 2, original.size() - 1}) {
    SCOPED_TRACE("truncated to " + std::to_string(size));
    Rewrite(table, original);
    Truncate(table, size);
    Open();
    std::string v;
    Status s = db_->Get(kv::ReadOptions(), Key(10), &v);
    EXPECT_TRUE(s.IsCorruption()) << s.ToString();
    EXPECT_NE(s.message().find(table), std::string::npos) << s.ToString();
    CheckReads(kNumKeys, table);
    Close();
  }
}

// Many random single-byte flips: every read that succeeds returns exactly what was written.
class CorruptionFlipTest : public CorruptionTest,
                           public testing::WithParamInterface<kv::Compression> {};

TEST_P(CorruptionFlipTest, RandomTableByteFlipsNeverReturnWrongData) {
  options_.compression = GetParam();
  options_.prefix_extractor = std::make_shared<HundredsPrefix>();
  Build(kNumKeys, true);
  const std::string table = OnlyFile(FileType::kTable);
  const std::string original = Contents(table);
  Random rnd(static_cast<uint64_t>(GetParam()) * 1000 + 17);
  constexpr int kTrials = 100;
  int trials_with_errors = 0;
  for (int trial = 0; trial < kTrials; trial++) {
    const uint64_t off = rnd.Uniform(original.size());
    const auto mask = static_cast<uint8_t>(1 + rnd.Uniform(255));
    SCOPED_TRACE("trial " + std::to_string(trial) + ": byte " + std::to_string(off) +
                 " ^= " + std::to_string(mask) + " of " + std::to_string(original.size()));
    std::string data = original;
    data[off] = static_cast<char>(data[off] ^ mask);
    Rewrite(table, data);
    Open();
    if (CheckReads(kNumKeys, table) > 0) trials_with_errors++;
    Close();
    if (HasFailure()) break;
  }
  // Every byte of a table is covered by a checksum, and every trial reads every key.
  EXPECT_EQ(trials_with_errors, kTrials);
}

INSTANTIATE_TEST_SUITE_P(Compression, CorruptionFlipTest,
                         testing::Values(kv::Compression::kNone, kv::Compression::kLZ4),
                         [](const testing::TestParamInfo<kv::Compression>& info) {
                           return info.param == kv::Compression::kNone ? "None" : "LZ4";
                         });

// --- WAL ---

// After Build(n, /*flush=*/false) the writes live only in the WAL (Close does not flush).
TEST_F(CorruptionTest, WalIntactReplaysEverything) {
  Build(kNumKeys, false, /*sync=*/true);
  ASSERT_TRUE(Files(FileType::kTable).empty());
  Open();
  EXPECT_EQ(CheckReads(kNumKeys, "-"), 0);
}

TEST_F(CorruptionTest, WalFlipBeforeValidRecordsRefusesToOpen) {
  // Enough records to fill several 32 KiB blocks.
  const int n = 2000;
  Build(n, false, /*sync=*/true);
  const std::string wal = OnlyFile(FileType::kWal);
  const std::string original = Contents(wal);
  ASSERT_GT(original.size(), 3u * 32768);
  for (uint64_t off : {uint64_t{0}, uint64_t{5}, uint64_t{20}, uint64_t{1000}, uint64_t{40000},
                       original.size() / 2}) {
    SCOPED_TRACE("WAL byte " + std::to_string(off));
    Rewrite(wal, original);
    FlipByte(wal, off);
    Status s = TryOpen();
    EXPECT_TRUE(s.IsCorruption()) << s.ToString();
    EXPECT_NE(s.message().find(wal), std::string::npos) << s.ToString();
    // The refusal changed nothing: a second attempt refuses again.
    EXPECT_TRUE(env_->FileExists(wal));
    s = TryOpen();
    EXPECT_TRUE(s.IsCorruption()) << s.ToString();
    Close();
  }
  // Repaired, it opens with everything.
  Rewrite(wal, original);
  Open();
  EXPECT_EQ(CheckReads(n, "-"), 0);
}

// A damaged record in the last 32 KiB block, followed by intact records in the same block: the
// writes after it were acknowledged (synced), so the engine must not drop them silently.
TEST_F(CorruptionTest, WalFlipInLastBlockRefusesToOpen) {
  Build(50, false, /*sync=*/true);
  const std::string wal = OnlyFile(FileType::kWal);
  const std::string original = Contents(wal);
  ASSERT_LT(original.size(), 32768u);
  // Byte 5 is the high byte of the first fragment's length: a length past the end of the file
  // must not pass for a torn append when intact records follow.
  for (uint64_t off : {uint64_t{0}, uint64_t{5}, uint64_t{20}, original.size() / 2}) {
    SCOPED_TRACE("WAL byte " + std::to_string(off));
    Rewrite(wal, original);
    FlipByte(wal, off);
    Status s = TryOpen();
    if (s.ok()) {
      int missing = 0;
      for (int i = 0; i < 50; i++) {
        std::string v;
        if (db_->Get(kv::ReadOptions(), Key(i), &v).IsNotFound()) missing++;
      }
      ADD_FAILURE() << "opened after dropping " << missing << " of 50 synced writes";
    } else {
      EXPECT_TRUE(s.IsCorruption()) << s.ToString();
      EXPECT_NE(s.message().find(wal), std::string::npos) << s.ToString();
    }
    Close();
  }
}

// Flips anywhere but in the last record: refuse to open, or open with every write.
TEST_F(CorruptionTest, WalByteFlipsNeverLoseSyncedWritesSilently) {
  const int n = 40;
  Build(n, false, /*sync=*/true);
  const std::string wal = OnlyFile(FileType::kWal);
  const std::string original = Contents(wal);
  // The last record holds Key(n - 1); it starts at the last header before that key.
  const size_t last_record = original.rfind(Key(n - 1)) - 11 - 12 - 2;
  int refused = 0, trials = 0;
  for (uint64_t off = 0; off < last_record; off += 3) {
    SCOPED_TRACE("WAL byte " + std::to_string(off) + " of " + std::to_string(original.size()));
    trials++;
    Rewrite(wal, original);
    FlipByte(wal, off, static_cast<uint8_t>(1u << (off % 8)));
    Status s = TryOpen();
    if (s.ok()) {
      EXPECT_EQ(CheckReads(n, "-"), 0);
      Close();
      ASSERT_TRUE(DestroyDB(dir_, options_).ok());
      Build(n, false, /*sync=*/true);
      ASSERT_EQ(OnlyFile(FileType::kWal), wal);
    } else {
      refused++;
      EXPECT_TRUE(s.IsCorruption()) << s.ToString();
      EXPECT_NE(s.message().find(wal), std::string::npos) << s.ToString();
    }
    if (HasFailure()) break;
  }
  EXPECT_EQ(refused, trials);
}

TEST_F(CorruptionTest, WalTornTailIsAcceptedSilently) {
  Build(100, false, /*sync=*/true);
  const std::string wal = OnlyFile(FileType::kWal);
  const std::string original = Contents(wal);
  // Each Put is one record; cut the last one at several points.
  const std::string last_record_prefix = Key(99);
  for (uint64_t cut : {uint64_t{1}, uint64_t{5}, uint64_t{11}, uint64_t{30}}) {
    SCOPED_TRACE("cut " + std::to_string(cut) + " bytes");
    Rewrite(wal, original);
    Truncate(wal, original.size() - cut);
    Open();
    std::string v;
    EXPECT_TRUE(db_->Get(kv::ReadOptions(), Key(99), &v).IsNotFound());
    EXPECT_EQ(CheckReads(99, "-"), 0);
    Close();
    // Recovery moved the writes into a table; start over for the next cut.
    ASSERT_TRUE(DestroyDB(dir_, options_).ok());
    Build(100, false, /*sync=*/true);
  }
}

// --- MANIFEST and CURRENT ---

TEST_F(CorruptionTest, ManifestEveryByteFlipIsCorruptionOrHarmless) {
  Build(kNumKeys, true);
  Open();  // a MANIFEST with a snapshot and a recovery edit
  Close();
  const std::string manifest = OnlyFile(FileType::kManifest);
  const std::string original = Contents(manifest);
  int corruption = 0;
  for (uint64_t off = 0; off < original.size(); off++) {
    SCOPED_TRACE("MANIFEST byte " + std::to_string(off) + " of " + std::to_string(original.size()));
    Rewrite(manifest, original);
    FlipByte(manifest, off, 0x10);
    Status s = TryOpen();
    if (s.ok()) {
      // Only a damaged length of the last record can pass as a torn tail; then nothing acked
      // may be lost.
      EXPECT_EQ(CheckReads(kNumKeys, "-"), 0);
    } else {
      corruption++;
      EXPECT_TRUE(s.IsCorruption()) << s.ToString();
      EXPECT_NE(s.message().find("MANIFEST"), std::string::npos) << s.ToString();
    }
    Close();
    // A successful open wrote a fresh MANIFEST; go back to the damaged-then-restored one.
    if (s.ok()) {
      Rewrite(CurrentFileName(dir_), manifest.substr(dir_.size() + 1) + "\n");
      Rewrite(manifest, original);
    }
    if (HasFailure()) break;
  }
  EXPECT_GT(corruption, static_cast<int>(original.size() * 9 / 10));
}

TEST_F(CorruptionTest, ManifestTruncatedIsCorruption) {
  Build(kNumKeys, true);
  const std::string manifest = OnlyFile(FileType::kManifest);
  const std::string original = Contents(manifest);
  for (uint64_t size : {uint64_t{0}, uint64_t{6}, uint64_t{11}, uint64_t{20}}) {
    SCOPED_TRACE("MANIFEST truncated to " + std::to_string(size));
    Rewrite(manifest, original);
    Truncate(manifest, size);
    Status s = TryOpen();
    EXPECT_TRUE(s.IsCorruption()) << s.ToString();
    EXPECT_NE(s.message().find(manifest), std::string::npos) << s.ToString();
  }
  Rewrite(manifest, original);
  Open();
  EXPECT_EQ(CheckReads(kNumKeys, "-"), 0);
}

TEST_F(CorruptionTest, CurrentNamesMissingManifest) {
  Build(kNumKeys, true);
  const std::string current = CurrentFileName(dir_);
  Rewrite(current, "MANIFEST-999999\n");
  Status s = TryOpen();
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.message().find("MANIFEST-999999"), std::string::npos) << s.ToString();
}

TEST_F(CorruptionTest, CurrentDamaged) {
  Build(kNumKeys, true);
  const std::string current = CurrentFileName(dir_);
  const std::string original = Contents(current);
  for (const std::string& bad :
       {std::string(), std::string("MANIFEST-"), std::string("garbage\n"),
        original.substr(0, original.size() - 1), std::string("000005.sst\n"), std::string("\n"),
        std::string(1000, 'x')}) {
    SCOPED_TRACE("CURRENT = '" + bad.substr(0, 40) + "'");
    Rewrite(current, bad);
    Status s = TryOpen();
    EXPECT_TRUE(s.IsCorruption()) << s.ToString();
    EXPECT_NE(s.message().find("CURRENT"), std::string::npos) << s.ToString();
  }
  Rewrite(current, original);
  Open();
  EXPECT_EQ(CheckReads(kNumKeys, "-"), 0);
}

TEST_F(CorruptionTest, MissingTableIsCorruptionNamingIt) {
  Build(kNumKeys, true);
  const std::string table = OnlyFile(FileType::kTable);
  const std::string original = Contents(table);
  ASSERT_TRUE(env_->RemoveFile(table).ok());
  Status s = TryOpen();
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.message().find(table), std::string::npos) << s.ToString();
  // Nothing was deleted or rewritten by the failed open.
  Rewrite(table, original);
  Open();
  EXPECT_EQ(CheckReads(kNumKeys, "-"), 0);
}

// Without CURRENT there is no database: with create_if_missing false, open refuses.
TEST_F(CorruptionTest, MissingCurrentWithoutCreate) {
  Build(kNumKeys, true);
  ASSERT_TRUE(env_->RemoveFile(CurrentFileName(dir_)).ok());
  options_.create_if_missing = false;
  Status s = TryOpen();
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find(dir_), std::string::npos) << s.ToString();
}

// With create_if_missing, a directory holding a MANIFEST and tables but no CURRENT must not be
// taken for an empty directory: a fresh database there would delete the tables as obsolete.
TEST_F(CorruptionTest, MissingCurrentWithCreateKeepsTables) {
  Build(kNumKeys, true);
  const std::string table = OnlyFile(FileType::kTable);
  ASSERT_TRUE(env_->RemoveFile(CurrentFileName(dir_)).ok());
  Status s = TryOpen();
  Close();
  EXPECT_TRUE(env_->FileExists(table)) << "open (" << s.ToString() << ") deleted " << table;
  EXPECT_FALSE(s.ok()) << "opened an empty database over existing tables";
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.message().find("CURRENT"), std::string::npos) << s.ToString();
}

}  // namespace
}  // namespace strata::lsm
