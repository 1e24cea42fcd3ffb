// $group, $sort (with the top-N path), memory limits, pipeline-level parsing and streaming.
#include <gtest/gtest.h>

#include "aggregate/pipeline.h"
#include "aggregate/test_util.h"

namespace strata::aggregate {
namespace {

using testing::Agg;
using testing::J;
using testing::Show;

const char* kSales =
    "[{_id: 1, item: 'a', price: 10, qty: 2, tags: ['x', 'y']},"
    " {_id: 2, item: 'b', price: 20, qty: 1, tags: ['x']},"
    " {_id: 3, item: 'a', price: 5.5, qty: 10},"
    " {_id: 4, item: 'c', price: 8, qty: 5, tags: []},"
    " {_id: 5, price: 1, qty: 1}]";

TEST(GroupStageTest, Accumulators) {
  EXPECT_EQ(
      Agg("[{$group: {_id: '$item', n: {$sum: 1}, total: {$sum: {$multiply: ['$price', '$qty']}},"
          " avg: {$avg: '$price'}, lo: {$min: '$qty'}, hi: {$max: '$qty'}}}]",
          kSales),
      "[{_id: \"a\", n: 2, total: 75.0, avg: 7.75, lo: 2, hi: 10},"
      " {_id: \"b\", n: 1, total: 20, avg: 20.0, lo: 1, hi: 1},"
      " {_id: \"c\", n: 1, total: 40, avg: 8.0, lo: 5, hi: 5},"
      " {_id: null, n: 1, total: 1, avg: 1.0, lo: 1, hi: 1}]");
  EXPECT_EQ(Agg("[{$group: {_id: null, f: {$first: '$item'}, l: {$last: '$item'}, "
                "p: {$push: '$item'}, s: {$addToSet: '$item'}, c: {$count: {}}}}]",
                kSales),
            "[{_id: null, f: \"a\", l: null, p: [\"a\", \"b\", \"a\", \"c\"], "
            "s: [\"a\", \"b\", \"c\"], c: 5}]");
  // $sum in $group ignores arrays (unlike the expression form).
  EXPECT_EQ(Agg("[{$group: {_id: 1, t: {$sum: '$tags'}}}]", kSales), "[{_id: 1, t: 0}]");
}

TEST(GroupStageTest, Keys) {
  // 1 and 1.0 are one group; the first key seen is kept. Missing and null are one group.
  EXPECT_EQ(Agg("[{$group: {_id: '$k', n: {$sum: 1}}}]",
                "[{k: 1}, {k: 1.0}, {k: null}, {}, {k: 'x'}, {k: [1]}, {k: {a: 1}}]"),
            "[{_id: 1, n: 2}, {_id: null, n: 2}, {_id: \"x\", n: 1}, {_id: [1], n: 1}, "
            "{_id: {a: 1}, n: 1}]");
  // Compound keys.
  EXPECT_EQ(Agg("[{$group: {_id: {i: '$item', big: {$gte: ['$qty', 5]}}, n: {$sum: 1}}}]", kSales),
            "[{_id: {i: \"a\", big: false}, n: 1}, {_id: {i: \"b\", big: false}, n: 1}, "
            "{_id: {i: \"a\", big: true}, n: 1}, {_id: {i: \"c\", big: true}, n: 1}, "
            "{_id: {big: false}, n: 1}]");
  EXPECT_EQ(Agg("[{$group: {_id: 0}}]", kSales), "[{_id: 0}]");
  EXPECT_EQ(Agg("[{$group: {_id: null, n: {$sum: 1}}}]", "[]"), "[]");
  EXPECT_EQ(
      Agg("[{$unwind: '$tags'}, {$group: {_id: '$tags', n: {$sum: '$qty'}}}, {$sort: {_id: 1}}]",
          kSales),
      "[{_id: \"x\", n: 3}, {_id: \"y\", n: 2}]");
}

TEST(GroupStageTest, Errors) {
  EXPECT_EQ(Agg("[{$match: {}}, {$project: {a: 1}}, {$group: {_id: null, n: {$foo: 1}}}]", kSales),
            "error: stage 2 ($group): unknown accumulator $foo for field 'n'");
  EXPECT_EQ(Agg("[{$group: {n: {$sum: 1}}}]", kSales),
            "error: stage 0 ($group): a group specification must include an _id");
  EXPECT_EQ(Agg("[{$group: {_id: null, n: 1}}]", kSales),
            "error: stage 0 ($group): field 'n' must be an object with exactly one accumulator");
  EXPECT_EQ(Agg("[{$group: {_id: null, n: {$sum: 1, $avg: 1}}}]", kSales),
            "error: stage 0 ($group): field 'n' must be an object with exactly one accumulator");
  EXPECT_EQ(Agg("[{$group: {_id: null, 'a.b': {$sum: 1}}}]", kSales),
            "error: stage 0 ($group): invalid output field name 'a.b'");
  EXPECT_EQ(Agg("[{$group: {_id: null, n: {$count: 1}}}]", kSales),
            "error: stage 0 ($group): $count for field 'n' takes an empty object");
  EXPECT_EQ(
      Agg("[{$group: {_id: null, n: {$push: ['$a', '$b']}}}]", kSales),
      "error: stage 0 ($group): the $push accumulator for field 'n' takes one expression, not "
      "an array");
  EXPECT_EQ(Agg("[{$group: {_id: null, n: {$sum: {$nope: 1}}}}]", kSales),
            "error: stage 0 ($group): field 'n': unknown expression operator $nope");
  EXPECT_EQ(Agg("[{$group: {_id: {$nope: 1}}}]", kSales),
            "error: stage 0 ($group): _id: unknown expression operator $nope");
  EXPECT_EQ(Agg("[{$group: {_id: null, n: {$sum: {$divide: [1, 0]}}}}]", kSales),
            "error: stage 0 ($group): $divide: division by zero");
  EXPECT_EQ(Agg("[{$group: {_id: {$divide: [1, 0]}}}]", kSales),
            "error: stage 0 ($group): $divide: division by zero");
}

TEST(SortStageTest, OrdersStably) {
  EXPECT_EQ(Agg("[{$sort: {price: -1}}, {$project: {_id: 1}}]", kSales),
            "[{_id: 2}, {_id: 1}, {_id: 4}, {_id: 3}, {_id: 5}]");
  EXPECT_EQ(Agg("[{$sort: {item: 1, qty: -1}}, {$project: {_id: 1}}]", kSales),
            "[{_id: 5}, {_id: 3}, {_id: 1}, {_id: 2}, {_id: 4}]");
  // Ties keep the input order; missing sorts with null, below numbers.
  EXPECT_EQ(Agg("[{$sort: {k: 1}}]",
                "[{i: 1, k: 2}, {i: 2}, {i: 3, k: 1}, {i: 4, k: null}, {i: 5, k: 1}]"),
            "[{i: 2}, {i: 4, k: null}, {i: 3, k: 1}, {i: 5, k: 1}, {i: 1, k: 2}]");
  // Arrays sort by their smallest element ascending, largest descending.
  EXPECT_EQ(Agg("[{$sort: {a: 1}}]", "[{a: [5, 0]}, {a: 3}, {a: [4, 9]}]"),
            "[{a: [5, 0]}, {a: 3}, {a: [4, 9]}]");
  EXPECT_EQ(Agg("[{$sort: {a: -1}}]", "[{a: [5, 0]}, {a: 3}, {a: [4, 9]}]"),
            "[{a: [4, 9]}, {a: [5, 0]}, {a: 3}]");
  EXPECT_EQ(Agg("[{$sort: {a: 2}}]", "[]").substr(0, 24), "error: stage 0 ($sort): ");
  EXPECT_EQ(Agg("[{$sort: 1}]", "[]"),
            "error: stage 0 ($sort): the specification must be an object");
}

TEST(SortStageTest, TopNMatchesAFullSort) {
  std::string docs = "[";
  for (int i = 0; i < 200; ++i) {
    if (i > 0) docs += ", ";
    docs += "{i: " + std::to_string(i) + ", k: " + std::to_string((i * 37) % 11) + "}";
  }
  docs += "]";
  for (int n : {1, 5, 50, 199, 200, 500}) {
    std::string limit = "{$limit: " + std::to_string(n) + "}";
    std::string top = Agg("[{$sort: {k: -1}}, " + limit + "]", docs);
    std::string full = Agg("[{$sort: {k: -1}}, {$skip: 0}, " + limit + "]", docs);
    EXPECT_EQ(top, full) << n;
  }
}

// Pipelines over large documents hit the memory limit in the stages that hold data.
TEST(MemoryLimitTest, GroupAndSortFailPastTheLimit) {
  std::vector<Value> docs;
  for (int i = 0; i < 100; ++i) {
    docs.push_back(Value(Object{{"i", Value(i)}, {"pad", Value(std::string(1000, 'x'))}}));
  }
  PipelineOptions small;
  small.memory_limit_bytes = 20000;

  auto run = [&](const char* pipeline, const PipelineOptions& options) {
    Result<Pipeline> p = Pipeline::Parse(J(pipeline));
    EXPECT_TRUE(p.ok());
    return RunPipeline(*p, docs, options);
  };
  Result<std::vector<Value>> r = run("[{$sort: {i: -1}}]", small);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kResourceExhausted);
  EXPECT_EQ(r.status().message().substr(0, 52),
            "stage 0 ($sort): exceeded the memory limit of 20000 ");

