#include "server/ws_connection.h"

#include <gtest/gtest.h>

#include <thread>

#include "server/http_status.h"
#include "server/ws_test_util.h"

namespace strata::server {
namespace {

TEST_F(WsConnectionTest, QuickCommands) {
  FakeSink sink;
  WsConnection conn(service_.get(), admin_, &sink);
  EXPECT_EQ(Ok(&conn, &sink, Command::kPing, Obj({})), Obj({{"pong", true}}));
  EXPECT_EQ(
      Ok(&conn, &sink, Command::kCreateCollection,
         Obj({{"name", "people"},
              {"id_strategy", "autoincrement"},
              {"schema", Value::MakeArray(
                             {Obj({{"path", "name"}, {"type", "string"}, {"required", true}})})}})),
      Obj({{"ok", true}}));
  EXPECT_EQ(Err(&conn, &sink, Command::kCreateCollection, Obj({{"name", "people"}})),
            "already_exists");
  Value r = Ok(&conn, &sink, Command::kInsert,
               Obj({{"collection", "people"}, {"doc", Obj({{"name", "Ada"}, {"age", 36}})}}));
  EXPECT_EQ(r, Obj({{"id", 1}}));
  EXPECT_EQ(Err(&conn, &sink, Command::kInsert,
                Obj({{"collection", "people"}, {"doc", Obj({{"age", 1}})}})),
            "invalid_argument");  // the schema wants a name
  r = Ok(&conn, &sink, Command::kInsertMany,
         Obj({{"collection", "people"},
              {"docs", Value::MakeArray({Obj({{"name", "Bob"}, {"age", 20}}),
                                         Obj({{"name", "Cy"}, {"age", 50}})})}}));
  EXPECT_EQ(r, Obj({{"ids", Value::MakeArray({2, 3})}}));
  r = Ok(&conn, &sink, Command::kGet, Obj({{"collection", "people"}, {"id", 2}}));
  EXPECT_EQ(*r.Find("name"), Value("Bob"));
  EXPECT_EQ(Err(&conn, &sink, Command::kGet, Obj({{"collection", "people"}, {"id", 99}})),
            "not_found");
  r = Ok(&conn, &sink, Command::kUpdate,
         Obj({{"collection", "people"},
              {"filter", Obj({{"age", Obj({{"$gt", 30}})}})},
              {"update", Obj({{"$inc", Obj({{"age", 1}})}})},
              {"many", true}}));
  EXPECT_EQ(r, Obj({{"matched", 2}, {"modified", 2}}));
  r = Ok(&conn, &sink, Command::kUpdate,
         Obj({{"collection", "people"},
              {"filter", Obj({{"name", "Dee"}})},
              {"update", Obj({{"$set", Obj({{"age", 7}})}})},
              {"upsert", true}}));
  EXPECT_EQ(*r.Find("matched"), Value(0));
  EXPECT_EQ(*r.Find("upserted_id"), Value(4));
  r = Ok(&conn, &sink, Command::kReplace,
         Obj({{"collection", "people"},
              {"filter", Obj({{"_id", 4}})},
              {"doc", Obj({{"name", "Dee"}, {"age", 8}})}}));
  EXPECT_EQ(r, Obj({{"matched", 1}, {"modified", 1}}));
  EXPECT_EQ(Ok(&conn, &sink, Command::kCount, Obj({{"collection", "people"}})),
            Obj({{"count", 4}}));
  EXPECT_EQ(Ok(&conn, &sink, Command::kCount,
               Obj({{"collection", "people"}, {"filter", Obj({{"age", Obj({{"$lt", 30}})}})}})),
            Obj({{"count", 2}}));
  r = Ok(&conn, &sink, Command::kDistinct, Obj({{"collection", "people"}, {"path", "age"}}));
  EXPECT_EQ(r.Find("values")->as_array().size(), 4u);
  EXPECT_EQ(Ok(&conn, &sink, Command::kCreateIndex,
               Obj({{"collection", "people"}, {"fields", Obj({{"age", 1}})}, {"name", "by_age"}})),
            Obj({{"ok", true}}));
  r = Ok(&conn, &sink, Command::kExplain,
         Obj({{"collection", "people"}, {"filter", Obj({{"age", 8}})}}));
  EXPECT_EQ(*r.Find("index"), Value("by_age"));
  auto indexes = Items(&conn, &sink, Command::kListIndexes, Obj({{"collection", "people"}}));
  bool found = false;
  for (const Value& v : indexes) {
    if (*v.Find("name") == Value("by_age")) {
      found = true;
      EXPECT_EQ(*v.Find("fields"), Obj({{"age", 1}}));
    }
  }
  EXPECT_TRUE(found);
  EXPECT_EQ(
      Ok(&conn, &sink, Command::kDropIndex, Obj({{"collection", "people"}, {"name", "by_age"}})),
      Obj({{"ok", true}}));
  EXPECT_EQ(Ok(&conn, &sink, Command::kDelete,
               Obj({{"collection", "people"}, {"filter", Obj({{"name", "Dee"}})}})),
            Obj({{"deleted", 1}}));
  EXPECT_EQ(Ok(&conn, &sink, Command::kDelete,
               Obj({{"collection", "people"}, {"filter", Obj({})}, {"many", true}})),
            Obj({{"deleted", 3}}));
  auto colls = Items(&conn, &sink, Command::kListCollections, Obj({}));
  ASSERT_EQ(colls.size(), 1u);
  EXPECT_EQ(*colls[0].Find("name"), Value("people"));
  EXPECT_EQ(*colls[0].Find("id_strategy"), Value("autoincrement"));
  EXPECT_EQ(Ok(&conn, &sink, Command::kDropCollection, Obj({{"name", "people"}})),
            Obj({{"ok", true}}));
  EXPECT_TRUE(Items(&conn, &sink, Command::kListCollections, Obj({})).empty());
  conn.Close();
}

TEST_F(WsConnectionTest, FailedInsertLeavesNoCollection) {
  FakeSink sink;
  WsConnection conn(service_.get(), admin_, &sink);
  std::string before = Fingerprint(/*skip_prefix_counter=*/true);
  // InsertMany is all or nothing: the second _id 1 fails it, and the collection it created goes.
  EXPECT_EQ(Err(&conn, &sink, Command::kInsertMany,
                Obj({{"collection", "fresh"},
                     {"docs", Value::MakeArray({Obj({{"_id", 1}}), Obj({{"_id", 1}})})}})),
            "already_exists");
  // Only the catalog's next-prefix counter (0x01 'n') moved on: prefixes are never reused.
  EXPECT_EQ(Fingerprint(/*skip_prefix_counter=*/true), before);
}

TEST_F(WsConnectionTest, FindAggregateAndRangeRead) {
  InsertNumbers(30);
  FakeSink sink;
  WsConnection conn(service_.get(), admin_, &sink);
  auto docs = Items(&conn, &sink, Command::kFind,
                    Obj({{"collection", "nums"},
                         {"filter", Obj({{"n", Obj({{"$gte", 10}})}})},
                         {"projection", Obj({{"n", 1}, {"_id", 0}})},
                         {"sort", Obj({{"n", -1}})},
                         {"skip", 2},
                         {"limit", 5}}));
  ASSERT_EQ(docs.size(), 5u);
  EXPECT_EQ(docs[0], Obj({{"n", 27}}));
  EXPECT_EQ(docs[4], Obj({{"n", 23}}));
  EXPECT_TRUE(Items(&conn, &sink, Command::kFind, Obj({{"collection", "missing"}})).empty());
  auto groups = Items(
      &conn, &sink, Command::kAggregate,
      Obj({{"collection", "nums"},
           {"pipeline",
            Value::MakeArray(
                {Obj({{"$match", Obj({{"n", Obj({{"$lt", 4}})}})}}),
                 Obj({{"$group", Obj({{"_id", Value()}, {"total", Obj({{"$sum", "$n"}})}})}})})}}));
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_EQ(*groups[0].Find("total"), Value(6));
  auto bad =
      Call(&conn, &sink, Command::kAggregate,
           Obj({{"collection", "nums"}, {"pipeline", Value::MakeArray({Obj({{"$nope", 1}})})}}));
  ASSERT_FALSE(bad.empty());
  EXPECT_EQ(bad.back().kind, Kind::kError);
  // The records of the collection are one contiguous range starting at 0x02.
  auto entries = Items(&conn, &sink, Command::kRangeRead,
                       Obj({{"start", Value::Binary(std::string(1, '\x02'))},
                            {"end", Value::Binary(std::string(1, '\x03'))}}));
  EXPECT_EQ(entries.size(), 30u);
  EXPECT_TRUE(entries[0].Find("k")->is_binary());
  auto limited =
      Items(&conn, &sink, Command::kRangeRead, Obj({{"start", Value::Binary("")}, {"limit", 3}}));
  EXPECT_EQ(limited.size(), 3u);
  // The API keys' hashes are never sent.
  for (const Value& e :
       Items(&conn, &sink, Command::kRangeRead, Obj({{"start", Value::Binary("")}}))) {
    EXPECT_NE(e.Find("k")->as_binary().substr(0, 2), std::string("\x01"
                                                                 "a"));
  }
  EXPECT_EQ(Err(&conn, &sink, Command::kRangeRead,
                Obj({{"start", Value::Binary("b")}, {"end", Value::Binary("a")}})),
            "invalid_argument");
}

TEST_F(WsConnectionTest, PipelinedRequestsAreAnsweredInOneMessage) {
  FakeSink sink;
  WsConnection conn(service_.get(), admin_, &sink);
  std::string msg;
  for (int i = 0; i < 10; ++i) {
    ws::AppendRequest(&msg, Command::kInsert, 1 + i,
                      Obj({{"collection", "p"}, {"doc", Obj({{"_id", i}, {"v", i * i}})}}));
  }
  ws::AppendRequest(&msg, Command::kGet, 50, Obj({{"collection", "p"}, {"id", 7}}));
  ws::AppendRequest(&msg, Command::kPing, 51, Obj({}));
  ws::AppendRequest(&msg, Command::kGet, 52, Obj({{"collection", "p"}, {"id", 70}}));
  conn.OnMessage(msg);
  EXPECT_EQ(sink.messages(), 1u);
  auto frames = sink.Frames();
  ASSERT_EQ(frames.size(), 13u);
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(frames[i].id, static_cast<uint32_t>(1 + i));
    EXPECT_EQ(frames[i].payload, Obj({{"id", i}}));
  }
  EXPECT_EQ(frames[10].payload, Obj({{"_id", 7}, {"v", 49}}));
  EXPECT_EQ(frames[11].payload, Obj({{"pong", true}}));
  EXPECT_EQ(frames[12].kind, Kind::kError);
  EXPECT_EQ(Code(frames[12]), "not_found");
}

TEST_F(WsConnectionTest, PagingByRecords) {
  InsertNumbers(25);
  FakeSink sink;
  WsConnection conn(service_.get(), admin_, &sink);
  auto frames = Call(&conn, &sink, Command::kFind, Obj({{"collection", "nums"}}),
                     Paging{PagingMode::kRecords, 10});
  ASSERT_EQ(frames.size(), 3u);
  EXPECT_EQ(frames[0].kind, Kind::kPage);
  EXPECT_EQ(frames[0].items.size(), 10u);
  EXPECT_EQ(frames[1].kind, Kind::kPage);
  EXPECT_EQ(frames[1].items.size(), 10u);
  EXPECT_EQ(frames[2].kind, Kind::kLast);
  EXPECT_EQ(frames[2].items.size(), 5u);
  EXPECT_EQ(*frames[2].items[4].Find("n"), Value(24));
  // Without paging: one last page with everything.
  frames = Call(&conn, &sink, Command::kFind, Obj({{"collection", "nums"}}));
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_EQ(frames[0].kind, Kind::kLast);
  EXPECT_EQ(frames[0].items.size(), 25u);
  // An exact multiple ends with an empty last page.
  frames = Call(&conn, &sink, Command::kFind, Obj({{"collection", "nums"}, {"limit", 20}}),
                Paging{PagingMode::kRecords, 10});
  ASSERT_EQ(frames.size(), 3u);
  EXPECT_TRUE(frames[2].items.empty());
}

TEST_F(WsConnectionTest, BytesAreAsDocumented) {
  // docs/PROTOCOL.md, "Examples, byte by byte".
  ASSERT_TRUE(service_->db()
                  ->collection("users")
                  .InsertMany({Obj({{"_id", 1}}), Obj({{"_id", 2}}), Obj({{"_id", 3}})})
                  .ok());
  FakeSink sink;
  WsConnection conn(service_.get(), admin_, &sink);
  std::string find;
  ws::AppendRequest(&find, Command::kFind, 9, Obj({{"collection", "users"}}),
                    Paging{PagingMode::kRecords, 2});
  EXPECT_EQ(find, ws::Bytes({0x24, 0, 0, 0, 0x01, 0x20, 0x09, 0, 0, 0,    0,   0x01,
                             0x02, 0, 0, 0, 0x01, 0x13, 0,    0, 0, 0x01, 0x0a}) +
                      "collection" + ws::Bytes({0x02, 0x05}) + "users");
  conn.OnMessage(find);
  ASSERT_TRUE(sink.WaitFor([](const std::vector<Response>& frames) {
    return !frames.empty() && frames.back().kind == Kind::kLast;
  }));
  auto raw = sink.RawMessages();
  ASSERT_EQ(raw.size(), 2u);
  EXPECT_EQ(raw[0], ws::Bytes({0x21, 0,    0, 0, 0x02, 0x09, 0,    0,   0,   0x02, 0,    0,    0,
                               0x01, 0x07, 0, 0, 0,    0x01, 0x03, '_', 'i', 'd',  0x12, 0x02, 0x01,
                               0x07, 0,    0, 0, 0x01, 0x03, '_',  'i', 'd', 0x12, 0x04}));
  EXPECT_EQ(raw[1], ws::Bytes({0x15, 0,    0, 0, 0x03, 0x09, 0,    0,   0,   0x01, 0,    0,   0,
                               0x01, 0x07, 0, 0, 0,    0x01, 0x03, '_', 'i', 'd',  0x12, 0x06}));
  conn.OnMessage(ws::RawFrame(1, 0x7f, 5, 0, 0, 0, ""));
  raw = sink.RawMessages();
  ASSERT_EQ(raw.size(), 3u);
  std::string error =
      ws::Bytes({0x64, 0, 0, 0, 0x04, 0x05, 0, 0, 0, 0x01, 0x5a, 0, 0, 0, 0x04, 0x04}) + "code" +
      ws::Bytes({0x02, 0x10}) + "invalid_argument" + ws::Bytes({0x07}) + "message" +
      ws::Bytes({0x02, 0x27}) + "frame 0 at byte 0: unknown command 0x7f" + ws::Bytes({0x05}) +
      "frame" + ws::Bytes({0x12, 0x00, 0x06}) + "offset" + ws::Bytes({0x12, 0x00});
  EXPECT_EQ(raw[2], error);
}

TEST_F(WsConnectionTest, PagingByBytes) {
  InsertNumbers(40);
  FakeSink sink;
  WsConnection conn(service_.get(), admin_, &sink);
  const uint32_t budget = 300;
  auto frames = Call(&conn, &sink, Command::kFind, Obj({{"collection", "nums"}}),
                     Paging{PagingMode::kBytes, budget});
  ASSERT_GT(frames.size(), 2u);
  size_t total = 0;
  for (size_t i = 0; i < frames.size(); ++i) {
    size_t bytes = 0, last_item = 0;
    for (const Value& v : frames[i].items) {
      std::string enc;
      ASSERT_TRUE(codec::EncodeDocument(v, &enc).ok());
      bytes += enc.size();
      last_item = enc.size();
    }
    total += frames[i].items.size();
    EXPECT_EQ(frames[i].kind, i + 1 == frames.size() ? Kind::kLast : Kind::kPage);
    if (i + 1 < frames.size()) {
      EXPECT_GE(bytes, budget);              // closed on reaching the budget...
      EXPECT_LT(bytes - last_item, budget);  // ...by its last item
    }
  }
  EXPECT_EQ(total, 40u);
}

TEST_F(WsConnectionTest, PagingByTime) {
  InsertNumbers(20000);
  FakeSink sink;
  WsConnection conn(service_.get(), admin_, &sink);
  auto frames = Call(&conn, &sink, Command::kFind, Obj({{"collection", "nums"}}),
                     Paging{PagingMode::kMillis, 60000});
  ASSERT_EQ(frames.size(), 1u);  // a minute is longer than the whole read
  EXPECT_EQ(frames[0].items.size(), 20000u);
  frames = Call(&conn, &sink, Command::kFind, Obj({{"collection", "nums"}}),
                Paging{PagingMode::kMillis, 1});
  EXPECT_GT(frames.size(), 1u);  // reading 20000 documents takes more than 1 ms
  size_t total = 0;
  for (const Response& r : frames) total += r.items.size();
  EXPECT_EQ(total, 20000u);
  EXPECT_EQ(frames.back().kind, Kind::kLast);
}

TEST_F(WsConnectionTest, FlowControlBlocksTheWorkerNotTheConnection) {
  InsertNumbers(50);
  FakeSink sink(/*capacity=*/2);
  WsConnection conn(service_.get(), admin_, &sink);
  std::string msg;
  ws::AppendRequest(&msg, Command::kFind, 9, Obj({{"collection", "nums"}}),
                    Paging{PagingMode::kRecords, 1});
  conn.OnMessage(msg);
  ASSERT_TRUE(sink.WaitBlocked());
  EXPECT_EQ(ForId(sink.Frames(), 9).size(), 2u);  // the worker waits for the client
  // Quick commands still answer while the worker waits.
  msg.clear();
  ws::AppendRequest(&msg, Command::kPing, 10, Obj({}));
  conn.OnMessage(msg);
  EXPECT_EQ(ForId(sink.Frames(), 10).size(), 1u);
  // The client reads: the rest follows, a bounded number of messages at a time.
  for (int round = 0; round < 200; ++round) {
    auto frames = ForId(sink.Frames(), 9);
    if (!frames.empty() && frames.back().kind == Kind::kLast) break;
    EXPECT_LE(sink.pending(), 3u);
    sink.Consume();
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  auto frames = ForId(sink.Frames(), 9);
  ASSERT_EQ(frames.size(), 51u);
  EXPECT_EQ(frames.back().kind, Kind::kLast);
}

TEST_F(WsConnectionTest, CancelRunningAndQueuedReads) {
  InsertNumbers(100);
  FakeSink sink(/*capacity=*/1);
  WsConnection conn(service_.get(), admin_, &sink);
  std::string msg;
  ws::AppendRequest(&msg, Command::kFind, 1, Obj({{"collection", "nums"}}),
                    Paging{PagingMode::kRecords, 1});
  ws::AppendRequest(&msg, Command::kFind, 2, Obj({{"collection", "nums"}}));
  conn.OnMessage(msg);
  ASSERT_TRUE(sink.WaitBlocked());  // read 1 is running, read 2 queued behind it
  // The cancels arrive while the worker still waits (Post never waits), so neither read can
  // finish first; then the client reads again.
  msg.clear();
  ws::AppendRequest(&msg, Command::kCancel, 3, Obj({{"id", 2}}));
  ws::AppendRequest(&msg, Command::kCancel, 4, Obj({{"id", 1}}));
  ws::AppendRequest(&msg, Command::kCancel, 5, Obj({{"id", 77}}));
  conn.OnMessage(msg);
  sink.SetCapacity(SIZE_MAX);
  ASSERT_TRUE(sink.WaitFor([](const std::vector<Response>& frames) {
    bool one = false, two = false;
    for (const Response& r : frames) {
      if (r.id == 1 && Terminal(r)) one = true;
      if (r.id == 2 && Terminal(r)) two = true;
    }
    return one && two;
  }));
  auto frames = sink.Frames();
  auto two = ForId(frames, 2);
  ASSERT_EQ(two.size(), 1u);
  EXPECT_EQ(two[0].kind, Kind::kError);
  EXPECT_EQ(Code(two[0]), "cancelled");
  EXPECT_EQ(ForId(frames, 3)[0].payload, Obj({{"cancelled", true}}));
  EXPECT_EQ(ForId(frames, 5)[0].payload, Obj({{"cancelled", false}}));
  auto one = ForId(frames, 1);
  EXPECT_EQ(one.back().kind, Kind::kError);
  EXPECT_EQ(Code(one.back()), "cancelled");
  EXPECT_LT(one.size(), 100u);
}

TEST_F(WsConnectionTest, DuplicateIdOfRunningReadIsRefused) {
  InsertNumbers(10);
  FakeSink sink(/*capacity=*/1);
  WsConnection conn(service_.get(), admin_, &sink);
  std::string msg;
  ws::AppendRequest(&msg, Command::kFind, 1, Obj({{"collection", "nums"}}),
                    Paging{PagingMode::kRecords, 1});
  ws::AppendRequest(&msg, Command::kFind, 1, Obj({{"collection", "nums"}}));
  conn.OnMessage(msg);
  ASSERT_TRUE(sink.WaitBlocked());
  sink.SetCapacity(SIZE_MAX);
  auto errors = ForId(sink.Frames(), 1);
  ASSERT_FALSE(errors.empty());
  EXPECT_EQ(errors[0].kind, Kind::kError);
  EXPECT_NE(errors[0].payload.Find("message")->as_string().find("in use"), std::string::npos);
}

TEST_F(WsConnectionTest, CloseWhileTheWorkerIsBlocked) {
  InsertNumbers(10);
  FakeSink sink(/*capacity=*/1);
  auto conn = std::make_unique<WsConnection>(service_.get(), admin_, &sink);
  std::string msg;
  ws::AppendRequest(&msg, Command::kFind, 1, Obj({{"collection", "nums"}}),
                    Paging{PagingMode::kRecords, 1});
  conn->OnMessage(msg);
  ASSERT_TRUE(sink.WaitBlocked());
  sink.Close();  // the transport marks the connection closed, then tells the logic
  conn->Close();
  conn.reset();
}

TEST_F(WsConnectionTest, Auth) {
  auto [read_secret, read_key] = Key(Role::kRead);
  auto [write_secret, write_key] = Key(Role::kWrite);
  InsertNumbers(3);
  std::string before = Fingerprint();
  {
    FakeSink sink;
    WsConnection conn(service_.get(), std::nullopt, &sink);
    EXPECT_EQ(Ok(&conn, &sink, Command::kPing, Obj({})), Obj({{"pong", true}}));
    EXPECT_EQ(Err(&conn, &sink, Command::kGet, Obj({{"collection", "nums"}, {"id", 1}})),
              "unauthenticated");
    EXPECT_EQ(Err(&conn, &sink, Command::kInsert,
                  Obj({{"collection", "nums"}, {"doc", Obj({{"x", 1}})}})),
              "unauthenticated");
    EXPECT_EQ(Err(&conn, &sink, Command::kAuth, Obj({{"key", "wrong"}})), "unauthenticated");
    EXPECT_EQ(Err(&conn, &sink, Command::kAuth, Obj({{"key", admin_secret_ + "x"}})),
              "unauthenticated");
    EXPECT_EQ(Err(&conn, &sink, Command::kFind, Obj({{"collection", "nums"}})), "unauthenticated");
    Value who = Ok(&conn, &sink, Command::kAuth, Obj({{"key", read_secret}}));
    EXPECT_EQ(*who.Find("role"), Value("read"));
    EXPECT_EQ(*who.Find("id"), Value(read_key.id));
    EXPECT_EQ(*Ok(&conn, &sink, Command::kGet, Obj({{"collection", "nums"}, {"id", 1}})).Find("n"),
              Value(1));
    EXPECT_EQ(Err(&conn, &sink, Command::kInsert,
                  Obj({{"collection", "nums"}, {"doc", Obj({{"x", 1}})}})),
              "permission_denied");
    EXPECT_EQ(Err(&conn, &sink, Command::kDelete,
                  Obj({{"collection", "nums"}, {"filter", Obj({})}, {"many", true}})),
              "permission_denied");
    EXPECT_EQ(Err(&conn, &sink, Command::kSubscribe, Obj({{"start", Value::Binary("")}})),
              "permission_denied");
  }
  {
    FakeSink sink;
    WsConnection conn(service_.get(), write_key, &sink);
    EXPECT_EQ(Err(&conn, &sink, Command::kCreateCollection, Obj({{"name", "x"}})),
              "permission_denied");
    EXPECT_EQ(Err(&conn, &sink, Command::kDropCollection, Obj({{"name", "nums"}})),
              "permission_denied");
    EXPECT_EQ(Err(&conn, &sink, Command::kRangeRead, Obj({{"start", Value::Binary("")}})),
              "permission_denied");
    EXPECT_EQ(Err(&conn, &sink, Command::kCreateIndex,
                  Obj({{"collection", "nums"}, {"fields", Obj({{"n", 1}})}})),
              "permission_denied");
  }
  EXPECT_EQ(Fingerprint(), before);
}

TEST_F(WsConnectionTest, MalformedMessagesGetErrorFramesAndChangeNothing) {
  InsertNumbers(3, "c");
  FakeSink sink;
  WsConnection conn(service_.get(), admin_, &sink);
  std::string before = Fingerprint();
  for (const ws::BadCase& c : ws::BadCases()) {
    size_t seen = sink.Frames().size();
    conn.OnMessage(c.message);
    auto frames = sink.Frames();
    ASSERT_EQ(frames.size(), seen + 1) << c.name;
    const Response& r = frames.back();
    EXPECT_EQ(r.kind, Kind::kError) << c.name;
    EXPECT_EQ(r.id, c.id) << c.name;
    EXPECT_EQ(Code(r), ErrorCodeFor(Status(c.code, ""))) << c.name;
    EXPECT_NE(r.payload.Find("message")->as_string().find(c.expect), std::string::npos)
        << c.name << ": " << r.payload.Find("message")->as_string();
  }
  // A framing error refuses the whole message: the insert before it does not run.
  std::string msg;
  ws::AppendRequest(&msg, Command::kInsert, 1,
                    Obj({{"collection", "c"}, {"doc", Obj({{"_id", 100}})}}));
  msg += ws::Bytes({50, 0, 0, 0, 1});
  conn.OnMessage(msg);
  EXPECT_EQ(Fingerprint(), before);
  // A frame that decodes badly fails alone; its neighbours run.
  msg.clear();
  ws::AppendRequest(&msg, Command::kPing, 2, Obj({}));
  msg += ws::RawFrame(1, 0x7f, 3, 0, 0, 0, "");
  ws::AppendRequest(&msg, Command::kCount, 4, Obj({{"collection", "c"}}));
  size_t seen = sink.Frames().size();
  conn.OnMessage(msg);
  auto frames = sink.Frames();
  ASSERT_EQ(frames.size(), seen + 3);
  EXPECT_EQ(frames[seen].payload, Obj({{"pong", true}}));
  EXPECT_EQ(frames[seen + 1].kind, Kind::kError);
  EXPECT_EQ(*frames[seen + 1].payload.Find("frame"), Value(1));
  EXPECT_EQ(frames[seen + 2].payload, Obj({{"count", 3}}));
  EXPECT_EQ(Fingerprint(), before);
}

TEST_F(WsConnectionTest, Transactions) {
  auto [other_secret, other_key] = Key(Role::kWrite);
  FakeSink sink;
  WsConnection conn(service_.get(), admin_, &sink);
  std::string txn = Ok(&conn, &sink, Command::kTxnBegin, Obj({})).Find("txn")->as_string();
  EXPECT_EQ(Ok(&conn, &sink, Command::kInsert,
               Obj({{"collection", "t"}, {"doc", Obj({{"_id", 1}, {"v", 1}})}, {"txn", txn}})),
            Obj({{"id", 1}}));
  EXPECT_EQ(Err(&conn, &sink, Command::kGet, Obj({{"collection", "t"}, {"id", 1}})),
            "not_found");  // not committed yet
  EXPECT_EQ(*Ok(&conn, &sink, Command::kGet, Obj({{"collection", "t"}, {"id", 1}, {"txn", txn}}))
                 .Find("v"),
            Value(1));
  EXPECT_EQ(Ok(&conn, &sink, Command::kUpdate,
               Obj({{"collection", "t"},
                    {"filter", Obj({{"_id", 1}})},
                    {"update", Obj({{"$set", Obj({{"v", 2}})}})},
                    {"txn", txn}})),
            Obj({{"matched", 1}, {"modified", 1}}));
  auto docs = Items(&conn, &sink, Command::kFind, Obj({{"collection", "t"}, {"txn", txn}}),
                    Paging{PagingMode::kRecords, 1});
  ASSERT_EQ(docs.size(), 1u);
  EXPECT_EQ(*docs[0].Find("v"), Value(2));
  {
    FakeSink other_sink;
    WsConnection other(service_.get(), other_key, &other_sink);
    EXPECT_EQ(Err(&other, &other_sink, Command::kTxnCommit, Obj({{"txn", txn}})),
              "permission_denied");
  }
  EXPECT_EQ(Ok(&conn, &sink, Command::kTxnCommit, Obj({{"txn", txn}})), Obj({{"ok", true}}));
  EXPECT_EQ(*Ok(&conn, &sink, Command::kGet, Obj({{"collection", "t"}, {"id", 1}})).Find("v"),
            Value(2));
  EXPECT_EQ(Err(&conn, &sink, Command::kTxnCommit, Obj({{"txn", txn}})), "not_found");
  // Cancel, and a connection's open transaction ends with it.
  txn = Ok(&conn, &sink, Command::kTxnBegin, Obj({})).Find("txn")->as_string();
  Ok(&conn, &sink, Command::kDelete,
     Obj({{"collection", "t"}, {"filter", Obj({{"_id", 1}})}, {"txn", txn}}));
  EXPECT_EQ(Ok(&conn, &sink, Command::kTxnCancel, Obj({{"txn", txn}})), Obj({{"ok", true}}));
  EXPECT_EQ(Ok(&conn, &sink, Command::kCount, Obj({{"collection", "t"}})), Obj({{"count", 1}}));
  txn = Ok(&conn, &sink, Command::kTxnBegin, Obj({})).Find("txn")->as_string();
  EXPECT_EQ(Err(&conn, &sink, Command::kReplace,
                Obj({{"collection", "t"}, {"filter", Obj({})}, {"doc", Obj({})}, {"txn", txn}})),
            "invalid_argument");  // REPLACE takes no txn: refused by the decoder
  size_t open = service_->txns()->size();
  conn.Close();
  EXPECT_EQ(service_->txns()->size(), open - 1);
}

}  // namespace
}  // namespace strata::server
