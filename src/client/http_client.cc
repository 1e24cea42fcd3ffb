// HttpClient over Boost.Beast: one connection, kept alive, plain TCP or TLS. Each step runs an
// asynchronous Beast operation on the client's own io_context until it finishes, with the
// tcp_stream's deadline as the timeout.
#include "client/http_client.h"

#include <boost/asio/connect.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <chrono>
#include <limits>
#include <optional>

#include "client/transport.h"

namespace strata::client {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using error_code = boost::system::error_code;

struct HttpClient::Impl {
  asio::io_context ioc;
  std::optional<ssl::context> tls_context;
  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> secure;
  beast::flat_buffer buffer;
  bool connected = false;

  beast::tcp_stream& lowest() { return secure ? beast::get_lowest_layer(*secure) : *plain; }

  // Starts `op` (which takes a completion handler) and runs until it completes.
  template <typename Op>
  error_code Run(Op op) {
    error_code result = asio::error::would_block;
    op([&result](error_code ec, auto&&...) { result = ec; });
    ioc.restart();
    ioc.run();
    return result;
  }

  void Reset() {
    error_code ignored;
    if (secure) beast::get_lowest_layer(*secure).socket().close(ignored);
    if (plain) plain->socket().close(ignored);
    secure.reset();
    plain.reset();
    buffer.clear();
    connected = false;
  }
};

namespace {

using transport::NetworkError;

// The failures of a reused connection that the server had already closed while it was idle.
bool StaleConnection(const error_code& ec) {
  return ec == http::error::end_of_stream || ec == asio::error::connection_reset ||
         ec == asio::error::broken_pipe || ec == asio::error::eof;
}

beast::string_view Bsv(std::string_view s) { return beast::string_view(s.data(), s.size()); }

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

HttpClient::HttpClient(ClientOptions options)
    : options_(std::move(options)), impl_(std::make_unique<Impl>()) {}

HttpClient::~HttpClient() { Close(); }

void HttpClient::Close() {
  if (impl_) impl_->Reset();
}

Status HttpClient::Connect() {
  Impl& s = *impl_;
  s.Reset();
  auto endpoints = transport::Resolve(s.ioc, options_);
  if (!endpoints.ok()) return endpoints.status();
  if (options_.tls) {
    s.secure.emplace(s.ioc, transport::TlsContext(s.tls_context, options_));
    transport::PrepareTls(*s.secure, options_);
  } else {
    s.plain.emplace(s.ioc);
  }
  s.lowest().expires_after(std::chrono::milliseconds(options_.connect_timeout_ms));
  error_code ec = s.Run([&](auto handler) { s.lowest().async_connect(*endpoints, handler); });
  if (!ec && s.secure) {
    ec = s.Run([&](auto handler) { s.secure->async_handshake(ssl::stream_base::client, handler); });
  }
  if (ec) {
    s.Reset();
    return NetworkError(options_, "connecting to", ec);
  }
  s.connected = true;
  return Status::OK();
}

Result<Response> HttpClient::Request(std::string_view method, std::string_view target,
                                     std::string_view body, const Headers& headers) {
  Impl& s = *impl_;
  http::request<http::string_body> request;
  http::verb verb = http::string_to_verb(Bsv(method));
  if (verb == http::verb::unknown) {
    request.method_string(Bsv(method));
  } else {
    request.method(verb);
  }
  request.target(Bsv(target));
  request.version(11);
  request.set(http::field::host, options_.host + ":" + std::to_string(options_.port));
  request.set(http::field::user_agent, "strata-client");
  if (!options_.api_key.empty()) request.set("X-API-Key", options_.api_key);
  bool has_type = false;
  for (const auto& [name, value] : headers) {
    if (Lower(name) == "content-type") has_type = true;
    request.set(Bsv(name), Bsv(value));
  }
  if (!body.empty() && !has_type) request.set(http::field::content_type, "application/json");
  request.body() = std::string(body);
  request.keep_alive(true);
  request.prepare_payload();

  for (int attempt = 0;; ++attempt) {
    bool reused = s.connected;
    if (!s.connected) STRATA_RETURN_IF_ERROR(Connect());
    auto timeout = std::chrono::milliseconds(options_.request_timeout_ms);
    s.lowest().expires_after(timeout);
    error_code ec = s.Run([&](auto handler) {
      if (s.secure) {
        http::async_write(*s.secure, request, handler);
      } else {
        http::async_write(*s.plain, request, handler);
      }
    });
    http::response_parser<http::string_body> parser;
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    if (!ec) {
      ec = s.Run([&](auto handler) {
        if (s.secure) {
          http::async_read(*s.secure, s.buffer, parser, handler);
        } else {
          http::async_read(*s.plain, s.buffer, parser, handler);
        }
      });
    }
    if (ec) {
      s.Reset();
      if (reused && attempt == 0 && StaleConnection(ec)) continue;
      return NetworkError(options_, std::string(method) + " " + std::string(target) + " on", ec);
    }
    auto message = parser.release();
    Response response;
    response.status = static_cast<int>(message.result_int());
    for (const auto& field : message) {
      response.headers.emplace_back(
          Lower(std::string_view(field.name_string().data(), field.name_string().size())),
          std::string(field.value()));
    }
    response.body = std::move(message.body());
    if (!message.keep_alive()) s.Reset();
    return response;
  }
}

}  // namespace strata::client
