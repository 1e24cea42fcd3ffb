// Transactions through the route table: begin, operations, commit, conflict, cancel, ownership.
#include "server/http_dispatch.h"
#include "server/routes_test_util.h"

namespace strata::server {
namespace {

class TxnRoutesTest : public RoutesTest {
 protected:
  std::string Begin() {
    Reply r = Post("/txn", "");
    EXPECT_EQ(r.status, 201) << r;
    const Value* id = r.body.Find("txn");
    return id != nullptr && id->is_string() ? id->as_string() : "";
  }
  int64_t Int(const Reply& r, std::string_view path) {
    const Value* v = r.body.FindPath(path);
    return v != nullptr && v->is_int() ? v->as_int() : -999;
  }
};

TEST_F(TxnRoutesTest, CommitMakesWritesVisible) {
  ASSERT_EQ(Post("/collections/t", R"({"_id": "a", "n": 1})").status, 201);
  std::string txn = Begin();
  ASSERT_FALSE(txn.empty());
  std::string base = "/txn/" + txn + "/collections/t";
  Reply r = Post(base, R"({"_id": "b", "n": 2})");
  ASSERT_EQ(r.status, 201) << r;
  EXPECT_EQ(r.body.Find("_id")->as_string(), "b");
  EXPECT_EQ(Call("PATCH", base + "/a", R"({"$inc": {"n": 10}})").status, 200);
  r = Post(base + "/update", R"({"filter": {"_id": "b"}, "update": {"$set": {"seen": true}}})");
  ASSERT_EQ(r.status, 200) << r;
  EXPECT_EQ(Int(r, "modified"), 1);

  // Inside: the transaction's own writes. Outside: nothing yet.
  EXPECT_EQ(Int(Get(base + "/a"), "n"), 11);
  r = Post(base + "/query", R"({"filter": {}, "sort": {"_id": 1}})");
  ASSERT_EQ(r.status, 200) << r;
  EXPECT_EQ(r.body.Find("documents")->as_array().size(), 2u);
  EXPECT_EQ(Get("/collections/t/b").status, 404);
  EXPECT_EQ(Int(Get("/collections/t/a"), "n"), 1);

  r = Post("/txn/" + txn + "/commit", "");
  ASSERT_EQ(r.status, 200) << r;
  EXPECT_EQ(Int(Get("/collections/t/a"), "n"), 11);
  EXPECT_TRUE(Get("/collections/t/b").body.Find("seen")->as_bool());
  // The transaction is gone.
  EXPECT_EQ(Post("/txn/" + txn + "/commit", "").status, 404);
  EXPECT_EQ(Get(base + "/a").status, 404);
  EXPECT_EQ(service_->txns()->size(), 0u);
}

TEST_F(TxnRoutesTest, ConflictAtCommitIs409AndEndsTheTransaction) {
  ASSERT_EQ(Post("/collections/c", R"({"_id": "x", "n": 0})").status, 201);
  std::string t1 = Begin(), t2 = Begin();
  ASSERT_EQ(Call("PATCH", "/txn/" + t1 + "/collections/c/x", R"({"$inc": {"n": 1}})").status, 200);
  ASSERT_EQ(Call("PATCH", "/txn/" + t2 + "/collections/c/x", R"({"$inc": {"n": 5}})").status, 200);
  ASSERT_EQ(Post("/txn/" + t1 + "/commit", "").status, 200);
  Reply r = Post("/txn/" + t2 + "/commit", "");
  EXPECT_EQ(r.status, 409) << r;
  EXPECT_EQ(r.code(), "conflict");
  EXPECT_EQ(Post("/txn/" + t2 + "/commit", "").status, 404);
  EXPECT_EQ(Int(Get("/collections/c/x"), "n"), 1);
  EXPECT_EQ(service_->txns()->size(), 0u);
}

TEST_F(TxnRoutesTest, CancelDiscardsWrites) {
  ASSERT_EQ(Post("/collections/k", R"({"_id": "a"})").status, 201);
  std::string txn = Begin();
  std::string base = "/txn/" + txn + "/collections/k";
  ASSERT_EQ(Post(base, R"({"_id": "b"})").status, 201);
  ASSERT_EQ(Call("DELETE", base + "/a").status, 200);
  ASSERT_EQ(Post("/txn/" + txn + "/cancel", "").status, 200);
  EXPECT_EQ(Get("/collections/k/a").status, 200);
  EXPECT_EQ(Get("/collections/k/b").status, 404);
  EXPECT_EQ(Post("/txn/" + txn + "/cancel", "").status, 404);

  txn = Begin();
  base = "/txn/" + txn + "/collections/k";
  ASSERT_EQ(Call("PUT", base + "/a", R"({"replaced": true})").status, 200);
  Reply r = Post(base + "/delete", R"({"filter": {}, "many": true})");
  ASSERT_EQ(r.status, 200) << r;
  EXPECT_EQ(Int(r, "deleted"), 1);
  ASSERT_EQ(Call("DELETE", "/txn/" + txn).status, 200);
  EXPECT_EQ(Get("/collections/k/a").body.Find("replaced"), nullptr);
  EXPECT_EQ(service_->txns()->size(), 0u);
}

TEST_F(TxnRoutesTest, ErrorsInsideATransaction) {
  ASSERT_EQ(Post("/collections/e", R"({"_id": "a", "n": 1})").status, 201);
  std::string txn = Begin();
  std::string base = "/txn/" + txn + "/collections/e";
  ASSERT_EQ(Post(base, R"({"_id": "b"})").status, 201);
  // Failed operations leave the transaction usable and its earlier writes in place.
  EXPECT_EQ(Post(base, R"({"_id": "a"})").status, 409);
  EXPECT_EQ(Post(base, R"({"_id": "c")").status, 400);
  EXPECT_EQ(Post(base + "/query", R"({"filter": {"n": {"$bogus": 1}}})").status, 400);
  EXPECT_EQ(Post(base + "/update", R"({"update": {"$set": {"n": 2}}})").status, 400);
  EXPECT_EQ(Post(base + "/update", R"({"filter": {}, "update": {"$frob": {"n": 2}}})").status, 400);
  EXPECT_EQ(Post(base + "/delete", R"({"many": true})").status, 400);
  EXPECT_EQ(Get(base + "/zzz").status, 404);
  EXPECT_EQ(Call("PATCH", base + "/zzz", R"({"n": 3})").status, 404);
  EXPECT_EQ(Get("/txn/" + txn + "/collections/missing/a").status, 404);
  EXPECT_EQ(Post("/txn/" + txn + "/collections/missing/query", "{}").status, 404);
  EXPECT_EQ(Get("/collections/missing").status, 404);  // reading did not create it
  // Unknown transaction, and another key's transaction.
  EXPECT_EQ(Post("/txn/t999-00000000/commit", "").status, 404);
  ApiKeyInfo other = admin_;
  other.id = "someone-else";
  EXPECT_EQ(Call("POST", "/txn/" + txn + "/commit", "", other).status, 403);
  ASSERT_EQ(Post("/txn/" + txn + "/commit", "").status, 200);
  EXPECT_EQ(Get("/collections/e/b").status, 200);
  EXPECT_EQ(Post("/collections/e/count", "{}").body.Find("count")->as_int(), 2);
}

// Through the dispatcher (keys and roles checked): a read key reads and may run a read-only
// transaction, but cannot write, create or drop; a write key cannot drop.
TEST_F(TxnRoutesTest, RolesThroughTheDispatcher) {
  auto read = service_->keys()->Create("reader", Role::kRead);
  auto write = service_->keys()->Create("writer", Role::kWrite);
  ASSERT_TRUE(read.ok() && write.ok());
  auto send = [&](const std::string& key, const std::string& method, const std::string& target,
                  const std::string& body = "") {
    HttpRequest request;
    request.method = method;
    EXPECT_TRUE(ParseTarget(target, &request));
    request.body = body;
    if (!key.empty()) request.headers.emplace_back("x-api-key", key);
    return Dispatch(service_.get(), router_, request);
  };
  const std::string& reader = read->first;
  const std::string& writer = write->first;
  EXPECT_EQ(send(writer, "POST", "/collections/r", R"({"_id": "a"})").status, 201);
  EXPECT_EQ(send(reader, "POST", "/collections/r", R"({"_id": "b"})").status, 403);
  EXPECT_EQ(send("", "GET", "/collections/r/a").status, 401);
  EXPECT_EQ(send(reader, "GET", "/collections/r/a").status, 200);
  EXPECT_EQ(send(reader, "POST", "/collections/r/query", "{}").status, 200);
  EXPECT_EQ(send(reader, "POST", "/collections", R"({"name": "n"})").status, 403);
  EXPECT_EQ(send(writer, "POST", "/collections/r/indexes", R"({"fields": {"x": 1}})").status, 201);
  EXPECT_EQ(send(writer, "DELETE", "/collections/r/indexes/x_1").status, 403);
  EXPECT_EQ(send(writer, "DELETE", "/collections/r").status, 403);

  HttpResponse begun = send(reader, "POST", "/txn");
  ASSERT_EQ(begun.status, 201) << begun.body;
  std::string txn = codec::ParseJson(begun.body)->Find("txn")->as_string();
  EXPECT_EQ(send(reader, "GET", "/txn/" + txn + "/collections/r/a").status, 200);
  EXPECT_EQ(send(reader, "POST", "/txn/" + txn + "/collections/r", "{}").status, 403);
  EXPECT_EQ(send(writer, "POST", "/txn/" + txn + "/commit").status, 403);  // not its transaction
  EXPECT_EQ(send(reader, "POST", "/txn/" + txn + "/commit").status, 200);
  EXPECT_EQ(send(std::string(), "DELETE", "/collections/r").status, 401);
}

}  // namespace
}  // namespace strata::server
