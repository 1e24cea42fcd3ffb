// Helpers shared by the key codec tests: hex, reference orders and a seeded Value generator.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "codec/key_codec.h"
#include "strata/value.h"

namespace strata::codec::testing {

inline std::string Hex(std::string_view bytes) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

inline std::string Unhex(std::string_view hex) {
  auto nibble = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(nibble(hex[i]) << 4 | nibble(hex[i + 1])));
  }
  return out;
}

inline std::string Encode1(const Value& v) {
  std::string out;
  AppendKeyElement(&out, v);
  return out;
}

inline int Sign(int c) { return c < 0 ? -1 : (c > 0 ? 1 : 0); }

// Strict equality up to what the encoding canonicalises: every NaN is one NaN (-0.0 == 0.0
// already holds for doubles).
inline bool SameValue(const Value& a, const Value& b) {
  if (a.type() != b.type()) return false;
  if (a.is_double()) {
    return (std::isnan(a.as_double()) && std::isnan(b.as_double())) ||
           a.as_double() == b.as_double();
  }
  if (a.is_array()) {
    const Array &x = a.as_array(), &y = b.as_array();
    if (x.size() != y.size()) return false;
    for (size_t i = 0; i < x.size(); ++i) {
      if (!SameValue(x[i], y[i])) return false;
    }
    return true;
  }
  if (a.is_object()) {
    const Object &x = a.as_object(), &y = b.as_object();
    if (x.size() != y.size()) return false;
    for (size_t i = 0; i < x.size(); ++i) {
      if (x[i].first != y[i].first || !SameValue(x[i].second, y[i].second)) return false;
    }
    return true;
  }
  return a == b;
}

// For two values CompareValues calls equal: the order of the int/double kinds, visiting numbers
// in encoding order; at the first pair that differs, the int sorts first (keys.md).
inline int KindCompare(const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) return a.is_int() == b.is_int() ? 0 : (a.is_int() ? -1 : 1);
  if (a.is_array() && b.is_array()) {
    for (size_t i = 0; i < a.as_array().size() && i < b.as_array().size(); ++i) {
      if (int c = KindCompare(a.as_array()[i], b.as_array()[i])) return c;
    }
  }
  if (a.is_object() && b.is_object()) {
    for (size_t i = 0; i < a.as_object().size() && i < b.as_object().size(); ++i) {
      if (int c = KindCompare(a.as_object()[i].second, b.as_object()[i].second)) return c;
    }
  }
  return 0;
}

// The order the bytes of one element follow: CompareValues, then the kinds on a tie.
inline int ElementCompare(const Value& a, const Value& b) {
  int c = CompareValues(a, b);
  return c != 0 ? Sign(c) : KindCompare(a, b);
}

// Numbers that carry a kind bit: those an int and a double can both be.
inline int CountAmbiguous(const Value& v) {
  if (v.is_int()) {
    return static_cast<__int128>(static_cast<double>(v.as_int())) == v.as_int() ? 1 : 0;
  }
  if (v.is_double()) {
    double d = v.as_double();
    return d >= -9223372036854775808.0 && d < 9223372036854775808.0 && d == std::trunc(d);
  }
  int n = 0;
  if (v.is_array()) {
    for (const Value& item : v.as_array()) n += CountAmbiguous(item);
  }
  if (v.is_object()) {
    for (const auto& f : v.as_object()) n += CountAmbiguous(f.second);
  }
  return n;
}

// Seeded generator of mixed Values, biased towards edges and near-equal pairs.
class ValueGen {
 public:
  explicit ValueGen(uint64_t seed) : rng_(seed) {}

  uint64_t Next() { return rng_(); }
  size_t Below(size_t n) { return static_cast<size_t>(rng_() % n); }
  bool OneIn(size_t n) { return Below(n) == 0; }

  int64_t Int() {
    static const int64_t kPool[] = {0,
                                    1,
                                    -1,
                                    2,
                                    -2,
                                    3,
                                    42,
                                    std::numeric_limits<int64_t>::min(),
                                    std::numeric_limits<int64_t>::min() + 1,
                                    std::numeric_limits<int64_t>::max(),
                                    std::numeric_limits<int64_t>::max() - 1,
                                    std::numeric_limits<int64_t>::max() - 511,
                                    std::numeric_limits<int64_t>::max() - 512,
                                    std::numeric_limits<int64_t>::max() - 1023,
                                    int64_t{1} << 53,
                                    (int64_t{1} << 53) + 1,
                                    (int64_t{1} << 53) - 1,
                                    -(int64_t{1} << 53) - 1,
                                    int64_t{1} << 62,
                                    (int64_t{1} << 62) + 1,
                                    (int64_t{1} << 62) + 511,
                                    (int64_t{1} << 62) + 512,
                                    (int64_t{1} << 62) + 513,
                                    -(int64_t{1} << 62) - 512};
    switch (Below(4)) {
      case 0:
        return kPool[Below(std::size(kPool))];
      case 1:
        return static_cast<int64_t>(Below(7)) - 3;
      case 2:
        return static_cast<int64_t>(rng_());
      default:  // a neighbour of an edge (wrapping around at the ends)
        return static_cast<int64_t>(static_cast<uint64_t>(kPool[Below(std::size(kPool))]) +
                                    Below(5) - 2);
    }
  }

