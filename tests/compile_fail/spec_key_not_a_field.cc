// A secondary key must be one of the listed fields.
// expect: secondary: members listed in fields
#include "models.h"

void Use(strata::Table<Order>& orders) { auto a = orders.Count(); }

struct Item {
  int64_t id = 0;
  int64_t other = 0;
};
template <>
struct strata::TableSpec<Item> {
  static constexpr std::string_view name = "items";
  static constexpr auto fields = strata::Fields(&Item::id, &Item::other);
  static constexpr auto primary = &Item::id;
#ifdef STRATA_BREAK
  static constexpr auto secondary = strata::Keys(&Order::user_id);
#else
  static constexpr auto secondary = strata::Keys(&Item::other);
#endif
};

void Use(strata::Table<Item>& items) { auto a = items.Count(); }
