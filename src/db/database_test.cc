#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <random>
#include <thread>

#include "codec/document.h"
#include "codec/json.h"
#include "strata/db.h"

namespace strata {
namespace {

Value J(std::string_view text) {
  auto v = codec::ParseJson(text);
  EXPECT_TRUE(v.ok()) << v.status().ToString() << " in " << text;
  return v.ok() ? *v : Value();
}

std::string S(const Value& v) { return codec::ToJson(v); }

class DatabaseTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("strata_db_test_" + std::to_string(::getpid()) + "_" + GetParam());
    std::filesystem::remove_all(dir_);
    Open();
  }
  void TearDown() override {
    db_.reset();
    std::filesystem::remove_all(dir_);
  }
  void Open() {
    DatabaseOptions o;
    o.backend = GetParam();
    auto db = Database::Open(dir_.string(), o);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(db).value();
  }
  void Reopen() {
    if (GetParam() == "memory") return;  // nothing survives
    db_.reset();
    Open();
  }
  std::vector<Value> Find(const std::string& coll, std::string_view filter,
                          const FindOptions& o = {}) {
    auto c = db_->collection(coll).Find(J(filter), o);
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    auto v = (*c)->ToVector();
    EXPECT_TRUE(v.ok()) << v.status().ToString();
    return *v;
  }
  std::vector<int64_t> Ns(const std::vector<Value>& docs) {
    std::vector<int64_t> out;
    for (const Value& d : docs) out.push_back(d.Find("n") ? d.Find("n")->as_int() : -1);
    return out;
  }
  // Reads `filter` page by page, `limit` documents a page, each page resuming from the last
  // one's token; appends the pages' n fields to *ns in the order they came.
  void ReadPages(const std::string& coll, std::string_view filter, int64_t limit,
                 std::vector<int64_t>* ns) {
    FindOptions o;
    o.limit = limit;
    while (true) {
      auto c = db_->collection(coll).Find(J(filter), o);
      ASSERT_TRUE(c.ok());
      auto page = (*c)->ToVector();
      ASSERT_TRUE(page.ok());
      for (auto n : Ns(*page)) ns->push_back(n);
      if (static_cast<int64_t>(page->size()) < limit) break;
      o.resume_token = (*c)->ResumeToken();
      ASSERT_FALSE(o.resume_token.empty()) << filter << " after " << ns->size();
    }
  }
  void InsertN(const std::string& coll, int n) {
    for (int i = 0; i < n; ++i) {
      ASSERT_TRUE(db_->collection(coll)
                      .InsertOne(Value::MakeObject(
                          {{"n", i}, {"even", i % 2 == 0}, {"tag", "t" + std::to_string(i % 5)}}))
                      .ok());
    }
  }

  std::filesystem::path dir_;
  std::unique_ptr<Database> db_;
};

TEST_P(DatabaseTest, InsertGetFindAndPersist) {
  auto users = db_->collection("users");
  auto id = users.InsertOne(J(R"({"name": "ada", "age": 36, "tags": ["x", "y"]})"));
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  auto got = users.Get(*id);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got->Find("name"), Value("ada"));
  Reopen();
  users = db_->collection("users");
  EXPECT_EQ(*users.Get(*id)->Find("age"), Value(36));
  EXPECT_EQ(Find("users", R"({"tags": "y"})").size(), 1u);
  EXPECT_TRUE(users.Get(Value("nope")).status().IsNotFound());
  EXPECT_TRUE(db_->collection("missing").Get(Value(1)).status().IsNotFound());
  EXPECT_EQ(db_->ListCollections().size(), 1u);  // reads create nothing
}

