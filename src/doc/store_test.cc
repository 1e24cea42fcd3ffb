#include "doc/store.h"

#include <gtest/gtest.h>

#include <map>
#include <random>

#include "codec/key_codec.h"
#include "doc/keyspace.h"

namespace strata::doc {
namespace {

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    kv::Options o;
    o.create_if_missing = true;
    engine_ = kv::Engine::Open("memory", "", o).value();
    Reopen();
  }
  void Reopen() {
    StoreOptions so;
    so.clock = [this] { return now_; };
    store_.reset();
    store_ = Store::Open(engine_.get(), so).value();
  }
  std::shared_ptr<const CollectionDef> Coll(const std::string& name) {
    return *store_->OpenCollection(name);
  }
  Result<Value> Insert(const std::string& coll, Value doc) {
    Result<Value> id = Status::OK();
    auto def = Coll(coll);
    Status s = store_->RunAutocommit([&](Transaction* txn) {
      id = store_->Insert(txn, *def, std::move(doc));
      return id.ok() ? Status::OK() : id.status();
    });
    if (!s.ok()) return s;
    return id;
  }
  Result<Value> Get(const std::string& coll, const Value& id) {
    Result<Value> out = Status::OK();
    auto def = Coll(coll);
    EXPECT_TRUE(store_
                    ->RunAutocommit([&](Transaction* txn) {
                      out = store_->Get(txn, *def, id);
                      return Status::OK();
                    })
                    .ok());
    return out;
  }
  Status Replace(const std::string& coll, const Value& id, Value doc) {
    auto def = Coll(coll);
    return store_->RunAutocommit([&](Transaction* txn) {
      auto old = store_->Get(txn, *def, id);
      if (!old.ok()) return old.status();
      return store_->Replace(txn, *def, *old, std::move(doc));
    });
  }
  size_t CountPrefix(const std::string& prefix) {
    kv::ReadOptions ro;
    auto it = engine_->NewIterator(ro);
    size_t n = 0;
    for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) ++n;
    return n;
  }
  uint32_t IndexPrefixOf(const std::string& coll, const std::string& name) {
    for (const IndexDef& idx : Coll(coll)->indexes) {
      if (idx.info.name == name) return idx.prefix;
    }
    return 0;
  }

  int64_t now_ = 1700000000000;
  std::unique_ptr<kv::Engine> engine_;
  std::unique_ptr<Store> store_;
};

TEST_F(StoreTest, GeneratedIdsAreSixteenHexDigitsAndIncrease) {
  std::string last;
  for (int i = 0; i < 100; ++i) {
    auto id = Insert("c", Value::MakeObject({{"n", i}}));
    ASSERT_TRUE(id.ok()) << id.status().ToString();
    ASSERT_TRUE(id->is_string());
    EXPECT_EQ(id->as_string().size(), 16u);
    EXPECT_GT(id->as_string(), last);
    last = id->as_string();
  }
  auto doc = Get("c", Value(last));
  ASSERT_TRUE(doc.ok());
  EXPECT_EQ(doc->as_object()[0].first, "_id");
  EXPECT_EQ(*doc->Find("n"), Value(99));
}

TEST_F(StoreTest, AutoIncrementSurvivesReopenAndUserIds) {
  CollectionOptions o;
  o.id_strategy = IdStrategy::kAutoIncrement;
  ASSERT_TRUE(store_->CreateCollection("a", o).ok());
  EXPECT_EQ(*Insert("a", Value::MakeObject({})), Value(1));
  EXPECT_EQ(*Insert("a", Value::MakeObject({})), Value(2));
  EXPECT_EQ(*Insert("a", Value::MakeObject({{"_id", 10}})), Value(10));
  Reopen();
  EXPECT_EQ(*Insert("a", Value::MakeObject({})), Value(11));
  EXPECT_TRUE(Insert("a", Value::MakeObject({{"_id", 10}})).status().IsAlreadyExists());
  EXPECT_TRUE(store_->Check(false)->ok());
}

TEST_F(StoreTest, UserIdStrategyRequiresId) {
  CollectionOptions o;
  o.id_strategy = IdStrategy::kUser;
  ASSERT_TRUE(store_->CreateCollection("u", o).ok());
  EXPECT_TRUE(Insert("u", Value::MakeObject({{"x", 1}})).status().IsInvalidArgument());
  EXPECT_EQ(*Insert("u", Value::MakeObject({{"x", 1}, {"_id", "k"}})), Value("k"));
  EXPECT_EQ(Get("u", Value("k"))->as_object()[0].first, "_id");  // moved first
  EXPECT_TRUE(Insert("u", Value::MakeObject({{"_id", Value::MakeArray({1})}}))
                  .status()
                  .IsInvalidArgument());
}

