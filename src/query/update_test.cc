#include "query/update.h"

#include <gtest/gtest.h>

#include <string>

#include "query/query_test_util.h"

namespace strata::query {
namespace {

using testing::Debug;
using testing::J;

constexpr int64_t kNow = 1700000000000;

// Applies `update` to `doc` and returns the result printed, or "error: <message>" (and then
// checks that the document was left unchanged).
std::string ApplyText(const char* update, const char* doc) {
  Result<Update> u = Update::Parse(J(update));
  if (!u.ok()) return "parse error: " + u.status().message();
  Value d = J(doc);
  const Value before = d;
  Status s = u->Apply(&d, kNow);
  if (!s.ok()) {
    EXPECT_EQ(d, before) << "document changed by a failed update " << update;
    return "error: " + s.message();
  }
  return Debug(d);
}

std::string Expect(const char* doc) { return Debug(J(doc)); }

TEST(UpdateTest, Set) {
  EXPECT_EQ(ApplyText("{$set: {a: 2}}", "{_id: 1, a: 1}"), Expect("{_id: 1, a: 2}"));
  EXPECT_EQ(ApplyText("{$set: {b: 2}}", "{_id: 1, a: 1}"), Expect("{_id: 1, a: 1, b: 2}"));
  EXPECT_EQ(ApplyText("{$set: {'a.b.c': 1}}", "{}"), Expect("{a: {b: {c: 1}}}"));
  EXPECT_EQ(ApplyText("{$set: {'a.b': 1}}", "{a: {c: 0}}"), Expect("{a: {c: 0, b: 1}}"));
  EXPECT_EQ(ApplyText("{$set: {'a.1': 9}}", "{a: [1, 2, 3]}"), Expect("{a: [1, 9, 3]}"));
  EXPECT_EQ(ApplyText("{$set: {'a.4': 9}}", "{a: [1]}"), Expect("{a: [1, null, null, null, 9]}"));
  EXPECT_EQ(ApplyText("{$set: {'a.0.b': 9}}", "{a: [{b: 1}]}"), Expect("{a: [{b: 9}]}"));
  EXPECT_EQ(ApplyText("{$set: {'a.2.b': 9}}", "{a: [{b: 1}]}"),
            Expect("{a: [{b: 1}, null, {b: 9}]}"));
  EXPECT_EQ(ApplyText("{$set: {'a.0': 1}}", "{a: {}}"), Expect("{a: {'0': 1}}"));
  EXPECT_EQ(ApplyText("{$set: {a: {x: [1]}}}", "{a: 1}"), Expect("{a: {x: [1]}}"));
  EXPECT_EQ(ApplyText("{$set: {}}", "{a: 1}"), Expect("{a: 1}"));
  // Scalars and arrays in the way.
  EXPECT_EQ(ApplyText("{$set: {'a.b': 1}}", "{a: 5}"),
            "error: $set at 'a.b': cannot create field 'b' in a long");
  EXPECT_EQ(ApplyText("{$set: {'a.b': 1}}", "{a: null}"),
            "error: $set at 'a.b': cannot create field 'b' in a null");
  EXPECT_EQ(ApplyText("{$set: {'a.b': 1}}", "{a: [1]}"),
            "error: $set at 'a.b': cannot create field 'b' in an array");
}

TEST(UpdateTest, FieldsAreAddedInPathOrder) {
  // MongoDB 5.0+ applies operators in path order, so new fields come out sorted.
  EXPECT_EQ(ApplyText("{$set: {c: 1, b: 1}, $inc: {a: 1}}", "{z: 0}"),
            Expect("{z: 0, a: 1, b: 1, c: 1}"));
  EXPECT_EQ(ApplyText("{$set: {'x.10': 1, 'x.9': 2}}", "{x: {}}"),
            Expect("{x: {'9': 2, '10': 1}}"));
}

TEST(UpdateTest, Unset) {
  EXPECT_EQ(ApplyText("{$unset: {a: ''}}", "{a: 1, b: 2}"), Expect("{b: 2}"));
  EXPECT_EQ(ApplyText("{$unset: {x: 1}}", "{a: 1}"), Expect("{a: 1}"));
  EXPECT_EQ(ApplyText("{$unset: {'a.b': 1}}", "{a: {b: 1, c: 2}}"), Expect("{a: {c: 2}}"));
  EXPECT_EQ(ApplyText("{$unset: {'a.1': 1}}", "{a: [1, 2, 3]}"), Expect("{a: [1, null, 3]}"));
  EXPECT_EQ(ApplyText("{$unset: {'a.b': 1}}", "{a: 5}"), Expect("{a: 5}"));
  EXPECT_EQ(ApplyText("{$unset: {'a.b': 1}}", "{a: [{b: 1}]}"), Expect("{a: [{b: 1}]}"));
}

TEST(UpdateTest, IncAndMul) {
  EXPECT_EQ(ApplyText("{$inc: {n: 2}}", "{n: 1}"), Expect("{n: 3}"));
  EXPECT_EQ(ApplyText("{$inc: {n: 1.5}}", "{n: 1}"), Expect("{n: 2.5}"));
  EXPECT_EQ(ApplyText("{$inc: {n: -1}}", "{}"), Expect("{n: -1}"));
  EXPECT_EQ(ApplyText("{$inc: {'a.0': 1}}", "{a: [1]}"), Expect("{a: [2]}"));
  EXPECT_EQ(ApplyText("{$inc: {n: 1}}", "{n: 'x'}"),
            "error: $inc at 'n': cannot apply to a string");
  EXPECT_EQ(ApplyText("{$inc: {n: 'x'}}", "{}"), "parse error: $inc needs a number at 'n'");
  EXPECT_EQ(ApplyText("{$inc: {n: 1}}", "{n: 9223372036854775807}"),
            "error: $inc at 'n': integer overflow");
  EXPECT_EQ(ApplyText("{$mul: {n: 3}}", "{n: 2}"), Expect("{n: 6}"));
  EXPECT_EQ(ApplyText("{$mul: {n: 0.5}}", "{n: 3}"), Expect("{n: 1.5}"));
  EXPECT_EQ(ApplyText("{$mul: {n: 3}}", "{}"), Expect("{n: 0}"));
  EXPECT_EQ(ApplyText("{$mul: {n: 3.0}}", "{}"), Expect("{n: 0.0}"));
  EXPECT_EQ(ApplyText("{$mul: {n: 2}}", "{n: null}"), "error: $mul at 'n': cannot apply to a null");
}

TEST(UpdateTest, MinAndMax) {
  EXPECT_EQ(ApplyText("{$min: {n: 3}}", "{n: 5}"), Expect("{n: 3}"));
  EXPECT_EQ(ApplyText("{$min: {n: 7}}", "{n: 5}"), Expect("{n: 5}"));
  EXPECT_EQ(ApplyText("{$max: {n: 7}}", "{n: 5}"), Expect("{n: 7}"));
  EXPECT_EQ(ApplyText("{$max: {n: 7}}", "{}"), Expect("{n: 7}"));
  EXPECT_EQ(ApplyText("{$min: {n: 'a'}}", "{n: 5}"), Expect("{n: 5}"));  // numbers < strings
  EXPECT_EQ(ApplyText("{$max: {n: 'a'}}", "{n: 5}"), Expect("{n: 'a'}"));
  EXPECT_EQ(ApplyText("{$min: {n: null}}", "{n: 5}"), Expect("{n: null}"));
  EXPECT_EQ(ApplyText("{$max: {n: 5.0}}", "{n: 5}"), Expect("{n: 5}"));  // equal: unchanged
}

TEST(UpdateTest, Rename) {
  EXPECT_EQ(ApplyText("{$rename: {a: 'b'}}", "{a: 1, c: 2}"), Expect("{c: 2, b: 1}"));
  EXPECT_EQ(ApplyText("{$rename: {a: 'b'}}", "{a: 1, b: 2}"), Expect("{b: 1}"));
  EXPECT_EQ(ApplyText("{$rename: {x: 'b'}}", "{a: 1}"), Expect("{a: 1}"));
  EXPECT_EQ(ApplyText("{$rename: {'a.b': 'c.d'}}", "{a: {b: 1}}"), Expect("{a: {}, c: {d: 1}}"));
  EXPECT_EQ(ApplyText("{$rename: {'a.0': 'b'}}", "{a: [1]}"),
            "error: $rename at 'a.0': the source field cannot be an array element");
  EXPECT_EQ(ApplyText("{$rename: {a: 'b.0'}}", "{a: 1, b: [1]}"),
            "error: $rename at 'a': the destination field cannot be an array element");
  EXPECT_EQ(ApplyText("{$rename: {a: 'a.b'}}", "{a: 1}"),
            "parse error: $rename at 'a.b' conflicts with $rename at 'a'");
  EXPECT_EQ(ApplyText("{$rename: {a: 5}}", "{a: 1}"),
            "parse error: $rename needs a non-empty string at 'a'");
}

TEST(UpdateTest, Push) {
  EXPECT_EQ(ApplyText("{$push: {a: 3}}", "{a: [1, 2]}"), Expect("{a: [1, 2, 3]}"));
  EXPECT_EQ(ApplyText("{$push: {a: 3}}", "{}"), Expect("{a: [3]}"));
  EXPECT_EQ(ApplyText("{$push: {a: [3]}}", "{a: []}"), Expect("{a: [[3]]}"));
  EXPECT_EQ(ApplyText("{$push: {a: {$each: [3, 4]}}}", "{a: [1]}"), Expect("{a: [1, 3, 4]}"));
  EXPECT_EQ(ApplyText("{$push: {a: {$each: [3, 4], $position: 0}}}", "{a: [1]}"),
            Expect("{a: [3, 4, 1]}"));
  EXPECT_EQ(ApplyText("{$push: {a: {$each: [9], $position: -1}}}", "{a: [1, 2]}"),
            Expect("{a: [1, 9, 2]}"));
  EXPECT_EQ(ApplyText("{$push: {a: {$each: [9], $position: 10}}}", "{a: [1]}"),
            Expect("{a: [1, 9]}"));
  EXPECT_EQ(ApplyText("{$push: {a: {$each: [3, 1], $sort: 1}}}", "{a: [2]}"),
            Expect("{a: [1, 2, 3]}"));
  EXPECT_EQ(ApplyText("{$push: {a: {$each: [3, 1], $sort: -1, $slice: 2}}}", "{a: [2]}"),
            Expect("{a: [3, 2]}"));
  EXPECT_EQ(ApplyText("{$push: {a: {$each: [4], $slice: -2}}}", "{a: [1, 2, 3]}"),
            Expect("{a: [3, 4]}"));
  EXPECT_EQ(ApplyText("{$push: {a: {$each: [], $slice: 0}}}", "{a: [1, 2]}"), Expect("{a: []}"));
  EXPECT_EQ(ApplyText("{$push: {a: {$each: [{s: 1}], $sort: {s: -1}}}}", "{a: [{s: 2}, {s: 0}]}"),
            Expect("{a: [{s: 2}, {s: 1}, {s: 0}]}"));
  EXPECT_EQ(ApplyText("{$push: {a: 1}}", "{a: 5}"), "error: $push at 'a': not an array but a long");
  EXPECT_EQ(ApplyText("{$push: {a: {$each: 1}}}", "{}"),
            "parse error: $push $each needs an array at 'a'");
  EXPECT_EQ(ApplyText("{$push: {a: {$each: [1], $bad: 1}}}", "{}"),
            "parse error: unknown $push modifier $bad at 'a'");
  EXPECT_EQ(ApplyText("{$push: {'a.b': 1}}", "{a: {}}"), Expect("{a: {b: [1]}}"));
}

TEST(UpdateTest, AddToSet) {
  EXPECT_EQ(ApplyText("{$addToSet: {a: 2}}", "{a: [1, 2]}"), Expect("{a: [1, 2]}"));
  EXPECT_EQ(ApplyText("{$addToSet: {a: 3}}", "{a: [1, 2]}"), Expect("{a: [1, 2, 3]}"));
  EXPECT_EQ(ApplyText("{$addToSet: {a: 1.0}}", "{a: [1]}"), Expect("{a: [1]}"));
  EXPECT_EQ(ApplyText("{$addToSet: {a: {$each: [1, 3, 3]}}}", "{a: [1]}"), Expect("{a: [1, 3]}"));
  EXPECT_EQ(ApplyText("{$addToSet: {a: [1]}}", "{a: [1]}"), Expect("{a: [1, [1]]}"));
  EXPECT_EQ(ApplyText("{$addToSet: {a: {x: 1}}}", "{}"), Expect("{a: [{x: 1}]}"));
  EXPECT_EQ(ApplyText("{$addToSet: {a: 1}}", "{a: 'x'}"),
            "error: $addToSet at 'a': not an array but a string");
  EXPECT_EQ(ApplyText("{$addToSet: {a: {$each: [1], $slice: 1}}}", "{}"),
            "parse error: $addToSet accepts only $each, not $slice at 'a'");
}

TEST(UpdateTest, Pop) {
  EXPECT_EQ(ApplyText("{$pop: {a: 1}}", "{a: [1, 2, 3]}"), Expect("{a: [1, 2]}"));
  EXPECT_EQ(ApplyText("{$pop: {a: -1}}", "{a: [1, 2, 3]}"), Expect("{a: [2, 3]}"));
  EXPECT_EQ(ApplyText("{$pop: {a: 1}}", "{a: []}"), Expect("{a: []}"));
  EXPECT_EQ(ApplyText("{$pop: {a: 1}}", "{}"), Expect("{}"));
  EXPECT_EQ(ApplyText("{$pop: {a: 1}}", "{a: 1}"), "error: $pop at 'a': not an array but a long");
  EXPECT_EQ(ApplyText("{$pop: {a: 2}}", "{}"), "parse error: $pop needs 1 or -1 at 'a'");
}

TEST(UpdateTest, Pull) {
  EXPECT_EQ(ApplyText("{$pull: {a: 2}}", "{a: [1, 2, 3, 2]}"), Expect("{a: [1, 3]}"));
  EXPECT_EQ(ApplyText("{$pull: {a: 2.0}}", "{a: [1, 2]}"), Expect("{a: [1]}"));
  EXPECT_EQ(ApplyText("{$pull: {a: [1]}}", "{a: [[1], 1, [1, 2]]}"), Expect("{a: [1, [1, 2]]}"));
  EXPECT_EQ(ApplyText("{$pull: {a: {$gte: 2}}}", "{a: [1, 2, 3, 'x']}"), Expect("{a: [1, 'x']}"));
  EXPECT_EQ(ApplyText("{$pull: {a: {$in: [1, 'x']}}}", "{a: [1, 2, 'x']}"), Expect("{a: [2]}"));
  EXPECT_EQ(ApplyText("{$pull: {a: {b: 1}}}", "{a: [{b: 1, c: 1}, {b: 2}, 1]}"),
            Expect("{a: [{b: 2}, 1]}"));
  EXPECT_EQ(ApplyText("{$pull: {a: {b: {$gt: 1}}}}", "{a: [{b: 1}, {b: 2}]}"),
            Expect("{a: [{b: 1}]}"));
  EXPECT_EQ(ApplyText("{$pull: {a: 1}}", "{}"), Expect("{}"));
  EXPECT_EQ(ApplyText("{$pull: {a: 1}}", "{a: 1}"), "error: $pull at 'a': not an array but a long");
  EXPECT_EQ(ApplyText("{$pull: {a: {$bad: 1}}}", "{}"),
            "parse error: $pull: unknown operator $bad at '' at 'a'");
  EXPECT_EQ(ApplyText("{$pullAll: {a: [1, 3]}}", "{a: [1, 2, 3, 1]}"), Expect("{a: [2]}"));
}

TEST(UpdateTest, CurrentDate) {
  Result<Update> u =
      Update::Parse(J("{$currentDate: {a: true, b: {$type: 'date'}, c: {$type: 'timestamp'}}}"));
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  Value d = J("{}");
  ASSERT_TRUE(u->Apply(&d, kNow).ok());
  EXPECT_EQ(*d.Find("a"), Value::Date(kNow));
  EXPECT_EQ(*d.Find("b"), Value::Date(kNow));
  EXPECT_EQ(*d.Find("c"), Value::Date(kNow));
  EXPECT_EQ(ApplyText("{$currentDate: {a: {$type: 'x'}}}", "{}"),
            "parse error: $currentDate needs true or {$type: 'date' | 'timestamp'} at 'a'");
}

TEST(UpdateTest, ConflictsAndParseErrors) {
  EXPECT_EQ(ApplyText("{$set: {a: 1}, $inc: {a: 1}}", "{}"),
            "parse error: $inc at 'a' conflicts with $set at 'a'");
  EXPECT_EQ(ApplyText("{$set: {'a.b': 1}, $unset: {a: 1}}", "{}"),
            "parse error: $unset at 'a' conflicts with $set at 'a.b'");
  EXPECT_EQ(ApplyText("{$set: {'a.b': 1, 'a.c': 1}}", "{}"), Expect("{a: {b: 1, c: 1}}"));
  EXPECT_EQ(ApplyText("{$set: {ab: 1, a: 1}}", "{}"), Expect("{a: 1, ab: 1}"));
  EXPECT_EQ(ApplyText("{$foo: {a: 1}}", "{}"), "parse error: unknown update operator $foo");
  EXPECT_EQ(ApplyText("{$set: 1}", "{}"), "parse error: $set needs an object of paths");
  EXPECT_EQ(ApplyText("{$set: {a: 1}, b: 2}", "{}"),
            "parse error: an update mixes operators and fields at 'b'");
  EXPECT_EQ(ApplyText("{$set: {'a..b': 1}}", "{}"),
            "parse error: $set has an empty field name at 'a..b'");
  EXPECT_EQ(ApplyText("{$set: {'a.$': 1}}", "{}"),
            "parse error: $set: positional operators are not supported at 'a.$'");
}

TEST(UpdateTest, IdIsImmutable) {
  EXPECT_EQ(ApplyText("{$set: {_id: 2}}", "{_id: 1}"), "error: $set at '_id': cannot change _id");
  EXPECT_EQ(ApplyText("{$set: {_id: 1}}", "{_id: 1, a: 1}"), Expect("{_id: 1, a: 1}"));
  EXPECT_EQ(ApplyText("{$unset: {_id: 1}}", "{_id: 1}"),
            "error: $unset at '_id': cannot change _id");
  EXPECT_EQ(ApplyText("{$set: {'_id.x': 2}}", "{_id: {x: 1}}"),
            "error: $set at '_id.x': cannot change _id");
  EXPECT_EQ(ApplyText("{$rename: {a: '_id'}}", "{_id: 1, a: 2}"),
            "error: $rename at 'a': cannot change _id");
  // The document is untouched when a later operator fails.
  EXPECT_EQ(ApplyText("{$set: {a: 1}, $inc: {b: 1}}", "{a: 0, b: 'x'}"),
            "error: $inc at 'b': cannot apply to a string");
}

TEST(UpdateTest, Replacement) {
  Result<Update> u = Update::Parse(J("{x: 1, y: {z: 2}}"));
  ASSERT_TRUE(u.ok());
  EXPECT_TRUE(u->is_replacement());
  EXPECT_EQ(ApplyText("{x: 1}", "{_id: 7, a: 1}"), Expect("{_id: 7, x: 1}"));
  EXPECT_EQ(ApplyText("{x: 1, _id: 7}", "{_id: 7, a: 1}"), Expect("{_id: 7, x: 1}"));
  EXPECT_EQ(ApplyText("{_id: 8}", "{_id: 7}"), "error: replacement at '_id': cannot change _id");
  EXPECT_EQ(ApplyText("{}", "{_id: 7, a: 1}"), Expect("{_id: 7}"));
  EXPECT_EQ(ApplyText("{x: 1}", "{a: 1}"), Expect("{x: 1}"));
}

std::string Upsert(const char* update, const char* filter) {
  Result<Update> u = Update::Parse(J(update));
  if (!u.ok()) return "parse error: " + u.status().message();
  Result<Value> d = u->MakeUpsertDocument(J(filter), kNow);
  if (!d.ok()) return "error: " + d.status().message();
  return Debug(*d);
}

TEST(UpdateTest, UpsertDocument) {
  EXPECT_EQ(Upsert("{$set: {b: 2}}", "{a: 1}"), Expect("{a: 1, b: 2}"));
  EXPECT_EQ(Upsert("{$inc: {n: 1}}", "{_id: 5, a: {$gt: 1}, 'x.y': 'z'}"),
            Expect("{_id: 5, x: {y: 'z'}, n: 1}"));
  EXPECT_EQ(Upsert("{$set: {b: 2}}", "{$and: [{a: 1}, {c: {$eq: 3}}], d: {$in: [4]}}"),
            Expect("{a: 1, c: 3, d: 4, b: 2}"));
  EXPECT_EQ(Upsert("{$set: {b: 2}}", "{$or: [{a: 1}], e: {$in: [1, 2]}}"), Expect("{b: 2}"));
  EXPECT_EQ(Upsert("{$setOnInsert: {c: 1}, $set: {b: 1}}", "{}"), Expect("{b: 1, c: 1}"));
  EXPECT_EQ(Upsert("{x: 1}", "{_id: 3, a: 1}"), Expect("{_id: 3, x: 1}"));
  EXPECT_EQ(Upsert("{$set: {_id: 4}}", "{_id: 3}"), "error: $set at '_id': cannot change _id");
  EXPECT_EQ(Upsert("{$set: {_id: 4}}", "{a: 3}"), Expect("{a: 3, _id: 4}"));
  EXPECT_EQ(Upsert("{$set: {b: 1}}", "{a: 1, 'a.b': 2}"),
            "error: upsert: path 'a.b' is matched twice");
  // $setOnInsert does nothing to an existing document.
  EXPECT_EQ(ApplyText("{$setOnInsert: {c: 1}, $set: {b: 1}}", "{}"), Expect("{b: 1}"));
}

}  // namespace
}  // namespace strata::query
