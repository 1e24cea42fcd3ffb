// docs/openapi.yaml and the route table describe the same API: every route is in the file with its
// method, every path+method of the file is a route, and the file states each route's role.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>

#include "server/router.h"

namespace strata::server {
namespace {

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// (METHOD, path) -> x-strata-role ("" when the operation states none), read from the paths
// section: a path at two spaces of indent, its methods at four, their fields at six.
std::map<std::pair<std::string, std::string>, std::string> ReadOpenApi(const std::string& file) {
  std::map<std::pair<std::string, std::string>, std::string> ops;
  std::ifstream in(file);
  std::string line, path, method;
  bool in_paths = false;
  static const std::set<std::string> kMethods = {"get", "post", "put", "patch", "delete"};
  while (std::getline(in, line)) {
    if (line.rfind("paths:", 0) == 0) {
      in_paths = true;
      continue;
    }
    if (!in_paths) continue;
    if (!line.empty() && line[0] != ' ' && line[0] != '#') break;  // the next top-level key
    if (line.rfind("  /", 0) == 0 && line.back() == ':') {
      path = line.substr(2, line.size() - 3);
      method.clear();
    } else if (line.rfind("    ", 0) == 0 && line[4] != ' ' && line.back() == ':') {
      std::string m = line.substr(4, line.size() - 5);
      method = kMethods.count(m) ? Upper(m) : "";
      if (!method.empty()) ops[{method, path}] = "";
    } else if (!method.empty() && line.rfind("      x-strata-role:", 0) == 0) {
      std::string role = line.substr(line.find(':') + 1);
      role.erase(0, role.find_first_not_of(' '));
      ops[{method, path}] = role;
    }
  }
  return ops;
}

TEST(OpenApiTest, RouteTableAndFileAgree) {
  std::filesystem::path file =
      std::filesystem::path(__FILE__).parent_path() / ".." / ".." / "docs" / "openapi.yaml";
  ASSERT_TRUE(std::filesystem::exists(file)) << file;
  auto ops = ReadOpenApi(file.string());
  ASSERT_GT(ops.size(), 20u);
  Router router = BuildRouter();
  std::set<std::pair<std::string, std::string>> routes;
  for (const Route& route : router.routes()) {
    auto key = std::make_pair(route.method, route.pattern);
    EXPECT_TRUE(routes.insert(key).second)
        << "route twice: " << route.method << " " << route.pattern;
    auto it = ops.find(key);
    if (it == ops.end()) {
      ADD_FAILURE() << "route not in docs/openapi.yaml: " << route.method << " " << route.pattern;
      continue;
    }
    if (route.needs_key && !it->second.empty()) {
      EXPECT_EQ(it->second, RoleName(route.role)) << route.method << " " << route.pattern;
    }
  }
  for (const auto& [key, role] : ops) {
    EXPECT_TRUE(routes.count(key)) << "docs/openapi.yaml has " << key.first << " " << key.second
                                   << " but the server has no such route";
  }
}

}  // namespace
}  // namespace strata::server