TEST_F(StoreTest, SchemaAndTimestamps) {
  CollectionOptions o;
  o.timestamps = true;
  o.schema = {{"name", ValueType::kString, true}, {"age", ValueType::kInt, false}};
  ASSERT_TRUE(store_->CreateCollection("p", o).ok());
  auto bad = Insert("p", Value::MakeObject({{"age", 3}}));
  EXPECT_TRUE(bad.status().IsInvalidArgument());
  EXPECT_NE(bad.status().message().find("'name' is required"), std::string::npos);
  bad = Insert("p", Value::MakeObject({{"name", "x"}, {"age", "old"}}));
  EXPECT_NE(bad.status().message().find("'age' must be long"), std::string::npos);
  auto id = Insert("p", Value::MakeObject({{"name", "x"}}));
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(*Get("p", *id)->Find("_created_at"), Value::Date(now_));
  int64_t created = now_;
  now_ += 5000;
  ASSERT_TRUE(Replace("p", *id, Value::MakeObject({{"name", "y"}})).ok());
  auto doc = *Get("p", *id);
  EXPECT_EQ(*doc.Find("_created_at"), Value::Date(created));
  EXPECT_EQ(*doc.Find("_updated_at"), Value::Date(now_));
}

TEST_F(StoreTest, IndexEntriesFollowTheRecordInOneBatch) {
  ASSERT_TRUE(store_->CreateIndex("c", {{"tags", 1}}, {}).ok());
  auto id = Insert("c", Value::MakeObject({{"tags", Value::MakeArray({"a", "b", "a"})}}));
  ASSERT_TRUE(id.ok());
  uint32_t p = IndexPrefixOf("c", "tags_1");
  EXPECT_EQ(CountPrefix(IndexPrefix(p)), 2u);  // distinct elements
  EXPECT_TRUE(Coll("c")->indexes[0].info.multikey);
  ASSERT_TRUE(Replace("c", *id, Value::MakeObject({{"tags", "z"}})).ok());
  EXPECT_EQ(CountPrefix(IndexPrefix(p)), 1u);
  auto def = Coll("c");
  Value old = *Get("c", *id);
  ASSERT_TRUE(
      store_->RunAutocommit([&](Transaction* txn) { return store_->Remove(txn, *def, old); }).ok());
  EXPECT_EQ(CountPrefix(IndexPrefix(p)), 0u);
  EXPECT_EQ(CountPrefix(RecordPrefix(Coll("c")->info.prefix)), 0u);
}

TEST_F(StoreTest, UniqueAndSparseIndexes) {
  IndexOptions unique;
  unique.unique = true;
  ASSERT_TRUE(store_->CreateIndex("u", {{"email", 1}}, unique).ok());
  ASSERT_TRUE(Insert("u", Value::MakeObject({{"email", "a@x"}})).ok());
  auto dup = Insert("u", Value::MakeObject({{"email", "a@x"}}));
  EXPECT_TRUE(dup.status().IsAlreadyExists());
  EXPECT_NE(dup.status().message().find("email_1"), std::string::npos);
  EXPECT_EQ(CountPrefix(RecordPrefix(Coll("u")->info.prefix)), 1u);  // nothing written
  // Two documents without the field collide on null unless the index is sparse.
  ASSERT_TRUE(Insert("u", Value::MakeObject({{"n", 1}})).ok());
  EXPECT_TRUE(Insert("u", Value::MakeObject({{"n", 2}})).status().IsAlreadyExists());
  IndexOptions sparse;
  sparse.unique = true;
  sparse.sparse = true;
  ASSERT_TRUE(store_->CreateIndex("s", {{"k", 1}}, sparse).ok());
  ASSERT_TRUE(Insert("s", Value::MakeObject({{"n", 1}})).ok());
  ASSERT_TRUE(Insert("s", Value::MakeObject({{"n", 2}})).ok());
  EXPECT_EQ(CountPrefix(IndexPrefix(IndexPrefixOf("s", "k_1"))), 0u);
}

