#include "open_database.h"

#include <filesystem>
#include <system_error>

namespace strata::tools {

Result<std::unique_ptr<Database>> OpenExistingDatabase(const std::string& dir,
                                                       const std::string& backend) {
  std::error_code ec;
  if (backend != "memory" && !std::filesystem::is_directory(dir, ec)) {
    return Status::NotFound("no data directory at " + dir);
  }
  DatabaseOptions options;
  options.backend = backend;
  return Database::Open(dir, options);
}

}  // namespace strata::tools
