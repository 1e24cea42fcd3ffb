// Order-preserving tuple keys. Layout and the reasons for it: docs/formats/keys.md.
#include "codec/key_codec.h"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>

namespace strata::codec {

namespace {

// Type bytes, in CompareValues' type order. 0x00 ends arrays and objects and 0xff is never a
// type byte: after a string's 0x00 terminator, 0xff means "escaped zero byte".
constexpr uint8_t kEndCode = 0x00;
constexpr uint8_t kMinKeyCode = 0x01;
constexpr uint8_t kNullCode = 0x08;
constexpr uint8_t kNumberCode = 0x10;
constexpr uint8_t kStringCode = 0x20;
constexpr uint8_t kObjectCode = 0x30;
constexpr uint8_t kArrayCode = 0x38;
constexpr uint8_t kBinaryCode = 0x40;
constexpr uint8_t kFalseCode = 0x50;
constexpr uint8_t kTrueCode = 0x51;
constexpr uint8_t kDateCode = 0x60;
constexpr uint8_t kMaxKeyCode = 0xfe;

// The tag after a number's 8-byte double form: how the exact value differs from that double.
constexpr uint8_t kResidualNegative = 0x01;  // + 2 bytes: an int just below the double
constexpr uint8_t kResidualZero = 0x02;      // the value is the double
constexpr uint8_t kResidualPositive = 0x03;  // + 2 bytes: an int just above the double
constexpr int kResidualBias = 0x8000;

constexpr uint64_t kSignBit = uint64_t{1} << 63;
constexpr double kTwo63 = 9223372036854775808.0;

// Collects one bit per number whose kind the value bytes leave open (0 int, 1 double), packed
// most significant bit first. Up to 120 such numbers fit in std::string's inline buffer.
struct KindBits {
  std::string bytes;
  int count = 0;
  void Add(bool is_double) {
    if (count % 8 == 0) bytes.push_back('\0');
    if (is_double) bytes.back() = static_cast<char>(bytes.back() | (0x80 >> (count % 8)));
    ++count;
  }
};

void PutBigEndian64(std::string* out, uint64_t v) {
  char buf[8];
  for (int i = 0; i < 8; ++i) buf[i] = static_cast<char>(v >> (56 - 8 * i));
  out->append(buf, 8);
}

uint64_t GetBigEndian64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | p[i];
  return v;
}

// A double (not NaN, not -0.0) as 8 bytes that memcmp in numeric order: positives get the sign
// bit set, negatives have every bit flipped. 0 is left for the canonical NaN.
uint64_t OrderedBits(double d) {
  uint64_t b;
  std::memcpy(&b, &d, sizeof(b));
  return (b & kSignBit) ? ~b : (b | kSignBit);
}

// The IEEE bits of the double whose OrderedBits are `ordered` (ordered != 0).
uint64_t UnorderedBits(uint64_t ordered) {
  return (ordered & kSignBit) ? (ordered ^ kSignBit) : ~ordered;
}

// True when some int64 has the value `d` (so the bytes alone cannot say which kind it was).
bool IsIntegralInInt64Range(double d) {
  return d >= -kTwo63 && d < kTwo63 && static_cast<double>(static_cast<int64_t>(d)) == d;
}

// Room for a number's value bytes and, at top level, its kind byte.
constexpr size_t kMaxNumberBytes = 13;

// Writes a number's value bytes (type byte, ordered double, residual tag, residual if any) to
// `buf`; returns how many.
size_t NumberBytes(char* buf, uint64_t ordered, int residual) {
  buf[0] = static_cast<char>(kNumberCode);
  for (int k = 0; k < 8; ++k) buf[1 + k] = static_cast<char>(ordered >> (56 - 8 * k));
  if (residual == 0) {
    buf[9] = static_cast<char>(kResidualZero);
    return 10;
  }
  buf[9] = static_cast<char>(residual < 0 ? kResidualNegative : kResidualPositive);
  unsigned biased = static_cast<unsigned>(residual + kResidualBias);
  buf[10] = static_cast<char>(biased >> 8);
  buf[11] = static_cast<char>(biased);
  return 12;
}

// An int's value bytes; *ambiguous tells whether a double of equal value exists (the int then
// needs a kind bit).
size_t IntBytes(char* buf, int64_t i, bool* ambiguous) {
  double d = static_cast<double>(i);  // the nearest double; 2^63 for the largest ints
  // i - d exactly; 2^63 itself is no int64, so that case is done in 128 bits.
  int residual =
      d < kTwo63 ? static_cast<int>(i - static_cast<int64_t>(d))
                 : static_cast<int>(static_cast<__int128>(i) - (static_cast<__int128>(1) << 63));
  *ambiguous = residual == 0;
  return NumberBytes(buf, OrderedBits(d), residual);
}

// A double's value bytes (-0.0 as 0.0, every NaN as 0); *ambiguous tells whether an int of equal
// value exists.
size_t DoubleBytes(char* buf, double d, bool* ambiguous) {
  *ambiguous = IsIntegralInInt64Range(d);
  return NumberBytes(buf, std::isnan(d) ? 0 : OrderedBits(d == 0 ? 0.0 : d), 0);
}

// Appends `s` with each 0x00 written as 0x00 0xff, then the 0x00 terminator.
void AppendEscaped(std::string* out, std::string_view s) {
  size_t pos = 0;
  while (true) {
    size_t zero = s.find('\0', pos);
    if (zero == std::string_view::npos) {
      out->append(s.data() + pos, s.size() - pos);
      break;
    }
    out->append(s.data() + pos, zero + 1 - pos);
    out->push_back('\xff');
    pos = zero + 1;
  }
  out->push_back('\0');
}

// Binary orders by length first: the length's byte count, the length, then the raw bytes.
void AppendBinary(std::string* out, std::string_view bytes) {
  char buf[10];
  uint64_t len = bytes.size();
  int len_bytes = 0;
  while (len_bytes < 8 && (len >> (8 * len_bytes)) != 0) ++len_bytes;
  buf[0] = static_cast<char>(kBinaryCode);
  buf[1] = static_cast<char>(len_bytes);
  for (int k = 0; k < len_bytes; ++k)
    buf[2 + k] = static_cast<char>(len >> (8 * (len_bytes - 1 - k)));
  out->append(buf, static_cast<size_t>(2 + len_bytes));
  out->append(bytes);
}

// The rank byte before each object field: the field value's type order, never 0x00.
uint8_t RankByte(ValueType type) { return static_cast<uint8_t>(TypeOrder(type) + 1); }

void AppendValue(std::string* out, const Value& v, KindBits* kinds) {
  switch (v.type()) {
    case ValueType::kMinKey:
      out->push_back(static_cast<char>(kMinKeyCode));
      return;
    case ValueType::kMaxKey:
      out->push_back(static_cast<char>(kMaxKeyCode));
      return;
    case ValueType::kNull:
      out->push_back(static_cast<char>(kNullCode));
      return;
    case ValueType::kBool:
      out->push_back(static_cast<char>(v.as_bool() ? kTrueCode : kFalseCode));
      return;
    case ValueType::kInt:
    case ValueType::kDouble: {
      char buf[kMaxNumberBytes];
      bool ambiguous;
      out->append(buf, v.is_int() ? IntBytes(buf, v.as_int(), &ambiguous)
                                  : DoubleBytes(buf, v.as_double(), &ambiguous));
      if (ambiguous) kinds->Add(v.is_double());
      return;
    }
    case ValueType::kString:
      out->push_back(static_cast<char>(kStringCode));
      AppendEscaped(out, v.as_string());
      return;
    case ValueType::kBinary:
      AppendBinary(out, v.as_binary());
      return;
    case ValueType::kDate:
      out->push_back(static_cast<char>(kDateCode));
      PutBigEndian64(out, static_cast<uint64_t>(v.as_date()) ^ kSignBit);
      return;
    case ValueType::kArray:
      out->push_back(static_cast<char>(kArrayCode));
      for (const Value& item : v.as_array()) AppendValue(out, item, kinds);
      out->push_back(static_cast<char>(kEndCode));
      return;
    case ValueType::kObject:
      out->push_back(static_cast<char>(kObjectCode));
      for (const auto& [name, value] : v.as_object()) {
        out->push_back(static_cast<char>(RankByte(value.type())));
        AppendEscaped(out, name);
        AppendValue(out, value, kinds);
      }
      out->push_back(static_cast<char>(kEndCode));
      return;
  }
}

// True for an int that a double of equal value exists for: the numbers that carry a kind bit.
bool IsAmbiguousInt(int64_t i) {
  return static_cast<__int128>(static_cast<double>(i)) == static_cast<__int128>(i);
}

// Turns the ambiguous numbers (decoded as ints) whose kind bit is 1 into doubles, visiting them
// in encoding order.
void ApplyKinds(Value* v, const uint8_t* bits, int* index) {
  if (v->is_int()) {
    if (!IsAmbiguousInt(v->as_int())) return;
    int k = (*index)++;
    if (bits[k / 8] & (0x80 >> (k % 8))) *v = Value(static_cast<double>(v->as_int()));
  } else if (v->is_array()) {
    for (Value& item : v->as_array()) ApplyKinds(&item, bits, index);
  } else if (v->is_object()) {
    for (auto& field : v->as_object()) ApplyKinds(&field.second, bits, index);
  }
}

// Decodes elements from [begin, end); offsets in messages are relative to `begin`.
class Decoder {
 public:
  Decoder(const char* begin, const char* end)
      : begin_(reinterpret_cast<const uint8_t*>(begin)),
        p_(begin_),
        end_(reinterpret_cast<const uint8_t*>(end)) {}

