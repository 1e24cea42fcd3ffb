// The relaxed-to-strict conversion is one pass of a small tokenizer that copies tokens, quoting
// what needs quotes, and remembers for each output byte the input column it came from, so that
// codec::ParseJson's "line L, column C" can be mapped back to the user's text.
#include "shell_json.h"

#include <cctype>
#include <charconv>
#include <cstdio>
#include <vector>

#include "codec/json.h"

namespace strata::tools {

namespace {

bool IdentStart(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == '$';
}
bool IdentChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$' || c == '.' ||
         c == '-';
}

class Converter {
 public:
  Converter(std::string_view in, size_t base) : in_(in), base_(base) {}

  Result<std::string> Run() {
    while (true) {
      SkipSpaceAndComments();
      if (!error_.ok()) return error_;
      if (pos_ >= in_.size()) break;
      char c = in_[pos_];
      size_t start = pos_;
      if (c == '"' || c == '\'') {
        if (!String()) return error_;
      } else if (c == '{' || c == '[' || c == ':') {
        Emit(std::string(1, c), start);
        ++pos_;
      } else if (c == '}' || c == ']') {
        DropTrailingComma();
        Emit(std::string(1, c), start);
        ++pos_;
      } else if (c == ',') {
        Emit(",", start);
        ++pos_;
      } else if (c == '-' || c == '+' || c == '.' || std::isdigit(static_cast<unsigned char>(c))) {
        if (!Number()) return error_;
      } else if (IdentStart(c)) {
        if (!Identifier()) return error_;
      } else {
        return Fail(start, std::string("unexpected character '") + c + "'");
      }
    }
    return out_;
  }

  // Maps a strict-text offset back to a column of the relaxed text (1-based, plus base).
  size_t ColumnOf(size_t out_offset) const {
    if (source_.empty()) return base_ + 1;
    if (out_offset >= source_.size()) return base_ + in_.size() + 1;
    return base_ + source_[out_offset] + 1;
  }

 private:
  Status Fail(size_t at, std::string what) {
    error_ = Status::InvalidArgument("column " + std::to_string(base_ + at + 1) + ": " + what);
    return error_;
  }

  bool Error(size_t at, std::string what) {
    Fail(at, std::move(what));
    return false;
  }

  void Emit(std::string_view text, size_t from) {
    out_ += text;
    source_.insert(source_.end(), text.size(), from);
  }

  void DropTrailingComma() {
    size_t i = out_.size();
    while (i > 0 && std::isspace(static_cast<unsigned char>(out_[i - 1]))) --i;
    if (i > 0 && out_[i - 1] == ',') {
      out_.erase(i - 1, 1);
      source_.erase(source_.begin() + static_cast<std::ptrdiff_t>(i - 1));
    }
  }

  void SkipSpaceAndComments() {
    while (pos_ < in_.size()) {
      char c = in_[pos_];
      if (std::isspace(static_cast<unsigned char>(c))) {
        ++pos_;
      } else if (in_.substr(pos_, 2) == "//") {
        while (pos_ < in_.size() && in_[pos_] != '\n') ++pos_;
      } else if (in_.substr(pos_, 2) == "/*") {
        size_t end = in_.find("*/", pos_ + 2);
        if (end == std::string_view::npos) {
          Fail(pos_, "unclosed comment");
          pos_ = in_.size();
          return;
        }
        pos_ = end + 2;
      } else {
        return;
      }
    }
  }

  // Copies a "..." string as it is; turns '...' into "..." (escaping '"', unescaping "\'").
  bool String() {
    size_t start = pos_;
    char quote = in_[pos_++];
    std::string s = "\"";
    while (true) {
      if (pos_ >= in_.size()) return Error(start, "unterminated string");
      char c = in_[pos_];
      if (c == quote) {
        ++pos_;
        break;
      }
      if (c == '\\') {
        if (pos_ + 1 >= in_.size()) return Error(start, "unterminated string");
        char next = in_[pos_ + 1];
        if (next == '\'') {
          s += '\'';
        } else {
          s += c;
          s += next;
        }
        pos_ += 2;
        continue;
      }
      if (c == '"') {
        s += "\\\"";
      } else if (c == '\n') {
        s += "\\n";
      } else if (c == '\t') {
        s += "\\t";
      } else {
        s += c;
      }
      ++pos_;
    }
    s += '"';
    Emit(s, start);
    return true;
  }

  bool Number() {
    size_t start = pos_;
    std::string s;
    if (in_[pos_] == '+') ++pos_;  // JSON has no leading '+'
    if (pos_ < in_.size() && in_[pos_] == '-') s += in_[pos_++];
    // -Infinity
    if (in_.substr(pos_, 8) == "Infinity") {
      pos_ += 8;
      Emit(s.empty() ? "{\"$numberDouble\":\"Infinity\"}" : "{\"$numberDouble\":\"-Infinity\"}",
           start);
      return true;
    }
    if (pos_ < in_.size() && in_[pos_] == '.') s += '0';  // .5
    while (pos_ < in_.size()) {
      char c = in_[pos_];
      if (std::isdigit(static_cast<unsigned char>(c)) || c == '.' || c == 'e' || c == 'E' ||
          ((c == '+' || c == '-') && !s.empty() && (s.back() == 'e' || s.back() == 'E'))) {
        s += c;
        ++pos_;
      } else {
        break;
      }
    }
    if (!s.empty() && s.back() == '.') s += '0';  // 5.
    if (s.empty() || s == "-") return Error(start, "a number was expected");
    Emit(s, start);
    return true;
  }

