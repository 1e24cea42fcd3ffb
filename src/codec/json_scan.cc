// The error locator: a strict, iterative (no recursion, so no stack overflow on deep input) JSON
// validator that runs only after simdjson refused a text, to say where and why.
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include "codec/json_internal.h"

namespace strata::codec::json_internal {

int Utf8SequenceLength(const unsigned char* s, size_t n) {
  unsigned char c = s[0];
  if (c < 0x80) return 1;
  auto cont = [&](size_t i, unsigned char lo = 0x80, unsigned char hi = 0xBF) {
    return i < n && s[i] >= lo && s[i] <= hi;
  };
  if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    unsigned char lo = c == 0xE0 ? 0xA0 : 0x80;
    unsigned char hi = c == 0xED ? 0x9F : 0xBF;  // 0xED A0..BF would be a surrogate
    return cont(1, lo, hi) && cont(2) ? 3 : 0;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    unsigned char lo = c == 0xF0 ? 0x90 : 0x80;
    unsigned char hi = c == 0xF4 ? 0x8F : 0xBF;  // nothing past U+10FFFF
    return cont(1, lo, hi) && cont(2) && cont(3) ? 4 : 0;
  }
  return 0;
}

std::string LineColumn(std::string_view text, size_t offset) {
  if (offset > text.size()) offset = text.size();
  size_t line = 1, column = 1;
  for (size_t i = 0; i < offset; i++) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c == '\n') {
      line++;
      column = 1;
    } else if ((c & 0xC0) != 0x80) {  // not a UTF-8 continuation byte
      column++;
    }
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

