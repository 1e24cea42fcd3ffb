// Damaged tables: every flipped byte, damaged regions, truncated files and bad index entries are
// reported as Corruption, and never returned as data.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "base/coding.h"
#include "base/hash.h"
#include "lsm/format.h"
#include "lsm/table.h"
#include "lsm/table_test_util.h"

namespace strata::lsm {
namespace {

using namespace table_test;  // NOLINT(build/namespaces): the table tests' helpers

// Opens and reads the (possibly damaged) table fully. Asserts that no wrong data comes back;
// returns true when the damage was reported as Corruption.
bool ReadAllDetectsCorruption(const TableOptions& options, const std::string& contents,
                              const Model& model) {
  std::unique_ptr<Table> table;
  Status s = OpenTable(options, contents, &table);
  if (!s.ok()) {
    EXPECT_TRUE(s.IsCorruption()) << s.ToString();
    EXPECT_NE(s.message().find("test.sst"), std::string::npos) << s.ToString();
    return true;
  }
  bool detected = false;
  std::unique_ptr<Iterator> it(table->NewIterator());
  auto m = model.begin();
  for (it->SeekToFirst(); it->Valid(); it->Next(), ++m) {
    EXPECT_NE(m, model.end());
    if (m == model.end()) return false;
    EXPECT_EQ(it->key().ToString(), m->first);
    EXPECT_EQ(it->value().ToString(), m->second);
  }
  if (!it->status().ok()) {
    EXPECT_TRUE(it->status().IsCorruption()) << it->status().ToString();
    EXPECT_NE(it->status().message().find("test.sst"), std::string::npos);
    detected = true;
  } else {
    EXPECT_EQ(m, model.end());
  }
  // Point lookups: the right entry or an error, never another entry.
  for (const auto& [k, v] : model) {
    std::string found;
    Status g = table->InternalGet(k, true, &found, [](void* arg, const Slice& fk, const Slice& fv) {
      *static_cast<std::string*>(arg) = fk.ToString() + "=" + fv.ToString();
    });
    if (!g.ok()) {
      EXPECT_TRUE(g.IsCorruption());
      detected = true;
    } else {
      EXPECT_EQ(found, k + "=" + v);
    }
  }
  return detected;
}

class TableCorruptionTest : public ::testing::TestWithParam<kv::Compression> {};

// Every single-byte change anywhere in the file is reported, and never returned as data.
TEST_P(TableCorruptionTest, EveryByteFlipIsDetected) {
  TableOptions options = BytewiseOptions(GetParam());
  options.block_size = 256;
  const Model model = RandomModel(120, 9);
  const std::string good = BuildTable(options, model);
  ASSERT_FALSE(ReadAllDetectsCorruption(options, good, model));
  for (size_t pos = 0; pos < good.size(); pos++) {
    std::string bad = good;
    bad[pos] ^= static_cast<char>(1 << (pos % 8));
    ASSERT_TRUE(ReadAllDetectsCorruption(options, bad, model)) << "flip at " << pos;
  }
}

TEST_P(TableCorruptionTest, RegionsReportOffsets) {
  TableOptions options = BytewiseOptions(GetParam());
  options.block_size = 1024;
  const Model model = RandomModel(2000, 10);
  const std::string good = BuildTable(options, model);
  Footer footer;
  ASSERT_TRUE(
      footer.DecodeFrom(Slice(good).view().substr(good.size() - Footer::kEncodedLength)).ok());
  struct Region {
    const char* name;
    uint64_t offset;
  };
  const Region regions[] = {
      {"data", 10},
      {"index", footer.index_handle.offset() + 3},
      {"filter", footer.filter_handle.offset() + 20},
      {"properties", footer.properties_handle.offset() + 5},
      {"footer", good.size() - 20},
      {"magic", good.size() - 1},
  };
  for (const Region& r : regions) {
    std::string bad = good;
    bad[r.offset] ^= 0x40;
    EXPECT_TRUE(ReadAllDetectsCorruption(options, bad, model)) << r.name;
  }
  // A damaged data block names its offset.
  std::string bad = good;
  bad[10] ^= 0x40;
  std::unique_ptr<Table> table;
  ASSERT_TRUE(OpenTable(options, bad, &table).ok());
  std::unique_ptr<Iterator> it(table->NewIterator());
  it->SeekToFirst();
  EXPECT_FALSE(it->Valid());
  EXPECT_TRUE(it->status().IsCorruption());
  EXPECT_NE(it->status().message().find("test.sst at offset 0"), std::string::npos)
      << it->status().ToString();
  // Seeking past the damaged block works again.
  it->Seek(std::prev(model.end())->first);
  EXPECT_TRUE(it->Valid());
  EXPECT_TRUE(it->status().ok());
}

TEST_P(TableCorruptionTest, TruncatedFile) {
  TableOptions options = BytewiseOptions(GetParam());
  const Model model = RandomModel(500, 12);
  const std::string good = BuildTable(options, model);
  for (size_t len : {size_t{0}, size_t{10}, size_t{63}, size_t{64}, good.size() / 2,
                     good.size() - 65, good.size() - 1}) {
    std::unique_ptr<Table> table;
    Status s = OpenTable(options, good.substr(0, len), &table);
    EXPECT_TRUE(s.IsCorruption()) << len << " " << s.ToString();
    // The file shrank after its size was recorded.
    s = Table::Open(options, std::make_unique<StringSource>(good.substr(0, len), false),
                    good.size(), "test.sst", &table);
    EXPECT_FALSE(s.ok()) << len;
  }
}

INSTANTIATE_TEST_SUITE_P(Table, TableCorruptionTest,
                         ::testing::Values(kv::Compression::kNone, kv::Compression::kLZ4,
                                           kv::Compression::kZstd));

// The point index keeps each index entry's block handle, checked once at open. An entry whose
// handle points past the data blocks (with a valid checksum, as a bug could write it) leaves the
// table without one: lookups that reach the entry report it, the others still answer.
TEST(TableTest, IndexEntryPointingPastTheDataIsReported) {
  Model model;
  for (int i = 0; i < 200; i++) model["key" + std::to_string(1000 + i)] = std::string(20, 'v');
  TableOptions options = BytewiseOptions();
  options.block_size = 256;
  std::string contents = BuildTable(options, model);
  Footer footer;
  ASSERT_TRUE(
      footer.DecodeFrom(Slice(contents).view().substr(contents.size() - Footer::kEncodedLength))
          .ok());
  const size_t index_at = footer.index_handle.offset();
  const size_t index_size = footer.index_handle.size();
  ASSERT_EQ(contents[index_at + index_size], static_cast<char>(kNoCompression));
  // The first entry: shared 0, key length, value length, key, then varint offset 0 and a
  // two-byte varint size, raised to 16383: past the data's end (a few kilobytes).
  const size_t key_length = static_cast<uint8_t>(contents[index_at + 1]);
  const size_t size_at = index_at + 3 + key_length + 1;
  ASSERT_EQ(contents[size_at - 1], 0);
  ASSERT_NE(contents[size_at] & 0x80, 0);
  ASSERT_LT(footer.index_handle.offset(), 16000u);
  contents[size_at] = static_cast<char>(0xff);
  contents[size_at + 1] = 0x7f;
  const uint32_t checksum = Checksum32(contents.data() + index_at, index_size + 1);
  std::string fixed;
  PutFixed32(&fixed, checksum);
  contents.replace(index_at + index_size + 1, 4, fixed);

  std::unique_ptr<Table> table;
  ASSERT_TRUE(OpenTable(options, contents, &table).ok());
  bool called = false;
  std::string found;
  Status s = ProbeGet(*table, model.begin()->first, &found, &called);
  EXPECT_TRUE(s.IsCorruption()) << s.ToString();
  EXPECT_NE(s.message().find("bad index entry"), std::string::npos) << s.ToString();
  called = false;
  ASSERT_TRUE(ProbeGet(*table, model.rbegin()->first, &found, &called).ok());
  EXPECT_TRUE(called);
  EXPECT_EQ(found, model.rbegin()->first);
}

}  // namespace
}  // namespace strata::lsm
