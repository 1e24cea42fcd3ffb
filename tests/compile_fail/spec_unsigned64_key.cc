// The key codec orders signed 64-bit integers: a uint64_t may be a field but not a key.
// expect: primary: members listed in fields, of key types
#include "models.h"

struct Item {
  int64_t id = 0;
  uint64_t big = 0;
};
template <>
struct strata::TableSpec<Item> {
  static constexpr std::string_view name = "items";
  static constexpr auto fields = strata::Fields(&Item::id, &Item::big);
#ifdef STRATA_BREAK
  static constexpr auto primary = &Item::big;
#else
  static constexpr auto primary = &Item::id;
#endif
};

void Use(strata::Table<Item>& items) { auto a = items.Count(); }
