// Order::user_id is a secondary key of orders, not of users.
// expect: field is not a declared secondary key
#include "models.h"

void Use(strata::Table<User>& users) {
  auto a = users.Lookup<&User::email>("a@x");
#ifdef STRATA_BREAK
  auto b = users.Lookup<&Order::user_id>(1);
#endif
}
