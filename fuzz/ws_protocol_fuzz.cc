// Fuzz target: one binary WebSocket message through the frame decoder, then through a
// WsConnection on an in-memory database that lives for the whole run (docs/PROTOCOL.md). Every
// frame that decodes must encode back to the same request; every answer the connection sends
// must itself decode, and every error frame must carry a code and a message.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_service.h"
#include "server/service.h"
#include "server/ws_connection.h"
#include "server/ws_protocol.h"

namespace {

namespace ws = strata::server::ws;

struct World {
  std::unique_ptr<strata::server::Service> service;
  strata::server::ApiKeyInfo admin;
};

World* TheWorld() {
  static World* world = [] {
    auto* w = new World;
    strata::server::ServerOptions options;
    options.max_body_bytes = 1 << 20;
    std::string secret;
    w->service = strata::fuzz::OpenMemoryService(options, &secret);
    w->admin = w->service->keys()->Authenticate(secret).value();
    return w;
  }();
  return world;
}

void Check(bool ok, const char* what) {
  if (!ok) {
    fprintf(stderr, "fuzz: %s\n", what);
    abort();
  }
}

// Every message the connection sends must decode; errors must say what went wrong.
class CheckingSink : public strata::server::FrameSink {
 public:
  void Post(std::string message) override { Inspect(message); }
  bool Send(std::string message) override {
    Inspect(message);
    return true;
  }
  bool closed() const override { return false; }

 private:
  static void Inspect(const std::string& message) {
    std::vector<ws::Response> frames;
    Check(ws::DecodeResponses(message, &frames).ok(), "the server sent an undecodable message");
    for (const ws::Response& r : frames) {
      if (r.kind != ws::Kind::kError) continue;
      const strata::Value* code = r.payload.Find("code");
      const strata::Value* text = r.payload.Find("message");
      Check(code != nullptr && code->is_string() && text != nullptr && text->is_string(),
            "an error frame without code and message");
    }
  }
};

void CheckDecoder(std::string_view input) {
  std::vector<std::string_view> bodies;
  ws::DecodeError error;
  if (!ws::SplitFrames(input, 1 << 20, ws::kRequestHeader, &bodies, &error)) {
    Check(!error.status.ok(), "a refused message without a status");
    return;
  }
  size_t offset = 0;
  for (size_t i = 0; i < bodies.size(); ++i) {
    ws::Request request;
    if (ws::DecodeRequest(bodies[i], i, offset, &request, &error)) {
      std::string again;
      ws::AppendRequest(&again, request.command, request.id, request.payload, request.paging,
                        request.flags);
      std::vector<std::string_view> one;
      Check(ws::SplitFrames(again, 1 << 20, ws::kRequestHeader, &one, &error) && one.size() == 1,
            "a re-encoded request does not split");
      ws::Request back;
      Check(ws::DecodeRequest(one[0], 0, 0, &back, &error), "a re-encoded request is refused");
      Check(back.command == request.command && back.id == request.id &&
                back.paging.mode == request.paging.mode &&
                back.paging.value == request.paging.value && back.payload == request.payload,
            "a request does not survive re-encoding");
    } else {
      Check(!error.status.ok() && error.frame == i, "a refused frame without its place");
    }
    offset += ws::kLengthBytes + bodies[i].size();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  CheckDecoder(input);
  std::vector<ws::Response> responses;
  (void)ws::DecodeResponses(input, &responses);  // the client side must not crash either
  if (size > (16 << 10)) return 0;               // keep the shared database small
  World* w = TheWorld();
  CheckingSink sink;
  strata::server::WsConnection connection(w->service.get(), w->admin, &sink);
  connection.OnMessage(input);
  connection.Close();
  return 0;
}
