// The binary WebSocket protocol's per-connection logic (docs/PROTOCOL.md), apart from the
// transport: the transport hands it each binary message and gives it a FrameSink to answer on.
// Quick commands (get, insert...) run inline on the I/O thread; reads that page and
// subscriptions run on the connection's worker, which blocks on Send while the outbound queue is
// full (flow control) and checks for cancellation between pages.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "server/api_keys.h"

namespace strata::server {

class Service;

class FrameSink {
 public:
  virtual ~FrameSink() = default;
  // Queues one binary message without blocking (the I/O thread's answers). The transport stops
  // reading requests while more than ServerOptions::ws_queue_bytes are queued.
  virtual void Post(std::string message) = 0;
  // Queues one binary message, waiting while the queue is over its bound (workers' pages).
  // False once the connection is closed.
  virtual bool Send(std::string message) = 0;
  virtual bool closed() const = 0;
};

class WsConnection {
 public:
  // `principal`: the key the upgrade request carried; nullopt when it carried none, in which case
  // the first message must be an AUTH command.
  WsConnection(Service* service, std::optional<ApiKeyInfo> principal, FrameSink* sink);
  ~WsConnection();  // Close() first
  // One binary message from the client (called on the I/O thread, one at a time).
  void OnMessage(std::string_view message);
  // The connection is gone: cancels running commands, removes subscriptions, joins the worker.
  void Close();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace strata::server
