// Unit tests of the tuple key encoding: each type, its edges, nesting, bounds and bad input.
#include "codec/key_codec.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "codec/key_codec_test_util.h"

namespace strata::codec {
namespace {

using testing::Encode1;
using testing::Hex;
using testing::SameValue;
using testing::Unhex;

constexpr int64_t kI64Min = std::numeric_limits<int64_t>::min();
constexpr int64_t kI64Max = std::numeric_limits<int64_t>::max();
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kTwo63 = 9223372036854775808.0;

Value RoundTrip(const Value& v) {
  std::string bytes = Encode1(v);
  Slice in(bytes);
  Value out;
  Status s = DecodeKeyElement(&in, &out);
  EXPECT_TRUE(s.ok()) << s.ToString() << " for " << Hex(bytes);
  EXPECT_TRUE(in.empty());
  return out;
}

std::string Str(const char* s, size_t n) { return std::string(s, n); }

// Values in strictly increasing CompareValues order (ties of int and double excluded).
std::vector<Value> AscendingValues() {
  double denorm = std::numeric_limits<double>::denorm_min();
  return {
      Value::MinKey(),
      Value(),
      Value(kNaN),
      Value(-kInf),
      Value(-std::numeric_limits<double>::max()),
      Value(-18446744073709551616.0),
      Value(kI64Min),
      Value(kI64Min + 1),
      Value(-9007199254740994.0),  // -2^53 - 2
      Value(int64_t{-9007199254740993}),
      Value(-9007199254740992.0),
      Value(int64_t{-42}),
      Value(-1.5),
      Value(int64_t{-1}),
      Value(-0.5),
      Value(-std::numeric_limits<double>::min()),
      Value(-denorm),
      Value(int64_t{0}),
      Value(denorm),
      Value(2 * denorm),
      Value(std::numeric_limits<double>::min()),
      Value(0.1),
      Value(int64_t{1}),
      Value(1.5),
      Value(int64_t{2}),
      Value(9007199254740992.0),
      Value(int64_t{9007199254740993}),
      Value(9007199254740994.0),
      Value((int64_t{1} << 62) + 511),
      Value((int64_t{1} << 62) + 512),
      Value(4611686018427388928.0),  // 2^62 + 1024, a double
      Value((int64_t{1} << 62) + 1025),
      Value(kI64Max - 1024),
      Value(9223372036854774784.0),  // the largest double below 2^63
      Value(kI64Max - 511),
      Value(kI64Max - 1),
      Value(kI64Max),
      Value(kTwo63),
      Value(std::numeric_limits<double>::max()),
      Value(kInf),
      Value(""),
      Value(Str("\0", 1)),
      Value(Str("\0\0", 2)),
      Value(Str("\0\xff", 2)),
      Value(Str("\0\xff\0", 3)),
      Value("\x01"),
      Value("a"),
      Value(Str("a\0", 2)),
      Value(Str("a\0b", 3)),
      Value("ab"),
      Value("\xff"),
      Value("\xff\xff"),
      Value(Object{}),
      Value::MakeObject({{"z", Value::MinKey()}}),
      Value::MakeObject({{"a", Value()}}),
      Value::MakeObject({{"", Value(5)}}),
      Value::MakeObject({{"a", Value(1)}}),
      Value::MakeObject({{"a", Value(1)}, {"a", Value()}}),
      Value::MakeObject({{"a", Value(2)}}),
      Value::MakeObject({{"b", Value(-1)}}),
      Value::MakeObject({{"a", Value("z")}}),  // type before name: numbers < strings
      Value::MakeObject({{"a", Value::MakeObject({})}}),
      Value::MakeObject({{"a", Value::MakeArray({})}}),
      Value::MakeObject({{"a", Value::MaxKey()}}),
      Value(Array{}),
      Value::MakeArray({Value::MinKey()}),
      Value::MakeArray({Value()}),
      Value::MakeArray({Value(1)}),
      Value::MakeArray({Value(1), Value::MinKey()}),
      Value::MakeArray({Value(1), Value(2)}),
      Value::MakeArray({Value(1.5)}),
      Value::MakeArray({Value("")}),
      Value::MakeArray({Value(""), Value("")}),
      Value::MakeArray({Value(Str("\0", 1))}),
      Value::MakeArray({Value(Array{})}),
      Value::MakeArray({Value::MakeArray({Value(1)})}),
      Value::MakeArray({Value::MakeArray({Value(Array{})})}),
      Value::MakeArray({Value::MaxKey()}),
      Value::Binary(""),
      Value::Binary("\xff"),
      Value::Binary(Str("\0\0", 2)),  // binary is ordered by length first
      Value::Binary(std::string(255, 'x')),
      Value::Binary(std::string(256, '\0')),
      Value(false),
      Value(true),
      Value::Date(kI64Min),
      Value::Date(-1),
      Value::Date(0),
      Value::Date(1700000000000),
      Value::Date(kI64Max),
      Value::MaxKey(),
  };
}

TEST(KeyCodecTest, AscendingValuesEncodeAscending) {
  std::vector<Value> values = AscendingValues();
  std::vector<std::string> keys;
  for (const Value& v : values) keys.push_back(Encode1(v));
  for (size_t i = 0; i < values.size(); ++i) {
    for (size_t j = 0; j < values.size(); ++j) {
      int expected = i < j ? -1 : (i > j ? 1 : 0);
      ASSERT_EQ(testing::Sign(CompareValues(values[i], values[j])), expected)
          << "list not ascending at " << i << ", " << j;
      ASSERT_EQ(testing::Sign(keys[i].compare(keys[j])), expected)
          << i << ": " << Hex(keys[i]) << " vs " << j << ": " << Hex(keys[j]);
    }
    EXPECT_TRUE(SameValue(RoundTrip(values[i]), values[i])) << i;
  }
}

TEST(KeyCodecTest, ScalarLayouts) {
  EXPECT_EQ(Hex(Encode1(Value::MinKey())), "01");
  EXPECT_EQ(Hex(Encode1(Value())), "08");
  EXPECT_EQ(Hex(Encode1(Value(false))), "50");
  EXPECT_EQ(Hex(Encode1(Value(true))), "51");
  EXPECT_EQ(Hex(Encode1(Value::MaxKey())), "fe");
  EXPECT_EQ(Hex(Encode1(Value(0))),
            "10800000000000000002"
            "00");
  EXPECT_EQ(Hex(Encode1(Value(1))),
            "10bff0000000000000"
            "02"
            "00");
  EXPECT_EQ(Hex(Encode1(Value(1.0))),
            "10bff0000000000000"
            "02"
            "80");
  EXPECT_EQ(Hex(Encode1(Value(-1))),
            "10400fffffffffffff"
            "02"
            "00");
  EXPECT_EQ(Hex(Encode1(Value(1.5))),
            "10bff8000000000000"
            "02");
  EXPECT_EQ(Hex(Encode1(Value::Date(0))), "608000000000000000");
  EXPECT_EQ(Hex(Encode1(Value::Date(-1))), "607fffffffffffffff");
  EXPECT_EQ(Hex(Encode1(Value::Binary(""))), "4000");
  EXPECT_EQ(Hex(Encode1(Value::Binary(Str("\0\xff", 2)))),
            "400102"
            "00ff");
  EXPECT_EQ(Hex(Encode1(Value::Binary(std::string(256, 'x')))).substr(0, 8), "40020100");
}

TEST(KeyCodecTest, Int64Extremes) {
  // INT64_MAX: the nearest double is 2^63, one above it.
  EXPECT_EQ(Hex(Encode1(Value(kI64Max))),
            "10c3e0000000000000"
            "01"
            "7fff");
  EXPECT_EQ(Hex(Encode1(Value(kTwo63))),
            "10c3e0000000000000"
            "02");
  // INT64_MIN is -2^63 exactly, so a double of the same value exists.
  EXPECT_EQ(Hex(Encode1(Value(kI64Min))),
            "103c1fffffffffffff"
            "02"
            "00");
  EXPECT_EQ(Hex(Encode1(Value(-kTwo63))),
            "103c1fffffffffffff"
            "02"
            "80");
  EXPECT_EQ(Hex(Encode1(Value(kI64Min + 1))),
            "103c1fffffffffffff"
            "03"
            "8001");
  for (int64_t v : {kI64Max, kI64Max - 1, kI64Max - 512, kI64Max - 513, kI64Min, kI64Min + 1,
                    kI64Min + 512, (int64_t{1} << 53) + 1, -(int64_t{1} << 53) - 1}) {
    Value back = RoundTrip(Value(v));
    ASSERT_TRUE(back.is_int());
    EXPECT_EQ(back.as_int(), v);
  }
  // Ints that round to the same double still order exactly.
  EXPECT_LT(Encode1(Value(kI64Max - 1)), Encode1(Value(kI64Max)));
  EXPECT_LT(Encode1(Value(kI64Max - 511)), Encode1(Value(kI64Max - 1)));
  EXPECT_LT(Encode1(Value(kI64Max)), Encode1(Value(kTwo63)));
}

TEST(KeyCodecTest, SpecialDoubles) {
  // -0.0 is stored as 0.0.
  EXPECT_EQ(Encode1(Value(-0.0)), Encode1(Value(0.0)));
  Value zero = RoundTrip(Value(-0.0));
  ASSERT_TRUE(zero.is_double());
  EXPECT_FALSE(std::signbit(zero.as_double()));
  // Every NaN is one NaN: eight zero bytes, below -inf.
  double payload_nan;
  uint64_t bits = 0xfff8000000000123ull;
  std::memcpy(&payload_nan, &bits, sizeof(bits));
  EXPECT_EQ(Hex(Encode1(Value(kNaN))), "10000000000000000002");
  EXPECT_EQ(Encode1(Value(-kNaN)), Encode1(Value(kNaN)));
  EXPECT_EQ(Encode1(Value(payload_nan)), Encode1(Value(kNaN)));
  EXPECT_LT(Encode1(Value(kNaN)), Encode1(Value(-kInf)));
  EXPECT_TRUE(std::isnan(RoundTrip(Value(payload_nan)).as_double()));
  EXPECT_EQ(Hex(Encode1(Value(kInf))),
            "10fff0000000000000"
            "02");
  EXPECT_EQ(Hex(Encode1(Value(-kInf))),
            "10000fffffffffffff"
            "02");
  // Denormals.
  double denorm = std::numeric_limits<double>::denorm_min();
  EXPECT_EQ(Hex(Encode1(Value(denorm))), "10800000000000000102");
  EXPECT_EQ(Hex(Encode1(Value(-denorm))), "107ffffffffffffffe02");
  EXPECT_EQ(RoundTrip(Value(denorm)).as_double(), denorm);
}

TEST(KeyCodecTest, IntAndDoubleOfEqualValueDifferOnlyInTheKindByte) {
  for (int64_t v : {int64_t{0}, int64_t{7}, int64_t{-7}, int64_t{1} << 53, kI64Min}) {
    std::string i = Encode1(Value(v));
    std::string d = Encode1(Value(static_cast<double>(v)));
    ASSERT_EQ(i.size(), d.size());
    EXPECT_EQ(i.substr(0, i.size() - 1), d.substr(0, d.size() - 1));
    EXPECT_EQ(i.back(), '\0');
    EXPECT_EQ(static_cast<uint8_t>(d.back()), 0x80);
    EXPECT_TRUE(RoundTrip(Value(v)).is_int());
    EXPECT_TRUE(RoundTrip(Value(static_cast<double>(v))).is_double());
  }
  // Int 1 < double 1.5 < int 2.
  EXPECT_LT(Encode1(Value(1)), Encode1(Value(1.5)));
  EXPECT_LT(Encode1(Value(1.5)), Encode1(Value(2)));
}

TEST(KeyCodecTest, KindsOfNestedNumbersAreComparedLast) {
  // [1, "b"] > [1.0, "a"] as CompareValues says: the kinds trail the whole element.
  Value a = Value::MakeArray({Value(1), Value("b")});
  Value b = Value::MakeArray({Value(1.0), Value("a")});
  ASSERT_GT(CompareValues(a, b), 0);
  EXPECT_GT(Encode1(a), Encode1(b));
  EXPECT_EQ(Hex(Encode1(a)),
            "38"
            "10bff0000000000000"
            "02"
            "206200"
            "00"
            "00");
  EXPECT_EQ(Hex(Encode1(b)),
            "38"
            "10bff0000000000000"
            "02"
            "206100"
            "00"
            "80");
  // A tie: the first number whose kind differs decides, the int first.
  Value c = Value::MakeArray({Value(1), Value(2.0), Value(3)});
  Value d = Value::MakeArray({Value(1), Value(2), Value(3.0)});
  EXPECT_GT(Encode1(c), Encode1(d));
  EXPECT_TRUE(RoundTrip(c) == c);
  EXPECT_TRUE(RoundTrip(d) == d);
  // Nine ambiguous numbers need two kind bytes.
  Array nine;
  for (int k = 0; k < 9; ++k) nine.push_back(k % 2 ? Value(k) : Value(static_cast<double>(k)));
  std::string bytes = Encode1(Value(nine));
  EXPECT_EQ(Hex(bytes.substr(bytes.size() - 2)), "aa80");
  EXPECT_TRUE(RoundTrip(Value(nine)) == Value(nine));
}

TEST(KeyCodecTest, StringsEscapeZeroBytes) {
  EXPECT_EQ(Hex(Encode1(Value(""))), "2000");
  EXPECT_EQ(Hex(Encode1(Value(Str("a\0b", 3)))),
            "2061"
            "00ff"
            "6200");
  EXPECT_EQ(Hex(Encode1(Value("\xff"))), "20ff00");
  for (const std::string& s : {Str("", 0), Str("\0", 1), Str("\0\xff", 2), Str("\xff\0", 2),
                               Str("\0\0\0", 3), Str("x\0", 2), std::string(1000, '\0')}) {
    Value back = RoundTrip(Value(s));
    ASSERT_TRUE(back.is_string());
    EXPECT_EQ(back.as_string(), s);
  }
  // A string followed by another element still sorts by the string first.
  EXPECT_LT(EncodeKey({Value("a"), Value::MaxKey()}), EncodeKey({Value(Str("a\0", 2))}));
}

TEST(KeyCodecTest, BinaryByLengthThenBytes) {
  EXPECT_LT(Encode1(Value::Binary("\xff")), Encode1(Value::Binary(Str("\0\0", 2))));
  EXPECT_LT(Encode1(Value::Binary("ab")), Encode1(Value::Binary("ac")));
  for (size_t n : {0, 1, 255, 256, 70000}) {
    std::string bytes(n, '\0');
    for (size_t k = 0; k < n; ++k) bytes[k] = static_cast<char>(k * 7);
    Value back = RoundTrip(Value::Binary(bytes));
    ASSERT_TRUE(back.is_binary());
    EXPECT_EQ(back.as_binary(), bytes);
  }
}

TEST(KeyCodecTest, NestedValuesRoundTrip) {
  Value v = Value::MakeObject(
      {{"a", Value::MakeArray({Value(1), Value(2.5), Value::MakeArray({})})},
       {Str("n\0", 2), Value::MakeObject({{"x", Value::Binary(Str("\0", 1))}})},
       {"", Value::MakeArray({Value::MinKey(), Value::MaxKey(), Value(), Value(true)})},
       {"d", Value::Date(-5)},
       {"i", Value(kI64Max)},
       {"f", Value(9007199254740992.0)}});
  EXPECT_TRUE(RoundTrip(v) == v);
  EXPECT_EQ(Hex(Encode1(Value::MakeObject({{"a", Value(1)}}))),
            "30"
            "03"
            "6100"
            "10bff0000000000000"
            "02"
            "00"
            "00");
}

TEST(KeyCodecTest, ArraysAndTuples) {
  EXPECT_EQ(Hex(Encode1(Value(Array{}))), "3800");
  EXPECT_LT(Encode1(Value::MakeArray({Value(1)})), Encode1(Value::MakeArray({Value(1), Value(2)})));
  EXPECT_LT(Encode1(Value(Array{})), Encode1(Value::MakeArray({Value::MinKey()})));
  // A tuple's prefix sorts before it.
  EXPECT_LT(EncodeKey({Value(1)}), EncodeKey({Value(1), Value::MinKey()}));
  EXPECT_LT(EncodeKey({}), EncodeKey({Value::MinKey()}));
  // The kind of a top-level element breaks a tie before the next element is looked at.
  EXPECT_LT(EncodeKey({Value(1), Value("x")}), EncodeKey({Value(1.0), Value("a")}));
  std::vector<Value> tuple = {Value("user"), Value(42), Value::MakeArray({Value(1.0)}), Value(-0.0),
                              Value::Binary("")};
  std::string key = EncodeKey(tuple);
  std::vector<Value> back;
  ASSERT_TRUE(DecodeKey(key, &back).ok());
  ASSERT_EQ(back.size(), tuple.size());
  for (size_t i = 0; i < tuple.size(); ++i) EXPECT_TRUE(back[i] == tuple[i]) << i;
  // DecodeKeyElement advances one element at a time.
  Slice in(key);
  Value first;
  ASSERT_TRUE(DecodeKeyElement(&in, &first).ok());
  EXPECT_EQ(first, Value("user"));
  EXPECT_EQ(in.size(), key.size() - 6);
  EXPECT_TRUE(DecodeKey("", &back).ok());
  EXPECT_TRUE(back.empty());
}

TEST(KeyCodecTest, MinKeyAndMaxKeyBoundEveryValue) {
  std::string lo = EncodeKey({Value(5), Value::MinKey()});
  std::string hi = EncodeKey({Value(5), Value::MaxKey()});
  for (const Value& v : AscendingValues()) {
    std::string e = Encode1(v);
    std::string k = EncodeKey({Value(5), v});
    if (!v.is_min_key()) {
      EXPECT_LT(Encode1(Value::MinKey()), e);
      EXPECT_LT(lo, k);
    }
    if (!v.is_max_key()) {
      EXPECT_LT(e, Encode1(Value::MaxKey()));
      EXPECT_LT(k, hi);
    }
    EXPECT_LT(k, PrefixSuccessor(EncodeKey({Value(5)})));
    EXPECT_LT(k + "\xfe\xfe", PrefixSuccessor(hi));
  }
}

TEST(KeyCodecTest, PrefixSuccessor) {
  EXPECT_EQ(PrefixSuccessor("abc"), "abd");
  EXPECT_EQ(PrefixSuccessor(Slice("a\xff\xff", 3)), "b");
  EXPECT_EQ(PrefixSuccessor(Slice("\x01\xfe", 2)), "\x01\xff");
  EXPECT_EQ(PrefixSuccessor(Slice("\xff\xff", 2)), "");
  EXPECT_EQ(PrefixSuccessor(""), "");
  std::string p = EncodeKey({Value("a")});
  EXPECT_LT(EncodeKey({Value("a"), Value::MaxKey(), Value::MaxKey()}), PrefixSuccessor(p));
  EXPECT_GT(EncodeKey({Value("a\x01")}), PrefixSuccessor(p));
  // PrefixSuccessor of ("a") also admits ("a\0"); TuplePrefixLimit does not.
  std::string a_zero = EncodeKey({Value(Str("a\0", 2))});
  EXPECT_LT(a_zero, PrefixSuccessor(p));
  EXPECT_GT(a_zero, TuplePrefixLimit(p));
  EXPECT_LT(EncodeKey({Value("a"), Value::MaxKey(), Value::MaxKey()}), TuplePrefixLimit(p));
  EXPECT_EQ(Hex(TuplePrefixLimit(p)), "206100ff");
}

struct BadKey {
  std::string hex;
  std::string message;  // expected in the Corruption message
};

TEST(KeyCodecTest, CorruptKeysAreReportedWithTheirOffset) {
  const BadKey kBad[] = {
      {"", "key byte 0: expected a type byte, found the end of the key"},
      {"00", "key byte 0: expected a type byte, found 0x00"},
      {"ff", "key byte 0: expected a type byte, found 0xff"},
      {"3802", "key byte 1: expected a type byte, found 0x02"},
      {"10bff00000", "key byte 5: expected 8 number bytes and a residual tag"},
      {"10bff000000000000004", "key byte 9: expected residual tag 0x01, 0x02 or 0x03"},
      {"10fff800000000000002", "key byte 1: expected a number (NaN is eight zero bytes)"},
      {"107fffffffffffffff02", "key byte 1: expected a number (-0.0 is stored as 0.0)"},
      {"10bff000000000000002", "key byte 10: expected 1 int/double kind byte(s)"},
      {"10bff00000000000000201", "key byte 10: expected kind byte with its unused low bits zero"},
      {"10bff0000000000000018001", "key byte 10: expected a residual whose sign matches"},
      {"10bff0000000000000037fff", "key byte 10: expected a residual whose sign matches"},
      {"10bff0000000000000038001", "key byte 10: expected a residual to an int64 whose nearest"},
      {"10bff8000000000000038001", "key byte 9: expected residual tag 0x02"},
      {"10c3e0000000000000038001", "key byte 10: expected a residual to an int64"},
      {"10fff0000000000000017fff", "key byte 9: expected residual tag 0x02"},
      {"2061", "key byte 2: expected a string terminator 0x00, found the end of the key"},
      {"2061ff", "key byte 3: expected a string terminator"},
      {"40", "key byte 1: expected a binary length byte count"},
      {"4009", "key byte 1: expected a binary length byte count of at most 8"},
      {"40020001", "key byte 2: expected a binary length without leading zero bytes"},
      {"400105ab", "key byte 4: expected 5 binary bytes"},
      {"6000", "key byte 2: expected 8 date bytes"},
      {"38", "key byte 1: expected an array item or the end byte 0x00"},
      {"3808", "key byte 2: expected an array item or the end byte 0x00"},
      {"30", "key byte 1: expected a field's type rank or the end byte 0x00"},
      {"300361000800", "key byte 1: expected a field type rank matching the field's value"},
      {"30026100", "key byte 4: expected a type byte, found the end of the key"},
  };
  for (const BadKey& bad : kBad) {
    std::string bytes = Unhex(bad.hex);
    Slice in(bytes);
    Value v(7);
    Status s = DecodeKeyElement(&in, &v);
    ASSERT_TRUE(s.IsCorruption()) << bad.hex << " -> " << s.ToString();
    EXPECT_NE(s.message().find(bad.message), std::string::npos) << bad.hex << " -> " << s.message();
    EXPECT_EQ(in.size(), bytes.size());  // untouched on error
    EXPECT_EQ(v, Value(7));
    if (bytes.empty()) continue;  // an empty key is the empty tuple
    std::vector<Value> tuple = {Value(1)};
    EXPECT_EQ(DecodeKey(bytes, &tuple).ToString(), s.ToString());
    EXPECT_EQ(tuple.size(), 1u);
  }
}

TEST(KeyCodecTest, OffsetsCountFromTheStartOfTheKey) {
  std::string key = EncodeKey({Value("abc"), Value(true)}) + "\x10\x01";
  std::vector<Value> tuple;
  Status s = DecodeKey(key, &tuple);
  ASSERT_TRUE(s.IsCorruption());
  EXPECT_NE(s.message().find("key byte 8: expected 8 number bytes"), std::string::npos)
      << s.message();
}

Value Nested(int depth) {
  Value v(1);
  for (int k = 0; k < depth; ++k) {
    v = k % 2 ? Value(Array{std::move(v)}) : Value(Object{{"a", std::move(v)}});
  }
  return v;
}

TEST(KeyCodecTest, NestingDepthIsBounded) {
  EXPECT_TRUE(RoundTrip(Nested(kMaxKeyNestingDepth)) == Nested(kMaxKeyNestingDepth));
  std::string deep = Encode1(Nested(kMaxKeyNestingDepth + 1));
  Slice in(deep);
  Value v;
  Status s = DecodeKeyElement(&in, &v);
  EXPECT_TRUE(s.IsCorruption());
  EXPECT_NE(s.message().find("nested at most 128 deep"), std::string::npos) << s.message();
  // Deep garbage is refused without exhausting the stack.
  std::string garbage(1 << 20, '\x38');
  Slice garbage_in(garbage);
  EXPECT_TRUE(DecodeKeyElement(&garbage_in, &v).IsCorruption());
}

}  // namespace
}  // namespace strata::codec
