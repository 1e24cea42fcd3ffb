// Typed tables' encoders: the key codec's typed fast paths write exactly AppendKeyElement's bytes
// (for random and edge values), and record fields round-trip and reject damaged input.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>

#include "codec/key_codec.h"
#include "strata/table.h"
#include "strata/value.h"

namespace strata::table_internal {
namespace {

std::string Element(const Value& v) {
  std::string out;
  codec::AppendKeyElement(&out, v);
  return out;
}

template <typename Fn, typename V>
std::string Fast(Fn fn, const V& v) {
  std::string out = "prefix";  // appends, never overwrites
  fn(&out, v);
  EXPECT_EQ(out.substr(0, 6), "prefix");
  return out.substr(6);
}

std::vector<int64_t> EdgeInts() {
  std::vector<int64_t> v = {0,
                            1,
                            -1,
                            2,
                            -2,
                            255,
                            256,
                            -255,
                            -256,
                            1LL << 31,
                            -(1LL << 31),
                            std::numeric_limits<int64_t>::min(),
                            std::numeric_limits<int64_t>::max(),
                            std::numeric_limits<int64_t>::min() + 1,
                            std::numeric_limits<int64_t>::max() - 1};
  for (int shift = 52; shift < 63; ++shift) {
    for (int64_t d = -3; d <= 3; ++d) {
      v.push_back((1LL << shift) + d);
      v.push_back(-(1LL << shift) + d);
    }
  }
  return v;
}

TEST(TableCodecTest, IntFastPathMatchesAppendKeyElement) {
  for (int64_t i : EdgeInts()) EXPECT_EQ(Fast(AppendKeyInt, i), Element(Value(i))) << i;
  std::mt19937_64 rng(1);
  for (int n = 0; n < 100000; ++n) {
    int64_t i = static_cast<int64_t>(rng());
    i >>= rng() % 64;  // every magnitude
    ASSERT_EQ(Fast(AppendKeyInt, i), Element(Value(i))) << i;
  }
}

TEST(TableCodecTest, DoubleFastPathMatchesAppendKeyElement) {
  std::vector<double> edge = {0.0,
                              -0.0,
                              1.0,
                              -1.5,
                              0.1,
                              1e300,
                              -1e-300,
                              std::numeric_limits<double>::infinity(),
                              -std::numeric_limits<double>::infinity(),
                              std::numeric_limits<double>::quiet_NaN(),
                              -std::numeric_limits<double>::quiet_NaN(),
                              std::numeric_limits<double>::denorm_min(),
                              9223372036854775808.0,
                              -9223372036854775808.0,
                              9007199254740993.0};
  for (double d : edge) EXPECT_EQ(Fast(AppendKeyDouble, d), Element(Value(d))) << d;
  std::mt19937_64 rng(2);
  for (int n = 0; n < 100000; ++n) {
    double d;
    if (n % 3 == 0) {
      uint64_t bits = rng();
      std::memcpy(&d, &bits, sizeof(d));  // any bit pattern, NaNs included
    } else if (n % 3 == 1) {
      d = static_cast<double>(static_cast<int64_t>(rng()) >> (rng() % 64));  // integral
    } else {
      d = std::ldexp(static_cast<double>(rng() % 1000000) - 500000,
                     static_cast<int>(rng() % 40) - 20);
    }
    ASSERT_EQ(Fast(AppendKeyDouble, d), Element(Value(d))) << d;
  }
}

std::string RandomBytes(std::mt19937_64& rng) {
  std::string s(rng() % (rng() % 8 == 0 ? 600 : 12), '\0');
  for (char& c : s) c = static_cast<char>(rng() % 4 == 0 ? rng() % 3 : rng());  // many 0x00
  return s;
}

TEST(TableCodecTest, StringBytesBoolFastPathsMatchAppendKeyElement) {
  std::mt19937_64 rng(3);
  for (int n = 0; n < 20000; ++n) {
    std::string s = RandomBytes(rng);
    ASSERT_EQ(Fast(AppendKeyString, s), Element(Value(s)));
    ASSERT_EQ(Fast(AppendKeyBytes, s), Element(Value::Binary(s)));
  }
  std::string big(70000, 'x');
  EXPECT_EQ(Fast(AppendKeyBytes, big), Element(Value::Binary(big)));
  EXPECT_EQ(Fast(AppendKeyString, ""), Element(Value("")));
  EXPECT_EQ(Fast(AppendKeyBytes, ""), Element(Value::Binary("")));
  EXPECT_EQ(Fast(AppendKeyBool, true), Element(Value(true)));
  EXPECT_EQ(Fast(AppendKeyBool, false), Element(Value(false)));
}

TEST(TableCodecTest, RecordFieldsRoundTrip) {
  std::mt19937_64 rng(4);
  for (int n = 0; n < 10000; ++n) {
    int64_t i = static_cast<int64_t>(rng()) >> (rng() % 64);
    uint64_t u = rng() >> (rng() % 64);
    double d = static_cast<double>(i) / 3;
    std::string s = RandomBytes(rng);
    bool b = rng() % 2;
    std::string buf;
    AppendInt(&buf, i);
    AppendUint(&buf, u);
    AppendDouble(&buf, d);
    AppendBytes(&buf, s);
    AppendBool(&buf, b);
    Slice in(buf);
    int64_t i2;
    uint64_t u2;
    double d2;
    Slice s2;
    bool b2;
    ASSERT_TRUE(ReadInt(&in, &i2) && ReadUint(&in, &u2) && ReadDouble(&in, &d2) &&
                ReadBytes(&in, &s2) && ReadBool(&in, &b2));
    EXPECT_TRUE(in.empty());
    ASSERT_EQ(i2, i);
    ASSERT_EQ(u2, u);
    ASSERT_EQ(d2, d);
    ASSERT_EQ(s2.ToString(), s);
    ASSERT_EQ(b2, b);
  }
  // Small magnitudes stay short.
  std::string one;
  AppendInt(&one, -1);
  EXPECT_EQ(one.size(), 1u);
}

TEST(TableCodecTest, DamagedFieldsAreRejected) {
  Slice empty;
  int64_t i;
  uint64_t u;
  double d;
  bool b;
  Slice s;
  EXPECT_FALSE(ReadInt(&empty, &i));
  EXPECT_FALSE(ReadUint(&empty, &u));
  EXPECT_FALSE(ReadDouble(&empty, &d));
  EXPECT_FALSE(ReadBool(&empty, &b));
  EXPECT_FALSE(ReadBytes(&empty, &s));
  Slice two("\x02", 1);
  EXPECT_FALSE(ReadBool(&two, &b));
  Slice short_bytes(
      "\x05"
      "abc",
      4);
  EXPECT_FALSE(ReadBytes(&short_bytes, &s));
  Slice unterminated("\xff\xff", 2);
  EXPECT_FALSE(ReadInt(&unterminated, &i));
  // A narrower field refuses a wider stored value.
  std::string big;
  AppendInt(&big, 300);
  Slice in(big);
  int8_t small;
  EXPECT_FALSE(FieldCodec<int8_t>::Read(&in, &small));
  std::string neg;
  AppendUint(&neg, 70000);
  Slice in2(neg);
  uint16_t u16;
  EXPECT_FALSE(FieldCodec<uint16_t>::Read(&in2, &u16));
}

}  // namespace
}  // namespace strata::table_internal
