// The collection, document, query and index routes, called through the route table.
#include <fstream>
#include <map>
#include <set>

#include "server/routes_test_util.h"

namespace strata::server {
namespace {

const Value* Path(const Reply& r, std::string_view path) { return r.body.FindPath(path); }

int64_t Int(const Reply& r, std::string_view path) {
  const Value* v = Path(r, path);
  return v != nullptr && v->is_int() ? v->as_int() : -999;
}

size_t Count(const Reply& r, std::string_view field = "documents") {
  const Value* v = Path(r, field);
  return v != nullptr && v->is_array() ? v->as_array().size() : 0;
}

TEST_F(RoutesTest, CollectionsCreateListDrop) {
  Reply r = Post("/collections",
                 R"({"name": "users", "options": {"id": "autoincrement", "timestamps": true,
                     "schema": {"age": "int", "email": {"type": "string", "required": true}}}})");
  ASSERT_EQ(r.status, 201) << r;
  EXPECT_EQ(r.body.FindPath("options.id")->as_string(), "autoincrement");
  EXPECT_EQ(r.body.FindPath("options.schema.1.path")->as_string(), "email");
  EXPECT_TRUE(r.body.FindPath("options.schema.1.required")->as_bool());
  EXPECT_EQ(r.body.FindPath("options.schema.0.type")->as_string(), "long");

  ASSERT_EQ(Post("/collections", R"({"name": "plain"})").status, 201);
  ASSERT_EQ(Post("/collections/plain", R"({"a": 1})").status, 201);

  r = Get("/collections");
  ASSERT_EQ(r.status, 200) << r;
  ASSERT_EQ(Count(r, "collections"), 2u) << r;
  EXPECT_EQ(r.body.FindPath("collections.0.options.timestamps") != nullptr, true);
  EXPECT_EQ(r.body.FindPath("collections.0.count"), nullptr);
  r = Get("/collections?counts=true");
  ASSERT_EQ(r.status, 200) << r;
  std::set<int64_t> counts;
  for (const Value& c : r.body.Find("collections")->as_array()) {
    counts.insert(c.Find("count")->as_int());
  }
  EXPECT_EQ(counts, (std::set<int64_t>{0, 1}));

  r = Post("/collections", R"({"name": "users"})");
  EXPECT_EQ(r.status, 409) << r;
  EXPECT_EQ(r.code(), "already_exists");

  r = Call("DELETE", "/collections/users");
  EXPECT_EQ(r.status, 200) << r;
  r = Call("DELETE", "/collections/users");
  EXPECT_EQ(r.status, 404) << r;
  EXPECT_EQ(Count(Get("/collections"), "collections"), 1u);
}

TEST_F(RoutesTest, CollectionOptionsAreChecked) {
  struct Case {
    const char* body;
    const char* message;
  };
  const Case cases[] = {
      {R"({})", "name is required"},
      {R"({"name": 5})", "name must be a string"},
      {R"({"name": "x", "options": {"id": "uuid"}})", "options.id must be"},
      {R"({"name": "x", "options": {"timestamps": "yes"}})", "timestamps must be a boolean"},
      {R"({"name": "x", "options": {"schema": {"a": "float"}}})", "unknown type 'float'"},
      {R"({"name": "x", "options": {"schema": 3}})", "options.schema must be"},
      {R"({"name": "x", "options": {"ids": "user"}})", "unknown field 'ids'"},
      {R"({"name": "x", "opts": {}})", "unknown field 'opts'"},
      {R"({"name": "bad name!"})", "invalid collection name"},
      {R"([1])", "must be a JSON object"},
  };
  for (const Case& c : cases) {
    Reply r = Post("/collections", c.body);
    EXPECT_EQ(r.status, 400) << c.body << " -> " << r;
    EXPECT_NE(r.message().find(c.message), std::string::npos) << c.body << " -> " << r;
  }
  EXPECT_EQ(Count(Get("/collections"), "collections"), 0u);
}