  r = run("[{$match: {}}, {$group: {_id: null, all: {$push: '$pad'}}}]", small);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kResourceExhausted);
  EXPECT_EQ(r.status().message().substr(0, 53),
            "stage 1 ($group): exceeded the memory limit of 20000 ");

  r = run("[{$group: {_id: {$concat: ['$pad', {$toString: '$i'}]}, n: {$sum: 1}}}]", small);
  EXPECT_FALSE(r.ok());

  // Small state fits: a sum per group, or only the top 5 documents held by $sort + $limit.
  r = run("[{$group: {_id: null, n: {$sum: '$i'}}}]", small);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(Show(*r), "[{_id: null, n: 4950}]");
  r = run("[{$sort: {i: -1}}, {$limit: 5}, {$project: {_id: 0, i: 1}}]", small);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(Show(*r), "[{i: 99}, {i: 98}, {i: 97}, {i: 96}, {i: 95}]");
  // The default limit (100 MiB) is plenty.
  r = run("[{$sort: {i: -1}}]", PipelineOptions{});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->size(), 100u);
}

TEST(PipelineTest, ParseErrors) {
  EXPECT_EQ(Agg("{$match: {}}", "[]"), "error: a pipeline must be an array of stages");
  EXPECT_EQ(Agg("[{$match: {}, $limit: 1}]", "[]"),
            "error: stage 0: a stage must be an object with exactly one field");
  EXPECT_EQ(Agg("[5]", "[]"), "error: stage 0: a stage must be an object with exactly one field");
  EXPECT_EQ(Agg("[{$limit: 1}, {$bogus: 1}]", "[]"), "error: stage 1 ($bogus): unknown stage");
  EXPECT_EQ(Agg("[{$sort: {a: 1}}, {$limit: -1}]", "[]"),
            "error: stage 1 ($limit): expects a positive integer");
  EXPECT_EQ(Agg("[]", "[{a: 1}]"), "[{a: 1}]");
}

