// DBImpl: reads, iterators, snapshots and statistics.
#include <algorithm>
#include <cassert>
#include <cstring>
#include <deque>

#include "lsm/db_impl.h"
#include "lsm/db_iter.h"
#include "lsm/merging_iterator.h"

namespace strata::lsm {

namespace {

// One allocation per snapshot: the node is the snapshot, unlinked when the last reference goes.
class SnapshotImpl final : public kv::Snapshot, public SnapshotRegistry::Node {
 public:
  explicit SnapshotImpl(std::shared_ptr<SnapshotRegistry> registry)
      : registry_(std::move(registry)) {}
  ~SnapshotImpl() override {
    std::lock_guard<std::mutex> g(registry_->mu);
    prev->next = next;
    next->prev = prev;
  }

 private:
  const std::shared_ptr<SnapshotRegistry> registry_;
};

SequenceNumber SnapshotSequence(const kv::ReadOptions& options, SequenceNumber latest) {
  if (options.snapshot == nullptr) return latest;
  return static_cast<const SnapshotImpl*>(options.snapshot.get())->sequence;
}

}  // namespace

std::shared_ptr<const kv::Snapshot> DBImpl::GetSnapshot() {
  auto snapshot = std::make_shared<SnapshotImpl>(snapshots_);
  std::lock_guard<std::mutex> g(snapshots_->mu);
  // Taken under the registry lock so a compaction reading the oldest snapshot cannot miss it.
  snapshot->sequence = versions_->LastSequence();
  SnapshotRegistry::Node* tail = snapshots_->list.prev;
  assert(tail == &snapshots_->list || tail->sequence <= snapshot->sequence);
  snapshot->prev = tail;
  snapshot->next = &snapshots_->list;
  tail->next = snapshot.get();
  snapshots_->list.prev = snapshot.get();
  return snapshot;
}

SequenceNumber DBImpl::SmallestSnapshot() {
  const SequenceNumber latest = versions_->LastSequence();
  std::lock_guard<std::mutex> g(snapshots_->mu);
  const SnapshotRegistry::Node* oldest = snapshots_->list.next;
  return oldest == &snapshots_->list ? latest : oldest->sequence;
}

Status DBImpl::Get(const kv::ReadOptions& options, const Slice& key, std::string* value) {
  SuperVersion* sv;
  STRATA_RETURN_IF_ERROR(AcquireSuperVersion(&sv));
  const SequenceNumber seq = SnapshotSequence(options, versions_->LastSequence());
  LookupKey lkey(key, seq);
  Status s;
  if (!sv->GetFromMemTables(lkey, value, &s)) {
    s = sv->version->Get(options.fill_cache, lkey, value, options.expect_found);
  }
  ReleaseSuperVersion(sv);
  return s;
}

void DBImpl::MultiGet(const kv::ReadOptions& options, std::span<const Slice> keys,
                      std::span<std::string> values, std::span<Status> statuses) {
  if (keys.size() == 1) {  // nothing to overlap
    statuses[0] = Get(options, keys[0], &values[0]);
    return;
  }
  SuperVersion* sv;
  if (Status s = AcquireSuperVersion(&sv); !s.ok()) {
    std::fill(statuses.begin(), statuses.end(), s);
    return;
  }
  const SequenceNumber seq = SnapshotSequence(options, versions_->LastSequence());
  std::deque<LookupKey> lkeys;  // LookupKey does not move
  std::vector<Version::MultiGetItem> items;
  std::vector<size_t> item_key;  // the index in keys of each item
  for (size_t i = 0; i < keys.size(); i++) {
    const LookupKey& lkey = lkeys.emplace_back(keys[i], seq);
    if (sv->GetFromMemTables(lkey, &values[i], &statuses[i])) continue;
    Version::MultiGetItem& item = items.emplace_back();
    item.key = &lkey;
    item.value = &values[i];
    item_key.push_back(i);
  }
  sv->version->MultiGet(options.fill_cache, items, options.expect_found);
  for (size_t k = 0; k < items.size(); k++) statuses[item_key[k]] = std::move(items[k].status);
  ReleaseSuperVersion(sv);
}

std::unique_ptr<Iterator> DBImpl::NewIterator(const kv::ReadOptions& options) {
  SuperVersion* sv;
  if (Status s = AcquireSuperVersion(&sv); !s.ok()) {
    return std::unique_ptr<Iterator>(NewEmptyIterator(s));
  }
  // The sequence is read before the memtables are looked at: every entry it covers is then in
  // them, and in their filters.
  const SequenceNumber seq = SnapshotSequence(options, versions_->LastSequence());
  Version::ScanScope scope;
  Slice lower, upper;
  if (options.lower_bound) scope.lower = &(lower = *options.lower_bound);
  if (options.upper_bound) scope.upper = &(upper = *options.upper_bound);
  if (scope.lower != nullptr) scope.prefix = RangePrefix(lower, scope.upper);
  std::vector<Iterator*> children;
  auto add_memtable = [&](MemTable* m) {
    const bool may_hold =
        scope.prefix.empty() ? m->NumEntries() > 0 : m->PrefixMayMatch(scope.prefix);
    if (may_hold) children.push_back(m->NewIterator());
  };
  add_memtable(sv->mem);
  for (MemTable* m : sv->imm) add_memtable(m);
  sv->version->AddIterators(options.fill_cache, scope, &children);
  Iterator* internal = NewMergingIterator(&icmp_, std::move(children));
  // The snapshot is held by the iterator so its sequence stays protected from compaction.
  auto snapshot = options.snapshot;
  return std::unique_ptr<Iterator>(
      NewDBIterator(icmp_.user_comparator(), internal, seq, options.lower_bound,
                    options.upper_bound, [this, sv, snapshot]() { ReleaseSuperVersion(sv); }));
}

Slice DBImpl::RangePrefix(const Slice& lower, const Slice* upper) const {
  const kv::PrefixExtractor* px = options_.prefix_extractor.get();
  if (px == nullptr || upper == nullptr) return Slice();
  const size_t n = px->RangePrefixLength(lower, *upper);
  return n > 0 && n <= lower.size() ? Slice(lower.data(), n) : Slice();
}

Status DBImpl::Scan(const kv::ReadOptions& options, const Slice& lower, const Slice* upper,
                    FunctionRef<bool(const Slice& key, const Slice& value)> visit) {
  const Slice prefix = RangePrefix(lower, upper);
  if (prefix.empty()) return kv::Engine::Scan(options, lower, upper, visit);
  SuperVersion* sv;
  STRATA_RETURN_IF_ERROR(AcquireSuperVersion(&sv));
  // As in NewIterator: the sequence is read before the memtables are looked at.
  const SequenceNumber seq = SnapshotSequence(options, versions_->LastSequence());
  Version::ScanScope scope;
  scope.lower = &lower;
  scope.upper = upper;
  scope.prefix = prefix;
  MemTable* only_mem = nullptr;
  size_t sources = 0;
  auto consider = [&](MemTable* m) {
    if (m->PrefixMayMatch(scope.prefix)) {
      only_mem = m;
      ++sources;
    }
  };
  consider(sv->mem);
  for (MemTable* m : sv->imm) consider(m);
  // Kept per thread, so a scan allocates nothing here; empty between scans (it holds tables
  // open while filled).
  thread_local std::vector<Version::ScopedFile> files;
  if (sources <= 1) sv->version->FilesInScope(scope, &files);
  std::shared_ptr<Table> only_table;
  if (files.size() == 1) only_table = std::move(files[0].table);
  const size_t candidates = files.size();
  files.clear();
  if (sources + candidates > 1 || (candidates == 1 && only_table == nullptr)) {
    ReleaseSuperVersion(sv);  // several sources merge: the iterator does that
    return kv::Engine::Scan(options, lower, upper, visit);
  }
  // One source: its entries in internal-key order, of which each user key's newest at or below
  // the sequence decides (a value is visited, a deletion hides the key).
  Status status;
  // The last user key decided, on the stack while it fits (index entries do).
  char last_inline[96];
  std::string last_heap;
  Slice last;
  bool have_last = false;
  auto on_entry = [&](const Slice& internal_key, const Slice& value) {
    ParsedInternalKey parsed;
    if (!ParseInternalKey(internal_key, &parsed)) {
      status = Status::Corruption("unparsable internal key while scanning");
      return false;
    }
    if (CompareBytewise(parsed.user_key, *upper) >= 0) return false;
    if (parsed.sequence > seq) return true;                 // newer than the snapshot
    if (have_last && parsed.user_key == last) return true;  // an older version
    if (parsed.user_key.size() <= sizeof(last_inline)) {
      memcpy(last_inline, parsed.user_key.data(), parsed.user_key.size());
      last = Slice(last_inline, parsed.user_key.size());
    } else {
      last_heap.assign(parsed.user_key.data(), parsed.user_key.size());
      last = Slice(last_heap);
    }
    have_last = true;
    return parsed.type == kTypeDeletion || visit(parsed.user_key, value);
  };
  const LookupKey start(lower, seq);
  if (only_mem != nullptr) {
    only_mem->ScanFrom(start, on_entry);
  } else if (only_table != nullptr) {
    Status s = only_table->ScanFrom(start.internal_key(), options.fill_cache, on_entry);
    if (status.ok()) status = std::move(s);
  }
  ReleaseSuperVersion(sv);
  return status;
}

uint64_t DBImpl::ApproximateSize(const Slice& begin, const Slice& end) {
  SuperVersion* sv;
  if (!AcquireSuperVersion(&sv).ok()) return 0;
  InternalKey k1(begin, kMaxSequenceNumber, kValueTypeForSeek);
  InternalKey k2(end, kMaxSequenceNumber, kValueTypeForSeek);
  uint64_t total = 0;
  for (int level = 0; level < kNumLevels; level++) {
    for (const FileMetaData* f : sv->version->files(level)) {
      if (icmp_.Compare(f->largest.Encode(), k1.Encode()) < 0) continue;
      if (icmp_.Compare(f->smallest.Encode(), k2.Encode()) >= 0) continue;
      std::shared_ptr<Table> table;
      if (!table_cache_->FindTable(f->number, f->file_size, &table).ok()) continue;
      uint64_t a = table->ApproximateOffsetOf(k1.Encode());
      uint64_t b = table->ApproximateOffsetOf(k2.Encode());
      if (b > a) total += b - a;
    }
  }
  ReleaseSuperVersion(sv);
  return total;
}

int DBImpl::NumFilesAtLevel(int level) {
  std::lock_guard<std::mutex> g(mu_);
  if (!versions_) return 0;
  return versions_->current()->NumFiles(level);
}

std::vector<FileMetaData> DBImpl::LevelFiles(int level) {
  std::lock_guard<std::mutex> g(mu_);
  std::vector<FileMetaData> files;
  if (!versions_) return files;
  for (const FileMetaData* f : versions_->current()->files(level)) files.push_back(*f);
  return files;
}

kv::Stats DBImpl::GetStats() {
  kv::Stats st;
  std::lock_guard<std::mutex> g(mu_);
  if (!CheckOpen().ok()) return st;
  st.user_bytes_written = user_bytes_written_.load();
  st.engine_bytes_written = wal_bytes_written_.load() + (wal_ ? wal_->BytesWritten() : 0) +
                            table_bytes_written_.load() + versions_->ManifestBytesWritten();
  st.write_amplification = st.user_bytes_written == 0
                               ? 0
                               : static_cast<double>(st.engine_bytes_written) /
                                     static_cast<double>(st.user_bytes_written);
  const Version* v = versions_->current();
  for (int level = 0; level < kNumLevels; level++) {
    kv::LevelStats ls;
    ls.level = level;
    ls.files = v->NumFiles(level);
    ls.bytes = v->NumLevelBytes(level);
    st.disk_bytes += ls.bytes;
    st.levels.push_back(ls);
  }
  st.memtable_bytes = mem_->ApproximateMemoryUsage();
  for (MemTable* m : Immutables()) st.memtable_bytes += m->ApproximateMemoryUsage();
  st.block_cache_hits = block_cache_->hits();
  st.block_cache_misses = block_cache_->misses();
  const uint64_t lookups = st.block_cache_hits + st.block_cache_misses;
  st.block_cache_hit_rate = lookups == 0 ? 0 : static_cast<double>(st.block_cache_hits) / lookups;
  st.block_cache_bytes = block_cache_->TotalCharge();
  st.pending_compaction_bytes = versions_->PendingCompactionBytes();
  st.write_stall_micros = stall_micros_.load();
  return st;
}

std::optional<std::string> DBImpl::GetProperty(std::string_view name) {
  constexpr std::string_view kFilesAtLevel = "strata.num-files-at-level";
  if (name.substr(0, kFilesAtLevel.size()) == kFilesAtLevel) {
    int level = std::atoi(std::string(name.substr(kFilesAtLevel.size())).c_str());
    if (level < 0 || level >= kNumLevels) return std::nullopt;
    return std::to_string(NumFilesAtLevel(level));
  }
  if (name == "strata.num-immutable-memtables") {
    std::lock_guard<std::mutex> g(mu_);
    return std::to_string(Immutables().size());
  }
  if (name == "strata.levels") {
    std::lock_guard<std::mutex> g(mu_);
    if (!versions_) return std::nullopt;
    return versions_->current()->DebugString();
  }
  if (name == "strata.stats") {
    kv::Stats st = GetStats();
    std::string r = "level  files  bytes\n";
    for (const auto& l : st.levels) {
      r += std::to_string(l.level) + "  " + std::to_string(l.files) + "  " +
           std::to_string(l.bytes) + "\n";
    }
    r += "user bytes written: " + std::to_string(st.user_bytes_written) + "\n";
    r += "engine bytes written: " + std::to_string(st.engine_bytes_written) + "\n";
    r += "write amplification: " + std::to_string(st.write_amplification) + "\n";
    r += "memtable bytes: " + std::to_string(st.memtable_bytes) + "\n";
    r += "block cache hit rate: " + std::to_string(st.block_cache_hit_rate) + "\n";
    r += "block cache bytes: " + std::to_string(st.block_cache_bytes) + "\n";
    r += "pending compaction bytes: " + std::to_string(st.pending_compaction_bytes) + "\n";
    r += "write stall micros: " + std::to_string(st.write_stall_micros) + "\n";
    r += "flushes: " + std::to_string(flushes_.load()) +
         ", compactions: " + std::to_string(compactions_.load()) + "\n";
    return r;
  }
  return std::nullopt;
}

}  // namespace strata::lsm
