#include "codec/path.h"

#include <gtest/gtest.h>

#include <vector>

namespace strata::codec {
namespace {

Value Obj(std::initializer_list<Field> f) { return Value::MakeObject(f); }
Value Arr(std::initializer_list<Value> a) { return Value::MakeArray(a); }

std::vector<Value> Collect(const Value& doc, std::string_view path) {
  std::vector<const Value*> out;
  CollectPathValues(doc, path, &out);
  std::vector<Value> values;
  for (const Value* v : out) values.push_back(*v);
  return values;
}

TEST(PathTest, ParseArrayIndex) {
  EXPECT_EQ(ParseArrayIndex("0"), 0);
  EXPECT_EQ(ParseArrayIndex("12"), 12);
  EXPECT_EQ(ParseArrayIndex("01"), -1);
  EXPECT_EQ(ParseArrayIndex(""), -1);
  EXPECT_EQ(ParseArrayIndex("1a"), -1);
  EXPECT_EQ(ParseArrayIndex("-1"), -1);
}

TEST(PathTest, FieldPathSplits) {
  FieldPath p("a.0.b");
  EXPECT_EQ(p.dotted, "a.0.b");
  ASSERT_EQ(p.parts.size(), 3u);
  EXPECT_EQ(p.parts[1], "0");
  EXPECT_EQ(p.index[0], -1);
  EXPECT_EQ(p.index[1], 0);
  FieldPath e("");
  ASSERT_EQ(e.parts.size(), 1u);
  EXPECT_EQ(e.parts[0], "");
}

TEST(PathTest, ObjectsAndMissing) {
  Value doc = Obj({{"a", Obj({{"b", 1}})}, {"c", 2}});
  EXPECT_EQ(Collect(doc, "a.b"), std::vector<Value>{Value(1)});
  EXPECT_EQ(Collect(doc, "c"), std::vector<Value>{Value(2)});
  EXPECT_TRUE(Collect(doc, "a.x").empty());
  EXPECT_TRUE(Collect(doc, "c.x").empty());
  EXPECT_TRUE(Collect(doc, "z").empty());
}

TEST(PathTest, ArraysFanOutAndLeafArraysStayWhole) {
  Value doc = Obj({{"a", Arr({Obj({{"b", 1}}), Obj({{"b", Arr({2, 3})}}), 4, Obj({})})}});
  std::vector<Value> got = Collect(doc, "a.b");
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0], Value(1));
  EXPECT_EQ(got[1], Arr({2, 3}));
  EXPECT_EQ(Collect(doc, "a").size(), 1u);  // the array itself
  EXPECT_TRUE(Collect(Obj({{"a", Arr({Arr({Obj({{"b", 1}})})})}}), "a.b").empty());
}

TEST(PathTest, NumericSteps) {
  Value doc = Obj({{"a", Arr({Obj({{"0", "field"}}), 7, Arr({8, 9})})}});
  std::vector<Value> got = Collect(doc, "a.0");
  ASSERT_EQ(got.size(), 2u);  // the element's field "0", then the element at index 0
  EXPECT_EQ(got[0], Value("field"));
  EXPECT_EQ(got[1], Obj({{"0", "field"}}));
  EXPECT_EQ(Collect(doc, "a.1"), std::vector<Value>{Value(7)});
  EXPECT_EQ(Collect(doc, "a.2.1"), std::vector<Value>{Value(9)});
  EXPECT_TRUE(Collect(doc, "a.5").empty());
}

TEST(PathTest, VisitReportsMissingAndExpandsLeaves) {
  Value doc = Obj({{"a", Arr({1, 2})}, {"s", 5}});
  int missing = 0, values = 0;
  auto count = [&](const Value* v) {
    (v == nullptr ? missing : values)++;
    return false;
  };
  VisitPath(doc, FieldPath("a"), true, count);
  EXPECT_EQ(values, 3);  // 1, 2, then the array
  EXPECT_EQ(missing, 0);
  values = 0;
  VisitPath(doc, FieldPath("s.x"), true, count);
  EXPECT_EQ(missing, 1);
  missing = 0;
  VisitPath(doc, FieldPath("a.x"), true, count);  // no object element: nothing at all
  EXPECT_EQ(missing + values, 0);
  bool stopped = VisitPath(doc, FieldPath("a"), true,
                           [](const Value* v) { return v != nullptr && *v == Value(1); });
  EXPECT_TRUE(stopped);
}

TEST(PathTest, CrossesArray) {
  Value doc = Obj({{"a", Arr({Obj({{"b", 1}})})}, {"o", Obj({{"p", Arr({1})}})}});
  EXPECT_TRUE(PathCrossesArray(doc, "a.b"));
  EXPECT_FALSE(PathCrossesArray(doc, "a"));
  EXPECT_FALSE(PathCrossesArray(doc, "o.p"));
  EXPECT_TRUE(PathCrossesArray(doc, "o.p.x"));
  EXPECT_FALSE(PathCrossesArray(doc, "z.y"));
}

}  // namespace
}  // namespace strata::codec
