// Value: an in-memory document value (JSON's types plus 64-bit integers apart from doubles, binary
// and dates). Objects keep their fields in insertion order. A Value owns everything it holds.
//
// Two orders exist. operator== is strict structural equality (int 1 != double 1.0; field order
// counts). CompareValues() (below) is MongoDB's cross-type order used by queries, sorts and index
// keys: MinKey < null < numbers (ints and doubles by value) < strings < objects < arrays < binary
// < booleans < dates < MaxKey. Thread safety: a Value is a value; const use is thread-safe.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace strata {

// The numeric codes are MongoDB's $type numbers where one exists (docs/formats/documents.md).
enum class ValueType : uint8_t {
  kMinKey = 0,  // only in index bounds; never stored in a document
  kNull = 10,
  kBool = 8,
  kInt = 18,    // int64
  kDouble = 1,  // IEEE 754 binary64
  kString = 2,  // UTF-8
  kObject = 3,  // ordered fields
  kArray = 4,
  kBinary = 5,    // raw bytes
  kDate = 9,      // milliseconds since the Unix epoch, UTC
  kMaxKey = 127,  // only in index bounds
};

// The type's name as $type accepts it ("null", "bool", "long", "double", "string", "object",
// "array", "binData", "date", "minKey", "maxKey").
std::string_view ValueTypeName(ValueType type);

class Value;
using Array = std::vector<Value>;
using Field = std::pair<std::string, Value>;
using Object = std::vector<Field>;

class Value {
 public:
  Value() = default;  // null
  Value(std::nullptr_t) {}
  Value(bool b) : v_(b) {}
  Value(int i) : v_(int64_t{i}) {}
  Value(int64_t i) : v_(i) {}
  Value(double d) : v_(d) {}
  Value(const char* s) : v_(std::string(s)) {}
  Value(std::string s) : v_(std::move(s)) {}
  Value(std::string_view s) : v_(std::string(s)) {}
  Value(Array a) : v_(std::move(a)) {}
  Value(Object o) : v_(std::move(o)) {}

  static Value Binary(std::string bytes) { return Value(BinaryTag{std::move(bytes)}); }
  static Value Date(int64_t millis) { return Value(DateTag{millis}); }
  static Value MinKey() { return Value(BoundTag{false}); }
  static Value MaxKey() { return Value(BoundTag{true}); }
  static Value MakeObject(std::initializer_list<Field> fields) { return Value(Object(fields)); }
  static Value MakeArray(std::initializer_list<Value> items) { return Value(Array(items)); }

  ValueType type() const;
  bool is_null() const { return v_.index() == 0; }
  bool is_bool() const { return v_.index() == 1; }
  bool is_int() const { return v_.index() == 2; }
  bool is_double() const { return v_.index() == 3; }
  bool is_number() const { return is_int() || is_double(); }
  bool is_string() const { return v_.index() == 4; }
  bool is_binary() const { return v_.index() == 5; }
  bool is_date() const { return v_.index() == 6; }
  bool is_array() const { return v_.index() == 7; }
  bool is_object() const { return v_.index() == 8; }
  bool is_min_key() const { return v_.index() == 9 && !std::get<BoundTag>(v_).max; }
  bool is_max_key() const { return v_.index() == 9 && std::get<BoundTag>(v_).max; }

  // Accessors; calling one for another type is a programming error (asserted).
  bool as_bool() const { return std::get<bool>(v_); }
  int64_t as_int() const { return std::get<int64_t>(v_); }
  double as_double() const { return std::get<double>(v_); }
  double as_number() const { return is_int() ? static_cast<double>(as_int()) : as_double(); }
  const std::string& as_string() const { return std::get<std::string>(v_); }
  std::string& as_string() { return std::get<std::string>(v_); }
  const std::string& as_binary() const { return std::get<BinaryTag>(v_).bytes; }
  int64_t as_date() const { return std::get<DateTag>(v_).millis; }
  const Array& as_array() const { return std::get<Array>(v_); }
  Array& as_array() { return std::get<Array>(v_); }
  const Object& as_object() const { return std::get<Object>(v_); }
  Object& as_object() { return std::get<Object>(v_); }

  // Object helpers (the value must be an object). Find returns nullptr when absent.
  const Value* Find(std::string_view field) const;
  Value* Find(std::string_view field);
  // Replaces the field's value in place, or appends the field at the end.
  Value& Set(std::string_view field, Value value);
  // Removes the field; returns whether it was there.
  bool Erase(std::string_view field);

  // A dotted path ("a.b.0.c") through objects, and through arrays by numeric index. No array
  // fan-out (that is the query layer's job). nullptr when any step is missing.
  const Value* FindPath(std::string_view path) const;

  friend bool operator==(const Value& a, const Value& b) { return a.v_ == b.v_; }
  friend bool operator!=(const Value& a, const Value& b) { return !(a == b); }

 private:
  struct BinaryTag {
    std::string bytes;
    bool operator==(const BinaryTag&) const = default;
  };
  struct DateTag {
    int64_t millis;
    bool operator==(const DateTag&) const = default;
  };
  struct BoundTag {
    bool max;
    bool operator==(const BoundTag&) const = default;
  };
  explicit Value(BinaryTag b) : v_(std::move(b)) {}
  explicit Value(DateTag d) : v_(d) {}
  explicit Value(BoundTag b) : v_(b) {}

  std::variant<std::monostate, bool, int64_t, double, std::string, BinaryTag, DateTag, Array,
               Object, BoundTag>
      v_;
};

// MongoDB's order across and within types: <0, 0, >0. Numbers compare by value (int 1 equals
// double 1.0; int64 beyond 2^53 compares exactly against doubles); NaN equals NaN and sorts
// below every other number; -0.0 equals 0.0. Strings compare bytewise; objects field by field
// (name, then value); arrays element by element, shorter first on a tie.
int CompareValues(const Value& a, const Value& b);

// The rank of a type in that order (numbers share one rank).
int TypeOrder(ValueType type);

// Roughly the heap bytes a Value holds (itself, strings, elements, field names), for the memory
// limits of sorts and groups.
size_t ApproximateBytes(const Value& v);

}  // namespace strata