TEST_P(DatabaseTest, GetEncodedAppendsTheStoredDocument) {
  auto users = db_->collection("users");
  auto id = users.InsertOne(J(R"({"name": "ada", "n": 1, "x": 2.5, "a": [1, {"b": null}]})"));
  ASSERT_TRUE(id.ok());
  std::string out = "prefix";
  ASSERT_TRUE(users.GetEncoded(*id, &out).ok());
  ASSERT_EQ(out.substr(0, 6), "prefix");
  Value decoded;
  ASSERT_TRUE(codec::DecodeDocument(Slice(out.data() + 6, out.size() - 6), &decoded).ok());
  EXPECT_EQ(decoded, *users.Get(*id));
  // Absent documents and collections: NotFound, and nothing appended.
  const std::string before = out;
  EXPECT_TRUE(users.GetEncoded(Value("nope"), &out).IsNotFound());
  EXPECT_TRUE(db_->collection("missing").GetEncoded(Value(1), &out).IsNotFound());
  EXPECT_EQ(out, before);
  std::string again;
  ASSERT_TRUE(users.GetEncoded(*id, &again).ok());
  EXPECT_EQ(again, out.substr(6));
}

TEST_P(DatabaseTest, DropCollectionIfEmptyKeepsACollectionWithDocuments) {
  EXPECT_FALSE(db_->HasCollection("pending"));
  ASSERT_TRUE(db_->CreateCollection("pending").ok());
  EXPECT_TRUE(db_->HasCollection("pending"));
  ASSERT_TRUE(db_->collection("pending").InsertOne(J(R"({"_id": 1})")).ok());
  EXPECT_EQ(db_->DropCollectionIfEmpty("pending").code(), Status::Code::kAborted);
  EXPECT_TRUE(db_->collection("pending").Get(Value(1)).ok());
  ASSERT_TRUE(db_->collection("pending").DeleteOne(J(R"({"_id": 1})")).ok());
  EXPECT_TRUE(db_->DropCollectionIfEmpty("pending").ok());
  EXPECT_FALSE(db_->HasCollection("pending"));
  EXPECT_TRUE(db_->DropCollectionIfEmpty("pending").IsNotFound());
}

TEST_P(DatabaseTest, IndexedQueriesAgreeWithScans) {
  InsertN("c", 200);
  auto scan_eq = Find("c", R"({"n": {"$gte": 50, "$lt": 60}})");
  auto scan_in = Find("c", R"({"tag": {"$in": ["t1", "t3"]}, "even": true})");
  ASSERT_TRUE(db_->collection("c").CreateIndex({{"n", 1}}).ok());
  ASSERT_TRUE(db_->collection("c").CreateIndex({{"tag", 1}, {"n", -1}}).ok());
  auto ix_eq = Find("c", R"({"n": {"$gte": 50, "$lt": 60}})");
  auto ix_in = Find("c", R"({"tag": {"$in": ["t1", "t3"]}, "even": true})");
  EXPECT_EQ(Ns(ix_eq), Ns(scan_eq));
  EXPECT_EQ(ix_in.size(), scan_in.size());
  auto ex = db_->collection("c").ExplainFind(J(R"({"n": {"$gte": 50, "$lt": 60}})"));
  ASSERT_TRUE(ex.ok());
  EXPECT_EQ(ex->plan, "IXSCAN n_1");
  EXPECT_EQ(ex->keys_examined, 10u);
  EXPECT_EQ(ex->docs_examined, 10u);
  ex = db_->collection("c").ExplainFind(J(R"({"even": true})"));
  EXPECT_EQ(ex->plan, "COLLSCAN");
  EXPECT_EQ(ex->docs_examined, 200u);
  // Ints and doubles are one number line.
  EXPECT_EQ(Find("c", R"({"n": 7.0})").size(), 1u);
  EXPECT_EQ(Find("c", R"({"n": {"$gt": 198.5}})").size(), 1u);
}

