// Blocking clients of a Strata server: HttpClient (HTTP/1.1 keep-alive) and, in ws_client.h,
// WsClient (the binary WebSocket protocol's transport). Plain types only: Boost.Beast stays in the
// .cc files so that users of these headers compile quickly. Every call has a timeout and reports
// failures as Status (IOError for the network, TimedOut for timeouts); nothing throws.
// Thread safety: one client object per thread; distinct objects are independent.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "strata/status.h"

namespace strata::client {

struct ClientOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 6969;
  bool tls = false;         // https:// and wss://
  bool tls_verify = false;  // verify the server's certificate against the system's CAs
  std::string api_key;      // sent as X-API-Key when not empty
  int connect_timeout_ms = 5000;
  int request_timeout_ms = 30000;  // one request and its response, or one WebSocket message
};

// Fills host, port and tls from "http://host:port", "https://host", "ws://...", "host:port" or
// "host" (port 6969 by default; 443 for https without a port). A path after the authority is
// ignored. InvalidArgument when the URL cannot be read.
Status ParseUrl(std::string_view url, ClientOptions* options);

using Headers = std::vector<std::pair<std::string, std::string>>;

struct Response {
  int status = 0;
  std::string body;
  Headers headers;  // names lower-cased
  // The first header of that (lower-case) name; empty when absent.
  std::string_view Header(std::string_view name) const;
};

class HttpClient {
 public:
  explicit HttpClient(ClientOptions options);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Connects now; Request connects on its own when needed, so calling this is optional.
  Status Connect();
  // Sends one request on the kept-alive connection (reconnecting once when the server closed an
  // idle connection) and reads the whole response. A non-2xx status is a Response, not an error.
  // `body` is sent as application/json unless `headers` names another Content-Type.
  Result<Response> Request(std::string_view method, std::string_view target,
                           std::string_view body = {}, const Headers& headers = {});
  void Close();
  const ClientOptions& options() const { return options_; }

 private:
  struct Impl;
  ClientOptions options_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace strata::client
