#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <thread>

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

// Collects what a listener receives: one entry per call (one commit).
struct Recorder {
  std::mutex mu;
  std::vector<std::vector<Change>> commits;

  ChangeListener Listener() {
    return [this](const std::vector<Change>& changes) {
      std::lock_guard<std::mutex> lock(mu);
      commits.push_back(changes);
    };
  }
  std::vector<std::vector<Change>> Take() {
    std::lock_guard<std::mutex> lock(mu);
    return std::exchange(commits, {});
  }
};

const char* OpName(Change::Op op) {
  switch (op) {
    case Change::Op::kInsert:
      return "insert";
    case Change::Op::kUpdate:
      return "update";
    case Change::Op::kDelete:
      return "delete";
  }
  return "?";
}

// "op coll id doc" per change, for compact expectations.
std::string Describe(const Change& c) {
  auto doc = c.Document();
  return std::string(OpName(c.op)) + " " + c.collection + " " + S(c.id) + " " +
         (doc.ok() ? S(*doc) : doc.status().ToString());
}

std::vector<std::string> Describe(const std::vector<Change>& changes) {
  std::vector<std::string> out;
  for (const Change& c : changes) out.push_back(Describe(c));
  return out;
}

class ChangeFeedTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("strata_change_feed_test_" + std::to_string(::getpid()) + "_" + GetParam());
    std::filesystem::remove_all(dir_);
    DatabaseOptions o;
    o.backend = GetParam();
    auto db = Database::Open(dir_.string(), o);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(db).value();
    ASSERT_TRUE(db_->CreateCollection("c").ok());
  }
  void TearDown() override {
    db_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::filesystem::path dir_;
  std::unique_ptr<Database> db_;
};

TEST_P(ChangeFeedTest, EachOperationReportsItsChanges) {
  Recorder rec;
  uint64_t id = db_->AddChangeListener(rec.Listener());
  EXPECT_NE(id, 0u);
  auto c = db_->collection("c");
  ASSERT_TRUE(c.InsertOne(J(R"({"_id": 1, "n": 1})")).ok());
  ASSERT_TRUE(c.InsertOne(J(R"({"_id": 2, "n": 2})")).ok());
  ASSERT_TRUE(c.UpdateOne(J(R"({"_id": 1})"), J(R"({"$set": {"n": 10}})")).ok());
  ASSERT_TRUE(c.ReplaceOne(J(R"({"_id": 2})"), J(R"({"r": true})")).ok());
  ASSERT_TRUE(c.InsertMany({J(R"({"_id": 3, "n": 3})"), J(R"({"_id": 4, "n": 4})")}).ok());
  auto many = c.UpdateMany(J(R"({"n": {"$gte": 3}})"), J(R"({"$inc": {"n": 100}})"));
  ASSERT_TRUE(many.ok());
  EXPECT_EQ(many->modified, 3u);  // 1 (n=10), 3 and 4
  ASSERT_TRUE(c.DeleteOne(J(R"({"_id": 2})")).ok());
  // Matching but unchanged: nothing written, nothing reported.
  ASSERT_TRUE(c.UpdateOne(J(R"({"_id": 1})"), J(R"({"$set": {"n": 110}})")).ok());
  ASSERT_TRUE(c.DeleteMany(J("{}")).ok());

  auto commits = rec.Take();
  ASSERT_EQ(commits.size(), 8u);
  std::vector<std::vector<std::string>> want = {
      {R"(insert c 1 {"_id":1,"n":1})"},
      {R"(insert c 2 {"_id":2,"n":2})"},
      {R"(update c 1 {"_id":1,"n":10})"},
      {R"(update c 2 {"_id":2,"r":true})"},
      {R"(insert c 3 {"_id":3,"n":3})", R"(insert c 4 {"_id":4,"n":4})"},
      {R"(update c 1 {"_id":1,"n":110})", R"(update c 3 {"_id":3,"n":103})",
       R"(update c 4 {"_id":4,"n":104})"},
      {"delete c 2 null"},
      {"delete c 1 null", "delete c 3 null", "delete c 4 null"},
  };
  uint64_t last_seq = 0;
  for (size_t i = 0; i < commits.size(); ++i) {
    EXPECT_EQ(Describe(commits[i]), want[i]) << "commit " << i;
    ASSERT_FALSE(commits[i].empty());
    uint64_t seq = commits[i][0].seq;
    EXPECT_GT(seq, last_seq) << "commit " << i;
    for (const Change& ch : commits[i]) {
      EXPECT_EQ(ch.seq, seq);
      EXPECT_FALSE(ch.key.empty());
      EXPECT_EQ(ch.value.empty(), ch.op == Change::Op::kDelete);
    }
    last_seq = seq;
  }
  db_->RemoveChangeListener(id);
}

