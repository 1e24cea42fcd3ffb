// Typed tables: everything that does not depend on the model type (include/strata/table.h).
// Key layout: 0x05 <name element> then 'r' <pk> (records), 'i' <ordinal> <element> <pk> (index
// entries), 's' (schema). See docs/TYPED_TABLES.md.
#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <functional>
#include <map>
#include <unordered_map>
#include <utility>

#include "codec/key_codec.h"
#include "strata/table.h"
#include "strata/value.h"
#include "strata/write_batch.h"

namespace strata::table_internal {

namespace {

constexpr char kTableSpace = 0x05;  // src/doc/keyspace.h
constexpr char kRecordTag = 'r';
constexpr char kIndexTag = 'i';
constexpr char kSchemaTag = 's';
// Index rebuilds write in batches of this many operations.
constexpr uint32_t kRebuildBatch = 1000;

// Every live core by (engine, table name), so that all handles of a table share lock stripes.
struct Registry {
  std::mutex mu;
  std::map<std::pair<kv::Engine*, std::string>, std::weak_ptr<TableCore>> cores;
};
Registry& GetRegistry() {
  static Registry* registry = new Registry;  // never destroyed: cores may outlive statics
  return *registry;
}

void AppendReadable(const Value& v, std::string* out) {
  char buf[32];
  switch (v.type()) {
    case ValueType::kInt:
      out->append(std::to_string(v.as_int()));
      return;
    case ValueType::kDouble:
      std::snprintf(buf, sizeof(buf), "%.17g", v.as_double());
      out->append(buf);
      return;
    case ValueType::kBool:
      out->append(v.as_bool() ? "true" : "false");
      return;
    case ValueType::kString:
      out->push_back('"');
      for (char c : v.as_string()) {
        if (static_cast<unsigned char>(c) < 0x20 || c == '"' || c == '\\') {
          std::snprintf(buf, sizeof(buf), "\\x%02x", static_cast<unsigned char>(c));
          out->append(buf);
        } else {
          out->push_back(c);
        }
      }
      out->push_back('"');
      return;
    case ValueType::kBinary:
      out->append("0x");
      for (unsigned char c : v.as_binary()) {
        std::snprintf(buf, sizeof(buf), "%02x", c);
        out->append(buf);
      }
      return;
    default:
      out->append(ValueTypeName(v.type()));
      return;
  }
}

// A primary key tuple for messages: (1, "a"); hex if it does not decode.
std::string DescribeKey(Slice pk) {
  std::vector<Value> values;
  std::string out = "(";
  if (!codec::DecodeKey(pk, &values).ok()) {
    char buf[4];
    out = "0x";
    for (unsigned char c : pk.view()) {
      std::snprintf(buf, sizeof(buf), "%02x", c);
      out.append(buf);
    }
    return out;
  }
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out.append(", ");
    AppendReadable(values[i], &out);
  }
  return out + ")";
}

// Visits the entries with keys in [lower, upper), in either direction, up to options.limit.
template <typename Fn>
Status WalkRange(kv::Engine* engine, kv::ReadOptions ro, const std::string& lower,
                 const std::string& upper, const ScanOptions& options, const Fn& fn) {
  if (options.limit == 0 || !(Slice(lower) < Slice(upper))) return Status::OK();
  ro.lower_bound = lower;
  ro.upper_bound = upper;
  std::unique_ptr<Iterator> it = engine->NewIterator(ro);
  size_t n = 0;
  if (!options.reverse) {
    for (it->Seek(lower); it->Valid() && it->key() < Slice(upper); it->Next()) {
      if (fn(it->key(), it->value()) == Visit::kStop || ++n == options.limit) break;
    }
  } else {
    it->Seek(upper);
    if (it->Valid()) {
      it->Prev();
    } else {
      it->SeekToLast();
    }
    while (it->Valid() && !(it->key() < Slice(upper))) it->Prev();
    for (; it->Valid() && !(it->key() < Slice(lower)); it->Prev()) {
      if (fn(it->key(), it->value()) == Visit::kStop || ++n == options.limit) break;
    }
  }
  return it->status();
}

bool Contains(const std::vector<std::string>& keys, const std::string& key) {
  return std::find(keys.begin(), keys.end(), key) != keys.end();
}

// Adds to `batch` what turns the index entries `old_keys` into `new_keys`.
void DiffIndex(const std::vector<std::string>& old_keys, const std::vector<std::string>& new_keys,
               WriteBatch* batch) {
  for (const std::string& k : old_keys) {
    if (!Contains(new_keys, k)) batch->Delete(k);
  }
  for (const std::string& k : new_keys) {
    if (!Contains(old_keys, k)) batch->Put(k, Slice());
  }
}

}  // namespace

