// Little-endian fixed-width and varint encodings used by every on-disk format.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>

#include "strata/slice.h"

namespace strata {

inline void EncodeFixed32(char* dst, uint32_t v) { memcpy(dst, &v, 4); }  // little-endian host
inline void EncodeFixed64(char* dst, uint64_t v) { memcpy(dst, &v, 8); }
inline uint32_t DecodeFixed32(const char* p) {
  uint32_t v;
  memcpy(&v, p, 4);
  return v;
}
inline uint64_t DecodeFixed64(const char* p) {
  uint64_t v;
  memcpy(&v, p, 8);
  return v;
}
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "formats assume a little-endian host");

void PutFixed32(std::string* dst, uint32_t v);
void PutFixed64(std::string* dst, uint64_t v);
void PutVarint32(std::string* dst, uint32_t v);
void PutVarint64(std::string* dst, uint64_t v);
void PutLengthPrefixedSlice(std::string* dst, const Slice& value);
// Lower-case hexadecimal of the bytes ("0aff").
std::string HexString(const Slice& bytes);

// Writes a varint to dst and returns the byte past it. dst needs up to 5 (10) bytes.
char* EncodeVarint32(char* dst, uint32_t v);
char* EncodeVarint64(char* dst, uint64_t v);
int VarintLength(uint64_t v);

// Parse from the front of *input, advancing it. False when the input is malformed or short.
bool GetVarint32(Slice* input, uint32_t* value);
bool GetVarint64(Slice* input, uint64_t* value);
bool GetFixed32(Slice* input, uint32_t* value);
bool GetFixed64(Slice* input, uint64_t* value);
bool GetLengthPrefixedSlice(Slice* input, Slice* result);

// Parse a varint in [p, limit); returns the byte past it, or nullptr when malformed.
const char* GetVarint32Ptr(const char* p, const char* limit, uint32_t* v);
const char* GetVarint64Ptr(const char* p, const char* limit, uint64_t* v);

}  // namespace strata
