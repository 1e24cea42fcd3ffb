#include "lsm/table.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>
#include <optional>
#include <utility>
#include <vector>

#include "base/coding.h"
#include "base/prefetch.h"
#include "lsm/block.h"
#include "lsm/bloom.h"
#include "lsm/dbformat.h"
#include "lsm/format.h"
#include "lsm/key_word.h"
#include "lsm/two_level_iterator.h"

namespace strata::lsm {

// A key's fingerprint: 16 bytes of the user key after the index's common prefix, as two
// big-endian words (zero-padded), compared as a pair. 16 bytes, not 8: a table holding several
// key spaces (document records and index entries) has almost no common prefix, and the keys of
// one space share their first 8 bytes.
struct Fingerprint {
  uint64_t hi = 0, lo = 0;
  bool operator<(const Fingerprint& o) const { return hi != o.hi ? hi < o.hi : lo < o.lo; }
  bool operator==(const Fingerprint& o) const { return hi == o.hi && lo == o.lo; }
};

// Point lookups search the index block through this instead of a block iterator. Each index
// entry gets a fingerprint of its user key (all zeros for keys below every key with the common
// prefix, all ones for keys above). Keys in bytewise order give fingerprints in the same
// (non-strict) order, so a binary search over the packed fingerprints, a few cache lines, finds
// the entry with full key compares only among equal fingerprints; the block search decoded one
// far-apart entry per step, and was the largest cost of a point read after the data block.
struct PointIndex {
  const char* data = nullptr;   // the index block's bytes (owned by Rep::index_block)
  const char* limit = nullptr;  // the end of its entries
  bool internal_keys = false;   // keys end in 8 bytes of sequence and type, not fingerprinted
  std::string prefix;
  std::vector<Fingerprint> fingerprints;
  std::vector<uint32_t> offsets;  // of each entry in data
  // Each entry's block handle, checked and packed (offset << 24 | size): a lookup that found its
  // entry reads the handle here, not from the entry, a line of its own in a large index block.
  std::vector<uint64_t> handles;
  static constexpr int kSizeBits = 24;

  size_t size() const { return fingerprints.size(); }
  BlockHandle Handle(size_t i) const {
    return BlockHandle(handles[i] >> kSizeBits, handles[i] & ((uint64_t{1} << kSizeBits) - 1));
  }

  // The key and value of entry i (every entry is a restart: its key is stored whole).
  std::pair<Slice, Slice> Entry(size_t i) const {
    const char* p = data + offsets[i];
    uint32_t shared, non_shared, value_length;
    p = GetVarint32Ptr(p, limit, &shared);
    p = GetVarint32Ptr(p, limit, &non_shared);
    p = GetVarint32Ptr(p, limit, &value_length);
    return {Slice(p, non_shared), Slice(p + non_shared, value_length)};
  }

