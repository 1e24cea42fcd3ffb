// A key names its model: a bare number is not a Key<Order>.
// expect: cannot convert [^ ]*int[^ ]* to [^ ]*const strata::Key<Order>&
#include "models.h"

void Use(strata::Table<Order>& orders) {
  auto a = orders.Get(strata::Key<Order>{1});
#ifdef STRATA_BREAK
  auto b = orders.Get(1);
#endif
}
