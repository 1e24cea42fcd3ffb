// $match, $project, $addFields/$set, $unwind, $lookup, $limit, $skip and $count.
#include <gtest/gtest.h>

#include "aggregate/pipeline.h"
#include "aggregate/test_util.h"

namespace strata::aggregate {
namespace {

using testing::Agg;
using testing::J;
using testing::Show;

TEST(MatchStageTest, FiltersAndMergesLeadingMatches) {
  const char* docs = "[{_id: 1, a: 1}, {_id: 2, a: 5}, {_id: 3, a: [1, 9]}, {_id: 4}]";
  EXPECT_EQ(Agg("[{$match: {a: {$gt: 4}}}]", docs), "[{_id: 2, a: 5}, {_id: 3, a: [1, 9]}]");
  EXPECT_EQ(Agg("[{$match: {a: 1}}, {$match: {_id: {$gte: 3}}}]", docs), "[{_id: 3, a: [1, 9]}]");
  EXPECT_EQ(Agg("[{$match: {a: {$bogus: 1}}}]", docs).substr(0, 26), "error: stage 0 ($match): u");
  EXPECT_EQ(Agg("[{$match: 5}]", docs), "error: stage 0 ($match): the filter must be an object");

  Result<Pipeline> p =
      Pipeline::Parse(J("[{$match: {a: 1}}, {$match: {b: 2}}, {$limit: 1}, {$match: {c: 3}}]"));
  ASSERT_TRUE(p.ok());
  ASSERT_NE(p->leading_match(), nullptr);
  EXPECT_TRUE(p->leading_match()->Matches(J("{a: 1, b: 2}")));
  EXPECT_FALSE(p->leading_match()->Matches(J("{a: 1, b: 3}")));
  EXPECT_TRUE(p->leading_match()->Matches(J("{a: 1, b: 2, c: 4}")));  // after $limit: not merged
  p = Pipeline::Parse(J("[{$limit: 1}, {$match: {a: 1}}]"));
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->leading_match(), nullptr);
}

TEST(ProjectStageTest, Inclusion) {
  const char* docs = "[{_id: 1, b: 2, a: 1, c: {d: 1, e: 2}}]";
  // Included fields keep the input's order; _id comes along unless excluded.
  EXPECT_EQ(Agg("[{$project: {a: 1, b: true}}]", docs), "[{_id: 1, b: 2, a: 1}]");
  EXPECT_EQ(Agg("[{$project: {a: 1, _id: 0}}]", docs), "[{a: 1}]");
  EXPECT_EQ(Agg("[{$project: {'c.d': 1}}]", docs), "[{_id: 1, c: {d: 1}}]");
  EXPECT_EQ(Agg("[{$project: {c: {e: 1}}}]", docs), "[{_id: 1, c: {e: 2}}]");
  EXPECT_EQ(Agg("[{$project: {nope: 1}}]", docs), "[{_id: 1}]");
  EXPECT_EQ(Agg("[{$project: {_id: 1}}]", docs), "[{_id: 1}]");
  // Through arrays: objects are projected, scalars dropped.
  EXPECT_EQ(Agg("[{$project: {'a.b': 1, _id: 0}}]", "[{a: [{b: 1, c: 2}, 3, [{b: 4}], {c: 5}]}]"),
            "[{a: [{b: 1}, [{b: 4}], {}]}]");
  EXPECT_EQ(Agg("[{$project: {'a.b': 1, _id: 0}}]", "[{a: 5}]"), "[{}]");
}

TEST(ProjectStageTest, ComputedFields) {
  const char* docs = "[{_id: 1, a: 2, b: {c: 3}}]";
  EXPECT_EQ(Agg("[{$project: {x: {$add: ['$a', 1]}, a: 1}}]", docs), "[{_id: 1, a: 2, x: 3}]");
  EXPECT_EQ(Agg("[{$project: {a: '$b.c', _id: 0}}]", docs), "[{a: 3}]");
  EXPECT_EQ(Agg("[{$project: {s: 'lit', l: {$literal: 1}, n: null}}]", docs),
            "[{_id: 1, s: \"lit\", l: 1, n: null}]");
  EXPECT_EQ(Agg("[{$project: {m: '$missing', r: '$$REMOVE'}}]", docs), "[{_id: 1}]");
  EXPECT_EQ(Agg("[{$project: {_id: '$a'}}]", docs), "[{_id: 2}]");
  EXPECT_EQ(Agg("[{$project: {'b.x': '$a', 'b.c': 1}}]", docs), "[{_id: 1, b: {c: 3, x: 2}}]");
  EXPECT_EQ(Agg("[{$project: {'z.y': '$a'}}]", docs), "[{_id: 1, z: {y: 2}}]");
  EXPECT_EQ(Agg("[{$project: {arr: ['$a', '$b.c']}}]", docs), "[{_id: 1, arr: [2, 3]}]");
  // A computed sub-field over an array sets it in each element; scalars become objects.
  EXPECT_EQ(Agg("[{$project: {'a.k': 'v', _id: 0}}]", "[{a: [{x: 1}, 2]}]"),
            "[{a: [{k: \"v\"}, {k: \"v\"}]}]");
  EXPECT_EQ(Agg("[{$project: {x: {$divide: ['$a', 0]}}}]", docs),
            "error: stage 0 ($project): $divide: division by zero");
}

TEST(ProjectStageTest, Exclusion) {
  const char* docs = "[{_id: 1, a: 1, b: {c: 1, d: 2}, e: [{c: 1, f: 2}, 7]}]";
  EXPECT_EQ(Agg("[{$project: {a: 0}}]", docs), "[{_id: 1, b: {c: 1, d: 2}, e: [{c: 1, f: 2}, 7]}]");
  EXPECT_EQ(Agg("[{$project: {_id: 0, 'b.c': 0, 'e.c': false}}]", docs),
            "[{a: 1, b: {d: 2}, e: [{f: 2}, 7]}]");
  EXPECT_EQ(Agg("[{$project: {_id: 0}}]", "[{_id: 1, a: 1}]"), "[{a: 1}]");
  EXPECT_EQ(Agg("[{$project: {a: 0, _id: 1}}]", "[{_id: 1, a: 1, b: 2}]"), "[{_id: 1, b: 2}]");
}

TEST(ProjectStageTest, Errors) {
  const char* docs = "[{a: 1}]";
  EXPECT_EQ(
      Agg("[{$project: {a: 1, b: 0}}]", docs),
      "error: stage 0 ($project): cannot do exclusion on field 'b' in an inclusion projection");
  EXPECT_EQ(
      Agg("[{$project: {b: 0, a: 1}}]", docs),
      "error: stage 0 ($project): cannot do inclusion on field 'a' in an exclusion projection");
  EXPECT_EQ(
      Agg("[{$project: {b: 0, a: '$x'}}]", docs),
      "error: stage 0 ($project): cannot use an expression for 'a' in an exclusion projection");
  EXPECT_EQ(Agg("[{$project: {}}]", docs),
            "error: stage 0 ($project): the specification must have at least one field");
  EXPECT_EQ(Agg("[{$project: {a: {}}}]", docs),
            "error: stage 0 ($project): an empty object is not a valid value for 'a'");
  EXPECT_EQ(Agg("[{$project: {a: 1, 'a.b': 1}}]", docs),
            "error: stage 0 ($project): path collision at 'a.b'");
  EXPECT_EQ(Agg("[{$project: {$a: 1}}]", docs),
            "error: stage 0 ($project): field name '$a' may not start with '$'");
  EXPECT_EQ(Agg("[{$project: {x: {$nope: 1}}}]", docs),
            "error: stage 0 ($project): unknown expression operator $nope");
  EXPECT_EQ(Agg("[{$project: 1}]", docs),
            "error: stage 0 ($project): the specification must be an object");
}

TEST(AddFieldsStageTest, AddsAndMerges) {
  const char* docs = "[{_id: 1, a: 2, o: {p: 1}}]";
  EXPECT_EQ(Agg("[{$addFields: {b: {$multiply: ['$a', 2]}, a: 'new'}}]", docs),
            "[{_id: 1, a: \"new\", o: {p: 1}, b: 4}]");
  EXPECT_EQ(Agg("[{$set: {'o.q': 2}}]", docs), "[{_id: 1, a: 2, o: {p: 1, q: 2}}]");
  EXPECT_EQ(Agg("[{$addFields: {o: {q: '$a'}}}]", docs), "[{_id: 1, a: 2, o: {p: 1, q: 2}}]");
  EXPECT_EQ(Agg("[{$addFields: {'a.x': 1}}]", docs), "[{_id: 1, a: {x: 1}, o: {p: 1}}]");
  EXPECT_EQ(Agg("[{$addFields: {e: {}}}]", docs), "[{_id: 1, a: 2, o: {p: 1}, e: {}}]");
  EXPECT_EQ(Agg("[{$addFields: {a: '$$REMOVE'}}]", docs), "[{_id: 1, o: {p: 1}}]");
  EXPECT_EQ(Agg("[{$addFields: {r: '$$ROOT'}}]", "[{a: 1}]"), "[{a: 1, r: {a: 1}}]");
  EXPECT_EQ(Agg("[{$addFields: {'l.k': 0}}]", "[{l: [{x: 1}, {x: 2}]}]"),
            "[{l: [{x: 1, k: 0}, {x: 2, k: 0}]}]");
  EXPECT_EQ(Agg("[{$addFields: {x: {$add: [1, 'a']}}}]", docs),
            "error: stage 0 ($addFields): $add: cannot add a string");
  EXPECT_EQ(Agg("[{$match: {}}, {$set: {x: {$add: [1, 'a']}}}]", docs),
            "error: stage 1 ($set): $add: cannot add a string");
  EXPECT_EQ(Agg("[{$addFields: {$x: 1}}]", docs),
            "error: stage 0 ($addFields): field name '$x' may not start with '$'");
}

TEST(UnwindStageTest, Forms) {
  const char* docs =
      "[{_id: 1, a: [1, 2]}, {_id: 2, a: []}, {_id: 3, a: null}, {_id: 4}, {_id: 5, a: 'x'}]";
  EXPECT_EQ(Agg("[{$unwind: '$a'}]", docs), "[{_id: 1, a: 1}, {_id: 1, a: 2}, {_id: 5, a: \"x\"}]");
  EXPECT_EQ(Agg("[{$unwind: {path: '$a', preserveNullAndEmptyArrays: true}}]", docs),
            "[{_id: 1, a: 1}, {_id: 1, a: 2}, {_id: 2}, {_id: 3, a: null}, {_id: 4}, "
            "{_id: 5, a: \"x\"}]");
  EXPECT_EQ(Agg("[{$unwind: {path: '$a', includeArrayIndex: 'i'}}]", docs),
            "[{_id: 1, a: 1, i: 0}, {_id: 1, a: 2, i: 1}, {_id: 5, a: \"x\", i: null}]");
  EXPECT_EQ(
      Agg("[{$unwind: {path: '$a', includeArrayIndex: 'i', preserveNullAndEmptyArrays: true}}]",
          "[{_id: 2, a: []}, {_id: 4}]"),
      "[{_id: 2, i: null}, {_id: 4, i: null}]");
  EXPECT_EQ(Agg("[{$unwind: '$o.l'}]", "[{o: {l: [{k: 1}, {k: 2}], m: 0}}]"),
            "[{o: {l: {k: 1}, m: 0}}, {o: {l: {k: 2}, m: 0}}]");
  // The path does not traverse arrays.
  EXPECT_EQ(Agg("[{$unwind: '$a.b'}]", "[{a: [{b: [1]}]}]"), "[]");
  EXPECT_EQ(Agg("[{$unwind: '$a'}, {$unwind: '$a'}]", "[{a: [[1, 2], 3]}]"),
            "[{a: 1}, {a: 2}, {a: 3}]");
}

TEST(UnwindStageTest, Errors) {
  EXPECT_EQ(Agg("[{$unwind: 'a'}]", "[]"),
            "error: stage 0 ($unwind): the path must be a string starting with '$'");
  EXPECT_EQ(Agg("[{$unwind: {includeArrayIndex: 'i'}}]", "[]"),
            "error: stage 0 ($unwind): requires a 'path'");
  EXPECT_EQ(Agg("[{$unwind: {path: '$a', preserveNullAndEmptyArrays: 1}}]", "[]"),
            "error: stage 0 ($unwind): 'preserveNullAndEmptyArrays' must be a boolean");
  EXPECT_EQ(Agg("[{$unwind: {path: '$a', foo: 1}}]", "[]"),
            "error: stage 0 ($unwind): unknown option 'foo'");
  EXPECT_EQ(Agg("[{$unwind: {path: '$a', includeArrayIndex: '$i'}}]", "[]"),
            "error: stage 0 ($unwind): includeArrayIndex '$i' is not a valid path");
}

// A fake collection resolver: "items" holds {sku, qty} documents.
PipelineOptions LookupOptions(std::vector<std::string>* calls) {
  PipelineOptions options;
  options.lookup = [calls](std::string_view from, std::string_view field,
                           const std::vector<Value>& values) -> Result<std::vector<Value>> {
    calls->push_back(std::string(from) + "." + std::string(field) + " in " +
                     Show(Value(Array(values))));
    if (from != "items") return Status::NotFound("no collection " + std::string(from));
    std::vector<Value> out;
    Value items = J("[{sku: 'a', qty: 1}, {sku: 'b', qty: 2}, {sku: null, qty: 3}, {qty: 4}]");
    for (const Value& doc : items.as_array()) {
      const Value* v = doc.Find(field);
      Value key = v ? *v : Value();
      for (const Value& want : values) {
        if (CompareValues(key, want) == 0) {
          out.push_back(doc);
          break;
        }
      }
    }
    return out;
  };
  return options;
}

TEST(LookupStageTest, JoinsThroughTheResolver) {
  std::vector<std::string> calls;
  PipelineOptions options = LookupOptions(&calls);
  const char* lookup =
      "[{$lookup: {from: 'items', localField: 'item', foreignField: 'sku', as: 'inv'}}]";
  EXPECT_EQ(
      Agg(lookup, "[{_id: 1, item: 'a'}, {_id: 2, item: 'zzz'}]", options),
      "[{_id: 1, item: \"a\", inv: [{sku: \"a\", qty: 1}]}, {_id: 2, item: \"zzz\", inv: []}]");
  EXPECT_EQ(calls[0], "items.sku in [\"a\"]");
  // An array local field matches any element; a missing one matches null (and missing).
  calls.clear();
  EXPECT_EQ(Agg(lookup, "[{_id: 3, item: ['a', 'b']}]", options),
            "[{_id: 3, item: [\"a\", \"b\"], inv: [{sku: \"a\", qty: 1}, {sku: \"b\", qty: 2}]}]");
  EXPECT_EQ(calls[0], "items.sku in [\"a\", \"b\"]");
  EXPECT_EQ(Agg(lookup, "[{_id: 4}]", options), "[{_id: 4, inv: [{sku: null, qty: 3}, {qty: 4}]}]");
  // An empty array reaches no value either, so it matches null too (MongoDB's equijoin tests).
  calls.clear();
  EXPECT_EQ(Agg(lookup, "[{_id: 5, item: []}]", options),
            "[{_id: 5, item: [], inv: [{sku: null, qty: 3}, {qty: 4}]}]");
  EXPECT_EQ(calls[0], "items.sku in [null]");
  // Dotted local path through an array, dotted output path.
  EXPECT_EQ(Agg("[{$lookup: {from: 'items', localField: 'l.s', foreignField: 'sku', as: 'o.inv'}}, "
                "{$project: {_id: 0, 'o.inv.qty': 1}}]",
                "[{l: [{s: 'b'}, {s: 'a'}]}]", options),
            "[{o: {inv: [{qty: 1}, {qty: 2}]}}]");
  EXPECT_EQ(Agg("[{$lookup: {from: 'nope', localField: 'a', foreignField: 'b', as: 'c'}}]",
                "[{a: 1}]", options),
            "error: stage 0 ($lookup): no collection nope");
}

TEST(LookupStageTest, Errors) {
  EXPECT_EQ(
      Agg("[{$lookup: {from: 'items', localField: 'a', foreignField: 'b', as: 'c'}}]", "[{}]"),
      "error: stage 0 ($lookup): no lookup resolver was given");
  EXPECT_EQ(Agg("[{$lookup: {from: 'items', localField: 'a', as: 'c'}}]", "[]"),
            "error: stage 0 ($lookup): requires 'from', 'localField', 'foreignField' and 'as'");
  EXPECT_EQ(
      Agg("[{$lookup: {from: 'items', pipeline: [], as: 'c'}}]", "[]"),
      "error: stage 0 ($lookup): 'pipeline' is not supported; use localField and foreignField");
  EXPECT_EQ(Agg("[{$lookup: {from: 1, localField: 'a', foreignField: 'b', as: 'c'}}]", "[]"),
            "error: stage 0 ($lookup): 'from' must be a non-empty string");
}

TEST(LimitSkipCountTest, Basics) {
  const char* docs = "[{a: 1}, {a: 2}, {a: 3}, {a: 4}]";
  EXPECT_EQ(Agg("[{$limit: 2}]", docs), "[{a: 1}, {a: 2}]");
  EXPECT_EQ(Agg("[{$limit: 2.0}]", docs), "[{a: 1}, {a: 2}]");
  EXPECT_EQ(Agg("[{$skip: 3}]", docs), "[{a: 4}]");
  EXPECT_EQ(Agg("[{$skip: 0}]", docs), "[{a: 1}, {a: 2}, {a: 3}, {a: 4}]");
  EXPECT_EQ(Agg("[{$skip: 9}]", docs), "[]");
  EXPECT_EQ(Agg("[{$skip: 1}, {$limit: 2}]", docs), "[{a: 2}, {a: 3}]");
  EXPECT_EQ(Agg("[{$count: 'n'}]", docs), "[{n: 4}]");
  EXPECT_EQ(Agg("[{$match: {a: 9}}, {$count: 'n'}]", docs), "[]");
  EXPECT_EQ(Agg("[{$limit: 0}]", docs), "error: stage 0 ($limit): expects a positive integer");
  EXPECT_EQ(Agg("[{$limit: 1.5}]", docs), "error: stage 0 ($limit): expects an integer");
  EXPECT_EQ(Agg("[{$skip: -1}]", docs), "error: stage 0 ($skip): expects a non-negative integer");
  EXPECT_EQ(Agg("[{$count: ''}]", docs), "error: stage 0 ($count): expects a non-empty field name");
  EXPECT_EQ(Agg("[{$count: '$n'}]", docs),
            "error: stage 0 ($count): the field name '$n' may not start with '$' or contain '.'");
}

}  // namespace
}  // namespace strata::aggregate
