// Nor can it remove an order.
// expect: cannot convert [^ ]*strata::Key<User>[^ ]* to [^ ]*const strata::Key<Order>&
#include "models.h"

void Use(strata::Table<Order>& orders) {
  auto a = orders.Remove(strata::Key<Order>{1});
#ifdef STRATA_BREAK
  auto b = orders.Remove(strata::Key<User>{1});
#endif
}
