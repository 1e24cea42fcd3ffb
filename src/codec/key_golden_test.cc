// The key format's test vectors: the table below is checked against the codec, rendered as
// tests/golden/keys.json (compared byte for byte, so SDKs in other languages test against the same
// vectors) and looked up in docs/formats/keys.md. STRATA_UPDATE_GOLDEN=1 rewrites the JSON file.
#include <gtest/gtest.h>

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <sstream>

#include "codec/key_codec.h"
#include "codec/key_codec_test_util.h"

#ifndef STRATA_SOURCE_DIR
#error "codec_test needs STRATA_SOURCE_DIR (src/codec/CMakeLists.txt)"
#endif

namespace strata::codec {
namespace {

using testing::ElementCompare;
using testing::Hex;
using testing::SameValue;
using testing::Sign;
using testing::Unhex;

struct Vector {
  std::string note;
  std::vector<Value> tuple;  // one element unless is_tuple
  bool is_tuple;
  std::string hex;
};

Vector One(std::string note, Value v, std::string hex) {
  return {std::move(note), {std::move(v)}, false, std::move(hex)};
}
Vector Tuple(std::string note, std::vector<Value> t, std::string hex) {
  return {std::move(note), std::move(t), true, std::move(hex)};
}

const std::vector<Vector>& Vectors() {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  constexpr int64_t kI64Min = std::numeric_limits<int64_t>::min();
  constexpr int64_t kI64Max = std::numeric_limits<int64_t>::max();
  static const std::vector<Vector> kVectors = {
      One("MinKey: below every element", Value::MinKey(), "01"),
      One("null", Value(), "08"),
      One("NaN: eight zero bytes, below every other number", Value(std::nan("")),
          "10000000000000000002"),
      One("-inf", Value(-kInf), "10000fffffffffffff02"),
      One("INT64_MIN is -2^63 exactly: residual tag 0x02, kind byte 0x00 (int)", Value(kI64Min),
          "103c1fffffffffffff0200"),
      One("-1.5: a negative double has all bits flipped", Value(-1.5), "104007ffffffffffff02"),
      One("int -1", Value(-1), "10400fffffffffffff0200"),
      One("-0.0 is stored as 0.0 (it decodes to 0.0)", Value(-0.0), "1080000000000000000280"),
      One("int 0", Value(0), "1080000000000000000200"),
      One("double 0.0", Value(0.0), "1080000000000000000280"),
      One("smallest denormal", Value(std::numeric_limits<double>::denorm_min()),
          "10800000000000000102"),
      One("0.1: not integral, so no kind byte", Value(0.1), "10bfb999999999999a02"),
      One("int 1", Value(1), "10bff00000000000000200"),
      One("double 1.0: differs from int 1 only in the kind byte", Value(1.0),
          "10bff00000000000000280"),
      One("1.5", Value(1.5), "10bff800000000000002"),
      One("int 42", Value(42), "10c0450000000000000200"),
      One("double 2^53", Value(9007199254740992.0), "10c3400000000000000280"),
      One("int 2^53+1: nearest double 2^53, residual +1 (tag 0x03, 0x8001)",
          Value(int64_t{9007199254740993}), "10c340000000000000038001"),
      One("INT64_MAX: nearest double 2^63, residual -1 (tag 0x01, 0x7fff)", Value(kI64Max),
          "10c3e0000000000000017fff"),
      One("double 2^63: above every int64", Value(9223372036854775808.0), "10c3e000000000000002"),
      One("+inf", Value(kInf), "10fff000000000000002"),
      One("empty string", Value(""), "2000"),
      One("string \"a\"", Value("a"), "206100"),
      One("a zero byte is escaped as 00 ff", Value(std::string("a\0b", 3)), "206100ff6200"),
      One("strings are bytes: 0xff needs no escape", Value("\xff"), "20ff00"),
      One("UTF-8 \"\\u00e9\"", Value("\xc3\xa9"), "20c3a900"),
      One("empty object", Value(Object{}), "3000"),
      One("object: field rank (3 = number), name, value; then the kind trailer",
          Value::MakeObject({{"a", Value(1)}}), "3003610010bff0000000000000020000"),
      One("object with a double and a string", Value::MakeObject({{"a", Value(1.0)}, {"b", "x"}}),
          "3003610010bff0000000000000020462002078000080"),
      One("empty array", Value(Array{}), "3800"),
      One("array: elements, end byte, then one kind bit per integral number",
          Value::MakeArray({Value(1.0), Value(2), Value::MakeArray({Value()})}),
          "3810bff00000000000000210c000000000000000023808000080"),
      One("empty binary", Value::Binary(""), "4000"),
      One("binary: length byte count, length, raw bytes", Value::Binary(std::string("\0\xff", 2)),
          "40010200ff"),
      One("false", Value(false), "50"),
      One("true", Value(true), "51"),
      One("date -1 ms", Value::Date(-1), "607fffffffffffffff"),
      One("date 0 (the epoch)", Value::Date(0), "608000000000000000"),
      One("date 2023-11-14T22:13:20Z", Value::Date(1700000000000), "608000018bcfe56800"),
      One("MaxKey: above every element", Value::MaxKey(), "fe"),
      Tuple("a tuple is its elements' concatenation", {Value("users"), Value(42)},
            "2075736572730010c0450000000000000200"),
      Tuple("kinds of top-level elements decide before the next element: int 1 first",
            {Value(1), Value("x")}, "10bff00000000000000200207800"),
      Tuple("... then double 1.0", {Value(1.0), Value("a")}, "10bff00000000000000280206100"),
      Tuple("scan bounds: (\"a\", MinKey)", {Value("a"), Value::MinKey()}, "20610001"),
      Tuple("scan bounds: (\"a\", MaxKey)", {Value("a"), Value::MaxKey()}, "206100fe"),
      Tuple("the empty tuple", {}, ""),
  };
  return kVectors;
}

// ---- Rendering the vectors as JSON (the format is described in docs/formats/keys.md). ----

void AppendJsonString(std::string* out, std::string_view s) {
  out->push_back('"');
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(static_cast<char>(c));
    } else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\u%04x", c);
      out->append(buf);
    } else {
      out->push_back(static_cast<char>(c));
    }
  }
  out->push_back('"');
}

