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

bool IsPlaceholder(std::string_view segment) {
  return segment.size() >= 2 && segment.front() == '{' && segment.back() == '}';
}

// Whether `pattern` (pre-split) matches; counts its literal segments. No allocation: this runs
// for every route on every request.
bool Matches(const std::vector<std::string>& pattern, const std::vector<std::string_view>& segments,
             int* literals) {
  if (pattern.size() != segments.size()) return false;
  *literals = 0;
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (IsPlaceholder(pattern[i])) continue;
    if (pattern[i] != segments[i]) return false;
    ++*literals;
  }
  return true;
}

}  // namespace

void Router::Add(Route route) {
  std::vector<std::string> segments;
  for (std::string_view s : Segments(route.pattern)) segments.emplace_back(s);
  patterns_.push_back(std::move(segments));
  routes_.push_back(std::move(route));
}

void Router::AttachMetrics(Metrics* metrics) {
  for (Route& route : routes_)
    route.series = metrics->For("http", route.method + " " + route.pattern);
}

Router::Match Router::Find(std::string_view method, std::string_view path) const {
  Match match;
  std::vector<std::string_view> segments = Segments(path);
  // Literal segments win over placeholders ("/collections/x/indexes" is not a document id).
  size_t best = routes_.size();
  int best_literals = -1;
  for (size_t r = 0; r < routes_.size(); ++r) {
    int literals = 0;
    if (!Matches(patterns_[r], segments, &literals)) continue;
    match.path_known = true;
    if (routes_[r].method != method) continue;
    if (literals > best_literals) {
      best = r;
      best_literals = literals;
    }
  }
  if (best == routes_.size()) return match;
  match.route = &routes_[best];
  for (size_t i = 0; i < segments.size(); ++i) {
    if (IsPlaceholder(patterns_[best][i])) match.params.emplace_back(segments[i]);
  }
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