namespace {

bool IsDigit(unsigned char c) { return c >= '0' && c <= '9'; }
bool IsSpace(unsigned char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

int HexValue(unsigned char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

class Scanner {
 public:
  Scanner(std::string_view text, int max_depth, std::vector<size_t>* big_ints)
      : s_(reinterpret_cast<const unsigned char*>(text.data())),
        n_(text.size()),
        max_depth_(max_depth),
        big_ints_(big_ints) {}

  std::optional<JsonFault> Run() {
    std::vector<bool> in_object;  // the open containers; true for an object
    SkipSpace();
    while (true) {
      // A value is expected at i_.
      if (i_ >= n_) return Fault("unexpected end of input, expected a value");
      unsigned char c = s_[i_];
      if (c == '{' || c == '[') {
        if (static_cast<int>(in_object.size()) >= max_depth_) {
          return Fault("nesting deeper than " + std::to_string(max_depth_) + " levels");
        }
        in_object.push_back(c == '{');
        i_++;
        SkipSpace();
        char close = c == '{' ? '}' : ']';
        if (i_ < n_ && s_[i_] == close) {
          i_++;
          in_object.pop_back();
        } else if (c == '{') {
          if (auto f = Key("expected a string key or '}'")) return f;
          continue;
        } else {
          continue;
        }
      } else if (c == '"') {
        if (auto f = String()) return f;
      } else if (c == '-' || IsDigit(c)) {
        if (auto f = Number()) return f;
      } else if (c == 't' || c == 'f' || c == 'n') {
        if (auto f = Literal()) return f;
      } else {
        return Fault("unexpected " + Describe(i_) + ", expected a value");
      }
      // After a value: close containers or move to the next entry.
      while (true) {
        SkipSpace();
        if (in_object.empty()) {
          if (i_ < n_) return Fault("unexpected " + Describe(i_) + " after the JSON value");
          return std::nullopt;
        }
        bool obj = in_object.back();
        char close = obj ? '}' : ']';
        if (i_ >= n_) {
          return Fault(std::string("unexpected end of input, expected ',' or '") + close + "'");
        }
        if (s_[i_] == close) {
          i_++;
          in_object.pop_back();
          continue;
        }
        if (s_[i_] != ',') {
          return Fault("unexpected " + Describe(i_) + ", expected ',' or '" + close + "'");
        }
        i_++;
        SkipSpace();
        if (obj) {
          if (auto f = Key("expected a string key after ','")) return f;
        }
        break;
      }
    }
  }

 private:
  // An object key, the ':' and the space before the value.
  std::optional<JsonFault> Key(const char* expected) {
    if (i_ >= n_) return Fault(std::string("unexpected end of input, ") + expected);
    if (s_[i_] != '"') return Fault("unexpected " + Describe(i_) + ", " + expected);
    if (auto f = String()) return f;
    SkipSpace();
    if (i_ >= n_) return Fault("unexpected end of input, expected ':' after the key");
    if (s_[i_] != ':') return Fault("unexpected " + Describe(i_) + ", expected ':' after the key");
    i_++;
    SkipSpace();
    return std::nullopt;
  }

  std::optional<JsonFault> String() {
    size_t start = i_++;
    while (true) {
      if (i_ >= n_) {
        i_ = start;
        return Fault("unterminated string (no closing '\"')");
      }
      unsigned char c = s_[i_];
      if (c == '"') {
        i_++;
        return std::nullopt;
      }
      if (c == '\\') {
        if (auto f = Escape()) return f;
      } else if (c < 0x20) {
        return Fault("control character " + Describe(i_) + " in a string must be escaped");
      } else if (c < 0x80) {
        i_++;
      } else {
        int len = Utf8SequenceLength(s_ + i_, n_ - i_);
        if (len == 0) return Fault("invalid UTF-8 " + Describe(i_) + " in a string");
        i_ += static_cast<size_t>(len);
      }
    }
  }

  std::optional<JsonFault> Escape() {
    if (i_ + 1 >= n_) return Fault("unterminated escape sequence");
    unsigned char e = s_[i_ + 1];
    if (e == '"' || e == '\\' || e == '/' || e == 'b' || e == 'f' || e == 'n' || e == 'r' ||
        e == 't') {
      i_ += 2;
      return std::nullopt;
    }
    if (e != 'u') {
      if (e < 0x20 || e >= 0x7F)
        return Fault("invalid escape: '\\' followed by " + Describe(i_ + 1));
      return Fault(std::string("invalid escape sequence '\\") + static_cast<char>(e) + "'");
    }
    int unit = Hex4(i_ + 2);
    if (unit < 0) return Fault("expected four hex digits after '\\u'");
    if (unit >= 0xDC00 && unit <= 0xDFFF) {
      return Fault("lone low surrogate in a '\\u' escape");
    }
    if (unit >= 0xD800 && unit <= 0xDBFF) {
      int low = i_ + 7 < n_ && s_[i_ + 6] == '\\' && s_[i_ + 7] == 'u' ? Hex4(i_ + 8) : -1;
      if (low < 0xDC00 || low > 0xDFFF) {
        return Fault("high surrogate in a '\\u' escape not followed by a low surrogate");
      }
      i_ += 12;
      return std::nullopt;
    }
    i_ += 6;
    return std::nullopt;
  }

  int Hex4(size_t at) const {
    if (at + 4 > n_) return -1;
    int v = 0;
    for (size_t k = 0; k < 4; k++) {
      int h = HexValue(s_[at + k]);
      if (h < 0) return -1;
      v = v * 16 + h;
    }
    return v;
  }

  std::optional<JsonFault> Number() {
    size_t start = i_;
    bool negative = s_[i_] == '-';
    if (negative) i_++;
    if (i_ >= n_ || !IsDigit(s_[i_])) return Fault("expected a digit after '-'");
    size_t digits_start = i_;
    if (s_[i_] == '0') {
      i_++;
      if (i_ < n_ && IsDigit(s_[i_])) return Fault("leading zeros are not allowed in a number");
    } else {
      while (i_ < n_ && IsDigit(s_[i_])) i_++;
    }
    size_t digits = i_ - digits_start;
    bool integer = true;
    if (i_ < n_ && s_[i_] == '.') {
      integer = false;
      i_++;
      if (i_ >= n_ || !IsDigit(s_[i_])) return Fault("expected a digit after '.'");
      while (i_ < n_ && IsDigit(s_[i_])) i_++;
    }
    if (i_ < n_ && (s_[i_] == 'e' || s_[i_] == 'E')) {
      integer = false;
      i_++;
      if (i_ < n_ && (s_[i_] == '+' || s_[i_] == '-')) i_++;
      if (i_ >= n_ || !IsDigit(s_[i_])) return Fault("expected a digit in the exponent");
      while (i_ < n_ && IsDigit(s_[i_])) i_++;
    }
    if (integer && digits < 19) return std::nullopt;
    if (integer && digits == 19) {
      std::string_view d(reinterpret_cast<const char*>(s_ + digits_start), 19);
      if (d <= (negative ? "9223372036854775808" : "9223372036854775807")) return std::nullopt;
    }
    std::string copy(reinterpret_cast<const char*>(s_ + start), i_ - start);
    errno = 0;
    double v = std::strtod(copy.c_str(), nullptr);
    if (std::isinf(v)) {
      size_t end = i_;
      i_ = start;
      auto f = Fault("number " + copy.substr(0, 40) + (copy.size() > 40 ? "..." : "") +
                     " is out of range for a double");
      i_ = end;
      return f;
    }
    if (integer) big_ints_->push_back(i_);
    return std::nullopt;
  }

  std::optional<JsonFault> Literal() {
    std::string_view rest(reinterpret_cast<const char*>(s_ + i_), n_ - i_);
    for (std::string_view word : {"true", "false", "null"}) {
      if (rest.substr(0, word.size()) == word) {
        i_ += word.size();
        return std::nullopt;
      }
    }
    return Fault("invalid literal, expected true, false or null");
  }

  void SkipSpace() {
    while (i_ < n_ && IsSpace(s_[i_])) i_++;
  }

  std::string Describe(size_t at) const {
    unsigned char c = s_[at];
    static const char kHex[] = "0123456789ABCDEF";
    if (c >= 0x20 && c < 0x7F) return std::string("character '") + static_cast<char>(c) + "'";
    return std::string("byte 0x") + kHex[c >> 4] + kHex[c & 15];
  }

  JsonFault Fault(std::string message) const { return JsonFault{i_, std::move(message)}; }

  const unsigned char* s_;
  size_t n_;
  size_t i_ = 0;
  int max_depth_;
  std::vector<size_t>* big_ints_;
};

}  // namespace

std::optional<JsonFault> ScanJson(std::string_view text, int max_depth,
                                  std::vector<size_t>* big_ints) {
  return Scanner(text, max_depth, big_ints).Run();
}

size_t LocateContainer(std::string_view text, uint64_t ordinal, bool first_value) {
  uint64_t seen = 0;
  size_t i = 0, n = text.size();
  auto skip_string = [&] {  // i at the opening quote; leaves i past the closing one
    for (i++; i < n && text[i] != '"'; i++) {
      if (text[i] == '\\') i++;
    }
    i++;
  };
  auto skip_space = [&] {
    while (i < n && IsSpace(static_cast<unsigned char>(text[i]))) i++;
  };
  while (i < n) {
    char c = text[i];
    if (c == '"') {
      skip_string();
      continue;
    }
    if (c == '{' || c == '[') {
      if (seen++ == ordinal) {
        if (!first_value || c != '{') return i;
        size_t open = i;
        i++;
        skip_space();
        if (i >= n || text[i] != '"') return open;
        skip_string();
        skip_space();
        i++;  // the ':'
        skip_space();
        return i < n ? i : open;
      }
    }
    i++;
  }
  return 0;
}

}  // namespace strata::codec::json_internal