// Index scans whose bounds are exact skip the filter on the documents they fetch: random
// filters over random values of every type (NaN, -0.0, infinities, mixed numbers, null, missing,
// objects, arrays) must match the same documents with indexes as a collection scan does.
TEST_P(DatabaseTest, IndexedFindsAgreeWithScansOnRandomValues) {
  std::mt19937 rnd(7);
  auto pick = [&](const std::vector<Value>& from) { return from[rnd() % from.size()]; };
  const std::vector<Value> scalars = {Value(int64_t{-2}),
                                      Value(int64_t{0}),
                                      Value(int64_t{1}),
                                      Value(int64_t{2}),
                                      Value(-1.5),
                                      Value(0.5),
                                      Value(2.0),
                                      Value(-0.0),
                                      Value(std::nan("")),
                                      Value(INFINITY),
                                      Value(""),
                                      Value("a"),
                                      Value("ab"),
                                      Value("b"),
                                      Value(true),
                                      Value(false),
                                      Value()};
  std::vector<Value> values = scalars;
  values.push_back(Value::MakeObject({{"x", 1}}));
  std::vector<Value> with_arrays = values;
  with_arrays.push_back(J(R"([1, "a"])"));
  with_arrays.push_back(J("[]"));
  with_arrays.push_back(J("[2, 3]"));
  // a and b never hold arrays (their indexes stay single-key); c does.
  for (int i = 0; i < 300; ++i) {
    Object fields{{"n", Value(int64_t{i})}};
    if (rnd() % 8 != 0) fields.emplace_back("a", pick(values));
    if (rnd() % 8 != 0) fields.emplace_back("b", pick(values));
    if (rnd() % 8 != 0) fields.emplace_back("c", pick(with_arrays));
    for (const char* coll : {"plain", "ix"}) {
      ASSERT_TRUE(db_->collection(coll).InsertOne(Value(fields)).ok());
    }
  }
  ASSERT_TRUE(db_->collection("ix").CreateIndex({{"a", 1}}).ok());
  ASSERT_TRUE(db_->collection("ix").CreateIndex({{"b", 1}, {"a", -1}}).ok());
  ASSERT_TRUE(db_->collection("ix").CreateIndex({{"c", 1}}).ok());
  const char* kOps[] = {"$eq", "$gt", "$gte", "$lt", "$lte", "$in", "$ne", "$exists"};
  auto condition = [&]() -> Value {
    const std::string op = kOps[rnd() % 8];
    if (op == "$eq" && rnd() % 2 == 0) return pick(scalars);  // implicit equality
    if (op == "$in")
      return Value::MakeObject({{op, Value::MakeArray({pick(scalars), pick(scalars)})}});
    if (op == "$exists") return Value::MakeObject({{op, Value(rnd() % 2 == 0)}});
    Value v = Value::MakeObject({{op, pick(scalars)}});
    if (rnd() % 3 == 0) {  // a second bound on the same path
      v.as_object().emplace_back(rnd() % 2 == 0 ? "$lt" : "$lte", pick(scalars));
    }
    return v;
  };
  auto sorted_ns = [&](const std::string& coll, const Value& filter) {
    auto c = db_->collection(coll).Find(filter);
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    auto docs = (*c)->ToVector();
    EXPECT_TRUE(docs.ok());
    std::vector<int64_t> ns = Ns(*docs);
    std::sort(ns.begin(), ns.end());
    return ns;
  };
  int indexed = 0;
  for (int q = 0; q < 400; ++q) {
    Object filter;
    const char* kPaths[] = {"a", "b", "c"};
    const int conditions = 1 + static_cast<int>(rnd() % 2);
    for (int k = 0; k < conditions; ++k) filter.emplace_back(kPaths[rnd() % 3], condition());
    const Value f(std::move(filter));
    EXPECT_EQ(sorted_ns("ix", f), sorted_ns("plain", f)) << S(f);
    auto ex = db_->collection("ix").ExplainFind(f);
    ASSERT_TRUE(ex.ok());
    if (ex->plan.starts_with("IXSCAN")) ++indexed;
  }
  EXPECT_GT(indexed, 150);  // most filters are served by an index
}

