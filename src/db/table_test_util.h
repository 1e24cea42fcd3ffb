// Models and a fixture shared by the typed table tests: one parameterized suite per file, run over
// every kv backend this build has (--gtest_filter='*/memory' picks one).
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "strata/kv.h"
#include "strata/table.h"

namespace table_test {

struct User {
  int64_t id = 0;
  std::string email;
  int32_t age = 0;
  bool active = false;
  bool operator==(const User&) const = default;
};

// Composite primary key, as in the time-series example.
struct Trade {
  std::string market;
  int64_t ts = 0;
  double price = 0;
  int64_t qty = 0;
  bool operator==(const Trade&) const = default;
};

enum class Color : uint8_t { kRed = 1, kGreen = 2, kBlue = 200 };

// Every supported field type.
struct Everything {
  int32_t id = 0;
  int8_t i8 = 0;
  int16_t i16 = 0;
  int64_t i64 = 0;
  uint8_t u8 = 0;
  uint16_t u16 = 0;
  uint32_t u32 = 0;
  uint64_t u64 = 0;
  float f = 0;
  double d = 0;
  bool b = false;
  Color color = Color::kRed;
  std::string s;
  std::vector<uint8_t> bytes;
  bool operator==(const Everything&) const = default;
};

inline std::ostream& operator<<(std::ostream& os, const User& u) {
  return os << "User{" << u.id << ", " << u.email << ", " << u.age << ", " << u.active << "}";
}
inline std::ostream& operator<<(std::ostream& os, const Trade& t) {
  return os << "Trade{" << t.market << ", " << t.ts << ", " << t.price << ", " << t.qty << "}";
}

}  // namespace table_test

template <>
struct strata::TableSpec<table_test::User> {
  using U = table_test::User;
  static constexpr std::string_view name = "users";
  static constexpr auto fields = strata::Fields(&U::id, &U::email, &U::age, &U::active);
  static constexpr auto primary = &U::id;
  static constexpr auto secondary = strata::Keys(&U::email, &U::age);
};

template <>
struct strata::TableSpec<table_test::Trade> {
  using T = table_test::Trade;
  static constexpr std::string_view name = "trades";
  static constexpr auto fields = strata::Fields(&T::market, &T::ts, &T::price, &T::qty);
  static constexpr auto primary = strata::Fields(&T::market, &T::ts);
  static constexpr auto secondary = strata::Keys(&T::price);
};

template <>
struct strata::TableSpec<table_test::Everything> {
  using E = table_test::Everything;
  static constexpr std::string_view name = "everything";
  static constexpr auto fields =
      strata::Fields(&E::id, &E::i8, &E::i16, &E::i64, &E::u8, &E::u16, &E::u32, &E::u64, &E::f,
                     &E::d, &E::b, &E::color, &E::s, &E::bytes);
  static constexpr auto primary = &E::id;
  static constexpr auto secondary = strata::Keys(&E::s, &E::bytes, &E::d, &E::b, &E::color);
};

namespace table_test {

class TableFixture : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    for (char& c : name) {
      if (c == '/') c = '_';
    }
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("strata_table_" + name + "_" + std::to_string(getpid()));
    std::filesystem::remove_all(dir_);
    options_.create_if_missing = true;
    OpenEngine();
  }
  void TearDown() override {
    CloseEngine();
    strata::kv::Engine::Destroy(backend(), dir_, options_);
    std::filesystem::remove_all(dir_);
  }

  const std::string& backend() const { return GetParam(); }
  bool persistent() const { return backend() != "memory"; }

  void OpenEngine() {
    auto r = strata::kv::Engine::Open(backend(), dir_, options_);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    engine_ = std::move(r.value());
  }
  // Every table handle must be gone before this.
  void CloseEngine() {
    if (engine_) {
      EXPECT_TRUE(engine_->Close().ok());
    }
    engine_.reset();
  }

  template <typename T>
  strata::Table<T> Open(const strata::TableOptions& options = {}) {
    auto r = strata::Table<T>::Open(engine_.get(), options);
    if (!r.ok()) {
      ADD_FAILURE() << r.status().ToString();
      std::abort();  // no table to go on with
    }
    return std::move(r.value());
  }

  // Raw keys of the engine that start with `prefix`.
  std::vector<std::string> RawKeys(const std::string& prefix) {
    std::vector<std::string> keys;
    std::unique_ptr<strata::Iterator> it = engine_->NewIterator(strata::kv::ReadOptions());
    for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
      keys.push_back(it->key().ToString());
    }
    EXPECT_TRUE(it->status().ok());
    return keys;
  }

  std::filesystem::path dir_;
  strata::kv::Options options_;
  std::unique_ptr<strata::kv::Engine> engine_;
};

// The key prefix of a table: 0x05, then the name as a key-codec string element.
inline std::string TablePrefix(std::string_view name) {
  std::string p = "\x05\x20";
  p.append(name);
  p.push_back('\0');
  return p;
}

}  // namespace table_test
