#include "aggregate/accumulator.h"

#include <gtest/gtest.h>

#include "aggregate/test_util.h"
#include "aggregate/value_ops.h"

namespace strata::aggregate {
namespace {

using testing::J;
using testing::Show;

// Feeds the elements of `operands` (a relaxed-JSON array; "<missing>" stands for a missing
// operand) to a fresh accumulator and shows its result.
std::string Acc(std::string_view op, std::string_view operands) {
  std::unique_ptr<Accumulator> acc = MakeAccumulator(op);
  if (acc == nullptr) return "unknown";
  Value list = J(operands);
  for (const Value& v : list.as_array()) {
    acc->Process(v.is_string() && v.as_string() == "<missing>" ? Missing() : v);
  }
  return Show(acc->Finish());
}

TEST(AccumulatorTest, Sum) {
  EXPECT_EQ(Acc("$sum", "[1, 2, 3]"), "6");
  EXPECT_EQ(Acc("$sum", "[1, 2.5]"), "3.5");
  EXPECT_EQ(Acc("$sum", "[1, 'x', null, [5], '<missing>', true]"), "1");
  EXPECT_EQ(Acc("$sum", "[]"), "0");
  EXPECT_EQ(Acc("$sum", "[9223372036854775807, 1]"), "9223372036854775808.0");
  // Compensated summation keeps 0.1 * 10 exact enough to print as 1.
  EXPECT_EQ(Acc("$sum", "[0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1]"), "1.0");
}

TEST(AccumulatorTest, Avg) {
  EXPECT_EQ(Acc("$avg", "[1, 2]"), "1.5");
  EXPECT_EQ(Acc("$avg", "[2, 'x', null, 4]"), "3.0");
  EXPECT_EQ(Acc("$avg", "[]"), "null");
  EXPECT_EQ(Acc("$avg", "['x']"), "null");
}

TEST(AccumulatorTest, MinMax) {
  EXPECT_EQ(Acc("$min", "[3, 1, 2]"), "1");
  EXPECT_EQ(Acc("$max", "[3, 1, 2]"), "3");
  EXPECT_EQ(Acc("$min", "[null, '<missing>', 'b', 5]"), "5");
  EXPECT_EQ(Acc("$max", "[null, 'b', 5, {a: 1}]"), "{a: 1}");
  EXPECT_EQ(Acc("$min", "[null, '<missing>']"), "null");
  EXPECT_EQ(Acc("$max", "[]"), "null");
  EXPECT_EQ(Acc("$min", "[2, 2.0]"), "2");  // equal values keep the first
}

TEST(AccumulatorTest, FirstLast) {
  EXPECT_EQ(Acc("$first", "[1, 2, 3]"), "1");
  EXPECT_EQ(Acc("$last", "[1, 2, 3]"), "3");
  EXPECT_EQ(Acc("$first", "['<missing>', 2]"), "null");
  EXPECT_EQ(Acc("$last", "[1, '<missing>']"), "null");
  EXPECT_EQ(Acc("$first", "[null, 2]"), "null");
  EXPECT_EQ(Acc("$first", "[]"), "null");
}

TEST(AccumulatorTest, PushAddToSet) {
  EXPECT_EQ(Acc("$push", "[1, '<missing>', null, [2], 1]"), "[1, null, [2], 1]");
  EXPECT_EQ(Acc("$push", "[]"), "[]");
  EXPECT_EQ(Acc("$addToSet", "[1, 2, 1.0, '<missing>', 'a', 2, {x: 1}, {x: 1.0}]"),
            "[1, 2, \"a\", {x: 1}]");
}

TEST(AccumulatorTest, Count) {
  EXPECT_EQ(Acc("$count", "[1, null, '<missing>']"), "3");
  EXPECT_EQ(Acc("$count", "[]"), "0");
}

TEST(AccumulatorTest, UnknownIsNull) { EXPECT_EQ(MakeAccumulator("$median"), nullptr); }

TEST(AccumulatorTest, MemoryGrowsWithHeldValues) {
  auto push = MakeAccumulator("$push");
  auto sum = MakeAccumulator("$sum");
  Value big(std::string(1000, 'x'));
  for (int i = 0; i < 10; ++i) {
    push->Process(big);
    sum->Process(Value(i));
  }
  EXPECT_GE(push->memory(), 10000u);
  EXPECT_EQ(sum->memory(), 0u);
  auto set = MakeAccumulator("$addToSet");
  for (int i = 0; i < 10; ++i) set->Process(big);
  EXPECT_LT(set->memory(), 3000u);  // one distinct value held
}

}  // namespace
}  // namespace strata::aggregate
