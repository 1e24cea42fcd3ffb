// Internal to http_client.cc and ws_client.cc (the two files that already use Beast): the steps of
// opening a connection that HTTP and WebSocket share. Not for other users: it pulls in Asio/SSL.
#pragma once

#include <openssl/ssl.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "client/http_client.h"

namespace strata::client::transport {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

// "<what> host:port: <error>".
inline std::string NetworkMessage(const ClientOptions& options, std::string_view what,
                                  const error_code& ec) {
  return std::string(what) + " " + options.host + ":" + std::to_string(options.port) + ": " +
         ec.message();
}

// TimedOut for a timeout, IOError otherwise.
inline Status NetworkError(const ClientOptions& options, std::string_view what,
                           const error_code& ec) {
  std::string message = NetworkMessage(options, what, ec);
  if (ec == beast::error::timeout || ec == asio::error::timed_out) {
    return Status::TimedOut(std::move(message));
  }
  return Status::IOError(std::move(message));
}

inline Result<tcp::resolver::results_type> Resolve(asio::io_context& ioc,
                                                   const ClientOptions& options) {
  tcp::resolver resolver(ioc);
  error_code ec;
  auto endpoints = resolver.resolve(options.host, std::to_string(options.port), ec);
  if (ec) return NetworkError(options, "resolving", ec);
  return endpoints;
}

// The client's TLS context, made on first use: the system's CAs when verifying, else none.
inline ssl::context& TlsContext(std::optional<ssl::context>& cached, const ClientOptions& options) {
  if (!cached) {
    error_code ignored;
    cached.emplace(ssl::context::tls_client);
    if (options.tls_verify) {
      cached->set_default_verify_paths(ignored);
      cached->set_verify_mode(ssl::verify_peer, ignored);
    } else {
      cached->set_verify_mode(ssl::verify_none, ignored);
    }
  }
  return *cached;
}

// Before the TLS handshake: the certificate must name the host (when verifying), and SNI, so that
// a server with several names picks the right certificate.
inline void PrepareTls(beast::ssl_stream<beast::tcp_stream>& stream, const ClientOptions& options) {
  if (options.tls_verify) {
    error_code ignored;
    stream.set_verify_callback(ssl::host_name_verification(options.host), ignored);
  }
  SSL_set_tlsext_host_name(stream.native_handle(), options.host.c_str());
}

}  // namespace strata::client::transport
