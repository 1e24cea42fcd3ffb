// The executor: runs a Plan inside a doc::Transaction and yields matching documents (filtered,
// sorted, skipped, limited, projected), counting keys and documents examined for Explain, and
// producing resume tokens when the output follows the plan's key order.
// Thread safety: one thread at a time.
#pragma once

#include <boost/container/small_vector.hpp>
#include <memory>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "db/planner.h"
#include "doc/store.h"
#include "query/filter.h"
#include "query/projection.h"
#include "query/sort.h"
#include "strata/db.h"

namespace strata::db {

struct QuerySpec {
  query::Filter filter;
  query::SortSpec sort;
  query::Projection projection;
  int64_t skip = 0;
  int64_t limit = 0;
  std::string resume_token;
  size_t memory_limit = 100 << 20;  // in-memory sorts
  bool track_reads = false;         // explicit transactions: record each matched record key
  // When not empty, documents carry only _id and these top-level fields (an aggregation that
  // needs no more); the filter must only read these fields.
  std::vector<std::string> fields;
};

// Parses FindOptions (projection, sort, skip, limit) and the filter into a QuerySpec.
Result<QuerySpec> MakeQuerySpec(const Value& filter, const FindOptions& options);

class QueryCursor final : public Cursor {
 public:
  // `txn` is owned when `owned` is set (a read view), else borrowed and must outlive the cursor.
  // Index scans read records ahead in batches, so a borrowed transaction must not be written
  // while the cursor is open (FindIn drains the cursor before anything is changed).
  QueryCursor(doc::Store* store, std::shared_ptr<const doc::CollectionDef> def,
              doc::Transaction* txn, std::unique_ptr<doc::Transaction> owned, QuerySpec spec);

  Result<bool> Next(Value* doc) override;
  std::string ResumeToken() const override;
  const Explain& stats() const override;

  // The record key of the document Next returned last (for updates and deletes).
  const std::string& last_record_key() const { return last_record_key_; }

 private:
  // The next document the plan yields that matches the filter (before sort/skip/limit).
  Result<bool> NextMatch(Value* doc);
  // NextMatch for index scans: records come from batches the index entries fill.
  Result<bool> NextIndexMatch(Value* doc);
  // Reads up to batch_limit_ index entries of the plan's ranges (moving past them) and their
  // records, in one Transaction::MultiGet.
  Status FillBatch();
  Status OpenRange();
  Status ApplyResume();
  Status SortInMemory();
  // Decodes the entry's document (or the fields asked for) unless a top-level predicate already
  // rules it out on the encoded bytes; *skip is set then.
  Status Materialize(Slice bytes, Value* doc, bool* skip);

  doc::Store* store_;
  std::shared_ptr<const doc::CollectionDef> def_;
  doc::Transaction* txn_;
  std::unique_ptr<doc::Transaction> owned_;
  QuerySpec spec_;
  Plan plan_;
  mutable Explain explain_;
  // explain_'s plan, index and bounds filled (finds that never read stats() skip the strings)
  mutable bool described_ = false;
  std::vector<const query::PathPredicate*> prefilter_;  // top-level fields only

  size_t range_ = 0;  // index into plan_.ranges (from the end when reverse)
  std::unique_ptr<Iterator> it_;
  // Index scans read a range's first batch in place (Transaction::Scan); when the batch fills
  // before the range ends, the last key read, after which an iterator goes on.
  std::optional<std::string> resume_after_;
  bool started_ = false;
  std::unordered_set<std::string> seen_;  // dedupe for multikey scans
  std::string position_;                  // the kv key of the last returned document's entry
  std::string last_record_key_;
  std::string id_;  // reused for every index entry

  // Index entries read ahead with their records: entry i's kv key (in batch_keys_), the
  // multikey entries of documents already met that were skipped before it, and its record's
  // key, bytes and status.
  struct BatchEntry {
    uint32_t key_offset = 0;
    uint32_t key_size = 0;
    uint32_t duplicates_before = 0;
  };
  // The batch grows from a few records (a find that wants one document reads little ahead) to
  // kMaxBatch, where batching has paid for itself. The first batch fits in the cursor itself:
  // a find of one document allocates only its record.
  static constexpr size_t kFirstBatch = 8;
  static constexpr size_t kMaxBatch = 64;
  template <typename T>
  using BatchVector = boost::container::small_vector<T, kFirstBatch>;
  BatchVector<BatchEntry> batch_;
  std::string batch_keys_;
  BatchVector<std::string> batch_record_keys_, batch_records_;
  BatchVector<Status> batch_statuses_;
  size_t batch_pos_ = 0;
  size_t batch_limit_ = kFirstBatch;
  int64_t skipped_ = 0, returned_ = 0;

  bool sorted_ready_ = false;
  std::vector<Value> sorted_;
  size_t sorted_pos_ = 0;
};

}  // namespace strata::db
