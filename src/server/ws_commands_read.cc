// Paged reads of the binary WebSocket protocol: FIND, AGGREGATE, LIST_COLLECTIONS, LIST_INDEXES
// and RANGE_READ as item sources the connection's worker drains page by page.
#include <functional>
#include <utility>

#include "codec/document.h"
#include "server/service.h"
#include "server/ws_commands.h"

namespace strata::server::ws {
namespace {

class CursorSource : public ItemSource {
 public:
  explicit CursorSource(std::unique_ptr<Cursor> cursor) : cursor_(std::move(cursor)) {}
  Result<bool> Next(std::string* out) override {
    auto more = cursor_->Next(&doc_);
    if (!more.ok() || !*more) return more;
    STRATA_RETURN_IF_ERROR(codec::EncodeDocument(doc_, out));
    return true;
  }

 private:
  std::unique_ptr<Cursor> cursor_;
  Value doc_;
};

// Items computed in full, either up front or (for AGGREGATE) by the worker on the first Next.
class VectorSource : public ItemSource {
 public:
  explicit VectorSource(std::vector<Value> items) : items_(std::move(items)), ready_(true) {}
  explicit VectorSource(std::function<Result<std::vector<Value>>()> compute)
      : compute_(std::move(compute)) {}
  Result<bool> Next(std::string* out) override {
    if (!ready_) {
      auto items = compute_();
      if (!items.ok()) return items.status();
      items_ = std::move(*items);
      ready_ = true;
    }
    if (next_ == items_.size()) return false;
    STRATA_RETURN_IF_ERROR(codec::EncodeDocument(items_[next_], out));
    items_[next_++] = Value();  // free as we go
    return true;
  }

 private:
  std::function<Result<std::vector<Value>>()> compute_;
  std::vector<Value> items_;
  bool ready_ = false;
  size_t next_ = 0;
};

// Raw engine entries in [start, end) of one snapshot, as {k: binary, v: binary}. The API keys'
// hashes (0x01 'a' ...) are never sent.
class RangeSource : public ItemSource {
 public:
  RangeSource(std::unique_ptr<Iterator> it, std::string start, int64_t limit)
      : it_(std::move(it)), start_(std::move(start)), limit_(limit) {}
  Result<bool> Next(std::string* out) override {
    if (!started_) {
      it_->Seek(start_);
      started_ = true;
    } else {
      it_->Next();
    }
    while (it_->Valid() && IsKeySpace(it_->key())) it_->Next();
    if (!it_->Valid()) {
      STRATA_RETURN_IF_ERROR(it_->status());
      return false;
    }
    if (limit_ > 0 && returned_ == limit_) return false;
    ++returned_;
    Value item = Value::MakeObject({{"k", Value::Binary(it_->key().ToString())},
                                    {"v", Value::Binary(it_->value().ToString())}});
    STRATA_RETURN_IF_ERROR(codec::EncodeDocument(item, out));
    return true;
  }

