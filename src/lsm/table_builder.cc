#include "lsm/table_builder.h"

#include <cassert>

#include "base/coding.h"
#include "base/hash.h"
#include "lsm/block_builder.h"
#include "lsm/bloom.h"
#include "lsm/dbformat.h"

namespace strata::lsm {

struct TableBuilder::Rep {
  Rep(const TableOptions& opt, WritableFile* f)
      : options(opt), file(f), data_block(opt.restart_interval), index_block(1) {
    if (options.comparator == nullptr) options.comparator = BytewiseComparator();
    if (options.bloom_bits_per_key > 0) {
      filter = std::make_unique<BloomFilterBuilder>(options.bloom_bits_per_key);
    }
    props.comparator_name = options.comparator->Name();
    if (filter != nullptr && options.prefix_extractor != nullptr) {
      props.filter_prefix = options.prefix_extractor->Name();
    }
  }

  TableOptions options;
  WritableFile* file;
  uint64_t offset = 0;
  Status status;
  BlockBuilder data_block;
  // Restart interval 1: every index key is whole, so Seek binary-searches all of them.
  BlockBuilder index_block;
  std::string last_key;
  bool closed = false;
  std::unique_ptr<BloomFilterBuilder> filter;
  std::string last_filter_key;
  bool has_filter_key = false;
  // The index entry for the last data block is written once the next key is known, so that
  // its key can be a short separator between the two blocks.
  bool pending_index_entry = false;
  BlockHandle pending_handle;
  std::string compressed;
  TableProperties props;
  DataBlockSink data_block_sink;
};

TableBuilder::TableBuilder(const TableOptions& options, WritableFile* file)
    : rep_(std::make_unique<Rep>(options, file)) {}

TableBuilder::~TableBuilder() { assert(rep_->closed); }

void TableBuilder::SetDataBlockSink(DataBlockSink sink) { rep_->data_block_sink = std::move(sink); }

void TableBuilder::Add(const Slice& key, const Slice& value) {
  Rep* r = rep_.get();
  assert(!r->closed);
  if (!r->status.ok()) return;
  assert(r->props.num_entries == 0 || r->options.comparator->Compare(key, r->last_key) > 0);
  // A block is cut before an entry would take it past block_size, so that a block of the
  // default 4096 bytes fills one allocator size class (and one page) exactly: cut after, it
  // would take the next class, 5120 bytes, a fifth of it unused and not charged to the cache.
  if (!r->data_block.empty() &&
      r->data_block.SizeEstimateAfterAdding(key, value) > r->options.block_size) {
    Flush();
  }

  if (r->pending_index_entry) {
    r->options.comparator->FindShortestSeparator(&r->last_key, key);
    std::string handle_encoding;
    r->pending_handle.EncodeTo(&handle_encoding);
    r->index_block.Add(r->last_key, handle_encoding);
    r->pending_index_entry = false;
  }

  if (r->filter != nullptr) {
    const Slice filter_key = FilterKeyOf(r->options.prefix_extractor, FilterKey(r->options, key));
    // Versions of one user key are adjacent; add the key once.
    if (!r->has_filter_key || Slice(r->last_filter_key) != filter_key) {
      r->filter->AddKey(filter_key);
      r->last_filter_key.assign(filter_key.data(), filter_key.size());
      r->has_filter_key = true;
    }
  }

  r->last_key.assign(key.data(), key.size());
  r->props.num_entries++;
  r->props.raw_key_bytes += key.size();
  r->props.raw_value_bytes += value.size();
  r->data_block.Add(key, value);
}

void TableBuilder::Flush() {
  Rep* r = rep_.get();
  if (!r->status.ok() || r->data_block.empty()) return;
  const uint64_t start = r->offset;
  WriteBlock(&r->data_block, true, &r->pending_handle, /*data=*/true);
  if (r->status.ok()) {
    r->pending_index_entry = true;
    r->props.num_data_blocks++;
    r->props.data_bytes += r->offset - start;
  }
}

void TableBuilder::WriteBlock(BlockBuilder* block, bool compress, BlockHandle* handle, bool data) {
  Rep* r = rep_.get();
  const Slice raw = block->Finish();
  BlockCompression type = kNoCompression;
  if (compress) {
    type = CompressBlock(raw, r->options.compression, r->options.zstd_level, &r->compressed);
  }
  WriteRawBlock(type == kNoCompression ? raw : Slice(r->compressed), type, handle);
  if (data && r->status.ok() && r->data_block_sink) r->data_block_sink(*handle, raw, r->last_key);
  r->compressed.clear();
  block->Reset();
}

void TableBuilder::WriteRawBlock(const Slice& contents, unsigned char type, BlockHandle* handle) {
  Rep* r = rep_.get();
  handle->set_offset(r->offset);
  handle->set_size(contents.size());
  r->status = r->file->Append(contents);
  if (!r->status.ok()) return;
  char trailer[kBlockTrailerSize];
  trailer[0] = static_cast<char>(type);
  EncodeFixed32(trailer + 1, Checksum32(contents.data(), contents.size(), trailer, 1));
  r->status = r->file->Append(Slice(trailer, kBlockTrailerSize));
  if (r->status.ok()) r->offset += contents.size() + kBlockTrailerSize;
}

Status TableBuilder::Finish() {
  Rep* r = rep_.get();
  assert(!r->closed);
  Flush();
  r->closed = true;
  Footer footer;

  if (r->status.ok() && r->filter != nullptr) {
    const std::string filter = r->filter->Finish();
    WriteRawBlock(filter, kNoCompression, &footer.filter_handle);
    r->props.filter_bytes = filter.size() + kBlockTrailerSize;
  }

  if (r->status.ok()) {
    if (r->pending_index_entry) {
      r->options.comparator->FindShortSuccessor(&r->last_key);
      std::string handle_encoding;
      r->pending_handle.EncodeTo(&handle_encoding);
      r->index_block.Add(r->last_key, handle_encoding);
      r->pending_index_entry = false;
    }
    const uint64_t start = r->offset;
    WriteBlock(&r->index_block, true, &footer.index_handle);
    r->props.index_bytes = r->offset - start;
  }

  if (r->status.ok()) {
    // Keys in bytewise order, as the block format requires.
    BlockBuilder props(1);
    std::string v;
    auto add = [&](const char* name, uint64_t n) {
      v.clear();
      PutVarint64(&v, n);
      props.Add(name, v);
    };
    props.Add("strata.comparator", r->props.comparator_name);
    add("strata.data_bytes", r->props.data_bytes);
    add("strata.filter_bytes", r->props.filter_bytes);
    if (!r->props.filter_prefix.empty()) props.Add("strata.filter_prefix", r->props.filter_prefix);
    add("strata.index_bytes", r->props.index_bytes);
    add("strata.num_data_blocks", r->props.num_data_blocks);
    add("strata.num_entries", r->props.num_entries);
    add("strata.raw_key_bytes", r->props.raw_key_bytes);
    add("strata.raw_value_bytes", r->props.raw_value_bytes);
    WriteBlock(&props, false, &footer.properties_handle);
  }

  if (r->status.ok()) {
    std::string encoded;
    footer.EncodeTo(&encoded);
    r->status = r->file->Append(encoded);
    if (r->status.ok()) r->offset += encoded.size();
  }
  if (r->status.ok()) r->status = r->file->Flush();
  return r->status;
}

void TableBuilder::Abandon() {
  assert(!rep_->closed);
  rep_->closed = true;
}

uint64_t TableBuilder::NumEntries() const { return rep_->props.num_entries; }
uint64_t TableBuilder::FileSize() const { return rep_->offset; }
Status TableBuilder::status() const { return rep_->status; }
const TableProperties& TableBuilder::properties() const { return rep_->props; }

}  // namespace strata::lsm
