// Database and Transaction (the public API of include/strata/db.h).
#include <filesystem>

#include "db/change_feed.h"
#include "db/executor.h"
#include "db/operations.h"
#include "doc/keyspace.h"
#include "doc/store.h"
#include "strata/db.h"

namespace strata {

Result<std::vector<Value>> Cursor::ToVector() {
  std::vector<Value> out;
  Value doc;
  while (true) {
    auto more = Next(&doc);
    if (!more.ok()) return more.status();
    if (!*more) return out;
    out.push_back(std::move(doc));
  }
}

Value Explain::ToValue() const {
  return Value::MakeObject({{"plan", plan},
                            {"index", index},
                            {"bounds", bounds},
                            {"sortFromIndex", sort_from_index},
                            {"keysExamined", static_cast<int64_t>(keys_examined)},
                            {"docsExamined", static_cast<int64_t>(docs_examined)},
                            {"returned", static_cast<int64_t>(returned)}});
}

Value CheckReport::ToValue() const {
  Array list;
  for (const Finding& f : findings) {
    Value v = Value::MakeObject({{"kind", f.kind}, {"where", f.where}});
    if (!f.action.empty()) v.Set("action", f.action);
    list.push_back(std::move(v));
  }
  return Value::MakeObject({{"ok", ok()},
                            {"collections", static_cast<int64_t>(collections)},
                            {"records", static_cast<int64_t>(records)},
                            {"indexEntries", static_cast<int64_t>(index_entries)},
                            {"findings", Value(std::move(list))}});
}

Result<std::unique_ptr<Database>> Database::Open(const std::string& dir,
                                                 const DatabaseOptions& options) {
  std::unique_ptr<Database> db(new Database());
  db->options_ = options;
  kv::Options engine_options = options.engine;
  engine_options.create_if_missing = true;
  if (engine_options.prefix_extractor == nullptr) {
    engine_options.prefix_extractor = doc::KeyspacePrefixExtractor();
  }
  if (!dir.empty() && options.backend != "memory") {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
  }
  auto engine = kv::Engine::Open(options.backend, dir, engine_options);
  if (!engine.ok()) return engine.status();
  db->engine_ = std::move(engine).value();
  doc::StoreOptions store_options;
  store_options.max_document_size = options.max_document_size;
  auto store = doc::Store::Open(db->engine_.get(), store_options);
  if (!store.ok()) return store.status();
  db->store_ = std::move(store).value();
  db->feed_ = std::make_shared<db::ChangeFeed>();
  return db;
}

Database::~Database() { (void)Close(); }

Status Database::Close() {
  if (feed_ != nullptr && store_ != nullptr) {
    std::lock_guard<std::mutex> lock(feed_->install_mu);
    store_->SetCommitHook(nullptr);
  }
  store_.reset();
  if (engine_) {
    Status s = engine_->Close();
    engine_.reset();
    return s;
  }
  return Status::OK();
}

kv::Engine* Database::engine() { return engine_.get(); }

Status Database::Flush() { return engine_->Flush(); }

Status Database::CreateCollection(std::string_view name, const CollectionOptions& options) {
  return store_->CreateCollection(name, options);
}

Status Database::DropCollection(std::string_view name) { return store_->DropCollection(name); }
bool Database::HasCollection(std::string_view name) {
  return store_->catalog().Find(name) != nullptr;
}
Status Database::DropCollectionIfEmpty(std::string_view name) {
  return store_->DropCollection(name, true);
}

std::vector<CollectionInfo> Database::ListCollections() {
  std::vector<CollectionInfo> out;
  for (const auto& def : store_->catalog().List()) out.push_back(def->info);
  return out;
}

Collection Database::collection(std::string_view name) {
  return Collection(this, std::string(name));
}

Result<std::unique_ptr<Transaction>> Database::BeginTransaction() {
  return std::unique_ptr<Transaction>(new Transaction(this, store_->Begin()));
}

Result<CheckReport> Database::Check(bool repair) { return store_->Check(repair); }

// ---- Transaction ------------------------------------------------------------------------------

Transaction::Transaction(Database* db, std::unique_ptr<doc::Transaction> txn)
    : db_(db), txn_(std::move(txn)) {}

Transaction::~Transaction() = default;  // doc::Transaction cancels itself

uint64_t Transaction::id() const { return txn_->id(); }

namespace {

// Runs one operation of an explicit transaction; when it fails, its staged writes are undone.
template <typename T, typename Fn>
Result<T> Undoable(doc::Transaction* txn, Fn&& fn) {
  doc::Transaction::Savepoint sp = txn->Save();
  Result<T> r = fn();
  if (!r.ok()) txn->RollbackTo(std::move(sp));
  return r;
}

}  // namespace

Result<Value> Transaction::Insert(std::string_view collection, Value doc) {
  auto def = db_->store_->OpenCollection(collection);
  if (!def.ok()) return def.status();
  return Undoable<Value>(txn_.get(),
                         [&] { return db_->store_->Insert(txn_.get(), **def, std::move(doc)); });
}

Result<Value> Transaction::Get(std::string_view collection, const Value& id) {
  auto def = db_->store_->OpenCollection(collection);
  if (!def.ok()) return def.status();
  return db_->store_->Get(txn_.get(), **def, id);
}

Result<std::vector<Value>> Transaction::Find(std::string_view collection, const Value& filter,
                                             const FindOptions& options) {
  auto def = db_->store_->OpenCollection(collection);
  if (!def.ok()) return def.status();
  return db::FindIn(db_->store_.get(), txn_.get(), *def, filter, options,
                    db_->options_.aggregation_memory_limit);
}

Result<UpdateResult> Transaction::Update(std::string_view collection, const Value& filter,
                                         const Value& update, bool many, bool upsert) {
  auto def = db_->store_->OpenCollection(collection);
  if (!def.ok()) return def.status();
  return Undoable<UpdateResult>(txn_.get(), [&] {
    return db::UpdateIn(db_->store_.get(), txn_.get(), *def, filter, update, many, upsert, false);
  });
}

Result<uint64_t> Transaction::Delete(std::string_view collection, const Value& filter, bool many) {
  auto def = db_->store_->OpenCollection(collection);
  if (!def.ok()) return def.status();
  return Undoable<uint64_t>(
      txn_.get(), [&] { return db::DeleteIn(db_->store_.get(), txn_.get(), *def, filter, many); });
}

Status Transaction::Prepare() { return db_->store_->Prepare(txn_.get()); }
Status Transaction::Commit() { return db_->store_->Commit(txn_.get()); }
void Transaction::Cancel() { db_->store_->Cancel(txn_.get()); }

}  // namespace strata
