// Test helpers of the binary WebSocket protocol: raw frames, a table of malformed messages, a
// fake FrameSink and a fixture with a Service on a temporary directory.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <condition_variable>
#include <filesystem>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "base/coding.h"
#include "codec/document.h"
#include "codec/json.h"
#include "server/service.h"
#include "server/ws_connection.h"
#include "server/ws_protocol.h"

namespace strata::server::ws {

inline std::string Bytes(std::initializer_list<int> bytes) {
  std::string s;
  for (int b : bytes) s.push_back(static_cast<char>(b));
  return s;
}

inline std::string Doc(const Value& v) {
  std::string out;
  EXPECT_TRUE(codec::EncodeDocument(v, &out).ok());
  return out;
}

// A frame from a raw header and payload bytes.
inline std::string RawFrame(uint8_t version, uint8_t command, uint32_t id, uint8_t flags,
                            uint8_t mode, uint32_t value, const std::string& payload) {
  std::string body;
  body.push_back(static_cast<char>(version));
  body.push_back(static_cast<char>(command));
  PutFixed32(&body, id);
  body.push_back(static_cast<char>(flags));
  body.push_back(static_cast<char>(mode));
  PutFixed32(&body, value);
  body += payload;
  std::string frame;
  PutFixed32(&frame, static_cast<uint32_t>(body.size()));
  return frame + body;
}

struct BadCase {
  std::string name;
  std::string message;
  std::string expect;  // substring of the error message
  uint32_t id = 0;     // the message id the error frame carries
  Status::Code code = Status::Code::kInvalidArgument;
};

// Malformed messages, each of which must be refused with an error frame.
inline std::vector<BadCase> BadCases() {
  const std::string get = Doc(Value::MakeObject({{"collection", "c"}, {"id", 1}}));
  std::string good;
  AppendRequest(&good, Command::kPing, 1, Value(Object{}));
  std::vector<BadCase> cases = {
      {"empty", "", "empty message"},
      {"short prefix", Bytes({1, 0, 0}), "length prefix cut short"},
      {"below header", Bytes({5, 0, 0, 0, 1, 2, 3, 4, 5}), "below the header"},
      {"past end", Bytes({100, 0, 0, 0}) + std::string(12, '\0'), "runs past the end"},
      {"oversized", Bytes({0, 0, 0, 0x40}) + std::string(12, '\0'), "exceeds the limit", 0,
       Status::Code::kResourceExhausted},
      {"trailing after frame", good + Bytes({1, 2}), "frame 1 at byte 16: length prefix"},
      {"version", RawFrame(2, 0x02, 5, 0, 0, 0, ""), "unknown protocol version 2", 5},
      {"version 0", RawFrame(0, 0x02, 5, 0, 0, 0, ""), "unknown protocol version 0", 5},
      {"command", RawFrame(1, 0x7f, 6, 0, 0, 0, ""), "unknown command 0x7f", 6},
      {"command 0", RawFrame(1, 0x00, 6, 0, 0, 0, ""), "unknown command 0x00", 6},
      {"flags", RawFrame(1, 0x02, 7, 0x80, 0, 0, ""), "reserved flags set: 0x80", 7},
      {"paging mode", RawFrame(1, 0x20, 8, 0, 4, 1, ""), "unknown paging mode 4", 8},
      {"none with value", RawFrame(1, 0x20, 8, 0, 0, 5, ""), "needs value 0", 8},
      {"records of 0", RawFrame(1, 0x20, 8, 0, 1, 0, ""), "needs a value above 0", 8},
      {"GET pages", RawFrame(1, 0x10, 9, 0, 1, 10, get), "GET does not page", 9},
      {"garbage payload", RawFrame(1, 0x10, 10, 0, 0, 0, "xyz"), "payload (at byte 16)", 10},
      {"truncated payload", RawFrame(1, 0x10, 10, 0, 0, 0, get.substr(0, get.size() - 1)),
       "payload", 10},
      {"trailing payload byte", RawFrame(1, 0x10, 10, 0, 0, 0, get + "x"), "payload", 10},
      {"unknown field",
       RawFrame(1, 0x10, 11, 0, 0, 0,
                Doc(Value::MakeObject({{"collection", "c"}, {"id", 1}, {"x", 1}}))),
       "unknown field 'x' for GET", 11},
      {"wrong type",
       RawFrame(1, 0x10, 12, 0, 0, 0, Doc(Value::MakeObject({{"collection", 5}, {"id", 1}}))),
       "field 'collection' of GET must be a non-empty string", 12},
      {"empty name",
       RawFrame(1, 0x10, 12, 0, 0, 0, Doc(Value::MakeObject({{"collection", ""}, {"id", 1}}))),
       "must be a non-empty string", 12},
      {"missing field", RawFrame(1, 0x10, 13, 0, 0, 0, Doc(Value::MakeObject({{"id", 1}}))),
       "GET needs field 'collection'", 13},
      {"repeated field",
       RawFrame(1, 0x10, 14, 0, 0, 0,
                Doc(Value::MakeObject({{"collection", "c"}, {"id", 1}, {"id", 2}}))),
       "repeated", 14},
      {"negative limit",
       RawFrame(1, 0x20, 15, 0, 0, 0, Doc(Value::MakeObject({{"collection", "c"}, {"limit", -1}}))),
       "'limit' of FIND must be an int >= 0", 15},
      {"docs not objects",
       RawFrame(1, 0x12, 16, 0, 0, 0,
                Doc(Value::MakeObject({{"collection", "c"}, {"docs", Value::MakeArray({1})}}))),
       "array of objects", 16},
      {"subscribe both",
       RawFrame(1, 0x60, 17, 0, 0, 0,
                Doc(Value::MakeObject({{"collection", "c"}, {"start", Value::Binary("a")}}))),
       "either 'collection'", 17},
      {"subscribe neither", RawFrame(1, 0x60, 18, 0, 0, 0, ""), "either 'collection'", 18},
      {"cancel id too large",
       RawFrame(1, 0x03, 19, 0, 0, 0, Doc(Value::MakeObject({{"id", int64_t{1} << 32}}))),
       "must be an int in", 19},
      {"header cut short", Bytes({12, 0, 0, 0, 1, 0x10, 1, 0, 0, 0, 0, 0, 0, 0, 0}),
       "runs past the end"},
  };
  return cases;
}

}  // namespace strata::server::ws