  // The first entry >= key (size() when none).
  size_t Find(const Comparator* comparator, const Slice& key) const {
    const Slice user = internal_keys && key.size() >= 8 ? Slice(key.data(), key.size() - 8) : key;
    const Fingerprint fp = FingerprintOf(user);
    const auto begin = fingerprints.begin();
    const auto ties = std::equal_range(begin, fingerprints.end(), fp);
    // Entries below the ties are smaller than key and those past them larger: binary-search the
    // ties with full compares. Ties can be most of the block (a table holding records and index
    // entries has almost no common prefix, and the document layer's keys of one space share
    // their first 8 bytes), so a linear walk over them cost thousands of compares per read.
    size_t lo = static_cast<size_t>(ties.first - begin);
    size_t hi = static_cast<size_t>(ties.second - begin);
    while (lo < hi) {
      const size_t mid = lo + (hi - lo) / 2;
      if (comparator->Compare(Entry(mid).first, key) < 0) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  Fingerprint FingerprintOf(const Slice& user_key) const {
    const size_t cp = prefix.size();
    const int c = ComparePrefix(user_key, prefix.data(), cp);
    if (c < 0) return Fingerprint{};
    if (c > 0) return Fingerprint{~uint64_t{0}, ~uint64_t{0}};
    return Fingerprint{KeyWordAt(user_key, cp), KeyWordAt(user_key, cp + 8)};
  }
};

// A block-cache key: the table's cache id, then the block's offset.
struct CacheKey {
  CacheKey(uint64_t cache_id, uint64_t offset) {
    EncodeFixed64(bytes, cache_id);
    EncodeFixed64(bytes + 8, offset);
  }
  Slice slice() const { return Slice(bytes, sizeof(bytes)); }
  char bytes[16];
};

struct Table::Rep {
  ~Rep() {
    if (reservation != nullptr) {
      // The reservation leaves the cache with the table (erased first, so it is freed now).
      Cache* cache = options.block_cache;
      cache->Erase(ReservationKey().slice());
      cache->Release(reservation);
    }
    free(filter_data);
  }

  // What the filter holds for `key`: its user key or that key's prefix.
  Slice FilterProbeKey(const Slice& key) const {
    const Slice filter_key = FilterKey(options, key);
    return filter_holds_prefixes ? FilterKeyOf(options.prefix_extractor, filter_key) : filter_key;
  }

  // Bytes this open table keeps besides cached blocks: filter, index block, point index.
  size_t MetadataBytes() const {
    return sizeof(Rep) + filter_size + (index_block ? index_block->size() : 0) +
           point_index.fingerprints.capacity() * sizeof(Fingerprint) +
           point_index.offsets.capacity() * sizeof(uint32_t) +
           point_index.handles.capacity() * sizeof(uint64_t) + point_index.prefix.capacity();
  }
  // The block-cache key of the reservation: an id of its own (two tables of one file share
  // cache_id) and an offset no block has.
  CacheKey ReservationKey() const { return CacheKey(reservation_id, ~uint64_t{0}); }

  TableOptions options;
  std::unique_ptr<RandomAccessFile> file;
  std::string file_name;
  uint64_t cache_id = 0;
  uint64_t reservation_id = 0;
  Footer footer;
  uint64_t data_end = 0;  // data blocks lie in [0, data_end)
  std::unique_ptr<Block> index_block;
  // The filter, copied to 64-byte-aligned memory so each probe line is one cache line.
  char* filter_data = nullptr;
  BloomFilterView filter;  // over filter_data
  size_t filter_size = 0;
  // The filter holds prefixes under the reader's extractor (else whole keys). A filter written
  // under another extractor answers nothing, so it is not kept (filter_data stays null).
  bool filter_holds_prefixes = false;
  TableProperties props;
  PointIndex point_index;  // empty when the keys' order is not bytewise
  // How cached data blocks get restart fingerprints; none when the keys' order is not bytewise.
  std::optional<Block::KeyOrder> key_order;
  // A pinned entry in the block cache charged with MetadataBytes(): an open table's filter and
  // index count against the cache's capacity, so cache plus open tables stay within it.
  Cache::Handle* reservation = nullptr;
};

namespace {

std::string Where(const std::string& file_name, uint64_t offset) {
  return file_name + " at offset " + std::to_string(offset);
}

// Whether the block lies wholly in [0, limit), trailer included.
bool HandleWithin(const BlockHandle& h, uint64_t limit) {
  return h.offset() <= limit && h.size() <= limit - h.offset() &&
         h.size() + kBlockTrailerSize <= limit - h.offset();
}

Status CheckHandle(const std::string& file_name, const char* what, const BlockHandle& h,
                   uint64_t limit) {
  if (!HandleWithin(h, limit)) {
    return Status::Corruption(file_name + ": " + what + " block handle (offset " +
                              std::to_string(h.offset()) + ", size " + std::to_string(h.size()) +
                              ") points outside the file");
  }
  return Status::OK();
}

Status ParseProperties(const std::string& file_name, uint64_t offset, const Block& block,
                       TableProperties* props) {
  const BlockIterOptions iter_options{.file_name = &file_name, .block_offset = offset};
  std::unique_ptr<Iterator> it(block.NewIterator(BytewiseComparator(), iter_options));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    const Slice name = it->key();
    if (name == Slice("strata.comparator")) {
      props->comparator_name = it->value().ToString();
      continue;
    }
    if (name == Slice("strata.filter_prefix")) {
      props->filter_prefix = it->value().ToString();
      continue;
    }
    uint64_t* field = nullptr;
    if (name == Slice("strata.num_entries")) field = &props->num_entries;
    if (name == Slice("strata.num_data_blocks")) field = &props->num_data_blocks;
    if (name == Slice("strata.raw_key_bytes")) field = &props->raw_key_bytes;
    if (name == Slice("strata.raw_value_bytes")) field = &props->raw_value_bytes;
    if (name == Slice("strata.data_bytes")) field = &props->data_bytes;
    if (name == Slice("strata.filter_bytes")) field = &props->filter_bytes;
    if (name == Slice("strata.index_bytes")) field = &props->index_bytes;
    if (field == nullptr) continue;  // a property from a newer writer
    Slice v = it->value();
    if (!GetVarint64(&v, field) || !v.empty()) {
      return Status::Corruption("bad table property " + name.ToString() + " in " +
                                Where(file_name, offset));
    }
  }
  return it->status();
}

// Fills *index from an index block whose every entry is a restart (shared = 0), as the table
// builder writes them, with handles of data blocks in [0, data_end) that pack (offsets below
// 2^40, sizes below 2^24); leaves it empty otherwise (then lookups use the block iterator, and
// report a bad handle when they meet it).
void BuildPointIndex(const Slice& block, bool internal_keys, uint64_t data_end, PointIndex* index) {
  if (block.size() < 4) return;
  const uint32_t num_restarts = DecodeFixed32(block.data() + block.size() - 4);
  if (num_restarts == 0 || (block.size() - 4) / 4 < num_restarts) return;
  const char* p = block.data();
  const char* limit = block.data() + block.size() - 4 - 4 * static_cast<size_t>(num_restarts);
  std::vector<Slice> keys;
  PointIndex out;
  out.internal_keys = internal_keys;
  while (p < limit) {
    uint32_t shared, non_shared, value_length;
    const char* q = GetVarint32Ptr(p, limit, &shared);
    if (q != nullptr) q = GetVarint32Ptr(q, limit, &non_shared);
    if (q != nullptr) q = GetVarint32Ptr(q, limit, &value_length);
    if (q == nullptr || shared != 0 ||
        static_cast<uint64_t>(limit - q) < static_cast<uint64_t>(non_shared) + value_length) {
      return;
    }
    Slice key(q, non_shared);
    if (internal_keys) {
      if (key.size() < 8) return;
      key = Slice(key.data(), key.size() - 8);
    }
    Slice value(q + non_shared, value_length);
    BlockHandle handle;
    if (!handle.DecodeFrom(&value).ok() || !HandleWithin(handle, data_end) ||
        handle.offset() >= (uint64_t{1} << (64 - PointIndex::kSizeBits)) ||
        handle.size() >= (uint64_t{1} << PointIndex::kSizeBits)) {
      return;
    }
    out.handles.push_back(handle.offset() << PointIndex::kSizeBits | handle.size());
    out.offsets.push_back(static_cast<uint32_t>(p - block.data()));
    keys.push_back(key);
    p = q + non_shared + value_length;
  }
  if (keys.empty()) return;
  // The last entry is usually the short successor of the table's last key ("1" after
  // "0999..."), which shares little: the prefix is taken without it.
  const Slice& first = keys.front();
  const Slice& last = keys.size() > 2 ? keys[keys.size() - 2] : keys.back();
  size_t cp = 0;
  while (cp < first.size() && cp < last.size() && first[cp] == last[cp]) ++cp;
  out.prefix.assign(first.data(), cp);
  out.fingerprints.reserve(keys.size());
  for (const Slice& k : keys) out.fingerprints.push_back(out.FingerprintOf(k));
  out.data = block.data();
  out.limit = limit;
  *index = std::move(out);
}

// The index block as an iterator over the PointIndex: entries by number, seeks through the
// fingerprints (scans and seeks position the index once per table they visit).
class PointIndexIterator final : public Iterator {
 public:
  PointIndexIterator(const PointIndex* index, const Comparator* comparator)
      : index_(index), comparator_(comparator), i_(index->size()) {}
  bool Valid() const override { return i_ < index_->size(); }
  void SeekToFirst() override { Set(0); }
  void SeekToLast() override { Set(index_->size() == 0 ? 0 : index_->size() - 1); }
  void Seek(const Slice& target) override { Set(index_->Find(comparator_, target)); }
  void SeekForPrev(const Slice& target) override {
    Seek(target);
    if (!Valid()) {
      SeekToLast();
    } else if (comparator_->Compare(key(), target) > 0) {
      Prev();
    }
  }
  void Next() override { Set(i_ + 1); }
  void Prev() override { Set(i_ == 0 ? index_->size() : i_ - 1); }
  // The entry's key is read only when asked for (a table iterator asks only for the handle).
  Slice key() const override { return index_->Entry(i_).first; }
  Slice value() const override { return Slice(value_, value_size_); }
  Status status() const override { return Status::OK(); }

 private:
  void Set(size_t i) {
    i_ = i;
    if (i_ >= index_->size()) return;
    const BlockHandle h = index_->Handle(i_);
    char* end = EncodeVarint64(EncodeVarint64(value_, h.offset()), h.size());
    value_size_ = static_cast<size_t>(end - value_);
  }
  const PointIndex* index_;
  const Comparator* comparator_;
  size_t i_;
  char value_[BlockHandle::kMaxEncodedLength];  // the handle, encoded as in the index block
  size_t value_size_ = 0;
};

void DeleteBlock(void* block, void*) { delete static_cast<Block*>(block); }
static_assert(alignof(Block) <= 8, "Cache::InsertInline aligns values to 8 bytes");
static_assert(sizeof(Block) % alignof(uint64_t) == 0, "fingerprints follow a cached Block");
// A parsed block on its way into its cache entry, and its restart fingerprints' layout.
struct BlockToCache {
  Block* block;
  Block::FingerprintLayout layout;
};
// The entry's value: the Block, then its fingerprints.
void MoveBlockInto(void* where, void* arg) {
  BlockToCache* move = static_cast<BlockToCache*>(arg);
  Block* block = new (where) Block(std::move(*move->block));
  block->BuildFingerprints(move->layout, static_cast<char*>(where) + sizeof(Block));
}
void DestroyCachedBlock(const Slice&, void* block) { static_cast<Block*>(block)->~Block(); }
void ReleaseCacheHandle(void* cache, void* handle) {
  static_cast<Cache*>(cache)->Release(static_cast<Cache::Handle*>(handle));
}

// How cached data blocks of a table under `comparator` get restart fingerprints: internal keys
// order their user keys bytewise (InternalKeyComparator::CompareKeys); other orders get none.
std::optional<Block::KeyOrder> KeyOrderFor(const Comparator* comparator) {
  if (comparator == BytewiseComparator()) return Block::KeyOrder::kBytewise;
  if (std::string(comparator->Name()) == "strata.InternalKeyComparator") {
    return Block::KeyOrder::kInternal;
  }
  return std::nullopt;
}

// Moves a parsed data block into its cache entry, the Block first and its fingerprints after it
// (a hit finds them on the lines the lookup read and the ones next to them); returns the
// pinning handle. only_into_room: unless that evicts nothing; then nullptr, and *parsed stays.
Cache::Handle* InsertBlock(Cache* cache, const CacheKey& key, Block* parsed,
                           std::optional<Block::KeyOrder> key_order, bool only_into_room) {
  BlockToCache move{parsed, {}};
  if (key_order) move.layout = parsed->PlanFingerprints(*key_order);
  const size_t charge = parsed->ApproximateMemoryUsage() + move.layout.bytes;
  if (only_into_room && cache->WouldEvict(key.slice(), charge)) return nullptr;
  return cache->InsertInline(key.slice(), sizeof(Block) + move.layout.bytes, &MoveBlockInto, &move,
                             charge, &DestroyCachedBlock);
}

}  // namespace

Table::Table(std::unique_ptr<Rep> rep) : rep_(std::move(rep)) {}
Table::~Table() = default;

Status Table::Open(const TableOptions& options, std::unique_ptr<RandomAccessFile> file,
                   uint64_t file_size, const std::string& file_name, std::unique_ptr<Table>* table,
                   uint64_t cache_id) {
  table->reset();
  if (file_size < Footer::kEncodedLength) {
    return Status::Corruption(file_name + ": file too short to be a table (" +
                              std::to_string(file_size) + " bytes)");
  }
  auto rep = std::make_unique<Rep>();
  rep->options = options;
  if (rep->options.comparator == nullptr) rep->options.comparator = BytewiseComparator();
  rep->file_name = file_name;

  const uint64_t footer_offset = file_size - Footer::kEncodedLength;
  char footer_space[Footer::kEncodedLength];
  Slice footer_input;
  Status s = file->Read(footer_offset, Footer::kEncodedLength, &footer_input, footer_space);
  if (!s.ok()) return s.WithContext(Where(file_name, footer_offset));
  if (footer_input.size() != Footer::kEncodedLength) {
    return Status::Corruption("truncated footer read in " + Where(file_name, footer_offset));
  }
  s = rep->footer.DecodeFrom(footer_input);
  if (!s.ok()) return s.WithContext(Where(file_name, footer_offset));
  const Footer& footer = rep->footer;
  STRATA_RETURN_IF_ERROR(CheckHandle(file_name, "index", footer.index_handle, footer_offset));
  STRATA_RETURN_IF_ERROR(
      CheckHandle(file_name, "properties", footer.properties_handle, footer_offset));
  if (footer.filter_handle.size() > 0) {
    STRATA_RETURN_IF_ERROR(CheckHandle(file_name, "filter", footer.filter_handle, footer_offset));
  }
  rep->data_end = footer.filter_handle.size() > 0 ? footer.filter_handle.offset()
                                                  : footer.index_handle.offset();

  // Index: kept for the Table's life.
  BlockContents contents;
  STRATA_RETURN_IF_ERROR(ReadBlock(file.get(), file_name, footer.index_handle, &contents));
  rep->index_block = std::make_unique<Block>(contents);
  if (!rep->index_block->ok()) {
    return Status::Corruption("malformed index block in " +
                              Where(file_name, footer.index_handle.offset()));
  }
  rep->key_order = KeyOrderFor(rep->options.comparator);
  if (rep->key_order) {
    BuildPointIndex(contents.data, *rep->key_order == Block::KeyOrder::kInternal, rep->data_end,
                    &rep->point_index);
  }

  // Properties: parsed, then dropped.
  STRATA_RETURN_IF_ERROR(ReadBlock(file.get(), file_name, footer.properties_handle, &contents));
  {
    Block props_block(contents);
    STRATA_RETURN_IF_ERROR(
        ParseProperties(file_name, footer.properties_handle.offset(), props_block, &rep->props));
  }
  if (rep->props.comparator_name != rep->options.comparator->Name()) {
    return Status::InvalidArgument(file_name + ": table was written with comparator '" +
                                   rep->props.comparator_name + "', opened with '" +
                                   rep->options.comparator->Name() + "'");
  }

  // Filter: copied to aligned memory and kept.
  const kv::PrefixExtractor* px = rep->options.prefix_extractor;
  rep->filter_holds_prefixes = !rep->props.filter_prefix.empty();
  const bool filter_usable =
      !rep->filter_holds_prefixes || (px != nullptr && rep->props.filter_prefix == px->Name());
  if (footer.filter_handle.size() > 0) {
    // Read (and so checksummed) even when unusable, so damage to it is still reported.
    STRATA_RETURN_IF_ERROR(ReadBlock(file.get(), file_name, footer.filter_handle, &contents));
    if (filter_usable) {
      rep->filter_size = contents.data.size();
      rep->filter_data =
          static_cast<char*>(std::aligned_alloc(64, (rep->filter_size + 63) & ~63ull));
      memcpy(rep->filter_data, contents.data.data(), rep->filter_size);
      rep->filter = BloomFilterView(Slice(rep->filter_data, rep->filter_size));
    }
    if (contents.heap_allocated) delete[] contents.data.data();
  }

  if (Cache* cache = rep->options.block_cache; cache != nullptr) {
    rep->cache_id = cache_id != 0 ? cache_id : cache->NewId();
    rep->reservation_id = cache->NewId();
    rep->reservation = cache->Insert(rep->ReservationKey().slice(), nullptr, rep->MetadataBytes(),
                                     [](const Slice&, void*) {});
  }
  rep->file = std::move(file);
  table->reset(new Table(std::move(rep)));
  return Status::OK();
}

struct Table::PinnedBlock {
  Block* block = nullptr;
  BlockIterOptions options;  // file name, offset and the cleanup that lets go of the block

