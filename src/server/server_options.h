// What `strata serve` is told: where to listen, where the data is, and the limits.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace strata::server {

struct ServerOptions {
  std::string bind = "127.0.0.1";
  uint16_t port = 6969;  // 0: any free port (the chosen one is printed and returned by port())
  std::string data = "./data";
  std::string backend = "strata";
  int io_threads = 2;
  size_t max_body_bytes = 16 << 20;  // HTTP request bodies and WebSocket messages
  size_t max_connections = 1024;
  int idle_timeout_ms = 60000;            // a connection without a request for this long is closed
  int request_timeout_ms = 30000;         // reading one request may take at most this long
  size_t ws_queue_bytes = 8 << 20;        // outbound bytes queued per WebSocket before reads pause
  std::string tls_cert, tls_key;          // PEM files; TLS when both are set
  std::vector<std::string> cors_origins;  // "*" allows any
  std::string admin_key;                  // STRATA_ADMIN_KEY: stored as an admin key on first start
  bool quiet = false;                     // no access log lines (benchmarks)
};

}  // namespace strata::server
