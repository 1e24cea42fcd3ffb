// Typed tables against a std::map model: random puts, batches, removes, gets, lookups and scans,
// with reopens; then the raw index entries must be exactly those the model implies. Also
// concurrent writers of the same keys.
#include <map>
#include <random>
#include <set>
#include <thread>

#include "db/table_test_util.h"

namespace table_test {
namespace {

using strata::Key;
using strata::Table;

class TableModelTest : public TableFixture {};

User RandomUser(std::mt19937_64& rng) {
  User u;
  u.id = static_cast<int64_t>(rng() % 200) - 100;
  u.email = "e" + std::to_string(rng() % 30);
  u.age = static_cast<int32_t>(rng() % 10) - 3;
  u.active = rng() % 2;
  return u;
}

// The index entries a set of records must have, built with the table's own key encoders.
std::set<std::string> ExpectedIndexKeys(const std::map<int64_t, User>& model) {
  std::set<std::string> keys;
  for (const auto& [id, u] : model) {
    std::string pk;
    strata::table_internal::AppendKeyInt(&pk, id);
    std::string email = TablePrefix("users") + "i" + '\0';
    strata::table_internal::AppendKeyString(&email, u.email);
    keys.insert(email + pk);
    std::string age = TablePrefix("users") + "i" + '\1';
    strata::table_internal::AppendKeyInt(&age, u.age);
    keys.insert(age + pk);
  }
  return keys;
}

TEST_P(TableModelTest, RandomOperationsMatchAStdMap) {
  std::mt19937_64 rng(20240611);
  std::map<int64_t, User> model;
  std::optional<Table<User>> users(Open<User>());
  for (int step = 0; step < 4000; ++step) {
    int op = static_cast<int>(rng() % 100);
    if (op < 35) {
      User u = RandomUser(rng);
      ASSERT_TRUE(users->Put(u).ok());
      model[u.id] = u;
    } else if (op < 40) {
      std::vector<User> batch;
      for (int i = 0, n = static_cast<int>(rng() % 8); i < n; ++i) batch.push_back(RandomUser(rng));
      ASSERT_TRUE(users->PutMany(batch).ok());
      for (const User& u : batch) model[u.id] = u;
    } else if (op < 55) {
      int64_t id = static_cast<int64_t>(rng() % 200) - 100;
      strata::Status s = users->Remove(Key<User>{id});
      ASSERT_EQ(s.ok(), model.erase(id) == 1) << s.ToString();
      if (!s.ok()) {
        ASSERT_TRUE(s.IsNotFound());
      }
    } else if (op < 70) {
      int64_t id = static_cast<int64_t>(rng() % 200) - 100;
      auto r = users->Get(Key<User>{id});
      auto it = model.find(id);
      if (it == model.end()) {
        ASSERT_TRUE(r.status().IsNotFound()) << r.status().ToString();
      } else {
        ASSERT_TRUE(r.ok()) << r.status().ToString();
        ASSERT_EQ(*r, it->second);
      }
    } else if (op < 80) {
      std::string email = "e" + std::to_string(rng() % 30);
      std::vector<User> expected;
      for (const auto& [id, u] : model) {
        if (u.email == email) expected.push_back(u);
      }
      ASSERT_EQ(*users->Lookup<&User::email>(email), expected);
    } else if (op < 85) {
      int32_t lo = static_cast<int32_t>(rng() % 12) - 4, hi = lo + static_cast<int32_t>(rng() % 5);
      std::vector<User> expected;
      for (const auto& [id, u] : model) {
        if (u.age >= lo && u.age < hi) expected.push_back(u);
      }
      std::stable_sort(expected.begin(), expected.end(),
                       [](const User& a, const User& b) { return a.age < b.age; });
      ASSERT_EQ(*users->LookupRange<&User::age>(lo, hi), expected);
    } else if (op < 97) {
      int64_t lo = static_cast<int64_t>(rng() % 220) - 110;
      int64_t hi = lo + static_cast<int64_t>(rng() % 80);
      bool reverse = rng() % 2;
      size_t limit = rng() % 3 == 0 ? rng() % 10 : std::numeric_limits<size_t>::max();
      std::vector<User> expected;
      for (auto it = model.lower_bound(lo); it != model.end() && it->first < hi; ++it) {
        expected.push_back(it->second);
      }
      if (reverse) std::reverse(expected.begin(), expected.end());
      if (expected.size() > limit) expected.resize(limit);
      auto got = users->Scan(Key<User>{lo}, Key<User>{hi}, {.limit = limit, .reverse = reverse});
      ASSERT_TRUE(got.ok()) << got.status().ToString();
      ASSERT_EQ(*got, expected) << "scan [" << lo << ", " << hi << ") reverse " << reverse;
    } else if (op < 99) {
      ASSERT_EQ(*users->Count(), model.size());
    } else if (persistent()) {
      users.reset();
      CloseEngine();
      OpenEngine();
      users.emplace(Open<User>());
    }
  }
  std::vector<User> all;
  for (const auto& [id, u] : model) all.push_back(u);
  EXPECT_EQ(*users->Scan(std::nullopt, std::nullopt), all);
  std::vector<std::string> raw = RawKeys(TablePrefix("users") + "i");
  EXPECT_EQ(std::set<std::string>(raw.begin(), raw.end()), ExpectedIndexKeys(model));
  EXPECT_EQ(raw.size(), 2 * model.size());
}

// Writers racing on the same keys (from separate handles) must leave exactly one index entry
// per record and secondary key.
TEST_P(TableModelTest, ConcurrentWritersKeepIndexesExact) {
  constexpr int kThreads = 4;
  constexpr int kOps = 400;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([this, t] {
      Table<User> users = Open<User>();
      std::mt19937_64 rng(t);
      for (int i = 0; i < kOps; ++i) {
        User u = RandomUser(rng);
        u.id %= 8;  // few keys: many collisions
        strata::Status s =
            i % 10 == 9 ? users.PutMany(std::vector<User>{u, RandomUser(rng)}) : users.Put(u);
        EXPECT_TRUE(s.ok()) << s.ToString();
        if (i % 7 == 6) {
          s = users.Remove(Key<User>{u.id});
          EXPECT_TRUE(s.ok() || s.IsNotFound()) << s.ToString();
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  Table<User> users = Open<User>();
  auto all = users.Scan(std::nullopt, std::nullopt);
  ASSERT_TRUE(all.ok());
  std::map<int64_t, User> model;
  for (const User& u : *all) model[u.id] = u;
  std::vector<std::string> raw = RawKeys(TablePrefix("users") + "i");
  EXPECT_EQ(std::set<std::string>(raw.begin(), raw.end()), ExpectedIndexKeys(model));
  EXPECT_EQ(raw.size(), 2 * model.size());
}

INSTANTIATE_TEST_SUITE_P(Backends, TableModelTest,
                         ::testing::ValuesIn(strata::kv::Engine::Backends()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace table_test
