// The document layer's filter prefix (KeyspacePrefixExtractor) against its contract: a range it
// names a prefix for holds only keys with that prefix. A wrong answer would make the engine skip
// tables that hold index entries, so the contract is checked over every pair of keys and
// ranges built from a pool of values chosen to sit next to each other in byte order.
#include "doc/keyspace.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "codec/key_codec.h"
#include "doc/index_maintainer.h"

namespace strata::doc {
namespace {

std::vector<Value> ValuePool() {
  using namespace std::string_literals;
  return {Value(""),
          Value("a"),
          Value("a\0"s),
          Value("a\0b"s),
          Value("a\xff"s),
          Value("ab"),
          Value("b"),
          Value(int64_t{-1}),
          Value(int64_t{0}),
          Value(int64_t{1}),
          Value(1.0),
          Value(1.5),
          Value(true),
          Value(),
          Value::MakeArray({Value("a")}),
          Value::MakeArray({Value("a"), Value(int64_t{1})}),
          Value::MakeObject({{"a", Value(int64_t{1})}})};
}

std::string IndexKey(uint32_t index, const std::vector<Value>& elements, bool inverted) {
  std::string key = IndexPrefix(index);
  for (const Value& v : elements) {
    const size_t from = key.size();
    codec::AppendKeyElement(&key, v);
    if (inverted) InvertBytes(&key, from);
  }
  return key;
}

TEST(KeyspacePrefixTest, IndexEntriesArePrefixedByTheirFirstElement) {
  auto px = KeyspacePrefixExtractor();
  const std::string prefix = IndexPrefix(7);
  std::string first = prefix;
  codec::AppendKeyElement(&first, Value("x@example.com"));
  std::string entry = first;
  codec::AppendKeyElement(&entry, Value(int64_t{42}));
  EXPECT_EQ(px->PrefixLength(entry), first.size());
  EXPECT_EQ(px->PrefixLength(first), first.size());
  // Equality scans, as the planner bounds them, get the prefix; a scan of the whole index does not.
  EXPECT_EQ(px->RangePrefixLength(first, codec::TuplePrefixLimit(first)), first.size());
  EXPECT_EQ(px->RangePrefixLength(prefix, codec::PrefixSuccessor(prefix)), 0u);
  // Records, the catalog and typed tables are filtered by whole key.
  EXPECT_EQ(px->PrefixLength(RecordKey(7, Value(int64_t{42}))), 0u);
  EXPECT_EQ(px->PrefixLength(CollectionDescriptorKey("people")), 0u);
  EXPECT_EQ(px->PrefixLength(std::string(1, kTableSpace) + "abc"), 0u);
  EXPECT_EQ(px->PrefixLength(prefix), 0u);
  EXPECT_EQ(px->PrefixLength(prefix + "\x20unterminated"), 0u);
}

TEST(KeyspacePrefixTest, EveryKeyInANamedRangeHasItsPrefix) {
  auto px = KeyspacePrefixExtractor();
  const std::vector<Value> pool = ValuePool();
  std::vector<std::string> keys;
  for (uint32_t index : {3u, 4u}) {
    for (bool inverted : {false, true}) {
      for (const Value& a : pool) {
        keys.push_back(IndexKey(index, {a}, inverted));
        for (const Value& b : pool) keys.push_back(IndexKey(index, {a, b}, inverted));
      }
    }
  }
  std::mt19937_64 rng(20261121);
  for (int i = 0; i < 300; ++i) {  // some damaged keys too
    std::string k = keys[rng() % keys.size()];
    k[5 + rng() % (k.size() - 5)] = static_cast<char>(rng());
    keys.push_back(std::move(k));
  }
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());

  std::vector<std::pair<std::string, std::string>> ranges;
  for (const std::string& k : keys) {
    ranges.emplace_back(k, codec::TuplePrefixLimit(k));  // the planner's equality range
    ranges.emplace_back(k, codec::PrefixSuccessor(k));
    ranges.emplace_back(k, k + '\0');
  }
  for (int i = 0; i < 3000; ++i) {
    const std::string& a = keys[rng() % keys.size()];
    const std::string& b = keys[rng() % keys.size()];
    ranges.emplace_back(std::min(a, b), std::max(a, b));
  }
  size_t named = 0, checked = 0;
  for (const auto& [lower, upper] : ranges) {
    const size_t n = px->RangePrefixLength(lower, upper);
    if (n == 0) continue;
    ++named;
    ASSERT_LE(n, lower.size());
    const std::string prefix = lower.substr(0, n);
    for (auto it = std::lower_bound(keys.begin(), keys.end(), lower);
         it != keys.end() && *it < upper; ++it) {
      ++checked;
      ASSERT_TRUE(it->starts_with(prefix)) << "range " << ::testing::PrintToString(lower);
      ASSERT_EQ(px->PrefixLength(*it), n) << ::testing::PrintToString(*it);
    }
  }
  EXPECT_GT(named, keys.size() / 2);
  EXPECT_GT(checked, keys.size());
}

}  // namespace
}  // namespace strata::doc
