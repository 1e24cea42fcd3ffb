#include "doc/transaction.h"

#include <new>

#include "doc/store.h"

namespace strata::doc {

Transaction::~Transaction() {
  if (state_ == State::kActive || state_ == State::kPrepared) store_->Cancel(this);
}

void Transaction::RollbackTo(Savepoint sp) {
  store_->ReleaseIds(this, sp.allocated);
  writes_ = std::move(sp.writes);
  multikey_ = std::move(sp.multikey);
  counters_ = std::move(sp.counters);
  allocated_ = std::move(sp.allocated);
}

void Transaction::WriteRecord(std::string key, std::optional<std::string> value, RecordOp op) {
  StagedWrite& w = writes_[std::move(key)];
  w.value = std::move(value);
  switch (op) {
    case RecordOp::kNone:
      break;
    case RecordOp::kInsert:
      if (w.op == RecordOp::kNone) {
        w.op = RecordOp::kInsert;
      } else if (w.op == RecordOp::kDelete) {  // the record is there again
        w.op = RecordOp::kUpdate;
      }
      break;
    case RecordOp::kUpdate:  // an insert stays an insert
      if (w.op == RecordOp::kNone || w.op == RecordOp::kDelete) w.op = RecordOp::kUpdate;
      break;
    case RecordOp::kDelete:
      w.op = w.op == RecordOp::kInsert ? RecordOp::kNone : RecordOp::kDelete;
      break;
  }
}

Status Transaction::Get(const std::string& key, std::string* value) {
  if (!autocommit_) reads_.insert(key);
  auto it = writes_.find(key);
  if (it != writes_.end()) {
    if (!it->second.value) return Status::NotFound();
    *value = *it->second.value;
    return Status::OK();
  }
  kv::ReadOptions ro;
  ro.snapshot = snapshot_;
  return store_->engine()->Get(ro, key, value);
}

void Transaction::MultiGet(std::span<const std::string> keys, std::span<std::string> values,
                           std::span<Status> statuses) {
  if (keys.empty()) return;
  // The keys not staged here, as slices, and where each is in keys: on the stack for an index
  // scan's batch (up to 64 keys; slices built in place, as an array of them would be
  // initialized whole first), on the heap beyond.
  constexpr size_t kOnStack = 64;
  alignas(Slice) unsigned char slices_on_stack[kOnStack * sizeof(Slice)];
  size_t where_on_stack[kOnStack];
  std::vector<Slice> slices_on_heap;
  std::vector<size_t> where_on_heap;
  Slice* unstaged = reinterpret_cast<Slice*>(slices_on_stack);
  size_t* where = where_on_stack;
  if (keys.size() > kOnStack) {
    slices_on_heap.resize(keys.size());
    where_on_heap.resize(keys.size());
    unstaged = slices_on_heap.data();
    where = where_on_heap.data();
  }
  size_t n = 0;
  for (size_t i = 0; i < keys.size(); i++) {
    if (!autocommit_) reads_.insert(keys[i]);
    auto it = writes_.find(keys[i]);
    if (it == writes_.end()) {
      new (&unstaged[n]) Slice(keys[i]);
      where[n++] = i;
    } else if (it->second.value) {
      values[i] = *it->second.value;
      statuses[i] = Status::OK();
    } else {
      statuses[i] = Status::NotFound();
    }
  }
  if (n == 0) return;
  kv::ReadOptions ro;
  ro.snapshot = snapshot_;
  ro.expect_found = true;
  const std::span<const Slice> engine_keys(unstaged, n);
  if (n == keys.size()) {  // nothing staged: the engine fills the caller's spans
    store_->engine()->MultiGet(ro, engine_keys, values, statuses);
    return;
  }
  std::vector<std::string> got(n);
  std::vector<Status> got_status(n);
  store_->engine()->MultiGet(ro, engine_keys, got, got_status);
  for (size_t k = 0; k < n; k++) {
    values[where[k]] = std::move(got[k]);
    statuses[where[k]] = std::move(got_status[k]);
  }
}

std::unique_ptr<Iterator> Transaction::NewIterator(const std::string& lower,
                                                   const std::string& upper) {
  kv::ReadOptions ro;
  ro.snapshot = snapshot_;
  ro.lower_bound = lower;
  if (!upper.empty()) ro.upper_bound = upper;
  auto base = store_->engine()->NewIterator(ro);
  auto first = writes_.lower_bound(lower);
  bool overlay_in_range = first != writes_.end() && (upper.empty() || first->first < upper);
  if (!overlay_in_range) return base;
  return NewOverlayIterator(std::move(base), &writes_, lower, upper);
}

Status Transaction::Scan(const std::string& lower, const std::string& upper,
                         FunctionRef<bool(const Slice& key, const Slice& value)> visit) {
  auto first = writes_.lower_bound(lower);
  if (first != writes_.end() && (upper.empty() || first->first < upper)) {
    std::unique_ptr<Iterator> it = NewIterator(lower, upper);  // staged writes overlay the range
    it->SeekToFirst();
    return VisitForward(it.get(), visit);
  }
  kv::ReadOptions ro;
  ro.snapshot = snapshot_;
  const Slice upper_slice(upper);
  return store_->engine()->Scan(ro, lower, upper.empty() ? nullptr : &upper_slice, visit);
}

}  // namespace strata::doc
