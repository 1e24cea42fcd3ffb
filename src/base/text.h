// Small text helpers shared by the line-oriented parsers (test scripts, tool output) and debug
// strings.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

namespace strata {

// `s` without leading and trailing spaces, tabs and carriage returns (a line split at '\n'
// may end in '\r').
inline std::string_view TrimBlanks(std::string_view s) {
  auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r'; };
  while (!s.empty() && blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && blank(s.back())) s.remove_suffix(1);
  return s;
}

// Printable form of bytes: printable ASCII as is (but '\\'), other bytes as \xNN. Past `max`
// input bytes it stops with "...(N bytes)".
inline std::string PrintableBytes(std::string_view s, size_t max = std::string_view::npos) {
  std::string r;
  for (size_t i = 0; i < s.size() && i < max; i++) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      r.push_back(static_cast<char>(c));
    } else {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\x%02x", c);
      r += buf;
    }
  }
  if (s.size() > max) r += "...(" + std::to_string(s.size()) + " bytes)";
  return r;
}

}  // namespace strata