TEST_P(DatabaseTest, SortSkipLimitProjectionAndIndexOrder) {
  InsertN("c", 50);
  FindOptions o;
  o.sort = J(R"({"n": -1})");
  o.skip = 5;
  o.limit = 3;
  o.projection = J(R"({"n": 1, "_id": 0})");
  auto docs = Find("c", "{}", o);
  EXPECT_EQ(Ns(docs), (std::vector<int64_t>{44, 43, 42}));
  EXPECT_EQ(S(docs[0]), R"({"n":44})");
  ASSERT_TRUE(db_->collection("c").CreateIndex({{"n", 1}}).ok());
  auto again = Find("c", "{}", o);
  EXPECT_EQ(Ns(again), (std::vector<int64_t>{44, 43, 42}));
  auto ex = db_->collection("c").ExplainFind(J("{}"), o);
  EXPECT_TRUE(ex->sort_from_index);
  FindOptions by_tag;
  by_tag.sort = J(R"({"tag": 1, "n": -1})");
  auto docs2 = Find("c", R"({"n": {"$lt": 10}})", by_tag);
  EXPECT_EQ(Ns(docs2), (std::vector<int64_t>{5, 0, 6, 1, 7, 2, 8, 3, 9, 4}));
}

TEST_P(DatabaseTest, ResumeTokensContinueAScan) {
  InsertN("c", 25);
  ASSERT_TRUE(db_->collection("c").CreateIndex({{"n", 1}}).ok());
  for (std::string filter : {"{}", R"({"n": {"$gte": 3}})"}) {
    std::vector<int64_t> all;
    ASSERT_NO_FATAL_FAILURE(ReadPages("c", filter, 4, &all));
    EXPECT_EQ(all.size(), filter == "{}" ? 25u : 22u) << filter;
  }
  FindOptions bad;
  bad.resume_token = "zz";
  auto c = db_->collection("c").Find(J("{}"), bad);
  EXPECT_TRUE((*c)->ToVector().status().IsInvalidArgument());
}

