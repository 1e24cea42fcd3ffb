// Property tests of the tuple key encoding over seeded random Values: byte order against
// CompareValues, round trips, tuples, and random or damaged bytes given to the decoder.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <memory>

#include "codec/key_codec.h"
#include "codec/key_codec_test_util.h"

namespace strata::codec {
namespace {

using testing::CountAmbiguous;
using testing::ElementCompare;
using testing::Encode1;
using testing::Hex;
using testing::KindCompare;
using testing::SameValue;
using testing::Sign;
using testing::ValueGen;

constexpr uint64_t kSeed = 20240611;

// What a decode must give back: every value except -0.0 (0.0) and NaN payloads (one NaN), which
// SameValue already treats as equal.
void ExpectRoundTrip(const Value& v, const std::string& bytes) {
  Slice in(bytes);
  Value back;
  Status s = DecodeKeyElement(&in, &back);
  ASSERT_TRUE(s.ok()) << s.ToString() << " for " << Hex(bytes);
  ASSERT_TRUE(in.empty()) << Hex(bytes);
  ASSERT_TRUE(SameValue(back, v)) << Hex(bytes);
  ASSERT_EQ(Encode1(back), bytes);
}

TEST(KeyCodecPropertyTest, ByteOrderIsCompareValuesOrder) {
  ValueGen gen(kSeed);
  int unequal = 0, identical = 0, kind_ties = 0;
  for (int iter = 0; iter < 20000; ++iter) {
    Value a = gen.Any();
    Value b = gen.OneIn(2) ? gen.Mutate(a) : gen.Any();
    std::string ea = Encode1(a), eb = Encode1(b);
    int c = Sign(CompareValues(a, b));
    int m = Sign(ea.compare(eb));
    SCOPED_TRACE(Hex(ea) + " vs " + Hex(eb));
    if (c != 0) {
      ++unequal;
      ASSERT_EQ(m, c);
      continue;
    }
    // Equal values: the same bytes unless an int faces a double somewhere; then the value bytes
    // are the same and only the kind trailer differs, the int sorting first.
    ASSERT_EQ(ea == eb, SameValue(a, b));
    ASSERT_EQ(m, KindCompare(a, b));
    if (ea == eb) {
      ++identical;
      continue;
    }
    ++kind_ties;
    ASSERT_EQ(ea.size(), eb.size());
    size_t trailer = static_cast<size_t>(CountAmbiguous(a) + 7) / 8;
    ASSERT_EQ(CountAmbiguous(b), CountAmbiguous(a));
    ASSERT_EQ(ea.substr(0, ea.size() - trailer), eb.substr(0, eb.size() - trailer));
  }
  // The generator must really exercise every case.
  EXPECT_GT(unequal, 10000);
  EXPECT_GT(identical, 1000);
  EXPECT_GT(kind_ties, 500);
}

TEST(KeyCodecPropertyTest, DecodeInvertsEncode) {
  ValueGen gen(kSeed + 1);
  for (int iter = 0; iter < 20000; ++iter) {
    Value v = gen.Any();
    ExpectRoundTrip(v, Encode1(v));
    if (HasFatalFailure()) return;
  }
}

TEST(KeyCodecPropertyTest, TuplesCompareElementByElement) {
  ValueGen gen(kSeed + 2);
  int kind_decided = 0;
  for (int iter = 0; iter < 10000; ++iter) {
    std::vector<Value> a, b;
    for (size_t n = gen.Below(5); n > 0; --n) a.push_back(gen.Any(1));
    // b shares a prefix of a, then goes its own way.
    size_t shared = gen.Below(a.size() + 1);
    for (size_t i = 0; i < shared; ++i) b.push_back(gen.OneIn(3) ? gen.Mutate(a[i]) : a[i]);
    for (size_t n = gen.Below(3); n > 0; --n) b.push_back(gen.Any(1));
    // Reference: elements in ElementCompare order, then the shorter tuple first.
    int expected = 0;
    bool by_kind = false;
    for (size_t i = 0; i < a.size() && i < b.size() && expected == 0; ++i) {
      expected = ElementCompare(a[i], b[i]);
      by_kind = expected != 0 && CompareValues(a[i], b[i]) == 0;
    }
    if (expected == 0) expected = Sign(static_cast<int>(a.size()) - static_cast<int>(b.size()));
    kind_decided += by_kind;
    std::string ka = EncodeKey(a), kb = EncodeKey(b);
    ASSERT_EQ(Sign(ka.compare(kb)), expected) << Hex(ka) << " vs " << Hex(kb);
    std::vector<Value> back;
    ASSERT_TRUE(DecodeKey(ka, &back).ok());
    ASSERT_EQ(back.size(), a.size());
    for (size_t i = 0; i < a.size(); ++i) ASSERT_TRUE(SameValue(back[i], a[i]));
    // AppendKeyElement one by one builds the same key.
    std::string appended;
    for (const Value& v : a) AppendKeyElement(&appended, v);
    ASSERT_EQ(appended, ka);
  }
  EXPECT_GT(kind_decided, 100);
}

TEST(KeyCodecPropertyTest, TypedFastPathsMatchAppendKeyElement) {
  ValueGen gen(kSeed + 3);
  for (int iter = 0; iter < 5000; ++iter) {
    std::string fast;
    int64_t i = gen.Int();
    AppendKeyInt64(&fast, i);
    ASSERT_EQ(fast, Encode1(Value(i)));
    fast.clear();
    double d = gen.Double();
    AppendKeyDouble(&fast, d);
    ASSERT_EQ(fast, Encode1(Value(d)));
    fast.clear();
    std::string s = gen.Bytes();
    AppendKeyString(&fast, s);
    ASSERT_EQ(fast, Encode1(Value(s)));
    fast.clear();
    AppendKeyBinary(&fast, s);
    ASSERT_EQ(fast, Encode1(Value::Binary(s)));
    fast.clear();
    bool flag = gen.OneIn(2);
    AppendKeyBool(&fast, flag);
    ASSERT_EQ(fast, Encode1(Value(flag)));
  }
}

TEST(KeyCodecPropertyTest, SortingKeysSortsValues) {
  ValueGen gen(kSeed + 4);
  std::vector<std::pair<std::string, Value>> entries;
  for (int k = 0; k < 3000; ++k) {
    Value v = gen.Any();
    entries.emplace_back(Encode1(v), v);
  }
  std::sort(entries.begin(), entries.end(),
            [](const auto& x, const auto& y) { return x.first < y.first; });
  for (size_t k = 1; k < entries.size(); ++k) {
    ASSERT_LE(ElementCompare(entries[k - 1].second, entries[k].second), 0)
        << Hex(entries[k - 1].first) << " then " << Hex(entries[k].first);
  }
}

// Any bytes: the decoder returns OK or Corruption, never crashes or reads past the end (run
// under ASan by `make asan`), and whatever it accepts is the one encoding of what it returns.
void CheckArbitraryBytes(const std::string& bytes) {
  // A heap copy of exactly the right size, so that ASan sees a read one byte too far (a
  // std::string has a terminating zero after its bytes).
  std::unique_ptr<char[]> exact(new char[bytes.size()]);
  std::memcpy(exact.get(), bytes.data(), bytes.size());
  Slice key(exact.get(), bytes.size());
  std::vector<Value> tuple;
  Status s = DecodeKey(key, &tuple);
  if (s.ok()) {
    ASSERT_EQ(Hex(EncodeKey(tuple)), Hex(bytes));
  } else {
    ASSERT_TRUE(s.IsCorruption()) << s.ToString();
    ASSERT_NE(s.message().find("key byte "), std::string::npos) << s.message();
  }
  // Element by element: as many as decode, the same ones.
  Slice in = key;
  Value v;
  size_t n = 0;
  while (!in.empty() && DecodeKeyElement(&in, &v).ok()) ++n;
  if (s.ok()) {
    ASSERT_EQ(n, tuple.size());
  }
}

TEST(KeyCodecPropertyTest, RandomBytesNeverCrashTheDecoder) {
  ValueGen gen(kSeed + 5);
  // Bytes biased towards the ones the format gives meaning to.
  static const uint8_t kInteresting[] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x08,
                                         0x0a, 0x10, 0x20, 0x30, 0x38, 0x40, 0x50, 0x51,
                                         0x60, 0x61, 0x7f, 0x80, 0xbf, 0xc3, 0xfe, 0xff};
  int accepted = 0;
  for (int iter = 0; iter < 50000; ++iter) {
    std::string bytes;
    size_t n = gen.Below(40);
    for (size_t k = 0; k < n; ++k) {
      bytes.push_back(static_cast<char>(gen.OneIn(2) ? kInteresting[gen.Below(24)]
                                                     : static_cast<uint8_t>(gen.Next())));
    }
    CheckArbitraryBytes(bytes);
    if (HasFatalFailure()) return;
    std::vector<Value> ignored;
    accepted += DecodeKey(bytes, &ignored).ok();
  }
  EXPECT_GT(accepted, 100);
}

TEST(KeyCodecPropertyTest, DamagedKeysNeverCrashTheDecoder) {
  ValueGen gen(kSeed + 6);
  for (int iter = 0; iter < 30000; ++iter) {
    std::vector<Value> tuple;
    for (size_t n = 1 + gen.Below(3); n > 0; --n) tuple.push_back(gen.Any(1));
    std::string bytes = EncodeKey(tuple);
    switch (gen.Below(4)) {
      case 0:
        bytes.resize(gen.Below(bytes.size() + 1));
        break;
      case 1:
        bytes[gen.Below(bytes.size())] = static_cast<char>(gen.Next());
        break;
      case 2:
        bytes.insert(gen.Below(bytes.size() + 1), 1, static_cast<char>(gen.Next()));
        break;
      default:
        bytes.erase(gen.Below(bytes.size()), 1 + gen.Below(3));
        break;
    }
    CheckArbitraryBytes(bytes);
    if (HasFatalFailure()) return;
  }
}

// KeyElementLength (the document layer's filter prefixes rest on it) measures what the decoder
// consumes, and an element followed by any byte but 0xff keeps its length: the decoder looks
// past an element's end only to see whether a string goes on (an escaped 0x00, 0x00 0xff).
TEST(KeyCodecPropertyTest, ElementLengthIsWhatTheDecoderConsumes) {
  ValueGen gen(kSeed + 7);
  static const char kTails[] = {'\x00', '\x01', '\x20', '\xfe', '\xff'};
  int strings_continued = 0;
  for (int iter = 0; iter < 30000; ++iter) {
    const std::string enc = Encode1(gen.Any(2));
    ASSERT_EQ(KeyElementLength(enc), enc.size()) << Hex(enc);
    std::string tail;
    for (size_t n = gen.Below(4); n > 0; --n) tail.push_back(kTails[gen.Below(5)]);
    const std::string bytes = enc + tail;
    Slice in(bytes);
    Value ignored;
    const size_t expected = DecodeKeyElement(&in, &ignored).ok() ? bytes.size() - in.size() : 0;
    ASSERT_EQ(KeyElementLength(bytes), expected) << Hex(bytes);
    if (tail.empty() || tail[0] != '\xff') {
      ASSERT_EQ(expected, enc.size()) << Hex(bytes);
    } else {
      strings_continued += expected != enc.size();
    }
  }
  EXPECT_GT(strings_continued, 100);
  for (const char* bad : {"",
                          "\x20"
                          "abc",
                          "\x7f", "\x10\x01"}) {
    EXPECT_EQ(KeyElementLength(Slice(bad)), 0u) << Hex(bad);
  }
}

// On damaged bytes too the measure agrees with the decoder: the length it consumes, or 0 when
// it fails. Numbers get most of the damage, since their fast path reads the kind byte itself.
TEST(KeyCodecPropertyTest, ElementLengthOfDamagedElements) {
  ValueGen gen(kSeed + 8);
  for (int iter = 0; iter < 30000; ++iter) {
    Value v = iter % 2 == 0
                  ? Value(static_cast<double>(static_cast<int64_t>(gen.Below(1000)) - 500) /
                          (gen.Below(2) == 0 ? 1.0 : 8.0))
                  : gen.Any(1);
    std::string bytes = Encode1(v);
    bytes[gen.Below(bytes.size())] ^= static_cast<char>(1 << gen.Below(8));
    if (gen.Below(3) == 0) bytes.resize(gen.Below(bytes.size() + 1));
    Slice in(bytes);
    Value ignored;
    const size_t expected = DecodeKeyElement(&in, &ignored).ok() ? bytes.size() - in.size() : 0;
    ASSERT_EQ(KeyElementLength(bytes), expected) << Hex(bytes);
  }
}

}  // namespace
}  // namespace strata::codec
