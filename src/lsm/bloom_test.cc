#include "lsm/bloom.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "base/coding.h"

namespace strata::lsm {
namespace {

std::string Key(uint64_t i, char tag) {
  std::string k = "key";
  k.push_back(tag);
  PutFixed64(&k, i);
  return k;
}

double FalsePositiveRate(const std::string& filter, int n) {
  int hits = 0;
  const int probes = 100000;
  for (int i = 0; i < probes; i++) hits += BloomFilterMayMatch(filter, Key(i + n, 'x')) ? 1 : 0;
  return static_cast<double>(hits) / probes;
}

TEST(BloomTest, EmptyAndMalformedFiltersMatchEverything) {
  EXPECT_TRUE(BloomFilterMayMatch(Slice(), "a"));
  EXPECT_TRUE(BloomFilterMayMatch("short", "a"));
  std::string bad(64, '\0');
  bad.push_back(0);  // zero probes
  PutFixed32(&bad, 1);
  EXPECT_TRUE(BloomFilterMayMatch(bad, "a"));
  std::string wrong_lines(64, '\0');
  wrong_lines.push_back(6);
  PutFixed32(&wrong_lines, 2);  // says 2 lines, has 1
  EXPECT_TRUE(BloomFilterMayMatch(wrong_lines, "a"));
}

TEST(BloomTest, NoKeys) {
  BloomFilterBuilder builder(10);
  const std::string filter = builder.Finish();
  EXPECT_FALSE(BloomFilterMayMatch(filter, "hello"));
  EXPECT_FALSE(BloomFilterMayMatch(filter, ""));
}

TEST(BloomTest, LayoutStoresProbes) {
  BloomFilterBuilder builder(10);
  builder.AddKey("a");
  const std::string filter = builder.Finish();
  ASSERT_EQ(filter.size(), 64u + 5u);
  EXPECT_EQ(filter[64], 6);  // probes at 10 bits/key
  EXPECT_EQ(DecodeFixed32(filter.data() + 65), 1u);
  EXPECT_TRUE(BloomFilterMayMatch(filter, "a"));
}

TEST(BloomTest, FalsePositiveRate100k) {
  const int n = 100000;
  BloomFilterBuilder builder(10);
  for (int i = 0; i < n; i++) builder.AddKey(Key(i, 'k'));
  const std::string filter = builder.Finish();
  EXPECT_LE(filter.size(), static_cast<size_t>(n) * 10 / 8 + 64 + 5);
  for (int i = 0; i < n; i++) ASSERT_TRUE(BloomFilterMayMatch(filter, Key(i, 'k'))) << i;
  const double rate = FalsePositiveRate(filter, n);
  fprintf(stderr, "bloom: %.3f%% false positives at 10 bits/key, 100k keys\n", rate * 100);
  EXPECT_LT(rate, 0.02);
}

TEST(BloomTest, VaryingSizes) {
  for (int n : {1, 10, 100, 1000, 10000}) {
    BloomFilterBuilder builder(10);
    for (int i = 0; i < n; i++) builder.AddKey(Key(i, 'k'));
    const std::string filter = builder.Finish();
    for (int i = 0; i < n; i++) ASSERT_TRUE(BloomFilterMayMatch(filter, Key(i, 'k')));
    EXPECT_LT(FalsePositiveRate(filter, n), 0.03) << n;
  }
}

TEST(BloomTest, OtherBitsPerKey) {
  for (int bits : {1, 5, 20}) {
    BloomFilterBuilder builder(bits);
    for (int i = 0; i < 5000; i++) builder.AddKey(Key(i, 'k'));
    const std::string filter = builder.Finish();
    for (int i = 0; i < 5000; i++) ASSERT_TRUE(BloomFilterMayMatch(filter, Key(i, 'k')));
    if (bits == 20) {
      EXPECT_LT(FalsePositiveRate(filter, 5000), 0.002);
    }
  }
}

}  // namespace
}  // namespace strata::lsm
