// A blocking WebSocket client for the binary protocol on /ws (docs/PROTOCOL.md): connect with the
// API key in X-API-Key, then send and receive whole binary messages. Message framing inside the
// protocol (ids, command codes, pages) is the caller's business. Thread safety: one object per
// thread.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "client/http_client.h"
#include "strata/status.h"

namespace strata::client {

class WsClient {
 public:
  explicit WsClient(ClientOptions options);
  ~WsClient();  // closes without waiting for the server's close frame
  WsClient(const WsClient&) = delete;
  WsClient& operator=(const WsClient&) = delete;

  // Connects and upgrades `target`. The upgrade's HTTP status is in the error message when the
  // server refuses it (401 without a valid key).
  Status Connect(std::string_view target = "/ws");
  // Sends one binary message.
  Status Send(std::string_view message);
  // Receives one whole message (binary or text). TimedOut after `timeout_ms` (default: the
  // options' request timeout), which also drops the connection: a WebSocket read cannot be
  // abandoned halfway. Aborted when the server closed the connection.
  Result<std::string> Receive(int timeout_ms = -1);
  // Sends a close frame and waits briefly for the server's.
  Status Close();
  bool connected() const;

 private:
  struct Impl;
  ClientOptions options_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace strata::client
