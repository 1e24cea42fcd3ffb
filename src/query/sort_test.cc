#include "query/sort.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "query/query_test_util.h"

namespace strata::query {
namespace {

using testing::Debug;
using testing::J;

// Sorts docs (given as relaxed JSON, each with an `id`) and returns the ids in order.
std::string Order(const char* spec, std::vector<const char*> docs) {
  Result<SortSpec> s = SortSpec::Parse(J(spec));
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  std::vector<Value> values;
  for (const char* d : docs) values.push_back(J(d));
  std::stable_sort(values.begin(), values.end(),
                   [&s](const Value& a, const Value& b) { return s->Compare(a, b) < 0; });
  std::string out;
  for (const Value& v : values) out += Debug(*v.Find("id")) + " ";
  return out;
}

TEST(SortTest, Parse) {
  EXPECT_TRUE(SortSpec::Parse(J("{a: 1, 'b.c': -1}")).ok());
  EXPECT_TRUE(SortSpec::Parse(J("{a: 1.0}")).ok());
  EXPECT_EQ(SortSpec::Parse(J("{}")).status().message(), "a sort needs at least one key");
  EXPECT_EQ(SortSpec::Parse(J("{a: 2}")).status().message(),
            "sort direction at 'a' must be 1 or -1");
  EXPECT_FALSE(SortSpec::Parse(J("{a: 'asc'}")).ok());
  Result<SortSpec> s = SortSpec::Parse(J("{a: 1, b: -1}"));
  ASSERT_TRUE(s.ok());
  ASSERT_EQ(s->keys().size(), 2u);
  EXPECT_EQ(s->keys()[1].first, "b");
  EXPECT_EQ(s->keys()[1].second, -1);
}

TEST(SortTest, CrossTypeOrderAndMissing) {
  EXPECT_EQ(Order("{a: 1}", {"{id: 1, a: 'x'}", "{id: 2, a: 5}", "{id: 3}", "{id: 4, a: null}",
                             "{id: 5, a: true}", "{id: 6, a: {}}", "{id: 7, a: 2.5}"}),
            "3 4 7 2 1 6 5 ");  // missing and null tie, keeping input order
  EXPECT_EQ(Order("{a: -1}", {"{id: 1, a: 1}", "{id: 2, a: 'b'}", "{id: 3}"}), "2 1 3 ");
}

TEST(SortTest, ArraysBySmallestOrLargestElement) {
  std::vector<const char*> docs = {"{id: 1, a: [1, 9]}", "{id: 2, a: 5}", "{id: 3, a: [3, 4]}",
                                   "{id: 4, a: []}"};
  EXPECT_EQ(Order("{a: 1}", docs), "4 1 3 2 ");   // [] below null; [1, 9] by 1
  EXPECT_EQ(Order("{a: -1}", docs), "1 2 3 4 ");  // [1, 9] by 9
  EXPECT_EQ(Order("{'a.b': 1}", {"{id: 1, a: [{b: 5}, {b: 1}]}", "{id: 2, a: {b: 3}}"}), "1 2 ");
  EXPECT_EQ(Order("{'a.b': -1}", {"{id: 1, a: [{b: 5}, {b: 1}]}", "{id: 2, a: {b: 3}}"}), "1 2 ");
  // An element without the field counts as null.
  EXPECT_EQ(Order("{'a.b': 1}", {"{id: 1, a: [{b: 5}, {c: 1}]}", "{id: 2, a: {b: 3}}"}), "1 2 ");
}

TEST(SortTest, SecondKeyBreaksTies) {
  EXPECT_EQ(
      Order("{a: 1, b: -1}", {"{id: 1, a: 1, b: 1}", "{id: 2, a: 1, b: 2}", "{id: 3, a: 0, b: 0}"}),
      "3 2 1 ");
}

TEST(SortTest, SortKeyOf) {
  EXPECT_EQ(SortKeyOf(J("{a: [3, 1, 2]}"), "a", 1), Value(1));
  EXPECT_EQ(SortKeyOf(J("{a: [3, 1, 2]}"), "a", -1), Value(3));
  EXPECT_EQ(SortKeyOf(J("{}"), "a", 1), Value());
  EXPECT_EQ(SortKeyOf(J("{a: []}"), "a", 1), Value::MinKey());
  EXPECT_EQ(SortKeyOf(J("{a: {b: 'x'}}"), "a.b", 1), Value("x"));
}

}  // namespace
}  // namespace strata::query
