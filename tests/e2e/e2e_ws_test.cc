// The binary WebSocket protocol end to end: auth at upgrade, pipelined commands, paging and
// subscriptions against the real server.
#include <thread>

#include "client/ws_client.h"
#include "e2e_util.h"
#include "server/ws_protocol.h"

namespace strata::e2e {
namespace {

namespace ws = server::ws;

// Reads messages until `want` frames with message id `id` arrived or the last/error frame came.
std::vector<ws::Response> Collect(client::WsClient& c, uint32_t id, size_t want = 1000000) {
  std::vector<ws::Response> got;
  for (int i = 0; i < 1000 && got.size() < want; ++i) {
    auto msg = c.Receive(10000);
    if (!msg.ok()) {
      ADD_FAILURE() << msg.status().ToString();
      break;
    }
    std::vector<ws::Response> frames;
    Status s = ws::DecodeResponses(*msg, &frames);
    EXPECT_TRUE(s.ok()) << s.ToString();
    bool done = false;
    for (auto& f : frames) {
      if (f.id != id) continue;
      done = f.kind == ws::Kind::kLast || f.kind == ws::Kind::kError ||
             (f.kind == ws::Kind::kResult && want == 1000000);
      got.push_back(std::move(f));
    }
    if (done) break;
  }
  return got;
}

TEST_F(E2ETest, WebSocketRefusesABadKeyAtUpgrade) {
  client::WsClient bad(server_->Options("sk_0123456789abcdef_wrong"));
  EXPECT_FALSE(bad.Connect().ok());
  client::WsClient anon(server_->Options(""));
  ASSERT_TRUE(anon.Connect().ok()) << "no key: allowed to upgrade, then AUTH first";
  std::string m;
  ws::AppendRequest(&m, ws::Command::kGet, 1,
                    Value::MakeObject({{"collection", Value("c")}, {"id", Value("x")}}));
  ASSERT_TRUE(anon.Send(m).ok());
  auto got = Collect(anon, 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].kind, ws::Kind::kError);
  m.clear();
  ws::AppendRequest(&m, ws::Command::kAuth, 2, Value::MakeObject({{"key", Value(admin_)}}));
  ASSERT_TRUE(anon.Send(m).ok());
  got = Collect(anon, 2);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].kind, ws::Kind::kResult) << codec::ToJson(got[0].payload);
}

TEST_F(E2ETest, WebSocketPipelinedWritesReadsAndPages) {
  client::WsClient c(server_->Options(admin_));
  ASSERT_TRUE(c.Connect().ok());
  // 50 inserts and a ping in one message.
  std::string m;
  for (int i = 0; i < 50; ++i) {
    ws::AppendRequest(
        &m, ws::Command::kInsert, 100 + i,
        Value::MakeObject(
            {{"collection", Value("items")},
             {"doc", Value::MakeObject({{"_id", Value(int64_t{i})}, {"v", Value(i * 2)}})}}));
  }
  ws::AppendRequest(&m, ws::Command::kPing, 999, Value(Object{}));
  ASSERT_TRUE(c.Send(m).ok());
  size_t results = 0;
  bool pong = false;
  while (!pong) {
    auto msg = c.Receive(10000);
    ASSERT_TRUE(msg.ok()) << msg.status().ToString();
    std::vector<ws::Response> frames;
    ASSERT_TRUE(ws::DecodeResponses(*msg, &frames).ok());
    for (auto& f : frames) {
      EXPECT_NE(f.kind, ws::Kind::kError) << codec::ToJson(f.payload);
      if (f.id == 999) pong = true;
      if (f.id >= 100 && f.id < 150) ++results;
    }
  }
  EXPECT_EQ(results, 50u);
  m.clear();
  ws::AppendRequest(&m, ws::Command::kGet, 7,
                    Value::MakeObject({{"collection", Value("items")}, {"id", Value(int64_t{7})}}));
  ASSERT_TRUE(c.Send(m).ok());
  auto got = Collect(c, 7);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].kind, ws::Kind::kResult);
  EXPECT_NE(codec::ToJson(got[0].payload).find("14"), std::string::npos)
      << codec::ToJson(got[0].payload);
  // FIND paged by 16 records: 50 documents -> pages of 16, 16, 16 and a last page of 2.
  m.clear();
  ws::AppendRequest(&m, ws::Command::kFind, 8, Value::MakeObject({{"collection", Value("items")}}),
                    ws::Paging{ws::PagingMode::kRecords, 16});
  ASSERT_TRUE(c.Send(m).ok());
  got = Collect(c, 8);
  size_t docs = 0;
  for (const auto& f : got) {
    EXPECT_NE(f.kind, ws::Kind::kError) << codec::ToJson(f.payload);
    EXPECT_LE(f.items.size(), 16u);
    docs += f.items.size();
  }
  EXPECT_EQ(docs, 50u);
  ASSERT_FALSE(got.empty());
  EXPECT_EQ(got.back().kind, ws::Kind::kLast);
  EXPECT_GE(got.size(), 4u);
}

TEST_F(E2ETest, WebSocketSubscriptionSeesEveryCommittedChangeInOrder) {
  client::WsClient c(server_->Options(admin_));
  ASSERT_TRUE(c.Connect().ok());
  std::string m;
  ws::AppendRequest(&m, ws::Command::kSubscribe, 1,
                    Value::MakeObject({{"collection", Value("feed")},
                                       {"filter", Value::MakeObject({{"keep", Value(true)}})}}));
  ASSERT_TRUE(c.Send(m).ok());
  auto ack = Collect(c, 1, 1);
  ASSERT_EQ(ack.size(), 1u);
  ASSERT_NE(ack[0].kind, ws::Kind::kError) << codec::ToJson(ack[0].payload);
  // Writes over HTTP from two threads; only keep=true documents match.
  std::vector<std::thread> writers;
  for (int t = 0; t < 2; ++t) {
    writers.emplace_back([&, t] {
      auto h = Client(admin_);
      for (int i = 0; i < 40; ++i) {
        std::string body = R"({"_id": ")" + std::to_string(t) + "-" + std::to_string(i) +
                           R"(", "keep": )" + (i % 2 == 0 ? "true" : "false") + "}";
        auto r = h->Request("POST", "/collections/feed", body);
        ASSERT_TRUE(r.ok() && r->status == 201);
      }
    });
  }
  for (auto& w : writers) w.join();
  std::set<std::string> ids;
  int64_t last_seq = -1;
  while (ids.size() < 40) {
    auto msg = c.Receive(10000);
    ASSERT_TRUE(msg.ok()) << "events so far: " << ids.size();
    std::vector<ws::Response> frames;
    ASSERT_TRUE(ws::DecodeResponses(*msg, &frames).ok());
    for (auto& f : frames) {
      ASSERT_EQ(f.kind, ws::Kind::kEvent) << codec::ToJson(f.payload);
      const Value* seq = f.payload.Find("seq");
      ASSERT_NE(seq, nullptr);
      EXPECT_GT(seq->as_int(), last_seq) << "commit order";
      last_seq = seq->as_int();
      const Value* doc = f.payload.Find("doc");
      ASSERT_NE(doc, nullptr);
      EXPECT_EQ(*doc->Find("keep"), Value(true));
      ids.insert(f.payload.Find("id")->as_string());
    }
  }
  EXPECT_EQ(ids.size(), 40u);
}

}  // namespace
}  // namespace strata::e2e
