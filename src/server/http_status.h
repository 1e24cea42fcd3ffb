// The one place where a Status becomes an HTTP status and an error body
// {"error": {"code": "...", "message": "..."}}.
#pragma once

#include <string>

#include "server/http_types.h"
#include "strata/status.h"

namespace strata::server {

int HttpStatusFor(const Status& status);
// "not_found", "invalid_argument", "conflict", ...
std::string ErrorCodeFor(const Status& status);
HttpResponse ErrorResponse(const Status& status);

}  // namespace strata::server