 private:
  static bool IsKeySpace(Slice key) {
    return key.size() >= 2 && key.data()[0] == 0x01 && key.data()[1] == 'a';
  }
  std::unique_ptr<Iterator> it_;
  std::string start_;
  int64_t limit_;
  int64_t returned_ = 0;
  bool started_ = false;
};

Value CollectionInfoValue(const CollectionInfo& info) {
  Array schema;
  for (const FieldSchema& f : info.options.schema) {
    Value e = Value::MakeObject({{"path", f.path}});
    if (f.type) e.Set("type", Value(ValueTypeName(*f.type)));
    e.Set("required", f.required);
    schema.push_back(std::move(e));
  }
  std::string_view strategy = "generated";
  if (info.options.id_strategy == IdStrategy::kAutoIncrement) strategy = "autoincrement";
  if (info.options.id_strategy == IdStrategy::kUser) strategy = "user";
  return Value::MakeObject({{"name", info.name},
                            {"id_strategy", Value(strategy)},
                            {"timestamps", info.options.timestamps},
                            {"schema", Value(std::move(schema))}});
}

Value IndexInfoValue(const IndexInfo& info) {
  Object fields;
  for (const auto& [path, dir] : info.fields) fields.emplace_back(path, Value(dir));
  return Value::MakeObject({{"name", info.name},
                            {"fields", Value(std::move(fields))},
                            {"unique", info.unique},
                            {"sparse", info.sparse},
                            {"multikey", info.multikey},
                            {"kind", info.kind},
                            {"state", info.state},
                            {"build_done", static_cast<int64_t>(info.build_done)},
                            {"build_total", static_cast<int64_t>(info.build_total)}});
}

Value FilterOf(const Value& payload) {
  const Value* f = payload.Find("filter");
  return f == nullptr ? Value(Object{}) : *f;
}

Result<std::unique_ptr<ItemSource>> OpenFind(const CommandContext& ctx, const Value& p) {
  const std::string& coll = p.Find("collection")->as_string();
  FindOptions options = FindOptionsFromPayload(p);
  if (const Value* txn_id = p.Find("txn")) {
    auto lock = ctx.service->txns()->Acquire(txn_id->as_string(), ctx.principal->id);
    if (!lock.ok()) return lock.status();
    if (lock->first->txn == nullptr) return Status::NotFound("transaction has ended");
    auto docs = lock->first->txn->Find(coll, FilterOf(p), options);
    if (!docs.ok()) return docs.status();
    return std::unique_ptr<ItemSource>(std::make_unique<VectorSource>(std::move(*docs)));
  }
  auto cursor = ctx.service->db()->collection(coll).Find(FilterOf(p), options);
  if (!cursor.ok()) return cursor.status();
  return std::unique_ptr<ItemSource>(std::make_unique<CursorSource>(std::move(*cursor)));
}

}  // namespace

Result<std::unique_ptr<ItemSource>> OpenSource(const CommandContext& ctx, const Request& request) {
  const Value& p = request.payload;
  Database* db = ctx.service->db();
  switch (request.command) {
    case Command::kFind:
      return OpenFind(ctx, p);
    case Command::kAggregate: {
      Collection c = db->collection(p.Find("collection")->as_string());
      Value pipeline = *p.Find("pipeline");
      return std::unique_ptr<ItemSource>(std::make_unique<VectorSource>(
          [c, pipeline]() mutable { return c.Aggregate(pipeline); }));
    }
    case Command::kListCollections: {
      std::vector<Value> items;
      for (const CollectionInfo& info : db->ListCollections()) {
        items.push_back(CollectionInfoValue(info));
      }
      return std::unique_ptr<ItemSource>(std::make_unique<VectorSource>(std::move(items)));
    }
    case Command::kListIndexes: {
      auto indexes = db->collection(p.Find("collection")->as_string()).ListIndexes();
      if (!indexes.ok()) return indexes.status();
      std::vector<Value> items;
      for (const IndexInfo& info : *indexes) items.push_back(IndexInfoValue(info));
      return std::unique_ptr<ItemSource>(std::make_unique<VectorSource>(std::move(items)));
    }
    case Command::kRangeRead: {
      kv::Engine* engine = db->engine();
      kv::ReadOptions options;
      options.snapshot = engine->GetSnapshot();
      const std::string& start = p.Find("start")->as_binary();
      options.lower_bound = start;
      if (const Value* end = p.Find("end")) {
        if (end->as_binary() <= start) {
          return Status::InvalidArgument("RANGE_READ needs start < end");
        }
        options.upper_bound = end->as_binary();
      }
      const Value* limit = p.Find("limit");
      return std::unique_ptr<ItemSource>(std::make_unique<RangeSource>(
          engine->NewIterator(options), start, limit == nullptr ? 0 : limit->as_int()));
    }
    default:
      return Status::InvalidArgument(std::string(request.info->name) + " does not page");
  }
}

}  // namespace strata::server::ws