TEST_F(RoutesTest, DocumentLifecycle) {
  Reply r = Post("/collections/people", R"({"name": "ann", "age": 31})");
  ASSERT_EQ(r.status, 201) << r;
  ASSERT_TRUE(r.body.Find("_id") != nullptr && r.body.Find("_id")->is_string()) << r;
  std::string id = r.body.Find("_id")->as_string();

  r = Get("/collections/people/" + id);
  ASSERT_EQ(r.status, 200) << r;
  EXPECT_EQ(r.body.Find("name")->as_string(), "ann");

  r = Call("PUT", "/collections/people/" + id, R"({"name": "bea"})");
  ASSERT_EQ(r.status, 200) << r;
  EXPECT_EQ(Int(r, "modified"), 1);
  r = Get("/collections/people/" + id);
  EXPECT_EQ(r.body.Find("name")->as_string(), "bea");
  EXPECT_EQ(r.body.Find("age"), nullptr);

  r = Call("PATCH", "/collections/people/" + id, R"({"$inc": {"visits": 2}})");
  ASSERT_EQ(r.status, 200) << r;
  r = Call("PATCH", "/collections/people/" + id, R"({"city": "Oslo"})");  // plain fields: $set
  ASSERT_EQ(r.status, 200) << r;
  r = Get("/collections/people/" + id);
  EXPECT_EQ(Int(r, "visits"), 2);
  EXPECT_EQ(r.body.Find("city")->as_string(), "Oslo");
  EXPECT_EQ(r.body.Find("name")->as_string(), "bea");

  r = Call("PUT", "/collections/people/" + id, R"({"_id": "other", "name": "x"})");
  EXPECT_EQ(r.status, 400) << r;
  r = Call("PUT", "/collections/people/" + id, R"({"$set": {"name": "x"}})");
  EXPECT_EQ(r.status, 400) << r;

  r = Call("DELETE", "/collections/people/" + id);
  ASSERT_EQ(r.status, 200) << r;
  EXPECT_EQ(Int(r, "deleted"), 1);
  EXPECT_EQ(Get("/collections/people/" + id).status, 404);
  EXPECT_EQ(Call("DELETE", "/collections/people/" + id).status, 404);
  EXPECT_EQ(Call("PUT", "/collections/people/" + id, R"({"a": 1})").status, 404);
  EXPECT_EQ(Call("PATCH", "/collections/people/" + id, R"({"a": 1})").status, 404);

  // A missing collection: 404 for reads and id writes, and nothing gets created.
  EXPECT_EQ(Get("/collections/ghost/abc").status, 404);
  EXPECT_EQ(Get("/collections/ghost/123").status, 404);
  EXPECT_EQ(Call("DELETE", "/collections/ghost/abc").status, 404);
  EXPECT_EQ(Call("PATCH", "/collections/ghost/abc", R"({"a": 1})").status, 404);
  EXPECT_EQ(Get("/collections/ghost").status, 404);
  EXPECT_EQ(Count(Get("/collections"), "collections"), 1u);
}

TEST_F(RoutesTest, AutoIncrementAndUserIds) {
  ASSERT_EQ(Post("/collections", R"({"name": "seq", "options": {"id": "autoincrement"}})").status,
            201);
  for (int i = 0; i < 3; ++i) {
    Reply r = Post("/collections/seq", R"({"n": )" + std::to_string(i) + "}");
    ASSERT_EQ(r.status, 201) << r;
    EXPECT_EQ(Int(r, "_id"), i + 1);
  }
  Reply r = Get("/collections/seq/2");
  ASSERT_EQ(r.status, 200) << r;
  EXPECT_EQ(Int(r, "_id"), 2);
  EXPECT_EQ(Int(r, "n"), 1);
  EXPECT_EQ(Call("PATCH", "/collections/seq/3", R"({"$set": {"n": 30}})").status, 200);
  EXPECT_EQ(Int(Get("/collections/seq/3"), "n"), 30);
  EXPECT_EQ(Call("DELETE", "/collections/seq/1").status, 200);
  EXPECT_EQ(Get("/collections/seq/1").status, 404);
  EXPECT_EQ(Get("/collections/seq/99999999999999999999").status, 404);

  ASSERT_EQ(Post("/collections", R"({"name": "u", "options": {"id": "user"}})").status, 201);
  ASSERT_EQ(Post("/collections/u", R"({"_id": "7", "kind": "string"})").status, 201);
  ASSERT_EQ(Post("/collections/u", R"({"_id": 8, "kind": "int"})").status, 201);
  ASSERT_EQ(Post("/collections/u", R"({"_id": "a/b", "kind": "slash"})").status, 201);
  EXPECT_EQ(Get("/collections/u/7").body.Find("kind")->as_string(), "string");
  EXPECT_EQ(Get("/collections/u/8").body.Find("kind")->as_string(), "int");
  EXPECT_EQ(Get("/collections/u/a%2Fb").status, 404);  // the router splits decoded paths
  r = Post("/collections/u", R"({"kind": "no id"})");
  EXPECT_EQ(r.status, 400) << r;
}

