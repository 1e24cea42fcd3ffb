// Collection: single operations, each in its own autocommit transaction.
#include <set>

#include "aggregate/pipeline.h"
#include "codec/key_codec.h"
#include "codec/path.h"
#include "db/executor.h"
#include "db/operations.h"
#include "doc/keyspace.h"
#include "doc/store.h"
#include "strata/db.h"

namespace strata {

namespace {

using DefPtr = std::shared_ptr<const doc::CollectionDef>;

// Runs fn in an autocommit transaction with the collection's definition as of the commit lock.
Status Autocommit(doc::Store* store, const std::string& name,
                  const std::function<Status(doc::Transaction*, const DefPtr&)>& fn) {
  auto ensured = store->OpenCollection(name);
  if (!ensured.ok()) return ensured.status();
  return store->RunAutocommit([&](doc::Transaction* txn) -> Status {
    DefPtr def = store->catalog().Find(name);
    if (def == nullptr) return Status::NotFound("collection '" + name + "' was dropped");
    return fn(txn, def);
  });
}

// Autocommit for calls that return a value: fn(txn, def) gives a Result<T>; its error, or the
// commit's, is the call's.
template <typename T, typename Fn>
Result<T> AutocommitResult(doc::Store* store, const std::string& name, Fn&& fn) {
  Result<T> r = Status::OK();
  Status s = Autocommit(store, name, [&](doc::Transaction* txn, const DefPtr& def) {
    r = fn(txn, def);
    return r.status();
  });
  if (!s.ok()) return s;
  return r;
}

class CursorSource final : public aggregate::DocumentSource {
 public:
  explicit CursorSource(std::unique_ptr<Cursor> cursor) : cursor_(std::move(cursor)) {}
  Result<bool> Next(Value* doc) override { return cursor_->Next(doc); }

 private:
  std::unique_ptr<Cursor> cursor_;
};

// The top-level fields a pipeline reads, when that is knowable: every stage up to the first
// that builds new documents ($group, $count, or an inclusion $project without $$ROOT) is walked
// for field paths ("$a.b", $match keys, $sort keys, $unwind paths, $lookup local fields).
// nullopt means the whole document is needed.
class FieldCollector {
 public:
  std::optional<std::vector<std::string>> Run(const Value& pipeline) {
    if (!pipeline.is_array()) return std::nullopt;
    for (const Value& stage : pipeline.as_array()) {
      if (!stage.is_object() || stage.as_object().size() != 1) return std::nullopt;
      const auto& [name, spec] = stage.as_object()[0];
      if (name == "$match") {
        Keys(spec);
      } else if (name == "$sort") {
        if (!spec.is_object()) return std::nullopt;
        for (const auto& [k, v] : spec.as_object()) Add(k);
      } else if (name == "$unwind") {
        Paths(spec);
      } else if (name == "$lookup") {
        if (const Value* local = spec.is_object() ? spec.Find("localField") : nullptr) {
          if (local->is_string()) Add(local->as_string());
        }
        return std::nullopt;  // its output keeps the whole input document
      } else if (name == "$limit" || name == "$skip") {
      } else if (name == "$group" || name == "$count") {
        Paths(spec);
        return Finish();
      } else if (name == "$project" && IsInclusion(spec)) {
        Paths(spec);
        if (spec.is_object()) {
          for (const auto& [k, v] : spec.as_object()) Add(k);
        }
        return Finish();
      } else {
        return std::nullopt;  // $addFields, exclusion $project...: the rest passes through
      }
    }
    return std::nullopt;
  }

 private:
  std::optional<std::vector<std::string>> Finish() {
    if (whole_) return std::nullopt;
    return std::vector<std::string>(fields_.begin(), fields_.end());
  }
  void Add(std::string_view path) { fields_.insert(std::string(path.substr(0, path.find('.')))); }
  // Every "$field.path" string inside a value; $$ROOT/$$CURRENT need everything.
  void Paths(const Value& v) {
    if (v.is_string()) {
      const std::string& s = v.as_string();
      if (s.rfind("$$", 0) == 0) {
        if (s.rfind("$$ROOT", 0) == 0 || s.rfind("$$CURRENT", 0) == 0) whole_ = true;
      } else if (!s.empty() && s[0] == '$') {
        Add(std::string_view(s).substr(1));
      }
    } else if (v.is_array()) {
      for (const Value& e : v.as_array()) Paths(e);
    } else if (v.is_object()) {
      for (const auto& [k, e] : v.as_object()) {
        if (k == "$literal") continue;
        Paths(e);
      }
    }
  }
  // Field names in a filter (its keys outside operators), and paths inside $expr.
  void Keys(const Value& filter) {
    if (!filter.is_object()) {
      whole_ = true;
      return;
    }
    for (const auto& [k, v] : filter.as_object()) {
      if (k == "$and" || k == "$or" || k == "$nor") {
        if (v.is_array()) {
          for (const Value& sub : v.as_array()) Keys(sub);
        }
      } else if (k == "$expr") {
        Paths(v);
      } else if (!k.empty() && k[0] == '$') {
        whole_ = true;  // an operator this walk does not know
      } else {
        Add(k);
      }
    }
  }
  static bool IsInclusion(const Value& spec) {
    if (!spec.is_object()) return false;
    for (const auto& [k, v] : spec.as_object()) {
      if (k == "_id") continue;
      if ((v.is_int() && v.as_int() == 0) || (v.is_bool() && !v.as_bool())) return false;
    }
    return true;
  }

