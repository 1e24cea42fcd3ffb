#include "lsm/table.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "base/coding.h"
#include "base/random.h"
#include "lsm/cache.h"
#include "lsm/dbformat.h"
#include "lsm/format.h"
#include "lsm/scan_test_util.h"
#include "lsm/table_builder.h"
#include "lsm/table_test_util.h"

namespace strata::lsm {
namespace {

using namespace table_test;  // NOLINT(build/namespaces): the table tests' helpers

// Checks every iterator operation against the model.
void CheckIterator(Iterator* it, const Model& model, Random* rnd, int seeks) {
  std::vector<std::string> keys;
  for (const auto& [k, v] : model) keys.push_back(k);
  ASSERT_NO_FATAL_FAILURE(ExpectForwardScan(it, model));
  ASSERT_TRUE(it->status().ok()) << it->status().ToString();
  auto rm = model.rbegin();
  for (it->SeekToLast(); it->Valid(); it->Prev(), ++rm) {
    ASSERT_NE(rm, model.rend());
    ASSERT_EQ(it->key().ToString(), rm->first);
    ASSERT_EQ(it->value().ToString(), rm->second);
  }
  ASSERT_EQ(rm, model.rend());

  for (int i = 0; i < seeks; i++) {
    std::string target = RandomKey(rnd);
    if (rnd->OneIn(2)) target = keys[rnd->Uniform(keys.size())];
    it->Seek(target);
    auto expect = model.lower_bound(target);
    for (int step = 0; step < 8; step++) {
      if (expect == model.end()) {
        ASSERT_FALSE(it->Valid());
        break;
      }
      ASSERT_TRUE(it->Valid());
      ASSERT_EQ(it->key().ToString(), expect->first);
      ASSERT_EQ(it->value().ToString(), expect->second);
      if (rnd->OneIn(2)) {
        it->Next();
        ++expect;
      } else {
        it->Prev();
        if (expect == model.begin()) {
          ASSERT_FALSE(it->Valid());
          break;
        }
        --expect;
      }
    }
  }
  ASSERT_TRUE(it->status().ok());
}

// Short scans without iterators (Table::ScanFrom), across block boundaries: from `rounds`
// targets (the last key, then random keys and the model's keys), `want` entries or to the
// table's end; every tenth scan wants up to `long_want`.
void CheckShortScans(const Table& table, const Model& model, Random* rnd, int rounds,
                     size_t long_want) {
  std::vector<std::string> keys;
  for (const auto& [k, v] : model) keys.push_back(k);
  for (int i = 0; i < rounds; i++) {
    const std::string target =
        i == 0 ? keys.back() : (rnd->OneIn(2) ? RandomKey(rnd) : keys[rnd->Uniform(keys.size())]);
    const size_t want = 1 + rnd->Uniform(i % 10 == 0 ? long_want : 8);
    Status s;
    ExpectShortScan(model, target, want,
                    [&](auto visit) { s = table.ScanFrom(target, true, visit); });
    ASSERT_TRUE(s.ok()) << s.ToString();
    if (testing::Test::HasFailure()) return;
  }
}

struct RoundTripParam {
  kv::Compression compression;
  bool mmap_like;
  bool use_cache;
};

class TableRoundTripTest : public ::testing::TestWithParam<RoundTripParam> {};

TEST_P(TableRoundTripTest, MatchesModel) {
  const RoundTripParam p = GetParam();
  const Model model = RandomModel(30000, 42);
  std::unique_ptr<Cache> cache = NewLRUCache(1 << 20);
  TableOptions options = BytewiseOptions(p.compression);
  if (p.use_cache) options.block_cache = cache.get();
  const std::string contents = BuildTable(options, model);

  uint64_t raw = 0;
  for (const auto& [k, v] : model) raw += k.size() + v.size();
  fprintf(stderr, "compression %d: %zu bytes for %llu raw\n", static_cast<int>(p.compression),
          contents.size(), static_cast<unsigned long long>(raw));
  if (p.compression != kv::Compression::kNone) {
    EXPECT_LT(contents.size(), raw * 3 / 4);
  }

  std::unique_ptr<Table> table;
  ASSERT_TRUE(OpenTable(options, contents, &table, p.mmap_like).ok());
  EXPECT_EQ(table->NumEntries(), model.size());
  EXPECT_EQ(table->properties().comparator_name, "strata.Bytewise");
  EXPECT_GT(table->properties().num_data_blocks, 10u);

  Random rnd(7);
  std::unique_ptr<Iterator> it(table->NewIterator(true));
  CheckIterator(it.get(), model, &rnd, 3000);
  it.reset();

  // Every key passes the filter and InternalGet finds it.
  for (const auto& [k, v] : model) {
    ASSERT_TRUE(table->KeyMayMatch(k));
    std::string found;
    ASSERT_TRUE(table
                    ->InternalGet(k, true, &found,
                                  [](void* arg, const Slice& fk, const Slice& fv) {
                                    *static_cast<std::string*>(arg) =
                                        fk.ToString() + "=" + fv.ToString();
                                  })
                    .ok());
    ASSERT_EQ(found, k + "=" + v);
  }
  CheckShortScans(*table, model, &rnd, 500, 1000);
  ASSERT_FALSE(HasFailure());
  if (p.use_cache) {
    const bool cachable = !(p.mmap_like && p.compression == kv::Compression::kNone);
    EXPECT_EQ(cache->TotalCharge() > 0, cachable);
    EXPECT_EQ(cache->hits() > 0, cachable);
  }
}

INSTANTIATE_TEST_SUITE_P(Table, TableRoundTripTest,
                         ::testing::Values(RoundTripParam{kv::Compression::kNone, false, false},
                                           RoundTripParam{kv::Compression::kNone, true, true},
                                           RoundTripParam{kv::Compression::kLZ4, false, true},
                                           RoundTripParam{kv::Compression::kLZ4, true, false},
                                           RoundTripParam{kv::Compression::kZstd, false, true},
                                           RoundTripParam{kv::Compression::kZstd, true, true}));

// A comparator the table does not know (its own name, bytewise order): no point index is built,
// and reads go through the index block's iterator instead.
class UnknownBytewiseComparator final : public Comparator {
 public:
  int Compare(const Slice& a, const Slice& b) const override {
    return BytewiseComparator()->Compare(a, b);
  }
  const char* Name() const override { return "test.UnknownBytewise"; }
  void FindShortestSeparator(std::string* start, const Slice& limit) const override {
    BytewiseComparator()->FindShortestSeparator(start, limit);
  }
  void FindShortSuccessor(std::string* key) const override {
    BytewiseComparator()->FindShortSuccessor(key);
  }
};

TEST(TableTest, ShortScansWithoutAPointIndexAgreeWithTheModel) {
  const Model model = RandomModel(5000, 11);
  const UnknownBytewiseComparator comparator;
  TableOptions options = BytewiseOptions();
  options.comparator = &comparator;
  options.block_size = 512;  // scans cross blocks
  std::unique_ptr<Table> table;
  ASSERT_TRUE(OpenTable(options, BuildTable(options, model), &table).ok());
  Random rnd(5);
  CheckShortScans(*table, model, &rnd, 300, 200);
}

// Point lookups search the index through packed fingerprints of the bytes after the keys'
// common prefix: keys and probes built to stress that (long shared prefixes, keys that are
// prefixes of others, zero and 0xff bytes, probes before, inside and past the prefix).
TEST(TableTest, PointLookupsAgreeWithTheModelOnTrickyKeys) {
  for (const std::string& prefix :
       {std::string(), std::string("user:0000"), std::string(40, 'p'), std::string("a\0\xff", 3)}) {
    Random rnd(prefix.size() + 3);
    Model model;
    auto random_tail = [&rnd]() {
      static const char kBytes[] = {'\0', '\x01', 'a', 'b', 'z', '\x7f', '\x80', '\xff'};
      std::string tail;
      const size_t n = rnd.Uniform(14);
      for (size_t i = 0; i < n; ++i) tail.push_back(kBytes[rnd.Uniform(sizeof(kBytes))]);
      return tail;
    };
    for (int i = 0; i < 5000; ++i) model[prefix + random_tail()] = std::to_string(i);
    TableOptions options = BytewiseOptions();
    options.block_size = 256;  // many index entries
    std::unique_ptr<Table> table;
    ASSERT_TRUE(OpenTable(options, BuildTable(options, model), &table).ok());
    std::vector<std::string> probes;
    for (const auto& [k, v] : model) probes.push_back(k);
    for (int i = 0; i < 5000; ++i) probes.push_back(prefix + random_tail());
    for (int i = 0; i < 200; ++i) {
      probes.push_back(prefix.substr(0, rnd.Uniform(prefix.size() + 1)) + random_tail());
    }
    probes.push_back("");
    probes.push_back(std::string(50, '\xff'));
    std::unique_ptr<Iterator> it(table->NewIterator());
    for (const std::string& probe : probes) {
      std::string found;
      bool called = false;
      ASSERT_TRUE(ProbeGet(*table, probe, &found, &called).ok());
      auto expect = model.lower_bound(probe);
      // Called with the first key >= probe, or not at all when that key lies past the block the
      // index names (a shortened separator); a present key is always found.
      if (called) {
        ASSERT_NE(expect, model.end()) << Slice(probe).ToString();
        EXPECT_EQ(found, expect->first);
      }
      if (model.count(probe) > 0) {
        EXPECT_TRUE(called);
      }
      // Iterators seek through the same index: exactly the first key >= probe, and for
      // SeekForPrev the last key <= probe.
      it->Seek(probe);
      ASSERT_EQ(it->Valid(), expect != model.end());
      if (it->Valid()) {
        EXPECT_EQ(it->key().ToString(), expect->first);
      }
      it->SeekForPrev(probe);
      auto before = model.upper_bound(probe);
      ASSERT_EQ(it->Valid(), before != model.begin());
      if (it->Valid()) {
        EXPECT_EQ(it->key().ToString(), std::prev(before)->first);
      }
    }
    EXPECT_TRUE(it->status().ok());
  }
}

TEST(TableTest, EmptyTable) {
  const TableOptions options = BytewiseOptions();
  const std::string contents = BuildTable(options, Model());
  std::unique_ptr<Table> table;
  ASSERT_TRUE(OpenTable(options, contents, &table).ok());
  EXPECT_EQ(table->NumEntries(), 0u);
  std::unique_ptr<Iterator> it(table->NewIterator());
  it->SeekToFirst();
  EXPECT_FALSE(it->Valid());
  it->SeekToLast();
  EXPECT_FALSE(it->Valid());
  it->Seek("a");
  EXPECT_FALSE(it->Valid());
  EXPECT_TRUE(it->status().ok());
  bool called = false;
  EXPECT_TRUE(table
                  ->InternalGet("a", true, &called,
                                [](void* arg, const Slice&, const Slice&) {
                                  *static_cast<bool*>(arg) = true;
                                })
                  .ok());
  EXPECT_FALSE(called);
  EXPECT_EQ(table->ApproximateOffsetOf("a"), 0u);
}

TEST(TableTest, NoFilter) {
  TableOptions options = BytewiseOptions(kv::Compression::kLZ4);
  options.bloom_bits_per_key = 0;
  const Model model = RandomModel(1000, 3);
  const std::string contents = BuildTable(options, model);
  std::unique_ptr<Table> table;
  ASSERT_TRUE(OpenTable(options, contents, &table).ok());
  EXPECT_TRUE(table->KeyMayMatch("not there"));
  Random rnd(3);
  std::unique_ptr<Iterator> it(table->NewIterator());
  CheckIterator(it.get(), model, &rnd, 500);
}

TEST(TableTest, ComparatorMismatchRefused) {
  const std::string contents = BuildTable(BytewiseOptions(), Model{{"a", "b"}});
  InternalKeyComparator icmp(BytewiseComparator());
  TableOptions options = BytewiseOptions();
  options.comparator = &icmp;
  std::unique_ptr<Table> table;
  Status s = OpenTable(options, contents, &table);
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
}

TEST(TableTest, ApproximateOffsets) {
  TableOptions options = BytewiseOptions();
  Model model;
  for (int i = 0; i < 1000; i++) {
    char key[16];
    snprintf(key, sizeof(key), "k%05d", i);
    model[key] = std::string(1000, 'x');  // ~1 MB of data
  }
  const std::string contents = BuildTable(options, model);
  std::unique_ptr<Table> table;
  ASSERT_TRUE(OpenTable(options, contents, &table).ok());
  EXPECT_EQ(table->ApproximateOffsetOf("a"), 0u);
  EXPECT_EQ(table->ApproximateOffsetOf("k00000"), 0u);
  const uint64_t mid = table->ApproximateOffsetOf("k00500");
  EXPECT_GT(mid, 450000u);
  EXPECT_LT(mid, 560000u);
  const uint64_t end = table->ApproximateOffsetOf("z");
  EXPECT_GT(end, 990000u);
  EXPECT_LE(end, contents.size());
  uint64_t last = 0;
  for (const auto& [k, v] : model) {
    const uint64_t off = table->ApproximateOffsetOf(k);
    ASSERT_GE(off, last);
    last = off;
  }
}

// A block stays valid under an iterator while the cache evicts it, and cache hits avoid reads.
TEST(TableTest, BlockCachePinsAndHits) {
  TableOptions options = BytewiseOptions(kv::Compression::kLZ4);
  std::unique_ptr<Cache> cache = NewLRUCache(16 * 12000);  // two or three blocks per shard
  options.block_cache = cache.get();
  const Model model = RandomModel(20000, 5);
  const std::string contents = BuildTable(options, model);
  std::atomic<int> reads{0};
  std::unique_ptr<Table> table;
  ASSERT_TRUE(OpenTable(options, contents, &table, false, &reads).ok());

  std::unique_ptr<Iterator> pinned(table->NewIterator());
  pinned->SeekToFirst();
  ASSERT_TRUE(pinned->Valid());
  const std::string first_key = pinned->key().ToString();
  // Churn the cache with full scans and prunes.
  for (int pass = 0; pass < 2; pass++) {
    std::unique_ptr<Iterator> it(table->NewIterator());
    size_t n = 0;
    for (it->SeekToFirst(); it->Valid(); it->Next()) n++;
    EXPECT_EQ(n, model.size());
    cache->Prune();
  }
  EXPECT_LE(cache->TotalCharge(), 16 * 12000u);
  ASSERT_EQ(pinned->key().ToString(), first_key);
  auto m = model.begin();
  for (; pinned->Valid(); pinned->Next(), ++m) ASSERT_EQ(pinned->key().ToString(), m->first);
  EXPECT_EQ(m, model.end());
  pinned.reset();

  // fill_cache=false leaves the cache as it is.
  cache->Prune();
  EXPECT_EQ(cache->TotalCharge(), 0u);
  std::unique_ptr<Iterator> scan(table->NewIterator(false));
  for (scan->SeekToFirst(); scan->Valid(); scan->Next()) {
  }
  EXPECT_EQ(cache->TotalCharge(), 0u);

  // Repeated lookups of one key are served from the cache.
  auto lookup = [&](const std::string& k) {
    return table->InternalGet(k, true, nullptr, [](void*, const Slice&, const Slice&) {});
  };
  ASSERT_TRUE(lookup(model.begin()->first).ok());
  const int before = reads.load();
  const uint64_t hits = cache->hits();
  for (int i = 0; i < 10; i++) ASSERT_TRUE(lookup(model.begin()->first).ok());
  EXPECT_EQ(reads.load(), before);
  EXPECT_EQ(cache->hits(), hits + 10);
}

// Through real files: the POSIX Env memory-maps tables, so raw blocks are used in place.
TEST(TableTest, ThroughPosixEnvAndMemEnv) {
  std::unique_ptr<Env> mem_env = NewMemEnv();
  for (Env* env : {Env::Default(), mem_env.get()}) {
    for (kv::Compression compression : {kv::Compression::kNone, kv::Compression::kLZ4}) {
      const std::string dir = ::testing::TempDir() + "strata_table_test";
      ASSERT_TRUE(env->CreateDir(dir).ok());
      const std::string name = dir + "/t.sst";
      TableOptions options = BytewiseOptions(compression);
      std::unique_ptr<Cache> cache = NewLRUCache(1 << 20);
      options.block_cache = cache.get();
      const Model model = RandomModel(5000, 21);
      std::unique_ptr<WritableFile> file;
      Status s = env->NewWritableFile(name, &file);
      ASSERT_TRUE(s.ok()) << s.ToString();
      TableBuilder builder(options, file.get());
      for (const auto& [k, v] : model) builder.Add(k, v);
      ASSERT_TRUE(builder.Finish().ok());
      ASSERT_TRUE(file->Sync().ok());
      ASSERT_TRUE(file->Close().ok());
      uint64_t size = 0;
      ASSERT_TRUE(env->GetFileSize(name, &size).ok());
      ASSERT_EQ(size, builder.FileSize());
      std::unique_ptr<RandomAccessFile> source;
      ASSERT_TRUE(env->NewRandomAccessFile(name, &source).ok());
      std::unique_ptr<Table> table;
      ASSERT_TRUE(Table::Open(options, std::move(source), size, name, &table).ok());
      Random rnd(21);
      std::unique_ptr<Iterator> it(table->NewIterator());
      CheckIterator(it.get(), model, &rnd, 500);
      it.reset();
      table.reset();
      ASSERT_TRUE(env->RemoveFile(name).ok());
      ASSERT_TRUE(env->RemoveDir(dir).ok());
    }
  }
}

// Internal keys: several versions per user key, filter over user keys.
// Keys of two spaces with long shared prefixes (as the document layer's records and index
// entries in one table): the common prefix is empty, so most entries share one fingerprint and
// the search among the ties decides.
TEST(TableTest, PointLookupsWithMostlyTiedFingerprints) {
  Model model;
  for (uint32_t i = 0; i < 4000; ++i) {
    for (char space : {'\x02', '\x03'}) {
      std::string key(1, space);
      key.append(12, '\0');
      for (int b = 3; b >= 0; --b) key.push_back(static_cast<char>((i * 2 + 1) >> (8 * b)));
      model[key] = std::to_string(i);
    }
  }
  TableOptions options = BytewiseOptions();
  options.block_size = 256;  // many index entries
  std::unique_ptr<Table> table;
  ASSERT_TRUE(OpenTable(options, BuildTable(options, model), &table).ok());
  std::unique_ptr<Iterator> it(table->NewIterator());
  std::vector<std::string> probes;
  for (const auto& [k, v] : model) {
    probes.push_back(k);
    std::string between = k;
    between.back() = static_cast<char>(between.back() + 1);  // keys are odd: never a key
    probes.push_back(between);
  }
  probes.push_back(std::string(1, '\x01'));
  probes.push_back(std::string(1, '\x04'));
  for (const std::string& probe : probes) {
    bool called = false;
    std::string found;
    ASSERT_TRUE(ProbeGet(*table, probe, &found, &called).ok());
    auto expect = model.lower_bound(probe);
    if (model.count(probe) > 0) {
      ASSERT_TRUE(called);
      EXPECT_EQ(found, probe);
    }
    it->Seek(probe);
    ASSERT_EQ(it->Valid(), expect != model.end());
    if (it->Valid()) {
      EXPECT_EQ(it->key().ToString(), expect->first);
    }
  }
  EXPECT_TRUE(it->status().ok());
}

TEST(TableTest, OpenTableChargesItsFilterAndIndexToTheBlockCache) {
  TableOptions options = BytewiseOptions(kv::Compression::kLZ4);
  std::unique_ptr<Cache> cache = NewLRUCache(64 << 20);
  options.block_cache = cache.get();
  const std::string contents = BuildTable(options, RandomModel(20000, 8));
  std::unique_ptr<Table> table;
  ASSERT_TRUE(OpenTable(options, contents, &table).ok());
  // Before any read: the reservation, at least the filter's 10 bits per key.
  const size_t reserved = cache->TotalCharge();
  EXPECT_GE(reserved, 20000u * 10 / 8);
  EXPECT_LT(reserved, contents.size());
  // A read adds its block, charged with more than the block's bytes.
  std::unique_ptr<Iterator> it(table->NewIterator());
  it->SeekToFirst();
  ASSERT_TRUE(it->Valid());
  EXPECT_GT(cache->TotalCharge(), reserved + options.block_size);
  it.reset();
  // Closing the table gives its reservation back; its blocks stay until evicted.
  const size_t with_table = cache->TotalCharge();
  table.reset();
  EXPECT_EQ(cache->TotalCharge(), with_table - reserved);
}

TEST(TableTest, InternalGetWithInternalKeys) {
  InternalKeyComparator icmp(BytewiseComparator());
  auto less = [&icmp](const std::string& a, const std::string& b) {
    return icmp.Compare(a, b) < 0;
  };
  std::map<std::string, std::string, decltype(less)> model(less);
  std::vector<std::string> user_keys;
  Random rnd(11);
  for (int i = 0; i < 10000; i++) {
    const std::string ukey = "user" + std::to_string(i * 7919 % 100003);
    user_keys.push_back(ukey);
    const int versions = 1 + static_cast<int>(rnd.Uniform(3));
    for (int v = 0; v < versions; v++) {
      const SequenceNumber seq = 1 + rnd.Uniform(1000);
      const ValueType type = rnd.OneIn(5) ? kTypeDeletion : kTypeValue;
      std::string ikey;
      AppendInternalKey(&ikey, ukey, seq, type);
      model[ikey] = type == kTypeValue ? ukey + "@" + std::to_string(seq) : "";
    }
  }
  TableOptions options;
  options.comparator = &icmp;
  options.filter_user_keys = true;
  std::unique_ptr<Cache> cache = NewLRUCache(1 << 20);
  options.block_cache = cache.get();
  const std::string contents = BuildTable(options, model);
  std::unique_ptr<Table> table;
  ASSERT_TRUE(OpenTable(options, contents, &table).ok());

  struct Found {
    bool called = false;
    std::string key, value;
  };
  auto save = [](void* arg, const Slice& k, const Slice& v) {
    auto* f = static_cast<Found*>(arg);
    f->called = true;
    f->key = k.ToString();
    f->value = v.ToString();
  };
  for (const std::string& ukey : user_keys) {
    const SequenceNumber snapshot = rnd.Uniform(1100);
    LookupKey lkey(ukey, snapshot);
    Found found;
    ASSERT_TRUE(table->InternalGet(lkey.internal_key(), true, &found, save).ok());
    auto expect = model.lower_bound(lkey.internal_key().ToString());
    const bool expect_same_user_key =
        expect != model.end() && ExtractUserKey(expect->first) == Slice(ukey);
    if (expect_same_user_key) {
      ASSERT_TRUE(found.called);
    }
    if (found.called) {
      ASSERT_NE(expect, model.end());
      ASSERT_EQ(found.key, expect->first);
      ASSERT_EQ(found.value, expect->second);
    }
  }
  // Absent user keys are mostly ruled out by the filter.
  int filtered = 0;
  for (int i = 0; i < 10000; i++) {
    LookupKey lkey("absent" + std::to_string(i), kMaxSequenceNumber);
    filtered += table->KeyMayMatch(lkey.internal_key()) ? 0 : 1;
  }
  EXPECT_GT(filtered, 9700);
}

std::string Hex(const std::string& s) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

// The tiny table of docs/formats/sstable.md.
std::string TestVectorTable() {
  TableOptions options = BytewiseOptions(kv::Compression::kNone);
  return BuildTable(options, Model{{"apple", "red"}, {"banana", "yellow"}});
}

TEST(TableFormatTest, DocumentedTestVector) {
  // The document sits at <repo>/docs/formats/sstable.md; this file at <repo>/src/lsm/.
  std::string path = __FILE__;
  path = path.substr(0, path.rfind("/src/lsm/")) + "/docs/formats/sstable.md";
  std::ifstream in(path);
  ASSERT_TRUE(in.good()) << path;
  std::stringstream doc;
  doc << in.rdbuf();
  const std::string text = doc.str();
  const std::string begin_marker = "<!-- test-vector-begin -->";
  const size_t begin = text.find(begin_marker);
  const size_t end = text.find("<!-- test-vector-end -->");
  ASSERT_NE(begin, std::string::npos);
  ASSERT_NE(end, std::string::npos);
  // Hex digits of the dump lines ("0000: 6170 ..."), skipping each line's offset label.
  std::string hex;
  std::istringstream lines(text.substr(begin + begin_marker.size(), end - begin));
  for (std::string line; std::getline(lines, line);) {
    const size_t colon = line.find(':');
    if (colon == std::string::npos || line.rfind("```", 0) == 0) continue;
    for (char c : line.substr(colon + 1)) {
      if (isxdigit(static_cast<unsigned char>(c))) hex.push_back(static_cast<char>(tolower(c)));
    }
  }
  const std::string table = TestVectorTable();
  EXPECT_EQ(hex, Hex(table)) << "update docs/formats/sstable.md";

  std::unique_ptr<Table> opened;
  ASSERT_TRUE(OpenTable(BytewiseOptions(), table, &opened).ok());
  EXPECT_EQ(opened->NumEntries(), 2u);
}

}  // namespace
}  // namespace strata::lsm
