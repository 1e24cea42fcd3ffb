// The document store: collections of binary documents with their index entries, on one
// kv::Engine, with the catalog and optimistic transactions.
//
// Every change runs in a Transaction. Single operations use an autocommit transaction that holds
// the commit mutex from its first read to its write, so it reads the latest state and cannot
// conflict; explicit transactions read a snapshot, stage writes, and are validated at commit: a
// key they read or wrote that another commit changed since their snapshot makes the commit fail
// with Conflict, writing nothing. Scans are not validated against phantoms (snapshot isolation).
// A record and all of its index entries go into the kv engine in one WriteBatch.
// Thread safety: all methods are safe from many threads; a Transaction is used by one thread.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "doc/catalog.h"
#include "doc/index_maintainer.h"
#include "doc/transaction.h"
#include "strata/db.h"
#include "strata/doc_types.h"
#include "strata/kv.h"

namespace strata::doc {

// Receives the record changes of each commit that changed records, in commit order, while the
// commit mutex is held: it must be quick and must not call into the Store.
using CommitHook = std::function<void(const std::vector<Change>&)>;

struct StoreOptions {
  size_t max_document_size = 16 << 20;
  std::function<int64_t()> clock;  // milliseconds since the epoch; the system clock when unset
};

class Store {
 public:
  static Result<std::unique_ptr<Store>> Open(kv::Engine* engine, const StoreOptions& options);
  ~Store();

  kv::Engine* engine() const { return engine_; }
  const Catalog& catalog() const { return catalog_; }
  int64_t Now() const;

  // Collections and indexes; each change commits by itself.
  Status CreateCollection(std::string_view name, const CollectionOptions& options);
  // The collection, created with default options when missing.
  Result<std::shared_ptr<const CollectionDef>> OpenCollection(std::string_view name);
  // With only_if_empty, Aborted (and nothing dropped) when the collection holds a record.
  Status DropCollection(std::string_view name, bool only_if_empty = false);
  // Builds the index online: it is visible as "building" (writers maintain it) while existing
  // records are indexed in chunks, then "ready". A unique violation drops it and fails.
  Status CreateIndex(std::string_view collection,
                     const std::vector<std::pair<std::string, int>>& fields,
                     const IndexOptions& options);
  Status DropIndex(std::string_view collection, std::string_view name);
  std::vector<IndexInfo> ListIndexes(const CollectionDef& def) const;

  // Transactions.
  std::unique_ptr<Transaction> Begin();
  // A read-only view outside conflict tracking: on a fresh snapshot (finds and counts, whose
  // several reads must agree), or on the latest state (a single get, which is atomic anyway).
  std::unique_ptr<Transaction> BeginRead(bool snapshot = true);
  // Runs `fn` in an autocommit transaction and commits it; nothing is written if fn fails.
  Status RunAutocommit(const std::function<Status(Transaction*)>& fn);
  Status Prepare(Transaction* txn);
  Status Commit(Transaction* txn);
  void Cancel(Transaction* txn);

  // Record operations inside a transaction. The CollectionDef must come from OpenCollection.
  // Insert assigns _id by the collection's strategy and returns it; AlreadyExists on a
  // duplicate _id or unique key.
  Result<Value> Insert(Transaction* txn, const CollectionDef& def, Value doc);
  // Writes `doc` in place of `old_doc` (same _id), maintaining indexes and timestamps.
  Status Replace(Transaction* txn, const CollectionDef& def, const Value& old_doc, Value doc);
  Status Remove(Transaction* txn, const CollectionDef& def, const Value& old_doc);
  // NotFound when absent.
  Result<Value> Get(Transaction* txn, const CollectionDef& def, const Value& id);
  // The stored bytes of the same document, validated, appended to *out (unchanged on error).
  Status GetEncoded(Transaction* txn, const CollectionDef& def, const Value& id, std::string* out);

  Result<CheckReport> Check(bool repair);

  // Gives back the auto-increment ids `txn` took beyond `keep` (per collection: the last id kept),
  // when they are still the newest, so a failed or cancelled write leaves the counter as it was.
  void ReleaseIds(Transaction* txn,
                  const std::map<uint32_t, std::pair<int64_t, int64_t>>& keep = {});

  // Installs the commit hook (an empty one removes it). Commits pay for building the changes
  // only while one is installed.
  void SetCommitHook(CommitHook hook);

  // Progress of index builds (prefix -> done, total).
  std::pair<uint64_t, uint64_t> BuildProgress(uint32_t index_prefix) const;

 private:
  friend class Transaction;
  Store(kv::Engine* engine, const StoreOptions& options) : engine_(engine), options_(options) {}

  Status Validate(const Transaction& txn) const;  // REQUIRES: commit_mu_
  Status WriteCommit(Transaction* txn);           // REQUIRES: commit_mu_
  void PublishChanges(const Transaction& txn);    // REQUIRES: commit_mu_, commit_hook_
  void Finish(Transaction* txn, Transaction::State state);
  Status CheckDocument(const CollectionDef& def, const Value& doc) const;
  // Stages a record and its index entries. id_outside: doc lacks its "_id", which is written
  // first in the stored bytes (an insert's generated id, when no index or schema reads doc).
  Status PutRecord(Transaction* txn, const CollectionDef& def, const Value& id,
                   const Value* old_doc, const Value& doc, bool check_exists,
                   bool id_outside = false);
  Result<Value> NextId(const CollectionDef& def, Transaction* txn);
  void NoteUserId(const CollectionDef& def, const Value& id, Transaction* txn);
  Status DeleteRange(const std::string& prefix);  // REQUIRES: commit_mu_
  Status BuildIndex(const std::string& collection, const IndexDef& index);
  Status BuildIndexChunks(const std::string& collection, const IndexDef& index);
  // Index builds a crash interrupted: indexed again from the records (writers kept what was
  // built consistent), then made ready; one that now finds a unique violation is dropped.
  Status ResumeIndexBuilds();
  Status PublishIndexState(const std::string& collection, const std::string& index,
                           const std::string& state);  // REQUIRES: commit_mu_
  Status LoadCounter(uint32_t prefix, int64_t* value);

  kv::Engine* engine_;
  StoreOptions options_;
  Catalog catalog_;

  // Orders every commit and catalog change.
  std::mutex commit_mu_;
  uint64_t commit_seq_ = 0;
  uint64_t catalog_version_ = 0;
  // Explicit transactions still running: id -> start sequence.
  std::map<uint64_t, uint64_t> active_;
  // Commit sequence of the last write of each key, kept while explicit transactions run.
  std::unordered_map<std::string, uint64_t> last_write_;
  // Keys held by prepared transactions: key -> transaction id.
  std::unordered_map<std::string, uint64_t> held_;
  std::atomic<uint64_t> next_txn_id_{1};
  CommitHook commit_hook_;  // guarded by commit_mu_

  // Auto-increment counters by collection prefix, and generated-id state.
  std::mutex id_mu_;
  std::unordered_map<uint32_t, int64_t> counters_;
  uint64_t last_generated_ = 0;

  mutable std::mutex progress_mu_;
  std::map<uint32_t, std::pair<uint64_t, uint64_t>> progress_;
};

}  // namespace strata::doc