  size_t NextNonSpace(size_t from) const {
    while (from < in_.size() && std::isspace(static_cast<unsigned char>(in_[from]))) ++from;
    return from;
  }

  // The string or number argument of ISODate("...") and friends; pos_ is just after the name.
  bool DateCall(size_t start, std::string_view name) {
    size_t open = NextNonSpace(pos_);
    if (open >= in_.size() || in_[open] != '(') {
      return Error(start, "'(' expected after " + std::string(name));
    }
    size_t close = in_.find(')', open);
    if (close == std::string_view::npos) {
      return Error(start, "unclosed " + std::string(name) + "(");
    }
    std::string_view arg = in_.substr(open + 1, close - open - 1);
    while (!arg.empty() && std::isspace(static_cast<unsigned char>(arg.front()))) {
      arg.remove_prefix(1);
    }
    while (!arg.empty() && std::isspace(static_cast<unsigned char>(arg.back()))) {
      arg.remove_suffix(1);
    }
    std::string body;
    if (arg.size() >= 2 && (arg.front() == '"' || arg.front() == '\'') &&
        arg.back() == arg.front()) {
      body = "\"" + std::string(arg.substr(1, arg.size() - 2)) + "\"";
    } else {
      int64_t millis = 0;
      auto [end, ec] = std::from_chars(arg.data(), arg.data() + arg.size(), millis);
      if (arg.empty() || ec != std::errc() || end != arg.data() + arg.size()) {
        return Error(open + 1, std::string(name) + " takes a date string or milliseconds");
      }
      body = std::to_string(millis);
    }
    Emit("{\"$date\":" + body + "}", start);
    pos_ = close + 1;
    return true;
  }

  bool Identifier() {
    size_t start = pos_;
    while (pos_ < in_.size() && IdentChar(in_[pos_])) ++pos_;
    std::string_view word = in_.substr(start, pos_ - start);
    size_t next = NextNonSpace(pos_);
    if (next < in_.size() && in_[next] == ':') {  // an unquoted key
      Emit("\"" + std::string(word) + "\"", start);
      return true;
    }
    if (word == "true" || word == "false" || word == "null") {
      Emit(word, start);
    } else if (word == "undefined") {
      Emit("null", start);
    } else if (word == "NaN") {
      Emit("{\"$numberDouble\":\"NaN\"}", start);
    } else if (word == "Infinity") {
      Emit("{\"$numberDouble\":\"Infinity\"}", start);
    } else if (word == "ISODate" || word == "Date") {
      return DateCall(start, word);
    } else if (word == "new") {
      pos_ = NextNonSpace(pos_);
      size_t name_start = pos_;
      while (pos_ < in_.size() && IdentChar(in_[pos_])) ++pos_;
      std::string_view name = in_.substr(name_start, pos_ - name_start);
      if (name != "Date" && name != "ISODate") {
        return Error(start, "only 'new Date(...)' is understood");
      }
      return DateCall(start, name);
    } else {
      return Error(start, "unexpected word '" + std::string(word) +
                              "' (strings need quotes; keys need a ':' after them)");
    }
    return true;
  }

  std::string_view in_;
  size_t base_;
  size_t pos_ = 0;
  std::string out_;
  std::vector<size_t> source_;
  Status error_;
};

// codec::ParseJson's "line L, column C: what" as an offset into `text`, or npos.
size_t ErrorOffset(std::string_view text, const std::string& message) {
  size_t line = 0, column = 0;
  if (std::sscanf(message.c_str(), "line %zu, column %zu", &line, &column) != 2) {
    return std::string_view::npos;
  }
  size_t offset = 0;
  for (size_t l = 1; l < line && offset < text.size(); ++offset) {
    if (text[offset] == '\n') ++l;
  }
  return offset + (column > 0 ? column - 1 : 0);
}

}  // namespace

Result<std::string> RelaxedToStrict(std::string_view text, size_t base) {
  Converter converter(text, base);
  return converter.Run();
}

Result<Value> ParseRelaxedJson(std::string_view text, size_t base) {
  Converter converter(text, base);
  auto strict = converter.Run();
  if (!strict.ok()) return strict.status();
  if (strict->empty()) {
    return Status::InvalidArgument("column " + std::to_string(base + 1) + ": a value is missing");
  }
  auto value = codec::ParseJson(*strict);
  if (value.ok()) return value;
  std::string message = value.status().message();
  size_t offset = ErrorOffset(*strict, message);
  if (offset == std::string_view::npos) return value.status();
  // Keep the parser's words but say where in the user's text.
  size_t colon = message.find(": ");
  std::string what = colon == std::string::npos ? message : message.substr(colon + 2);
  return Status::InvalidArgument("column " + std::to_string(converter.ColumnOf(offset)) + ": " +
                                 what);
}

}  // namespace strata::tools
