#include "lsm/table_cache.h"

#include "lsm/filename.h"

namespace strata::lsm {
TableCache::TableCache(std::string dir, Env* env, const TableOptions& options, size_t capacity)
    : dir_(std::move(dir)), env_(env), options_(options), capacity_(capacity < 8 ? 8 : capacity) {}

Status TableCache::FindTable(uint64_t number, uint64_t file_size, std::shared_ptr<Table>* table) {
  {
    std::lock_guard<std::mutex> g(mu_);
    auto it = tables_.find(number);
    if (it != tables_.end()) {
      // A hit only stamps the entry; the rare eviction looks for the oldest stamp.
      it->second.last_use = ++tick_;
      *table = it->second.table;
      return Status::OK();
    }
  }
  // Open outside the lock: reading the footer, index and filter is I/O.
  std::string name = TableFileName(dir_, number);
  std::unique_ptr<RandomAccessFile> file;
  STRATA_RETURN_IF_ERROR(env_->NewRandomAccessFile(name, &file));
  // A table never changes after it is written: another size means it was cut or replaced.
  uint64_t actual_size = 0;
  STRATA_RETURN_IF_ERROR(env_->GetFileSize(name, &actual_size));
  if (actual_size != file_size) {
    return Status::Corruption(name + ": " + std::to_string(actual_size) + " bytes, but " +
                              std::to_string(file_size) + " were written (truncated or replaced)");
  }
  std::unique_ptr<Table> opened;
  STRATA_RETURN_IF_ERROR(
      Table::Open(options_, std::move(file), file_size, name, &opened, CacheId(number)));
  std::shared_ptr<Table> shared(std::move(opened));

  std::lock_guard<std::mutex> g(mu_);
  auto it = tables_.find(number);
  if (it != tables_.end()) {  // another thread opened it meanwhile
    *table = it->second.table;
    return Status::OK();
  }
  tables_[number] = Entry{shared, ++tick_};
  while (tables_.size() > capacity_) {
    auto oldest = tables_.begin();
    for (auto e = tables_.begin(); e != tables_.end(); ++e) {
      if (e->second.last_use < oldest->second.last_use) oldest = e;
    }
    tables_.erase(oldest);
  }
  *table = std::move(shared);
  return Status::OK();
}

Iterator* TableCache::NewIterator(bool fill_cache, uint64_t number, uint64_t file_size) {
  std::shared_ptr<Table> table;
  Status s = FindTable(number, file_size, &table);
  if (!s.ok()) return NewEmptyIterator(s);
  return NewIterator(fill_cache, std::move(table));
}

Iterator* TableCache::NewIterator(bool fill_cache, std::shared_ptr<Table> table) {
  // The iterator holds the table itself: no wrapper adds a virtual call to every step.
  const Table* t = table.get();
  return t->NewIterator(fill_cache, std::move(table));
}

Status TableCache::Get(bool fill_cache, uint64_t number, uint64_t file_size,
                       const Slice& internal_key, void* arg,
                       void (*handle_result)(void*, const Slice&, const Slice&), bool use_filter) {
  std::shared_ptr<Table> table;
  STRATA_RETURN_IF_ERROR(FindTable(number, file_size, &table));
  return table->InternalGet(internal_key, fill_cache, arg, handle_result, use_filter);
}

uint64_t TableCache::CacheId(uint64_t number) {
  if (options_.block_cache == nullptr) return 0;
  std::lock_guard<std::mutex> g(mu_);
  uint64_t& id = cache_ids_[number];
  if (id == 0) id = options_.block_cache->NewId();
  return id;
}

void TableCache::CacheWrittenBlock(uint64_t number, uint64_t offset, const Slice& contents) {
  if (options_.block_cache != nullptr) {
    Table::CacheWrittenBlock(options_, CacheId(number), offset, contents);
  }
}

void TableCache::EraseWrittenBlock(uint64_t number, uint64_t offset) {
  if (options_.block_cache != nullptr) Table::EraseWrittenBlock(options_, CacheId(number), offset);
}

void TableCache::Evict(uint64_t number) {
  std::lock_guard<std::mutex> g(mu_);
  auto it = tables_.find(number);
  if (it != tables_.end()) {
    if (options_.block_cache != nullptr) retired_.push_back(std::move(it->second.table));
    tables_.erase(it);
  }
  cache_ids_.erase(number);
}

size_t TableCache::EraseRetiredBlocks() {
  std::vector<std::shared_ptr<Table>> retired;
  {
    std::lock_guard<std::mutex> g(mu_);
    retired.swap(retired_);
  }
  for (const auto& table : retired) table->EraseCachedBlocks();
  return retired.size();
}

}  // namespace strata::lsm
