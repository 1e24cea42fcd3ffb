// The looked-up value has the field's type.
// expect: cannot convert [^ ]*int[^ ]* to [^ ]*strata::Table<User>::FieldOf<&User::email>&
#include "models.h"

void Use(strata::Table<User>& users) {
  auto a = users.Lookup<&User::email>("a@x");
#ifdef STRATA_BREAK
  auto b = users.Lookup<&User::email>(42);
#endif
}