Result<std::shared_ptr<TableCore>> TableCore::Open(kv::Engine* engine, std::string_view name,
                                                   std::string schema, int secondary_count,
                                                   IndexKeysFn index_keys,
                                                   const kv::WriteOptions& write_options) {
  if (engine == nullptr) return Status::InvalidArgument("table: no engine");
  if (name.empty()) return Status::InvalidArgument("table: empty table name");
  Registry& registry = GetRegistry();
  std::lock_guard<std::mutex> lock(registry.mu);
  auto key = std::make_pair(engine, std::string(name));
  if (auto it = registry.cores.find(key); it != registry.cores.end()) {
    if (std::shared_ptr<TableCore> core = it->second.lock()) {
      if (core->schema_ != schema) {
        return Status::InvalidArgument("table " + std::string(name) +
                                       ": already open with another model (" + core->schema_ +
                                       ", not " + schema + ")");
      }
      return core;
    }
  }
  std::shared_ptr<TableCore> core(new TableCore());
  core->engine_ = engine;
  core->name_ = std::string(name);
  core->table_prefix_.push_back(kTableSpace);
  codec::AppendKeyString(&core->table_prefix_, name);
  core->record_prefix_ = core->table_prefix_ + kRecordTag;
  for (int i = 0; i < secondary_count; ++i) {
    core->index_prefixes_.push_back(core->table_prefix_ + kIndexTag + static_cast<char>(i));
  }
  core->index_keys_ = index_keys;
  core->write_options_ = write_options;
  core->stripes_ = std::make_unique<std::mutex[]>(kStripes);
  STRATA_RETURN_IF_ERROR(core->CheckSchema(schema));
  core->schema_ = std::move(schema);
  registry.cores[key] = core;
  return core;
}

TableCore::~TableCore() = default;

Status TableCore::CheckSchema(const std::string& schema) {
  const std::string key = table_prefix_ + kSchemaTag;
  std::string stored;
  Status s = engine_->Get(kv::ReadOptions(), key, &stored);
  if (s.IsNotFound()) return Named(engine_->Put(write_options_, key, schema));
  if (!s.ok()) return Named(s);
  if (stored == schema) return Status::OK();
  // Fields and primary key fix the stored bytes; secondary keys can be rebuilt from records.
  auto layout = [](const std::string& text) { return text.substr(0, text.find(";secondary=")); };
  if (layout(stored) != layout(schema)) {
    return Status::InvalidArgument("table " + name_ + ": stored schema \"" + stored +
                                   "\" does not match the model's \"" + schema +
                                   "\" (changed fields or primary key need a migration)");
  }
  STRATA_RETURN_IF_ERROR(RebuildIndexes());
  return Named(engine_->Put(write_options_, key, schema));
}

