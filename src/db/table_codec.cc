// Typed tables: the non-template encoders behind include/strata/table.h. Keys go through the key
// codec's typed fast paths (byte for byte AppendKeyElement); record fields use a tighter form.
#include <cstring>

#include "base/coding.h"
#include "codec/key_codec.h"
#include "strata/table.h"

namespace strata::table_internal {

void AppendKeyInt(std::string* out, int64_t v) { codec::AppendKeyInt64(out, v); }
void AppendKeyDouble(std::string* out, double v) { codec::AppendKeyDouble(out, v); }
void AppendKeyBool(std::string* out, bool v) { codec::AppendKeyBool(out, v); }
void AppendKeyString(std::string* out, std::string_view v) { codec::AppendKeyString(out, v); }
void AppendKeyBytes(std::string* out, std::string_view v) { codec::AppendKeyBinary(out, v); }

// Zigzag keeps small negative numbers short.
void AppendInt(std::string* out, int64_t v) {
  PutVarint64(out, (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63));
}
void AppendUint(std::string* out, uint64_t v) { PutVarint64(out, v); }
void AppendDouble(std::string* out, double v) {
  uint64_t bits;
  std::memcpy(&bits, &v, sizeof(bits));
  PutFixed64(out, bits);
}
void AppendBool(std::string* out, bool v) { out->push_back(v ? 1 : 0); }
void AppendBytes(std::string* out, std::string_view v) {
  PutVarint64(out, v.size());
  out->append(v);
}

bool ReadInt(Slice* in, int64_t* v) {
  uint64_t u;
  if (!GetVarint64(in, &u)) return false;
  *v = static_cast<int64_t>(u >> 1) ^ -static_cast<int64_t>(u & 1);
  return true;
}
bool ReadUint(Slice* in, uint64_t* v) { return GetVarint64(in, v); }
bool ReadDouble(Slice* in, double* v) {
  uint64_t bits;
  if (!GetFixed64(in, &bits)) return false;
  std::memcpy(v, &bits, sizeof(bits));
  return true;
}
bool ReadBool(Slice* in, bool* v) {
  if (in->empty() || static_cast<unsigned char>((*in)[0]) > 1) return false;
  *v = (*in)[0] == 1;
  in->remove_prefix(1);
  return true;
}
bool ReadBytes(Slice* in, Slice* v) {
  uint64_t len;
  if (!GetVarint64(in, &len) || len > in->size()) return false;
  *v = Slice(in->data(), len);
  in->remove_prefix(len);
  return true;
}

}  // namespace strata::table_internal