TEST_P(ChangeFeedTest, GeneratedIdsAndUpsertsAreInserts) {
  Recorder rec;
  db_->AddChangeListener(rec.Listener());
  auto c = db_->collection("other");  // created on first write: only the record is reported
  auto id = c.InsertOne(J(R"({"a": 1})"));
  ASSERT_TRUE(id.ok());
  auto up = c.UpdateOne(J(R"({"a": 2})"), J(R"({"$set": {"b": 1}})"), /*upsert=*/true);
  ASSERT_TRUE(up.ok());
  ASSERT_TRUE(up->upserted_id.has_value());
  auto commits = rec.Take();
  ASSERT_EQ(commits.size(), 2u);
  ASSERT_EQ(commits[0].size(), 1u);
  EXPECT_EQ(commits[0][0].op, Change::Op::kInsert);
  EXPECT_EQ(commits[0][0].collection, "other");
  EXPECT_EQ(commits[0][0].id, *id);
  ASSERT_EQ(commits[1].size(), 1u);
  EXPECT_EQ(commits[1][0].op, Change::Op::kInsert);
  EXPECT_EQ(commits[1][0].id, *up->upserted_id);
  EXPECT_EQ(*commits[1][0].Document()->Find("b"), Value(1));
}

TEST_P(ChangeFeedTest, TransactionsReportNetChangesAtCommit) {
  auto c = db_->collection("c");
  ASSERT_TRUE(c.InsertMany({J(R"({"_id": 1, "n": 1})"), J(R"({"_id": 2, "n": 2})"),
                            J(R"({"_id": 3, "n": 3})"), J(R"({"_id": 4, "n": 4})")})
                  .ok());
  Recorder rec;
  db_->AddChangeListener(rec.Listener());
  auto t = std::move(db_->BeginTransaction()).value();
  ASSERT_TRUE(t->Insert("c", J(R"({"_id": 10, "n": 10})")).ok());
  ASSERT_TRUE(t->Update("c", J(R"({"_id": 10})"), J(R"({"$set": {"n": 11}})")).ok());  // insert
  ASSERT_TRUE(t->Insert("c", J(R"({"_id": 11})")).ok());
  ASSERT_TRUE(t->Delete("c", J(R"({"_id": 11})")).ok());  // nothing
  ASSERT_TRUE(t->Update("c", J(R"({"_id": 1})"), J(R"({"$set": {"n": 5}})")).ok());
  ASSERT_TRUE(t->Delete("c", J(R"({"_id": 1})")).ok());  // delete
  ASSERT_TRUE(t->Delete("c", J(R"({"_id": 2})")).ok());
  ASSERT_TRUE(t->Insert("c", J(R"({"_id": 2, "again": true})")).ok());  // update
  ASSERT_TRUE(t->Update("c", J(R"({"_id": 3})"), J(R"({"$set": {"n": 30}})")).ok());
  ASSERT_TRUE(t->Insert("c", J(R"({"_id": 20, "n": "x"})")).ok());
  // Fails at _id 20 after changing 2, 3, 4 and 10: all of it is undone, 4 included.
  EXPECT_FALSE(t->Update("c", J("{}"), J(R"({"$inc": {"n": 1}})"), /*many=*/true).ok());
  EXPECT_TRUE(rec.Take().empty()) << "nothing before the commit";
  ASSERT_TRUE(t->Commit().ok());
  auto commits = rec.Take();
  ASSERT_EQ(commits.size(), 1u);
  EXPECT_EQ(Describe(commits[0]), (std::vector<std::string>{
                                      "delete c 1 null",
                                      R"(update c 2 {"_id":2,"again":true})",
                                      R"(update c 3 {"_id":3,"n":30})",
                                      R"(insert c 10 {"_id":10,"n":11})",
                                      R"(insert c 20 {"_id":20,"n":"x"})",
                                  }));
  for (const Change& ch : commits[0]) EXPECT_EQ(ch.seq, commits[0][0].seq);
}

TEST_P(ChangeFeedTest, CancelledConflictedAndFailedWritesReportNothing) {
  auto c = db_->collection("c");
  IndexOptions unique;
  unique.unique = true;
  ASSERT_TRUE(c.CreateIndex({{"k", 1}}, unique).ok());
  ASSERT_TRUE(c.InsertOne(J(R"({"_id": 1, "k": 1, "s": "a"})")).ok());
  ASSERT_TRUE(c.InsertOne(J(R"({"_id": 2, "k": 2, "s": "b"})")).ok());
  Recorder rec;
  db_->AddChangeListener(rec.Listener());

  auto t1 = std::move(db_->BeginTransaction()).value();
  ASSERT_TRUE(t1->Insert("c", J(R"({"_id": 3, "k": 3})")).ok());
  t1->Cancel();
  auto t2 = std::move(db_->BeginTransaction()).value();
  ASSERT_TRUE(t2->Insert("c", J(R"({"_id": 4, "k": 4})")).ok());
  ASSERT_TRUE(t2->Prepare().ok());
  t2->Cancel();
  auto t3 = std::move(db_->BeginTransaction()).value();
  t3.reset();  // destroyed without commit

  // Unique violations, a bad update, a failed operation inside a transaction.
  EXPECT_TRUE(c.InsertOne(J(R"({"k": 1})")).status().IsAlreadyExists());
  EXPECT_TRUE(c.InsertOne(J(R"({"_id": 1})")).status().IsAlreadyExists());
  EXPECT_TRUE(c.InsertMany({J(R"({"k": 5})"), J(R"({"k": 2})")}).status().IsAlreadyExists());
  EXPECT_TRUE(c.UpdateMany(J("{}"), J(R"({"$inc": {"s": 1}})")).status().IsInvalidArgument());
  EXPECT_TRUE(
      c.UpdateOne(J(R"({"_id": 1})"), J(R"({"$set": {"k": 2}})")).status().IsAlreadyExists());
  EXPECT_TRUE(rec.Take().empty());

  auto t4 = std::move(db_->BeginTransaction()).value();
  auto t5 = std::move(db_->BeginTransaction()).value();
  ASSERT_TRUE(t4->Update("c", J(R"({"_id": 1})"), J(R"({"$set": {"s": "t4"}})")).ok());
  EXPECT_FALSE(t4->Insert("c", J(R"({"k": 2})")).ok());  // undone inside t4
  ASSERT_TRUE(t5->Update("c", J(R"({"_id": 1})"), J(R"({"$set": {"s": "t5"}})")).ok());
  ASSERT_TRUE(t5->Insert("c", J(R"({"_id": 6, "k": 6})")).ok());
  ASSERT_TRUE(t4->Commit().ok());
  EXPECT_TRUE(t5->Commit().IsConflict());
  auto commits = rec.Take();
  ASSERT_EQ(commits.size(), 1u);
  EXPECT_EQ(Describe(commits[0]),
            (std::vector<std::string>{R"(update c 1 {"_id":1,"k":1,"s":"t4"})"}));
}