TEST_F(StoreTest, CompoundIndexRefusesParallelArrays) {
  ASSERT_TRUE(store_->CreateIndex("c", {{"a", 1}, {"b", -1}}, {}).ok());
  ASSERT_TRUE(Insert("c", Value::MakeObject({{"a", Value::MakeArray({1, 2})}, {"b", 1}})).ok());
  auto bad = Insert(
      "c", Value::MakeObject({{"a", Value::MakeArray({1})}, {"b", Value::MakeArray({1, 2})}}));
  EXPECT_TRUE(bad.status().IsInvalidArgument());
}

TEST_F(StoreTest, OnlineIndexBuildOnAFullCollection) {
  for (int i = 0; i < 2500; ++i) ASSERT_TRUE(Insert("big", Value::MakeObject({{"n", i % 7}})).ok());
  ASSERT_TRUE(store_->CreateIndex("big", {{"n", 1}}, {}).ok());
  auto infos = store_->ListIndexes(*Coll("big"));
  ASSERT_EQ(infos.size(), 1u);
  EXPECT_EQ(infos[0].state, "ready");
  EXPECT_EQ(CountPrefix(IndexPrefix(IndexPrefixOf("big", "n_1"))), 2500u);
  EXPECT_TRUE(store_->Check(false)->ok());
  // A unique build over duplicates fails and leaves no index behind.
  IndexOptions unique;
  unique.unique = true;
  EXPECT_TRUE(store_->CreateIndex("big", {{"n", 1}}, {.name = "n_unique", .unique = true})
                  .IsAlreadyExists());
  EXPECT_EQ(Coll("big")->indexes.size(), 1u);
  ASSERT_TRUE(store_->DropIndex("big", "n_1").ok());
  EXPECT_EQ(CountPrefix(std::string(1, kIndexSpace)), 0u);
}

TEST_F(StoreTest, ConflictingTransactionsAndTwoPhases) {
  auto id = *Insert("c", Value::MakeObject({{"n", 1}}));
  auto t1 = store_->Begin();
  auto t2 = store_->Begin();
  auto d1 = store_->Get(t1.get(), *Coll("c"), id);
  auto d2 = store_->Get(t2.get(), *Coll("c"), id);
  ASSERT_TRUE(store_->Replace(t1.get(), *Coll("c"), *d1, Value::MakeObject({{"n", 2}})).ok());
  ASSERT_TRUE(store_->Replace(t2.get(), *Coll("c"), *d2, Value::MakeObject({{"n", 3}})).ok());
  ASSERT_TRUE(store_->Commit(t1.get()).ok());
  EXPECT_TRUE(store_->Commit(t2.get()).IsConflict());
  EXPECT_EQ(*Get("c", id)->Find("n"), Value(2));

  // A prepared transaction holds its keys until it commits or cancels.
  auto t3 = store_->Begin();
  auto d3 = store_->Get(t3.get(), *Coll("c"), id);
  ASSERT_TRUE(store_->Replace(t3.get(), *Coll("c"), *d3, Value::MakeObject({{"n", 4}})).ok());
  ASSERT_TRUE(store_->Prepare(t3.get()).ok());
  EXPECT_TRUE(Replace("c", id, Value::MakeObject({{"n", 5}})).IsConflict());
  store_->Cancel(t3.get());
  ASSERT_TRUE(Replace("c", id, Value::MakeObject({{"n", 5}})).ok());

  // Reads see the snapshot plus the transaction's own writes.
  auto t4 = store_->Begin();
  ASSERT_TRUE(Insert("c", Value::MakeObject({{"n", 9}})).ok());  // after t4's snapshot
  ASSERT_TRUE(store_->Insert(t4.get(), *Coll("c"), Value::MakeObject({{"n", 7}})).ok());
  std::string prefix = RecordPrefix(Coll("c")->info.prefix);
  auto it = t4->NewIterator(prefix, codec::PrefixSuccessor(prefix));
  int n = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) ++n;
  EXPECT_EQ(n, 2);  // the original record and t4's insert, not the later one
  EXPECT_TRUE(store_->Commit(t4.get()).ok());  // no conflict: disjoint keys
}

