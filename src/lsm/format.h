// SSTable building blocks shared by the writer and the reader: block handles, the fixed-size
// footer, the 5-byte block trailer (compression type + checksum), and ReadBlock.
// The byte-level format is documented in docs/formats/sstable.md.
// Thread safety: all types here are values; ReadBlock may be called concurrently.
#pragma once

#include <cstdint>
#include <string>

#include "env/env.h"
#include "strata/kv.h"
#include "strata/slice.h"
#include "strata/status.h"

namespace strata::lsm {

// The location of a block in a table file. `size` excludes the 5-byte trailer.
class BlockHandle {
 public:
  // The longest varint encoding of a handle.
  static constexpr size_t kMaxEncodedLength = 10 + 10;

  BlockHandle() = default;
  BlockHandle(uint64_t offset, uint64_t size) : offset_(offset), size_(size) {}

  uint64_t offset() const { return offset_; }
  uint64_t size() const { return size_; }
  void set_offset(uint64_t offset) { offset_ = offset; }
  void set_size(uint64_t size) { size_ = size; }

  // varint64 offset, varint64 size (index block values).
  void EncodeTo(std::string* dst) const;
  // Parses from the front of *input and advances it; Corruption when malformed.
  Status DecodeFrom(Slice* input);

 private:
  uint64_t offset_ = 0;
  uint64_t size_ = 0;
};

// The last kEncodedLength bytes of every table file. All fields are fixed-width so the reader can
// find the footer without parsing.
struct Footer {
  // Stored little-endian, the 8 bytes read "STRATAST".
  static constexpr uint64_t kMagic = 0x5453415441525453ull;
  static constexpr uint32_t kFormatVersion = 1;
  // 3 handles x 16 + version 4 + checksum 4 + magic 8.
  static constexpr size_t kEncodedLength = 64;

  BlockHandle filter_handle;  // size 0: the table has no filter
  BlockHandle index_handle;
  BlockHandle properties_handle;
  uint32_t format_version = kFormatVersion;

  void EncodeTo(std::string* dst) const;
  // `input` must be exactly kEncodedLength bytes; checks magic, checksum and version.
  Status DecodeFrom(const Slice& input);
};

// Every block is followed by: 1 byte compression type + fixed32 Checksum32(block || type).
constexpr size_t kBlockTrailerSize = 5;

enum BlockCompression : unsigned char {
  kNoCompression = 0,
  kLZ4Compression = 1,
  kZstdCompression = 2,
};

// Compresses `raw` into *out as varint32(raw size) + compressed bytes and returns the type used.
// Returns kNoCompression (leaving *out empty) when `type` is kNone or compression does not save
// at least 12.5%.
BlockCompression CompressBlock(const Slice& raw, kv::Compression type, int zstd_level,
                               std::string* out);

// The uncompressed bytes of a block read from a file.
struct BlockContents {
  Slice data;
  // True when the data may go in the block cache (false for memory-mapped data).
  bool cachable = false;
  // True when data.data() was allocated with new[] and the receiver must delete[] it.
  bool heap_allocated = false;
};

// Reads the block at `handle`, verifies its checksum and decompresses it. Corruption (naming
// file_name and the offset) on a checksum mismatch, short read, unknown type or bad payload.
// On success the caller owns *result (see heap_allocated).
Status ReadBlock(const RandomAccessFile* file, const std::string& file_name,
                 const BlockHandle& handle, BlockContents* result);

}  // namespace strata::lsm
