// Two models for the compile-time checks: each case compiles as is, and must not compile with
// STRATA_BREAK defined (see CMakeLists.txt).
#pragma once

#include <cstdint>
#include <string>

#include "strata/table.h"

struct User {
  int64_t id = 0;
  std::string name;
  std::string email;
};
struct Order {
  int64_t id = 0;
  int64_t user_id = 0;
  double total = 0;
};

template <>
struct strata::TableSpec<User> {
  static constexpr std::string_view name = "users";
  static constexpr auto fields = strata::Fields(&User::id, &User::name, &User::email);
  static constexpr auto primary = &User::id;
  static constexpr auto secondary = strata::Keys(&User::email);
};
template <>
struct strata::TableSpec<Order> {
  static constexpr std::string_view name = "orders";
  static constexpr auto fields = strata::Fields(&Order::id, &Order::user_id, &Order::total);
  static constexpr auto primary = &Order::id;
  static constexpr auto secondary = strata::Keys(&Order::user_id);
};
