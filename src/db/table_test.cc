// Typed tables: every operation on every backend, index maintenance, scan order, persistence,
// schema checks and damaged records. The randomized model test is in table_model_test.cc.
#include <algorithm>
#include <limits>

#include "db/table_test_util.h"
#include "strata/write_batch.h"

namespace table_test {
namespace {

using strata::Key;
using strata::KeyOf;
using strata::ScanOptions;
using strata::Table;

class TableTest : public TableFixture {};

std::vector<int64_t> Ids(const std::vector<User>& users) {
  std::vector<int64_t> ids;
  for (const User& u : users) ids.push_back(u.id);
  return ids;
}

TEST_P(TableTest, PutGetRemove) {
  Table<User> users = Open<User>();
  EXPECT_EQ(users.name(), "users");
  User a{1, "a@x", 30, true};
  ASSERT_TRUE(users.Put(a).ok());
  auto got = users.Get(Key<User>{1});
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, a);

  auto missing = users.Get(Key<User>{2});
  EXPECT_TRUE(missing.status().IsNotFound());
  EXPECT_EQ(missing.status().message(), "table users: no record with key (2)");

  EXPECT_TRUE(users.Remove(Key<User>{1}).ok());
  EXPECT_TRUE(users.Get(Key<User>{1}).status().IsNotFound());
  strata::Status again = users.Remove(Key<User>{1});
  EXPECT_TRUE(again.IsNotFound()) << again.ToString();
  EXPECT_EQ(*users.Count(), 0u);
}

TEST_P(TableTest, KeysAreValuesOfTheirModel) {
  User a{7, "q@x", 1, false};
  EXPECT_EQ(KeyOf(a), Key<User>{7});
  EXPECT_LT(Key<User>{-1}, Key<User>{7});
  Trade t{"BTC", 5, 1.5, 2};
  EXPECT_EQ(KeyOf(t), (Key<Trade>{"BTC", 5}));
  EXPECT_LT((Key<Trade>{"BTC", 5}), (Key<Trade>{"BTC", 6}));
}

TEST_P(TableTest, UpdateReplacesSecondaryEntries) {
  Table<User> users = Open<User>();
  ASSERT_TRUE(users.Put(User{1, "old@x", 30, true}).ok());
  ASSERT_TRUE(users.Put(User{2, "other@x", 30, true}).ok());
  ASSERT_TRUE(users.Put(User{1, "new@x", 31, false}).ok());

  EXPECT_TRUE(users.Lookup<&User::email>("old@x")->empty());
  EXPECT_EQ(*users.Lookup<&User::email>("new@x"), (std::vector<User>{{1, "new@x", 31, false}}));
  EXPECT_EQ(Ids(*users.Lookup<&User::age>(30)), std::vector<int64_t>{2});
  EXPECT_EQ(Ids(*users.Lookup<&User::age>(31)), std::vector<int64_t>{1});
  // Two records, two secondary keys each: exactly four index entries.
  EXPECT_EQ(RawKeys(TablePrefix("users") + "i").size(), 4u);
  // An update that keeps the secondary values keeps the entries.
  ASSERT_TRUE(users.Put(User{1, "new@x", 31, true}).ok());
  EXPECT_EQ(RawKeys(TablePrefix("users") + "i").size(), 4u);
  EXPECT_TRUE(users.Get(Key<User>{1})->active);
}

TEST_P(TableTest, RemoveDeletesSecondaryEntries) {
  Table<User> users = Open<User>();
  ASSERT_TRUE(users.Put(User{1, "a@x", 30, true}).ok());
  ASSERT_TRUE(users.Put(User{2, "b@x", 30, true}).ok());
  ASSERT_TRUE(users.Remove(Key<User>{1}).ok());
  EXPECT_TRUE(users.Lookup<&User::email>("a@x")->empty());
  EXPECT_EQ(Ids(*users.Lookup<&User::age>(30)), std::vector<int64_t>{2});
  ASSERT_TRUE(users.Remove(Key<User>{2}).ok());
  // Only the schema key is left.
  EXPECT_EQ(RawKeys(TablePrefix("users")), std::vector<std::string>{TablePrefix("users") + "s"});
}

TEST_P(TableTest, LookupFindsEveryRecordWithTheValueInKeyOrder) {
  Table<User> users = Open<User>();
  for (int64_t id : {5, -3, 9, 0, 2}) {
    ASSERT_TRUE(users.Put(User{id, "u" + std::to_string(id), id % 2 == 0 ? 20 : 21, true}).ok());
  }
  EXPECT_EQ(Ids(*users.Lookup<&User::age>(20)), (std::vector<int64_t>{0, 2}));
  EXPECT_EQ(Ids(*users.Lookup<&User::age>(21)), (std::vector<int64_t>{-3, 5, 9}));
  EXPECT_EQ(Ids(*users.Lookup<&User::age>(21, {.limit = 2})), (std::vector<int64_t>{-3, 5}));
  EXPECT_EQ(Ids(*users.Lookup<&User::age>(21, {.limit = 2, .reverse = true})),
            (std::vector<int64_t>{9, 5}));
  EXPECT_TRUE(users.Lookup<&User::age>(22)->empty());
  // A string value is not a prefix match.
  ASSERT_TRUE(users.Put(User{100, "u5x", 1, true}).ok());
  EXPECT_EQ(Ids(*users.Lookup<&User::email>("u5")), std::vector<int64_t>{5});
}

TEST_P(TableTest, LookupRangeOrdersBySecondaryThenPrimary) {
  Table<User> users = Open<User>();
  ASSERT_TRUE(users.Put(User{1, "a", 40, true}).ok());
  ASSERT_TRUE(users.Put(User{2, "b", -5, true}).ok());
  ASSERT_TRUE(users.Put(User{3, "c", 18, true}).ok());
  ASSERT_TRUE(users.Put(User{4, "d", 18, true}).ok());
  ASSERT_TRUE(users.Put(User{5, "e", 65, true}).ok());
  EXPECT_EQ(Ids(*users.LookupRange<&User::age>(-10, 41)), (std::vector<int64_t>{2, 3, 4, 1}));
  EXPECT_EQ(Ids(*users.LookupRange<&User::age>(18, 40)), (std::vector<int64_t>{3, 4}));
  EXPECT_EQ(Ids(*users.LookupRange<&User::age>(18, 100, {.limit = 10, .reverse = true})),
            (std::vector<int64_t>{5, 1, 4, 3}));
  EXPECT_EQ(Ids(*users.LookupRange<&User::email>("b", "d")), (std::vector<int64_t>{2, 3}));
}

TEST_P(TableTest, ScanIsInKeyOrderWithNegativeKeys) {
  Table<User> users = Open<User>();
  std::vector<int64_t> ids = {0,
                              -1,
                              1,
                              std::numeric_limits<int64_t>::min(),
                              300,
                              -300,
                              std::numeric_limits<int64_t>::max(),
                              1LL << 53,
                              (1LL << 53) + 1,
                              -(1LL << 53) - 1,
                              42};
  for (int64_t id : ids) ASSERT_TRUE(users.Put(User{id, "e", 1, true}).ok());
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(Ids(*users.Scan(std::nullopt, std::nullopt)), ids);
  EXPECT_EQ(Ids(*users.Scan(Key<User>{-300}, Key<User>{42})),
            (std::vector<int64_t>{-300, -1, 0, 1}));
  EXPECT_EQ(Ids(*users.Scan(Key<User>{-299}, Key<User>{43})), (std::vector<int64_t>{-1, 0, 1, 42}));
  EXPECT_EQ(Ids(*users.Scan(Key<User>{1}, std::nullopt, {.limit = 3})),
            (std::vector<int64_t>{1, 42, 300}));
  std::vector<int64_t> reversed(ids.rbegin(), ids.rend());
  EXPECT_EQ(Ids(*users.Scan(std::nullopt, std::nullopt, {.reverse = true})), reversed);
  EXPECT_EQ(Ids(*users.Scan(Key<User>{-300}, Key<User>{42}, {.limit = 2, .reverse = true})),
            (std::vector<int64_t>{1, 0}));
  EXPECT_TRUE(users.Scan(Key<User>{5}, Key<User>{5})->empty());
  EXPECT_TRUE(users.Scan(Key<User>{6}, Key<User>{5})->empty());
  EXPECT_EQ(*users.Count(), ids.size());

  // ForEach streams and may stop early.
  std::vector<int64_t> seen;
  ASSERT_TRUE(users
                  .ForEach(Key<User>{0}, std::nullopt,
                           [&](const User& u) {
                             seen.push_back(u.id);
                             return seen.size() < 2;
                           })
                  .ok());
  EXPECT_EQ(seen, (std::vector<int64_t>{0, 1}));
}

TEST_P(TableTest, CompositeKeysScanByRangeAndPrefix) {
  Table<Trade> trades = Open<Trade>();
  // "BT" is a prefix of "BTC" in bytes, not in the key order of whole elements; "BTC\0X"
  // starts with the bytes of the "BTC" element (its 0x00 is escaped as 00 ff).
  std::vector<Trade> all;
  const std::string markets[] = {"BTC", "BT", "ETH", "BTCX", std::string("BTC\0X", 5)};
  for (const std::string& m : markets) {
    for (int64_t ts : {-20, -1, 0, 7, 15, 1000}) all.push_back(Trade{m, ts, ts * 0.5, 1});
  }
  ASSERT_TRUE(trades.PutMany(all).ok());
  EXPECT_EQ(*trades.Count(), all.size());

  auto btc = trades.ScanPrefix("BTC");
  ASSERT_TRUE(btc.ok());
  std::vector<int64_t> ts;
  for (const Trade& t : *btc) {
    EXPECT_EQ(t.market, "BTC");
    ts.push_back(t.ts);
  }
  EXPECT_EQ(ts, (std::vector<int64_t>{-20, -1, 0, 7, 15, 1000}));

  auto range = trades.Scan(Key<Trade>{"BTC", -1}, Key<Trade>{"BTC", 15});
  ASSERT_TRUE(range.ok());
  ASSERT_EQ(range->size(), 3u);
  EXPECT_EQ((*range)[0], (Trade{"BTC", -1, -0.5, 1}));
  EXPECT_EQ((*range)[2].ts, 7);

  // Whole markets in order: BT < BTC < BTC\0X < BTCX < ETH.
  auto everything = trades.Scan(std::nullopt, std::nullopt);
  ASSERT_TRUE(everything.ok());
  std::vector<Trade> sorted = all;
  std::sort(sorted.begin(), sorted.end(), [](const Trade& a, const Trade& b) {
    return std::tie(a.market, a.ts) < std::tie(b.market, b.ts);
  });
  EXPECT_EQ(*everything, sorted);
  // The latest two BTC trades.
  auto latest = trades.Scan(Key<Trade>{"BTC", std::numeric_limits<int64_t>::min()},
                            Key<Trade>{"BTC", std::numeric_limits<int64_t>::max()},
                            {.limit = 2, .reverse = true});
  ASSERT_TRUE(latest.ok());
  ASSERT_EQ(latest->size(), 2u);
  EXPECT_EQ((*latest)[0].ts, 1000);
  EXPECT_EQ((*latest)[1].ts, 15);
  // A double secondary key, negative values included.
  auto cheap = trades.LookupRange<&Trade::price>(-10.0, 0.0);
  ASSERT_TRUE(cheap.ok());
  EXPECT_EQ(cheap->size(), 10u);  // ts -20 and -1 in each of 5 markets
}

TEST_P(TableTest, PutManyIsOneBatchAndLaterRecordsWin) {
  Table<User> users = Open<User>();
  ASSERT_TRUE(users.Put(User{1, "first@x", 1, true}).ok());
  std::vector<User> batch = {
      {1, "second@x", 2, true}, {2, "b@x", 2, true}, {1, "third@x", 3, false}};
  ASSERT_TRUE(users.PutMany(batch).ok());
  EXPECT_EQ(*users.Get(Key<User>{1}), (User{1, "third@x", 3, false}));
  EXPECT_TRUE(users.Lookup<&User::email>("first@x")->empty());
  EXPECT_TRUE(users.Lookup<&User::email>("second@x")->empty());
  EXPECT_EQ(Ids(*users.Lookup<&User::email>("third@x")), std::vector<int64_t>{1});
  EXPECT_EQ(Ids(*users.Lookup<&User::age>(2)), std::vector<int64_t>{2});
  EXPECT_EQ(RawKeys(TablePrefix("users") + "i").size(), 4u);
  EXPECT_TRUE(users.PutMany({}).ok());
}

TEST_P(TableTest, EveryFieldTypeRoundTrips) {
  Table<Everything> table = Open<Everything>();
  Everything e{1,
               -128,
               -32768,
               std::numeric_limits<int64_t>::min(),
               255,
               65535,
               4294967295u,
               std::numeric_limits<uint64_t>::max(),
               1.25f,
               -0.0,
               true,
               Color::kBlue,
               std::string("a\0b", 3),
               {0, 255, 0, 7}};
  Everything f{2,     127,   32767, std::numeric_limits<int64_t>::max(),
               0,     0,     0,     0,
               -3.5f, 1e300, false, Color::kGreen,
               "",    {}};
  ASSERT_TRUE(table.Put(e).ok());
  ASSERT_TRUE(table.Put(f).ok());
  EXPECT_EQ(*table.Get(Key<Everything>{1}), e);
  EXPECT_EQ(*table.Get(Key<Everything>{2}), f);
  EXPECT_EQ(table.Lookup<&Everything::s>(std::string("a\0b", 3))->size(), 1u);
  EXPECT_TRUE(table.Lookup<&Everything::s>("a")->empty());
  EXPECT_EQ(table.Lookup<&Everything::bytes>({0, 255, 0, 7})->size(), 1u);
  EXPECT_EQ(table.Lookup<&Everything::d>(0.0)->size(), 1u);  // -0.0 is stored as 0.0
  EXPECT_EQ(table.Lookup<&Everything::b>(false)->at(0).id, 2);
  EXPECT_EQ(table.Lookup<&Everything::color>(Color::kBlue)->at(0).id, 1);
}

TEST_P(TableTest, ReopenKeepsRecordsAndIndexes) {
  if (!persistent()) GTEST_SKIP() << "memory keeps nothing across a close";
  {
    Table<User> users = Open<User>();
    for (int64_t id = 0; id < 100; ++id) {
      ASSERT_TRUE(users.Put(User{id, "u" + std::to_string(id), int32_t(id % 7), true}).ok());
    }
    ASSERT_TRUE(users.Remove(Key<User>{50}).ok());
  }
  CloseEngine();
  OpenEngine();
  Table<User> users = Open<User>();
  EXPECT_EQ(*users.Count(), 99u);
  EXPECT_EQ(users.Get(Key<User>{42})->email, "u42");
  EXPECT_TRUE(users.Get(Key<User>{50}).status().IsNotFound());
  EXPECT_EQ(users.Lookup<&User::age>(1)->size(), 14u);  // 1, 8, ..., 99 but not 50
  EXPECT_EQ(Ids(*users.Lookup<&User::email>("u7")), std::vector<int64_t>{7});
}

TEST_P(TableTest, TablesOfOneModelAreSeparate) {
  Table<User> a = Open<User>({.name = "users_a"});
  Table<User> b = Open<User>({.name = "users_b"});
  Table<User> a_again = Open<User>({.name = "users_a"});
  ASSERT_TRUE(a.Put(User{1, "x", 1, true}).ok());
  EXPECT_TRUE(b.Get(Key<User>{1}).status().IsNotFound());
  EXPECT_EQ(a_again.Get(Key<User>{1})->email, "x");
  EXPECT_EQ(*b.Count(), 0u);
  EXPECT_TRUE(b.Lookup<&User::email>("x")->empty());
}

// Same fields and primary key as User, other secondary keys.
struct UserByAge {
  int64_t id = 0;
  std::string email;
  int32_t age = 0;
  bool active = false;
};
// Another layout under the same name.
struct NotAUser {
  std::string id;
};

}  // namespace
}  // namespace table_test