TEST_F(RoutesTest, BulkInsertIsAtomic) {
  Reply r = Post("/collections/b/bulk", R"([{"_id": "a"}, {"_id": "b"}])");
  ASSERT_EQ(r.status, 201) << r;
  EXPECT_EQ(Int(r, "inserted"), 2);
  EXPECT_EQ(Count(r, "ids"), 2u);
  r = Post("/collections/b/bulk", R"({"documents": [{"_id": "c"}, {"x": 1}]})");
  ASSERT_EQ(r.status, 201) << r;
  std::string before = Snapshot("b");

  r = Post("/collections/b/bulk", R"([{"_id": "d"}, {"_id": "a"}])");  // duplicate: none stored
  EXPECT_EQ(r.status, 409) << r;
  EXPECT_NE(r.message().find("document 1"), std::string::npos) << r;
  r = Post("/collections/b/bulk", R"([{"_id": "e"}, 5])");
  EXPECT_EQ(r.status, 400) << r;
  EXPECT_NE(r.message().find("document 1 must be a JSON object"), std::string::npos) << r;
  r = Post("/collections/b/bulk", R"({"docs": []})");
  EXPECT_EQ(r.status, 400) << r;
  r = Post("/collections/b/bulk", R"({"documents": 3})");
  EXPECT_EQ(r.status, 400) << r;
  EXPECT_EQ(Snapshot("b"), before);

  // A failed bulk insert into a new collection leaves no collection behind.
  r = Post("/collections/fresh/bulk", R"([{"_id": 1}, {"_id": 1}])");
  EXPECT_EQ(r.status, 409) << r;
  EXPECT_EQ(Get("/collections/fresh").status, 404);
}

TEST_F(RoutesTest, PagingByToken) {
  std::string docs = "[";
  for (int i = 0; i < 250; ++i) {
    if (i > 0) docs += ",";
    docs +=
        R"({"n": )" + std::to_string(i) + R"(, "even": )" + (i % 2 == 0 ? "true" : "false") + "}";
  }
  docs += "]";
  ASSERT_EQ(Post("/collections/p/bulk", docs).status, 201);

  // GET with ?limit and ?token.
  std::set<std::string> seen;
  std::string token;
  int pages = 0;
  do {
    std::string target = "/collections/p?limit=100";
    if (!token.empty()) target += "&token=" + token;
    Reply r = Get(target);
    ASSERT_EQ(r.status, 200) << r;
    for (const Value& d : r.body.Find("documents")->as_array()) {
      EXPECT_TRUE(seen.insert(d.Find("_id")->as_string()).second);
    }
    const Value* t = r.body.Find("token");
    token = t != nullptr ? t->as_string() : "";
    ++pages;
    if (pages < 3) {
      EXPECT_EQ(Count(r), 100u);
    }
    ASSERT_LE(pages, 3);
  } while (!token.empty());
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(seen.size(), 250u);

  // Default page size, and a filter in the query string.
  EXPECT_EQ(Count(Get("/collections/p")), 100u);
  Reply r = Get("/collections/p?limit=1000&filter=%7B%22even%22%3Atrue%7D");
  ASSERT_EQ(r.status, 200) << r;
  EXPECT_EQ(Count(r), 125u);
  EXPECT_EQ(r.body.Find("token"), nullptr);

  // POST query with limit and token, filtered and sorted by an index-free field the scan
  // order serves (_id).
  seen.clear();
  token.clear();
  pages = 0;
  do {
    std::string body = R"({"filter": {"n": {"$gte": 50}}, "sort": {"_id": 1}, "limit": 60)";
    if (!token.empty()) body += R"(, "token": ")" + token + "\"";
    body += "}";
    r = Post("/collections/p/query", body);
    ASSERT_EQ(r.status, 200) << r;
    for (const Value& d : r.body.Find("documents")->as_array()) {
      EXPECT_GE(d.Find("n")->as_int(), 50);
      EXPECT_TRUE(seen.insert(d.Find("_id")->as_string()).second);
    }
    const Value* t = r.body.Find("token");
    token = t != nullptr ? t->as_string() : "";
    ASSERT_LE(++pages, 4);
  } while (!token.empty());
  EXPECT_EQ(pages, 4);
  EXPECT_EQ(seen.size(), 200u);

  // An in-memory sort cannot be resumed: no token, and a token is refused.
  r = Post("/collections/p/query", R"({"sort": {"n": -1}, "limit": 10})");
  ASSERT_EQ(r.status, 200) << r;
  EXPECT_EQ(Int(r, "documents.0.n"), 249);
  EXPECT_EQ(r.body.Find("token"), nullptr);
  EXPECT_EQ(Get("/collections/p?token=garbage").status, 400);
}

