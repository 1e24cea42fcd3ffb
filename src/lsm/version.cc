// Version: reads over the tables of one version.
#include <algorithm>
#include <numeric>
#include <optional>

#include "base/text.h"
#include "lsm/version_set.h"

namespace strata::lsm {
namespace {

// Index of the first file in a sorted, non-overlapping level whose largest key >= key.
size_t FindFile(const InternalKeyComparator& icmp, const std::vector<FileMetaData*>& files,
                const Slice& key) {
  size_t left = 0, right = files.size();
  while (left < right) {
    size_t mid = (left + right) / 2;
    if (icmp.Compare(files[mid]->largest.Encode(), key) < 0) {
      left = mid + 1;
    } else {
      right = mid;
    }
  }
  return right;
}

bool AfterFile(const Comparator* ucmp, const Slice* user_key, const FileMetaData* f) {
  return user_key != nullptr && ucmp->Compare(*user_key, f->largest.user_key()) > 0;
}
bool BeforeFile(const Comparator* ucmp, const Slice* user_key, const FileMetaData* f) {
  return user_key != nullptr && ucmp->Compare(*user_key, f->smallest.user_key()) < 0;
}

enum class GetState { kNotFound, kFound, kDeleted, kCorrupt };
struct GetContext {
  const Comparator* ucmp;
  Slice user_key;
  std::string* value;
  GetState state = GetState::kNotFound;
};

void SaveValue(void* arg, const Slice& ikey, const Slice& v) {
  auto* ctx = static_cast<GetContext*>(arg);
  ParsedInternalKey parsed;
  if (!ParseInternalKey(ikey, &parsed)) {
    ctx->state = GetState::kCorrupt;
    return;
  }
  if (ctx->ucmp->Compare(parsed.user_key, ctx->user_key) != 0) return;
  if (parsed.type == kTypeValue) {
    ctx->state = GetState::kFound;
    ctx->value->assign(v.data(), v.size());
  } else {
    ctx->state = GetState::kDeleted;
  }
}

// Whether level-0 file f's key range holds user_key.
bool Covers(const Comparator* ucmp, const Slice& user_key, const FileMetaData* f) {
  return !BeforeFile(ucmp, &user_key, f) && !AfterFile(ucmp, &user_key, f);
}

// The one file of a sorted level (1 and deeper) whose range may hold the key, or nullptr.
const FileMetaData* FileHolding(const InternalKeyComparator& icmp,
                                const std::vector<FileMetaData*>& files, const Slice& ikey,
                                const Slice& user_key) {
  const size_t index = FindFile(icmp, files, ikey);
  if (index >= files.size()) return nullptr;
  const FileMetaData* f = files[index];
  return BeforeFile(icmp.user_comparator(), &user_key, f) ? nullptr : f;
}

// After a lookup in table #file left `state`: true when that settles the key, with *result its
// status (found, deleted, or an unparsable entry); false when older tables must be searched.
bool Settles(GetState state, uint64_t file, Status* result) {
  switch (state) {
    case GetState::kNotFound:
      return false;
    case GetState::kFound:
      *result = Status::OK();
      return true;
    case GetState::kDeleted:
      *result = Status::NotFound();
      return true;
    case GetState::kCorrupt:
      *result = Status::Corruption("unparsable internal key in table #" + std::to_string(file));
      return true;
  }
  return false;
}

// A file boundary as its printable user key @ sequence.
std::string BoundString(const InternalKey& key) {
  ParsedInternalKey parsed;
  if (!ParseInternalKey(key.Encode(), &parsed)) return "(unparsable)";
  return PrintableBytes(parsed.user_key.view()) + " @" + std::to_string(parsed.sequence);
}

// Walks the files of one sorted level, opening each table as it is reached.
class ConcatenatingIterator final : public Iterator {
 public:
  ConcatenatingIterator(const InternalKeyComparator* icmp, TableCache* cache,
                        std::vector<FileMetaData*> files, bool fill_cache)
      : icmp_(icmp), cache_(cache), files_(std::move(files)), fill_cache_(fill_cache) {}

  bool Valid() const override { return iter_ != nullptr && iter_->Valid(); }
  void SeekToFirst() override {
    OpenFile(0);
    if (iter_) iter_->SeekToFirst();
    SkipEmptyForward();
  }
  void SeekToLast() override {
    OpenFile(files_.empty() ? 0 : files_.size() - 1);
    if (iter_) iter_->SeekToLast();
    SkipEmptyBackward();
  }
  void Seek(const Slice& target) override {
    OpenFile(FindFile(*icmp_, files_, target));
    if (iter_) iter_->Seek(target);
    SkipEmptyForward();
  }
  void Next() override {
    iter_->Next();
    SkipEmptyForward();
  }
  void Prev() override {
    iter_->Prev();
    SkipEmptyBackward();
  }
  Slice key() const override { return iter_->key(); }
  Slice value() const override { return iter_->value(); }
  Status status() const override {
    if (!status_.ok()) return status_;
    return iter_ ? iter_->status() : Status::OK();
  }

