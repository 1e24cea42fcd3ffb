#include "server/http_types.h"

namespace strata::server {
namespace {

std::string_view Find(const std::vector<std::pair<std::string, std::string>>& list,
                      std::string_view name) {
  for (const auto& [k, v] : list) {
    if (k == name) return v;
  }
  return {};
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decoding; '+' is a space only in query strings.
bool Decode(std::string_view in, bool plus_is_space, std::string* out) {
  out->clear();
  out->reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) return false;
      int hi = HexDigit(in[i + 1]), lo = HexDigit(in[i + 2]);
      if (hi < 0 || lo < 0) return false;
      out->push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out->push_back(' ');
    } else {
      out->push_back(c);
    }
  }
  return true;
}

}  // namespace

std::string_view HttpRequest::Header(std::string_view name) const { return Find(headers, name); }
std::string_view HttpRequest::Query(std::string_view name) const { return Find(query, name); }
bool HttpRequest::HasQuery(std::string_view name) const {
  for (const auto& [k, v] : query) {
    if (k == name) return true;
  }
  return false;
}

bool ParseTarget(std::string_view target, HttpRequest* request) {
  request->target = std::string(target);
  size_t q = target.find('?');
  std::string_view path = target.substr(0, q);
  if (path.empty() || path[0] != '/') return false;
  if (!Decode(path, false, &request->path)) return false;
  request->query.clear();
  if (q == std::string_view::npos) return true;
  std::string_view rest = target.substr(q + 1);
  while (!rest.empty()) {
    size_t amp = rest.find('&');
    std::string_view part = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    if (part.empty()) continue;
    size_t eq = part.find('=');
    std::string key, value;
    if (!Decode(part.substr(0, eq), true, &key)) return false;
    if (eq != std::string_view::npos && !Decode(part.substr(eq + 1), true, &value)) return false;
    request->query.emplace_back(std::move(key), std::move(value));
  }
  return true;
}

}  // namespace strata::server