  double Double() {
    constexpr double kInf = std::numeric_limits<double>::infinity();
    static const double kPool[] = {0.0,
                                   -0.0,
                                   1.0,
                                   -1.0,
                                   1.5,
                                   -1.5,
                                   2.0,
                                   0.5,
                                   kInf,
                                   -kInf,
                                   std::numeric_limits<double>::quiet_NaN(),
                                   -std::numeric_limits<double>::quiet_NaN(),
                                   std::numeric_limits<double>::denorm_min(),
                                   -std::numeric_limits<double>::denorm_min(),
                                   std::numeric_limits<double>::min(),
                                   std::numeric_limits<double>::max(),
                                   -std::numeric_limits<double>::max(),
                                   9007199254740992.0,
                                   9007199254740994.0,
                                   9223372036854775808.0,
                                   -9223372036854775808.0,
                                   9223372036854774784.0,  // the double just below 2^63
                                   18446744073709551616.0,
                                   4611686018427387904.0};
    switch (Below(5)) {
      case 0:
      case 1:
        return kPool[Below(std::size(kPool))];
      case 2: {  // any bit pattern, NaN payloads included
        uint64_t bits = rng_();
        double d;
        std::memcpy(&d, &bits, sizeof(d));
        return d;
      }
      case 3:
        return static_cast<double>(Int());  // often equal to an int
      default:
        return static_cast<double>(static_cast<int64_t>(Below(9)) - 4) / 2;
    }
  }

  std::string Bytes() {
    static const char kAlphabet[] = {'\0', '\x01', '\xff', 'a', 'b'};
    std::string s;
    size_t n = Below(5);
    for (size_t i = 0; i < n; ++i) s.push_back(kAlphabet[Below(std::size(kAlphabet))]);
    return s;
  }

  Value Scalar() {
    switch (Below(12)) {
      case 0:
        return Value::MinKey();
      case 1:
        return Value::MaxKey();
      case 2:
        return Value();
      case 3:
        return Value(OneIn(2));
      case 4:
      case 5:
        return Value(Int());
      case 6:
      case 7:
        return Value(Double());
      case 8:
      case 9:
        return Value(Bytes());
      case 10:
        return Value::Binary(Bytes());
      default: {
        static const int64_t kDates[] = {std::numeric_limits<int64_t>::min(), -1, 0, 1,
                                         std::numeric_limits<int64_t>::max()};
        return Value::Date(OneIn(2) ? kDates[Below(5)] : static_cast<int64_t>(rng_()));
      }
    }
  }

  Value Any(int depth = 0) {
    size_t pick = Below(depth >= 3 ? 1 : 10);
    if (pick == 8) {
      Array items;
      for (size_t n = Below(4); n > 0; --n) items.push_back(Any(depth + 1));
      return Value(std::move(items));
    }
    if (pick == 9) {
      static const char* kNames[] = {"", "a", "b", "ab"};
      Object fields;
      for (size_t n = Below(4); n > 0; --n) {
        std::string name = OneIn(8) ? std::string("a\0", 2) : kNames[Below(4)];
        fields.emplace_back(std::move(name), Any(depth + 1));
      }
      return Value(std::move(fields));
    }
    return Scalar();
  }

  // A value close to `v`: equal, the other number kind, or one part changed.
  Value Mutate(const Value& v) {
    if (v.is_int() && OneIn(2)) return Value(static_cast<double>(v.as_int()));
    if (v.is_double() && OneIn(2)) {
      double d = v.as_double();
      if (d >= -9223372036854775808.0 && d < 9223372036854775808.0 && d == std::trunc(d)) {
        return Value(static_cast<int64_t>(d));
      }
    }
    if (v.is_array() && !v.as_array().empty() && !OneIn(4)) {
      Value copy = v;
      Array& items = copy.as_array();
      size_t i = Below(items.size());
      if (OneIn(6)) {
        items.erase(items.begin() + static_cast<std::ptrdiff_t>(i));
      } else if (OneIn(6)) {
        items.push_back(Scalar());
      } else {
        items[i] = Mutate(items[i]);
      }
      return copy;
    }
    if (v.is_object() && !v.as_object().empty() && !OneIn(4)) {
      Value copy = v;
      Object& fields = copy.as_object();
      size_t i = Below(fields.size());
      if (OneIn(6)) {
        fields[i].first = OneIn(2) ? "b" : "a";
      } else if (OneIn(6)) {
        fields.pop_back();
      } else {
        fields[i].second = Mutate(fields[i].second);
      }
      return copy;
    }
    switch (Below(3)) {
      case 0:
        return v;
      case 1:
        return Scalar();
      default:
        return Any(1);
    }
  }

 private:
  std::mt19937_64 rng_;
};

}  // namespace strata::codec::testing