TEST_F(RoutesTest, QueryAggregateCountDistinctExplain) {
  ASSERT_EQ(Post("/collections/s/bulk", R"([
      {"_id": 1, "city": "Oslo", "age": 30, "tags": ["a", "b"]},
      {"_id": 2, "city": "Rome", "age": 40, "tags": ["b"]},
      {"_id": 3, "city": "Oslo", "age": 50},
      {"_id": 4, "city": "Lima", "age": 20}])")
                .status,
            201);
  Reply r = Post("/collections/s/query",
                 R"({"filter": {"city": "Oslo"}, "projection": {"age": 1}, "sort": {"age": -1}})");
  ASSERT_EQ(r.status, 200) << r;
  ASSERT_EQ(Count(r), 2u);
  EXPECT_EQ(Int(r, "documents.0.age"), 50);
  EXPECT_EQ(r.body.FindPath("documents.0.city"), nullptr);
  r = Post("/collections/s/query", R"({"sort": {"_id": 1}, "skip": 1, "limit": 2})");
  ASSERT_EQ(r.status, 200) << r;
  EXPECT_EQ(Int(r, "documents.0._id"), 2);
  EXPECT_EQ(Count(r), 2u);
  EXPECT_EQ(Count(Post("/collections/s/query", "")), 4u);  // empty body: everything

  r = Post("/collections/s/aggregate",
           R"({"pipeline": [{"$group": {"_id": "$city", "n": {"$sum": 1}}},
                            {"$sort": {"_id": 1}}]})");
  ASSERT_EQ(r.status, 200) << r;
  ASSERT_EQ(Count(r), 3u);
  EXPECT_EQ(r.body.FindPath("documents.1._id")->as_string(), "Oslo");
  EXPECT_EQ(Int(r, "documents.1.n"), 2);
  r = Post("/collections/s/aggregate", R"([{"$match": {"age": {"$gt": 25}}}, {"$count": "n"}])");
  ASSERT_EQ(r.status, 200) << r;
  EXPECT_EQ(Int(r, "documents.0.n"), 3);

  EXPECT_EQ(Int(Post("/collections/s/count", R"({"filter": {"city": "Oslo"}})"), "count"), 2);
  EXPECT_EQ(Int(Post("/collections/s/count", ""), "count"), 4);

  r = Post("/collections/s/distinct", R"({"field": "tags"})");
  ASSERT_EQ(r.status, 200) << r;
  EXPECT_EQ(codec::ToJson(*r.body.Find("values")), R"(["a","b"])");
  r = Post("/collections/s/distinct", R"({"field": "city", "filter": {"age": {"$lt": 45}}})");
  EXPECT_EQ(Count(r, "values"), 3u);

  ASSERT_EQ(Post("/collections/s/indexes", R"({"fields": {"city": 1}})").status, 201);
  r = Post("/collections/s/explain", R"({"filter": {"city": "Oslo"}})");
  ASSERT_EQ(r.status, 200) << r;
  EXPECT_EQ(r.body.Find("index")->as_string(), "city_1") << r;
  EXPECT_EQ(Int(r, "returned"), 2);

  // Missing collection: 404 for every read.
  for (const char* route : {"query", "aggregate", "count", "distinct", "explain"}) {
    const char* body = std::string_view(route) == "aggregate"  ? "[]"
                       : std::string_view(route) == "distinct" ? R"({"field": "a"})"
                                                               : "{}";
    r = Post(std::string("/collections/none/") + route, body);
    EXPECT_EQ(r.status, 404) << route << " " << r;
  }
}

