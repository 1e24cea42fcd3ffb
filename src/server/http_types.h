// The HTTP request and response as the handlers see them: plain data, no Boost.Beast, so that
// only the transport translation units include Beast (build time) and handlers can be tested and
// fuzzed without a socket. Thread safety: values.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace strata::server {

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // as sent: path plus query string
  std::string path;    // percent-decoded path without the query string
  std::vector<std::pair<std::string, std::string>> query;    // decoded, in order
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;
  std::string remote;  // peer address, for logs

  // The first header or query parameter of that (lower-case) name; empty when absent.
  std::string_view Header(std::string_view name) const;
  std::string_view Query(std::string_view name) const;
  bool HasQuery(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
};

// Splits `target` into path and query (percent-decoding both); false when the encoding is bad.
bool ParseTarget(std::string_view target, HttpRequest* request);

}  // namespace strata::server
