// The HTTP API end to end: every route group, auth, limits, graceful shutdown and restart.
#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include "e2e_util.h"

namespace strata::e2e {
namespace {

TEST_F(E2ETest, StatusNeedsNoKeyAndEverythingElseDoes) {
  ASSERT_FALSE(admin_.empty()) << "first start prints an admin key";
  auto anon = Client("");
  EXPECT_EQ(Call(*anon, "GET", "/status").status, 200);
  auto r = Call(*anon, "GET", "/collections");
  EXPECT_EQ(r.status, 401) << r.body;
  EXPECT_NE(r.body.find("\"unauthenticated\""), std::string::npos) << r.body;
  auto wrong = Client("sk_0000000000000000_notarealkeynotarealkeynotarealkeynotarea");
  EXPECT_EQ(Call(*wrong, "GET", "/collections").status, 401);
  auto admin = Client(admin_);
  EXPECT_EQ(Call(*admin, "GET", "/collections").status, 200);
  // The Bearer form works too.
  auto raw = Client("");
  auto bearer = raw->Request("GET", "/collections", {}, {{"Authorization", "Bearer " + admin_}});
  ASSERT_TRUE(bearer.ok());
  EXPECT_EQ(bearer->status, 200);
}

TEST_F(E2ETest, RolesAndRevokedKeys) {
  std::string reader = CreateKey("read"), writer = CreateKey("write");
  auto admin = Client(admin_);
  ASSERT_EQ(Call(*admin, "POST", "/collections/people", R"({"_id": "a", "n": 1})").status, 201);
  auto r = Client(reader);
  EXPECT_EQ(Call(*r, "GET", "/collections/people/a").status, 200);
  EXPECT_EQ(Call(*r, "POST", "/collections/people", R"({"n": 2})").status, 403);
  EXPECT_EQ(Call(*r, "DELETE", "/collections/people/a").status, 403);
  auto w = Client(writer);
  EXPECT_EQ(Call(*w, "POST", "/collections/people", R"({"n": 2})").status, 201);
  EXPECT_EQ(Call(*w, "GET", "/keys").status, 403) << "keys are for admins";
  // Revoke the writer: refused from then on.
  Value keys = Json(Call(*admin, "GET", "/keys"));
  std::string writer_id = writer.substr(3, 16);
  EXPECT_EQ(Call(*admin, "DELETE", "/keys/" + writer_id).status, 200);
  EXPECT_EQ(Call(*w, "POST", "/collections/people", R"({"n": 3})").status, 401);
  EXPECT_EQ(Call(*admin, "GET", "/collections/people/a").status, 200);
}

TEST_F(E2ETest, DocumentsQueriesIndexesAndAggregation) {
  auto c = Client(admin_);
  auto created = Call(*c, "POST", "/collections", R"({"name": "orders"})");
  ASSERT_EQ(created.status, 201) << created.body;
  std::string bulk = "[";
  for (int i = 0; i < 300; ++i) {
    if (i > 0) bulk += ",";
    bulk += R"({"_id": "o)" + std::to_string(1000 + i) + R"(", "n": )" + std::to_string(i) +
            R"(, "g": ")" + std::string(1, static_cast<char>('a' + i % 3)) + "\"}";
  }
  bulk += "]";
  auto inserted = Call(*c, "POST", "/collections/orders/bulk", bulk);
  ASSERT_EQ(inserted.status, 201) << inserted.body;
  EXPECT_EQ(Json(inserted).Find("inserted")->as_int(), 300);

  EXPECT_EQ(Call(*c, "GET", "/collections/orders/o1005").status, 200);
  EXPECT_EQ(Call(*c, "GET", "/collections/orders/nope").status, 404);
  EXPECT_EQ(Call(*c, "PATCH", "/collections/orders/o1005", R"({"$set": {"x": true}})").status, 200);
  Value got = Json(Call(*c, "GET", "/collections/orders/o1005"));
  ASSERT_NE(got.Find("x"), nullptr) << codec::ToJson(got);
  EXPECT_EQ(Call(*c, "PUT", "/collections/orders/o1006", R"({"n": -1})").status, 200);
  EXPECT_EQ(Json(Call(*c, "GET", "/collections/orders/o1006")).Find("n")->as_int(), -1);

