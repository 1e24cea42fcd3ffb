// Store: opening, transactions and commits, and record writes with their index entries.
#include "doc/store.h"

#include <chrono>
#include <cinttypes>
#include <cstdio>

#include "base/coding.h"
#include "codec/document.h"
#include "codec/key_codec.h"
#include "doc/keyspace.h"

namespace strata::doc {

Result<std::unique_ptr<Store>> Store::Open(kv::Engine* engine, const StoreOptions& options) {
  std::unique_ptr<Store> store(new Store(engine, options));
  STRATA_RETURN_IF_ERROR(store->catalog_.Load(engine));
  STRATA_RETURN_IF_ERROR(store->ResumeIndexBuilds());
  return store;
}

Store::~Store() = default;

int64_t Store::Now() const {
  if (options_.clock) return options_.clock();
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// ---- Transactions ----------------------------------------------------------------------------

std::unique_ptr<Transaction> Store::Begin() {
  std::unique_ptr<Transaction> txn(new Transaction(this, next_txn_id_++, /*autocommit=*/false));
  std::lock_guard<std::mutex> lock(commit_mu_);
  // Taken under the commit mutex so the snapshot holds exactly the commits up to start_seq_.
  txn->snapshot_ = engine_->GetSnapshot();
  txn->start_seq_ = commit_seq_;
  txn->catalog_version_ = catalog_version_;
  active_[txn->id_] = txn->start_seq_;
  return txn;
}

std::unique_ptr<Transaction> Store::BeginRead(bool snapshot) {
  std::unique_ptr<Transaction> txn(new Transaction(this, next_txn_id_++, /*autocommit=*/true));
  if (snapshot) txn->snapshot_ = engine_->GetSnapshot();
  return txn;
}

Status Store::RunAutocommit(const std::function<Status(Transaction*)>& fn) {
  Transaction txn(this, next_txn_id_++, /*autocommit=*/true);
  std::lock_guard<std::mutex> lock(commit_mu_);
  txn.catalog_version_ = catalog_version_;
  Status s = fn(&txn);
  if (s.ok()) s = WriteCommit(&txn);
  if (!s.ok()) ReleaseIds(&txn);
  txn.state_ = s.ok() ? Transaction::State::kCommitted : Transaction::State::kCancelled;
  return s;
}

Status Store::Validate(const Transaction& txn) const {
  if (txn.catalog_version_ != catalog_version_) {
    return Status::Conflict("transaction " + std::to_string(txn.id_) +
                            ": collections or indexes changed since it began");
  }
  auto check = [&](const std::string& key) -> Status {
    auto held = held_.find(key);
    if (held != held_.end() && held->second != txn.id_) {
      return Status::Conflict("transaction " + std::to_string(txn.id_) +
                              ": a key it uses is held by prepared transaction " +
                              std::to_string(held->second));
    }
    if (txn.autocommit_) return Status::OK();
    auto it = last_write_.find(key);
    if (it != last_write_.end() && it->second > txn.start_seq_) {
      return Status::Conflict("transaction " + std::to_string(txn.id_) +
                              ": a record or index key it used was changed by another commit");
    }
    return Status::OK();
  };
  for (const auto& [key, value] : txn.writes_) STRATA_RETURN_IF_ERROR(check(key));
  if (!txn.autocommit_) {
    for (const std::string& key : txn.reads_) STRATA_RETURN_IF_ERROR(check(key));
  }
  return Status::OK();
}

Status Store::WriteCommit(Transaction* txn) {
  if (txn->state_ != Transaction::State::kPrepared) STRATA_RETURN_IF_ERROR(Validate(*txn));
  WriteBatch batch;
  for (const auto& [key, w] : txn->writes_) {
    if (w.value) {
      batch.Put(key, *w.value);
    } else {
      batch.Delete(key);
    }
  }
  {
    std::lock_guard<std::mutex> lock(id_mu_);
    for (uint32_t prefix : txn->counters_) {
      std::string v;
      PutFixed64(&v, static_cast<uint64_t>(counters_[prefix]));
      batch.Put(CounterKey(prefix), v);
    }
  }
  // Indexes that became multikey: their descriptors change in the same batch.
  std::vector<std::shared_ptr<const CollectionDef>> republish;
  for (const std::string& entry : txn->multikey_) {
    size_t sep = entry.find('\0');
    std::string coll = entry.substr(0, sep), index = entry.substr(sep + 1);
    auto def = catalog_.Find(coll);
    if (def == nullptr) continue;
    auto copy = std::make_shared<CollectionDef>(*def);
    bool changed = false;
    for (IndexDef& idx : copy->indexes) {
      if (idx.info.name == index && !idx.info.multikey) idx.info.multikey = changed = true;
    }
    if (!changed) continue;
    STRATA_RETURN_IF_ERROR(Catalog::StageDescriptors(*copy, &batch));
    STRATA_RETURN_IF_ERROR(AttachMaintainers(copy.get()));
    republish.push_back(std::move(copy));
  }
  if (batch.Count() > 0) STRATA_RETURN_IF_ERROR(engine_->Write(kv::WriteOptions(), batch));
  for (auto& def : republish) catalog_.Publish(def->info.name, def);
  ++commit_seq_;
  if (!active_.empty()) {
    for (const auto& [key, value] : txn->writes_) last_write_[key] = commit_seq_;
  }
  if (commit_hook_) PublishChanges(*txn);
  return Status::OK();
}

void Store::SetCommitHook(CommitHook hook) {
  std::lock_guard<std::mutex> lock(commit_mu_);
  commit_hook_ = std::move(hook);
}

void Store::PublishChanges(const Transaction& txn) {
  std::vector<Change> changes;
  // Keys come in order, so one collection's records are together: one catalog lookup each.
  std::vector<std::shared_ptr<const CollectionDef>> defs;
  const CollectionDef* def = nullptr;
  for (const auto& [key, w] : txn.writes_) {
    const RecordOp op = w.op;
    if (op == RecordOp::kNone || key.size() < 5) continue;
    uint32_t prefix = (uint32_t{static_cast<uint8_t>(key[1])} << 24) |
                      (uint32_t{static_cast<uint8_t>(key[2])} << 16) |
                      (uint32_t{static_cast<uint8_t>(key[3])} << 8) |
                      uint32_t{static_cast<uint8_t>(key[4])};
    if (def == nullptr || def->info.prefix != prefix) {
      if (defs.empty()) defs = catalog_.List();
      def = nullptr;
      for (const auto& d : defs) {
        if (d->info.prefix == prefix) def = d.get();
      }
      if (def == nullptr) continue;  // dropped: no one can read it any more
    }
    Change c;
    c.seq = commit_seq_;
    c.op = op == RecordOp::kInsert   ? Change::Op::kInsert
           : op == RecordOp::kUpdate ? Change::Op::kUpdate
                                     : Change::Op::kDelete;
    c.collection = def->info.name;
    Slice id_bytes = RecordIdBytes(key);
    if (!codec::DecodeKeyElement(&id_bytes, &c.id).ok()) c.id = Value();
    c.key = key;
    if (c.op != Change::Op::kDelete && w.value) c.value = *w.value;
    changes.push_back(std::move(c));
  }
  if (!changes.empty()) commit_hook_(changes);
}

Status Store::Prepare(Transaction* txn) {
  if (txn->autocommit_) return Status::InvalidArgument("autocommit transactions commit at once");
  if (txn->state_ != Transaction::State::kActive) {
    return Status::InvalidArgument("transaction " + std::to_string(txn->id_) + " is not active");
  }
  std::lock_guard<std::mutex> lock(commit_mu_);
  Status s = Validate(*txn);
  if (!s.ok()) {
    active_.erase(txn->id_);
    ReleaseIds(txn);
    txn->state_ = Transaction::State::kCancelled;
    return s;
  }
  for (const auto& [key, value] : txn->writes_) held_[key] = txn->id_;
  txn->state_ = Transaction::State::kPrepared;
  return Status::OK();
}

Status Store::Commit(Transaction* txn) {
  if (txn->autocommit_) return Status::InvalidArgument("autocommit transactions commit at once");
  if (txn->state_ != Transaction::State::kActive && txn->state_ != Transaction::State::kPrepared) {
    return Status::InvalidArgument("transaction " + std::to_string(txn->id_) +
                                   " was already committed or cancelled");
  }
  std::lock_guard<std::mutex> lock(commit_mu_);
  Status s = WriteCommit(txn);
  Finish(txn, s.ok() ? Transaction::State::kCommitted : Transaction::State::kCancelled);
  return s;
}

void Store::Cancel(Transaction* txn) {
  if (txn->autocommit_) return;
  std::lock_guard<std::mutex> lock(commit_mu_);
  Finish(txn, Transaction::State::kCancelled);
}

void Store::Finish(Transaction* txn, Transaction::State state) {
  if (state == Transaction::State::kCancelled) ReleaseIds(txn);
  if (txn->state_ == Transaction::State::kPrepared) {
    for (const auto& [key, value] : txn->writes_) {
      auto it = held_.find(key);
      if (it != held_.end() && it->second == txn->id_) held_.erase(it);
    }
  }
  txn->state_ = state;
  active_.erase(txn->id_);
  if (active_.empty()) {
    last_write_.clear();
  } else if (last_write_.size() > 100000) {
    uint64_t oldest = active_.begin()->second;
    for (const auto& [id, start] : active_) oldest = std::min(oldest, start);
    std::erase_if(last_write_, [&](const auto& kv) { return kv.second <= oldest; });
  }
}

// ---- Records ---------------------------------------------------------------------------------

namespace {

bool TypeMatches(const Value& v, ValueType type) {
  if (type == ValueType::kDouble) return v.is_number();
  return v.type() == type;
}

// _id first, as MongoDB stores it.
void MoveIdFirst(Value* doc) {
  Object& fields = doc->as_object();
  for (size_t i = 1; i < fields.size(); ++i) {
    if (fields[i].first == "_id") {
      Field id = std::move(fields[i]);
      fields.erase(fields.begin() + static_cast<std::ptrdiff_t>(i));
      fields.insert(fields.begin(), std::move(id));
      return;
    }
  }
}

std::string IdString(const Value& id) {
  if (id.is_string()) return "'" + id.as_string() + "'";
  if (id.is_int()) return std::to_string(id.as_int());
  return std::string(ValueTypeName(id.type()));
}

}  // namespace

Status Store::CheckDocument(const CollectionDef& def, const Value& doc) const {
  if (!doc.is_object()) return Status::InvalidArgument("a document must be a JSON object");
  for (const FieldSchema& f : def.info.options.schema) {
    const Value* v = doc.FindPath(f.path);
    if (v == nullptr) {
      if (f.required) {
        return Status::InvalidArgument("collection '" + def.info.name + "': field '" + f.path +
                                       "' is required");
      }
      continue;
    }
    if (f.type && !TypeMatches(*v, *f.type)) {
      return Status::InvalidArgument("collection '" + def.info.name + "': field '" + f.path +
                                     "' must be " + std::string(ValueTypeName(*f.type)) + ", not " +
                                     std::string(ValueTypeName(v->type())));
    }
  }
  return Status::OK();
}

Result<Value> Store::NextId(const CollectionDef& def, Transaction* txn) {
  std::lock_guard<std::mutex> lock(id_mu_);
  if (def.info.options.id_strategy == IdStrategy::kAutoIncrement) {
    auto it = counters_.find(def.info.prefix);
    if (it == counters_.end()) {
      int64_t stored = 0;
      STRATA_RETURN_IF_ERROR(LoadCounter(def.info.prefix, &stored));
      it = counters_.emplace(def.info.prefix, stored).first;
    }
    txn->counters_.insert(def.info.prefix);
    int64_t id = ++it->second;
    auto [a, fresh] = txn->allocated_.try_emplace(def.info.prefix, id, id);
    if (!fresh) a->second.second = id;
    return Value(id);
  }
  // Generated: milliseconds in the high 44 bits, a counter in the low 20, never repeating.
  uint64_t candidate = static_cast<uint64_t>(Now()) << 20;
  last_generated_ = std::max(candidate, last_generated_ + 1);
  char buf[17];
  snprintf(buf, sizeof(buf), "%016" PRIx64, last_generated_);
  return Value(std::string(buf, 16));
}

void Store::NoteUserId(const CollectionDef& def, const Value& id, Transaction* txn) {
  if (def.info.options.id_strategy != IdStrategy::kAutoIncrement || !id.is_int()) return;
  std::lock_guard<std::mutex> lock(id_mu_);
  auto it = counters_.find(def.info.prefix);
  if (it == counters_.end()) {
    int64_t stored = 0;
    if (!LoadCounter(def.info.prefix, &stored).ok()) return;
    it = counters_.emplace(def.info.prefix, stored).first;
  }
  if (id.as_int() > it->second) {
    it->second = id.as_int();
    txn->counters_.insert(def.info.prefix);
  }
}

Status Store::LoadCounter(uint32_t prefix, int64_t* value) {
  std::string v;
  Status s = engine_->Get(kv::ReadOptions(), CounterKey(prefix), &v);
  if (s.IsNotFound()) {
    *value = 0;
    return Status::OK();
  }
  STRATA_RETURN_IF_ERROR(s);
  if (v.size() != 8)
    return Status::Corruption("counter of collection prefix " + std::to_string(prefix));
  *value = static_cast<int64_t>(DecodeFixed64(v.data()));
  return Status::OK();
}

Result<Value> Store::Insert(Transaction* txn, const CollectionDef& def, Value doc) {
  if (!doc.is_object()) return Status::InvalidArgument("a document must be a JSON object");
  Value id;
  bool id_outside = false;
  const bool given = doc.Find("_id") != nullptr;
  if (given) {
    const Value* given_id = doc.Find("_id");
    if (given_id->is_array() || given_id->is_min_key() || given_id->is_max_key()) {
      return Status::InvalidArgument("_id cannot be an array");
    }
    id = *given_id;
    NoteUserId(def, id, txn);
    MoveIdFirst(&doc);
  } else if (def.info.options.id_strategy == IdStrategy::kUser) {
    return Status::InvalidArgument("collection '" + def.info.name +
                                   "' takes ids from the documents, and this one has no _id");
  } else {
    auto next = NextId(def, txn);
    if (!next.ok()) return next.status();
    id = std::move(*next);
    // The id goes first. Indexes and the schema read the document, so then it must hold the
    // id; otherwise the encoder writes it ahead of the fields, and no field moves a slot.
    id_outside = def.maintainers.empty() && def.info.options.schema.empty();
    if (!id_outside) doc.as_object().insert(doc.as_object().begin(), Field("_id", id));
  }
  if (def.info.options.timestamps) {
    Value now = Value::Date(Now());
    doc.Set("_created_at", now);
    doc.Set("_updated_at", now);
  }
  // Ids this store generated are new by construction; only given ones need the lookup.
  STRATA_RETURN_IF_ERROR(PutRecord(txn, def, id, nullptr, doc, /*check_exists=*/given, id_outside));
  return id;
}

Status Store::Replace(Transaction* txn, const CollectionDef& def, const Value& old_doc, Value doc) {
  if (!doc.is_object()) return Status::InvalidArgument("a document must be a JSON object");
  const Value* id = old_doc.Find("_id");
  if (id == nullptr) return Status::InvalidArgument("the stored document has no _id");
  const Value* new_id = doc.Find("_id");
  if (new_id == nullptr) {
    doc.as_object().insert(doc.as_object().begin(), Field("_id", *id));
  } else if (CompareValues(*new_id, *id) != 0 || new_id->type() != id->type()) {
    return Status::InvalidArgument("the update would change the immutable field '_id'");
  } else {
    MoveIdFirst(&doc);
  }
  if (def.info.options.timestamps) {
    if (const Value* created = old_doc.Find("_created_at")) doc.Set("_created_at", *created);
    doc.Set("_updated_at", Value::Date(Now()));
  }
  return PutRecord(txn, def, *id, &old_doc, doc, /*check_exists=*/false);
}

Status Store::Remove(Transaction* txn, const CollectionDef& def, const Value& old_doc) {
  const Value* id = old_doc.Find("_id");
  if (id == nullptr) return Status::InvalidArgument("the stored document has no _id");
  std::string id_element;
  codec::AppendKeyElement(&id_element, *id);
  std::vector<IndexEntry> entries;
  for (const auto& m : def.maintainers) {
    entries.clear();
    bool multikey = false;
    Status s = m->Entries(old_doc, id_element, &entries, &multikey);
    if (!s.ok()) continue;  // it could not have been indexed either
    for (const IndexEntry& e : entries) txn->Delete(e.key);
  }
  txn->WriteRecord(RecordKey(def.info.prefix, *id), std::nullopt, RecordOp::kDelete);
  return Status::OK();
}

namespace {

// The stored bytes of a record; NotFound names the collection and the id.
Status ReadRecord(Transaction* txn, const CollectionDef& def, const Value& id, std::string* bytes) {
  Status s = txn->Get(RecordKey(def.info.prefix, id), bytes);
  if (s.IsNotFound()) {
    return Status::NotFound("no document with _id " + IdString(id) + " in '" + def.info.name + "'");
  }
  return s;
}

}  // namespace

Result<Value> Store::Get(Transaction* txn, const CollectionDef& def, const Value& id) {
  std::string bytes;
  STRATA_RETURN_IF_ERROR(ReadRecord(txn, def, id, &bytes));
  Value doc;
  Status s = codec::DecodeDocument(bytes, &doc);
  if (!s.ok()) {
    return s.WithContext("collection '" + def.info.name + "', _id " + IdString(id));
  }
  return doc;
}

Status Store::GetEncoded(Transaction* txn, const CollectionDef& def, const Value& id,
                         std::string* out) {
  std::string bytes;
  STRATA_RETURN_IF_ERROR(ReadRecord(txn, def, id, &bytes));
  // Validated as Get's decode would: corrupt bytes are reported, never passed on.
  auto view = codec::DocView::Open(bytes);
  if (!view.ok()) {
    return view.status().WithContext("collection '" + def.info.name + "', _id " + IdString(id));
  }
  out->append(bytes);
  return Status::OK();
}

Status Store::PutRecord(Transaction* txn, const CollectionDef& def, const Value& id,
                        const Value* old_doc, const Value& doc, bool check_exists,
                        bool id_outside) {
  STRATA_RETURN_IF_ERROR(CheckDocument(def, doc));
  std::string bytes;
  Status s = codec::EncodeDocumentWithId(doc, id_outside ? &id : nullptr, &bytes);
  if (!s.ok()) return s.WithContext("document _id " + IdString(id));
  if (bytes.size() > options_.max_document_size) {
    return Status::ResourceExhausted(
        "document _id " + IdString(id) + " is " + std::to_string(bytes.size()) +
        " bytes encoded; the limit is " + std::to_string(options_.max_document_size));
  }
  std::string record_key = RecordKey(def.info.prefix, id);
  if (check_exists) {
    std::string existing;
    Status g = txn->Get(record_key, &existing);
    if (g.ok()) {
      return Status::AlreadyExists("collection '" + def.info.name + "' already has _id " +
                                   IdString(id));
    }
    if (!g.IsNotFound()) return g;
  }
  // The id as it ends the record key, which is how index entries point to their record.
  std::string id_element;
  if (!def.maintainers.empty()) id_element = RecordIdBytes(record_key).ToString();
  // Staged here first and handed to the transaction only when every check passed, so a refused
  // write leaves nothing behind even inside an explicit transaction.
  std::vector<std::pair<std::string, std::optional<std::string>>> staged;
  std::vector<size_t> became_multikey;
  std::vector<IndexEntry> old_entries, new_entries;
  for (size_t i = 0; i < def.maintainers.size(); ++i) {
    const IndexMaintainer& m = *def.maintainers[i];
    old_entries.clear();
    new_entries.clear();
    bool multikey = false, old_multikey = false;
    if (old_doc != nullptr) {
      Status os = m.Entries(*old_doc, id_element, &old_entries, &old_multikey);
      if (!os.ok()) old_entries.clear();
    }
    STRATA_RETURN_IF_ERROR(m.Entries(doc, id_element, &new_entries, &multikey));
    if (multikey && !def.indexes[i].info.multikey) became_multikey.push_back(i);
    // Both lists are sorted: delete what went away, add what is new.
    size_t a = 0, b = 0;
    while (a < old_entries.size() || b < new_entries.size()) {
      int c = a == old_entries.size()   ? 1
              : b == new_entries.size() ? -1
                                        : old_entries[a].key.compare(new_entries[b].key);
      if (c < 0) {
        staged.emplace_back(std::move(old_entries[a++].key), std::nullopt);
      } else if (c > 0) {
        const IndexEntry& e = new_entries[b++];
        if (m.unique()) {
          std::string holder;
          Status g = txn->Get(e.key, &holder);
          if (g.ok() && holder != id_element) {
            return Status::AlreadyExists("duplicate key in unique index '" +
                                         def.indexes[i].info.name + "' of '" + def.info.name +
                                         "' for document _id " + IdString(id));
          }
          if (!g.ok() && !g.IsNotFound()) return g;
        }
        staged.emplace_back(e.key, e.value);
      } else {
        ++a;
        ++b;
      }
    }
  }
  for (auto& [key, value] : staged) {
    if (value) {
      txn->Put(key, std::move(*value));
    } else {
      txn->Delete(key);
    }
  }
  for (size_t i : became_multikey) txn->MarkMultikey(def.info.name, def.indexes[i].info.name);
  txn->WriteRecord(std::move(record_key), std::move(bytes),
                   old_doc == nullptr ? RecordOp::kInsert : RecordOp::kUpdate);
  return Status::OK();
}

void Store::ReleaseIds(Transaction* txn,
                       const std::map<uint32_t, std::pair<int64_t, int64_t>>& keep) {
  std::lock_guard<std::mutex> lock(id_mu_);
  for (const auto& [prefix, range] : txn->allocated_) {
    auto kept = keep.find(prefix);
    int64_t back_to = kept != keep.end() ? kept->second.second : range.first - 1;
    auto c = counters_.find(prefix);
    if (c != counters_.end() && c->second == range.second && back_to < range.second) {
      c->second = back_to;
    }
  }
  txn->allocated_ = keep;
}

std::pair<uint64_t, uint64_t> Store::BuildProgress(uint32_t index_prefix) const {
  std::lock_guard<std::mutex> lock(progress_mu_);
  auto it = progress_.find(index_prefix);
  return it == progress_.end() ? std::pair<uint64_t, uint64_t>{0, 0} : it->second;
}

}  // namespace strata::doc