namespace strata::server {

using ws::Command;
using ws::Kind;
using ws::Paging;
using ws::PagingMode;
using ws::Response;

// Collects what the connection sends. Send blocks while `capacity` messages are waiting to be
// consumed (the transport's bounded queue); Post never blocks.
class FakeSink : public FrameSink {
 public:
  explicit FakeSink(size_t capacity = SIZE_MAX) : capacity_(capacity) {}

  void Post(std::string message) override {
    std::lock_guard<std::mutex> lock(mu_);
    Add(message);
  }
  bool Send(std::string message) override {
    std::unique_lock<std::mutex> lock(mu_);
    if (!closed_ && pending_ >= capacity_) {
      ++blocked_sends_;
      cv_.notify_all();
      cv_.wait(lock, [&] { return closed_ || pending_ < capacity_; });
      --blocked_sends_;
    }
    if (closed_) return false;
    Add(message);
    return true;
  }
  bool closed() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return closed_;
  }
  void Close() {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
    cv_.notify_all();
  }
  void SetCapacity(size_t capacity) {
    std::lock_guard<std::mutex> lock(mu_);
    capacity_ = capacity;
    cv_.notify_all();
  }
  // The client read everything queued.
  void Consume() {
    std::lock_guard<std::mutex> lock(mu_);
    pending_ = 0;
    cv_.notify_all();
  }
  size_t pending() const {
    std::lock_guard<std::mutex> lock(mu_);
    return pending_;
  }
  size_t messages() const {
    std::lock_guard<std::mutex> lock(mu_);
    return messages_;
  }
  std::vector<std::string> RawMessages() const {
    std::lock_guard<std::mutex> lock(mu_);
    return raw_;
  }
  std::vector<Response> Frames() const {
    std::lock_guard<std::mutex> lock(mu_);
    return frames_;
  }
  // Waits (up to 20 s) until pred holds over the frames so far.
  bool WaitFor(const std::function<bool(const std::vector<Response>&)>& pred) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(20), [&] { return pred(frames_); });
  }
  // Waits until a Send is blocked on the full queue.
  bool WaitBlocked() {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(20), [&] { return blocked_sends_ > 0; });
  }

 private:
  void Add(const std::string& message) {
    std::vector<Response> decoded;
    Status s = ws::DecodeResponses(message, &decoded);
    EXPECT_TRUE(s.ok()) << s.ToString();
    for (Response& r : decoded) frames_.push_back(std::move(r));
    raw_.push_back(message);
    ++pending_;
    ++messages_;
    cv_.notify_all();
  }
  mutable std::mutex mu_;
  std::condition_variable cv_;
  size_t capacity_;
  size_t pending_ = 0;
  size_t messages_ = 0;
  int blocked_sends_ = 0;
  bool closed_ = false;
  std::vector<Response> frames_;
  std::vector<std::string> raw_;
};

inline bool Terminal(const Response& r) {
  return r.kind == Kind::kResult || r.kind == Kind::kLast || r.kind == Kind::kError;
}