TEST_F(RoutesTest, UpdateAndDeleteByFilter) {
  ASSERT_EQ(Post("/collections/w/bulk", R"([{"_id": 1, "v": 1}, {"_id": 2, "v": 1},
                                            {"_id": 3, "v": 2}])")
                .status,
            201);
  Reply r = Post("/collections/w/update", R"({"filter": {"v": 1}, "update": {"$inc": {"v": 10}}})");
  ASSERT_EQ(r.status, 200) << r;
  EXPECT_EQ(Int(r, "matched"), 1);
  r = Post("/collections/w/update",
           R"({"filter": {"v": {"$lt": 5}}, "update": {"$set": {"low": true}}, "many": true})");
  ASSERT_EQ(r.status, 200) << r;
  EXPECT_EQ(Int(r, "modified"), 2);
  r = Post("/collections/w/update",
           R"({"filter": {"_id": 9}, "update": {"$set": {"v": 9}}, "upsert": true})");
  ASSERT_EQ(r.status, 200) << r;
  EXPECT_EQ(Int(r, "upsertedId"), 9);
  EXPECT_EQ(Int(Get("/collections/w/9"), "v"), 9);

  r = Post("/collections/w/delete", R"({"filter": {"low": true}, "many": true})");
  ASSERT_EQ(r.status, 200) << r;
  EXPECT_EQ(Int(r, "deleted"), 2);
  r = Post("/collections/w/delete", R"({"filter": {}})");
  ASSERT_EQ(r.status, 200) << r;
  EXPECT_EQ(Int(r, "deleted"), 1);
  EXPECT_EQ(Int(Post("/collections/w/count", "{}"), "count"), 1);

  // Upsert into a missing collection creates it; a plain update or delete is a 404.
  EXPECT_EQ(
      Post("/collections/nw/update", R"({"filter": {}, "update": {"$set": {"a": 1}}})").status,
      404);
  EXPECT_EQ(Post("/collections/nw/delete", R"({"filter": {}})").status, 404);
  r = Post("/collections/nw/update",
           R"({"filter": {"_id": "k"}, "update": {"$set": {"a": 1}}, "upsert": true})");
  EXPECT_EQ(r.status, 200) << r;
  EXPECT_EQ(Int(Get("/collections/nw/k"), "a"), 1);
}

TEST_F(RoutesTest, Indexes) {
  ASSERT_EQ(
      Post("/collections/i/bulk", R"([{"_id": 1, "a": 1, "b": "x"}, {"_id": 2, "a": 1}])").status,
      201);
  Reply r = Post("/collections/i/indexes", R"({"fields": {"a": 1, "b": -1}})");
  ASSERT_EQ(r.status, 201) << r;
  EXPECT_EQ(r.body.Find("name")->as_string(), "a_1_b_-1");
  EXPECT_EQ(r.body.Find("state")->as_string(), "ready");
  r = Post("/collections/i/indexes", R"({"fields": [["b", 1]], "sparse": true, "name": "bee"})");
  ASSERT_EQ(r.status, 201) << r;
  EXPECT_TRUE(r.body.Find("sparse")->as_bool());

  r = Post("/collections/i/indexes", R"({"fields": {"a": 1}, "unique": true})");
  EXPECT_EQ(r.status, 409) << r;  // duplicate a values: the unique build fails
  r = Post("/collections/i/indexes", R"({"fields": {"b": 1}, "name": "bee"})");
  EXPECT_EQ(r.status, 409) << r;

  r = Get("/collections/i/indexes");
  ASSERT_EQ(r.status, 200) << r;
  ASSERT_EQ(Count(r, "indexes"), 2u) << r;
  EXPECT_EQ(Int(r, "indexes.0.fields.b"), -1);

  for (const char* body :
       {R"({})", R"({"fields": {"a": 2}})", R"({"fields": {}})", R"({"fields": [["a"]]})",
        R"({"fields": "a"})", R"({"fields": {"a": 1}, "unique": "yes"})",
        R"({"fields": {"a": 1}, "uniq": true})"}) {
    r = Post("/collections/i/indexes", body);
    EXPECT_EQ(r.status, 400) << body << " -> " << r;
  }
  EXPECT_EQ(Count(Get("/collections/i/indexes"), "indexes"), 2u);

  EXPECT_EQ(Call("DELETE", "/collections/i/indexes/bee").status, 200);
  EXPECT_EQ(Call("DELETE", "/collections/i/indexes/bee").status, 404);
  EXPECT_EQ(Count(Get("/collections/i/indexes"), "indexes"), 1u);
  EXPECT_EQ(Get("/collections/nope/indexes").status, 404);
  EXPECT_EQ(Call("DELETE", "/collections/nope/indexes/x").status, 404);
}

