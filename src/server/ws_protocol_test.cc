#include "server/ws_protocol.h"

#include <gtest/gtest.h>

#include <set>

#include "base/coding.h"
#include "codec/document.h"
#include "server/ws_test_util.h"

namespace strata::server::ws {
namespace {

// Decodes every frame of a message; the first error, if any.
bool DecodeAll(std::string_view message, std::vector<Request>* requests, DecodeError* error,
               size_t max_frame = 1 << 20) {
  std::vector<std::string_view> bodies;
  if (!SplitFrames(message, max_frame, kRequestHeader, &bodies, error)) return false;
  size_t offset = 0;
  for (size_t i = 0; i < bodies.size(); ++i) {
    Request r;
    if (!DecodeRequest(bodies[i], i, offset, &r, error)) return false;
    requests->push_back(std::move(r));
    offset += 4 + bodies[i].size();
  }
  return true;
}

TEST(WsProtocolTest, PingBytesAreAsDocumented) {
  std::string msg;
  AppendRequest(&msg, Command::kPing, 1, Value(Object{}));
  EXPECT_EQ(msg, Bytes({0x0c, 0, 0, 0, 0x01, 0x02, 0x01, 0, 0, 0, 0x00, 0x00, 0, 0, 0, 0}));
}

TEST(WsProtocolTest, GetBytesAreAsDocumented) {
  // docs/PROTOCOL.md, "Example: GET".
  std::string msg;
  AppendRequest(&msg, Command::kGet, 7, Value::MakeObject({{"collection", "users"}, {"id", 42}}));
  std::string expected = Bytes({0x29, 0, 0, 0, 0x01, 0x10, 0x07, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                // document: version, container length 24, 2 fields
                                0x01, 0x18, 0, 0, 0, 0x02,
                                // "collection": string "users"
                                0x0a, 'c', 'o', 'l', 'l', 'e', 'c', 't', 'i', 'o', 'n', 0x02, 0x05,
                                'u', 's', 'e', 'r', 's',
                                // "id": int 42 (zigzag 84)
                                0x02, 'i', 'd', 0x12, 0x54});
  EXPECT_EQ(msg, expected);
  std::string answer;
  AppendResponse(&answer, Kind::kResult, 7, Value::MakeObject({{"_id", 42}, {"name", "Ada"}}));
  EXPECT_EQ(answer, Bytes({0x1b, 0, 0, 0, 0x01, 0x07, 0, 0, 0,
                           // document: version, length 17, 2 fields
                           0x01, 0x11, 0, 0, 0, 0x02,
                           // "_id": 42
                           0x03, '_', 'i', 'd', 0x12, 0x54,
                           // "name": "Ada"
                           0x04, 'n', 'a', 'm', 'e', 0x02, 0x03, 'A', 'd', 'a'}));
}

TEST(WsProtocolTest, RequestsRoundTripAndPipeline) {
  std::string msg;
  AppendRequest(&msg, Command::kFind, 3, Value::MakeObject({{"collection", "c"}}),
                Paging{PagingMode::kRecords, 100});
  AppendRequest(&msg, Command::kPing, 4, Value(Object{}));
  AppendRequest(&msg, Command::kInsert, 0xfffffffe,
                Value::MakeObject({{"collection", "c"}, {"doc", Value::MakeObject({{"a", 1}})}}));
  std::vector<Request> rs;
  DecodeError error;
  ASSERT_TRUE(DecodeAll(msg, &rs, &error)) << error.status.ToString();
  ASSERT_EQ(rs.size(), 3u);
  EXPECT_EQ(rs[0].command, Command::kFind);
  EXPECT_EQ(rs[0].id, 3u);
  EXPECT_EQ(rs[0].paging.mode, PagingMode::kRecords);
  EXPECT_EQ(rs[0].paging.value, 100u);
  EXPECT_EQ(rs[1].command, Command::kPing);
  EXPECT_TRUE(rs[1].payload.is_object());
  EXPECT_EQ(rs[2].id, 0xfffffffeu);
  EXPECT_EQ(*rs[2].payload.Find("doc"), Value::MakeObject({{"a", 1}}));
}

TEST(WsProtocolTest, ResponsesRoundTrip) {
  std::string msg;
  AppendResponse(&msg, Kind::kResult, 1, Value::MakeObject({{"ok", true}}));
  size_t start = BeginFrame(&msg, Kind::kPage, 2);
  PutFixed32(&msg, 2);
  msg += Doc(Value::MakeObject({{"a", 1}}));
  msg += Doc(Value::MakeObject({{"b", "x"}}));
  EndFrame(&msg, start);
  start = BeginFrame(&msg, Kind::kLast, 2);
  PutFixed32(&msg, 0);
  EndFrame(&msg, start);
  AppendResponse(&msg, Kind::kError, 9, ErrorPayload(Status::NotFound("gone")));
  std::vector<Response> out;
  ASSERT_TRUE(DecodeResponses(msg, &out).ok());
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[0].kind, Kind::kResult);
  EXPECT_EQ(out[1].kind, Kind::kPage);
  ASSERT_EQ(out[1].items.size(), 2u);
  EXPECT_EQ(out[1].items[1], Value::MakeObject({{"b", "x"}}));
  EXPECT_EQ(out[2].kind, Kind::kLast);
  EXPECT_TRUE(out[2].items.empty());
  EXPECT_EQ(*out[3].payload.Find("code"), Value("not_found"));
  EXPECT_EQ(out[3].id, 9u);
}

TEST(WsProtocolTest, CommandTableIsConsistent) {
  std::set<uint8_t> codes;
  std::set<std::string_view> names;
  for (const CommandInfo& c : AllCommands()) {
    EXPECT_TRUE(codes.insert(static_cast<uint8_t>(c.command)).second);
    EXPECT_TRUE(names.insert(c.name).second);
    EXPECT_EQ(FindCommand(static_cast<uint8_t>(c.command))->name, c.name);
  }
  EXPECT_EQ(FindCommand(0x00), nullptr);
  EXPECT_EQ(FindCommand(0xff), nullptr);
  EXPECT_EQ(CommandName(Command::kRangeRead), "RANGE_READ");
}

TEST(WsProtocolTest, MalformedInputsAreRefusedByName) {
  for (const BadCase& c : BadCases()) {
    std::vector<Request> rs;
    DecodeError error;
    EXPECT_FALSE(DecodeAll(c.message, &rs, &error, 1 << 20)) << c.name;
    EXPECT_NE(error.status.message().find(c.expect), std::string::npos)
        << c.name << ": " << error.status.ToString();
    EXPECT_EQ(error.id, c.id) << c.name;
    EXPECT_EQ(error.status.code(), c.code) << c.name;
    Value payload = DecodeErrorPayload(error);
    EXPECT_TRUE(payload.Find("code")->is_string());
    EXPECT_TRUE(payload.Find("offset")->is_int());
  }
}

TEST(WsProtocolTest, ErrorsNameFrameAndOffset) {
  std::string msg;
  AppendRequest(&msg, Command::kPing, 1, Value(Object{}));
  msg += RawFrame(1, 0x7f, 2, 0, 0, 0, "");
  std::vector<Request> rs;
  DecodeError error;
  ASSERT_FALSE(DecodeAll(msg, &rs, &error));
  EXPECT_EQ(error.frame, 1u);
  EXPECT_EQ(error.offset, 16u);
  EXPECT_EQ(error.status.message(), "frame 1 at byte 16: unknown command 0x7f");
}

TEST(WsProtocolTest, BadResponsesAreRefused) {
  std::vector<Response> out;
  EXPECT_FALSE(DecodeResponses(Bytes({5, 0, 0, 0, 9, 1, 0, 0, 0}), &out).ok());  // kind 9
  std::string page;
  size_t start = BeginFrame(&page, Kind::kPage, 1);
  PutFixed32(&page, 2);  // says two items, has one
  page += Doc(Value::MakeObject({{"a", 1}}));
  EndFrame(&page, start);
  EXPECT_FALSE(DecodeResponses(page, &out).ok());
}

}  // namespace
}  // namespace strata::server::ws