inline std::vector<Response> ForId(const std::vector<Response>& frames, uint32_t id) {
  std::vector<Response> out;
  for (const Response& r : frames) {
    if (r.id == id) out.push_back(r);
  }
  return out;
}

inline std::string Code(const Response& r) {
  const Value* c = r.payload.Find("code");
  return c != nullptr && c->is_string() ? c->as_string() : "";
}

inline Value Obj(std::initializer_list<Field> fields) { return Value(Object(fields)); }

class WsConnectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/strata_ws_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    ServerOptions options;
    options.port = 0;
    options.data = dir_;
    options.ws_queue_bytes = 64 << 10;  // small, so that subscriptions overflow in a test
    auto service = Service::Open(options, &admin_secret_);
    ASSERT_TRUE(service.ok()) << service.status().ToString();
    service_ = std::move(*service);
    ASSERT_FALSE(admin_secret_.empty());
    admin_ = *service_->keys()->Authenticate(admin_secret_);
  }
  // Opens the service again with another bound on a subscription's queue.
  void Reopen(size_t ws_queue_bytes) {
    ASSERT_TRUE(service_->Close().ok());
    service_.reset();
    ServerOptions options;
    options.port = 0;
    options.data = dir_;
    options.ws_queue_bytes = ws_queue_bytes;
    std::string unused;
    auto service = Service::Open(options, &unused);
    ASSERT_TRUE(service.ok()) << service.status().ToString();
    service_ = std::move(*service);
  }
  void TearDown() override {
    if (service_ != nullptr) {
      EXPECT_TRUE(service_->Close().ok());
    }
    service_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::pair<std::string, ApiKeyInfo> Key(Role role) {
    return *service_->keys()->Create(std::string(RoleName(role)) + " key", role);
  }

  uint32_t NextId() { return next_id_++; }

  // Sends one request and waits for its terminal frame; returns every frame of that id.
  std::vector<Response> Call(WsConnection* conn, FakeSink* sink, Command command,
                             const Value& payload, Paging paging = {}) {
    uint32_t id = NextId();
    std::string msg;
    ws::AppendRequest(&msg, command, id, payload, paging);
    conn->OnMessage(msg);
    EXPECT_TRUE(sink->WaitFor([&](const std::vector<Response>& frames) {
      for (const Response& r : frames) {
        if (r.id == id && Terminal(r)) return true;
      }
      return false;
    })) << ws::CommandName(command);
    return ForId(sink->Frames(), id);
  }
  // The RESULT payload of a quick command that must succeed.
  Value Ok(WsConnection* conn, FakeSink* sink, Command command, const Value& payload) {
    auto frames = Call(conn, sink, command, payload);
    EXPECT_EQ(frames.size(), 1u);
    if (frames.empty()) return Value();
    EXPECT_EQ(frames.back().kind, Kind::kResult)
        << ws::CommandName(command) << ": " << codec::ToJson(frames.back().payload);
    return frames.back().payload;
  }
  // The error code of a command that must fail.
  std::string Err(WsConnection* conn, FakeSink* sink, Command command, const Value& payload) {
    auto frames = Call(conn, sink, command, payload);
    if (frames.empty() || frames.back().kind != Kind::kError) return "(no error)";
    return Code(frames.back());
  }
  // Every item of a paged read that must succeed.
  std::vector<Value> Items(WsConnection* conn, FakeSink* sink, Command command,
                           const Value& payload, Paging paging = {}) {
    auto frames = Call(conn, sink, command, payload, paging);
    std::vector<Value> items;
    for (const Response& r : frames) {
      EXPECT_TRUE(r.kind == Kind::kPage || r.kind == Kind::kLast)
          << ws::CommandName(command) << ": " << Code(r);
      for (const Value& v : r.items) items.push_back(v);
    }
    return items;
  }

  // Every key and value in the engine, to see that refused requests changed nothing.
  std::string Fingerprint(bool skip_prefix_counter = false) {
    std::string all;
    auto it = service_->db()->engine()->NewIterator(kv::ReadOptions());
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      if (skip_prefix_counter && it->key() == Slice("\x01n", 2)) continue;
      all += it->key().ToString() + '\0' + it->value().ToString() + '\n';
    }
    return all;
  }

  void InsertNumbers(int n, const std::string& coll = "nums") {
    Array docs;
    for (int i = 0; i < n; ++i) {
      docs.push_back(Obj({{"_id", i}, {"n", i}, {"pad", std::string(50, 'x')}}));
    }
    auto r = service_->db()->collection(coll).InsertMany(std::move(docs));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }

  std::string dir_;
  std::string admin_secret_;
  ApiKeyInfo admin_;
  std::unique_ptr<Service> service_;
  uint32_t next_id_ = 100;
};

}  // namespace strata::server
