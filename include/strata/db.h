// Strata as a document database: Database, Collection, Cursor, Transaction.
//
// Documents, filters, updates, projections, sorts and pipelines are Values (value.h) in MongoDB's
// language. Every call returns Status or Result; errors name the operator, field path or document
// at fault, and a failed call changes nothing. Thread safety: a Database and its Collections may
// be used from many threads at once; a Cursor or a Transaction belongs to one thread at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "strata/doc_types.h"
#include "strata/kv.h"
#include "strata/status.h"
#include "strata/value.h"

namespace strata {

namespace doc {
class Store;
class Transaction;
}  // namespace doc
namespace db {
class ChangeFeed;
}  // namespace db

struct DatabaseOptions {
  std::string backend = "strata";  // any name kv::Engine::Backends() lists
  kv::Options engine;              // create_if_missing is forced on
  size_t aggregation_memory_limit = 100 << 20;
  size_t max_document_size = 16 << 20;  // encoded bytes
};

struct FindOptions {
  Value projection;  // null: everything
  Value sort;        // null: id order (or index order when an index serves the filter)
  int64_t skip = 0;
  int64_t limit = 0;         // 0: no limit
  std::string resume_token;  // from Cursor::ResumeToken of an earlier cursor with the same query
};

struct Explain {
  std::string plan;    // "IXSCAN email_1" / "COLLSCAN" / "IDHACK"
  std::string index;   // empty for a scan
  std::string bounds;  // human-readable index bounds
  bool sort_from_index = false;
  uint64_t keys_examined = 0;
  uint64_t docs_examined = 0;
  uint64_t returned = 0;
  Value ToValue() const;
};

// Results of a find. Next() returns true and fills *doc, false at the end, or an error.
class Cursor {
 public:
  virtual ~Cursor() = default;
  virtual Result<bool> Next(Value* doc) = 0;
  // A token that, passed as FindOptions::resume_token with the same filter and sort, continues
  // after the last document returned. Empty when the query cannot be resumed (in-memory sort).
  virtual std::string ResumeToken() const = 0;
  virtual const Explain& stats() const = 0;
  // Drains the cursor.
  Result<std::vector<Value>> ToVector();
};

struct UpdateResult {
  uint64_t matched = 0;
  uint64_t modified = 0;
  std::optional<Value> upserted_id;
};

class Collection;

// One committed change to a record, as change listeners receive it.
struct Change {
  enum class Op { kInsert, kUpdate, kDelete };
  uint64_t seq = 0;  // commit sequence: increasing, shared by the changes of one commit
  Op op = Op::kInsert;
  std::string collection;
  Value id;
  std::string key;    // the record's engine key (doc/keyspace.h), for key-range subscribers
  std::string value;  // the record's binary document; empty for deletes
  // The document after the change (decoded from `value`); null for deletes.
  Result<Value> Document() const;
};

// Called after each commit that changed records, with that commit's changes, in commit order, on
// the committing thread while commits are held back: it must be quick (queue the changes) and
// must not call into the Database.
using ChangeListener = std::function<void(const std::vector<Change>&)>;

// An optimistic transaction on a snapshot. Reads see the snapshot plus the transaction's own
// writes. Commit fails with Conflict, writing nothing, when another commit since the snapshot
// wrote a key this transaction read or wrote. Prepare + Commit/Cancel are the two phases.
class Transaction {
 public:
  ~Transaction();  // cancels if neither committed nor cancelled
  Result<Value> Insert(std::string_view collection, Value doc);  // returns the _id
  Result<Value> Get(std::string_view collection, const Value& id);
  Result<std::vector<Value>> Find(std::string_view collection, const Value& filter,
                                  const FindOptions& options = {});
  Result<UpdateResult> Update(std::string_view collection, const Value& filter, const Value& update,
                              bool many = false, bool upsert = false);
  Result<uint64_t> Delete(std::string_view collection, const Value& filter, bool many = false);

  Status Prepare();  // checks conflicts and holds the written keys against other commits
  Status Commit();   // prepares when needed, then writes atomically
  void Cancel();
  uint64_t id() const;

 private:
  friend class Database;
  explicit Transaction(class Database* db, std::unique_ptr<doc::Transaction> txn);
  class Database* db_;
  std::unique_ptr<doc::Transaction> txn_;
};

class Database {
 public:
  static Result<std::unique_ptr<Database>> Open(const std::string& dir,
                                                const DatabaseOptions& options = {});
  ~Database();

  // Collections.
  Status CreateCollection(std::string_view name, const CollectionOptions& options = {});
  Status DropCollection(std::string_view name);
  // Drops the collection only when it holds no document, atomically with respect to writers
  // (Aborted otherwise): undoes an implicit creation by a write that then failed.
  Status DropCollectionIfEmpty(std::string_view name);
  std::vector<CollectionInfo> ListCollections();
  bool HasCollection(std::string_view name);
  // A handle; the collection is created with default options on first write if missing.
  Collection collection(std::string_view name);

  Result<std::unique_ptr<Transaction>> BeginTransaction();
  Result<CheckReport> Check(bool repair = false);
  Status Flush();
  // Change feed: listeners see every record change committed after they were added.
  uint64_t AddChangeListener(ChangeListener listener);
  void RemoveChangeListener(uint64_t id);
  kv::Engine* engine();
  const DatabaseOptions& options() const { return options_; }
  Status Close();

 private:
  friend class Collection;
  friend class Transaction;
  Database() = default;
  DatabaseOptions options_;
  std::unique_ptr<kv::Engine> engine_;
  std::unique_ptr<doc::Store> store_;
  std::shared_ptr<db::ChangeFeed> feed_;  // change listeners (src/db/change_feed.h)
};

// A light handle (name + database); cheap to copy.
class Collection {
 public:
  const std::string& name() const { return name_; }

  Result<Value> InsertOne(Value doc);                              // returns the _id
  Result<std::vector<Value>> InsertMany(std::vector<Value> docs);  // atomic: all or none
  Result<Value> Get(const Value& id);                              // NotFound when absent
  // Appends the stored document of `id` in the binary document format (docs/formats/
  // documents.md), validated, without building a Value: for servers that pass it on as is.
  Status GetEncoded(const Value& id, std::string* out);

  Result<std::unique_ptr<Cursor>> Find(const Value& filter, const FindOptions& options = {});
  Result<std::optional<Value>> FindOne(const Value& filter, const FindOptions& options = {});
  Result<uint64_t> Count(const Value& filter = Value());
  Result<std::vector<Value>> Distinct(std::string_view path, const Value& filter = Value());
  Result<Explain> ExplainFind(const Value& filter, const FindOptions& options = {});

  Result<UpdateResult> UpdateOne(const Value& filter, const Value& update, bool upsert = false);
  Result<UpdateResult> UpdateMany(const Value& filter, const Value& update, bool upsert = false);
  Result<UpdateResult> ReplaceOne(const Value& filter, Value replacement, bool upsert = false);
  Result<uint64_t> DeleteOne(const Value& filter);
  Result<uint64_t> DeleteMany(const Value& filter);

  Result<std::vector<Value>> Aggregate(const Value& pipeline);

  Status CreateIndex(const std::vector<std::pair<std::string, int>>& fields,
                     const IndexOptions& options = {});
  Status DropIndex(std::string_view name);
  Result<std::vector<IndexInfo>> ListIndexes();

 private:
  friend class Database;
  Collection(Database* db, std::string name) : db_(db), name_(std::move(name)) {}
  Database* db_;
  std::string name_;
};

}  // namespace strata