TEST(PipelineTest, NowAndRoot) {
  PipelineOptions options;
  options.now_millis = 86400000;
  EXPECT_EQ(
      Agg("[{$project: {_id: 0, t: {$toString: '$$NOW'}, r: '$$ROOT.a'}}]", "[{a: 1}]", options),
      "[{t: \"1970-01-02T00:00:00.000Z\", r: 1}]");
}

// A source that counts how many documents were pulled from it.
class CountingSource final : public DocumentSource {
 public:
  CountingSource(int n, int* pulled) : n_(n), pulled_(pulled) {}
  Result<bool> Next(Value* doc) override {
    if (*pulled_ >= n_) return false;
    *doc = Value(Object{{"i", Value(*pulled_)}});
    ++*pulled_;
    return true;
  }

 private:
  int n_;
  int* pulled_;
};

TEST(PipelineTest, StreamsAndOutlivesThePipeline) {
  int pulled = 0;
  std::unique_ptr<DocumentSource> source;
  {
    Result<Pipeline> p = Pipeline::Parse(
        J("[{$match: {i: {$gte: 2}}}, {$addFields: {j: {$add: ['$i', 1]}}}, {$limit: 3}]"));
    ASSERT_TRUE(p.ok());
    PipelineOptions options;  // a temporary: the source keeps its own copy
    auto r = p->Execute(std::make_unique<CountingSource>(1000000, &pulled), options);
    ASSERT_TRUE(r.ok());
    source = std::move(r).value();
  }  // the Pipeline is gone; its stages live on in the source
  Value doc;
  std::vector<Value> out;
  while (true) {
    Result<bool> r = source->Next(&doc);
    ASSERT_TRUE(r.ok());
    if (!*r) break;
    out.push_back(doc);
  }
  EXPECT_EQ(Show(out), "[{i: 2, j: 3}, {i: 3, j: 4}, {i: 4, j: 5}]");
  EXPECT_EQ(pulled, 5);  // $limit stops pulling
}

// An input error reaches the caller unchanged.
class FailingSource final : public DocumentSource {
 public:
  Result<bool> Next(Value*) override { return Status::IOError("disk on fire"); }
};

TEST(PipelineTest, InputErrorsPropagate) {
  for (const char* pipeline : {"[{$group: {_id: null}}]", "[{$sort: {a: 1}}]", "[{$count: 'n'}]",
                               "[{$unwind: '$a'}]", "[{$skip: 1}]", "[{$project: {a: 1}}]"}) {
    Result<Pipeline> p = Pipeline::Parse(J(pipeline));
    ASSERT_TRUE(p.ok());
    auto source = p->Execute(std::make_unique<FailingSource>(), PipelineOptions{});
    ASSERT_TRUE(source.ok());
    Value doc;
    Result<bool> r = (*source)->Next(&doc);
    EXPECT_TRUE(r.status().IsIOError()) << pipeline;
    EXPECT_EQ(r.status().message(), "disk on fire");
  }
}

}  // namespace
}  // namespace strata::aggregate