template <>
struct strata::TableSpec<table_test::UserByAge> {
  using U = table_test::UserByAge;
  static constexpr std::string_view name = "users";
  static constexpr auto fields = strata::Fields(&U::id, &U::email, &U::age, &U::active);
  static constexpr auto primary = &U::id;
  static constexpr auto secondary = strata::Keys(&U::active, &U::age);
};
template <>
struct strata::TableSpec<table_test::NotAUser> {
  static constexpr std::string_view name = "users";
  static constexpr auto fields = strata::Fields(&table_test::NotAUser::id);
  static constexpr auto primary = &table_test::NotAUser::id;
};

namespace table_test {
namespace {

TEST_P(TableTest, ChangedSecondaryKeysAreRebuiltOnOpen) {
  {
    Table<User> users = Open<User>();
    for (int64_t id = 0; id < 2500; ++id) {  // more than one rebuild batch
      ASSERT_TRUE(
          users.Put(User{id, "u" + std::to_string(id), int32_t(id % 10), id % 3 == 0}).ok());
    }
    // Still open with another layout: refused.
    auto other = Table<NotAUser>::Open(engine_.get());
    EXPECT_TRUE(other.status().IsInvalidArgument()) << other.status().ToString();
  }
  Table<UserByAge> by_age = Open<UserByAge>();
  EXPECT_EQ(by_age.Lookup<&UserByAge::age>(3)->size(), 250u);
  EXPECT_EQ(by_age.Lookup<&UserByAge::active>(true)->size(), 834u);
  EXPECT_EQ(RawKeys(TablePrefix("users") + "i").size(), 5000u);
  EXPECT_TRUE(RawKeys(TablePrefix("users") + "i\x01").size() == 2500u);
}

TEST_P(TableTest, ChangedFieldsAreRefused) {
  { ASSERT_TRUE(Open<User>().Put(User{1, "a", 1, true}).ok()); }
  auto other = Table<NotAUser>::Open(engine_.get());
  ASSERT_FALSE(other.ok());
  EXPECT_TRUE(other.status().IsInvalidArgument());
  EXPECT_NE(other.status().message().find("stored schema"), std::string::npos)
      << other.status().ToString();
}

TEST_P(TableTest, DamagedRecordsAreCorruption) {
  Table<User> users = Open<User>();
  ASSERT_TRUE(users.Put(User{1, "a", 1, true}).ok());
  ASSERT_TRUE(users.Put(User{2, "b", 2, true}).ok());
  std::string value;
  std::string key1 = TablePrefix("users") + "r";
  std::string key2 = key1;
  strata::table_internal::AppendKeyInt(&key1, 1);
  strata::table_internal::AppendKeyInt(&key2, 2);
  ASSERT_TRUE(engine_->Get(strata::kv::ReadOptions(), key1, &value).ok());
  ASSERT_TRUE(engine_->Put(key1, value.substr(0, value.size() - 1)).ok());  // truncated
  ASSERT_TRUE(engine_->Put(key2, value + "x").ok());                        // trailing byte

  auto r = users.Get(Key<User>{1});
  EXPECT_TRUE(r.status().IsCorruption());
  EXPECT_EQ(r.status().message(), "table users: record (1): field 3 does not decode");
  EXPECT_TRUE(users.Get(Key<User>{2}).status().IsCorruption());
  EXPECT_TRUE(users.Scan(std::nullopt, std::nullopt).status().IsCorruption());
  EXPECT_TRUE(users.Lookup<&User::age>(1).status().IsCorruption());
  // The old version cannot be read, so its index entries are unknown: a put is refused.
  EXPECT_TRUE(users.Put(User{1, "c", 3, true}).IsCorruption());
  ASSERT_TRUE(engine_->Put(key1, "\x09").ok());
  EXPECT_EQ(users.Get(Key<User>{1}).status().message(),
            "table users: record (1): unknown record format version");
}

TEST_P(TableTest, NoEngineIsAnError) {
  auto r = Table<User>::Open(nullptr);
  EXPECT_TRUE(r.status().IsInvalidArgument());
}

INSTANTIATE_TEST_SUITE_P(Backends, TableTest, ::testing::ValuesIn(strata::kv::Engine::Backends()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace table_test
