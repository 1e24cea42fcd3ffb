#include "server/router.h"

#include "server/metrics.h"

namespace strata::server {
namespace {

// Splits "/a/b/c" into {"a","b","c"}; a trailing slash adds nothing.
std::vector<std::string_view> Segments(std::string_view path) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    out.push_back(path.substr(i, j - i));
    i = j;
  }
  return out;
}

bool MatchPattern(std::string_view pattern, const std::vector<std::string_view>& segments,
                  std::vector<std::string>* params) {
  std::vector<std::string_view> want = Segments(pattern);
  if (want.size() != segments.size()) return false;
  params->clear();
  for (size_t i = 0; i < want.size(); ++i) {
    if (want[i].size() >= 2 && want[i].front() == '{' && want[i].back() == '}') {
      params->emplace_back(segments[i]);
    } else if (want[i] != segments[i]) {
      return false;
    }
  }
  return true;
}

}  // namespace

void Router::Add(Route route) { routes_.push_back(std::move(route)); }

void Router::AttachMetrics(Metrics* metrics) {
  for (Route& route : routes_)
    route.series = metrics->For("http", route.method + " " + route.pattern);
}

Router::Match Router::Find(std::string_view method, std::string_view path) const {
  Match match;
  std::vector<std::string_view> segments = Segments(path);
  std::vector<std::string> params;
  // Literal segments win over placeholders ("/collections/x/indexes" is not a document id), so
  // the first pass skips routes whose placeholders would swallow a literal of another route.
  const Route* best = nullptr;
  int best_literals = -1;
  for (const Route& route : routes_) {
    if (!MatchPattern(route.pattern, segments, &params)) continue;
    match.path_known = true;
    if (route.method != method) continue;
    int literals = static_cast<int>(segments.size() - params.size());
    if (literals > best_literals) {
      best = &route;
      best_literals = literals;
      match.params = params;
    }
  }
  match.route = best;
  return match;
}

Router BuildRouter() {
  Router router;
  AddCollectionRoutes(&router);
  AddTxnRoutes(&router);
  AddAdminRoutes(&router);
  return router;
}

}  // namespace strata::server
