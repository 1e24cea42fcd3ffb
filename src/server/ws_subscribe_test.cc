// Subscriptions of the binary WebSocket protocol: filters, key ranges, order and completeness
// under concurrent writers, unsubscribing, and the bounded queue.
#include <gtest/gtest.h>

#include <thread>

#include "server/ws_connection.h"
#include "server/ws_test_util.h"

namespace strata::server {
namespace {

std::vector<Response> Events(const std::vector<Response>& frames, uint32_t id) {
  std::vector<Response> out;
  for (const Response& r : frames) {
    if (r.id == id && r.kind == Kind::kEvent) out.push_back(r);
  }
  return out;
}

bool WaitEvents(FakeSink* sink, uint32_t id, size_t n) {
  return sink->WaitFor(
      [&](const std::vector<Response>& frames) { return Events(frames, id).size() >= n; });
}

uint32_t Subscribe(WsConnection* conn, FakeSink* sink, uint32_t id, const Value& payload) {
  std::string msg;
  ws::AppendRequest(&msg, Command::kSubscribe, id, payload);
  conn->OnMessage(msg);
  auto frames = ForId(sink->Frames(), id);
  EXPECT_EQ(frames.size(), 1u);
  if (!frames.empty()) {
    EXPECT_EQ(frames[0].payload, Obj({{"ok", true}}));
  }
  return id;
}

TEST_F(WsConnectionTest, CollectionSubscriptionWithFilter) {
  FakeSink sink;
  WsConnection conn(service_.get(), admin_, &sink);
  uint32_t sub = Subscribe(
      &conn, &sink, 1, Obj({{"collection", "s"}, {"filter", Obj({{"v", Obj({{"$gte", 10}})}})}}));
  Collection s = service_->db()->collection("s");
  ASSERT_TRUE(s.InsertOne(Obj({{"_id", "a"}, {"v", 5}})).ok());
  ASSERT_TRUE(s.InsertOne(Obj({{"_id", "b"}, {"v", 15}})).ok());
  ASSERT_TRUE(service_->db()->collection("other").InsertOne(Obj({{"v", 50}})).ok());
  ASSERT_TRUE(s.UpdateOne(Obj({{"_id", "b"}}), Obj({{"$set", Obj({{"v", 20}})}})).ok());
  ASSERT_TRUE(s.DeleteOne(Obj({{"_id", "b"}})).ok());
  ASSERT_TRUE(WaitEvents(&sink, sub, 3));
  auto events = Events(sink.Frames(), sub);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(*events[0].payload.Find("op"), Value("insert"));
  EXPECT_EQ(*events[0].payload.Find("collection"), Value("s"));
  EXPECT_EQ(*events[0].payload.Find("id"), Value("b"));
  EXPECT_EQ(*events[0].payload.Find("doc"), Obj({{"_id", "b"}, {"v", 15}}));
  EXPECT_EQ(*events[1].payload.Find("op"), Value("update"));
  EXPECT_EQ(*events[1].payload.Find("doc"), Obj({{"_id", "b"}, {"v", 20}}));
  EXPECT_EQ(*events[2].payload.Find("op"), Value("delete"));
  EXPECT_EQ(events[2].payload.Find("doc"), nullptr);
  EXPECT_LT(events[0].payload.Find("seq")->as_int(), events[1].payload.Find("seq")->as_int());
  EXPECT_LT(events[1].payload.Find("seq")->as_int(), events[2].payload.Find("seq")->as_int());

  // Unsubscribing answers after the events queued before it, and nothing follows.
  ASSERT_TRUE(s.InsertOne(Obj({{"_id", "c"}, {"v", 11}})).ok());
  auto frames = Call(&conn, &sink, Command::kUnsubscribe, Obj({{"id", static_cast<int>(sub)}}));
  EXPECT_EQ(frames.back().payload, Obj({{"ok", true}}));
  EXPECT_EQ(Events(sink.Frames(), sub).size(), 4u);
  ASSERT_TRUE(s.InsertOne(Obj({{"_id", "d"}, {"v", 12}})).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(Events(sink.Frames(), sub).size(), 4u);
  EXPECT_EQ(Err(&conn, &sink, Command::kUnsubscribe, Obj({{"id", static_cast<int>(sub)}})),
            "not_found");
}

TEST_F(WsConnectionTest, SubscribeRefusals) {
  FakeSink sink;
  WsConnection conn(service_.get(), admin_, &sink);
  EXPECT_EQ(Err(&conn, &sink, Command::kSubscribe,
                Obj({{"collection", "s"}, {"filter", Obj({{"$bogus", 1}})}})),
            "invalid_argument");
  EXPECT_EQ(Err(&conn, &sink, Command::kSubscribe,
                Obj({{"start", Value::Binary("b")}, {"end", Value::Binary("a")}})),
            "invalid_argument");
  Subscribe(&conn, &sink, 5, Obj({{"collection", "s"}}));
  std::string msg;
  ws::AppendRequest(&msg, Command::kSubscribe, 5, Obj({{"collection", "t"}}));
  conn.OnMessage(msg);
  auto frames = ForId(sink.Frames(), 5);
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(frames[1].kind, Kind::kError);
  EXPECT_EQ(Err(&conn, &sink, Command::kUnsubscribe, Obj({{"id", 999}})), "not_found");
}

TEST_F(WsConnectionTest, KeyRangeSubscription) {
  FakeSink sink;
  WsConnection conn(service_.get(), admin_, &sink);
  uint32_t sub = Subscribe(&conn, &sink, 1,
                           Obj({{"start", Value::Binary(std::string(1, '\x02'))},
                                {"end", Value::Binary(std::string(1, '\x03'))}}));
  Collection k = service_->db()->collection("k");
  ASSERT_TRUE(k.InsertOne(Obj({{"_id", 1}, {"x", "y"}})).ok());
  ASSERT_TRUE(k.DeleteOne(Obj({{"_id", 1}})).ok());
  ASSERT_TRUE(WaitEvents(&sink, sub, 2));
  auto events = Events(sink.Frames(), sub);
  ASSERT_EQ(events.size(), 2u);
  const Value& key = *events[0].payload.Find("key");
  ASSERT_TRUE(key.is_binary());
  EXPECT_EQ(key.as_binary()[0], '\x02');
  Value doc;
  ASSERT_TRUE(
      codec::DecodeDocument(Slice(events[0].payload.Find("value")->as_binary()), &doc).ok());
  EXPECT_EQ(doc, Obj({{"_id", 1}, {"x", "y"}}));
  EXPECT_EQ(*events[1].payload.Find("op"), Value("delete"));
  EXPECT_EQ(*events[1].payload.Find("key"), key);
  EXPECT_EQ(events[1].payload.Find("value"), nullptr);
}

TEST_F(WsConnectionTest, SubscriptionSeesEveryCommitInOrderUnderConcurrentWriters) {
  Reopen(64 << 20);
  FakeSink sink;
  WsConnection conn(service_.get(), admin_, &sink);
  uint32_t sub = Subscribe(&conn, &sink, 1, Obj({{"collection", "w"}}));
  constexpr int kWriters = 4, kEach = 250;
  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      Collection c = service_->db()->collection("w");
      for (int i = 0; i < kEach; ++i) {
        if (i % 10 == 9) {
          auto r = c.UpdateOne(Obj({{"w", w}, {"i", i - 1}}), Obj({{"$set", Obj({{"u", 1}})}}));
          ASSERT_TRUE(r.ok()) << r.status().ToString();
        } else {
          ASSERT_TRUE(c.InsertOne(Obj({{"w", w}, {"i", i}})).ok());
        }
      }
    });
  }
  for (auto& t : writers) t.join();
  ASSERT_TRUE(WaitEvents(&sink, sub, kWriters * kEach));
  auto events = Events(sink.Frames(), sub);
  ASSERT_EQ(events.size(), static_cast<size_t>(kWriters * kEach));
  int64_t last_seq = -1;
  std::vector<int> next(kWriters, 0);
  for (const Response& e : events) {
    int64_t seq = e.payload.Find("seq")->as_int();
    EXPECT_GT(seq, last_seq);  // one change per commit here: strictly increasing
    last_seq = seq;
    const Value& doc = *e.payload.Find("doc");
    int w = static_cast<int>(doc.Find("w")->as_int());
    int i = static_cast<int>(doc.Find("i")->as_int());
    if (*e.payload.Find("op") == Value("update")) {
      EXPECT_EQ(i + 1, next[w]);  // the update follows the insert it changes
      EXPECT_EQ(next[w] % 10, 9);
      ++next[w];
    } else {
      EXPECT_EQ(i, next[w]);  // each writer's changes in its order, none missing
      ++next[w];
    }
  }
  for (int w = 0; w < kWriters; ++w) EXPECT_EQ(next[w], kEach);
}

