// Value helpers and MongoDB's cross-type order.
#include "strata/value.h"

#include <cassert>
#include <cmath>
#include <cstring>

namespace strata {

std::string_view ValueTypeName(ValueType type) {
  switch (type) {
    case ValueType::kMinKey:
      return "minKey";
    case ValueType::kNull:
      return "null";
    case ValueType::kBool:
      return "bool";
    case ValueType::kInt:
      return "long";
    case ValueType::kDouble:
      return "double";
    case ValueType::kString:
      return "string";
    case ValueType::kObject:
      return "object";
    case ValueType::kArray:
      return "array";
    case ValueType::kBinary:
      return "binData";
    case ValueType::kDate:
      return "date";
    case ValueType::kMaxKey:
      return "maxKey";
  }
  return "unknown";
}

ValueType Value::type() const {
  switch (v_.index()) {
    case 0:
      return ValueType::kNull;
    case 1:
      return ValueType::kBool;
    case 2:
      return ValueType::kInt;
    case 3:
      return ValueType::kDouble;
    case 4:
      return ValueType::kString;
    case 5:
      return ValueType::kBinary;
    case 6:
      return ValueType::kDate;
    case 7:
      return ValueType::kArray;
    case 8:
      return ValueType::kObject;
    default:
      return std::get<BoundTag>(v_).max ? ValueType::kMaxKey : ValueType::kMinKey;
  }
}

const Value* Value::Find(std::string_view field) const {
  for (const auto& [name, value] : as_object()) {
    if (name == field) return &value;
  }
  return nullptr;
}

Value* Value::Find(std::string_view field) {
  return const_cast<Value*>(static_cast<const Value*>(this)->Find(field));
}

Value& Value::Set(std::string_view field, Value value) {
  if (Value* existing = Find(field)) {
    *existing = std::move(value);
    return *existing;
  }
  auto& fields = as_object();
  fields.emplace_back(std::string(field), std::move(value));
  return fields.back().second;
}

bool Value::Erase(std::string_view field) {
  auto& fields = as_object();
  for (auto it = fields.begin(); it != fields.end(); ++it) {
    if (it->first == field) {
      fields.erase(it);
      return true;
    }
  }
  return false;
}

namespace {

bool ParseIndex(std::string_view s, size_t* index) {
  if (s.empty() || s.size() > 18) return false;
  size_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<size_t>(c - '0');
  }
  *index = v;
  return true;
}

}  // namespace

const Value* Value::FindPath(std::string_view path) const {
  const Value* cur = this;
  while (true) {
    size_t dot = path.find('.');
    std::string_view step = path.substr(0, dot);
    if (cur->is_object()) {
      cur = cur->Find(step);
    } else if (cur->is_array()) {
      size_t i;
      if (!ParseIndex(step, &i) || i >= cur->as_array().size()) return nullptr;
      cur = &cur->as_array()[i];
    } else {
      return nullptr;
    }
    if (cur == nullptr || dot == std::string_view::npos) return cur;
    path.remove_prefix(dot + 1);
  }
}

int TypeOrder(ValueType type) {
  switch (type) {
    case ValueType::kMinKey:
      return 0;
    case ValueType::kNull:
      return 1;
    case ValueType::kInt:
    case ValueType::kDouble:
      return 2;
    case ValueType::kString:
      return 3;
    case ValueType::kObject:
      return 4;
    case ValueType::kArray:
      return 5;
    case ValueType::kBinary:
      return 6;
    case ValueType::kBool:
      return 7;
    case ValueType::kDate:
      return 8;
    case ValueType::kMaxKey:
      return 9;
  }
  return 10;
}

namespace {

template <typename T>
int Cmp(T a, T b) {
  return a < b ? -1 : (b < a ? 1 : 0);
}

// Compares an int64 with a double exactly (no rounding of large integers).
int CompareIntDouble(int64_t i, double d) {
  if (std::isnan(d)) return 1;  // NaN sorts below every number
  if (d >= 9223372036854775808.0) return -1;
  if (d < -9223372036854775808.0) return 1;
  double t = std::trunc(d);
  int64_t ti = static_cast<int64_t>(t);
  if (i != ti) return Cmp(i, ti);
  return Cmp(0.0, d - t);  // same integer part: the fraction decides
}

int CompareNumbers(const Value& a, const Value& b) {
  if (a.is_int() && b.is_int()) return Cmp(a.as_int(), b.as_int());
  if (a.is_int()) return CompareIntDouble(a.as_int(), b.as_double());
  if (b.is_int()) return -CompareIntDouble(b.as_int(), a.as_double());
  double x = a.as_double(), y = b.as_double();
  bool xn = std::isnan(x), yn = std::isnan(y);
  if (xn || yn) return xn && yn ? 0 : (xn ? -1 : 1);
  return Cmp(x, y);  // -0.0 == 0.0
}

int CompareBytes(const std::string& a, const std::string& b) {
  int c = a.compare(b);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

}  // namespace

int CompareValues(const Value& a, const Value& b) {
  int ta = TypeOrder(a.type()), tb = TypeOrder(b.type());
  if (ta != tb) return Cmp(ta, tb);
  switch (a.type()) {
    case ValueType::kMinKey:
    case ValueType::kMaxKey:
    case ValueType::kNull:
      return 0;
    case ValueType::kInt:
    case ValueType::kDouble:
      return CompareNumbers(a, b);
    case ValueType::kString:
      return CompareBytes(a.as_string(), b.as_string());
    case ValueType::kBinary: {
      // MongoDB orders binary by length first, then bytes.
      int c = Cmp(a.as_binary().size(), b.as_binary().size());
      return c != 0 ? c : CompareBytes(a.as_binary(), b.as_binary());
    }
    case ValueType::kBool:
      return Cmp(a.as_bool(), b.as_bool());
    case ValueType::kDate:
      return Cmp(a.as_date(), b.as_date());
    case ValueType::kObject: {
      const Object& x = a.as_object();
      const Object& y = b.as_object();
      size_t n = std::min(x.size(), y.size());
      for (size_t i = 0; i < n; ++i) {
        // MongoDB compares the field's type first, then its name, then its value.
        int c = Cmp(TypeOrder(x[i].second.type()), TypeOrder(y[i].second.type()));
        if (c == 0) c = CompareBytes(x[i].first, y[i].first);
        if (c == 0) c = CompareValues(x[i].second, y[i].second);
        if (c != 0) return c;
      }
      return Cmp(x.size(), y.size());
    }
    case ValueType::kArray: {
      const Array& x = a.as_array();
      const Array& y = b.as_array();
      size_t n = std::min(x.size(), y.size());
      for (size_t i = 0; i < n; ++i) {
        int c = CompareValues(x[i], y[i]);
        if (c != 0) return c;
      }
      return Cmp(x.size(), y.size());
    }
  }
  return 0;
}

size_t ApproximateBytes(const Value& v) {
  size_t size = sizeof(Value);
  if (v.is_string()) {
    size += v.as_string().capacity();
  } else if (v.is_binary()) {
    size += v.as_binary().size();
  } else if (v.is_array()) {
    for (const Value& item : v.as_array()) size += ApproximateBytes(item);
  } else if (v.is_object()) {
    for (const auto& [name, item] : v.as_object()) {
      size += sizeof(std::string) + name.size() + ApproximateBytes(item);
    }
  }
  return size;
}

}  // namespace strata
