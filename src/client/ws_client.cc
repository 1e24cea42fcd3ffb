// WsClient over Boost.Beast. Each step runs an asynchronous operation on the client's own
// io_context for at most the timeout; past it the socket is closed, which ends the operation, and
// the client is disconnected (a WebSocket read cannot be abandoned halfway).
#include "client/ws_client.h"

#include <boost/asio/connect.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <chrono>
#include <optional>

#include "client/transport.h"

namespace strata::client {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace ssl = asio::ssl;
using error_code = boost::system::error_code;

struct WsClient::Impl {
  asio::io_context ioc;
  std::optional<ssl::context> tls_context;
  std::optional<websocket::stream<beast::tcp_stream>> plain;
  std::optional<websocket::stream<beast::ssl_stream<beast::tcp_stream>>> secure;
  beast::flat_buffer buffer;
  bool connected = false;

  beast::tcp_stream& lowest() {
    return secure ? beast::get_lowest_layer(*secure) : beast::get_lowest_layer(*plain);
  }

  template <typename F>
  void Visit(F f) {
    if (secure) {
      f(*secure);
    } else {
      f(*plain);
    }
  }

  // Starts `op` and runs it for at most `timeout_ms`; past that the socket is closed (ending the
  // operation) and the result is timed_out.
  template <typename Op>
  error_code Run(int timeout_ms, Op op) {
    error_code result = asio::error::would_block;
    bool done = false;
    op([&result, &done](error_code ec, auto&&...) {
      result = ec;
      done = true;
    });
    ioc.restart();
    ioc.run_for(std::chrono::milliseconds(timeout_ms));
    if (!done) {
      error_code ignored;
      lowest().socket().close(ignored);
      ioc.restart();
      ioc.run();
      connected = false;
      return asio::error::timed_out;
    }
    return result;
  }

  void Reset() {
    if (plain || secure) {
      error_code ignored;
      lowest().socket().close(ignored);
    }
    secure.reset();
    plain.reset();
    buffer.clear();
    connected = false;
  }
};

namespace {

Status NetworkError(const ClientOptions& options, std::string_view what, const error_code& ec) {
  if (ec == websocket::error::closed || ec == asio::error::eof ||
      ec == asio::error::connection_reset) {
    return Status::Aborted(transport::NetworkMessage(options, what, ec));
  }
  return transport::NetworkError(options, what, ec);
}

}  // namespace

WsClient::WsClient(ClientOptions options)
    : options_(std::move(options)), impl_(std::make_unique<Impl>()) {}

WsClient::~WsClient() {
  if (impl_) impl_->Reset();
}

bool WsClient::connected() const { return impl_->connected; }

Status WsClient::Connect(std::string_view target) {
  Impl& s = *impl_;
  s.Reset();
  auto endpoints = transport::Resolve(s.ioc, options_);
  if (!endpoints.ok()) return endpoints.status();
  if (options_.tls) {
    s.secure.emplace(s.ioc, transport::TlsContext(s.tls_context, options_));
    transport::PrepareTls(s.secure->next_layer(), options_);
  } else {
    s.plain.emplace(s.ioc);
  }
  error_code ec = s.Run(options_.connect_timeout_ms,
                        [&](auto handler) { s.lowest().async_connect(*endpoints, handler); });
  if (!ec && s.secure) {
    ec = s.Run(options_.connect_timeout_ms, [&](auto handler) {
      s.secure->next_layer().async_handshake(ssl::stream_base::client, handler);
    });
  }
  if (ec) {
    s.Reset();
    return NetworkError(options_, "connecting to", ec);
  }
  websocket::response_type upgrade;
  std::string host = options_.host + ":" + std::to_string(options_.port);
  std::string key = options_.api_key;
  s.Visit([&](auto& ws) {
    ws.set_option(websocket::stream_base::decorator([key](websocket::request_type& request) {
      request.set(http::field::user_agent, "strata-client");
      if (!key.empty()) request.set("X-API-Key", key);
    }));
    ws.binary(true);
    ws.read_message_max(0);  // the server bounds its messages
  });
  ec = s.Run(options_.connect_timeout_ms, [&](auto handler) {
    s.Visit([&](auto& ws) {
      ws.async_handshake(upgrade, beast::string_view(host.data(), host.size()),
                         beast::string_view(target.data(), target.size()), handler);
    });
  });
  if (ec) {
    s.Reset();
    if (ec == websocket::error::upgrade_declined) {
      return Status::IOError("WebSocket upgrade of " + std::string(target) + " on " + host +
                             " refused with HTTP " + std::to_string(upgrade.result_int()) + ": " +
                             upgrade.body());
    }
    return NetworkError(options_, "WebSocket handshake with", ec);
  }
  s.connected = true;
  return Status::OK();
}

Status WsClient::Send(std::string_view message) {
  Impl& s = *impl_;
  if (!s.connected) return Status::Aborted("WebSocket: not connected");
  error_code ec = s.Run(options_.request_timeout_ms, [&](auto handler) {
    s.Visit(
        [&](auto& ws) { ws.async_write(asio::buffer(message.data(), message.size()), handler); });
  });
  if (ec) {
    s.Reset();
    return NetworkError(options_, "WebSocket send to", ec);
  }
  return Status::OK();
}

Result<std::string> WsClient::Receive(int timeout_ms) {
  Impl& s = *impl_;
  if (!s.connected) return Status::Aborted("WebSocket: not connected");
  s.buffer.clear();
  int timeout = timeout_ms < 0 ? options_.request_timeout_ms : timeout_ms;
  error_code ec = s.Run(
      timeout, [&](auto handler) { s.Visit([&](auto& ws) { ws.async_read(s.buffer, handler); }); });
  if (ec) {
    s.Reset();
    return NetworkError(options_, "WebSocket receive from", ec);
  }
  std::string message = beast::buffers_to_string(s.buffer.data());
  s.buffer.clear();
  return message;
}

Status WsClient::Close() {
  Impl& s = *impl_;
  if (!s.connected) {
    s.Reset();
    return Status::OK();
  }
  error_code ec = s.Run(1000, [&](auto handler) {
    s.Visit([&](auto& ws) { ws.async_close(websocket::close_code::normal, handler); });
  });
  s.Reset();
  if (ec && ec != websocket::error::closed)
    return NetworkError(options_, "WebSocket close with", ec);
  return Status::OK();
}

}  // namespace strata::client