  std::set<std::string> fields_;
  bool whole_ = false;
};

}  // namespace

Result<Value> Collection::InsertOne(Value doc) {
  return AutocommitResult<Value>(db_->store_.get(), name_,
                                 [&](doc::Transaction* txn, const DefPtr& def) {
                                   return db_->store_->Insert(txn, *def, std::move(doc));
                                 });
}

Result<std::vector<Value>> Collection::InsertMany(std::vector<Value> docs) {
  std::vector<Value> ids;
  ids.reserve(docs.size());
  Status s = Autocommit(db_->store_.get(), name_, [&](doc::Transaction* txn, const DefPtr& def) {
    for (size_t i = 0; i < docs.size(); ++i) {
      auto id = db_->store_->Insert(txn, *def, std::move(docs[i]));
      if (!id.ok()) {
        return Status(id.status().code(),
                      "document " + std::to_string(i) + ": " + id.status().message());
      }
      ids.push_back(std::move(*id));
    }
    return Status::OK();
  });
  if (!s.ok()) return s;
  return ids;
}

Result<Value> Collection::Get(const Value& id) {
  auto def = db::ReadableCollection(db_->store_.get(), name_);
  auto view = db_->store_->BeginRead(/*snapshot=*/false);
  return db_->store_->Get(view.get(), *def, id);
}

Status Collection::GetEncoded(const Value& id, std::string* out) {
  auto def = db::ReadableCollection(db_->store_.get(), name_);
  auto view = db_->store_->BeginRead(/*snapshot=*/false);
  return db_->store_->GetEncoded(view.get(), *def, id, out);
}

Result<std::unique_ptr<Cursor>> Collection::Find(const Value& filter, const FindOptions& options) {
  auto def = db::ReadableCollection(db_->store_.get(), name_);
  auto spec = db::MakeQuerySpec(filter, options);
  if (!spec.ok()) return spec.status();
  spec->memory_limit = db_->options_.aggregation_memory_limit;
  auto view = db_->store_->BeginRead();
  return std::unique_ptr<Cursor>(std::make_unique<db::QueryCursor>(
      db_->store_.get(), def, nullptr, std::move(view), std::move(*spec)));
}

Result<std::optional<Value>> Collection::FindOne(const Value& filter, const FindOptions& options) {
  FindOptions one = options;
  one.limit = 1;
  auto cursor = Find(filter, one);
  if (!cursor.ok()) return cursor.status();
  Value doc;
  auto more = (*cursor)->Next(&doc);
  if (!more.ok()) return more.status();
  if (!*more) return std::optional<Value>();
  return std::optional<Value>(std::move(doc));
}

Result<Explain> Collection::ExplainFind(const Value& filter, const FindOptions& options) {
  auto cursor = Find(filter, options);
  if (!cursor.ok()) return cursor.status();
  Value doc;
  while (true) {
    auto more = (*cursor)->Next(&doc);
    if (!more.ok()) return more.status();
    if (!*more) break;
  }
  return (*cursor)->stats();
}

Result<uint64_t> Collection::Count(const Value& filter) {
  bool everything = filter.is_null() || (filter.is_object() && filter.as_object().empty());
  if (everything) {
    // Counting keys needs no document decoding.
    auto def = db::ReadableCollection(db_->store_.get(), name_);
    auto view = db_->store_->BeginRead();
    std::string prefix = doc::RecordPrefix(def->info.prefix);
    auto it = view->NewIterator(prefix, codec::PrefixSuccessor(prefix));
    uint64_t n = 0;
    for (it->SeekToFirst(); it->Valid(); it->Next()) ++n;
    STRATA_RETURN_IF_ERROR(it->status());
    return n;
  }
  auto cursor = Find(filter);
  if (!cursor.ok()) return cursor.status();
  uint64_t n = 0;
  Value doc;
  while (true) {
    auto more = (*cursor)->Next(&doc);
    if (!more.ok()) return more.status();
    if (!*more) return n;
    ++n;
  }
}

Result<std::vector<Value>> Collection::Distinct(std::string_view path, const Value& filter) {
  if (path.empty()) return Status::InvalidArgument("distinct needs a field path");
  auto cursor = Find(filter);
  if (!cursor.ok()) return cursor.status();
  auto less = [](const Value& a, const Value& b) { return CompareValues(a, b) < 0; };
  std::set<Value, decltype(less)> values(less);
  Value doc;
  std::vector<const Value*> found;
  while (true) {
    auto more = (*cursor)->Next(&doc);
    if (!more.ok()) return more.status();
    if (!*more) break;
    found.clear();
    codec::CollectPathValues(doc, path, &found);
    for (const Value* v : found) {
      if (v->is_array()) {
        for (const Value& e : v->as_array()) values.insert(e);
      } else {
        values.insert(*v);
      }
    }
  }
  return std::vector<Value>(values.begin(), values.end());
}

Result<UpdateResult> Collection::UpdateOne(const Value& filter, const Value& update, bool upsert) {
  return AutocommitResult<UpdateResult>(
      db_->store_.get(), name_, [&](doc::Transaction* txn, const DefPtr& def) {
        return db::UpdateIn(db_->store_.get(), txn, def, filter, update, false, upsert, false);
      });
}

Result<UpdateResult> Collection::UpdateMany(const Value& filter, const Value& update, bool upsert) {
  return AutocommitResult<UpdateResult>(
      db_->store_.get(), name_, [&](doc::Transaction* txn, const DefPtr& def) {
        return db::UpdateIn(db_->store_.get(), txn, def, filter, update, true, upsert, false);
      });
}

Result<UpdateResult> Collection::ReplaceOne(const Value& filter, Value replacement, bool upsert) {
  return AutocommitResult<UpdateResult>(
      db_->store_.get(), name_, [&](doc::Transaction* txn, const DefPtr& def) {
        return db::UpdateIn(db_->store_.get(), txn, def, filter, replacement, false, upsert, true);
      });
}

Result<uint64_t> Collection::DeleteOne(const Value& filter) {
  return AutocommitResult<uint64_t>(
      db_->store_.get(), name_, [&](doc::Transaction* txn, const DefPtr& def) {
        return db::DeleteIn(db_->store_.get(), txn, def, filter, false);
      });
}

Result<uint64_t> Collection::DeleteMany(const Value& filter) {
  return AutocommitResult<uint64_t>(
      db_->store_.get(), name_, [&](doc::Transaction* txn, const DefPtr& def) {
        return db::DeleteIn(db_->store_.get(), txn, def, filter, true);
      });
}

Result<std::vector<Value>> Collection::Aggregate(const Value& pipeline_spec) {
  auto pipeline = aggregate::Pipeline::Parse(pipeline_spec);
  if (!pipeline.ok()) return pipeline.status();
  // Leading $match stages choose the scan (and an index); the pipeline still applies them.
  Value filter = Value(Object{});
  Array conjuncts;
  for (const Value& stage : pipeline_spec.as_array()) {
    if (!stage.is_object() || stage.as_object().size() != 1 ||
        stage.as_object()[0].first != "$match") {
      break;
    }
    conjuncts.push_back(stage.as_object()[0].second);
  }
  if (conjuncts.size() == 1) filter = conjuncts[0];
  if (conjuncts.size() > 1) filter = Value::MakeObject({{"$and", Value(std::move(conjuncts))}});
  auto def = db::ReadableCollection(db_->store_.get(), name_);
  auto spec = db::MakeQuerySpec(filter, FindOptions());
  if (!spec.ok()) return spec.status();
  if (auto fields = FieldCollector().Run(pipeline_spec)) {
    spec->fields = std::move(*fields);
    if (spec->fields.empty()) spec->fields.push_back("_id");
  }
  std::unique_ptr<Cursor> cursor = std::make_unique<db::QueryCursor>(
      db_->store_.get(), def, nullptr, db_->store_->BeginRead(), std::move(*spec));
  aggregate::PipelineOptions options;
  options.memory_limit_bytes = db_->options_.aggregation_memory_limit;
  options.now_millis = db_->store_->Now();
  options.lookup = [this](std::string_view from, std::string_view foreign_field,
                          const std::vector<Value>& values) -> Result<std::vector<Value>> {
    Value in = Value::MakeObject({{"$in", Value(Array(values.begin(), values.end()))}});
    Value f = Value::MakeObject({{std::string(foreign_field), std::move(in)}});
    auto c = db_->collection(from).Find(f);
    if (!c.ok()) return c.status();
    return (*c)->ToVector();
  };
  auto out = pipeline->Execute(std::make_unique<CursorSource>(std::move(cursor)), options);
  if (!out.ok()) return out.status();
  std::vector<Value> results;
  Value doc;
  while (true) {
    auto more = (*out)->Next(&doc);
    if (!more.ok()) return more.status();
    if (!*more) return results;
    results.push_back(std::move(doc));
  }
}

Status Collection::CreateIndex(const std::vector<std::pair<std::string, int>>& fields,
                               const IndexOptions& options) {
  return db_->store_->CreateIndex(name_, fields, options);
}

Status Collection::DropIndex(std::string_view name) { return db_->store_->DropIndex(name_, name); }

Result<std::vector<IndexInfo>> Collection::ListIndexes() {
  return db_->store_->ListIndexes(*db::ReadableCollection(db_->store_.get(), name_));
}

}  // namespace strata
