// ParseJson: simdjson's DOM parser builds a tape, which is converted into a Value. On failure
// the scanner in json_scan.cc finds the position of the first fault.
#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "codec/document.h"
#include "codec/json.h"
#include "codec/json_internal.h"

namespace strata::codec {

using namespace json_internal;  // NOLINT: the codec's own helpers

namespace {

namespace dom = simdjson::dom;

// The element as T; callers check the type first.
template <typename T>
T As(dom::element e) {
  T v{};
  if (e.get(v) != simdjson::SUCCESS) return T{};
  return v;
}

// Above this depth the conversion's recursion and the Value's destructor get costly.
constexpr int kHardMaxDepth = 1000;
// Texts above this size get a parser of their own rather than growing the cached one for good.
constexpr size_t kCachedParserMaxBytes = 256 << 10;

struct Fault {
  uint64_t container;  // ordinal of the container (document order) at fault
  bool at_value;       // at its first field's value (an extended form) rather than its bracket
  std::string message;
};

class Converter {
 public:
  Converter(bool extended, int max_depth) : extended_(extended), max_depth_(max_depth) {}

  bool Convert(dom::element e, int depth, Value* out) {
    switch (e.type()) {
      case dom::element_type::NULL_VALUE:
        *out = Value();
        return true;
      case dom::element_type::BOOL:
        *out = Value(As<bool>(e));
        return true;
      case dom::element_type::INT64:
        *out = Value(As<int64_t>(e));
        return true;
      case dom::element_type::UINT64:  // only those beyond INT64_MAX come here
        *out = Value(static_cast<double>(As<uint64_t>(e)));
        return true;
      case dom::element_type::DOUBLE:
        *out = Value(As<double>(e));
        return true;
      case dom::element_type::STRING:
        *out = Value(std::string(As<std::string_view>(e)));
        return true;
      case dom::element_type::ARRAY:
        return ConvertArray(As<dom::array>(e), depth, out);
      case dom::element_type::OBJECT:
        return ConvertObject(As<dom::object>(e), depth, out);
    }
    return false;
  }

  Fault fault_;

 private:
  bool CheckDepth(int depth, uint64_t ordinal) {
    if (depth <= max_depth_) return true;
    fault_ = {ordinal, false, "nesting deeper than " + std::to_string(max_depth_) + " levels"};
    return false;
  }

  bool ConvertArray(dom::array a, int depth, Value* out) {
    uint64_t ordinal = next_ordinal_++;
    if (!CheckDepth(depth, ordinal)) return false;
    *out = Value(Array());
    Array& items = out->as_array();
    items.reserve(a.size());
    for (dom::element child : a) {
      items.emplace_back();
      if (!Convert(child, depth + 1, &items.back())) return false;
    }
    return true;
  }

  bool ConvertObject(dom::object o, int depth, Value* out) {
    uint64_t ordinal = next_ordinal_++;
    if (!CheckDepth(depth, ordinal)) return false;
    size_t n = o.size();
    if (extended_ && n == 1) {
      dom::key_value_pair kv = *o.begin();
      if (!kv.key.empty() && kv.key[0] == '$') {
        std::string error;
        int r = Extended(kv.key, kv.value, out, &error);
        if (r > 0) {
          // Count the containers inside the form so later ordinals stay in document order.
          next_ordinal_ += CountContainers(kv.value);
          return true;
        }
        if (r < 0) {
          fault_ = {ordinal, true, std::move(error)};
          return false;
        }
      }
    }
    *out = Value(Object());
    Object& fields = out->as_object();
    fields.reserve(n);
    std::unordered_map<std::string_view, size_t> index;  // only for wide objects
    for (dom::key_value_pair kv : o) {
      // A repeated name keeps its first position and takes the last value, as JavaScript does.
      size_t at = Lookup(fields, &index, kv.key);
      if (at == fields.size()) fields.emplace_back(std::string(kv.key), Value());
      if (!Convert(kv.value, depth + 1, &fields[at].second)) return false;
    }
    return true;
  }

  static size_t Lookup(const Object& fields, std::unordered_map<std::string_view, size_t>* index,
                       std::string_view key) {
    constexpr size_t kLinear = 16;
    if (fields.size() < kLinear) {
      for (size_t i = 0; i < fields.size(); i++) {
        if (fields[i].first == key) return i;
      }
      return fields.size();
    }
    if (index->empty()) {
      for (size_t i = 0; i < fields.size(); i++) index->emplace(fields[i].first, i);
    }
    auto [it, inserted] = index->emplace(key, fields.size());
    return it->second;
  }

  static uint64_t CountContainers(dom::element e) {
    uint64_t n = 0;
    if (e.is_array()) {
      n = 1;
      for (dom::element c : As<dom::array>(e)) n += CountContainers(c);
    } else if (e.is_object()) {
      n = 1;
      for (dom::key_value_pair kv : As<dom::object>(e)) n += CountContainers(kv.value);
    }
    return n;
  }

