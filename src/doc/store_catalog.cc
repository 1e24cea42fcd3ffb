// Store: collections and indexes (catalog changes), and online index builds.
#include "codec/document.h"
#include "codec/key_codec.h"
#include "doc/keyspace.h"
#include "doc/store.h"

namespace strata::doc {

namespace {

bool ValidName(std::string_view name) {
  if (name.empty() || name.size() > 120) return false;
  for (char c : name) {
    if (!(isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.')) return false;
  }
  return name[0] != '.';
}

std::string DefaultIndexName(const std::vector<std::pair<std::string, int>>& fields) {
  std::string name;
  for (const auto& [path, dir] : fields) {
    if (!name.empty()) name += '_';
    name += path + "_" + std::to_string(dir);
  }
  return name;
}

constexpr size_t kBuildChunk = 1000;

}  // namespace

Status Store::CreateCollection(std::string_view name, const CollectionOptions& options) {
  if (!ValidName(name)) {
    return Status::InvalidArgument("invalid collection name '" + std::string(name) +
                                   "': use 1 to 120 letters, digits, '_', '-' or '.'");
  }
  std::lock_guard<std::mutex> lock(commit_mu_);
  if (catalog_.Find(name) != nullptr) {
    return Status::AlreadyExists("collection '" + std::string(name) + "' exists");
  }
  auto def = std::make_shared<CollectionDef>();
  def->info.name = std::string(name);
  def->info.options = options;
  WriteBatch batch;
  def->info.prefix = catalog_.AllocatePrefix(&batch);
  STRATA_RETURN_IF_ERROR(Catalog::StageDescriptors(*def, &batch));
  STRATA_RETURN_IF_ERROR(engine_->Write(kv::WriteOptions(), batch));
  // No catalog_version_ bump: a new collection cannot invalidate what running transactions did.
  catalog_.Publish(def->info.name, def);
  return Status::OK();
}

Result<std::shared_ptr<const CollectionDef>> Store::OpenCollection(std::string_view name) {
  if (auto def = catalog_.Find(name)) return def;
  Status s = CreateCollection(name, CollectionOptions());
  if (!s.ok() && !s.IsAlreadyExists()) return s;
  auto def = catalog_.Find(name);
  if (def == nullptr) return Status::NotFound("collection '" + std::string(name) + "'");
  return def;
}

Status Store::DeleteRange(const std::string& prefix) {
  std::string end = codec::PrefixSuccessor(prefix);
  kv::ReadOptions ro;
  ro.lower_bound = prefix;
  ro.upper_bound = end;
  auto it = engine_->NewIterator(ro);
  WriteBatch batch;
  for (it->Seek(prefix); it->Valid(); it->Next()) {
    batch.Delete(it->key());
    if (batch.Count() >= 10000) {
      STRATA_RETURN_IF_ERROR(engine_->Write(kv::WriteOptions(), batch));
      batch.Clear();
    }
  }
  STRATA_RETURN_IF_ERROR(it->status());
  if (batch.Count() > 0) STRATA_RETURN_IF_ERROR(engine_->Write(kv::WriteOptions(), batch));
  return Status::OK();
}

Status Store::DropCollection(std::string_view name, bool only_if_empty) {
  std::lock_guard<std::mutex> lock(commit_mu_);
  auto def = catalog_.Find(name);
  if (def == nullptr) return Status::NotFound("collection '" + std::string(name) + "'");
  if (only_if_empty) {
    // Under the commit mutex no record can arrive between this look and the drop.
    kv::ReadOptions read;
    std::string prefix = RecordPrefix(def->info.prefix);
    read.lower_bound = prefix;
    read.upper_bound = prefix + '\xff';
    auto it = engine_->NewIterator(read);
    it->Seek(prefix);
    STRATA_RETURN_IF_ERROR(it->status());
    if (it->Valid()) {
      return Status::Aborted("collection '" + std::string(name) + "' is not empty");
    }
  }
  // The descriptors go first, atomically; the data after them is unreachable from then on (its
  // prefixes are never reused), so a crash in between leaves only garbage that Check reports.
  WriteBatch batch;
  batch.Delete(CollectionDescriptorKey(name));
  for (const IndexDef& idx : def->indexes) {
    batch.Delete(IndexDescriptorKey(def->info.prefix, idx.info.name));
  }
  batch.Delete(CounterKey(def->info.prefix));
  STRATA_RETURN_IF_ERROR(engine_->Write(kv::WriteOptions(), batch));
  catalog_.Publish(def->info.name, nullptr);
  ++catalog_version_;
  {
    std::lock_guard<std::mutex> id_lock(id_mu_);
    counters_.erase(def->info.prefix);
  }
  for (const IndexDef& idx : def->indexes)
    STRATA_RETURN_IF_ERROR(DeleteRange(IndexPrefix(idx.prefix)));
  return DeleteRange(RecordPrefix(def->info.prefix));
}

std::vector<IndexInfo> Store::ListIndexes(const CollectionDef& def) const {
  std::vector<IndexInfo> out;
  for (const IndexDef& idx : def.indexes) {
    IndexInfo info = idx.info;
    if (info.state == "building") {
      auto [done, total] = BuildProgress(idx.prefix);
      info.build_done = done;
      info.build_total = total;
    }
    out.push_back(std::move(info));
  }
  return out;
}

Status Store::CreateIndex(std::string_view collection,
                          const std::vector<std::pair<std::string, int>>& fields,
                          const IndexOptions& options) {
  if (fields.empty()) return Status::InvalidArgument("an index needs at least one field");
  for (const auto& [path, dir] : fields) {
    if (path.empty()) return Status::InvalidArgument("an index field path is empty");
    if (dir != 1 && dir != -1) {
      return Status::InvalidArgument("index field '" + path + "': direction must be 1 or -1");
    }
  }
  auto opened = OpenCollection(collection);
  if (!opened.ok()) return opened.status();
  IndexDef index;
  index.info.name = options.name.empty() ? DefaultIndexName(fields) : options.name;
  index.info.fields = fields;
  index.info.unique = options.unique;
  index.info.sparse = options.sparse;
  index.info.kind = options.kind.empty() ? "field" : options.kind;
  index.info.state = "building";
  {
    std::lock_guard<std::mutex> lock(commit_mu_);
    auto def = catalog_.Find(collection);
    if (def == nullptr) return Status::NotFound("collection '" + std::string(collection) + "'");
    for (const IndexDef& idx : def->indexes) {
      if (idx.info.name == index.info.name) {
        return Status::AlreadyExists("index '" + index.info.name + "' exists on '" +
                                     std::string(collection) + "'");
      }
    }
    auto copy = std::make_shared<CollectionDef>(*def);
    WriteBatch batch;
    index.prefix = catalog_.AllocatePrefix(&batch);
    copy->indexes.push_back(index);
    STRATA_RETURN_IF_ERROR(AttachMaintainers(copy.get()));  // unknown kinds fail here
    STRATA_RETURN_IF_ERROR(Catalog::StageDescriptors(*copy, &batch));
    STRATA_RETURN_IF_ERROR(engine_->Write(kv::WriteOptions(), batch));
    catalog_.Publish(copy->info.name, copy);
    ++catalog_version_;
  }
  Status s = BuildIndex(std::string(collection), index);
  if (!s.ok()) {
    Status dropped = DropIndex(collection, index.info.name);
    (void)dropped;  // the build's error is the one to report
    return s;
  }
  std::lock_guard<std::mutex> lock(commit_mu_);
  return PublishIndexState(std::string(collection), index.info.name, "ready");
}

Status Store::ResumeIndexBuilds() {
  for (const auto& def : catalog_.List()) {
    for (const IndexDef& idx : def->indexes) {
      if (idx.info.state != "building") continue;
      Status s = BuildIndex(def->info.name, idx);
      if (s.IsAlreadyExists()) {
        STRATA_RETURN_IF_ERROR(DropIndex(def->info.name, idx.info.name));
        continue;
      }
      STRATA_RETURN_IF_ERROR(s);
      std::lock_guard<std::mutex> lock(commit_mu_);
      STRATA_RETURN_IF_ERROR(PublishIndexState(def->info.name, idx.info.name, "ready"));
    }
  }
  return Status::OK();
}

Status Store::PublishIndexState(const std::string& collection, const std::string& index,
                                const std::string& state) {
  auto def = catalog_.Find(collection);
  if (def == nullptr) return Status::NotFound("collection '" + collection + "'");
  auto copy = std::make_shared<CollectionDef>(*def);
  for (IndexDef& idx : copy->indexes) {
    if (idx.info.name == index) idx.info.state = state;
  }
  STRATA_RETURN_IF_ERROR(AttachMaintainers(copy.get()));
  WriteBatch batch;
  STRATA_RETURN_IF_ERROR(Catalog::StageDescriptors(*copy, &batch));
  STRATA_RETURN_IF_ERROR(engine_->Write(kv::WriteOptions(), batch));
  catalog_.Publish(collection, copy);
  ++catalog_version_;
  return Status::OK();
}

// Indexes existing records in chunks. Each chunk runs under the commit mutex and reads the
// latest records, so it cannot interleave with a writer; between chunks writers go on (and
// maintain the new index themselves, since it is in the catalog).
Status Store::BuildIndex(const std::string& collection, const IndexDef& index) {
  Status s = BuildIndexChunks(collection, index);
  std::lock_guard<std::mutex> lock(progress_mu_);
  progress_.erase(index.prefix);  // finished either way: ListIndexes shows the state from now on
  return s;
}

Status Store::BuildIndexChunks(const std::string& collection, const IndexDef& index) {
  auto def = catalog_.Find(collection);
  if (def == nullptr) return Status::NotFound("collection '" + collection + "'");
  std::string prefix = RecordPrefix(def->info.prefix);
  std::string end = codec::PrefixSuccessor(prefix);
  uint64_t total = engine_->ApproximateSize(prefix, end);
  {
    // A rough count: bytes / 100 until the scan tells better.
    std::lock_guard<std::mutex> lock(progress_mu_);
    progress_[index.prefix] = {0, std::max<uint64_t>(1, total / 100)};
  }
  auto maintainer = MakeIndexMaintainer(index);
  if (!maintainer.ok()) return maintainer.status();
  std::string resume = prefix;
  uint64_t done = 0;
  bool multikey = false;
  while (true) {
    std::lock_guard<std::mutex> lock(commit_mu_);
    Transaction txn(this, next_txn_id_++, /*autocommit=*/true);
    txn.catalog_version_ = catalog_version_;
    kv::ReadOptions ro;
    ro.lower_bound = resume;
    ro.upper_bound = end;
    auto it = engine_->NewIterator(ro);
    size_t n = 0;
    std::vector<IndexEntry> entries;
    for (it->Seek(resume); it->Valid() && n < kBuildChunk; it->Next(), ++n) {
      Value doc;
      Status s = codec::DecodeDocument(it->value(), &doc);
      if (!s.ok()) return s.WithContext("building index '" + index.info.name + "'");
      entries.clear();
      std::string id_element = RecordIdBytes(it->key()).ToString();
      STRATA_RETURN_IF_ERROR((*maintainer)->Entries(doc, id_element, &entries, &multikey));
      for (const IndexEntry& e : entries) {
        if ((*maintainer)->unique()) {
          std::string holder;
          Status g = txn.Get(e.key, &holder);
          if (g.ok() && holder != id_element) {
            return Status::AlreadyExists("cannot build unique index '" + index.info.name +
                                         "' on '" + collection + "': duplicate key");
          }
        }
        txn.Put(e.key, e.value);
      }
    }
    STRATA_RETURN_IF_ERROR(it->status());
    bool finished = !it->Valid();
    if (!finished) resume = it->key().ToString();
    if (multikey) txn.MarkMultikey(collection, index.info.name);
    STRATA_RETURN_IF_ERROR(WriteCommit(&txn));
    txn.state_ = Transaction::State::kCommitted;
    done += n;
    {
      std::lock_guard<std::mutex> plock(progress_mu_);
      auto& p = progress_[index.prefix];
      p.first = done;
      p.second = finished ? done : std::max(p.second, done + 1);
    }
    if (finished) return Status::OK();
  }
}

Status Store::DropIndex(std::string_view collection, std::string_view name) {
  std::lock_guard<std::mutex> lock(commit_mu_);
  auto def = catalog_.Find(collection);
  if (def == nullptr) return Status::NotFound("collection '" + std::string(collection) + "'");
  auto copy = std::make_shared<CollectionDef>(*def);
  auto it = std::find_if(copy->indexes.begin(), copy->indexes.end(),
                         [&](const IndexDef& idx) { return idx.info.name == name; });
  if (it == copy->indexes.end()) {
    return Status::NotFound("index '" + std::string(name) + "' on '" + std::string(collection) +
                            "'");
  }
  uint32_t prefix = it->prefix;
  copy->indexes.erase(it);
  STRATA_RETURN_IF_ERROR(AttachMaintainers(copy.get()));
  WriteBatch batch;
  batch.Delete(IndexDescriptorKey(copy->info.prefix, name));
  STRATA_RETURN_IF_ERROR(engine_->Write(kv::WriteOptions(), batch));
  catalog_.Publish(copy->info.name, copy);
  ++catalog_version_;
  return DeleteRange(IndexPrefix(prefix));
}

}  // namespace strata::doc
