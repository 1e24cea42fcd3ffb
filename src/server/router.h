// The HTTP route table as data: method, path pattern ("/collections/{name}/{id}"), the role a key
// needs, a metrics name and the handler. docs/openapi.yaml describes the same table; a test checks
// that the two agree. Handlers see plain HttpRequest/HttpResponse (no Beast) and return Status
// errors, which one place (http_status.h) maps to HTTP status codes.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/api_keys.h"
#include "server/http_types.h"
#include "strata/status.h"

namespace strata::server {

class Service;
class Series;

struct RouteContext {
  Service* service;
  const HttpRequest& request;
  std::vector<std::string> params;      // the {placeholders} of the pattern, in order
  std::optional<ApiKeyInfo> principal;  // nullopt only on routes with needs_key = false
};

using Handler = std::function<Result<HttpResponse>(RouteContext&)>;

struct Route {
  std::string method;
  std::string pattern;
  bool needs_key = true;
  Role role = Role::kRead;
  std::string summary;  // one line, also in the OpenAPI file
  Handler handler;
  Series* series = nullptr;  // filled by the router
};

class Router {
 public:
  void Add(Route route);
  struct Match {
    const Route* route = nullptr;
    std::vector<std::string> params;
    bool path_known = false;  // some route has this path (405 rather than 404 when no method)
  };
  Match Find(std::string_view method, std::string_view path) const;
  const std::vector<Route>& routes() const { return routes_; }
  void AttachMetrics(class Metrics* metrics);

 private:
  std::vector<Route> routes_;
  std::vector<std::vector<std::string>> patterns_;  // each route's pattern, split at '/'
};

// Every route of the API, in one table (routes_*.cc add their groups).
void AddCollectionRoutes(Router* router);  // collections, documents, query, aggregate, indexes
void AddTxnRoutes(Router* router);         // transactions
void AddAdminRoutes(Router* router);       // status, stats, metrics, check, keys, backup
Router BuildRouter();

}  // namespace strata::server