bool IsAscii(std::string_view s) {
  for (unsigned char c : s) {
    if (c >= 0x80) return false;
  }
  return true;
}

std::string DoubleText(double d) {
  if (std::isnan(d)) return "nan";
  if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), d);  // shortest round-trip form
  return std::string(buf, end);
}

void Describe(std::string* out, const Value& v) {
  switch (v.type()) {
    case ValueType::kMinKey:
      out->append("{\"minKey\": true}");
      return;
    case ValueType::kMaxKey:
      out->append("{\"maxKey\": true}");
      return;
    case ValueType::kNull:
      out->append("{\"null\": true}");
      return;
    case ValueType::kBool:
      out->append(v.as_bool() ? "{\"bool\": true}" : "{\"bool\": false}");
      return;
    case ValueType::kInt:
      out->append("{\"int\": \"" + std::to_string(v.as_int()) + "\"}");
      return;
    case ValueType::kDouble:
      out->append("{\"double\": \"" + DoubleText(v.as_double()) + "\"}");
      return;
    case ValueType::kDate:
      out->append("{\"date\": \"" + std::to_string(v.as_date()) + "\"}");
      return;
    case ValueType::kBinary:
      out->append("{\"binary\": \"" + Hex(v.as_binary()) + "\"}");
      return;
    case ValueType::kString:
      if (IsAscii(v.as_string())) {
        out->append("{\"string\": ");
        AppendJsonString(out, v.as_string());
        out->append("}");
      } else {
        out->append("{\"stringHex\": \"" + Hex(v.as_string()) + "\"}");
      }
      return;
    case ValueType::kArray: {
      out->append("{\"array\": [");
      const char* sep = "";
      for (const Value& item : v.as_array()) {
        out->append(sep);
        Describe(out, item);
        sep = ", ";
      }
      out->append("]}");
      return;
    }
    case ValueType::kObject: {
      out->append("{\"object\": [");
      const char* sep = "";
      for (const auto& [name, value] : v.as_object()) {
        out->append(sep);
        out->append("[");
        AppendJsonString(out, name);
        out->append(", ");
        Describe(out, value);
        out->append("]");
        sep = ", ";
      }
      out->append("]}");
      return;
    }
  }
}

