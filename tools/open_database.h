// Opening the data directory of an offline command (check, backup, stats, key...): it must
// exist already, since Database::Open creates what is missing and a mistyped path would
// otherwise become a new, empty database.
#pragma once

#include <memory>
#include <string>

#include "strata/db.h"

namespace strata::tools {

// NotFound "no data directory at DIR" when `dir` is not a directory (the memory backend has none).
Result<std::unique_ptr<Database>> OpenExistingDatabase(const std::string& dir,
                                                       const std::string& backend);

}  // namespace strata::tools