// Index scans fetch their records in growing batches (8, 16, ... 64): results, order, Explain's
// counts, limits, multikey dedupe, resume tokens and a transaction's own writes must all be as
// one record at a time would give them, across batch boundaries.
TEST_P(DatabaseTest, IndexScansReadAheadAcrossBatches) {
  auto c = db_->collection("c");
  std::vector<Value> docs;
  for (int i = 0; i < 300; ++i) {
    docs.push_back(Value::MakeObject(
        {{"n", i}, {"even", i % 2 == 0}, {"tags", Value::MakeArray({i % 7, i % 7 + 1})}}));
  }
  ASSERT_TRUE(c.InsertMany(std::move(docs)).ok());
  const auto scan_in = Find("c", R"({"tags": {"$in": [2, 3]}})");
  ASSERT_TRUE(c.CreateIndex({{"n", 1}}).ok());
  ASSERT_TRUE(c.CreateIndex({{"tags", 1}}).ok());

  std::vector<int64_t> want;
  for (int i = 10; i < 250; ++i) want.push_back(i);
  EXPECT_EQ(Ns(Find("c", R"({"n": {"$gte": 10, "$lt": 250}})")), want);
  auto ex = c.ExplainFind(J(R"({"n": {"$gte": 10, "$lt": 250}})"));
  ASSERT_TRUE(ex.ok());
  EXPECT_EQ(ex->plan, "IXSCAN n_1");
  EXPECT_EQ(ex->keys_examined, 240u);
  EXPECT_EQ(ex->docs_examined, 240u);
  FindOptions desc;
  desc.sort = J(R"({"n": -1})");
  std::reverse(want.begin(), want.end());
  EXPECT_EQ(Ns(Find("c", R"({"n": {"$gte": 10, "$lt": 250}})", desc)), want);

  // A limit with a filter the index does not cover: Explain counts the documents examined, not
  // the records read ahead.
  FindOptions five;
  five.limit = 5;
  const auto evens = Find("c", R"({"n": {"$gte": 11}, "even": true})", five);
  EXPECT_EQ(Ns(evens), (std::vector<int64_t>{12, 14, 16, 18, 20}));
  ex = c.ExplainFind(J(R"({"n": {"$gte": 11}, "even": true})"), five);
  ASSERT_TRUE(ex.ok());
  EXPECT_EQ(ex->docs_examined, 10u);

  // Multikey: each document has two entries; the ones met twice are skipped but counted.
  const auto ix_in = Find("c", R"({"tags": {"$in": [2, 3]}})");
  EXPECT_EQ(ix_in.size(), scan_in.size());
  ex = c.ExplainFind(J(R"({"tags": {"$in": [2, 3]}})"));
  ASSERT_TRUE(ex.ok());
  EXPECT_EQ(ex->docs_examined, scan_in.size());
  size_t entries = 0;
  for (const Value& d : scan_in) {
    for (const Value& t : d.Find("tags")->as_array()) entries += t == Value(2) || t == Value(3);
  }
  EXPECT_EQ(ex->keys_examined, entries);

  // Ranges whose entries end exactly where a batch does (the first batch holds 8), and one with
  // no entries: the ranges after them are still read, nothing twice.
  auto g = db_->collection("g");
  for (int i = 0; i < 40; ++i)
    ASSERT_TRUE(g.InsertOne(Value::MakeObject({{"g", i / 8}, {"n", i}})).ok());
  ASSERT_TRUE(g.CreateIndex({{"g", 1}}).ok());
  EXPECT_EQ(Ns(Find("g", R"({"g": 2})")), (std::vector<int64_t>{16, 17, 18, 19, 20, 21, 22, 23}));
  want.clear();
  for (int i = 8; i < 16; ++i) want.push_back(i);
  for (int i = 24; i < 40; ++i) want.push_back(i);
  EXPECT_EQ(Ns(Find("g", R"({"g": {"$in": [1, 3, 9, 4]}})")), want);
  ex = g.ExplainFind(J(R"({"g": {"$in": [1, 3, 9, 4]}})"));
  ASSERT_TRUE(ex.ok());
  EXPECT_EQ(ex->plan, "IXSCAN g_1");
  EXPECT_EQ(ex->keys_examined, 24u);

  // Pages of 70 through the index resume exactly where the last one stopped.
  std::vector<int64_t> paged;
  ASSERT_NO_FATAL_FAILURE(ReadPages("c", R"({"n": {"$gte": 0}})", 70, &paged));
  ASSERT_EQ(paged.size(), 300u);
  for (int i = 0; i < 300; ++i) EXPECT_EQ(paged[i], i);

  // A transaction's staged writes are read with the batch.
  auto t = std::move(db_->BeginTransaction()).value();
  ASSERT_TRUE(t->Update("c", J(R"({"n": 100})"), J(R"({"$set": {"seen": true}})")).ok());
  ASSERT_TRUE(t->Update("c", J(R"({"n": 130})"), J(R"({"$unset": {"even": 1}})")).ok());
  auto in_txn = t->Find("c", J(R"({"n": {"$gte": 90, "$lt": 140}})"));
  ASSERT_TRUE(in_txn.ok()) << in_txn.status().ToString();
  ASSERT_EQ(in_txn->size(), 50u);
  EXPECT_EQ(*(*in_txn)[10].Find("seen"), Value(true));
  EXPECT_EQ((*in_txn)[40].Find("even"), nullptr);
  t->Cancel();
}

