// Entry points of Strata's LSM engine. The engine itself is reached through kv::Engine.
#pragma once

#include <memory>
#include <string>

#include "strata/kv.h"

namespace strata::lsm {

Result<std::unique_ptr<kv::Engine>> OpenDB(const std::string& dir, const kv::Options& options);
Status DestroyDB(const std::string& dir, const kv::Options& options);

}  // namespace strata::lsm
