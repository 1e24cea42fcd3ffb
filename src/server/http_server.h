// The network side of `strata serve`: Boost.Beast/Asio with a fixed pool of I/O threads, HTTP/1.1
// keep-alive and WebSocket (/ws) on one port, optional TLS. It parses requests into HttpRequest
// and hands them to Dispatch (http_dispatch.h), and hands WebSocket messages to WsConnection.
// Limits: body and message size, connection count, idle and request timeouts, a bounded outbound
// queue per WebSocket. Stop() stops accepting, lets in-flight requests finish, closes idle
// connections and returns once every connection is gone.
// Thread safety: Start/Stop/Wait from one controlling thread.
#pragma once

#include <cstdint>
#include <memory>

#include "server/router.h"
#include "server/server_options.h"
#include "strata/status.h"

namespace strata::server {

class Service;

class HttpServer {
 public:
  // Binds and starts the I/O threads; `service` must outlive the server.
  static Result<std::unique_ptr<HttpServer>> Start(Service* service, const ServerOptions& options);
  ~HttpServer();  // Stop() + Wait()

  uint16_t port() const;
  // Begins a graceful stop; safe to call from a signal-handling thread and more than once.
  void Stop();
  // Blocks until the server has stopped.
  void Wait();

 private:
  struct Impl;
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace strata::server