TEST_F(WsConnectionTest, SlowSubscriberOverflows) {
  FakeSink sink(/*capacity=*/0);  // the client reads nothing: every Send waits
  WsConnection conn(service_.get(), admin_, &sink);
  uint32_t sub = Subscribe(&conn, &sink, 1, Obj({{"collection", "o"}}));
  Collection o = service_->db()->collection("o");
  for (int i = 0; i < 300; ++i) {
    ASSERT_TRUE(o.InsertOne(Obj({{"i", i}, {"pad", std::string(1000, 'p')}})).ok());
  }
  sink.SetCapacity(SIZE_MAX);  // the client reads again
  ASSERT_TRUE(sink.WaitFor([&](const std::vector<Response>& frames) {
    for (const Response& r : frames) {
      if (r.id == sub && r.kind == Kind::kError) return true;
    }
    return false;
  }));
  auto frames = ForId(sink.Frames(), sub);
  EXPECT_EQ(Code(frames.back()), "overflow");
  EXPECT_LT(Events(sink.Frames(), sub).size(), 300u);
  size_t seen = frames.size();
  ASSERT_TRUE(o.InsertOne(Obj({{"i", 1000}})).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(ForId(sink.Frames(), sub).size(), seen);  // the subscription has ended
  // Unsubscribing an ended subscription: not found.
  EXPECT_EQ(Err(&conn, &sink, Command::kUnsubscribe, Obj({{"id", 1}})), "not_found");
}

TEST_F(WsConnectionTest, CloseRemovesSubscriptions) {
  auto sink = std::make_unique<FakeSink>();
  auto conn = std::make_unique<WsConnection>(service_.get(), admin_, sink.get());
  Subscribe(conn.get(), sink.get(), 1, Obj({{"collection", "z"}}));
  ASSERT_TRUE(service_->db()->collection("z").InsertOne(Obj({{"a", 1}})).ok());
  sink->Close();
  conn->Close();
  conn.reset();
  sink.reset();
  // The listener is gone: committing again touches nothing of the closed connection.
  ASSERT_TRUE(service_->db()->collection("z").InsertOne(Obj({{"a", 2}})).ok());
}

}  // namespace
}  // namespace strata::server
