// Bad input through the route table: each request gets the right 4xx with a message naming the
// fault, and leaves the data (documents, collections, indexes) as it was.
#include <filesystem>
#include <fstream>
#include <sstream>

#include "server/json_body.h"
#include "server/routes_test_util.h"

namespace strata::server {
namespace {

struct BadCase {
  const char* method;
  const char* target;
  const char* body;
  int status;
  const char* message;  // a part of the error message
};

const BadCase kBadCases[] = {
    // Malformed JSON: 400 with line and column.
    {"POST", "/collections/d", R"({"a": 1,)", 400, "request body: line 1, column"},
    {"POST", "/collections/d", "{\n  \"a\": tru\n}", 400, "line 2"},
    {"POST", "/collections/d", "", 400, "request body is empty"},
    {"POST", "/collections/d", "[1, 2]", 400, "must be a JSON object"},
    {"POST", "/collections/d", R"("text")", 400, "must be a JSON object"},
    {"POST", "/collections/d/query", "{'a': 1}", 400, "request body: line 1"},
    {"POST", "/collections/d/bulk", R"([{"a": 1}, {"b": ]])", 400, "request body: line 1"},
    {"PUT", "/collections/d/k1", "{", 400, "request body"},
    {"PATCH", "/collections/d/k1", "nul", 400, "request body"},
    // Wrong types.
    {"POST", "/collections/d/query", R"({"limit": "ten"})", 400, "limit must be an integer"},
    {"POST", "/collections/d/query", R"({"limit": 1.5})", 400, "limit must be an integer"},
    {"POST", "/collections/d/query", R"({"limit": -1})", 400, "limit must be at least 0"},
    {"POST", "/collections/d/query", R"({"skip": true})", 400, "skip must be an integer"},
    {"POST", "/collections/d/query", R"({"filter": [1]})", 400, "filter must be an object"},
    {"POST", "/collections/d/query", R"({"sort": "a"})", 400, "sort must be an object"},
    {"POST", "/collections/d/query", R"({"projection": 1})", 400, "projection must be an object"},
    {"POST", "/collections/d/query", R"({"token": 5})", 400, "token must be a string"},
    {"POST", "/collections/d/query", R"({"token": "r1.zz"})", 400, "resume token"},
    {"POST", "/collections/d/query", R"({"filtr": {}})", 400, "unknown field 'filtr'"},
    {"GET", "/collections/d?limit=abc", "", 400, "query parameter limit must be an integer"},
    {"GET", "/collections/d?limit=0", "", 400, "limit must be at least 1"},
    {"GET", "/collections/d?limit=10x", "", 400, "limit must be an integer"},
    {"GET", "/collections/d?skip=-2", "", 400, "skip must be at least 0"},
    {"GET", "/collections/d?filter=%7Bx", "", 400, "query parameter filter: line 1"},
    {"GET", "/collections/d?filter=%5B%5D", "", 400, "filter must be a JSON object"},
    {"GET", "/collections?counts=maybe", "", 400, "counts must be true or false"},
    {"POST", "/collections/d/update", R"({"filter": {}, "update": {"$set": {"a": 1}}, "many": 1})",
     400, "many must be a boolean"},
    {"POST", "/collections/d/update", R"({"filter": {}, "update": 5})", 400,
     "update must be an object"},
    {"POST", "/collections/d/update", R"({"filter": {}})", 400, "update is required"},
    {"POST", "/collections/d/update", R"({"update": {"$set": {"a": 1}}})", 400,
     "filter is required"},
    {"POST", "/collections/d/delete", R"({})", 400, "filter is required"},
    {"POST", "/collections/d/delete", R"({"filter": {}, "many": "all"})", 400,
     "many must be a boolean"},
    {"POST", "/collections/d/distinct", R"({})", 400, "field is required"},
    {"POST", "/collections/d/distinct", R"({"field": 3})", 400, "field must be a string"},
    {"POST", "/collections/d/aggregate", R"({"pipeline": {}})", 400, "pipeline must be an array"},
    {"POST", "/collections/d/aggregate", R"({})", 400, "pipeline is required"},
    {"POST", "/collections/d/aggregate", "5", 400, "pipeline array"},
    // Unknown operators, named.
    {"POST", "/collections/d/query", R"({"filter": {"a": {"$frob": 1}}})", 400, "$frob"},
    {"POST", "/collections/d/count", R"({"filter": {"$nope": []}})", 400, "$nope"},
    {"POST", "/collections/d/update", R"({"filter": {}, "update": {"$zap": {"a": 1}}})", 400,
     "$zap"},
    {"PATCH", "/collections/d/k1", R"({"$zap": {"a": 1}})", 400, "$zap"},
    {"POST", "/collections/d/aggregate", R"([{"$teleport": {}}])", 400, "$teleport"},
    {"POST", "/collections/d/aggregate", R"([{"$project": {"x": {"$warp": 1}}}])", 400, "$warp"},
    {"POST", "/collections/d/query", R"({"sort": {"a": 2}})", 400, "sort"},
    // Features the language lacks are bad input too (400, not 501).
    {"PATCH", "/collections/d/k1", R"({"$set": {"a.$": 1}})", 400, "positional"},
    {"POST", "/collections/d/query", R"({"projection": {"a.$": 1}})", 400, "projection"},
    // Writes refused by the data: nothing changes.
    {"POST", "/collections/d", R"({"_id": "k1"})", 409, "k1"},
    {"POST", "/collections/d/bulk", R"([{"_id": "n1"}, {"_id": "k2"}])", 409, "document 1"},
    {"POST", "/collections/d/update", R"({"filter": {"_id": "k1"}, "update": {"$inc": {"s": 1}}})",
     400, ""},
    {"POST", "/collections/d/update", R"({"filter": {}, "update": {"x": 1}, "many": true})", 400,
     "operators"},
    {"PATCH", "/collections/d/k1", R"({"$set": {"_id": "other"}})", 400, "_id"},
    // Missing things.
    {"GET", "/collections/d/nope", "", 404, "nope"},
    {"DELETE", "/collections/d/nope", "", 404, "nope"},
    {"DELETE", "/collections/missing", "", 404, "missing"},
    {"DELETE", "/collections/d/indexes/none", "", 404, "none"},
    {"GET", "/collections/missing/indexes", "", 404, "missing"},
    {"POST", "/collections/missing/query", "{}", 404, "missing"},
    {"POST", "/txn/t1-nothing/commit", "", 404, "t1-nothing"},
    {"POST", "/txn/t1-nothing/collections/d", "{}", 404, "t1-nothing"},
    // Collections and indexes.
    {"POST", "/collections", R"({"name": "d"})", 409, "exists"},
    {"POST", "/collections/d/indexes", R"({"fields": {"s": 1}})", 409, "exists"},
    {"POST", "/collections/d/indexes", R"({"fields": {"n": 1}, "unique": true})", 409, "duplicate"},
    {"POST", "/collections/d/indexes", R"({"fields": {"n": 1}, "kind": "quantum"})", 400,
     "quantum"},
};

TEST_F(RoutesTest, BadInputGets4xxAndChangesNothing) {
  ASSERT_EQ(Post("/collections/d/bulk", R"([{"_id": "k1", "s": "text", "n": 1},
                                            {"_id": "k2", "n": 1}, {"_id": "k3", "n": 2}])")
                .status,
            201);
  ASSERT_EQ(Post("/collections/d/indexes", R"({"fields": {"s": 1}})").status, 201);
  std::string docs = Snapshot("d");
  std::string collections = Get("/collections").text;
  std::string indexes = Get("/collections/d/indexes").text;
  for (const BadCase& c : kBadCases) {
    SCOPED_TRACE(std::string(c.method) + " " + c.target + " " + c.body);
    Reply r = Call(c.method, c.target, c.body);
    EXPECT_EQ(r.status, c.status) << r;
    EXPECT_NE(r.message().find(c.message), std::string::npos) << r;
    EXPECT_FALSE(r.code().empty()) << r;
    EXPECT_EQ(Snapshot("d"), docs);
    EXPECT_EQ(Get("/collections").text, collections);
    EXPECT_EQ(Get("/collections/d/indexes").text, indexes);
  }
}

// The JSON peer suite (../shared/peer-suites/json beside the repository) as request bodies:
// n_ files get a 4xx, i_ files never a 5xx, y_ values wrapped in a document read back unchanged.
TEST_F(RoutesTest, JsonPeerSuiteBodies) {
  std::string here = __FILE__;
  std::filesystem::path dir =
      here.substr(0, here.rfind("/src/server/")) + "/../shared/peer-suites/json/test_parsing";
  if (!std::filesystem::exists(dir)) GTEST_SKIP() << "peer suite not found at " << dir;
  int refused = 0, accepted = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    std::string name = entry.path().filename().string();
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    SCOPED_TRACE(name);
    if (name.starts_with("y_")) {
      auto expected = codec::ParseJson(text.str());
      ASSERT_TRUE(expected.ok());
      Reply r = Post("/collections/peer", R"({"_id": ")" + name + R"(", "v": )" + text.str() + "}");
      ASSERT_EQ(r.status, 201) << r;
      Reply back = Get("/collections/peer/" + name);
      ASSERT_EQ(back.status, 200) << back;
      EXPECT_EQ(*back.body.Find("v"), *expected) << back;
      ++accepted;
    } else {
      Reply r = Post("/collections/peer", text.str());
      EXPECT_LT(r.status, 500) << r;
      if (name.starts_with("n_")) {
        EXPECT_GE(r.status, 400) << r;
        ++refused;
      }
    }
  }
  EXPECT_GT(refused, 100);
  EXPECT_GT(accepted, 50);
}

