#include "db/executor.h"

#include <algorithm>
#include <queue>

#include "base/coding.h"
#include "codec/document.h"
#include "codec/key_codec.h"
#include "doc/index_maintainer.h"
#include "doc/keyspace.h"

namespace strata::db {

namespace {

bool FromHex(std::string_view s, std::string* out) {
  if (s.size() % 2 != 0) return false;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  for (size_t i = 0; i < s.size(); i += 2) {
    int hi = nibble(s[i]), lo = nibble(s[i + 1]);
    if (hi < 0 || lo < 0) return false;
    out->push_back(static_cast<char>(hi * 16 + lo));
  }
  return true;
}

// Whether a scalar field value satisfies a planner predicate (MongoDB semantics, with type
// bracketing for ranges). Undecidable cases (NaN) say yes; the full filter decides later.
bool Satisfies(const Value& v, const query::PathPredicate& p) {
  using Op = query::PathPredicate::Op;
  auto is_nan = [](const Value& x) { return x.is_double() && x.as_double() != x.as_double(); };
  if (is_nan(v)) return true;
  for (const Value& operand : p.operands) {
    if (is_nan(operand)) return true;
  }
  switch (p.op) {
    case Op::kEq:
    case Op::kIn:
      for (const Value& operand : p.operands) {
        if (CompareValues(v, operand) == 0) return true;
      }
      return false;
    default: {
      const Value& operand = p.operands[0];
      if (TypeOrder(v.type()) != TypeOrder(operand.type())) return false;
      int c = CompareValues(v, operand);
      if (p.op == Op::kGt) return c > 0;
      if (p.op == Op::kGte) return c >= 0;
      if (p.op == Op::kLt) return c < 0;
      return c <= 0;
    }
  }
}

}  // namespace

Result<QuerySpec> MakeQuerySpec(const Value& filter, const FindOptions& options) {
  QuerySpec spec;
  if (!filter.is_null()) {
    if (!filter.is_object()) return Status::InvalidArgument("a filter must be an object");
    auto f = query::Filter::Parse(filter);
    if (!f.ok()) return f.status();
    spec.filter = std::move(*f);
  }
  if (!options.sort.is_null() && !(options.sort.is_object() && options.sort.as_object().empty())) {
    auto s = query::SortSpec::Parse(options.sort);
    if (!s.ok()) return s.status();
    spec.sort = std::move(*s);
  }
  if (!options.projection.is_null()) {
    auto p = query::Projection::Parse(options.projection);
    if (!p.ok()) return p.status();
    spec.projection = std::move(*p);
  }
  if (options.skip < 0) return Status::InvalidArgument("skip must not be negative");
  if (options.limit < 0) return Status::InvalidArgument("limit must not be negative");
  spec.skip = options.skip;
  spec.limit = options.limit;
  spec.resume_token = options.resume_token;
  return spec;
}

QueryCursor::QueryCursor(doc::Store* store, std::shared_ptr<const doc::CollectionDef> def,
                         doc::Transaction* txn, std::unique_ptr<doc::Transaction> owned,
                         QuerySpec spec)
    : store_(store),
      def_(std::move(def)),
      txn_(txn),
      owned_(std::move(owned)),
      spec_(std::move(spec)) {
  if (owned_) txn_ = owned_.get();
  plan_ = ChoosePlan(*def_, spec_.filter, spec_.sort, /*describe=*/false);
  explain_.sort_from_index = plan_.sort_satisfied && !spec_.sort.empty();
  // Only scans benefit: documents an index or an _id lookup fetched mostly match already.
  for (const query::PathPredicate& p : spec_.filter.predicates()) {
    if (plan_.kind != Plan::Kind::kCollectionScan) break;
    bool usable = p.path.find('.') == std::string::npos && !p.operands.empty();
    for (const Value& operand : p.operands) {
      if (operand.is_null() || operand.is_array() || operand.is_object()) usable = false;
    }
    if (usable) prefilter_.push_back(&p);
  }
}

const Explain& QueryCursor::stats() const {
  if (!described_) {
    explain_.plan = plan_.Describe();
    explain_.index = plan_.kind == Plan::Kind::kIndexScan ? plan_.index->info.name : "";
    explain_.bounds = ChoosePlan(*def_, spec_.filter, spec_.sort, /*describe=*/true).bounds;
    described_ = true;
  }
  return explain_;
}

Status QueryCursor::Materialize(Slice bytes, Value* doc, bool* skip) {
  *skip = false;
  if (prefilter_.empty() && spec_.fields.empty()) {
    Status s = codec::DecodeDocument(bytes, doc);
    return s.ok() ? s : s.WithContext("collection '" + def_->info.name + "'");
  }
  auto view = codec::DocView::Open(bytes);
  if (!view.ok()) return view.status().WithContext("collection '" + def_->info.name + "'");
  for (const query::PathPredicate* p : prefilter_) {
    std::optional<Value> v = view->Get(p->path);
    if (!v) {
      *skip = true;  // a missing field equals no non-null operand and is in no range
      return Status::OK();
    }
    if (v->is_array()) continue;  // any element may match: the full filter decides
    if (!Satisfies(*v, *p)) {
      *skip = true;
      return Status::OK();
    }
  }
  if (spec_.fields.empty()) return codec::DecodeDocument(bytes, doc);
  Object fields;
  if (std::optional<Value> id = view->Get("_id")) fields.emplace_back("_id", std::move(*id));
  for (const std::string& name : spec_.fields) {
    if (name == "_id") continue;
    if (std::optional<Value> v = view->Get(name)) fields.emplace_back(name, std::move(*v));
  }
  *doc = Value(std::move(fields));
  return Status::OK();
}

Status QueryCursor::ApplyResume() {
  if (spec_.resume_token.empty()) return Status::OK();
  std::string_view token = spec_.resume_token;
  std::string position;
  if (!token.starts_with("r1.") || !FromHex(token.substr(3), &position)) {
    return Status::InvalidArgument("malformed resume token");
  }
  if (!plan_.sort_satisfied) {
    return Status::InvalidArgument("this query sorts in memory and cannot be resumed");
  }
  // Keep only what lies after the position in the walk's direction.
  std::vector<KeyRange> kept;
  for (KeyRange r : plan_.ranges) {
    if (!plan_.reverse) {
      std::string after = position + '\0';
      if (r.upper <= after) continue;
      r.lower = std::max(r.lower, after);
    } else {
      if (r.lower >= position) continue;
      r.upper = std::min(r.upper, position);
    }
    kept.push_back(std::move(r));
  }
  plan_.ranges = std::move(kept);
  skipped_ = spec_.skip;  // the skip was spent by the page that made the token
  return Status::OK();
}

Status QueryCursor::OpenRange() {
  while (range_ < plan_.ranges.size()) {
    const KeyRange& r = plan_.ranges[plan_.reverse ? plan_.ranges.size() - 1 - range_ : range_];
    it_ = txn_->NewIterator(r.lower, r.upper);
    if (plan_.reverse) {
      it_->SeekToLast();
    } else {
      it_->SeekToFirst();
    }
    if (it_->Valid()) return Status::OK();
    STRATA_RETURN_IF_ERROR(it_->status());
    ++range_;
  }
  it_.reset();
  return Status::OK();
}

Status QueryCursor::FillBatch() {
  batch_.clear();
  batch_keys_.clear();
  batch_record_keys_.clear();
  batch_pos_ = 0;
  // A limit on documents in index order needs no more records than what is left of it, when
  // all of them match.
  size_t want = batch_limit_;
  if (spec_.limit > 0 && plan_.sort_satisfied) {
    const int64_t left = spec_.skip + spec_.limit - skipped_ - returned_;
    want = std::clamp<size_t>(static_cast<size_t>(std::max<int64_t>(left, 1)), 1, want);
  }
  batch_limit_ = std::min(kMaxBatch, batch_limit_ * 2);
  uint32_t duplicates = 0;
  auto add = [&](const Slice& key, const Slice& value) -> Status {
    STRATA_RETURN_IF_ERROR(doc::IndexEntryIdElement(*plan_.index, key, value, &id_));
    if (plan_.dedupe && !seen_.insert(id_).second) {
      ++duplicates;
      return Status::OK();
    }
    batch_.push_back(BatchEntry{static_cast<uint32_t>(batch_keys_.size()),
                                static_cast<uint32_t>(key.size()), duplicates});
    batch_keys_.append(key.data(), key.size());
    duplicates = 0;
    std::string& record_key = batch_record_keys_.emplace_back(1, doc::kRecordSpace);
    doc::AppendPrefixId(&record_key, def_->info.prefix);
    record_key += id_;
    return Status::OK();
  };
  while (batch_.size() < want) {
    if (it_) {
      if (!it_->Valid()) {
        STRATA_RETURN_IF_ERROR(it_->status());
        it_.reset();
        ++range_;
        continue;
      }
      STRATA_RETURN_IF_ERROR(add(it_->key(), it_->value()));
      plan_.reverse ? it_->Prev() : it_->Next();
      continue;
    }
    if (range_ >= plan_.ranges.size()) break;
    const KeyRange& r = plan_.ranges[plan_.reverse ? plan_.ranges.size() - 1 - range_ : range_];
    if (plan_.reverse) {
      it_ = txn_->NewIterator(r.lower, r.upper);
      it_->SeekToLast();
      continue;
    }
    if (resume_after_) {  // the range's first batch filled up: an iterator reads on
      it_ = txn_->NewIterator(*resume_after_ + '\0', r.upper);
      it_->SeekToFirst();
      resume_after_.reset();
      continue;
    }
    // A range's first entries are read in place: most equality ranges end within them.
    Status added;
    STRATA_RETURN_IF_ERROR(txn_->Scan(r.lower, r.upper, [&](const Slice& key, const Slice& value) {
      added = add(key, value);
      if (!added.ok()) return false;
      if (batch_.size() < want) return true;
      resume_after_.emplace(key.data(), key.size());  // the batch is full
      return false;
    }));
    STRATA_RETURN_IF_ERROR(added);
    if (!resume_after_) ++range_;
  }
  explain_.keys_examined += duplicates;  // trailing duplicates no fetched entry accounts for
  if (batch_.empty()) return Status::OK();
  batch_records_.resize(batch_.size());
  batch_statuses_.resize(batch_.size());
  txn_->MultiGet({batch_record_keys_.data(), batch_record_keys_.size()},
                 {batch_records_.data(), batch_records_.size()},
                 {batch_statuses_.data(), batch_statuses_.size()});
  return Status::OK();
}

Result<bool> QueryCursor::NextIndexMatch(Value* doc) {
  if (!started_) {
    started_ = true;
    STRATA_RETURN_IF_ERROR(ApplyResume());
  }
  while (true) {
    if (batch_pos_ == batch_.size()) {
      STRATA_RETURN_IF_ERROR(FillBatch());
      if (batch_.empty()) return false;
    }
    const size_t i = batch_pos_++;
    explain_.keys_examined += batch_[i].duplicates_before + 1;
    if (batch_statuses_[i].IsNotFound()) {
      return Status::Corruption("index '" + plan_.index->info.name +
                                "' has an entry for a missing record (run check --repair)");
    }
    STRATA_RETURN_IF_ERROR(batch_statuses_[i]);
    ++explain_.docs_examined;
    bool skip = false;
    STRATA_RETURN_IF_ERROR(Materialize(batch_records_[i], doc, &skip));
    if (!skip && (plan_.exact || spec_.filter.Matches(*doc))) {
      position_.assign(batch_keys_, batch_[i].key_offset, batch_[i].key_size);
      last_record_key_.swap(batch_record_keys_[i]);
      if (spec_.track_reads) txn_->Track(last_record_key_);
      return true;
    }
  }
}

Result<bool> QueryCursor::NextMatch(Value* doc) {
  if (plan_.kind == Plan::Kind::kIndexScan) return NextIndexMatch(doc);
  if (!started_) {
    started_ = true;
    STRATA_RETURN_IF_ERROR(ApplyResume());
    STRATA_RETURN_IF_ERROR(OpenRange());
  } else if (it_) {
    if (plan_.reverse) {
      it_->Prev();
    } else {
      it_->Next();
    }
  }
  while (it_) {
    if (!it_->Valid()) {
      STRATA_RETURN_IF_ERROR(it_->status());
      ++range_;
      STRATA_RETURN_IF_ERROR(OpenRange());
      continue;
    }
    if (plan_.kind == Plan::Kind::kIdLookup) ++explain_.keys_examined;
    ++explain_.docs_examined;
    bool skip = false;
    STRATA_RETURN_IF_ERROR(Materialize(it_->value(), doc, &skip));
    if (!skip && spec_.filter.Matches(*doc)) {
      const Slice key = it_->key();
      position_.assign(key.data(), key.size());
      last_record_key_.assign(key.data(), key.size());
      if (spec_.track_reads) txn_->Track(last_record_key_);
      return true;
    }
    plan_.reverse ? it_->Prev() : it_->Next();
  }
  return false;
}

Status QueryCursor::SortInMemory() {
  // With a limit only the best skip+limit documents are kept (a bounded heap); otherwise all,
  // within the memory limit.
  struct Item {
    Value doc;
    uint64_t seq;
  };
  const query::SortSpec& sort = spec_.sort;
  auto less = [&](const Item& a, const Item& b) {
    int c = sort.Compare(a.doc, b.doc);
    return c != 0 ? c < 0 : a.seq < b.seq;
  };
  size_t keep = spec_.limit > 0 ? static_cast<size_t>(spec_.skip + spec_.limit) : SIZE_MAX;
  std::priority_queue<Item, std::vector<Item>, decltype(less)> heap(less);
  size_t bytes = 0;
  uint64_t seq = 0;
  Value doc;
  while (true) {
    auto more = NextMatch(&doc);
    if (!more.ok()) return more.status();
    if (!*more) break;
    size_t size = ApproximateBytes(doc);
    heap.push(Item{std::move(doc), seq++});
    bytes += size;
    if (heap.size() > keep) {
      bytes -= ApproximateBytes(heap.top().doc);
      heap.pop();
    }
    if (bytes > spec_.memory_limit) {
      return Status::ResourceExhausted("sort in memory passed the limit of " +
                                       std::to_string(spec_.memory_limit) +
                                       " bytes; add an index on the sort fields or a limit");
    }
  }
  sorted_.resize(heap.size());
  for (size_t i = heap.size(); i > 0; --i) {
    sorted_[i - 1] = std::move(const_cast<Item&>(heap.top()).doc);
    heap.pop();
  }
  sorted_ready_ = true;
  return Status::OK();
}

Result<bool> QueryCursor::Next(Value* out) {
  if (spec_.limit > 0 && returned_ >= spec_.limit) return false;
  Value doc;
  while (true) {
    if (!plan_.sort_satisfied) {
      if (!sorted_ready_) STRATA_RETURN_IF_ERROR(SortInMemory());
      if (sorted_pos_ >= sorted_.size()) return false;
      doc = std::move(sorted_[sorted_pos_++]);
    } else {
      auto more = NextMatch(&doc);
      if (!more.ok()) return more.status();
      if (!*more) return false;
    }
    if (skipped_ < spec_.skip) {
      ++skipped_;
      continue;
    }
    break;
  }
  ++returned_;
  ++explain_.returned;
  *out = spec_.projection.empty() ? std::move(doc) : spec_.projection.Apply(doc);
  return true;
}

std::string QueryCursor::ResumeToken() const {
  // A multikey scan may meet a document again after the position, so it cannot resume exactly.
  if (!plan_.sort_satisfied || plan_.dedupe || position_.empty()) return "";
  return "r1." + HexString(position_);
}

}  // namespace strata::db
