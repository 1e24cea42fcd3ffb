// name is a field of User but not a declared secondary key.
// expect: field is not a declared secondary key
#include "models.h"

void Use(strata::Table<User>& users) {
  auto a = users.Lookup<&User::email>("a@x");
#ifdef STRATA_BREAK
  auto b = users.Lookup<&User::name>("Ann");
#endif
}