TEST_P(ChangeFeedTest, EveryListenerHearsEverythingUntilRemoved) {
  Recorder a, b;
  uint64_t ida = db_->AddChangeListener(a.Listener());
  uint64_t idb = db_->AddChangeListener(b.Listener());
  EXPECT_NE(ida, idb);
  auto c = db_->collection("c");
  ASSERT_TRUE(c.InsertOne(J(R"({"_id": 1})")).ok());
  ASSERT_TRUE(c.InsertOne(J(R"({"_id": 2})")).ok());
  db_->RemoveChangeListener(ida);
  ASSERT_TRUE(c.InsertOne(J(R"({"_id": 3})")).ok());
  db_->RemoveChangeListener(idb);
  db_->RemoveChangeListener(idb);  // twice: harmless
  ASSERT_TRUE(c.InsertOne(J(R"({"_id": 4})")).ok());
  EXPECT_EQ(a.Take().size(), 2u);
  EXPECT_EQ(b.Take().size(), 3u);
  // A listener added later hears only what comes after.
  Recorder late;
  uint64_t idl = db_->AddChangeListener(late.Listener());
  ASSERT_TRUE(c.DeleteOne(J(R"({"_id": 4})")).ok());
  auto commits = late.Take();
  ASSERT_EQ(commits.size(), 1u);
  EXPECT_EQ(Describe(commits[0]), (std::vector<std::string>{"delete c 4 null"}));
  db_->RemoveChangeListener(idl);
}

TEST_P(ChangeFeedTest, ConcurrentWritersAreSeenExactlyOnceInOrder) {
  auto c = db_->collection("c");
  ASSERT_TRUE(c.CreateIndex({{"k", 1}}).ok());
  std::mutex mu;
  std::map<std::string, int> seen;  // JSON id -> inserts seen
  uint64_t last_seq = 0;
  bool backwards = false;
  uint64_t id = db_->AddChangeListener([&](const std::vector<Change>& changes) {
    std::lock_guard<std::mutex> lock(mu);
    for (const Change& ch : changes) {
      if (ch.seq < last_seq) backwards = true;
      last_seq = ch.seq;
      if (ch.op == Change::Op::kInsert) ++seen[S(ch.id)];
    }
  });
  constexpr int kThreads = 4, kPerThread = 150;
  std::vector<std::vector<Value>> acked(kThreads);
  std::atomic<int> txn_commits{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        if (i % 10 == 9) {  // some inserts go through explicit transactions
          auto txn = std::move(db_->BeginTransaction()).value();
          auto r = txn->Insert("c", Value::MakeObject({{"k", i}, {"t", t}}));
          if (r.ok() && txn->Commit().ok()) {
            acked[t].push_back(*r);
            ++txn_commits;
          }
          continue;
        }
        auto r = c.InsertOne(Value::MakeObject({{"k", i % 7}, {"t", t}}));
        if (r.ok()) {
          acked[t].push_back(*r);
          if (i % 4 == 0) {
            (void)c.UpdateOne(Value::MakeObject({{"_id", *r}}), J(R"({"$inc": {"k": 1}})"));
          }
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  db_->RemoveChangeListener(id);
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_FALSE(backwards);
  size_t total = 0;
  for (int t = 0; t < kThreads; ++t) {
    for (const Value& v : acked[t]) {
      ++total;
      EXPECT_EQ(seen[S(v)], 1) << S(v);
    }
  }
  EXPECT_EQ(seen.size(), total);
  EXPECT_GT(total, 0u);
}

INSTANTIATE_TEST_SUITE_P(Backends, ChangeFeedTest, ::testing::Values("strata", "memory"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace strata