  bool done() const { return p_ == end_; }
  size_t consumed() const { return static_cast<size_t>(p_ - begin_); }

  // One top-level element: its value bytes, then its kind trailer.
  Status Element(Value* out) {
    int ambiguous = 0;
    STRATA_RETURN_IF_ERROR(ValueBytes(out, 0, &ambiguous));
    if (ambiguous == 0) return Status::OK();
    size_t trailer = static_cast<size_t>(ambiguous + 7) / 8;
    if (Left() < trailer) {
      return Fail(end_, std::to_string(trailer) + " int/double kind byte(s)");
    }
    const uint8_t* bits = p_;
    // Bits past the last number must be 0 so that every value has exactly one encoding.
    uint8_t unused = static_cast<uint8_t>(0xff >> (ambiguous % 8 == 0 ? 8 : ambiguous % 8));
    if (bits[trailer - 1] & unused) {
      return Fail(bits + trailer - 1, "kind byte with its unused low bits zero");
    }
    bool any_double = false;
    for (size_t k = 0; k < trailer; ++k) any_double |= bits[k] != 0;
    p_ += trailer;
    if (any_double) {
      int index = 0;
      ApplyKinds(out, bits, &index);
    }
    return Status::OK();
  }

 private:
  size_t Left() const { return static_cast<size_t>(end_ - p_); }