TEST_F(RoutesTest, OversizedDocumentIs413) {
  std::string big = R"({"s": ")" + std::string(70 << 10, 'x') + "\"}";
  Reply r = Post("/collections/big", big);
  EXPECT_EQ(r.status, 413) << r.status << " " << r.message();
  EXPECT_EQ(Get("/collections/big").status, 404);  // the failed insert left nothing behind
  ASSERT_EQ(Post("/collections/big", R"({"_id": "k", "s": "small"})").status, 201);
  r = Call("PUT", "/collections/big/k", big);
  EXPECT_EQ(r.status, 413) << r.status << " " << r.message();
  EXPECT_EQ(Get("/collections/big/k").body.Find("s")->as_string(), "small");
}

TEST_F(RoutesTest, RolesAreConsistent) {
  for (const Route& route : router_.routes()) {
    SCOPED_TRACE(route.method + " " + route.pattern);
    EXPECT_TRUE(route.needs_key);
    EXPECT_FALSE(route.summary.empty());
    bool drop =
        route.method == "DELETE" && (route.pattern == "/collections/{name}" ||
                                     route.pattern == "/collections/{name}/indexes/{index}");
    bool txn_control = route.pattern == "/txn" || route.pattern.ends_with("/commit") ||
                       route.pattern.ends_with("/cancel") || route.pattern == "/txn/{txn}";
    bool reads = route.method == "GET" || route.pattern.ends_with("/query") ||
                 route.pattern.ends_with("/aggregate") || route.pattern.ends_with("/count") ||
                 route.pattern.ends_with("/distinct") || route.pattern.ends_with("/explain");
    Role want = drop ? Role::kAdmin : (reads || txn_control) ? Role::kRead : Role::kWrite;
    EXPECT_EQ(static_cast<int>(route.role), static_cast<int>(want));
  }
  // Literal segments win over {id}.
  Router::Match m = router_.Find("GET", "/collections/x/indexes");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->pattern, "/collections/{name}/indexes");
}

// docs/openapi.yaml names every route of the full table with its method and x-strata-role. A
// line scanner suffices: paths sit at two spaces of indentation, methods at four.
TEST(OpenApiRolesTest, DescribesEveryRouteWithItsRole) {
  std::string file = __FILE__;
  file = file.substr(0, file.rfind("/src/server/")) + "/docs/openapi.yaml";
  std::ifstream in(file);
  ASSERT_TRUE(in.good()) << file;
  std::map<std::string, std::string> documented;  // "GET /x" -> role
  std::string line, path, op;
  bool in_paths = false;
  while (std::getline(in, line)) {
    if (line == "paths:") {
      in_paths = true;
      continue;
    }
    if (!in_paths) continue;
    if (!line.empty() && line[0] != ' ') break;  // the next top-level section
    if (line.starts_with("  /") && line.ends_with(":")) {
      path = line.substr(2, line.size() - 3);
    } else if (line.size() > 4 && line.starts_with("    ") && line[4] != ' ' &&
               line.ends_with(":")) {
      std::string method = line.substr(4, line.size() - 5);
      if (method == "parameters") continue;
      for (char& c : method) c = static_cast<char>(toupper(c));
      op = method + " " + path;
      documented[op] = "";
    } else if (line.find("x-strata-role: ") != std::string::npos && !op.empty()) {
      documented[op] = line.substr(line.find(": ") + 2);
    }
  }
  Router router = BuildRouter();
  std::set<std::string> seen;
  for (const Route& route : router.routes()) {
    std::string op_name = route.method + " " + route.pattern;
    SCOPED_TRACE(op_name);
    ASSERT_TRUE(documented.count(op_name)) << "not in docs/openapi.yaml";
    std::string want = route.needs_key ? std::string(RoleName(route.role)) : "none";
    EXPECT_EQ(documented[op_name], want);
    seen.insert(op_name);
  }
  for (const auto& [op_name, role] : documented) {
    EXPECT_TRUE(seen.count(op_name)) << op_name << " is documented but not a route";
  }
}

}  // namespace
}  // namespace strata::server
