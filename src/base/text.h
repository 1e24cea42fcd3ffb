// Small text helpers shared by the line-oriented parsers (test scripts, tool output).
#pragma once

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

}  // namespace strata