  Status Fail(const uint8_t* at, std::string_view expected) const {
    std::string msg = "key byte " + std::to_string(at - begin_) + ": expected ";
    msg.append(expected);
    if (at < end_) {
      char found[16];
      std::snprintf(found, sizeof(found), ", found 0x%02x", *at);
      msg += found;
    } else {
      msg += ", found the end of the key";
    }
    return Status::Corruption(std::move(msg));
  }

  Status ValueBytes(Value* out, int depth, int* ambiguous) {
    if (p_ == end_) return Fail(p_, "a type byte");
    const uint8_t* start = p_;
    uint8_t code = *p_++;
    switch (code) {
      case kMinKeyCode:
        *out = Value::MinKey();
        return Status::OK();
      case kMaxKeyCode:
        *out = Value::MaxKey();
        return Status::OK();
      case kNullCode:
        *out = Value();
        return Status::OK();
      case kFalseCode:
        *out = Value(false);
        return Status::OK();
      case kTrueCode:
        *out = Value(true);
        return Status::OK();
      case kNumberCode:
        return Number(out, ambiguous);
      case kStringCode: {
        std::string s;
        STRATA_RETURN_IF_ERROR(Escaped(&s));
        *out = Value(std::move(s));
        return Status::OK();
      }
      case kBinaryCode:
        return Binary(out);
      case kDateCode:
        if (Left() < 8) return Fail(end_, "8 date bytes");
        *out = Value::Date(static_cast<int64_t>(GetBigEndian64(p_) ^ kSignBit));
        p_ += 8;
        return Status::OK();
      case kArrayCode:
      case kObjectCode:
        if (depth >= kMaxKeyNestingDepth) {
          return Fail(start, "arrays and objects nested at most " +
                                 std::to_string(kMaxKeyNestingDepth) + " deep");
        }
        return code == kArrayCode ? ArrayBytes(out, depth + 1, ambiguous)
                                  : ObjectBytes(out, depth + 1, ambiguous);
      default:
        return Fail(start, "a type byte");
    }
  }

