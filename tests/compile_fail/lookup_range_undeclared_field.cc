// Range lookups need a declared secondary key too.
// expect: field is not a declared secondary key
#include "models.h"

void Use(strata::Table<Order>& orders) {
  auto a = orders.LookupRange<&Order::user_id>(1, 5);
#ifdef STRATA_BREAK
  auto b = orders.LookupRange<&Order::total>(1.0, 5.0);
#endif
}
