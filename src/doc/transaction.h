// A document-layer transaction: reads on a snapshot (or on the latest state, for the autocommit
// transactions that single operations run in) plus the transaction's own staged writes; a read
// set and a write set for optimistic conflict detection at commit (Store::Prepare/Commit).
// Thread safety: one thread at a time.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <unordered_set>

#include "strata/iterator.h"
#include "strata/kv.h"

namespace strata::doc {

class Store;

// What a transaction did to a record, net of its earlier writes to the same record (kNone for
// keys that are not records, and for a record inserted and deleted again).
enum class RecordOp : uint8_t { kNone, kInsert, kUpdate, kDelete };

// A staged write: the new value (nullopt: delete) and, for a record key, the net change the
// change feed reports. One map holds both, so a record write costs one lookup.
struct StagedWrite {
  std::optional<std::string> value;
  RecordOp op = RecordOp::kNone;
};
using StagedWrites = std::map<std::string, StagedWrite>;

class Transaction {
 public:
  enum class State { kActive, kPrepared, kCommitted, kCancelled };
  using RecordOp = doc::RecordOp;

  ~Transaction();

  // Reads the key as this transaction sees it and remembers it in the read set.
  Status Get(const std::string& key, std::string* value);
  // Get for each key (statuses[i] and values[i] for keys[i]), the keys not staged here read from
  // the engine in one kv::Engine::MultiGet. For records that index entries name: the engine is
  // told to expect them (kv::ReadOptions::expect_found).
  void MultiGet(std::span<const std::string> keys, std::span<std::string> values,
                std::span<Status> statuses);
  // An iterator over [lower, upper) as this transaction sees it (staged writes included). Keys
  // it returns are not added to the read set; callers record the keys they act on with Track.
  std::unique_ptr<Iterator> NewIterator(const std::string& lower, const std::string& upper);
  // Hands the entries of [lower, upper) (upper empty: to the end), as NewIterator would yield
  // them, to visit until it returns false; the slices are valid during the call only. A short
  // range costs less this way (kv::Engine::Scan) when no staged write falls in it.
  Status Scan(const std::string& lower, const std::string& upper,
              FunctionRef<bool(const Slice& key, const Slice& value)> visit);
  void Track(const std::string& key) { reads_.insert(key); }

  void Put(const std::string& key, std::string value) { writes_[key].value = std::move(value); }
  void Delete(const std::string& key) { writes_[key].value = std::nullopt; }

  bool autocommit() const { return autocommit_; }
  State state() const { return state_; }
  uint64_t id() const { return id_; }
  size_t write_count() const { return writes_.size(); }

  // Stages a write of record `key` (value nullopt: a delete) and notes it for the change feed,
  // folded into the earlier ones: insert+update = insert, insert+delete = nothing,
  // update+delete = delete, delete+insert = update.
  void WriteRecord(std::string key, std::optional<std::string> value, RecordOp op);

  // The staged state, to undo a failed operation inside an explicit transaction so that a failed
  // call changes nothing (the read set keeps what it read: that only makes conflicts likelier).
  struct Savepoint {
    StagedWrites writes;
    std::set<std::string> multikey;
    std::set<uint32_t> counters;
    std::map<uint32_t, std::pair<int64_t, int64_t>> allocated;
  };
  Savepoint Save() const { return {writes_, multikey_, counters_, allocated_}; }
  // Also gives back the auto-increment ids taken since the savepoint, when no one took later ones.
  void RollbackTo(Savepoint sp);

  // Index entries whose descriptors must be marked multikey at commit ("coll\0index").
  void MarkMultikey(const std::string& collection, const std::string& index) {
    multikey_.insert(collection + '\0' + index);
  }

 private:
  friend class Store;
  Transaction(Store* store, uint64_t id, bool autocommit)
      : store_(store), id_(id), autocommit_(autocommit) {}

  Store* store_;
  uint64_t id_;
  bool autocommit_;
  State state_ = State::kActive;
  uint64_t start_seq_ = 0;        // commits at or before this are visible
  uint64_t catalog_version_ = 0;  // DDL since then makes the commit a Conflict
  std::shared_ptr<const kv::Snapshot> snapshot_;
  // Staged writes in key order (the change feed's order, for the record keys among them).
  StagedWrites writes_;
  std::unordered_set<std::string> reads_;
  std::set<std::string> multikey_;
  std::set<uint32_t> counters_;  // auto-increment collections to persist at commit
  // Auto-increment ids taken, per collection prefix: first and last.
  std::map<uint32_t, std::pair<int64_t, int64_t>> allocated_;
};

// Merges a sorted overlay of staged writes (nullopt = deleted) over a base iterator that
// already honours [lower, upper). Exposed for tests.
std::unique_ptr<Iterator> NewOverlayIterator(std::unique_ptr<Iterator> base,
                                             const StagedWrites* overlay, std::string lower,
                                             std::string upper);

}  // namespace strata::doc