  Status Number(Value* out, int* ambiguous) {
    if (Left() < 9) return Fail(end_, "8 number bytes and a residual tag");
    uint64_t ordered = GetBigEndian64(p_);
    const uint8_t* tag_at = p_ + 8;
    uint8_t tag = *tag_at;
    p_ += 9;
    if (tag != kResidualNegative && tag != kResidualZero && tag != kResidualPositive) {
      return Fail(tag_at, "residual tag 0x01, 0x02 or 0x03");
    }
    double d;
    if (ordered == 0) {
      d = std::numeric_limits<double>::quiet_NaN();
    } else {
      uint64_t bits = UnorderedBits(ordered);
      std::memcpy(&d, &bits, sizeof(d));
      if (std::isnan(d)) return Fail(tag_at - 8, "a number (NaN is eight zero bytes)");
      if (bits == kSignBit) return Fail(tag_at - 8, "a number (-0.0 is stored as 0.0)");
    }
    if (tag == kResidualZero) {
      if (IsIntegralInInt64Range(d)) {
        ++*ambiguous;  // an int until the kind trailer says otherwise
        *out = Value(static_cast<int64_t>(d));
      } else {
        *out = Value(d);
      }
      return Status::OK();
    }
    if (Left() < 2) return Fail(end_, "2 residual bytes");
    int residual = ((p_[0] << 8) | p_[1]) - kResidualBias;
    if ((tag == kResidualNegative) != (residual < 0) || residual == 0) {
      return Fail(p_, "a residual whose sign matches its tag");
    }
    if (!(d >= -kTwo63 && d <= kTwo63 && d == std::trunc(d))) {
      return Fail(tag_at, "residual tag 0x02 (only an integral double in int64 range has one)");
    }
    __int128 exact = static_cast<__int128>(d) + residual;
    if (exact < std::numeric_limits<int64_t>::min() ||
        exact > std::numeric_limits<int64_t>::max() ||
        static_cast<double>(static_cast<int64_t>(exact)) != d) {
      return Fail(p_, "a residual to an int64 whose nearest double is the one encoded");
    }
    p_ += 2;
    *out = Value(static_cast<int64_t>(exact));
    return Status::OK();
  }

  // Reads an escaped string up to and including its terminator.
  Status Escaped(std::string* s) {
    while (true) {
      const void* zero = std::memchr(p_, 0, Left());
      if (zero == nullptr) return Fail(end_, "a string terminator 0x00");
      const uint8_t* z = static_cast<const uint8_t*>(zero);
      s->append(reinterpret_cast<const char*>(p_), static_cast<size_t>(z - p_));
      p_ = z + 1;
      if (p_ == end_ || *p_ != 0xff) return Status::OK();
      s->push_back('\0');
      ++p_;
    }
  }

  Status Binary(Value* out) {
    if (p_ == end_) return Fail(p_, "a binary length byte count");
    const uint8_t* count_at = p_;
    int len_bytes = *p_++;
    if (len_bytes > 8) return Fail(count_at, "a binary length byte count of at most 8");
    if (Left() < static_cast<size_t>(len_bytes)) return Fail(end_, "binary length bytes");
    if (len_bytes > 0 && *p_ == 0) return Fail(p_, "a binary length without leading zero bytes");
    uint64_t len = 0;
    for (int k = 0; k < len_bytes; ++k) len = (len << 8) | *p_++;
    if (Left() < len) return Fail(end_, std::to_string(len) + " binary bytes");
    *out = Value::Binary(std::string(reinterpret_cast<const char*>(p_), len));
    p_ += len;
    return Status::OK();
  }

  Status ArrayBytes(Value* out, int depth, int* ambiguous) {
    Array items;
    while (true) {
      if (p_ == end_) return Fail(p_, "an array item or the end byte 0x00");
      if (*p_ == kEndCode) break;
      items.emplace_back();
      STRATA_RETURN_IF_ERROR(ValueBytes(&items.back(), depth, ambiguous));
    }
    ++p_;
    *out = Value(std::move(items));
    return Status::OK();
  }

  Status ObjectBytes(Value* out, int depth, int* ambiguous) {
    Object fields;
    while (true) {
      if (p_ == end_) return Fail(p_, "a field's type rank or the end byte 0x00");
      const uint8_t* rank_at = p_;
      uint8_t rank = *p_++;
      if (rank == kEndCode) break;
      std::string name;
      STRATA_RETURN_IF_ERROR(Escaped(&name));
      Value value;
      STRATA_RETURN_IF_ERROR(ValueBytes(&value, depth, ambiguous));
      if (rank != RankByte(value.type())) {
        return Fail(rank_at, "a field type rank matching the field's value");
      }
      fields.emplace_back(std::move(name), std::move(value));
    }
    *out = Value(std::move(fields));
    return Status::OK();
  }

  const uint8_t* begin_;
  const uint8_t* p_;
  const uint8_t* end_;
};

}  // namespace

