// fields must list every member, or a record would lose data on its way to disk.
// expect: fields must list every data member of T
#include "models.h"

struct Item {
  int64_t id = 0;
  std::string label;
#ifdef STRATA_BREAK
  int32_t forgotten = 0;
#endif
};
template <>
struct strata::TableSpec<Item> {
  static constexpr std::string_view name = "items";
  static constexpr auto fields = strata::Fields(&Item::id, &Item::label);
  static constexpr auto primary = &Item::id;
};

void Use(strata::Table<Item>& items) { auto a = items.Get(strata::Key<Item>{1}); }
