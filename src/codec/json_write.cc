// The JSON writer: appends straight into a std::string (no streams); doubles in their shortest
// round-trip form; invalid UTF-8 in strings replaced by U+FFFD so the output is always valid.
#include <charconv>
#include <cmath>
#include <string>

#include "codec/json.h"
#include "codec/json_internal.h"

namespace strata::codec {

using namespace json_internal;  // NOLINT: the codec's own helpers

namespace {

class Writer {
 public:
  Writer(std::string* out, bool pretty) : out_(out), pretty_(pretty) {}

  void Write(const Value& v, int level) {
    switch (v.type()) {
      case ValueType::kNull:
        out_->append("null");
        return;
      case ValueType::kBool:
        out_->append(v.as_bool() ? "true" : "false");
        return;
      case ValueType::kInt: {
        char buf[24];
        auto r = std::to_chars(buf, buf + sizeof(buf), v.as_int());
        out_->append(buf, static_cast<size_t>(r.ptr - buf));
        return;
      }
      case ValueType::kDouble:
        Double(v.as_double());
        return;
      case ValueType::kString:
        String(v.as_string());
        return;
      case ValueType::kBinary:
        Open("$binary");
        out_->push_back('"');
        AppendBase64(v.as_binary(), out_);
        out_->append("\"}");
        return;
      case ValueType::kDate: {
        Open("$date");
        size_t at = out_->size();
        out_->push_back('"');
        if (FormatIsoDate(v.as_date(), out_)) {
          out_->push_back('"');
        } else {  // outside years 0000..9999: milliseconds
          out_->resize(at);
          char buf[24];
          auto r = std::to_chars(buf, buf + sizeof(buf), v.as_date());
          out_->append(buf, static_cast<size_t>(r.ptr - buf));
        }
        out_->push_back('}');
        return;
      }
      case ValueType::kMinKey:
        Open("$minKey");
        out_->append("1}");
        return;
      case ValueType::kMaxKey:
        Open("$maxKey");
        out_->append("1}");
        return;
      case ValueType::kArray: {
        const Array& items = v.as_array();
        if (items.empty()) {
          out_->append("[]");
          return;
        }
        out_->push_back('[');
        for (size_t i = 0; i < items.size(); i++) {
          if (i > 0) out_->push_back(',');
          NewLine(level + 1);
          Write(items[i], level + 1);
        }
        NewLine(level);
        out_->push_back(']');
        return;
      }
      case ValueType::kObject: {
        const Object& fields = v.as_object();
        if (fields.empty()) {
          out_->append("{}");
          return;
        }
        out_->push_back('{');
        bool first = true;
        for (const auto& [name, value] : fields) {
          if (!first) out_->push_back(',');
          first = false;
          NewLine(level + 1);
          String(name);
          out_->append(pretty_ ? ": " : ":");
          Write(value, level + 1);
        }
        NewLine(level);
        out_->push_back('}');
        return;
      }
    }
  }

 private:
  // The start of a one-field extended form, kept on one line in pretty mode too.
  void Open(std::string_view key) {
    out_->append("{\"");
    out_->append(key);
    out_->append(pretty_ ? "\": " : "\":");
  }

  void NewLine(int level) {
    if (!pretty_) return;
    out_->push_back('\n');
    out_->append(static_cast<size_t>(2 * level), ' ');
  }

  void Double(double d) {
    if (!std::isfinite(d)) {
      Open("$numberDouble");
      out_->append(std::isnan(d) ? "\"NaN\"}" : (d > 0 ? "\"Infinity\"}" : "\"-Infinity\"}"));
      return;
    }
    char buf[40];
    auto r = std::to_chars(buf, buf + sizeof(buf), d);
    std::string_view s(buf, static_cast<size_t>(r.ptr - buf));
    out_->append(s);
    // "1" would read back as an int.
    if (s.find_first_of(".e") == std::string_view::npos) out_->append(".0");
  }

  void String(const std::string& s) {
    static const char kHex[] = "0123456789abcdef";
    out_->push_back('"');
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    size_t n = s.size();
    size_t run = 0;  // start of the bytes not yet copied
    for (size_t i = 0; i < n;) {
      unsigned char c = p[i];
      if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
        i++;
        continue;
      }
      if (c >= 0x80) {
        int len = Utf8SequenceLength(p + i, n - i);
        if (len > 0) {  // valid: stays in the run
          i += static_cast<size_t>(len);
          continue;
        }
        out_->append(s, run, i - run);
        out_->append("\xEF\xBF\xBD");  // U+FFFD for a byte that is not UTF-8
        run = ++i;
        continue;
      }
      out_->append(s, run, i - run);
      switch (c) {
        case '"':
          out_->append("\\\"");
          break;
        case '\\':
          out_->append("\\\\");
          break;
        case '\n':
          out_->append("\\n");
          break;
        case '\r':
          out_->append("\\r");
          break;
        case '\t':
          out_->append("\\t");
          break;
        case '\b':
          out_->append("\\b");
          break;
        case '\f':
          out_->append("\\f");
          break;
        default: {
          char esc[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
          out_->append(esc, 6);
        }
      }
      run = ++i;
    }
    out_->append(s, run, n - run);
    out_->push_back('"');
  }

  std::string* out_;
  bool pretty_;
};

}  // namespace

void AppendJson(const Value& value, std::string* out, const JsonWriteOptions& options) {
  Writer(out, options.pretty).Write(value, 0);
}

std::string ToJson(const Value& value, const JsonWriteOptions& options) {
  std::string out;
  AppendJson(value, &out, options);
  return out;
}

}  // namespace strata::codec
