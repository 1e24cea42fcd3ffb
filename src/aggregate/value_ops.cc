#include "aggregate/value_ops.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <functional>

namespace strata::aggregate {

bool IsTruthy(const Value& v) {
  if (IsNullish(v)) return false;
  if (v.is_bool()) return v.as_bool();
  if (v.is_int()) return v.as_int() != 0;
  if (v.is_double()) return v.as_double() != 0;  // NaN is true, as in MongoDB
  return true;
}

std::string_view TypeNameOf(const Value& v) {
  if (IsMissing(v)) return "missing";
  return ValueTypeName(v.type());
}

namespace {

size_t Mix(size_t seed, size_t h) {
  return seed ^ (h + 0x9e3779b97f4a7c15ULL + (seed << 6) + (seed >> 2));
}

}  // namespace

size_t HashValue(const Value& v) {
  // Numbers share one type rank, so the hash of a number must not depend on int vs double.
  size_t seed = static_cast<size_t>(TypeOrder(v.type()));
  if (v.is_int()) return Mix(seed, std::hash<int64_t>()(v.as_int()));
  if (v.is_double()) {
    double d = v.as_double();
    int64_t i;
    if (DoubleToInt64(d, &i)) return Mix(seed, std::hash<int64_t>()(i));
    if (std::isnan(d)) return Mix(seed, 0x7ff8);
    return Mix(seed, std::hash<double>()(d));
  }
  if (v.is_string()) return Mix(seed, std::hash<std::string>()(v.as_string()));
  if (v.is_binary()) return Mix(seed, std::hash<std::string>()(v.as_binary()));
  if (v.is_bool()) return Mix(seed, v.as_bool() ? 1 : 0);
  if (v.is_date()) return Mix(seed, std::hash<int64_t>()(v.as_date()));
  if (v.is_array()) {
    for (const Value& item : v.as_array()) seed = Mix(seed, HashValue(item));
    return seed;
  }
  if (v.is_object()) {
    for (const auto& [name, item] : v.as_object()) {
      seed = Mix(seed, std::hash<std::string>()(name));
      seed = Mix(seed, HashValue(item));
    }
    return seed;
  }
  return seed;  // null, MinKey, MaxKey
}

void NumberSum::Add(const Value& number) {
  if (number.is_int()) {
    AddInt(number.as_int());
  } else {
    AddDouble(number.as_double());
  }
}

void NumberSum::AddInt(int64_t i) {
  if (!is_double_) {
    int64_t r;
    if (!__builtin_add_overflow(int_total_, i, &r)) {
      int_total_ = r;
      return;
    }
    is_double_ = true;
    sum_ = static_cast<double>(int_total_);
  }
  AddDouble(static_cast<double>(i));
}

void NumberSum::AddDouble(double d) {
  if (!is_double_) {
    is_double_ = true;
    sum_ = static_cast<double>(int_total_);
  }
  // Neumaier's compensated summation.
  double t = sum_ + d;
  if (std::isfinite(t)) {
    if (std::fabs(sum_) >= std::fabs(d)) {
      compensation_ += (sum_ - t) + d;
    } else {
      compensation_ += (d - t) + sum_;
    }
  }
  sum_ = t;
}

double NumberSum::TotalDouble() const {
  if (!is_double_) return static_cast<double>(int_total_);
  if (!std::isfinite(sum_)) return sum_;
  return sum_ + compensation_;
}

Value NumberSum::Total() const {
  if (!is_double_) return Value(int_total_);
  return Value(TotalDouble());
}

bool DoubleToInt64(double d, int64_t* out) {
  if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0)) return false;
  if (std::trunc(d) != d) return false;
  *out = static_cast<int64_t>(d);
  return true;
}

bool IntegralValue(const Value& v, int64_t* out) {
  if (v.is_int()) {
    *out = v.as_int();
    return true;
  }
  if (v.is_double()) return DoubleToInt64(v.as_double(), out);
  return false;
}

std::string FormatDouble(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), d);
  if (ec != std::errc()) return std::to_string(d);
  return std::string(buf, end);
}

namespace {

// Howard Hinnant's days-to-civil conversion.
void CivilFromDays(int64_t z, int64_t* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t yy = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = yy + (*m <= 2);
}

}  // namespace

std::string FormatDate(int64_t millis) {
  int64_t days = millis / 86400000;
  int64_t rem = millis % 86400000;
  if (rem < 0) {
    rem += 86400000;
    days -= 1;
  }
  int64_t year;
  unsigned month, day;
  CivilFromDays(days, &year, &month, &day);
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%04lld-%02u-%02uT%02d:%02d:%02d.%03dZ",
                static_cast<long long>(year), month, day, static_cast<int>(rem / 3600000),
                static_cast<int>(rem / 60000 % 60), static_cast<int>(rem / 1000 % 60),
                static_cast<int>(rem % 1000));
  return buf;
}

}  // namespace strata::aggregate