 private:
  void OpenFile(size_t index) {
    if (index >= files_.size()) {
      iter_.reset();
      index_ = files_.size();
      return;
    }
    if (iter_ && index == index_) return;
    SaveStatus();
    index_ = index;
    iter_.reset(cache_->NewIterator(fill_cache_, files_[index]->number, files_[index]->file_size));
  }
  void SaveStatus() {
    if (iter_ && status_.ok() && !iter_->status().ok()) status_ = iter_->status();
  }
  void SkipEmptyForward() {
    while (iter_ && !iter_->Valid()) {
      if (!iter_->status().ok() || index_ + 1 >= files_.size()) {
        SaveStatus();
        if (index_ + 1 >= files_.size() || !status_.ok()) return;
      }
      OpenFile(index_ + 1);
      iter_->SeekToFirst();
    }
  }
  void SkipEmptyBackward() {
    while (iter_ && !iter_->Valid()) {
      if (!iter_->status().ok() || index_ == 0) {
        SaveStatus();
        if (index_ == 0 || !status_.ok()) return;
      }
      OpenFile(index_ - 1);
      iter_->SeekToLast();
    }
  }

  const InternalKeyComparator* icmp_;
  TableCache* cache_;
  std::vector<FileMetaData*> files_;
  bool fill_cache_;
  size_t index_ = 0;
  std::unique_ptr<Iterator> iter_;
  Status status_;
};

}  // namespace

Version::~Version() {
  prev_->next_ = next_;
  next_->prev_ = prev_;
  for (auto& level : files_) {
    for (FileMetaData* f : level) {
      if (--f->refs <= 0) delete f;
    }
  }
}

void Version::Unref() {
  if (--refs_ == 0) delete this;
}

uint64_t Version::NumLevelBytes(int level) const {
  uint64_t sum = 0;
  for (const FileMetaData* f : files_[level]) sum += f->file_size;
  return sum;
}

// A key that exists and is in no level above the deepest is in it, where its table's filter
// cannot rule it out: probing that filter only costs a cache miss.
int Version::UnfilteredLevel(bool expect_found) const {
  if (!expect_found) return -1;
  for (int level = kNumLevels - 1; level > 0; level--) {
    if (!files_[level].empty()) return level;
  }
  return -1;
}

Status Version::Get(bool fill_cache, const LookupKey& k, std::string* value, bool expect_found) {
  const InternalKeyComparator& icmp = *vset_->icmp_;
  const Comparator* ucmp = icmp.user_comparator();
  const Slice ikey = k.internal_key();
  const Slice user_key = k.user_key();
  GetContext ctx{ucmp, user_key, value};
  Status result;
  const int unfiltered = UnfilteredLevel(expect_found);
  // True when table f (at `level`) settles the key, with its status in result.
  auto search = [&](const FileMetaData* f, int level) {
    ctx.state = GetState::kNotFound;
    result = vset_->table_cache_->Get(fill_cache, f->number, f->file_size, ikey, &ctx, SaveValue,
                                      /*use_filter=*/level != unfiltered);
    return !result.ok() || Settles(ctx.state, f->number, &result);
  };

  // Level 0 files may overlap: search every candidate, newest first.
  const auto& l0 = files_[0];
  for (auto it = l0.rbegin(); it != l0.rend(); ++it) {
    if (Covers(ucmp, user_key, *it) && search(*it, 0)) return result;
  }
  for (int level = 1; level < kNumLevels; level++) {
    const FileMetaData* f = FileHolding(icmp, files_[level], ikey, user_key);
    if (f != nullptr && search(f, level)) return result;
  }
  return Status::NotFound();
}

void Version::MultiGet(bool fill_cache, std::span<MultiGetItem> items, bool expect_found) {
  const InternalKeyComparator& icmp = *vset_->icmp_;
  const Comparator* ucmp = icmp.user_comparator();
  // Walked in key order, so that neighbours in one table find it once.
  std::vector<size_t> order(items.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return ucmp->Compare(items[a].key->user_key(), items[b].key->user_key()) < 0;
  });
  std::vector<GetContext> ctx;
  ctx.reserve(items.size());
  for (MultiGetItem& item : items)
    ctx.push_back(GetContext{ucmp, item.key->user_key(), item.value});

