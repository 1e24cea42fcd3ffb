#include "codec/json.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "codec/document.h"
#include "codec/json_internal.h"
#include "codec/random_value_testutil.h"

namespace strata::codec {
namespace {

using testutil::RandomValueOptions;
using testutil::RandomValues;

Value Parse(std::string_view text, JsonParseOptions o = {}) {
  auto r = ParseJson(text, o);
  EXPECT_TRUE(r.ok()) << text << ": " << r.status().ToString();
  return r.ok() ? *r : Value();
}

// The error message of a text that must be refused.
std::string Error(std::string_view text, JsonParseOptions o = {}) {
  auto r = ParseJson(text, o);
  EXPECT_FALSE(r.ok()) << text;
  if (r.ok()) return "";
  EXPECT_TRUE(r.status().IsInvalidArgument());
  return r.status().message();
}

TEST(JsonTest, Scalars) {
  EXPECT_EQ(Parse("null"), Value());
  EXPECT_EQ(Parse(" true "), Value(true));
  EXPECT_EQ(Parse("false"), Value(false));
  EXPECT_EQ(Parse("\"x\\n\\u00e9\\ud83d\\ude00\""), Value("x\n\xC3\xA9\xF0\x9F\x98\x80"));
  EXPECT_EQ(Parse("\"a\\u0000b\""), Value(std::string("a\0b", 3)));
}

TEST(JsonTest, Numbers) {
  EXPECT_EQ(Parse("0"), Value(0));
  EXPECT_EQ(Parse("-12"), Value(-12));
  EXPECT_EQ(Parse("9223372036854775807"), Value(std::numeric_limits<int64_t>::max()));
  EXPECT_EQ(Parse("-9223372036854775808"), Value(std::numeric_limits<int64_t>::min()));
  EXPECT_EQ(Parse("9223372036854775808"), Value(9223372036854775808.0));
  EXPECT_EQ(Parse("18446744073709551615"), Value(18446744073709551615.0));
  EXPECT_EQ(Parse("18446744073709551616"), Value(18446744073709551616.0));
  EXPECT_EQ(Parse("-9223372036854775809"), Value(-9223372036854775809.0));
  EXPECT_EQ(Parse("[123456789012345678901234567890, 1]"),
            Value::MakeArray({Value(1.2345678901234568e29), Value(1)}));
  EXPECT_EQ(Parse("1.0"), Value(1.0));
  EXPECT_TRUE(Parse("1.0").is_double());
  EXPECT_TRUE(Parse("1e2").is_double());
  EXPECT_EQ(Parse("-2.5E-3"), Value(-0.0025));
  EXPECT_TRUE(std::signbit(Parse("-0.0").as_double()));
  EXPECT_EQ(Parse("1e-400"), Value(0.0));
  EXPECT_EQ(Error("[1, 1e400]"), "line 1, column 5: number 1e400 is out of range for a double");
  EXPECT_EQ(Error("-1e309"), "line 1, column 1: number -1e309 is out of range for a double");
  // Integers beyond uint64 plus a real syntax error later: the syntax error is reported.
  EXPECT_EQ(Error("[123456789012345678901234567890, ]"),
            "line 1, column 34: unexpected character ']', expected a value");
}

TEST(JsonTest, ObjectsKeepOrderAndMergeRepeatedNames) {
  Value v = Parse(R"({"b": 1, "a": [true, null, {}], "c": {"d": "e"}})");
  EXPECT_EQ(v, Value::MakeObject({{"b", Value(1)},
                                  {"a", Value::MakeArray({Value(true), Value(), Value(Object())})},
                                  {"c", Value::MakeObject({{"d", Value("e")}})}}));
  EXPECT_EQ(Parse(R"({"a": 1, "b": 2, "a": 3})"),
            Value::MakeObject({{"a", Value(3)}, {"b", Value(2)}}));
  std::string wide = "{";
  for (int i = 0; i < 40; i++) wide += "\"k" + std::to_string(i) + "\": " + std::to_string(i) + ",";
  wide += "\"k5\": \"again\"}";
  Value w = Parse(wide);
  ASSERT_EQ(w.as_object().size(), 40u);
  EXPECT_EQ(w.as_object()[5].second, Value("again"));
}

TEST(JsonTest, ErrorsSayWhereAndWhat) {
  EXPECT_EQ(Error(""), "line 1, column 1: unexpected end of input, expected a value");
  EXPECT_EQ(Error("  \n "), "line 2, column 2: unexpected end of input, expected a value");
  EXPECT_EQ(Error("{\"a\": 1,\n  \"b\" 2}"),
            "line 2, column 7: unexpected character '2', expected ':' after the key");
  EXPECT_EQ(Error("[1, 2"), "line 1, column 6: unexpected end of input, expected ',' or ']'");
  EXPECT_EQ(Error("[1 2]"), "line 1, column 4: unexpected character '2', expected ',' or ']'");
  EXPECT_EQ(Error("{\"a\":1,}"),
            "line 1, column 8: unexpected character '}', expected a string key after ','");
  EXPECT_EQ(Error("{a:1}"),
            "line 1, column 2: unexpected character 'a', expected a string key or '}'");
  EXPECT_EQ(Error("[01]"), "line 1, column 3: leading zeros are not allowed in a number");
  EXPECT_EQ(Error("[-]"), "line 1, column 3: expected a digit after '-'");
  EXPECT_EQ(Error("1."), "line 1, column 3: expected a digit after '.'");
  EXPECT_EQ(Error("1e+"), "line 1, column 4: expected a digit in the exponent");
  EXPECT_EQ(Error("tru"), "line 1, column 1: invalid literal, expected true, false or null");
  EXPECT_EQ(Error("1 2"), "line 1, column 3: unexpected character '2' after the JSON value");
  EXPECT_EQ(Error("\"abc"), "line 1, column 1: unterminated string (no closing '\"')");
  EXPECT_EQ(Error("[\"a\\x\"]"), "line 1, column 4: invalid escape sequence '\\x'");
  EXPECT_EQ(Error("\"\\u12\""), "line 1, column 2: expected four hex digits after '\\u'");
  EXPECT_EQ(Error("\"\\ud800\""),
            "line 1, column 2: high surrogate in a '\\u' escape not followed by a low surrogate");
  EXPECT_EQ(Error("\"\\udc00\""), "line 1, column 2: lone low surrogate in a '\\u' escape");
  EXPECT_EQ(Error("\"a\tb\""),
            "line 1, column 3: control character byte 0x09 in a string must be escaped");
  // Columns count characters, not bytes.
  EXPECT_EQ(Error("[\"\xC3\xA9\xE2\x82\xAC\", \xFF]"),
            "line 1, column 8: unexpected byte 0xFF, expected a value");
  EXPECT_EQ(Error("\"\xC0\xAF\""), "line 1, column 2: invalid UTF-8 byte 0xC0 in a string");
  EXPECT_EQ(Error("\"\xED\xA0\x80\""), "line 1, column 2: invalid UTF-8 byte 0xED in a string");
  EXPECT_EQ(Error("\xEF\xBB\xBF{}"), "line 1, column 1: unexpected byte 0xEF, expected a value");
  EXPECT_EQ(Error(std::string_view("[1,\0]", 5)),
            "line 1, column 4: unexpected byte 0x00, expected a value");
}

std::string Nest(int depth, const char* inner = "1") {
  return std::string(static_cast<size_t>(depth), '[') + inner +
         std::string(static_cast<size_t>(depth), ']');
}

TEST(JsonTest, NestingLimit) {
  EXPECT_TRUE(ParseJson(Nest(100)).ok());
  EXPECT_TRUE(ParseJson(Nest(100, "")).ok());
  EXPECT_EQ(Error(Nest(101)), "line 1, column 101: nesting deeper than 100 levels");
  EXPECT_EQ(Error(Nest(101, "")), "line 1, column 101: nesting deeper than 100 levels");
  EXPECT_EQ(Error("{\"a\":" + Nest(100, "{}") + "}"),
            "line 1, column 105: nesting deeper than 100 levels");
  // Far deeper than any stack could recurse: still a clean error.
  std::string deep(1000000, '[');
  EXPECT_EQ(Error(deep), "line 1, column 101: nesting deeper than 100 levels");
  std::string objs;
  for (int i = 0; i < 100000; i++) objs += "{\"a\":";
  EXPECT_EQ(Error(objs), "line 1, column 501: nesting deeper than 100 levels");

  JsonParseOptions two{.extended = true, .max_depth = 2};
  EXPECT_TRUE(ParseJson("[[1]]", two).ok());
  EXPECT_EQ(Error("[[[]]]", two), "line 1, column 3: nesting deeper than 2 levels");
  EXPECT_EQ(Error("[{\"a\": [1]}]", two), "line 1, column 8: nesting deeper than 2 levels");
  JsonParseOptions zero{.extended = true, .max_depth = 0};
  EXPECT_TRUE(ParseJson("5", zero).ok());
  EXPECT_EQ(Error("[]", zero), "line 1, column 1: nesting deeper than 0 levels");
}

TEST(JsonTest, ExtendedForms) {
  EXPECT_EQ(Parse(R"({"$date": "2024-05-01T12:30:00.123Z"})"), Value::Date(1714566600123));
  EXPECT_EQ(Parse(R"({"$date": "1970-01-01"})"), Value::Date(0));
  EXPECT_EQ(Parse(R"({"$date": "1970-01-01T01:00+01:00"})"), Value::Date(0));
  EXPECT_EQ(Parse(R"({"$date": "1969-12-31T23:59:59.9999Z"})"), Value::Date(-1));
  EXPECT_EQ(Parse(R"({"$date": -5})"), Value::Date(-5));
  EXPECT_EQ(Parse(R"({"$date": {"$numberLong": "1714566600123"}})"), Value::Date(1714566600123));
  EXPECT_EQ(Parse(R"({"$binary": "AP8B"})"), Value::Binary(std::string("\x00\xff\x01", 3)));
  EXPECT_EQ(Parse(R"({"$binary": "AP8"})"), Value::Binary(std::string("\x00\xff", 2)));
  EXPECT_EQ(Parse(R"({"$binary": {"base64": "", "subType": "00"}})"), Value::Binary(""));
  EXPECT_TRUE(std::isnan(Parse(R"({"$numberDouble": "NaN"})").as_double()));
  EXPECT_EQ(Parse(R"({"$numberDouble": "-Infinity"})"),
            Value(-std::numeric_limits<double>::infinity()));
  EXPECT_EQ(Parse(R"({"$numberDouble": "2.5"})"), Value(2.5));
  EXPECT_EQ(Parse(R"({"$numberLong": "-9223372036854775808"})"),
            Value(std::numeric_limits<int64_t>::min()));
  EXPECT_EQ(Parse(R"({"$minKey": 1})"), Value::MinKey());
  EXPECT_EQ(Parse(R"([{"$maxKey": 1}])"), Value::MakeArray({Value::MaxKey()}));
  // Not extended forms: two fields, an unknown $name, or extended parsing off.
  EXPECT_EQ(Parse(R"({"$date": 1, "x": 2})"),
            Value::MakeObject({{"$date", Value(1)}, {"x", Value(2)}}));
  EXPECT_EQ(Parse(R"({"$other": 1})"), Value::MakeObject({{"$other", Value(1)}}));
  EXPECT_EQ(Parse(R"({"$date": "nope"})", {.extended = false}),
            Value::MakeObject({{"$date", Value("nope")}}));
  // Malformed ones are errors at their value.
  EXPECT_EQ(Error("[1,\n {\"$date\": \"2024-13-01T00:00:00Z\"}]"),
            "line 2, column 12: $date expects an ISO-8601 string (\"2024-05-01T12:00:00Z\") or "
            "integer milliseconds");
  EXPECT_EQ(Error(R"({"a": [], "b": {"$binary": "!!"}})"),
            "line 1, column 28: $binary expects a base64 string");
  EXPECT_EQ(Error(R"({"$numberLong": "99999999999999999999"})"),
            "line 1, column 17: $numberLong expects a string of digits that fits in 64 bits");
  EXPECT_EQ(Error(R"({"$numberDouble": "nan!"})"),
            "line 1, column 19: $numberDouble expects \"NaN\", \"Infinity\", \"-Infinity\" or a "
            "number");
  EXPECT_NE(Error(R"({"$date": "2024-01-01T00:00:00"})").find("line 1, column 11"),
            std::string::npos);  // no zone
  // Containers inside an accepted form do not shift later positions.
  EXPECT_EQ(Error(R"([{"$date": {"$numberLong": "1"}}, [], {"$date": true}])"),
            "line 1, column 49: $date expects an ISO-8601 string (\"2024-05-01T12:00:00Z\") or "
            "integer milliseconds");
}

TEST(JsonTest, WriterCompact) {
  Value v = Value::MakeObject({
      {"i", Value(-3)},
      {"d", Value(1.0)},
      {"d2", Value(0.1)},
      {"big", Value(1e16)},
      {"neg0", Value(-0.0)},
      {"s", Value("q\"b\\s\n\t\x01\x7f/")},
      {"a", Value::MakeArray({Value(), Value(true), Value(Array()), Value(Object())})},
      {"bin", Value::Binary("hi!")},
      {"dt", Value::Date(1714566600123)},
      {"old", Value::Date(-62167219200001)},
      {"nan", Value(std::nan(""))},
      {"inf", Value(std::numeric_limits<double>::infinity())},
      {"min", Value::MinKey()},
  });
  EXPECT_EQ(ToJson(v),
            R"({"i":-3,"d":1.0,"d2":0.1,"big":1e+16,"neg0":-0.0,"s":"q\"b\\s\n\t\u0001)"
            "\x7f"
            R"(/","a":[null,true,[],{}],"bin":{"$binary":"aGkh"},)"
            R"("dt":{"$date":"2024-05-01T12:30:00.123Z"},"old":{"$date":-62167219200001},)"
            R"("nan":{"$numberDouble":"NaN"},"inf":{"$numberDouble":"Infinity"},)"
            R"("min":{"$minKey":1}})");
  std::string out = "x=";
  AppendJson(Value(5), &out);
  EXPECT_EQ(out, "x=5");
}

TEST(JsonTest, WriterPretty) {
  Value v = Value::MakeObject({{"a", Value(1)},
                               {"b", Value::MakeArray({Value(2), Value::MakeObject({})})},
                               {"c", Value::MakeObject({{"d", Value::Date(0)}})}});
  EXPECT_EQ(ToJson(v, {.pretty = true}),
            "{\n"
            "  \"a\": 1,\n"
            "  \"b\": [\n"
            "    2,\n"
            "    {}\n"
            "  ],\n"
            "  \"c\": {\n"
            "    \"d\": {\"$date\": \"1970-01-01T00:00:00.000Z\"}\n"
            "  }\n"
            "}");
  EXPECT_EQ(Parse(ToJson(v, {.pretty = true})), v);
}

TEST(JsonTest, WriterReplacesInvalidUtf8) {
  std::string bad =
      "a\xFF"
      "b\xC3"
      "\xED\xA0\x80"
      "\xF0\x9F\x98\x80";
  std::string json = ToJson(Value(bad));
  EXPECT_EQ(json,
            "\"a\xEF\xBF\xBD"
            "b\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"
            "\xF0\x9F\x98\x80\"");
  EXPECT_TRUE(ParseJson(json).ok());
}

TEST(JsonTest, RandomValuesRoundTrip) {
  RandomValues gen(2024, RandomValueOptions{.utf8_strings = true, .nan = false});
  for (int i = 0; i < 2000; i++) {
    Value v = i % 3 == 0 ? gen.Any(0) : gen.Object();
    for (bool pretty : {false, true}) {
      std::string json = ToJson(v, {.pretty = pretty});
      auto back = ParseJson(json);
      ASSERT_TRUE(back.ok()) << json << "\n" << back.status().ToString();
      ASSERT_EQ(*back, v) << json;
      ASSERT_EQ(ToJson(*back, {.pretty = pretty}), json);  // -0.0 and the like too
    }
  }
  // Invalid UTF-8 becomes U+FFFD but the output stays parseable.
  RandomValues bytes(99, RandomValueOptions{.utf8_strings = false, .nan = true});
  for (int i = 0; i < 500; i++) {
    Value v = bytes.Object();
    std::string json = ToJson(v);
    auto back = ParseJson(json);
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    ASSERT_EQ(ToJson(*back), json);
  }
}

// Mutated JSON texts: never a crash; every refusal is positioned by the scanner (no fallback),
// and the scanner agrees with simdjson on what is valid.
TEST(JsonTest, RandomMutationsArePositionedErrors) {
  RandomValues gen(77, RandomValueOptions{.utf8_strings = true});
  Random& rng = gen.rng();
  static const char kNoise[] = "{}[],:\"\\ -+.eE0123456789tfnu\x01\x80\xC3\xFF";
  int refused = 0, accepted = 0;
  for (int iter = 0; iter < 5000; iter++) {
    std::string text = ToJson(gen.Object(), {.pretty = rng.OneIn(2)});
    for (uint64_t k = 1 + rng.Uniform(3); k > 0; k--) {
      size_t at = rng.Uniform(text.size() + 1);
      char c = kNoise[rng.Uniform(sizeof(kNoise) - 1)];
      switch (rng.Uniform(3)) {
        case 0:
          text.insert(at, 1, c);
          break;
        case 1:
          if (at < text.size()) text[at] = c;
          break;
        default:
          text.resize(at);
          break;
      }
    }
    auto r = ParseJson(text, {.extended = false});
    std::vector<size_t> big_ints;
    bool scanner_ok = !json_internal::ScanJson(text, 100, &big_ints).has_value();
    ASSERT_EQ(r.ok(), scanner_ok) << text << "\n" << (r.ok() ? "" : r.status().message());
    if (r.ok()) {
      accepted++;
      continue;
    }
    refused++;
    ASSERT_EQ(r.status().message().rfind("line ", 0), 0u) << r.status().message();
    ASSERT_EQ(r.status().message().find("invalid JSON ("), std::string::npos)
        << text << "\n"
        << r.status().message();
  }
  EXPECT_GT(refused, 3000);
  EXPECT_GT(accepted, 50);
}

TEST(JsonTest, ParsedObjectsEncodeAsDocuments) {
  Value v = Parse(R"({"n": 1, "x": [1.5, "s", {"$date": "2000-02-29T00:00:00Z"}]})");
  std::string bytes;
  ASSERT_TRUE(EncodeDocument(v, &bytes).ok());
  Value back;
  ASSERT_TRUE(DecodeDocument(bytes, &back).ok());
  EXPECT_EQ(back, v);
}

TEST(JsonInternalTest, IsoDates) {
  using json_internal::FormatIsoDate;
  using json_internal::ParseIsoDate;
  std::string s;
  ASSERT_TRUE(FormatIsoDate(0, &s));
  EXPECT_EQ(s, "1970-01-01T00:00:00.000Z");
  s.clear();
  ASSERT_TRUE(FormatIsoDate(-62167219200000, &s));
  EXPECT_EQ(s, "0000-01-01T00:00:00.000Z");
  s.clear();
  ASSERT_TRUE(FormatIsoDate(253402300799999, &s));
  EXPECT_EQ(s, "9999-12-31T23:59:59.999Z");
  EXPECT_FALSE(FormatIsoDate(253402300800000, &s));
  EXPECT_FALSE(FormatIsoDate(-62167219200001, &s));
  int64_t ms;
  EXPECT_TRUE(ParseIsoDate("2000-02-29", &ms));
  EXPECT_EQ(ms, 951782400000);
  EXPECT_FALSE(ParseIsoDate("2001-02-29", &ms));
  EXPECT_FALSE(ParseIsoDate("2001-01-01T24:00Z", &ms));
  EXPECT_FALSE(ParseIsoDate("2001-01-01T00:00Zjunk", &ms));
  EXPECT_TRUE(ParseIsoDate("2001-01-01T00:00:00-0130", &ms));
  EXPECT_EQ(ms, 978312600000);
  Random r(5);
  for (int i = 0; i < 20000; i++) {
    int64_t t = static_cast<int64_t>(r.Uniform(315537897600000ull)) - 62167219200000;
    s.clear();
    ASSERT_TRUE(FormatIsoDate(t, &s));
    ASSERT_TRUE(ParseIsoDate(s, &ms)) << s;
    ASSERT_EQ(ms, t) << s;
  }
}

TEST(JsonInternalTest, Base64) {
  Random r(6);
  for (int i = 0; i < 200; i++) {
    std::string bytes;
    for (uint64_t n = r.Uniform(20); n > 0; n--) bytes.push_back(static_cast<char>(r.Next()));
    std::string text, back;
    json_internal::AppendBase64(bytes, &text);
    ASSERT_EQ(text.size() % 4, 0u);
    ASSERT_TRUE(json_internal::DecodeBase64(text, &back));
    ASSERT_EQ(back, bytes);
  }
  std::string out;
  EXPECT_FALSE(json_internal::DecodeBase64("A", &out));
  EXPECT_FALSE(json_internal::DecodeBase64("AB C", &out));
  EXPECT_TRUE(json_internal::DecodeBase64("TWFu", &out));
  EXPECT_EQ(out, "Man");
}

}  // namespace
}  // namespace strata::codec