TEST_F(StoreTest, UniqueInsertRaceConflicts) {
  IndexOptions unique;
  unique.unique = true;
  ASSERT_TRUE(store_->CreateIndex("u", {{"k", 1}}, unique).ok());
  auto t1 = store_->Begin();
  auto t2 = store_->Begin();
  ASSERT_TRUE(store_->Insert(t1.get(), *Coll("u"), Value::MakeObject({{"k", 1}})).ok());
  ASSERT_TRUE(store_->Insert(t2.get(), *Coll("u"), Value::MakeObject({{"k", 1}})).ok());
  ASSERT_TRUE(store_->Commit(t1.get()).ok());
  EXPECT_TRUE(store_->Commit(t2.get()).IsConflict());
  EXPECT_TRUE(store_->Check(false)->ok());
}

TEST_F(StoreTest, DdlDuringATransactionConflicts) {
  auto t = store_->Begin();
  ASSERT_TRUE(store_->Insert(t.get(), *Coll("c"), Value::MakeObject({{"n", 1}})).ok());
  ASSERT_TRUE(store_->CreateIndex("c", {{"n", 1}}, {}).ok());
  EXPECT_TRUE(store_->Commit(t.get()).IsConflict());
  EXPECT_TRUE(store_->Check(false)->ok());
}

TEST_F(StoreTest, CheckFindsAndRepairsDamage) {
  CollectionOptions o;
  o.id_strategy = IdStrategy::kAutoIncrement;
  ASSERT_TRUE(store_->CreateCollection("c", o).ok());
  ASSERT_TRUE(store_->CreateIndex("c", {{"n", 1}}, {}).ok());
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(Insert("c", Value::MakeObject({{"n", i}})).ok());
  auto def = Coll("c");
  uint32_t ip = IndexPrefixOf("c", "n_1");
  // Damage: drop one index entry, add an orphan, corrupt a record, rewind the counter.
  kv::ReadOptions ro;
  auto it = engine_->NewIterator(ro);
  it->Seek(IndexPrefix(ip));
  ASSERT_TRUE(engine_->Delete(kv::WriteOptions(), it->key()).ok());
  std::string orphan = IndexPrefix(ip);
  codec::AppendKeyElement(&orphan, Value(99));
  codec::AppendKeyElement(&orphan, Value(12345));
  ASSERT_TRUE(engine_->Put(kv::WriteOptions(), orphan, "").ok());
  ASSERT_TRUE(
      engine_->Put(kv::WriteOptions(), RecordKey(def->info.prefix, Value(5)), "garbage").ok());
  std::string zero(8, '\0');
  ASSERT_TRUE(engine_->Put(kv::WriteOptions(), CounterKey(def->info.prefix), zero).ok());
  Reopen();
  auto report = store_->Check(false);
  ASSERT_TRUE(report.ok());
  std::map<std::string, int> kinds;
  for (const auto& f : report->findings) kinds[f.kind]++;
  EXPECT_EQ(kinds["missing index entry"], 1);
  EXPECT_EQ(kinds["undecodable record"], 1);
  EXPECT_EQ(kinds["counter behind"], 1);
  EXPECT_EQ(kinds["orphan index entry"], 2);  // the planted one and the corrupt record's
  auto repaired = store_->Check(true);
  ASSERT_TRUE(repaired.ok());
  EXPECT_EQ(repaired->findings.size(), report->findings.size());
  EXPECT_TRUE(store_->Check(false)->ok()) << store_->Check(false)->findings[0].kind;
  EXPECT_EQ(*Insert("c", Value::MakeObject({})), Value(11));
}

TEST_F(StoreTest, DropCollectionRemovesEverything) {
  ASSERT_TRUE(store_->CreateIndex("c", {{"n", 1}}, {}).ok());
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(Insert("c", Value::MakeObject({{"n", i}})).ok());
  ASSERT_TRUE(store_->DropCollection("c").ok());
  EXPECT_EQ(CountPrefix(std::string(1, kRecordSpace)), 0u);
  EXPECT_EQ(CountPrefix(std::string(1, kIndexSpace)), 0u);
  EXPECT_EQ(store_->catalog().Find("c"), nullptr);
  Reopen();
  EXPECT_EQ(store_->catalog().Find("c"), nullptr);
  EXPECT_TRUE(store_->DropCollection("c").IsNotFound());
}

