#include "lsm/skiplist.h"

#include <gtest/gtest.h>

#include <cstring>
#include <set>
#include <string>

#include "base/random.h"

namespace strata::lsm {
namespace {

struct CStrCompare {
  int operator()(const char* a, const char* b) const {
    if (a == nullptr || b == nullptr) return a == b ? 0 : (a == nullptr ? -1 : 1);
    return std::strcmp(a, b);
  }
};

using List = SkipList<const char*, CStrCompare>;

void Add(List* list, const std::string& k) {
  char* mem = list->AllocateKey(k.size() + 1);
  std::memcpy(mem, k.c_str(), k.size() + 1);
  list->InsertAllocated();
}

// Ascending runs (which take the remembered-path shortcut), descending runs and random keys,
// interleaved: the list must hold exactly the model's keys in order.
TEST(SkipListTest, InsertOrderPatternsKeepTheOrder) {
  Arena arena;
  List list(CStrCompare(), &arena);
  std::set<std::string> model;
  Random rnd(301);
  char buf[32];
  for (int round = 0; round < 40; ++round) {
    int pattern = static_cast<int>(rnd.Uniform(3));
    uint64_t base = rnd.Uniform(1000000);
    for (int i = 0; i < 250; ++i) {
      uint64_t n =
          pattern == 0 ? base + i : (pattern == 1 ? base + 1000 - i : rnd.Uniform(2000000));
      std::snprintf(buf, sizeof(buf), "%012llu", static_cast<unsigned long long>(n));
      if (model.insert(buf).second) Add(&list, buf);
    }
  }
  List::Iterator it(&list);
  auto m = model.begin();
  for (it.SeekToFirst(); it.Valid(); it.Next(), ++m) {
    ASSERT_NE(m, model.end());
    ASSERT_EQ(std::string(it.key()), *m);
  }
  EXPECT_EQ(m, model.end());
  for (const std::string& k : model) EXPECT_TRUE(list.Contains(k.c_str()));
  EXPECT_FALSE(list.Contains("x"));
}

}  // namespace
}  // namespace strata::lsm