  // Paging by token through all 300.
  std::set<std::string> seen;
  std::string token;
  for (int page = 0; page < 10; ++page) {
    std::string target = "/collections/orders?limit=128";
    if (!token.empty()) target += "&token=" + token;
    Value v = Json(Call(*c, "GET", target));
    for (const Value& d : v.Find("documents")->as_array()) seen.insert(d.Find("_id")->as_string());
    const Value* t = v.Find("token");
    if (t == nullptr) break;
    token = t->as_string();
  }
  EXPECT_EQ(seen.size(), 300u);

  EXPECT_EQ(Call(*c, "POST", "/collections/orders/indexes", R"({"fields": {"n": 1}})").status, 201);
  Value q = Json(Call(*c, "POST", "/collections/orders/query",
                      R"({"filter": {"n": {"$gte": 10, "$lt": 15}}, "sort": {"n": -1}})"));
  ASSERT_EQ(q.Find("documents")->as_array().size(), 5u);
  EXPECT_EQ(q.Find("documents")->as_array()[0].Find("n")->as_int(), 14);
  Value ex = Json(Call(*c, "POST", "/collections/orders/explain", R"({"filter": {"n": 3}})"));
  EXPECT_NE(codec::ToJson(ex).find("IXSCAN"), std::string::npos) << codec::ToJson(ex);
  EXPECT_EQ(Json(Call(*c, "POST", "/collections/orders/count", R"({"filter": {"g": "a"}})"))
                .Find("count")
                ->as_int(),
            99);  // o1006 was replaced by a document without g
  auto agg = Call(*c, "POST", "/collections/orders/aggregate",
                  R"([{"$group": {"_id": "$g", "c": {"$sum": 1}}}, {"$sort": {"_id": 1}}])");
  EXPECT_EQ(agg.status, 200) << agg.body;
  EXPECT_NE(agg.body.find("\"c\":99"), std::string::npos) << agg.body;
  auto distinct = Call(*c, "POST", "/collections/orders/distinct", R"({"field": "g"})");
  EXPECT_EQ(distinct.status, 200) << distinct.body;
  auto del =
      Call(*c, "POST", "/collections/orders/delete", R"({"filter": {"g": "b"}, "many": true})");
  EXPECT_EQ(del.status, 200) << del.body;
  EXPECT_EQ(Json(Call(*c, "POST", "/collections/orders/count", "{}")).Find("count")->as_int(), 200);
  Value check = Json(Call(*c, "POST", "/check", "{}"));
  EXPECT_NE(codec::ToJson(check).find("\"findings\":[]"), std::string::npos)
      << codec::ToJson(check);
  auto metrics = Call(*c, "GET", "/metrics");
  EXPECT_NE(metrics.body.find("strata_requests_total{protocol=\"http\""), std::string::npos);
  EXPECT_NE(metrics.body.find("strata_request_seconds_bucket"), std::string::npos);
  EXPECT_EQ(Call(*c, "GET", "/stats").status, 200);
  EXPECT_EQ(Call(*c, "DELETE", "/collections/orders").status, 200);
  EXPECT_EQ(Call(*c, "GET", "/collections/orders/o1001").status, 404);
}

TEST_F(E2ETest, TransactionsCommitAndConflict) {
  auto c = Client(admin_);
  ASSERT_EQ(Call(*c, "POST", "/collections/acct", R"({"_id": "x", "v": 1})").status, 201);
  std::string t1 = Json(Call(*c, "POST", "/txn")).Find("txn")->as_string();
  std::string t2 = Json(Call(*c, "POST", "/txn")).Find("txn")->as_string();
  EXPECT_EQ(Call(*c, "GET", "/txn/" + t1 + "/collections/acct/x").status, 200);
  EXPECT_EQ(Call(*c, "POST", "/txn/" + t1 + "/collections/acct/update",
                 R"({"filter": {"_id": "x"}, "update": {"$inc": {"v": 1}}})")
                .status,
            200);
  EXPECT_EQ(Call(*c, "POST", "/txn/" + t2 + "/collections/acct/update",
                 R"({"filter": {"_id": "x"}, "update": {"$inc": {"v": 10}}})")
                .status,
            200);
  EXPECT_EQ(Call(*c, "POST", "/txn/" + t1 + "/commit").status, 200);
  EXPECT_EQ(Call(*c, "POST", "/txn/" + t2 + "/commit").status, 409);
  EXPECT_EQ(Json(Call(*c, "GET", "/collections/acct/x")).Find("v")->as_int(), 2);
  EXPECT_EQ(Call(*c, "POST", "/txn/" + t2 + "/commit").status, 404) << "gone after a conflict";
}

TEST_F(E2ETest, OversizedBodyIsRefusedAndNothingChanges) {
  server_.reset();
  StartServer({"--max-body", "4096"});
  auto c = Client(admin_);
  std::string big = R"({"pad": ")" + std::string(10000, 'x') + "\"}";
  auto r = c->Request("POST", "/collections/big", big);
  if (r.ok()) {  // else the server closed on us: also refused
    EXPECT_EQ(r->status, 413) << r->body;
  }
  auto c2 = Client(admin_);
  EXPECT_EQ(Call(*c2, "GET", "/collections/big/anything").status, 404);
  EXPECT_EQ(Call(*c2, "POST", "/collections/big", R"({"_id": "s"})").status, 201);
}