TEST_F(StoreTest, ARefusedWriteLeavesNothingInItsTransaction) {
  IndexOptions unique;
  unique.unique = true;
  ASSERT_TRUE(store_->CreateIndex("u", {{"n", 1}}, {}).ok());
  ASSERT_TRUE(store_->CreateIndex("u", {{"email", 1}}, unique).ok());
  ASSERT_TRUE(Insert("u", Value::MakeObject({{"_id", 1}, {"email", "b"}, {"n", 1}})).ok());
  ASSERT_TRUE(Insert("u", Value::MakeObject({{"_id", 2}, {"email", "a"}, {"n", 2}})).ok());
  auto t = store_->Begin();
  auto def = Coll("u");
  auto old = store_->Get(t.get(), *def, Value(2));
  ASSERT_TRUE(old.ok());
  // The plain index's entries change first; the unique one then refuses.
  Status s = store_->Replace(t.get(), *def, *old,
                             Value::MakeObject({{"_id", 2}, {"email", "b"}, {"n", 7}}));
  EXPECT_TRUE(s.IsAlreadyExists());
  EXPECT_EQ(t->write_count(), 0u);
  ASSERT_TRUE(store_->Commit(t.get()).ok());
  EXPECT_TRUE(store_->Check(false)->ok());
}

TEST_F(StoreTest, AnInterruptedIndexBuildResumesOnOpen) {
  for (int i = 0; i < 30; ++i) ASSERT_TRUE(Insert("c", Value::MakeObject({{"n", i}})).ok());
  ASSERT_TRUE(store_->CreateIndex("c", {{"n", 1}}, {}).ok());
  // Pretend a crash hit mid-build: the descriptor says building and some entries are gone.
  auto def = std::make_shared<CollectionDef>(*Coll("c"));
  def->indexes[0].info.state = "building";
  WriteBatch batch;
  ASSERT_TRUE(Catalog::StageDescriptors(*def, &batch).ok());
  ASSERT_TRUE(engine_->Write(kv::WriteOptions(), batch).ok());
  kv::ReadOptions ro;
  auto it = engine_->NewIterator(ro);
  it->Seek(IndexPrefix(def->indexes[0].prefix));
  ASSERT_TRUE(engine_->Delete(kv::WriteOptions(), it->key()).ok());
  Reopen();
  EXPECT_EQ(Coll("c")->indexes[0].info.state, "ready");
  EXPECT_TRUE(store_->Check(false)->ok());
}

TEST(OverlayIteratorTest, MatchesAMergedModelBothWays) {
  std::mt19937 rng(7);
  for (int round = 0; round < 50; ++round) {
    kv::Options o;
    o.create_if_missing = true;
    auto engine = kv::Engine::Open("memory", "", o).value();
    std::map<std::string, std::string> model;
    StagedWrites overlay;
    auto key = [&] { return std::string(1, static_cast<char>('a' + rng() % 20)); };
    for (int i = 0; i < 15; ++i) {
      std::string k = key();
      ASSERT_TRUE(engine->Put(kv::WriteOptions(), k, "base" + k).ok());
      model[k] = "base" + k;
    }
    for (int i = 0; i < 10; ++i) {
      std::string k = key();
      if (rng() % 3 == 0) {
        overlay[k].value = std::nullopt;
        model.erase(k);
      } else {
        overlay[k].value = "ov" + k;
        model[k] = "ov" + k;
      }
    }
    std::string lower = "c", upper = "r";
    std::erase_if(model, [&](const auto& kv) { return kv.first < lower || kv.first >= upper; });
    kv::ReadOptions ro;
    ro.lower_bound = lower;
    ro.upper_bound = upper;
    auto it = NewOverlayIterator(engine->NewIterator(ro), &overlay, lower, upper);
    std::vector<std::string> fwd, model_keys;
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      fwd.push_back(it->key().ToString());
      EXPECT_EQ(it->value().ToString(), model[it->key().ToString()]);
    }
    for (const auto& [k, v] : model) model_keys.push_back(k);
    EXPECT_EQ(fwd, model_keys);
    std::vector<std::string> back;
    for (it->SeekToLast(); it->Valid(); it->Prev()) back.push_back(it->key().ToString());
    std::reverse(back.begin(), back.end());
    EXPECT_EQ(back, model_keys);
    // Direction changes in the middle.
    if (model_keys.size() >= 3) {
      it->Seek(model_keys[1]);
      it->Next();
      it->Prev();
      ASSERT_TRUE(it->Valid());
      EXPECT_EQ(it->key().ToString(), model_keys[1]);
      it->Prev();
      it->Next();
      EXPECT_EQ(it->key().ToString(), model_keys[1]);
    }
  }
}

}  // namespace
}  // namespace strata::doc
