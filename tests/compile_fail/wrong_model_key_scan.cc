// Nor bound a scan of orders.
// expect: cannot convert [^ ]*strata::Key<User>[^ ]* to [^ ]*const std::optional<strata::Key<Order>
// >&
#include "models.h"

void Use(strata::Table<Order>& orders) {
  auto a = orders.Scan(strata::Key<Order>{1}, std::nullopt);
#ifdef STRATA_BREAK
  auto b = orders.Scan(strata::Key<User>{1}, std::nullopt);
#endif
}