  std::vector<Table::BatchLookup> lookups;
  std::vector<std::pair<size_t, uint64_t>> owners;  // item and file number of each lookup
  std::vector<std::shared_ptr<Table>> tables;       // held while the batch runs
  const FileMetaData* last_file = nullptr;
  const int unfiltered = UnfilteredLevel(expect_found);
  auto add = [&](size_t i, const FileMetaData* f, int level) {
    if (f != last_file) {
      std::shared_ptr<Table> table;
      Status s = vset_->table_cache_->FindTable(f->number, f->file_size, &table);
      if (!s.ok()) {
        items[i].status = s;
        items[i].done = true;
        return;
      }
      tables.push_back(std::move(table));
      last_file = f;
    }
    ctx[i].state = GetState::kNotFound;
    lookups.push_back(Table::BatchLookup{.table = tables.back().get(),
                                         .key = items[i].key->internal_key(),
                                         .arg = &ctx[i],
                                         .handle_result = SaveValue,
                                         .use_filter = level != unfiltered,
                                         .status = Status::OK()});
    owners.emplace_back(i, f->number);
  };
  auto run = [&] {
    Table::MultiGet(lookups, fill_cache);
    for (size_t k = 0; k < lookups.size(); k++) {
      MultiGetItem& item = items[owners[k].first];
      if (!lookups[k].status.ok()) {
        item.status = lookups[k].status;
        item.done = true;
      } else {
        item.done = Settles(ctx[owners[k].first].state, owners[k].second, &item.status);
      }
    }
    lookups.clear();
    owners.clear();
    tables.clear();
    last_file = nullptr;
  };

  // Level 0 files may overlap: each is a batch of its own, newest first.
  const auto& l0 = files_[0];
  for (auto it = l0.rbegin(); it != l0.rend(); ++it) {
    const FileMetaData* f = *it;
    for (size_t i : order) {
      if (!items[i].done && Covers(ucmp, items[i].key->user_key(), f)) add(i, f, 0);
    }
    run();
  }
  for (int level = 1; level < kNumLevels; level++) {
    if (files_[level].empty()) continue;
    for (size_t i : order) {
      if (items[i].done) continue;
      const LookupKey& key = *items[i].key;
      const FileMetaData* f = FileHolding(icmp, files_[level], key.internal_key(), key.user_key());
      if (f != nullptr) add(i, f, level);
    }
    run();
  }
  for (MultiGetItem& item : items) {
    if (item.done) continue;
    item.status = Status::NotFound();
    item.done = true;
  }
}

Iterator* Version::NewConcatenatingIterator(bool fill_cache,
                                            std::vector<FileMetaData*> files) const {
  return new ConcatenatingIterator(vset_->icmp_, vset_->table_cache_, std::move(files), fill_cache);
}

Iterator* Version::NewTableIterator(bool fill_cache, const FileMetaData* f,
                                    std::shared_ptr<Table> table) const {
  TableCache* tables = vset_->table_cache_;
  return table != nullptr ? tables->NewIterator(fill_cache, std::move(table))
                          : tables->NewIterator(fill_cache, f->number, f->file_size);
}

void Version::FilesInScope(const ScanScope& scope, std::vector<ScopedFile>* out) {
  const Comparator* ucmp = vset_->icmp_->user_comparator();
  const size_t first = out->size();
  for (auto it = files_[0].rbegin(); it != files_[0].rend(); ++it) {
    FileMetaData* f = *it;
    if (AfterFile(ucmp, scope.lower, f)) continue;
    if (scope.upper != nullptr && ucmp->Compare(f->smallest.user_key(), *scope.upper) >= 0) {
      continue;
    }
    out->push_back(ScopedFile{.level = 0, .file = f, .table = nullptr});
  }
  // Built once, on the stack while the key is short.
  std::optional<LookupKey> start;
  if (scope.lower != nullptr) start.emplace(*scope.lower, kMaxSequenceNumber);
  for (int level = 1; level < kNumLevels; level++) {
    const std::vector<FileMetaData*>& files = files_[level];
    size_t i = 0;
    if (start && !files.empty()) {
      i = FindFile(*vset_->icmp_, files, start->internal_key());  // the first file not before lower
    }
    for (; i < files.size(); i++) {
      if (scope.upper != nullptr &&
          ucmp->Compare(files[i]->smallest.user_key(), *scope.upper) >= 0) {
        break;
      }
      out->push_back(ScopedFile{.level = level, .file = files[i], .table = nullptr});
    }
  }
  if (scope.prefix.empty()) return;
  // Every candidate's filter line is requested before the first is read.
  const uint64_t hash = Table::PrefixHash(scope.prefix);
  for (size_t i = first; i < out->size(); i++) {
    ScopedFile& c = (*out)[i];
    // An unreadable table stays in: its reader reports the error.
    if (!vset_->table_cache_->FindTable(c.file->number, c.file->file_size, &c.table).ok()) {
      c.table.reset();
      continue;
    }
    c.table->PrefetchPrefix(hash);
  }
  auto ruled_out = [hash](const ScopedFile& c) {
    return c.table != nullptr && !c.table->PrefixMayMatchHash(hash);
  };
  out->erase(std::remove_if(out->begin() + static_cast<ptrdiff_t>(first), out->end(), ruled_out),
             out->end());
}

