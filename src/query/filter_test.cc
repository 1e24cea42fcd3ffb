#include "query/filter.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "query/query_test_util.h"

namespace strata::query {
namespace {

using testing::Debug;
using testing::J;

bool M(const char* filter, const char* doc) {
  Result<Filter> f = Filter::Parse(J(filter));
  EXPECT_TRUE(f.ok()) << filter << ": " << f.status().ToString();
  if (!f.ok()) return false;
  return f->Matches(J(doc));
}

#define EXPECT_MATCH(f, d) EXPECT_TRUE(M(f, d)) << (f) << " on " << (d)
#define EXPECT_NO_MATCH(f, d) EXPECT_FALSE(M(f, d)) << (f) << " on " << (d)

std::string ParseError(const char* filter) {
  Result<Filter> f = Filter::Parse(J(filter));
  EXPECT_FALSE(f.ok()) << filter;
  EXPECT_TRUE(f.ok() || f.status().IsInvalidArgument()) << f.status().ToString();
  return f.ok() ? "" : f.status().message();
}

TEST(FilterTest, EmptyMatchesEverything) {
  Filter none;
  EXPECT_TRUE(none.empty());
  EXPECT_TRUE(none.Matches(J("{a: 1}")));
  Result<Filter> f = Filter::Parse(J("{}"));
  ASSERT_TRUE(f.ok());
  EXPECT_TRUE(f->empty());
  EXPECT_MATCH("{}", "{}");
}

TEST(FilterTest, ImplicitEquality) {
  EXPECT_MATCH("{a: 1}", "{a: 1}");
  EXPECT_MATCH("{a: 1}", "{a: 1.0}");  // numbers compare by value
  EXPECT_NO_MATCH("{a: 1}", "{a: '1'}");
  EXPECT_NO_MATCH("{a: 1}", "{a: true}");
  EXPECT_NO_MATCH("{a: 1}", "{b: 1}");
  EXPECT_MATCH("{a: 'x', b: 2}", "{b: 2, a: 'x'}");
  EXPECT_NO_MATCH("{a: 'x', b: 2}", "{a: 'x', b: 3}");
  EXPECT_MATCH("{a: {b: 1, c: 2}}", "{a: {b: 1, c: 2}}");
  EXPECT_NO_MATCH("{a: {b: 1, c: 2}}", "{a: {c: 2, b: 1}}");  // field order counts
  EXPECT_NO_MATCH("{a: {b: 1}}", "{a: {b: 1, c: 2}}");
  EXPECT_MATCH("{a: {}}", "{a: {}}");
  EXPECT_MATCH("{'': 1}", "{'': 1}");
}

TEST(FilterTest, EqualityOnArrays) {
  EXPECT_MATCH("{a: 2}", "{a: [1, 2, 3]}");  // any element
  EXPECT_NO_MATCH("{a: 4}", "{a: [1, 2, 3]}");
  EXPECT_MATCH("{a: [1, 2]}", "{a: [1, 2]}");  // the whole array
  EXPECT_NO_MATCH("{a: [1, 2]}", "{a: [2, 1]}");
  EXPECT_MATCH("{a: [1, 2]}", "{a: [[1, 2], 3]}");  // or an element equal to it
  EXPECT_NO_MATCH("{a: 1}", "{a: [[1, 2], 3]}");    // only one level is expanded
  EXPECT_MATCH("{a: []}", "{a: []}");
  EXPECT_MATCH("{a: []}", "{a: [[], 1]}");
  EXPECT_NO_MATCH("{a: []}", "{a: [1]}");
  EXPECT_MATCH("{a: {b: 1}}", "{a: [{b: 1}, {b: 2}]}");
}

TEST(FilterTest, DottedPaths) {
  EXPECT_MATCH("{'a.b': 1}", "{a: {b: 1}}");
  EXPECT_MATCH("{'a.b.c': 'x'}", "{a: {b: {c: 'x'}}}");
  EXPECT_NO_MATCH("{'a.b': 1}", "{a: {c: 1}}");
  EXPECT_NO_MATCH("{'a.b': 1}", "{a: 1}");
  // Fan-out through arrays of objects, at any depth.
  EXPECT_MATCH("{'a.b': 2}", "{a: [{b: 1}, {b: 2}]}");
  EXPECT_MATCH("{'a.b.c': 3}", "{a: [{b: [{c: 1}, {c: 3}]}]}");
  EXPECT_MATCH("{'a.b': 2}", "{a: [{b: [1, 2]}]}");
  EXPECT_NO_MATCH("{'a.b': 1}", "{a: [[{b: 1}]]}");  // no implicit descent into nested arrays
  EXPECT_NO_MATCH("{'a.b': 1}", "{a: [1, 2]}");
}

TEST(FilterTest, NumericPathSteps) {
  EXPECT_MATCH("{'a.0': 5}", "{a: [5, 6]}");
  EXPECT_MATCH("{'a.1': 6}", "{a: [5, 6]}");
  EXPECT_NO_MATCH("{'a.2': 6}", "{a: [5, 6]}");
  EXPECT_MATCH("{'a.0.b': 1}", "{a: [{b: 1}, {b: 2}]}");
  EXPECT_NO_MATCH("{'a.1.b': 1}", "{a: [{b: 1}, {b: 2}]}");
  EXPECT_MATCH("{'a.0': 1}", "{a: {'0': 1}}");       // a field named "0"
  EXPECT_MATCH("{'a.0': 7}", "{a: [{'0': 7}, 1]}");  // elements' field "0" as well
  EXPECT_MATCH("{'a.0.1': 3}", "{a: [[2, 3]]}");     // index into nested arrays
  EXPECT_NO_MATCH("{'a.0': 2}", "{a: [[1, 2]]}");    // an indexed element is not expanded
  EXPECT_MATCH("{'a.0': [1, 2]}", "{a: [[1, 2]]}");
  EXPECT_NO_MATCH("{'a.01': 5}", "{a: [5]}");  // not a canonical index
  EXPECT_MATCH("{'a.0.b': 1}", "{a: [[{b: 1}]]}");
}

TEST(FilterTest, NullAndMissing) {
  EXPECT_MATCH("{a: null}", "{}");
  EXPECT_MATCH("{a: null}", "{a: null}");
  EXPECT_NO_MATCH("{a: null}", "{a: 0}");
  EXPECT_MATCH("{a: null}", "{a: [1, null]}");
  EXPECT_MATCH("{'a.b': null}", "{a: 5}");  // cannot enter a scalar: missing
  EXPECT_MATCH("{'a.b': null}", "{a: [{b: 1}, {c: 1}]}");
  EXPECT_NO_MATCH("{'a.b': null}", "{a: [{b: 1}]}");
  EXPECT_NO_MATCH("{'a.b': null}", "{a: [1, 2]}");  // nothing to see: no match
  EXPECT_NO_MATCH("{'a.b': null}", "{a: []}");
  EXPECT_MATCH("{a: {$ne: null}}", "{a: 1}");
  EXPECT_NO_MATCH("{a: {$ne: null}}", "{}");
  EXPECT_NO_MATCH("{a: {$ne: null}}", "{a: null}");
  EXPECT_NO_MATCH("{a: {$ne: null}}", "{a: [1, null]}");
  EXPECT_MATCH("{a: {$gte: null}}", "{}");
  EXPECT_MATCH("{a: {$lte: null}}", "{a: null}");
  EXPECT_NO_MATCH("{a: {$gt: null}}", "{}");
  EXPECT_NO_MATCH("{a: {$lt: null}}", "{a: null}");
  EXPECT_MATCH("{a: {$in: [null, 5]}}", "{}");
  EXPECT_NO_MATCH("{a: {$nin: [null]}}", "{}");
  EXPECT_MATCH("{a: {$eq: null}}", "{b: 1}");
}

TEST(FilterTest, ComparisonsWithTypeBracketing) {
  EXPECT_MATCH("{a: {$gt: 5}}", "{a: 6}");
  EXPECT_MATCH("{a: {$gt: 5}}", "{a: 5.5}");
  EXPECT_NO_MATCH("{a: {$gt: 5}}", "{a: 5}");
  EXPECT_MATCH("{a: {$gte: 5}}", "{a: 5}");
  EXPECT_MATCH("{a: {$lt: 5}}", "{a: -1}");
  EXPECT_MATCH("{a: {$lte: 5}}", "{a: 5.0}");
  EXPECT_NO_MATCH("{a: {$gt: 5}}", "{a: 'zzz'}");  // strings never compare with numbers
  EXPECT_NO_MATCH("{a: {$lt: 5}}", "{a: null}");
  EXPECT_NO_MATCH("{a: {$lt: 5}}", "{}");
  EXPECT_NO_MATCH("{a: {$gt: 5}}", "{a: true}");
  EXPECT_MATCH("{a: {$gt: 'abc'}}", "{a: 'abd'}");
  EXPECT_NO_MATCH("{a: {$gt: 'abc'}}", "{a: 'ab'}");
  EXPECT_MATCH("{a: {$gt: false}}", "{a: true}");
  EXPECT_MATCH("{a: {$gt: {b: 1}}}", "{a: {b: 2}}");
  EXPECT_MATCH("{a: {$gt: [1]}}", "{a: [2]}");   // the array itself compares with arrays
  EXPECT_MATCH("{a: {$gt: 5}}", "{a: [1, 7]}");  // or any element
  EXPECT_NO_MATCH("{a: {$gt: 5}}", "{a: [1, 2]}");
  // Each operator may be satisfied by a different element.
  EXPECT_MATCH("{a: {$gt: 5, $lt: 3}}", "{a: [1, 7]}");
  EXPECT_MATCH("{a: {$eq: 2}}", "{a: [1, 2]}");
  EXPECT_MATCH("{a: {$eq: {$gt: 1}}}", "{a: {$gt: 1}}");  // $eq takes its operand literally
}

TEST(FilterTest, NotEqual) {
  EXPECT_MATCH("{a: {$ne: 1}}", "{a: 2}");
  EXPECT_MATCH("{a: {$ne: 1}}", "{}");
  EXPECT_NO_MATCH("{a: {$ne: 1}}", "{a: 1}");
  EXPECT_NO_MATCH("{a: {$ne: 1}}", "{a: [2, 1]}");  // no element may equal it
  EXPECT_MATCH("{a: {$ne: [1]}}", "{a: [2]}");
  EXPECT_MATCH("{'a.b': {$ne: 1}}", "{a: [{b: 2}, {b: 3}]}");
  EXPECT_NO_MATCH("{'a.b': {$ne: 1}}", "{a: [{b: 2}, {b: 1}]}");
}

TEST(FilterTest, InAndNin) {
  EXPECT_MATCH("{a: {$in: [1, 2]}}", "{a: 2}");
  EXPECT_NO_MATCH("{a: {$in: [1, 2]}}", "{a: 3}");
  EXPECT_MATCH("{a: {$in: [1, 2]}}", "{a: [5, 1]}");
  EXPECT_MATCH("{a: {$in: [[1, 2]]}}", "{a: [1, 2]}");
  EXPECT_NO_MATCH("{a: {$in: []}}", "{a: 1}");
  EXPECT_MATCH("{a: {$nin: []}}", "{a: 1}");
  EXPECT_MATCH("{a: {$nin: [1, 2]}}", "{a: 3}");
  EXPECT_MATCH("{a: {$nin: [1, 2]}}", "{}");
  EXPECT_NO_MATCH("{a: {$nin: [1, 2]}}", "{a: [3, 2]}");
  EXPECT_MATCH("{a: {$in: ['x', 1.0]}}", "{a: 1}");
}

TEST(FilterTest, Exists) {
  EXPECT_MATCH("{a: {$exists: true}}", "{a: null}");
  EXPECT_NO_MATCH("{a: {$exists: true}}", "{b: 1}");
  EXPECT_MATCH("{a: {$exists: false}}", "{b: 1}");
  EXPECT_NO_MATCH("{a: {$exists: false}}", "{a: 0}");
  EXPECT_MATCH("{a: {$exists: 1}}", "{a: 0}");
  EXPECT_MATCH("{a: {$exists: 0}}", "{}");
  EXPECT_MATCH("{'a.b': {$exists: true}}", "{a: [{c: 1}, {b: 2}]}");
  EXPECT_NO_MATCH("{'a.b': {$exists: true}}", "{a: [{c: 1}]}");
  EXPECT_MATCH("{'a.b': {$exists: false}}", "{a: [1, 2]}");
  EXPECT_MATCH("{'a.1': {$exists: true}}", "{a: [1, 2]}");
  EXPECT_NO_MATCH("{'a.2': {$exists: true}}", "{a: [1, 2]}");
}

TEST(FilterTest, Type) {
  EXPECT_MATCH("{a: {$type: 'string'}}", "{a: 'x'}");
  EXPECT_MATCH("{a: {$type: 2}}", "{a: 'x'}");
  EXPECT_MATCH("{a: {$type: 'double'}}", "{a: 1.5}");
  EXPECT_NO_MATCH("{a: {$type: 'double'}}", "{a: 1}");
  EXPECT_MATCH("{a: {$type: 'long'}}", "{a: 1}");
  EXPECT_MATCH("{a: {$type: 'int'}}", "{a: 1}");
  EXPECT_NO_MATCH("{a: {$type: 'int'}}", "{a: 10000000000}");
  EXPECT_MATCH("{a: {$type: 'number'}}", "{a: 1}");
  EXPECT_MATCH("{a: {$type: 'number'}}", "{a: 1.5}");
  EXPECT_NO_MATCH("{a: {$type: 'number'}}", "{a: '1'}");
  EXPECT_MATCH("{a: {$type: 'null'}}", "{a: null}");
  EXPECT_NO_MATCH("{a: {$type: 'null'}}", "{}");
  EXPECT_MATCH("{a: {$type: 'bool'}}", "{a: false}");
  EXPECT_MATCH("{a: {$type: 'object'}}", "{a: {}}");
  EXPECT_MATCH("{a: {$type: 'array'}}", "{a: []}");
  EXPECT_MATCH("{a: {$type: 4}}", "{a: [1]}");
  EXPECT_MATCH("{a: {$type: 'string'}}", "{a: [1, 'x']}");  // elements too
  EXPECT_MATCH("{a: {$type: ['bool', 'string']}}", "{a: 'x'}");
  EXPECT_NO_MATCH("{a: {$type: 'objectId'}}", "{a: 'x'}");
  Value doc = Value::MakeObject({{"d", Value::Date(5)}, {"b", Value::Binary("xy")}});
  Result<Filter> date = Filter::Parse(J("{d: {$type: 'date'}, b: {$type: 'binData'}}"));
  ASSERT_TRUE(date.ok());
  EXPECT_TRUE(date->Matches(doc));
}

TEST(FilterTest, Regex) {
  EXPECT_MATCH("{a: {$regex: 'b.d'}}", "{a: 'abcde'}");
  EXPECT_NO_MATCH("{a: {$regex: '^b'}}", "{a: 'abc'}");
  EXPECT_NO_MATCH("{a: {$regex: 'ABC'}}", "{a: 'abc'}");
  EXPECT_MATCH("{a: {$regex: 'ABC', $options: 'i'}}", "{a: 'abc'}");
  EXPECT_MATCH("{a: {$options: 'i', $regex: 'ABC'}}", "{a: 'xabc'}");
  EXPECT_NO_MATCH("{a: {$regex: '^b'}}", "{a: 'a\\nb'}");
  EXPECT_MATCH("{a: {$regex: '^b', $options: 'm'}}", "{a: 'a\\nb'}");
  EXPECT_NO_MATCH("{a: {$regex: 'a.b'}}", "{a: 'a\\nb'}");
  EXPECT_MATCH("{a: {$regex: 'a.b', $options: 's'}}", "{a: 'a\\nb'}");
  EXPECT_MATCH("{a: {$regex: ' a b # comment', $options: 'x'}}", "{a: 'ab'}");
  EXPECT_MATCH("{a: {$regex: '[ ]x', $options: 'x'}}", "{a: ' x'}");
  EXPECT_MATCH("{a: {$regex: 'x'}}", "{a: [1, 'yxy']}");
  EXPECT_NO_MATCH("{a: {$regex: '1'}}", "{a: 1}");  // only strings
  EXPECT_NO_MATCH("{a: {$regex: ''}}", "{}");
  EXPECT_MATCH("{a: {$not: {$regex: '^x'}}}", "{a: 'abc'}");
  EXPECT_MATCH("{a: {$regex: 'é'}}", "{a: 'café'}");
}

TEST(FilterTest, LogicalOperators) {
  EXPECT_MATCH("{$and: [{a: 1}, {b: 2}]}", "{a: 1, b: 2}");
  EXPECT_NO_MATCH("{$and: [{a: 1}, {b: 2}]}", "{a: 1, b: 3}");
  EXPECT_MATCH("{$or: [{a: 1}, {b: 2}]}", "{a: 0, b: 2}");
  EXPECT_NO_MATCH("{$or: [{a: 1}, {b: 2}]}", "{a: 0, b: 0}");
  EXPECT_MATCH("{$nor: [{a: 1}, {b: 2}]}", "{a: 0, b: 0}");
  EXPECT_NO_MATCH("{$nor: [{a: 1}, {b: 2}]}", "{a: 1}");
  EXPECT_MATCH("{$nor: [{a: 1}]}", "{}");
  EXPECT_MATCH("{$or: [{a: {$gt: 5}}, {$and: [{b: 1}, {c: 1}]}], d: 1}", "{b: 1, c: 1, d: 1}");
  EXPECT_NO_MATCH("{$or: [{a: {$gt: 5}}, {$and: [{b: 1}, {c: 1}]}], d: 1}", "{b: 1, c: 1}");
  EXPECT_MATCH("{$comment: 'why', a: 1}", "{a: 1}");
}

TEST(FilterTest, Not) {
  EXPECT_MATCH("{a: {$not: {$gt: 5}}}", "{a: 3}");
  EXPECT_MATCH("{a: {$not: {$gt: 5}}}", "{}");
  EXPECT_MATCH("{a: {$not: {$gt: 5}}}", "{a: 'x'}");
  EXPECT_NO_MATCH("{a: {$not: {$gt: 5}}}", "{a: 6}");
  EXPECT_NO_MATCH("{a: {$not: {$gt: 5}}}", "{a: [1, 6]}");
  EXPECT_MATCH("{a: {$not: {$gt: 5, $lt: 2}}}", "{a: 3}");  // NOT of the conjunction
  EXPECT_NO_MATCH("{a: {$not: {$gt: 1, $lt: 5}}}", "{a: 3}");
  EXPECT_MATCH("{a: {$not: {$eq: null}}}", "{a: 1}");
  EXPECT_NO_MATCH("{a: {$not: {$exists: false}}}", "{}");
}

TEST(FilterTest, All) {
  EXPECT_MATCH("{a: {$all: [1, 2]}}", "{a: [3, 2, 1]}");
  EXPECT_NO_MATCH("{a: {$all: [1, 2]}}", "{a: [1, 3]}");
  EXPECT_MATCH("{a: {$all: [1]}}", "{a: 1}");
  EXPECT_NO_MATCH("{a: {$all: []}}", "{a: [1]}");
  EXPECT_MATCH("{a: {$all: [[1, 2]]}}", "{a: [1, 2]}");
  EXPECT_MATCH("{a: {$all: [[1, 2]]}}", "{a: [[1, 2], 3]}");
  EXPECT_MATCH("{'a.b': {$all: [1, 2]}}", "{a: [{b: 1}, {b: 2}]}");
  EXPECT_MATCH("{a: {$all: [{$elemMatch: {x: 1}}, {$elemMatch: {y: 2}}]}}",
               "{a: [{x: 1}, {y: 2}]}");
  EXPECT_NO_MATCH("{a: {$all: [{$elemMatch: {x: 1}}, {$elemMatch: {y: 2}}]}}", "{a: [{x: 1}]}");
}

TEST(FilterTest, Size) {
  EXPECT_MATCH("{a: {$size: 2}}", "{a: [1, 2]}");
  EXPECT_NO_MATCH("{a: {$size: 1}}", "{a: [1, 2]}");
  EXPECT_MATCH("{a: {$size: 0}}", "{a: []}");
  EXPECT_NO_MATCH("{a: {$size: 0}}", "{}");
  EXPECT_NO_MATCH("{a: {$size: 1}}", "{a: 'x'}");
  EXPECT_NO_MATCH("{a: {$size: 2}}", "{a: [[1, 2]]}");  // the array itself, not its elements
  EXPECT_MATCH("{a: {$size: 2.0}}", "{a: [1, 2]}");
  EXPECT_MATCH("{'a.b': {$size: 2}}", "{a: [{b: [1]}, {b: [1, 2]}]}");
  EXPECT_MATCH("{a: {$not: {$size: 1}}}", "{a: 5}");
}

TEST(FilterTest, ElemMatch) {
  EXPECT_MATCH("{a: {$elemMatch: {$gt: 1, $lt: 5}}}", "{a: [0, 3, 9]}");
  EXPECT_NO_MATCH("{a: {$elemMatch: {$gt: 1, $lt: 5}}}", "{a: [0, 9]}");  // one element for all
  EXPECT_NO_MATCH("{a: {$elemMatch: {$gt: 1}}}", "{a: 5}");               // arrays only
  EXPECT_NO_MATCH("{a: {$elemMatch: {$gt: 1}}}", "{a: [[5]]}");
  EXPECT_MATCH("{a: {$elemMatch: {b: 1, c: 2}}}", "{a: [{b: 1, c: 1}, {b: 1, c: 2}]}");
  EXPECT_NO_MATCH("{a: {$elemMatch: {b: 1, c: 2}}}", "{a: [{b: 1, c: 1}, {b: 2, c: 2}]}");
  EXPECT_MATCH("{a: {b: 1, c: 2}}", "{a: [{b: 1, c: 2}]}");
  EXPECT_MATCH("{a: {$elemMatch: {b: {$gte: 2}}}}", "{a: [{b: 1}, {b: [0, 3]}]}");
  EXPECT_MATCH("{a: {$elemMatch: {$or: [{b: 1}, {c: 1}]}}}", "{a: [{c: 1}]}");
  EXPECT_MATCH("{a: {$elemMatch: {$ne: 1}}}", "{a: [1, 2]}");
  EXPECT_NO_MATCH("{a: {$elemMatch: {$ne: 1}}}", "{a: [1, 1]}");
  EXPECT_MATCH("{a: {$elemMatch: {$not: {$gt: 3}}}}", "{a: [5, 2]}");
  EXPECT_MATCH("{a: {$elemMatch: {'0': 1}}}", "{a: [[1, 2]]}");  // arrays as documents
  EXPECT_MATCH("{a: {$elemMatch: {$elemMatch: {$gt: 4}}}}", "{a: [[1], [5]]}");
  EXPECT_MATCH("{'a.b': {$elemMatch: {$eq: 2}}}", "{a: [{b: [1]}, {b: [2]}]}");
  EXPECT_MATCH("{a: {$elemMatch: {}}}", "{a: [{}]}");
  EXPECT_NO_MATCH("{a: {$elemMatch: {}}}", "{a: [1]}");
}

TEST(FilterTest, ParseErrorsNameOperatorAndPath) {
  EXPECT_EQ(ParseError("{'a.b': {$foo: 1}}"), "unknown operator $foo at 'a.b'");
  EXPECT_EQ(ParseError("{tags: {$in: 5}}"), "$in needs an array at 'tags'");
  EXPECT_EQ(ParseError("{tags: {$nin: 'x'}}"), "$nin needs an array at 'tags'");
  EXPECT_EQ(ParseError("{name: {$regex: '('}}").rfind("invalid regex at 'name': ", 0), 0u);
  EXPECT_EQ(ParseError("{a: {$regex: 5}}"), "$regex needs a string at 'a'");
  EXPECT_EQ(ParseError("{a: {$options: 'i'}}"), "$options needs a $regex at 'a'");
  EXPECT_EQ(ParseError("{a: {$regex: 'x', $options: 'q'}}"), "invalid flag 'q' in $options at 'a'");
  EXPECT_EQ(ParseError("{a: {$size: -1}}"), "$size may not be negative at 'a'");
  EXPECT_EQ(ParseError("{a: {$size: 1.5}}"), "$size needs a whole number at 'a'");
  EXPECT_EQ(ParseError("{a: {$size: 'x'}}"), "$size needs a number at 'a'");
  EXPECT_EQ(ParseError("{a: {$all: 1}}"), "$all needs an array at 'a'");
  EXPECT_EQ(ParseError("{a: {$elemMatch: 1}}"), "$elemMatch needs an object at 'a'");
  EXPECT_EQ(ParseError("{a: {$not: 1}}"), "$not needs an object at 'a'");
  EXPECT_EQ(ParseError("{a: {$not: {}}}"), "$not cannot be empty at 'a'");
  EXPECT_EQ(ParseError("{a: {$type: 'foo'}}"), "unknown type name 'foo' in $type at 'a'");
  EXPECT_EQ(ParseError("{a: {$type: 42}}"), "invalid type number in $type at 'a'");
  EXPECT_EQ(ParseError("{a: {$gt: 1, b: 2}}"), "unknown operator b at 'a'");
  EXPECT_EQ(ParseError("{a: {$in: [{$gt: 1}]}}"), "cannot nest $ under $in at 'a'");
  EXPECT_EQ(ParseError("{$foo: 1}"), "unknown top level operator $foo");
  EXPECT_EQ(ParseError("{$and: []}"), "$and needs a non-empty array");
  EXPECT_EQ(ParseError("{$or: [1]}"), "$or entries must be objects");
  EXPECT_EQ(ParseError("{$or: [{a: {$bad: 1}}]}"), "unknown operator $bad at 'a'");
  EXPECT_EQ(ParseError("{a: {$elemMatch: {b: {$bad: 1}}}}"), "unknown operator $bad at 'b'");
  EXPECT_EQ(ParseError("[1]"), "a filter must be an object");
}

TEST(FilterTest, PlannerPredicates) {
  Result<Filter> f = Filter::Parse(
      J("{a: 1, b: {$gt: 2, $lte: 9}, c: {$in: [1, 'x']}, $and: [{d: 'y'}], $or: [{e: 1}],"
        " f: {$ne: 1}, g: null, h: [1], i: {$in: [1, null]}, j: {$eq: 3}, k: {x: 1}}"));
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  const auto& p = f->predicates();
  ASSERT_EQ(p.size(), 6u);
  EXPECT_EQ(p[0].path, "a");
  EXPECT_EQ(p[0].op, PathPredicate::Op::kEq);
  EXPECT_EQ(Debug(p[0].operands[0]), "1");
  EXPECT_EQ(p[1].path, "b");
  EXPECT_EQ(p[1].op, PathPredicate::Op::kGt);
  EXPECT_EQ(p[2].op, PathPredicate::Op::kLte);
  EXPECT_EQ(p[3].path, "c");
  EXPECT_EQ(p[3].op, PathPredicate::Op::kIn);
  EXPECT_EQ(p[3].operands.size(), 2u);
  EXPECT_EQ(p[4].path, "d");
  EXPECT_EQ(p[5].path, "j");
  EXPECT_EQ(p[5].op, PathPredicate::Op::kEq);
}

TEST(FilterTest, DatesBinaryNaNAndBounds) {
  auto matches = [](const Value& filter, const Value& doc) {
    Result<Filter> f = Filter::Parse(filter);
    EXPECT_TRUE(f.ok()) << f.status().ToString();
    return f.ok() && f->Matches(doc);
  };
  auto op = [](const char* name, Value v) {
    return Value::MakeObject({{"a", Value::MakeObject({{name, std::move(v)}})}});
  };
  const Value date_doc = Value::MakeObject({{"a", Value::Date(1000)}});
  EXPECT_TRUE(matches(op("$gt", Value::Date(999)), date_doc));
  EXPECT_FALSE(matches(op("$gt", Value(999)), date_doc));  // dates never compare with numbers
  EXPECT_TRUE(matches(op("$eq", Value::Date(1000)), date_doc));
  const Value bin_doc = Value::MakeObject({{"a", Value::Binary("ab")}});
  EXPECT_TRUE(matches(op("$eq", Value::Binary("ab")), bin_doc));
  EXPECT_TRUE(matches(op("$gt", Value::Binary("b")), bin_doc));  // binary: length first
  const double nan = std::nan("");
  const Value nan_doc = Value::MakeObject({{"a", nan}});
  EXPECT_TRUE(matches(op("$eq", nan), nan_doc));
  EXPECT_TRUE(matches(op("$gte", nan), nan_doc));
  EXPECT_FALSE(matches(op("$lt", Value(5)), nan_doc));
  EXPECT_FALSE(matches(op("$gt", nan), J("{a: 5}")));
  EXPECT_TRUE(matches(op("$lt", Value::MaxKey()), J("{a: 'x'}")));
  EXPECT_TRUE(matches(op("$gt", Value::MinKey()), J("{a: null}")));
  EXPECT_FALSE(matches(op("$gt", Value::MaxKey()), J("{a: 1}")));
}

TEST(FilterTest, MovedFilterStillMatches) {
  Result<Filter> f = Filter::Parse(J("{a: {$gt: 1}}"));
  ASSERT_TRUE(f.ok());
  Filter g = std::move(*f);
  EXPECT_TRUE(g.Matches(J("{a: 2}")));
  EXPECT_FALSE(g.Matches(J("{a: 0}")));
}

}  // namespace
}  // namespace strata::query
