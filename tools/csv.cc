// A character-at-a-time state machine over the stream's buffer.
#include "csv.h"

#include <cerrno>
#include <charconv>
#include <cstdlib>

#include "codec/json.h"

namespace strata::tools {

int CsvReader::Get() {
  int c;
  if (carry_pos_ < carry_.size()) {
    c = static_cast<unsigned char>(carry_[carry_pos_++]);
  } else {
    c = in_.sbumpc();
    if (c == std::char_traits<char>::eof()) return -1;
  }
  ++bytes_;
  if (c == '\n') ++line_;
  return c;
}

int CsvReader::Peek() {
  if (carry_pos_ < carry_.size()) return static_cast<unsigned char>(carry_[carry_pos_]);
  int c = in_.sgetc();
  return c == std::char_traits<char>::eof() ? -1 : c;
}

void CsvReader::SkipRestOfLine() {
  for (int c = Get(); c != -1 && c != '\n'; c = Get()) {
  }
}

Status CsvReader::Fail(uint64_t line, std::string what) {
  return Status::InvalidArgument("line " + std::to_string(line) + ": " + what);
}

Result<bool> CsvReader::Next(std::vector<CsvField>* fields, uint64_t* line) {
  if (!started_) {  // a UTF-8 byte order mark is not part of the first field
    started_ = true;
    if (Peek() == 0xEF) {
      for (int i = 0; i < 3 && in_.sgetc() != std::char_traits<char>::eof(); ++i) {
        carry_ += static_cast<char>(in_.sbumpc());
      }
      if (carry_ == "\xEF\xBB\xBF") {
        carry_.clear();
        bytes_ += 3;
      }
    }
  }
  while (true) {
    fields->clear();
    *line = line_;
    if (Peek() == -1) return false;
    fields->emplace_back();
    while (true) {
      CsvField& f = fields->back();
      int c = Peek();
      if (c == '"' && f.text.empty() && !f.quoted) {
        Get();
        f.quoted = true;
        uint64_t opened = line_;
        while (true) {
          c = Get();
          if (c == -1) return Fail(opened, "a quoted field is never closed");
          if (c == '"') {
            if (Peek() == '"') {
              Get();
              f.text += '"';
              continue;
            }
            break;
          }
          f.text += static_cast<char>(c);
        }
        c = Get();
        if (c == '\r' && Peek() == '\n') c = Get();
        if (c == ',') {
          fields->emplace_back();
          continue;
        }
        if (c == '\n' || c == -1) break;
        uint64_t at = line_;
        SkipRestOfLine();
        return Fail(at, "text after the closing quote of field " + std::to_string(fields->size()));
      }
      // Unquoted.
      bool ended = false;
      while (true) {
        c = Get();
        if (c == -1 || c == '\n') {
          ended = true;
          break;
        }
        if (c == '\r' && (Peek() == '\n' || Peek() == -1)) continue;
        if (c == ',') break;
        if (c == '"') {
          uint64_t at = line_;
          SkipRestOfLine();
          return Fail(at, "a quote inside unquoted field " + std::to_string(fields->size()) +
                              " (quote the whole field and double the quote)");
        }
        fields->back().text += static_cast<char>(c);
      }
      if (ended) break;
      fields->emplace_back();
    }
    if (fields->size() == 1 && !(*fields)[0].quoted && (*fields)[0].text.empty()) {
      fields->clear();  // a blank line
      continue;
    }
    return true;
  }
}

namespace {

bool LooksNumeric(std::string_view s) {
  if (s.empty()) return false;
  size_t i = (s[0] == '-' || s[0] == '+') ? 1 : 0;
  if (i >= s.size()) return false;
  bool digit = false;
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (c >= '0' && c <= '9') {
      digit = true;
    } else if (c != '.' && c != 'e' && c != 'E' && c != '-' && c != '+') {
      return false;
    }
  }
  return digit;
}

// The typed value of unquoted text, or a string.
Value Infer(const std::string& s) {
  if (s == "true") return Value(true);
  if (s == "false") return Value(false);
  if (s == "null") return Value();
  if (LooksNumeric(s)) {
    std::string_view v = s;
    if (v[0] == '+') v.remove_prefix(1);
    int64_t i = 0;
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), i);
    if (ec == std::errc() && end == v.data() + v.size()) return Value(i);
    errno = 0;
    char* dend = nullptr;
    double d = std::strtod(s.c_str(), &dend);
    if (dend == s.c_str() + s.size() && errno == 0) return Value(d);
  }
  return Value(s);
}

}  // namespace

Value CsvValue(const CsvField& field, bool* present) {
  *present = true;
  if (!field.quoted) {
    if (field.text.empty()) {
      *present = false;
      return Value();
    }
    return Infer(field.text);
  }
  if (!field.text.empty() && (field.text[0] == '{' || field.text[0] == '[')) {
    auto v = codec::ParseJson(field.text);
    if (v.ok()) return std::move(*v);
  }
  return Value(field.text);
}

std::string CsvQuote(std::string_view text, bool force) {
  bool needs = force || text.find_first_of(",\"\r\n") != std::string_view::npos;
  if (!needs) return std::string(text);
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string CsvCell(const Value& value) {
  if (value.is_string()) {
    const std::string& s = value.as_string();
    // Quoted whenever unquoted text would read back as something else.
    bool force = s.empty() || s.front() == ' ' || s.back() == ' ' || !Infer(s).is_string();
    return CsvQuote(s, force);
  }
  if (value.is_object() || value.is_array() || value.is_date() || value.is_binary()) {
    return CsvQuote(codec::ToJson(value), true);
  }
  if (value.is_double()) {
    // Non-finite doubles as extended JSON ({"$numberDouble": ...}), finite ones as numbers.
    std::string json = codec::ToJson(value);
    return json[0] == '{' ? CsvQuote(json, true) : json;
  }
  return codec::ToJson(value);  // null, bool, int
}

}  // namespace strata::tools