// Drops every index entry, then writes those of every record, from one snapshot. A crash midway
// leaves the old schema stored, so the next Open starts the rebuild again.
Status TableCore::RebuildIndexes() {
  kv::ReadOptions ro;
  ro.snapshot = engine_->GetSnapshot();
  WriteBatch batch;
  auto flush = [&](bool force) -> Status {
    if (batch.Count() == 0 || (!force && batch.Count() < kRebuildBatch)) return Status::OK();
    Status s = engine_->Write(write_options_, batch);
    batch.Clear();
    return s;
  };
  const std::string index_space = table_prefix_ + kIndexTag;
  Status error;
  STRATA_RETURN_IF_ERROR(WalkRange(engine_, ro, index_space, codec::PrefixSuccessor(index_space),
                                   {}, [&](Slice key, Slice) {
                                     batch.Delete(key);
                                     error = flush(false);
                                     return error.ok() ? Visit::kContinue : Visit::kStop;
                                   }));
  STRATA_RETURN_IF_ERROR(error);
  std::vector<std::string> keys;
  STRATA_RETURN_IF_ERROR(WalkRange(engine_, ro, record_prefix_,
                                   codec::PrefixSuccessor(record_prefix_), {},
                                   [&](Slice, Slice value) {
                                     keys.clear();
                                     error = index_keys_(*this, value, &keys);
                                     for (const std::string& k : keys) batch.Put(k, Slice());
                                     if (error.ok()) error = flush(false);
                                     return error.ok() ? Visit::kContinue : Visit::kStop;
                                   }));
  STRATA_RETURN_IF_ERROR(error);
  return Named(flush(true).WithContext("rebuilding indexes"));
}

std::mutex& TableCore::StripeFor(Slice record_key) {
  return stripes_[std::hash<std::string_view>()(record_key.view()) % kStripes];
}

Status TableCore::OldIndexKeys(const kv::ReadOptions& ro, const std::string& record_key,
                               std::vector<std::string>* keys, bool* found) {
  std::string old;
  Status s = engine_->Get(ro, record_key, &old);
  *found = s.ok();
  if (s.IsNotFound()) return Status::OK();
  if (!s.ok()) return Named(s);
  if (index_prefixes_.empty()) return Status::OK();
  return index_keys_(*this, old, keys);
}

Status TableCore::Put(const Row& row) {
  if (index_prefixes_.empty()) return Named(engine_->Put(write_options_, row.key, row.value));
  // Read-modify-write of one key: the stripe keeps a concurrent put of the same key from
  // leaving the other's index entries behind.
  std::lock_guard<std::mutex> lock(StripeFor(row.key));
  std::vector<std::string> old_keys;
  bool found;
  STRATA_RETURN_IF_ERROR(OldIndexKeys(kv::ReadOptions(), row.key, &old_keys, &found));
  WriteBatch batch;
  batch.Put(row.key, row.value);
  DiffIndex(old_keys, row.index_keys, &batch);
  return Named(engine_->Write(write_options_, batch));
}

Status TableCore::PutMany(const std::vector<Row>& rows) {
  WriteBatch batch;
  if (index_prefixes_.empty()) {
    for (const Row& row : rows) batch.Put(row.key, row.value);
    return rows.empty() ? Status::OK() : Named(engine_->Write(write_options_, batch));
  }
  // Lock every stripe involved, in address order so that two batches cannot deadlock.
  std::vector<std::mutex*> stripes;
  for (const Row& row : rows) stripes.push_back(&StripeFor(row.key));
  std::sort(stripes.begin(), stripes.end());
  stripes.erase(std::unique(stripes.begin(), stripes.end()), stripes.end());
  std::vector<std::unique_lock<std::mutex>> locks;
  for (std::mutex* m : stripes) locks.emplace_back(*m);
  // The index entries of keys written earlier in this batch.
  std::unordered_map<std::string_view, const std::vector<std::string>*> pending;
  std::vector<std::string> old_keys;
  for (const Row& row : rows) {
    old_keys.clear();
    if (auto it = pending.find(row.key); it != pending.end()) {
      old_keys = *it->second;
    } else {
      bool found;
      STRATA_RETURN_IF_ERROR(OldIndexKeys(kv::ReadOptions(), row.key, &old_keys, &found));
    }
    batch.Put(row.key, row.value);
    DiffIndex(old_keys, row.index_keys, &batch);
    pending[row.key] = &row.index_keys;
  }
  return rows.empty() ? Status::OK() : Named(engine_->Write(write_options_, batch));
}