TEST_F(E2ETest, TooManyConnectionsAreRefused) {
  server_.reset();
  StartServer({"--max-connections", "2"});
  auto a = Client(admin_), b = Client(admin_);
  ASSERT_EQ(Call(*a, "GET", "/status").status, 200);
  ASSERT_EQ(Call(*b, "GET", "/status").status, 200);
  auto third = Client(admin_);
  auto r = third->Request("GET", "/status");
  if (r.ok()) {
    EXPECT_EQ(r->status, 503) << r->body;
  } else {
    SUCCEED() << "closed: " << r.status().ToString();
  }
  a.reset();
  // Once one closes, new connections are served again.
  bool served = false;
  for (int i = 0; i < 50 && !served; ++i) {
    auto again = Client(admin_);
    auto s = again->Request("GET", "/status");
    served = s.ok() && s->status == 200;
    if (!served) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(served);
}

TEST_F(E2ETest, GracefulShutdownKeepsEveryAcknowledgedWriteAndRestartKeepsData) {
  std::atomic<bool> stop{false};
  std::mutex mu;
  std::vector<std::string> acked;
  std::vector<std::thread> writers;
  for (int t = 0; t < 4; ++t) {
    writers.emplace_back([&, t] {
      auto c = Client(admin_);
      for (int i = 0; !stop; ++i) {
        std::string id = "w" + std::to_string(t) + "-" + std::to_string(i);
        auto r = c->Request("POST", "/collections/log", R"({"_id": ")" + id + "\"}");
        if (!r.ok() || r->status != 201) break;
        std::lock_guard<std::mutex> lock(mu);
        acked.push_back(id);
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  int status = server_->Stop();
  stop = true;
  for (auto& w : writers) w.join();
  EXPECT_EQ(status, 0) << server_->log();
  ASSERT_GT(acked.size(), 0u);
  StartServer({});
  EXPECT_TRUE(server_->admin_key().empty()) << "no new admin key on a later start";
  auto c = Client(admin_);
  for (const std::string& id : acked) {
    ASSERT_EQ(Call(*c, "GET", "/collections/log/" + id).status, 200) << id;
  }
}

TEST_F(E2ETest, UnknownRoutesAndMethods) {
  auto c = Client(admin_);
  EXPECT_EQ(Call(*c, "GET", "/nope").status, 404);
  EXPECT_EQ(Call(*c, "PATCH", "/status").status, 405);
}

}  // namespace
}  // namespace strata::e2e
