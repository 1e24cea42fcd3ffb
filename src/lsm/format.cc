#include "lsm/format.h"

#include <lz4.h>
#include <zstd.h>

#include <cstring>
#include <memory>

#include "base/coding.h"
#include "base/hash.h"

namespace strata::lsm {
namespace {

// No block we write comes near this; a larger size is a corrupt handle, not a reason to allocate.
constexpr uint64_t kMaxBlockSize = 1ull << 30;

// zstd contexts are costly to create (hundreds of KB); keep one per thread.
struct ZstdContexts {
  ~ZstdContexts() {
    ZSTD_freeCCtx(cctx);
    ZSTD_freeDCtx(dctx);
  }
  ZSTD_CCtx* cctx = nullptr;
  ZSTD_DCtx* dctx = nullptr;
};
thread_local ZstdContexts zstd_contexts;

ZSTD_CCtx* ThreadCCtx() {
  if (zstd_contexts.cctx == nullptr) zstd_contexts.cctx = ZSTD_createCCtx();
  return zstd_contexts.cctx;
}
ZSTD_DCtx* ThreadDCtx() {
  if (zstd_contexts.dctx == nullptr) zstd_contexts.dctx = ZSTD_createDCtx();
  return zstd_contexts.dctx;
}

std::string Where(const std::string& file_name, uint64_t offset) {
  return file_name + " at offset " + std::to_string(offset);
}

}  // namespace

void BlockHandle::EncodeTo(std::string* dst) const {
  PutVarint64(dst, offset_);
  PutVarint64(dst, size_);
}

Status BlockHandle::DecodeFrom(Slice* input) {
  if (GetVarint64(input, &offset_) && GetVarint64(input, &size_)) return Status::OK();
  return Status::Corruption("bad block handle");
}

void Footer::EncodeTo(std::string* dst) const {
  const size_t start = dst->size();
  for (const BlockHandle* h : {&filter_handle, &index_handle, &properties_handle}) {
    PutFixed64(dst, h->offset());
    PutFixed64(dst, h->size());
  }
  PutFixed32(dst, format_version);
  PutFixed32(dst, Checksum32(dst->data() + start, dst->size() - start));
  PutFixed64(dst, kMagic);
}

Status Footer::DecodeFrom(const Slice& input) {
  if (input.size() != kEncodedLength) return Status::Corruption("footer has the wrong size");
  const char* p = input.data();
  if (DecodeFixed64(p + 56) != kMagic) return Status::Corruption("bad magic number (not a table)");
  if (DecodeFixed32(p + 52) != Checksum32(p, 52)) {
    return Status::Corruption("footer checksum mismatch");
  }
  format_version = DecodeFixed32(p + 48);
  if (format_version != kFormatVersion) {
    return Status::Corruption("unsupported table format version " + std::to_string(format_version));
  }
  BlockHandle* handles[] = {&filter_handle, &index_handle, &properties_handle};
  for (int i = 0; i < 3; i++) {
    handles[i]->set_offset(DecodeFixed64(p + 16 * i));
    handles[i]->set_size(DecodeFixed64(p + 16 * i + 8));
  }
  return Status::OK();
}

BlockCompression CompressBlock(const Slice& raw, kv::Compression type, int zstd_level,
                               std::string* out) {
  out->clear();
  if (type == kv::Compression::kNone || raw.size() > kMaxBlockSize) return kNoCompression;
  PutVarint32(out, static_cast<uint32_t>(raw.size()));
  const size_t header = out->size();
  BlockCompression result = kNoCompression;
  if (type == kv::Compression::kLZ4) {
    const int bound = LZ4_compressBound(static_cast<int>(raw.size()));
    out->resize(header + bound);
    const int n =
        LZ4_compress_default(raw.data(), out->data() + header, static_cast<int>(raw.size()), bound);
    if (n > 0) {
      out->resize(header + n);
      result = kLZ4Compression;
    }
  } else if (type == kv::Compression::kZstd) {
    const size_t bound = ZSTD_compressBound(raw.size());
    out->resize(header + bound);
    const size_t n = ZSTD_compressCCtx(ThreadCCtx(), out->data() + header, bound, raw.data(),
                                       raw.size(), zstd_level);
    if (!ZSTD_isError(n)) {
      out->resize(header + n);
      result = kZstdCompression;
    }
  }
  // Keep the compressed form only when it saves at least 1/8 of the block.
  if (result == kNoCompression || out->size() > raw.size() - raw.size() / 8) {
    out->clear();
    return kNoCompression;
  }
  return result;
}

Status ReadBlock(const RandomAccessFile* file, const std::string& file_name,
                 const BlockHandle& handle, BlockContents* result) {
  *result = BlockContents();
  const uint64_t offset = handle.offset();
  if (handle.size() > kMaxBlockSize) {
    return Status::Corruption("block size " + std::to_string(handle.size()) + " too large in " +
                              Where(file_name, offset));
  }
  const size_t n = static_cast<size_t>(handle.size());
  // A memory-mapped file hands out its own bytes and never writes to scratch: ordinary blocks
  // get stack scratch, so a read through the map allocates only the decompressed block.
  constexpr size_t kStackScratch = 16 << 10;
  char stack_scratch[kStackScratch];
  std::unique_ptr<char[]> heap_scratch;
  char* scratch = stack_scratch;
  if (n + kBlockTrailerSize > kStackScratch) {
    heap_scratch.reset(new char[n + kBlockTrailerSize]);
    scratch = heap_scratch.get();
  }
  Slice contents;
  Status s = file->Read(offset, n + kBlockTrailerSize, &contents, scratch);
  if (!s.ok()) return s.WithContext(Where(file_name, offset));
  if (contents.size() != n + kBlockTrailerSize) {
    return Status::Corruption("truncated block read in " + Where(file_name, offset));
  }

  const char* data = contents.data();
  const char type = data[n];
  if (DecodeFixed32(data + n + 1) != Checksum32(data, n, &type, 1)) {
    return Status::Corruption("block checksum mismatch in " + Where(file_name, offset));
  }

  if (type == kNoCompression) {
    if (data == scratch) {  // read into scratch: the block needs memory of its own
      char* owned = heap_scratch ? heap_scratch.release() : new char[n == 0 ? 1 : n];
      if (owned != data) memcpy(owned, data, n);
      result->data = Slice(owned, n);
      result->heap_allocated = true;
      result->cachable = true;
    } else {
      // The file handed out its own memory (mmap): use it in place, and do not double-cache it.
      result->data = Slice(data, n);
      result->heap_allocated = false;
      result->cachable = false;
    }
    return Status::OK();
  }

  Slice payload(data, n);
  uint32_t ulen = 0;
  if (!GetVarint32(&payload, &ulen) || ulen > kMaxBlockSize) {
    return Status::Corruption("bad uncompressed size in " + Where(file_name, offset));
  }
  std::unique_ptr<char[]> ubuf(new char[ulen == 0 ? 1 : ulen]);
  bool ok = false;
  if (type == kLZ4Compression) {
    const int got = LZ4_decompress_safe(payload.data(), ubuf.get(),
                                        static_cast<int>(payload.size()), static_cast<int>(ulen));
    ok = got >= 0 && static_cast<uint32_t>(got) == ulen;
  } else if (type == kZstdCompression) {
    const size_t got =
        ZSTD_decompressDCtx(ThreadDCtx(), ubuf.get(), ulen, payload.data(), payload.size());
    ok = !ZSTD_isError(got) && got == ulen;
  } else {
    return Status::Corruption("unknown block compression type " +
                              std::to_string(static_cast<unsigned char>(type)) + " in " +
                              Where(file_name, offset));
  }
  if (!ok) return Status::Corruption("block decompression failed in " + Where(file_name, offset));
  result->data = Slice(ubuf.release(), ulen);
  result->heap_allocated = true;
  result->cachable = true;
  return Status::OK();
}

}  // namespace strata::lsm