  PinnedBlock() = default;
  PinnedBlock(const PinnedBlock&) = delete;
  PinnedBlock& operator=(const PinnedBlock&) = delete;
  ~PinnedBlock() {
    if (options.cleanup != nullptr) options.cleanup(options.cleanup_arg1, options.cleanup_arg2);
  }
  // Hands the cleanup to an iterator that now holds the block.
  BlockIterOptions Release() {
    BlockIterOptions moved = options;
    options.cleanup = nullptr;
    return moved;
  }
};

Status Table::DecodeIndexValue(const Slice& index_value, BlockHandle* handle) const {
  const Rep* r = rep_.get();
  Slice input = index_value;
  Status s = handle->DecodeFrom(&input);
  if (s.ok()) s = CheckHandle(r->file_name, "data", *handle, r->data_end);
  if (!s.ok()) return Status::Corruption(r->file_name + ": bad index entry: " + s.message());
  return Status::OK();
}

Status Table::PinBlock(const Slice& index_value, bool fill_cache, PinnedBlock* pinned,
                       bool long_scan) const {
  BlockHandle handle;
  STRATA_RETURN_IF_ERROR(DecodeIndexValue(index_value, &handle));
  return PinBlock(handle, fill_cache, pinned, long_scan);
}

Status Table::PinBlock(const BlockHandle& handle, bool fill_cache, PinnedBlock* pinned,
                       bool long_scan) const {
  const Rep* r = rep_.get();
  Cache* cache = r->options.block_cache;
  Block* block = nullptr;
  Cache::Handle* cache_handle = nullptr;
  const CacheKey cache_key(r->cache_id, handle.offset());
  if (cache != nullptr) {
    cache_handle = cache->Lookup(cache_key.slice());
    if (cache_handle != nullptr) block = static_cast<Block*>(cache->Value(cache_handle));
  }
  if (block == nullptr) {
    BlockContents contents;
    STRATA_RETURN_IF_ERROR(ReadBlock(r->file.get(), r->file_name, handle, &contents));
    Block parsed(contents);
    if (!parsed.ok()) {
      return Status::Corruption("malformed data block in " + Where(r->file_name, handle.offset()));
    }
    if (cache != nullptr && contents.cachable && fill_cache) {
      cache_handle = InsertBlock(cache, cache_key, &parsed, r->key_order, long_scan);
    }
    block = cache_handle != nullptr ? static_cast<Block*>(cache->Value(cache_handle))
                                    : new Block(std::move(parsed));
  }

  pinned->block = block;
  pinned->options = BlockIterOptions{.file_name = &r->file_name, .block_offset = handle.offset()};
  if (cache_handle != nullptr) {
    pinned->options.cleanup = &ReleaseCacheHandle;
    pinned->options.cleanup_arg1 = cache;
    pinned->options.cleanup_arg2 = cache_handle;
  } else {
    pinned->options.cleanup = &DeleteBlock;
    pinned->options.cleanup_arg1 = block;
  }
  return Status::OK();
}

void Table::EraseCachedBlocks() const {
  Cache* cache = rep_->options.block_cache;
  if (cache == nullptr) return;
  std::unique_ptr<Iterator> index(NewIndexIterator());
  for (index->SeekToFirst(); index->Valid(); index->Next()) {
    BlockHandle handle;
    Slice input = index->value();
    if (handle.DecodeFrom(&input).ok()) {
      cache->Erase(CacheKey(rep_->cache_id, handle.offset()).slice());
    }
  }
}

std::optional<BlockHandle> Table::DataBlockFor(const Slice& key) const {
  std::unique_ptr<Iterator> index(NewIndexIterator());  // through the point index when built
  index->Seek(key);
  if (!index->Valid()) return std::nullopt;
  BlockHandle handle;
  Slice input = index->value();
  if (!handle.DecodeFrom(&input).ok()) return std::nullopt;
  return handle;
}

bool Table::BlockCachedFor(const Slice& key) const {
  Cache* cache = rep_->options.block_cache;
  if (cache == nullptr) return false;
  const std::optional<BlockHandle> handle = DataBlockFor(key);
  return handle && cache->Contains(CacheKey(rep_->cache_id, handle->offset()).slice());
}

void Table::CacheWrittenBlock(const TableOptions& options, uint64_t cache_id, uint64_t offset,
                              const Slice& contents) {
  if (options.block_cache == nullptr) return;
  char* copy = new char[contents.size()];
  memcpy(copy, contents.data(), contents.size());
  Block parsed(BlockContents{
      .data = Slice(copy, contents.size()), .cachable = true, .heap_allocated = true});
  if (!parsed.ok()) return;  // the builder wrote it; a read would report it
  const Comparator* comparator =
      options.comparator != nullptr ? options.comparator : BytewiseComparator();
  Cache* cache = options.block_cache;
  cache->Release(InsertBlock(cache, CacheKey(cache_id, offset), &parsed, KeyOrderFor(comparator),
                             /*only_into_room=*/false));
}

void Table::EraseWrittenBlock(const TableOptions& options, uint64_t cache_id, uint64_t offset) {
  if (options.block_cache != nullptr) {
    options.block_cache->Erase(CacheKey(cache_id, offset).slice());
  }
}

Iterator* Table::BlockReader(const Slice& index_value, bool fill_cache, bool long_scan) const {
  PinnedBlock pinned;
  Status s = PinBlock(index_value, fill_cache, &pinned, long_scan);
  if (!s.ok()) return NewEmptyIterator(s);
  return pinned.block->NewIterator(rep_->options.comparator, pinned.Release());
}

Iterator* Table::NewIndexIterator() const {
  if (rep_->point_index.size() > 0) {
    return new PointIndexIterator(&rep_->point_index, rep_->options.comparator);
  }
  const BlockIterOptions iter_options{.file_name = &rep_->file_name,
                                      .block_offset = rep_->footer.index_handle.offset()};
  return rep_->index_block->NewIterator(rep_->options.comparator, iter_options);
}

Iterator* Table::NewIterator(bool fill_cache, std::shared_ptr<const Table> keep_open) const {
  return NewTwoLevelIterator(NewIndexIterator(), [this, fill_cache, keep = std::move(keep_open)](
                                                     const Slice& value, bool long_scan) {
    (void)keep;  // held for the iterator's life, not used
    return BlockReader(value, fill_cache, long_scan);
  });
}

bool Table::KeyMayMatch(const Slice& key) const {
  if (rep_->filter_data == nullptr) return true;
  return rep_->filter.MayMatch(rep_->FilterProbeKey(key));
}

bool Table::PrefixMayMatch(const Slice& prefix) const {
  return PrefixMayMatchHash(PrefixHash(prefix));
}

uint64_t Table::PrefixHash(const Slice& prefix) { return BloomFilterView::KeyHash(prefix); }

void Table::PrefetchPrefix(uint64_t hash) const {
  if (rep_->filter_data != nullptr && rep_->filter_holds_prefixes) rep_->filter.Prefetch(hash);
}

bool Table::PrefixMayMatchHash(uint64_t hash) const {
  if (rep_->filter_data == nullptr || !rep_->filter_holds_prefixes) return true;
  return rep_->filter.MayMatchHash(hash);
}

Status Table::InternalGet(const Slice& key, bool fill_cache, void* arg,
                          void (*handle_result)(void* arg, const Slice& k, const Slice& v),
                          bool use_filter) const {
  if (use_filter && !KeyMayMatch(key)) return Status::OK();
  PinnedBlock pinned;
  const PointIndex& pi = rep_->point_index;
  if (pi.size() > 0) {  // no iterator to allocate
    const size_t i = pi.Find(rep_->options.comparator, key);
    if (i == pi.size()) return Status::OK();  // past the table's last key
    STRATA_RETURN_IF_ERROR(PinBlock(pi.Handle(i), fill_cache, &pinned));
  } else {
    std::unique_ptr<Iterator> index_iter(NewIndexIterator());
    index_iter->Seek(key);
    if (!index_iter->Valid()) return index_iter->status();
    STRATA_RETURN_IF_ERROR(PinBlock(index_iter->value(), fill_cache, &pinned));
  }
  // The block is searched in place: no iterator, no key copied to the heap.
  bool found = false;
  // Tables of internal keys (the point index knows) compare them inline.
  const Comparator* comparator = pi.internal_keys ? nullptr : rep_->options.comparator;
  return pinned.block->SeekOnce(comparator, key, &found, pinned.options,
                                [&](const Slice& k, const Slice& v) { handle_result(arg, k, v); });
}

Status Table::ScanFrom(const Slice& key, bool fill_cache,
                       FunctionRef<bool(const Slice& k, const Slice& v)> on_entry) const {
  const PointIndex& pi = rep_->point_index;
  if (pi.size() == 0) {
    std::unique_ptr<Iterator> it(NewIterator(fill_cache));
    it->Seek(key);
    return VisitForward(it.get(), on_entry);
  }
  const Comparator* comparator = pi.internal_keys ? nullptr : rep_->options.comparator;
  bool ended = true;  // the last block ran out with on_entry asking for more
  Slice from = key;   // searched for in the first block; the next ones are read from the start
  for (size_t i = pi.Find(rep_->options.comparator, key); ended && i < pi.size(); i++) {
    PinnedBlock pinned;
    STRATA_RETURN_IF_ERROR(PinBlock(pi.Handle(i), fill_cache, &pinned));
    STRATA_RETURN_IF_ERROR(
        pinned.block->ScanFrom(comparator, from, pinned.options, on_entry, &ended));
    from = Slice();
  }
  return Status::OK();
}

void Table::MultiGet(std::span<BatchLookup> lookups, bool fill_cache) {
  struct Step {
    bool live = false;      // a data block is still to be searched
    bool filtered = false;  // the table's filter is to be probed with filter_hash
    uint64_t filter_hash = 0;
    BlockHandle handle;
    PinnedBlock pinned;
  };
  std::vector<Step> steps(lookups.size());
  // Pass 1: hash each key for its table's filter and start loading the filter's line.
  for (size_t i = 0; i < lookups.size(); i++) {
    const Rep& r = *lookups[i].table->rep_;
    lookups[i].status = Status::OK();
    steps[i].live = true;
    if (r.filter_data == nullptr || !lookups[i].use_filter) continue;
    steps[i].filtered = true;
    steps[i].filter_hash = BloomFilterView::KeyHash(r.FilterProbeKey(lookups[i].key));
    r.filter.Prefetch(steps[i].filter_hash);
  }
  // Pass 2: the filter's verdict, the index search, and a start on the block's cache slot.
  for (size_t i = 0; i < lookups.size(); i++) {
    BatchLookup& l = lookups[i];
    Step& step = steps[i];
    const Rep& r = *l.table->rep_;
    if (step.filtered && !r.filter.MayMatchHash(step.filter_hash)) {
      step.live = false;
      continue;
    }
    const PointIndex& pi = r.point_index;
    if (pi.size() == 0) {  // an index without the point index: the one-by-one path
      l.status = l.table->InternalGet(l.key, fill_cache, l.arg, l.handle_result,
                                      /*use_filter=*/false);  // passed above
      step.live = false;
      continue;
    }
    const size_t e = pi.Find(r.options.comparator, l.key);
    if (e == pi.size()) {  // past the table's last key
      step.live = false;
      continue;
    }
    step.handle = pi.Handle(e);
    if (r.options.block_cache != nullptr) {
      r.options.block_cache->Prefetch(CacheKey(r.cache_id, step.handle.offset()).slice());
    }
  }
  // Pass 3: pin each block (a cache lookup, or a read) and start loading the Block.
  for (size_t i = 0; i < lookups.size(); i++) {
    if (!steps[i].live) continue;
    Status s = lookups[i].table->PinBlock(steps[i].handle, fill_cache, &steps[i].pinned);
    if (!s.ok()) {
      lookups[i].status = s;
      steps[i].live = false;
      continue;
    }
    PrefetchForRead(steps[i].pinned.block);
  }
  // Passes 4 and 5: start loading the block's restart array, then the entry it points to.
  for (const Step& step : steps) {
    if (step.live) step.pinned.block->PrefetchRestarts();
  }
  for (size_t i = 0; i < lookups.size(); i++) {
    if (steps[i].live) steps[i].pinned.block->PrefetchFirstProbe(lookups[i].key);
  }
  // Pass 6: the block searches.
  for (size_t i = 0; i < lookups.size(); i++) {
    if (!steps[i].live) continue;
    BatchLookup& l = lookups[i];
    const Rep& r = *l.table->rep_;
    const Comparator* comparator = r.point_index.internal_keys ? nullptr : r.options.comparator;
    bool found = false;
    l.status = steps[i].pinned.block->SeekOnce(
        comparator, l.key, &found, steps[i].pinned.options,
        [&l](const Slice& k, const Slice& v) { l.handle_result(l.arg, k, v); });
  }
}

uint64_t Table::ApproximateOffsetOf(const Slice& key) const {
  // Past the last key (or an unreadable index entry): the end of the data.
  const std::optional<BlockHandle> handle = DataBlockFor(key);
  return handle ? handle->offset() : rep_->data_end;
}

uint64_t Table::NumEntries() const { return rep_->props.num_entries; }
const TableProperties& Table::properties() const { return rep_->props; }
const std::string& Table::file_name() const { return rep_->file_name; }

}  // namespace strata::lsm