  // 1: an extended form, converted; 0: not one (a plain object); -1: a malformed one.
  int Extended(std::string_view key, dom::element v, Value* out, std::string* error) {
    if (key == "$date") {
      int64_t millis;
      if (v.is_string() && ParseIsoDate(As<std::string_view>(v), &millis)) {
        *out = Value::Date(millis);
        return 1;
      }
      if (v.is_int64()) {
        *out = Value::Date(As<int64_t>(v));
        return 1;
      }
      if (v.is_object() && As<dom::object>(v).size() == 1) {
        dom::element inner;
        if (!As<dom::object>(v).at_key("$numberLong").get(inner) && inner.is_string() &&
            ParseLong(As<std::string_view>(inner), &millis)) {
          *out = Value::Date(millis);
          return 1;
        }
      }
      *error =
          "$date expects an ISO-8601 string (\"2024-05-01T12:00:00Z\") or integer milliseconds";
      return -1;
    }
    if (key == "$binary") {
      std::string bytes;
      dom::element text = v;
      if (v.is_object()) {  // {"base64": "...", "subType": "00"}, MongoDB's canonical form
        if (As<dom::object>(v).at_key("base64").get(text)) text = v;
      }
      if (text.is_string() && DecodeBase64(As<std::string_view>(text), &bytes)) {
        *out = Value::Binary(std::move(bytes));
        return 1;
      }
      *error = "$binary expects a base64 string";
      return -1;
    }
    if (key == "$numberDouble") {
      if (v.is_string()) {
        std::string_view s = As<std::string_view>(v);
        double d;
        if (s == "NaN") {
          d = std::numeric_limits<double>::quiet_NaN();
        } else if (s == "Infinity") {
          d = std::numeric_limits<double>::infinity();
        } else if (s == "-Infinity") {
          d = -std::numeric_limits<double>::infinity();
        } else {
          auto r = std::from_chars(s.data(), s.data() + s.size(), d);
          if (s.empty() || r.ec != std::errc() || r.ptr != s.data() + s.size()) {
            *error = "$numberDouble expects \"NaN\", \"Infinity\", \"-Infinity\" or a number";
            return -1;
          }
        }
        *out = Value(d);
        return 1;
      }
      *error = "$numberDouble expects a string: \"NaN\", \"Infinity\" or \"-Infinity\"";
      return -1;
    }
    if (key == "$numberLong") {
      int64_t i;
      if (v.is_string() && ParseLong(As<std::string_view>(v), &i)) {
        *out = Value(i);
        return 1;
      }
      *error = "$numberLong expects a string of digits that fits in 64 bits";
      return -1;
    }
    if (key == "$minKey" || key == "$maxKey") {
      if (v.is_int64() && As<int64_t>(v) == 1) {
        *out = key == "$minKey" ? Value::MinKey() : Value::MaxKey();
        return 1;
      }
      *error = std::string(key) + " expects 1";
      return -1;
    }
    return 0;
  }

  static bool ParseLong(std::string_view s, int64_t* v) {
    if (s.empty() || s.front() == '+') return false;
    auto r = std::from_chars(s.data(), s.data() + s.size(), *v);
    return r.ec == std::errc() && r.ptr == s.data() + s.size();
  }

  bool extended_;
  int max_depth_;
  uint64_t next_ordinal_ = 0;
};

// simdjson needs SIMDJSON_PADDING readable bytes past the text; a thread's buffer and parser
// are reused so a small parse allocates nothing but the Value.
struct ThreadState {
  dom::parser parser;
  std::unique_ptr<char[]> buffer;
  size_t buffer_size = 0;
};

simdjson::error_code ParseDom(dom::parser* parser, std::unique_ptr<char[]>* buffer,
                              size_t* buffer_size, std::string_view text, int depth,
                              dom::element* root) {
  size_t need = text.size() + simdjson::SIMDJSON_PADDING;
  if (*buffer_size < need) {
    size_t size = std::max(need, *buffer_size * 2);
    buffer->reset(new char[size]);
    *buffer_size = size;
  }
  memcpy(buffer->get(), text.data(), text.size());
  memset(buffer->get() + text.size(), 0, simdjson::SIMDJSON_PADDING);
  // simdjson counts a scalar inside a container as one level deeper; ours counts containers.
  size_t simd_depth = static_cast<size_t>(depth) + 1;
  if (parser->max_depth() != simd_depth || parser->capacity() == 0) {
    simdjson::error_code err = parser->allocate(std::max<size_t>(text.size(), 4096), simd_depth);
    if (err) return err;
  }
  return parser->parse(buffer->get(), text.size(), false).get(*root);
}

Result<Value> Parse(std::string_view text, std::string_view original, const JsonParseOptions& o,
                    int depth, bool retried) {
  thread_local ThreadState cached;
  std::optional<ThreadState> local;
  ThreadState* st = &cached;
  if (text.size() > kCachedParserMaxBytes) st = &local.emplace();
  dom::element root;
  simdjson::error_code err =
      ParseDom(&st->parser, &st->buffer, &st->buffer_size, text, depth, &root);
  if (!err) {
    Converter conv(o.extended, depth);
    Value v;
    if (conv.Convert(root, 1, &v)) return v;
    size_t at = LocateContainer(original, conv.fault_.container, conv.fault_.at_value);
    return Status::InvalidArgument(LineColumn(original, at) + ": " + conv.fault_.message);
  }
  std::vector<size_t> big_ints;
  if (auto fault = ScanJson(text, depth, &big_ints)) {
    return Status::InvalidArgument(LineColumn(original, fault->offset) + ": " + fault->message);
  }
  if (!big_ints.empty() && !retried) {
    // Integers beyond uint64: simdjson refuses them; as "<digits>.0" it reads them as doubles.
    std::string rewritten;
    rewritten.reserve(text.size() + 2 * big_ints.size());
    size_t from = 0;
    for (size_t end : big_ints) {
      rewritten.append(text.substr(from, end - from));
      rewritten.append(".0");
      from = end;
    }
    rewritten.append(text.substr(from));
    return Parse(rewritten, original, o, depth, true);
  }
  return Status::InvalidArgument(LineColumn(original, 0) + ": invalid JSON (" +
                                 std::string(simdjson::error_message(err)) + ")");
}

}  // namespace

Result<Value> ParseJson(std::string_view text, const JsonParseOptions& options) {
  int depth = std::clamp(options.max_depth, 0, kHardMaxDepth);
  return Parse(text, text, options, depth, false);
}

}  // namespace strata::codec