TEST(JsonBodyTest, Helpers) {
  HttpRequest req;
  ASSERT_TRUE(ParseTarget("/x?limit=25&neg=-3&flag=true&off=0&j=%7B%22a%22%3A1%7D", &req));
  EXPECT_EQ(*QueryInt(req, "limit", 7), 25);
  EXPECT_EQ(*QueryInt(req, "absent", 7), 7);
  EXPECT_EQ(*QueryInt(req, "neg", 0), -3);
  EXPECT_EQ(QueryInt(req, "neg", 0, 0).status().message(),
            "query parameter neg must be at least 0");
  EXPECT_EQ(QueryInt(req, "limit", 0, 0, 10).status().message(),
            "query parameter limit must be at most 10");
  EXPECT_EQ(QueryInt(req, "flag", 0).status().message(),
            "query parameter flag must be an integer, not 'true'");
  EXPECT_TRUE(*QueryBool(req, "flag", false));
  EXPECT_FALSE(*QueryBool(req, "off", true));
  EXPECT_EQ(codec::ToJson(*QueryJson(req, "j")), R"({"a":1})");
  EXPECT_TRUE(QueryJson(req, "absent")->is_null());

  req.body = " \n";
  EXPECT_TRUE(ParseObjectBody(req, true)->is_object());
  EXPECT_FALSE(ParseObjectBody(req, false).ok());
  req.body = "{\"a\": 1,\n \"b\": }";
  Status s = ParseJsonBody(req).status();
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_NE(s.message().find("request body: line 2, column"), std::string::npos) << s.ToString();

  Value obj =
      *codec::ParseJson(R"({"n": 10.0, "f": 1.5, "b": true, "s": "x", "o": {}, "z": null})");
  EXPECT_EQ(*GetInt(obj, "n", 0), 10);
  EXPECT_EQ(GetInt(obj, "f", 0).status().message(), "f must be an integer");
  EXPECT_EQ(*GetInt(obj, "z", 4), 4);
  EXPECT_EQ(GetBool(obj, "s", false).status().message(), "s must be a boolean");
  EXPECT_EQ(GetString(obj, "b").status().message(), "b must be a string");
  EXPECT_EQ(GetObject(obj, "s").status().message(), "s must be an object");
  EXPECT_EQ(GetArray(obj, "o").status().message(), "o must be an array");
  EXPECT_TRUE(CheckFields(obj, {"n", "f", "b", "s", "o", "z"}).ok());
  EXPECT_EQ(CheckFields(obj, {"n", "f"}).message(),
            "unknown field 'b' in request body; expected n, f");

  HttpResponse resp = JsonResponse(Value::MakeObject({{"a", 1}}), 201);
  EXPECT_EQ(resp.status, 201);
  EXPECT_EQ(resp.body, R"({"a":1})");
  EXPECT_EQ(resp.content_type, "application/json");
}

}  // namespace
}  // namespace strata::server
