// The change feed behind Database::AddChangeListener: a listener table per open Database, fed
// by one commit hook in the doc::Store that is installed only while listeners exist.
// Thread safety: all functions are safe from many threads.
#pragma once

#include "strata/db.h"

namespace strata::db {

// Drops `db`'s listener table and uninstalls its hook (Database::Close).
void ForgetChangeFeed(const Database* db, doc::Store* store);

}  // namespace strata::db