void Version::AddIterators(bool fill_cache, const ScanScope& scope, std::vector<Iterator*>* iters) {
  std::vector<ScopedFile> files;
  files.reserve(8);  // one allocation for the usual count: L0's few files and a file per level
  FilesInScope(scope, &files);
  for (size_t i = 0; i < files.size();) {
    size_t end = i + 1;  // files [i, end) form one iterator: an L0 file, or one level's files
    if (files[i].level > 0) {
      while (end < files.size() && files[end].level == files[i].level) ++end;
    }
    if (end - i == 1) {
      iters->push_back(NewTableIterator(fill_cache, files[i].file, std::move(files[i].table)));
    } else {
      std::vector<FileMetaData*> level_files;
      for (size_t k = i; k < end; k++) level_files.push_back(files[k].file);
      iters->push_back(NewConcatenatingIterator(fill_cache, std::move(level_files)));
    }
    i = end;
  }
}

bool Version::OverlapInLevel(int level, const Slice* smallest, const Slice* largest) {
  const Comparator* ucmp = vset_->icmp_->user_comparator();
  const auto& files = files_[level];
  if (level == 0) {
    for (const FileMetaData* f : files) {
      if (!AfterFile(ucmp, smallest, f) && !BeforeFile(ucmp, largest, f)) return true;
    }
    return false;
  }
  size_t index = 0;
  if (smallest != nullptr) {
    InternalKey small_key(*smallest, kMaxSequenceNumber, kValueTypeForSeek);
    index = FindFile(*vset_->icmp_, files, small_key.Encode());
  }
  if (index >= files.size()) return false;
  return !BeforeFile(ucmp, largest, files[index]);
}

int Version::PickLevelForMemTableOutput(const Slice& smallest, const Slice& largest) {
  // Push a flushed table to L1 when nothing overlaps it, so sequential loads skip compactions.
  // Not deeper: in a random load the first flush overlaps nothing yet, and a table parked in L2
  // would stay an extra sorted run that every read probes until L1 outgrows its target.
  constexpr int kMaxMemCompactLevel = 1;
  int level = 0;
  if (OverlapInLevel(0, &smallest, &largest)) return 0;
  InternalKey start(smallest, kMaxSequenceNumber, kValueTypeForSeek);
  InternalKey limit(largest, 0, static_cast<ValueType>(0));
  std::vector<FileMetaData*> overlaps;
  while (level < kMaxMemCompactLevel) {
    if (OverlapInLevel(level + 1, &smallest, &largest)) break;
    if (level + 2 < kNumLevels) {
      GetOverlappingInputs(level + 2, &start, &limit, &overlaps);
      uint64_t bytes = 0;
      for (FileMetaData* f : overlaps) bytes += f->file_size;
      if (bytes > 10 * vset_->options_->target_file_size) break;
    }
    level++;
  }
  return level;
}

void Version::GetOverlappingInputs(int level, const InternalKey* begin, const InternalKey* end,
                                   std::vector<FileMetaData*>* inputs) {
  inputs->clear();
  Slice user_begin, user_end;
  if (begin != nullptr) user_begin = begin->user_key();
  if (end != nullptr) user_end = end->user_key();
  const Comparator* ucmp = vset_->icmp_->user_comparator();
  for (size_t i = 0; i < files_[level].size();) {
    FileMetaData* f = files_[level][i++];
    const Slice file_start = f->smallest.user_key();
    const Slice file_limit = f->largest.user_key();
    if (begin != nullptr && ucmp->Compare(file_limit, user_begin) < 0) continue;
    if (end != nullptr && ucmp->Compare(file_start, user_end) > 0) continue;
    inputs->push_back(f);
    if (level == 0) {
      // L0 files overlap each other: widen the range and restart when a file extends it.
      if (begin != nullptr && ucmp->Compare(file_start, user_begin) < 0) {
        user_begin = file_start;
        inputs->clear();
        i = 0;
      } else if (end != nullptr && ucmp->Compare(file_limit, user_end) > 0) {
        user_end = file_limit;
        inputs->clear();
        i = 0;
      }
    }
  }
}

std::string Version::DebugString() const {
  std::string r;
  for (int level = 0; level < kNumLevels; level++) {
    r += "--- level " + std::to_string(level) + " ---\n";
    for (const FileMetaData* f : files_[level]) {
      r += " #" + std::to_string(f->number) + " " + std::to_string(f->file_size) + " bytes [" +
           BoundString(f->smallest) + " .. " + BoundString(f->largest) + "]\n";
    }
  }
  return r;
}

}  // namespace strata::lsm