void AppendKeyElement(std::string* out, const Value& value) {
  switch (value.type()) {  // scalars need no kind collector
    case ValueType::kInt:
      return AppendKeyInt64(out, value.as_int());
    case ValueType::kDouble:
      return AppendKeyDouble(out, value.as_double());
    case ValueType::kArray:
    case ValueType::kObject: {
      KindBits kinds;
      AppendValue(out, value, &kinds);
      out->append(kinds.bytes);
      return;
    }
    default:
      AppendValue(out, value, nullptr);
  }
}

void AppendKeyInt64(std::string* out, int64_t v) {
  char buf[kMaxNumberBytes];
  bool ambiguous;
  size_t n = IntBytes(buf, v, &ambiguous);
  if (ambiguous) buf[n++] = '\0';  // the kind trailer: bit 0, an int
  out->append(buf, n);
}

void AppendKeyDouble(std::string* out, double v) {
  char buf[kMaxNumberBytes];
  bool ambiguous;
  size_t n = DoubleBytes(buf, v, &ambiguous);
  if (ambiguous) buf[n++] = '\x80';  // the kind trailer: bit 1, a double
  out->append(buf, n);
}

void AppendKeyBool(std::string* out, bool v) {
  out->push_back(static_cast<char>(v ? kTrueCode : kFalseCode));
}

void AppendKeyString(std::string* out, std::string_view v) {
  out->push_back(static_cast<char>(kStringCode));
  AppendEscaped(out, v);
}

void AppendKeyBinary(std::string* out, std::string_view v) { AppendBinary(out, v); }

std::string EncodeKey(const std::vector<Value>& tuple) {
  std::string out;
  out.reserve(12 * tuple.size());
  for (const Value& v : tuple) AppendKeyElement(&out, v);
  return out;
}

Status DecodeKeyElement(Slice* in, Value* value) {
  Decoder decoder(in->data(), in->data() + in->size());
  Value v;
  STRATA_RETURN_IF_ERROR(decoder.Element(&v));
  in->remove_prefix(decoder.consumed());
  *value = std::move(v);
  return Status::OK();
}

size_t KeyElementLength(Slice in) {
  const auto* p = reinterpret_cast<const uint8_t*>(in.data());
  const auto* end = p + in.size();
  if (p != end && *p == kStringCode) {  // the common index value: no Value to build
    for (const uint8_t* q = p + 1;;) {
      const void* zero = std::memchr(q, 0, static_cast<size_t>(end - q));
      if (zero == nullptr) return 0;
      q = static_cast<const uint8_t*>(zero) + 1;
      if (q == end || *q != 0xff) return static_cast<size_t>(q - p);
      ++q;  // an escaped 0x00 inside the string
    }
  }
  if (end - p >= 10 && *p == kNumberCode && p[9] == kResidualZero) {
    // A plain double, or an integral one with its one kind byte; anything else (NaN's form,
    // -0.0, residuals, bad kind bits) is left to the decoder.
    uint64_t ordered = GetBigEndian64(p + 1);
    uint64_t bits = UnorderedBits(ordered);
    double d;
    std::memcpy(&d, &bits, sizeof(d));
    if (ordered != 0 && !std::isnan(d) && bits != kSignBit) {
      if (!IsIntegralInInt64Range(d)) return 10;
      if (end - p >= 11 && (p[10] & 0x7f) == 0) return 11;
    }
  }
  Decoder decoder(in.data(), in.data() + in.size());
  Value v;
  if (!decoder.Element(&v).ok()) return 0;
  return decoder.consumed();
}

Status DecodeKey(Slice in, std::vector<Value>* tuple) {
  Decoder decoder(in.data(), in.data() + in.size());
  std::vector<Value> values;
  while (!decoder.done()) {
    values.emplace_back();
    STRATA_RETURN_IF_ERROR(decoder.Element(&values.back()));
  }
  *tuple = std::move(values);
  return Status::OK();
}

std::string PrefixSuccessor(Slice prefix) {
  std::string s = prefix.ToString();
  while (!s.empty() && static_cast<uint8_t>(s.back()) == 0xff) s.pop_back();
  if (!s.empty()) s.back() = static_cast<char>(static_cast<uint8_t>(s.back()) + 1);
  return s;
}

std::string TuplePrefixLimit(Slice prefix) {
  std::string s;
  s.reserve(prefix.size() + 1);
  s.append(prefix.data(), prefix.size());
  s.push_back('\xff');
  return s;
}

}  // namespace strata::codec