TEST_P(DatabaseTest, UpdatesDeletesAndUpserts) {
  InsertN("c", 20);
  auto c = db_->collection("c");
  ASSERT_TRUE(c.CreateIndex({{"tag", 1}}).ok());
  auto r =
      c.UpdateMany(J(R"({"even": true})"), J(R"({"$inc": {"n": 1000}, "$set": {"tag": "big"}})"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->matched, 10u);
  EXPECT_EQ(r->modified, 10u);
  EXPECT_EQ(Find("c", R"({"tag": "big"})").size(), 10u);
  EXPECT_EQ(Find("c", R"({"n": {"$gte": 1000}})").size(), 10u);
  r = c.UpdateOne(J(R"({"n": 1})"), J(R"({"$set": {"n": 1}})"));
  EXPECT_EQ(r->matched, 1u);
  EXPECT_EQ(r->modified, 0u);
  r = c.UpdateOne(J(R"({"name": "new"})"), J(R"({"$set": {"n": 5000}})"), /*upsert=*/true);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_TRUE(r->upserted_id.has_value());
  EXPECT_EQ(*c.Get(*r->upserted_id)->Find("name"), Value("new"));
  auto rep = c.ReplaceOne(J(R"({"n": 3})"), J(R"({"n": 3, "replaced": true})"));
  ASSERT_TRUE(rep.ok());
  EXPECT_EQ(Find("c", R"({"replaced": true})").size(), 1u);
  EXPECT_TRUE(
      c.ReplaceOne(J(R"({"n": 3})"), J(R"({"$set": {"a": 1}})")).status().IsInvalidArgument());
  EXPECT_EQ(*c.DeleteMany(J(R"({"tag": "big"})")), 10u);
  EXPECT_EQ(*c.DeleteOne(J(R"({"n": {"$lt": 100}})")), 1u);
  EXPECT_EQ(*c.Count(), 10u);
  EXPECT_EQ(*c.Count(J(R"({"n": {"$lt": 100}})")), 9u);
  auto check = db_->Check();
  ASSERT_TRUE(check.ok());
  EXPECT_TRUE(check->ok());
}

TEST_P(DatabaseTest, AFailedCallChangesNothing) {
  auto c = db_->collection("c");
  IndexOptions unique;
  unique.unique = true;
  ASSERT_TRUE(c.CreateIndex({{"k", 1}}, unique).ok());
  ASSERT_TRUE(c.InsertOne(J(R"({"k": 1, "s": "a"})")).ok());
  ASSERT_TRUE(c.InsertOne(J(R"({"k": 2, "s": "b"})")).ok());
  // A batch with a duplicate inside: nothing from it lands.
  auto many = c.InsertMany({J(R"({"k": 3})"), J(R"({"k": 1})")});
  EXPECT_TRUE(many.status().IsAlreadyExists());
  EXPECT_NE(many.status().message().find("document 1"), std::string::npos);
  EXPECT_EQ(*c.Count(), 2u);
  // An update that fails on its second document writes nothing.
  auto r = c.UpdateMany(J("{}"), J(R"({"$inc": {"s": 1}})"));
  EXPECT_TRUE(r.status().IsInvalidArgument());
  EXPECT_EQ(Find("c", R"({"s": "a"})").size(), 1u);
  // Bad input is refused with a message that names it.
  auto bad = c.Find(J(R"({"k": {"$foo": 1}})"));
  EXPECT_TRUE(bad.status().IsInvalidArgument());
  EXPECT_NE(bad.status().message().find("$foo"), std::string::npos);
  EXPECT_TRUE(c.Find(J(R"({"k": {"$regex": "("}})")).status().IsInvalidArgument());
  EXPECT_TRUE(c.UpdateOne(J("{}"), J(R"({"$set": {"_id": 5}})")).status().IsInvalidArgument());
  EXPECT_TRUE(c.UpdateOne(J("{}"), J(R"({"$set": {"k": 2}})")).status().IsAlreadyExists());
  EXPECT_EQ(*c.Count(J(R"({"k": 1})")), 1u);
  EXPECT_TRUE(db_->Check()->ok());
}

TEST_P(DatabaseTest, AggregateDistinctAndLookup) {
  InsertN("c", 30);
  auto out = db_->collection("c").Aggregate(J(R"([
      {"$match": {"n": {"$lt": 20}}},
      {"$group": {"_id": "$tag", "total": {"$sum": "$n"}, "count": {"$sum": 1}}},
      {"$sort": {"_id": 1}}])"));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ASSERT_EQ(out->size(), 5u);
  EXPECT_EQ(S((*out)[0]), R"({"_id":"t0","total":30,"count":4})");
  auto tags = db_->collection("c").Distinct("tag");
  ASSERT_TRUE(tags.ok());
  EXPECT_EQ(tags->size(), 5u);
  ASSERT_TRUE(db_->collection("tags").InsertOne(J(R"({"_id": "t1", "label": "one"})")).ok());
  auto joined = db_->collection("c").Aggregate(J(R"([
      {"$match": {"n": 1}},
      {"$lookup": {"from": "tags", "localField": "tag", "foreignField": "_id", "as": "t"}},
      {"$project": {"_id": 0, "n": 1, "label": "$t.label"}}])"));
  ASSERT_TRUE(joined.ok()) << joined.status().ToString();
  ASSERT_EQ(joined->size(), 1u);
  EXPECT_EQ(S((*joined)[0]), R"({"n":1,"label":["one"]})");
  auto bad = db_->collection("c").Aggregate(J(R"([{"$group": {"_id": 1, "x": {"$foo": 1}}}])"));
  EXPECT_TRUE(bad.status().IsInvalidArgument());
}

TEST_P(DatabaseTest, TransactionsCommitConflictAndCancel) {
  auto c = db_->collection("acct");
  ASSERT_TRUE(c.InsertOne(J(R"({"_id": "a", "bal": 100})")).ok());
  ASSERT_TRUE(c.InsertOne(J(R"({"_id": "b", "bal": 0})")).ok());
  auto t1 = std::move(db_->BeginTransaction()).value();
  auto t2 = std::move(db_->BeginTransaction()).value();
  ASSERT_TRUE(t1->Update("acct", J(R"({"_id": "a"})"), J(R"({"$inc": {"bal": -30}})")).ok());
  ASSERT_TRUE(t1->Update("acct", J(R"({"_id": "b"})"), J(R"({"$inc": {"bal": 30}})")).ok());
  EXPECT_EQ(*t1->Get("acct", Value("a"))->Find("bal"), Value(70));  // own writes
  EXPECT_EQ(*c.Get(Value("a"))->Find("bal"), Value(100));           // not yet visible
  ASSERT_TRUE(t2->Update("acct", J(R"({"_id": "a"})"), J(R"({"$inc": {"bal": -50}})")).ok());
  ASSERT_TRUE(t1->Commit().ok());
  EXPECT_TRUE(t2->Commit().IsConflict());
  EXPECT_EQ(*c.Get(Value("a"))->Find("bal"), Value(70));
  EXPECT_EQ(*c.Get(Value("b"))->Find("bal"), Value(30));
  auto t3 = std::move(db_->BeginTransaction()).value();
  ASSERT_TRUE(t3->Insert("acct", J(R"({"_id": "c"})")).ok());
  ASSERT_TRUE(t3->Prepare().ok());
  t3->Cancel();
  EXPECT_TRUE(c.Get(Value("c")).status().IsNotFound());
  EXPECT_TRUE(t3->Commit().IsInvalidArgument());
}

TEST_P(DatabaseTest, ConcurrentWritersKeepIndexesExact) {
  auto c = db_->collection("c");
  ASSERT_TRUE(c.CreateIndex({{"k", 1}}).ok());
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        auto id = c.InsertOne(Value::MakeObject({{"k", i % 10}, {"t", t}}));
        if (i % 3 == 0 && id.ok()) {
          (void)c.UpdateOne(Value::MakeObject({{"_id", *id}}), J(R"({"$inc": {"k": 100}})"));
        }
      }
    });
  }
  // An index build while the writers run.
  ASSERT_TRUE(c.CreateIndex({{"t", 1}}).ok());
  for (auto& th : threads) th.join();
  EXPECT_EQ(*c.Count(), 800u);
  auto check = db_->Check();
  ASSERT_TRUE(check.ok());
  EXPECT_TRUE(check->ok()) << S(check->ToValue());
  EXPECT_EQ(Find("c", R"({"t": 2})").size(), 200u);
}

INSTANTIATE_TEST_SUITE_P(Backends, DatabaseTest, ::testing::Values("strata", "memory"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace strata