std::string RenderGolden() {
  std::string out = "[\n";
  const auto& vectors = Vectors();
  for (size_t i = 0; i < vectors.size(); ++i) {
    const Vector& vec = vectors[i];
    out.append("  {\"note\": ");
    AppendJsonString(&out, vec.note);
    if (vec.is_tuple) {
      out.append(", \"tuple\": [");
      for (size_t k = 0; k < vec.tuple.size(); ++k) {
        if (k > 0) out.append(", ");
        Describe(&out, vec.tuple[k]);
      }
      out.append("]");
    } else {
      out.append(", \"value\": ");
      Describe(&out, vec.tuple[0]);
      const Value& v = vec.tuple[0];
      if (v.is_double() && v.as_double() == 0 && std::signbit(v.as_double())) {
        out.append(", \"decodesTo\": {\"double\": \"0\"}");
      }
    }
    out.append(", \"hex\": \"" + vec.hex + "\"}");
    out.append(i + 1 < vectors.size() ? ",\n" : "\n");
  }
  out.append("]\n");
  return out;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(KeyGoldenTest, VectorsMatchTheCodec) {
  for (const Vector& vec : Vectors()) {
    SCOPED_TRACE(vec.note);
    EXPECT_EQ(Hex(EncodeKey(vec.tuple)), vec.hex);
    std::vector<Value> back;
    Status s = DecodeKey(Unhex(vec.hex), &back);
    if (!s.ok() || back.size() != vec.tuple.size()) {
      ADD_FAILURE() << s.ToString() << ", " << back.size() << " elements";
      continue;
    }
    for (size_t k = 0; k < back.size(); ++k) {
      EXPECT_TRUE(SameValue(back[k], vec.tuple[k]));
      if (back[k].is_double() && back[k].as_double() == 0) {
        EXPECT_FALSE(std::signbit(back[k].as_double()));  // -0.0 comes back as 0.0
      }
    }
  }
}

TEST(KeyGoldenTest, SingleValueVectorsSortByTheirBytes) {
  const auto& vectors = Vectors();
  for (const Vector& a : vectors) {
    for (const Vector& b : vectors) {
      if (a.is_tuple || b.is_tuple) continue;
      EXPECT_EQ(Sign(Unhex(a.hex).compare(Unhex(b.hex))), ElementCompare(a.tuple[0], b.tuple[0]))
          << a.note << " vs " << b.note;
    }
  }
}

TEST(KeyGoldenTest, JsonFileHoldsTheVectors) {
  std::string path = std::string(STRATA_SOURCE_DIR) + "/tests/golden/keys.json";
  std::string expected = RenderGolden();
  const char* update = std::getenv("STRATA_UPDATE_GOLDEN");
  if (update != nullptr && std::string(update) == "1") {
    std::ofstream(path, std::ios::binary) << expected;
  }
  EXPECT_EQ(ReadFile(path), expected)
      << path << " differs from the table in key_golden_test.cc; rerun with STRATA_UPDATE_GOLDEN=1"
      << " after changing the table on purpose";
}

TEST(KeyGoldenTest, FormatDocumentListsTheVectors) {
  std::string doc = ReadFile(std::string(STRATA_SOURCE_DIR) + "/docs/formats/keys.md");
  ASSERT_FALSE(doc.empty());
  for (const Vector& vec : Vectors()) {
    if (vec.hex.empty()) continue;
    EXPECT_NE(doc.find("`" + vec.hex + "`"), std::string::npos) << vec.note << ": " << vec.hex;
  }
}

}  // namespace
}  // namespace strata::codec
