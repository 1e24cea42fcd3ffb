// A User's key is no key of the orders table.
// expect: cannot convert [^ ]*strata::Key<User>[^ ]* to [^ ]*const strata::Key<Order>&
#include "models.h"

void Use(strata::Table<Order>& orders) {
  auto a = orders.Get(strata::Key<Order>{1});
#ifdef STRATA_BREAK
  auto b = orders.Get(strata::Key<User>{1});
#endif
}
