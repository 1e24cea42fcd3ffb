#include "aggregate/expression.h"

#include <gtest/gtest.h>

#include <cmath>

#include "aggregate/test_util.h"

namespace strata::aggregate {
namespace {

using testing::J;
using testing::Show;

std::string Eval(std::string_view expr, std::string_view doc = "{}") {
  Result<Value> r = EvaluateExpression(J(expr), J(doc), 1700000000000);
  if (!r.ok()) return "error: " + r.status().message();
  return Show(*r);
}

TEST(ExpressionTest, FieldPaths) {
  EXPECT_EQ(Eval("'$a'", "{a: 1}"), "1");
  EXPECT_EQ(Eval("'$a.b'", "{a: {b: 'x'}}"), "\"x\"");
  EXPECT_EQ(Eval("'$a.b'", "{a: 5}"), "<missing>");
  EXPECT_EQ(Eval("'$nope'", "{a: 1}"), "<missing>");
  // Fan-out over arrays: scalars and misses drop out, nested arrays stay nested.
  EXPECT_EQ(Eval("'$a.b'", "{a: [{b: 1}, {c: 2}, 3, {b: [4]}]}"), "[1, [4]]");
  EXPECT_EQ(Eval("'$a.b.c'", "{a: [{b: [{c: 1}, {c: 2}]}, {b: {c: 3}}]}"), "[[1, 2], 3]");
  EXPECT_EQ(Eval("'$a.b'", "{a: [[{b: 1}], {b: 2}]}"), "[[1], 2]");
  // No numeric indexing in expression paths: "0" is a field name.
  EXPECT_EQ(Eval("'$a.0'", "{a: [10, 20]}"), "[]");
  EXPECT_EQ(Eval("'$a.0'", "{a: {'0': 'zero'}}"), "\"zero\"");
}

TEST(ExpressionTest, Variables) {
  EXPECT_EQ(Eval("'$$ROOT'", "{a: 1}"), "{a: 1}");
  EXPECT_EQ(Eval("'$$CURRENT.a'", "{a: 1}"), "1");
  EXPECT_EQ(Eval("'$$ROOT.a.b'", "{a: {b: 2}}"), "2");
  EXPECT_EQ(Eval("'$$NOW'"), "Date(1700000000000)");
  EXPECT_EQ(Eval("'$$REMOVE'"), "<missing>");
  EXPECT_EQ(Eval("'$$nope'"), "error: use of undefined variable: nope");
  EXPECT_EQ(Eval("'$'"), "error: invalid field path '$': empty component");
  EXPECT_EQ(Eval("'$a..b'"), "error: invalid field path '$a..b': empty component");
  EXPECT_EQ(Eval("'$a.$b'").substr(0, 6), "error:");
}

TEST(ExpressionTest, LiteralsAndNestedLiterals) {
  EXPECT_EQ(Eval("5"), "5");
  EXPECT_EQ(Eval("'plain'"), "\"plain\"");
  EXPECT_EQ(Eval("{$literal: '$a'}", "{a: 1}"), "\"$a\"");
  EXPECT_EQ(Eval("{$literal: {$add: [1, 2]}}"), "{$add: [1, 2]}");
  EXPECT_EQ(Eval("{x: '$a', y: {z: {$add: ['$a', 1]}}, m: '$missing'}", "{a: 1}"),
            "{x: 1, y: {z: 2}}");
  EXPECT_EQ(Eval("['$a', '$missing', 3]", "{a: 1}"), "[1, null, 3]");
  EXPECT_EQ(Eval("{}"), "{}");
  EXPECT_EQ(Eval("{$foo: 1}"), "error: unknown expression operator $foo");
  EXPECT_EQ(Eval("{$add: [1], $subtract: [1, 2]}").substr(0, 41),
            "error: an expression object must have exa");
  EXPECT_EQ(Eval("{'a.b': 1}"), "error: object expression: field name 'a.b' may not contain '.'");
  EXPECT_EQ(Eval("{a: 1, $add: 1}"),
            "error: object expression: field name '$add' may not start with '$'");
}

TEST(ExpressionTest, Add) {
  EXPECT_EQ(Eval("{$add: [1, 2, '$a']}", "{a: 3}"), "6");
  EXPECT_EQ(Eval("{$add: [1, 2.5]}"), "3.5");
  EXPECT_EQ(Eval("{$add: []}"), "0");
  EXPECT_EQ(Eval("{$add: [1, null]}"), "null");
  EXPECT_EQ(Eval("{$add: [1, '$missing']}"), "null");
  EXPECT_EQ(Eval("{$add: [1, 'x']}"), "error: $add: cannot add a string");
  EXPECT_EQ(Eval("{$add: [9223372036854775807, 1]}"), "9223372036854775808.0");
  EXPECT_EQ(Eval("{$add: ['$d', 1000]}", "{}"), "null");
  Result<Value> r =
      EvaluateExpression(J("{$add: ['$d', 1500, 0.4]}"), Value(Object{{"d", Value::Date(1000)}}));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, Value::Date(2500));
  r = EvaluateExpression(J("{$add: ['$d', '$d']}"), Value(Object{{"d", Value::Date(1)}}));
  EXPECT_EQ(r.status().message(), "$add: only one date may be added");
}

TEST(ExpressionTest, SubtractMultiplyDivideMod) {
  EXPECT_EQ(Eval("{$subtract: [10, 3]}"), "7");
  EXPECT_EQ(Eval("{$subtract: [10, 0.5]}"), "9.5");
  EXPECT_EQ(Eval("{$subtract: [-9223372036854775807, 10]}"), "-9223372036854775808.0");
  EXPECT_EQ(Eval("{$subtract: [null, 1]}"), "null");
  EXPECT_EQ(Eval("{$subtract: ['a', 1]}"),
            "error: $subtract: cannot subtract a long from a string");
  Value dates(Object{{"a", Value::Date(5000)}, {"b", Value::Date(2000)}});
  EXPECT_EQ(*EvaluateExpression(J("{$subtract: ['$a', '$b']}"), dates), Value(int64_t{3000}));
  EXPECT_EQ(*EvaluateExpression(J("{$subtract: ['$a', 1000]}"), dates), Value::Date(4000));

  EXPECT_EQ(Eval("{$multiply: [2, 3, 4]}"), "24");
  EXPECT_EQ(Eval("{$multiply: [2, 1.5]}"), "3.0");
  EXPECT_EQ(Eval("{$multiply: [4611686018427387904, 4]}"), "18446744073709551616.0");
  EXPECT_EQ(Eval("{$multiply: [2, '$missing']}"), "null");
  EXPECT_EQ(Eval("{$multiply: [2, true]}"), "error: $multiply: cannot multiply a bool");

  EXPECT_EQ(Eval("{$divide: [6, 3]}"), "2.0");
  EXPECT_EQ(Eval("{$divide: [1, 4]}"), "0.25");
  EXPECT_EQ(Eval("{$divide: [1, 0]}"), "error: $divide: division by zero");
  EXPECT_EQ(Eval("{$divide: [1, 0.0]}"), "error: $divide: division by zero");
  EXPECT_EQ(Eval("{$divide: [null, 0]}"), "null");
  EXPECT_EQ(Eval("{$divide: [1]}"), "error: $divide: expects 2 arguments, got 1");

  EXPECT_EQ(Eval("{$mod: [7, 3]}"), "1");
  EXPECT_EQ(Eval("{$mod: [-7, 3]}"), "-1");
  EXPECT_EQ(Eval("{$mod: [7.5, 2]}"), "1.5");
  EXPECT_EQ(Eval("{$mod: [-9223372036854775808, -1]}"), "0");
  EXPECT_EQ(Eval("{$mod: [7, 0]}"), "error: $mod: division by zero");
}

TEST(ExpressionTest, UnaryNumeric) {
  EXPECT_EQ(Eval("{$abs: -5}"), "5");
  EXPECT_EQ(Eval("{$abs: -2.5}"), "2.5");
  EXPECT_EQ(Eval("{$abs: null}"), "null");
  EXPECT_EQ(Eval("{$abs: 'x'}"), "error: $abs: expects a number, got string");
  EXPECT_EQ(Eval("{$ceil: 1.2}"), "2.0");
  EXPECT_EQ(Eval("{$ceil: 7}"), "7");
  EXPECT_EQ(Eval("{$floor: -1.2}"), "-2.0");
  EXPECT_EQ(Eval("{$floor: '$missing'}"), "null");
  EXPECT_EQ(Eval("{$round: 2.5}"), "2.0");  // half to even
  EXPECT_EQ(Eval("{$round: 3.5}"), "4.0");
  EXPECT_EQ(Eval("{$round: [1.2345, 2]}"), "1.23");
  EXPECT_EQ(Eval("{$round: [1250, -2]}"), "1200");
  EXPECT_EQ(Eval("{$round: [1350, -2]}"), "1400");
  EXPECT_EQ(Eval("{$round: [-1351, -2]}"), "-1400");
  EXPECT_EQ(Eval("{$round: [17, 1]}"), "17");
  EXPECT_EQ(Eval("{$round: [1234.5, -2]}"), "1200.0");
  EXPECT_EQ(Eval("{$round: [1, 101]}"),
            "error: $round: place must be an integer between -20 and 100");
  EXPECT_EQ(Eval("{$trunc: 2.7}"), "2.0");
  EXPECT_EQ(Eval("{$trunc: [-2.789, 1]}"), "-2.7");
  EXPECT_EQ(Eval("{$trunc: [1299, -2]}"), "1200");
  EXPECT_EQ(Eval("{$trunc: [null, 1]}"), "null");
}

TEST(ExpressionTest, Comparison) {
  EXPECT_EQ(Eval("{$eq: [1, 1.0]}"), "true");
  EXPECT_EQ(Eval("{$eq: ['$a', 'x']}", "{a: 'x'}"), "true");
  EXPECT_EQ(Eval("{$ne: [1, 2]}"), "true");
  EXPECT_EQ(Eval("{$gt: ['b', 'a']}"), "true");
  EXPECT_EQ(Eval("{$gt: ['a', 5]}"), "true");  // strings sort after numbers
  EXPECT_EQ(Eval("{$gte: [5, 5]}"), "true");
  EXPECT_EQ(Eval("{$lt: [null, 0]}"), "true");
  EXPECT_EQ(Eval("{$lte: [[1, 2], [1, 2]]}"), "true");
  // A missing field sorts below null, as in MongoDB's aggregation comparisons.
  EXPECT_EQ(Eval("{$eq: ['$missing', null]}"), "false");
  EXPECT_EQ(Eval("{$lt: ['$missing', null]}"), "true");
  EXPECT_EQ(Eval("{$cmp: [1, 2]}"), "-1");
  EXPECT_EQ(Eval("{$cmp: ['b', 'a']}"), "1");
  EXPECT_EQ(Eval("{$cmp: [{a: 1}, {a: 1.0}]}"), "0");
  EXPECT_EQ(Eval("{$eq: [1]}"), "error: $eq: expects 2 arguments, got 1");
}

TEST(ExpressionTest, Boolean) {
  EXPECT_EQ(Eval("{$and: [true, 1, 'x', []]}"), "true");
  EXPECT_EQ(Eval("{$and: [true, 0]}"), "false");
  EXPECT_EQ(Eval("{$and: []}"), "true");
  EXPECT_EQ(Eval("{$or: [false, null, '$missing']}"), "false");
  EXPECT_EQ(Eval("{$or: [false, 0.5]}"), "true");
  EXPECT_EQ(Eval("{$or: []}"), "false");
  EXPECT_EQ(Eval("{$not: [0]}"), "true");
  EXPECT_EQ(Eval("{$not: '$a'}", "{a: 'x'}"), "false");
  // Short-circuit: the erroring operand is never evaluated.
  EXPECT_EQ(Eval("{$and: [false, {$divide: [1, 0]}]}"), "false");
  EXPECT_EQ(Eval("{$or: [true, {$divide: [1, 0]}]}"), "true");
  EXPECT_EQ(Eval("{$and: [true, {$divide: [1, 0]}]}"), "error: $divide: division by zero");
}

TEST(ExpressionTest, Conditionals) {
  EXPECT_EQ(Eval("{$cond: [{$gt: ['$a', 1]}, 'big', 'small']}", "{a: 2}"), "\"big\"");
  EXPECT_EQ(Eval("{$cond: {if: '$a', then: 1, else: 2}}", "{a: 0}"), "2");
  EXPECT_EQ(Eval("{$cond: [true, 1, {$divide: [1, 0]}]}"), "1");  // lazy
  EXPECT_EQ(Eval("{$cond: {if: true, then: 1}}"), "error: $cond: missing 'else'");
  EXPECT_EQ(Eval("{$cond: [true, 1]}"), "error: $cond: expects 3 arguments");
  EXPECT_EQ(Eval("{$cond: {if: 1, then: 1, else: 2, x: 3}}"), "error: $cond: unknown argument 'x'");
  EXPECT_EQ(Eval("{$ifNull: ['$a', 'dflt']}", "{a: null}"), "\"dflt\"");
  EXPECT_EQ(Eval("{$ifNull: ['$a', 'dflt']}", "{}"), "\"dflt\"");
  EXPECT_EQ(Eval("{$ifNull: ['$a', 'dflt']}", "{a: 0}"), "0");
  EXPECT_EQ(Eval("{$ifNull: ['$a', '$b', 'c']}", "{b: false}"), "false");
  EXPECT_EQ(Eval("{$ifNull: ['$a', '$b']}", "{}"), "<missing>");
  EXPECT_EQ(Eval("{$ifNull: ['$a']}"), "error: $ifNull: expects at least 2 arguments");
  const char* sw =
      "{$switch: {branches: [{case: {$lt: ['$a', 0]}, then: 'neg'},"
      "                      {case: {$eq: ['$a', 0]}, then: 'zero'}], default: 'pos'}}";
  EXPECT_EQ(Eval(sw, "{a: -1}"), "\"neg\"");
  EXPECT_EQ(Eval(sw, "{a: 0}"), "\"zero\"");
  EXPECT_EQ(Eval(sw, "{a: 3}"), "\"pos\"");
  EXPECT_EQ(Eval("{$switch: {branches: [{case: false, then: 1}]}}"),
            "error: $switch: no branch matched and no default was given");
  EXPECT_EQ(Eval("{$switch: {branches: []}}"), "error: $switch: requires at least one branch");
  EXPECT_EQ(Eval("{$switch: {branches: [{case: true}]}}"),
            "error: $switch: each branch needs exactly 'case' and 'then'");
}

TEST(ExpressionTest, Strings) {
  EXPECT_EQ(Eval("{$concat: ['a', '$b', 'c']}", "{b: '-'}"), "\"a-c\"");
  EXPECT_EQ(Eval("{$concat: ['a', '$missing']}"), "null");
  EXPECT_EQ(Eval("{$concat: ['a', 1]}"), "error: $concat: only supports strings, not long");
  EXPECT_EQ(Eval("{$toLower: 'AbC'}"), "\"abc\"");
  EXPECT_EQ(Eval("{$toUpper: 'AbC'}"), "\"ABC\"");
  EXPECT_EQ(Eval("{$toUpper: null}"), "\"\"");
  EXPECT_EQ(Eval("{$toUpper: 12}"), "\"12\"");
  EXPECT_EQ(Eval("{$toUpper: [[1]]}"), "error: $toUpper: cannot convert a array to a string");
  EXPECT_EQ(Eval("{$substr: ['hello', 1, 3]}"), "\"ell\"");
  EXPECT_EQ(Eval("{$substrBytes: ['hello', 2, -1]}"), "\"llo\"");
  EXPECT_EQ(Eval("{$substrBytes: ['hello', 9, 2]}"), "\"\"");
  EXPECT_EQ(Eval("{$substrBytes: ['hello', -1, 2]}"), "\"\"");
  EXPECT_EQ(Eval("{$substrBytes: ['h\xc3\xa9llo', 2, 1]}"),
            "error: $substrBytes: invalid range: the starting index is inside a UTF-8 character");
  EXPECT_EQ(Eval("{$substrBytes: ['h\xc3\xa9llo', 0, 2]}"),
            "error: $substrBytes: invalid range: the ending index is inside a UTF-8 character");
  EXPECT_EQ(Eval("{$substrBytes: ['hello', 'a', 2]}"),
            "error: $substrBytes: starting index must be a number");
  EXPECT_EQ(Eval("{$strLenBytes: 'h\xc3\xa9'}"), "3");
  EXPECT_EQ(Eval("{$strLenBytes: 5}"), "error: $strLenBytes: requires a string, got long");
  EXPECT_EQ(Eval("{$split: ['a,b,,c', ',']}"), "[\"a\", \"b\", \"\", \"c\"]");
  EXPECT_EQ(Eval("{$split: ['abc', 'x']}"), "[\"abc\"]");
  EXPECT_EQ(Eval("{$split: [null, ',']}"), "null");
  EXPECT_EQ(Eval("{$split: ['abc', '']}"), "error: $split: the delimiter must not be empty");
  EXPECT_EQ(Eval("{$split: [1, ',']}"), "error: $split: requires a string to split, got long");
  EXPECT_EQ(Eval("{$trim: {input: '  a b \\n'}}"), "\"a b\"");
  EXPECT_EQ(Eval("{$trim: {input: 'xxaxyx', chars: 'xy'}}"), "\"a\"");
  EXPECT_EQ(Eval("{$ltrim: {input: '  a  '}}"), "\"a  \"");
  EXPECT_EQ(Eval("{$rtrim: {input: '  a  '}}"), "\"  a\"");
  EXPECT_EQ(Eval("{$trim: {input: '\xc3\xa9"
                 "a\xc3\xa9', chars: '\xc3\xa9'}}"),
            "\"a\"");
  EXPECT_EQ(Eval("{$trim: {input: null}}"), "null");
  EXPECT_EQ(Eval("{$trim: {input: 'a', chars: null}}"), "null");
  EXPECT_EQ(Eval("{$trim: {input: 5}}"), "error: $trim: requires a string input, got long");
  EXPECT_EQ(Eval("{$trim: {chars: 'a'}}"), "error: $trim: missing 'input'");
  EXPECT_EQ(Eval("{$trim: 'a'}"), "error: $trim: expects an object");
}

TEST(ExpressionTest, Arrays) {
  EXPECT_EQ(Eval("{$size: '$a'}", "{a: [1, 2, 3]}"), "3");
  EXPECT_EQ(Eval("{$size: '$a'}", "{}"),
            "error: $size: the argument must be an array, got missing");
  EXPECT_EQ(Eval("{$arrayElemAt: [[1, 2, 3], 0]}"), "1");
  EXPECT_EQ(Eval("{$arrayElemAt: [[1, 2, 3], -1]}"), "3");
  EXPECT_EQ(Eval("{$arrayElemAt: [[1, 2, 3], 3]}"), "<missing>");
  EXPECT_EQ(Eval("{$arrayElemAt: [[1, 2, 3], 1.0]}"), "2");
  EXPECT_EQ(Eval("{$arrayElemAt: [[1, 2, 3], 1.5]}"),
            "error: $arrayElemAt: the index must be an integer");
  EXPECT_EQ(Eval("{$arrayElemAt: ['$missing', 0]}"), "null");
  EXPECT_EQ(Eval("{$arrayElemAt: ['x', 0]}"),
            "error: $arrayElemAt: the first argument must be an array, got string");
  EXPECT_EQ(Eval("{$in: [2, [1, 2.0]]}"), "true");
  EXPECT_EQ(Eval("{$in: [5, [1, 2]]}"), "false");
  EXPECT_EQ(Eval("{$in: [5, '$missing']}"),
            "error: $in: the second argument must be an array, got missing");
  EXPECT_EQ(Eval("{$isArray: [[1]]}"), "true");
  EXPECT_EQ(Eval("{$isArray: '$a'}", "{a: 1}"), "false");
  EXPECT_EQ(Eval("{$concatArrays: [[1], ['$a'], []]}", "{a: 2}"), "[1, 2]");
  EXPECT_EQ(Eval("{$concatArrays: [[1], '$missing']}"), "null");
  EXPECT_EQ(Eval("{$concatArrays: [[1], 2]}"),
            "error: $concatArrays: only supports arrays, not long");
  EXPECT_EQ(Eval("{$slice: [[1, 2, 3, 4], 2]}"), "[1, 2]");
  EXPECT_EQ(Eval("{$slice: [[1, 2, 3, 4], -2]}"), "[3, 4]");
  EXPECT_EQ(Eval("{$slice: [[1, 2, 3, 4], -9]}"), "[1, 2, 3, 4]");
  EXPECT_EQ(Eval("{$slice: [[1, 2, 3, 4], 1, 2]}"), "[2, 3]");
  EXPECT_EQ(Eval("{$slice: [[1, 2, 3, 4], -3, 2]}"), "[2, 3]");
  EXPECT_EQ(Eval("{$slice: [[1, 2, 3, 4], 9, 2]}"), "[]");
  EXPECT_EQ(Eval("{$slice: [[1, 2], 0, 0]}"), "error: $slice: the count must be positive");
  EXPECT_EQ(Eval("{$slice: [null, 1]}"), "null");
  EXPECT_EQ(Eval("{$size: [1, 2]}"), "error: $size: expects 1 argument, got 2");
}

TEST(ExpressionTest, Reductions) {
  EXPECT_EQ(Eval("{$sum: '$a'}", "{a: [1, 2, 'x', 3.5]}"), "6.5");
  EXPECT_EQ(Eval("{$sum: [1, 2, '$b']}", "{b: 3}"), "6");
  EXPECT_EQ(Eval("{$sum: '$missing'}"), "0");
  EXPECT_EQ(Eval("{$avg: '$a'}", "{a: [1, 2]}"), "1.5");
  EXPECT_EQ(Eval("{$avg: '$a'}", "{a: ['x']}"), "null");
  EXPECT_EQ(Eval("{$min: '$a'}", "{a: [3, null, 1, 'x']}"), "1");
  EXPECT_EQ(Eval("{$max: '$a'}", "{a: [3, null, 1, 'x']}"), "\"x\"");
  EXPECT_EQ(Eval("{$max: [null, '$missing']}"), "null");
}

TEST(ExpressionTest, Types) {
  EXPECT_EQ(Eval("{$type: '$a'}", "{a: 1}"), "\"long\"");
  EXPECT_EQ(Eval("{$type: '$a'}", "{a: 1.5}"), "\"double\"");
  EXPECT_EQ(Eval("{$type: '$a'}", "{a: 'x'}"), "\"string\"");
  EXPECT_EQ(Eval("{$type: '$a'}", "{a: {}}"), "\"object\"");
  EXPECT_EQ(Eval("{$type: '$a'}", "{a: []}"), "\"array\"");
  EXPECT_EQ(Eval("{$type: '$a'}", "{a: null}"), "\"null\"");
  EXPECT_EQ(Eval("{$type: '$a'}", "{a: true}"), "\"bool\"");
  EXPECT_EQ(Eval("{$type: '$a'}"), "\"missing\"");

  EXPECT_EQ(Eval("{$toString: 12}"), "\"12\"");
  EXPECT_EQ(Eval("{$toString: 2.5}"), "\"2.5\"");
  EXPECT_EQ(Eval("{$toString: 2.0}"), "\"2\"");
  EXPECT_EQ(Eval("{$toString: true}"), "\"true\"");
  EXPECT_EQ(Eval("{$toString: null}"), "null");
  EXPECT_EQ(Eval("{$toString: '$$NOW'}"), "\"2023-11-14T22:13:20.000Z\"");
  EXPECT_EQ(Eval("{$toString: [[1]]}"),
            "error: $toString: unsupported conversion from array to string");

  EXPECT_EQ(Eval("{$toInt: 2.9}"), "2");
  EXPECT_EQ(Eval("{$toInt: -2.9}"), "-2");
  EXPECT_EQ(Eval("{$toInt: '42'}"), "42");
  EXPECT_EQ(Eval("{$toInt: true}"), "1");
  EXPECT_EQ(Eval("{$toInt: null}"), "null");
  EXPECT_EQ(Eval("{$toInt: '4x'}"), "error: $toInt: cannot parse '4x' as an integer");
  EXPECT_EQ(Eval("{$toInt: 3000000000}"), "error: $toInt: conversion overflows");
  EXPECT_EQ(Eval("{$toInt: '$$NOW'}"), "error: $toInt: unsupported conversion from date");
  EXPECT_EQ(Eval("{$toLong: 3000000000}"), "3000000000");
  EXPECT_EQ(Eval("{$toLong: '$$NOW'}"), "1700000000000");
  EXPECT_EQ(Eval("{$toLong: '-12'}"), "-12");
  EXPECT_EQ(Eval("{$toLong: 1e19}"), "error: $toLong: conversion overflows");

  EXPECT_EQ(Eval("{$toDouble: 3}"), "3.0");
  EXPECT_EQ(Eval("{$toDouble: '2.5'}"), "2.5");
  EXPECT_EQ(Eval("{$toDouble: false}"), "0.0");
  EXPECT_EQ(Eval("{$toDouble: 'abc'}"), "error: $toDouble: cannot parse 'abc' as a double");
  EXPECT_EQ(Eval("{$toDouble: '$missing'}"), "null");

  EXPECT_EQ(Eval("{$toBool: 0}"), "false");
  EXPECT_EQ(Eval("{$toBool: 0.1}"), "true");
  EXPECT_EQ(Eval("{$toBool: ''}"), "true");
  EXPECT_EQ(Eval("{$toBool: [[]]}"), "true");
  EXPECT_EQ(Eval("{$toBool: null}"), "null");
}

TEST(ExpressionTest, MergeObjects) {
  EXPECT_EQ(Eval("{$mergeObjects: [{a: 1, b: 2}, '$x', null, {b: 3, c: 4}]}", "{x: {d: 5}}"),
            "{a: 1, b: 3, d: 5, c: 4}");
  EXPECT_EQ(Eval("{$mergeObjects: '$x'}", "{x: {a: 1}}"), "{a: 1}");
  EXPECT_EQ(Eval("{$mergeObjects: []}"), "{}");
  EXPECT_EQ(Eval("{$mergeObjects: [1]}"), "error: $mergeObjects: only supports objects, not long");
}

TEST(ExpressionTest, NestedErrorsKeepTheInnerOperator) {
  EXPECT_EQ(Eval("{$add: [1, {$divide: ['$a', 0]}]}", "{a: 1}"),
            "error: $divide: division by zero");
  EXPECT_EQ(Eval("{$add: [1, {$bogus: 1}]}"), "error: unknown expression operator $bogus");
}

TEST(ExpressionTest, ConstantIsReported) {
  auto e = Expression::Parse(J("1"));
  ASSERT_TRUE(e.ok());
  ASSERT_NE((*e)->constant(), nullptr);
  EXPECT_EQ(*(*e)->constant(), Value(int64_t{1}));
  e = Expression::Parse(J("'$a'"));
  ASSERT_TRUE(e.ok());
  EXPECT_EQ((*e)->constant(), nullptr);
}

}  // namespace
}  // namespace strata::aggregate
