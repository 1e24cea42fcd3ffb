// One HTTP request through the route table, without a socket: finds the route (404/405), checks
// the key and its role (401/403), runs the handler, turns a Status into an error body, adds CORS
// headers, records metrics and writes the access-log line. The transport and the fuzz target both
// call it. Thread safety: safe from many threads (the Router is read-only once built).
#pragma once

#include <string_view>

#include "server/http_types.h"
#include "server/router.h"

namespace strata::server {

class Service;

// The key a request carries: X-API-Key, else "Authorization: Bearer <key>", else ?key=.
std::string_view RequestKey(const HttpRequest& request);

HttpResponse Dispatch(Service* service, const Router& router, const HttpRequest& request);

}  // namespace strata::server
