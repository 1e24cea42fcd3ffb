// Seeded random Values for the codec's tests (documents and JSON).
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>

#include "base/random.h"
#include "strata/value.h"

namespace strata::codec::testutil {

struct RandomValueOptions {
  bool utf8_strings = true;  // false: any bytes (documents do not care)
  bool nan = false;          // NaN breaks operator== comparisons
  int max_depth = 5;         // containers nested at most this deep below the top
  int max_width = 6;         // entries per container, usually (sometimes 20+ for offset tables)
};

class RandomValues {
 public:
  RandomValues(uint64_t seed, RandomValueOptions options = {}) : r_(seed), o_(options) {}

  std::string Name() {
    static const char* kNames[] = {"a",
                                   "b",
                                   "_id",
                                   "name",
                                   "x.y",
                                   "",
                                   "price",
                                   "items",
                                   "0",
                                   "1",
                                   "tags",
                                   "\xC3\xA9t\xC3\xA9",
                                   "$notExtended",
                                   "k\"q"};
    if (r_.OneIn(3)) return Str(r_.Uniform(12));
    return kNames[r_.Uniform(sizeof(kNames) / sizeof(kNames[0]))];
  }

  std::string Str(size_t n) {
    std::string s;
    while (s.size() < n) {
      switch (r_.Uniform(o_.utf8_strings ? 8 : 9)) {
        case 0:
          s.push_back(static_cast<char>(r_.Uniform(0x20)));
          break;  // control
        case 1:
          s.push_back(r_.OneIn(2) ? '"' : '\\');
          break;
        case 2:
          s += "\xC3\xA9";
          break;  // é
        case 3:
          s += "\xE2\x82\xAC";
          break;  // €
        case 4:
          s += "\xF0\x9F\x98\x80";
          break;  // emoji (a surrogate pair in \u form)
        case 8:
          s.push_back(static_cast<char>(r_.Uniform(256)));
          break;  // any byte
        default:
          s.push_back(static_cast<char>('a' + r_.Uniform(26)));
          break;
      }
    }
    return s;
  }

  double Double() {
    switch (r_.Uniform(8)) {
      case 0:
        return static_cast<double>(static_cast<int64_t>(r_.Uniform(2000)) - 1000);
      case 1:
        return r_.OneIn(2) ? -0.0 : 0.0;
      case 2:
        return 0.1 * static_cast<double>(r_.Uniform(100));
      case 3: {
        static const double kOdd[] = {1e16,
                                      1e22,
                                      1e300,
                                      -1e-300,
                                      5e-324,
                                      1.7976931348623157e308,
                                      2.2250738585072014e-308,
                                      9007199254740993.0};
        return kOdd[r_.Uniform(8)];
      }
      case 4:
        if (o_.nan) return std::numeric_limits<double>::quiet_NaN();
        return r_.OneIn(2) ? std::numeric_limits<double>::infinity()
                           : -std::numeric_limits<double>::infinity();
      default: {
        uint64_t bits = r_.Next();
        double d;
        memcpy(&d, &bits, 8);
        if (std::isnan(d) && !o_.nan) d = 1.5;
        return d;
      }
    }
  }

  int64_t Int() {
    switch (r_.Uniform(5)) {
      case 0:
        return static_cast<int64_t>(r_.Uniform(100)) - 50;
      case 1:
        return r_.OneIn(2) ? std::numeric_limits<int64_t>::min()
                           : std::numeric_limits<int64_t>::max();
      case 2:
        return static_cast<int64_t>(r_.Uniform(1ull << 40));
      default:
        return static_cast<int64_t>(r_.Next());
    }
  }

  Value Scalar() {
    switch (r_.Uniform(8)) {
      case 0:
        return Value();
      case 1:
        return Value(r_.OneIn(2));
      case 2:
        return Value(Int());
      case 3:
        return Value(Double());
      case 4:
        return Value::Binary(Bytes(r_.Uniform(10)));
      case 5: {
        // Mostly within years 0000..9999 (ISO form), sometimes far outside (millis form).
        int64_t ms = r_.OneIn(5)
                         ? Int()
                         : static_cast<int64_t>(r_.Uniform(315537897600000ull)) - 62167219200000;
        return Value::Date(ms);
      }
      default:
        return Value(Str(r_.Uniform(10)));
    }
  }

  std::string Bytes(size_t n) {
    std::string s;
    for (size_t i = 0; i < n; i++) s.push_back(static_cast<char>(r_.Uniform(256)));
    return s;
  }

  size_t Width() { return r_.OneIn(12) ? 16 + r_.Uniform(10) : r_.Uniform(o_.max_width + 1); }

  // An object with unique field names (JSON merges repeated names).
  Value Object(int depth = 0) {
    Value v{strata::Object()};
    size_t n = Width();
    for (size_t i = 0; i < n; i++) {
      std::string name = Name();
      if (v.Find(name) != nullptr) continue;
      v.as_object().emplace_back(std::move(name), Any(depth + 1));
    }
    return v;
  }

  Value Any(int depth) {
    if (depth < o_.max_depth && r_.OneIn(4)) {
      if (r_.OneIn(2)) return Object(depth);
      Value v{strata::Array()};
      size_t n = Width();
      for (size_t i = 0; i < n; i++) v.as_array().push_back(Any(depth + 1));
      return v;
    }
    return Scalar();
  }

  Random& rng() { return r_; }

 private:
  Random r_;
  RandomValueOptions o_;
};

}  // namespace strata::codec::testutil
