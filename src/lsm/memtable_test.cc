// MemTable's filter: every key added is found, and a key never added is rarely let through. A
// point read or a prefix scan probes every memtable of the write buffer (up to a dozen while
// flushes wait), and each false positive costs a skiplist descent or, for a scan, the merging
// iterator instead of reading in place.
#include "lsm/memtable.h"

#include <gtest/gtest.h>

#include <string>

#include "base/random.h"
#include "lsm/dbformat.h"

namespace strata::lsm {
namespace {

constexpr size_t kMemTableBytes = 4 << 20;  // one memtable of the default write buffer

// Fills a memtable as a document load does: per document a record (a short key, ~110 bytes of
// value) and two index entries (longer keys, empty values). Returns the number of keys added.
size_t FillLikeDocuments(MemTable* mem, Random* rnd) {
  size_t keys = 0;
  std::string value(110, 'v');
  for (uint64_t doc = 0; mem->ApproximateMemoryUsage() < kMemTableBytes; ++doc) {
    const std::string id = std::to_string(1000000 + doc);
    mem->Add(3 * doc + 1, kTypeValue, "r/" + id, value);
    mem->Add(3 * doc + 2, kTypeValue,
             "i1/user" + std::to_string(rnd->Next()) + "@example.com/" + id, "");
    mem->Add(3 * doc + 3, kTypeValue, "i2/" + std::to_string(rnd->Uniform(1000000)) + "/" + id, "");
    keys += 3;
  }
  return keys;
}

TEST(MemTableFilterTest, FindsEveryKeyAndRarelyLetsAnAbsentOneThrough) {
  InternalKeyComparator icmp(BytewiseComparator());
  MemTable* mem = new MemTable(icmp, kMemTableBytes);
  mem->Ref();
  Random rnd(301);
  const size_t keys = FillLikeDocuments(mem, &rnd);
  ASSERT_GT(keys, 30000u);

  // Present keys: never filtered out.
  for (uint64_t doc = 0; doc < keys / 3; doc += 97) {
    std::string value;
    Status s;
    LookupKey lk("r/" + std::to_string(1000000 + doc), kMaxSequenceNumber);
    ASSERT_TRUE(mem->Get(lk, &value, &s)) << doc;
    EXPECT_EQ(value.size(), 110u);
  }
  // Absent keys: PrefixMayMatch asks the filter alone (whole keys without an extractor).
  constexpr int kProbes = 200000;
  int passed = 0;
  for (int i = 0; i < kProbes; i++) {
    passed += mem->PrefixMayMatch("r/absent-" + std::to_string(i));
  }
  const double rate = static_cast<double>(passed) / kProbes;
  fprintf(stderr, "memtable filter: %zu keys, %.3f%% false positives\n", keys, rate * 100);
  // A dozen memtables at this rate let about 1% of reads of absent keys into a skiplist.
  EXPECT_LT(rate, 0.001);
  mem->Unref();
}

}  // namespace
}  // namespace strata::lsm
