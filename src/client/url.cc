// ParseUrl and Response::Header: the plain parts of the clients, apart from the Beast code.
#include <charconv>

#include "client/http_client.h"

namespace strata::client {

Status ParseUrl(std::string_view url, ClientOptions* options) {
  std::string_view rest = url;
  bool tls = false;
  bool default_port_tls = false;
  if (size_t scheme = rest.find("://"); scheme != std::string_view::npos) {
    std::string_view name = rest.substr(0, scheme);
    if (name == "https" || name == "wss") {
      tls = true;
      default_port_tls = true;
    } else if (name != "http" && name != "ws") {
      return Status::InvalidArgument("url '" + std::string(url) + "': unknown scheme '" +
                                     std::string(name) + "' (http, https, ws, wss)");
    }
    rest.remove_prefix(scheme + 3);
  }
  rest = rest.substr(0, rest.find('/'));
  std::string host;
  std::string_view port_text;
  if (!rest.empty() && rest.front() == '[') {  // [::1]:6969
    size_t close = rest.find(']');
    if (close == std::string_view::npos) {
      return Status::InvalidArgument("url '" + std::string(url) + "': unclosed '['");
    }
    host = std::string(rest.substr(1, close - 1));
    rest.remove_prefix(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') {
        return Status::InvalidArgument("url '" + std::string(url) + "': ':' expected after ']'");
      }
      port_text = rest.substr(1);
    }
  } else {
    size_t colon = rest.rfind(':');
    host = std::string(rest.substr(0, colon));
    if (colon != std::string_view::npos) port_text = rest.substr(colon + 1);
  }
  if (host.empty()) return Status::InvalidArgument("url '" + std::string(url) + "': no host");
  uint16_t port = default_port_tls ? 443 : 6969;
  if (!port_text.empty()) {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || value == 0 ||
        value > 65535) {
      return Status::InvalidArgument("url '" + std::string(url) + "': bad port '" +
                                     std::string(port_text) + "'");
    }
    port = static_cast<uint16_t>(value);
  }
  options->host = std::move(host);
  options->port = port;
  options->tls = tls;
  return Status::OK();
}

std::string_view Response::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (key == name) return value;
  }
  return {};
}

}  // namespace strata::client