Status TableCore::Get(const std::string& record_key, std::string* value) const {
  Status s = engine_->Get(kv::ReadOptions(), record_key, value);
  if (s.IsNotFound()) return NoSuchKey(Slice(record_key).view().substr(record_prefix_.size()));
  return Named(s);
}

Status TableCore::Remove(const std::string& record_key) {
  std::unique_lock<std::mutex> lock;
  if (!index_prefixes_.empty()) lock = std::unique_lock<std::mutex>(StripeFor(record_key));
  std::vector<std::string> old_keys;
  bool found;
  STRATA_RETURN_IF_ERROR(OldIndexKeys(kv::ReadOptions(), record_key, &old_keys, &found));
  if (!found) return NoSuchKey(Slice(record_key).view().substr(record_prefix_.size()));
  WriteBatch batch;
  batch.Delete(record_key);
  for (const std::string& k : old_keys) batch.Delete(k);
  return Named(engine_->Write(write_options_, batch));
}

Status TableCore::Scan(const std::string* lo, const std::string* hi, const ScanOptions& options,
                       const RowVisitor& visit) const {
  const size_t prefix = record_prefix_.size();
  std::string lower = record_prefix_ + (lo ? *lo : std::string());
  std::string upper = hi ? record_prefix_ + *hi : codec::PrefixSuccessor(record_prefix_);
  return Named(
      WalkRange(engine_, kv::ReadOptions(), lower, upper, options, [&](Slice key, Slice value) {
        key.remove_prefix(prefix);
        return visit(key, value);
      }));
}

Status TableCore::Lookup(int ordinal, const std::string& lo, const std::string* hi, bool exact,
                         const ScanOptions& options, const RowVisitor& visit) const {
  const std::string& prefix = index_prefixes_[ordinal];
  kv::ReadOptions ro;
  ro.snapshot = engine_->GetSnapshot();  // the index and the records as of one moment
  std::string upper = hi ? prefix + *hi : codec::PrefixSuccessor(prefix);
  std::string record_key = record_prefix_, value;
  Status error;
  Status s = WalkRange(engine_, ro, prefix + lo, upper, options, [&](Slice key, Slice) {
    key.remove_prefix(prefix.size());
    if (exact) {
      key.remove_prefix(lo.size());
    } else {
      Value element;
      error = codec::DecodeKeyElement(&key, &element);
      if (!error.ok()) return Visit::kStop;
    }
    record_key.resize(record_prefix_.size());
    record_key.append(key.data(), key.size());
    error = engine_->Get(ro, record_key, &value);
    if (error.IsNotFound()) {
      error = Status::Corruption("index " + std::to_string(ordinal) + " entry for " +
                                 DescribeKey(key) + " has no record");
    }
    if (!error.ok()) return Visit::kStop;
    return visit(key, value);
  });
  return Named(s.ok() ? error : s);
}

Result<uint64_t> TableCore::Count() const {
  uint64_t n = 0;
  Status s = WalkRange(engine_, kv::ReadOptions(), record_prefix_,
                       codec::PrefixSuccessor(record_prefix_), {}, [&n](Slice, Slice) {
                         ++n;
                         return Visit::kContinue;
                       });
  if (!s.ok()) return Named(s);
  return n;
}

Status TableCore::NoSuchKey(Slice pk) const {
  return Status::NotFound("table " + name_ + ": no record with key " + DescribeKey(pk));
}

Status TableCore::Damaged(Slice pk, std::string_view what) const {
  return Status::Corruption("table " + name_ + ": record " +
                            (pk.empty() ? std::string("?") : DescribeKey(pk)) + ": " +
                            std::string(what));
}

}  // namespace strata::table_internal
