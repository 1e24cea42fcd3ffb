// Field types are the ones the record format knows.
// expect: of a supported type
#include <map>

#include "models.h"

struct Item {
  int64_t id = 0;
#ifdef STRATA_BREAK
  std::map<int, int> extras;
#else
  std::vector<uint8_t> extras;
#endif
};
template <>
struct strata::TableSpec<Item> {
  static constexpr std::string_view name = "items";
  static constexpr auto fields = strata::Fields(&Item::id, &Item::extras);
  static constexpr auto primary = &Item::id;
};

void Use(strata::Table<Item>& items) { auto a = items.Count(); }
