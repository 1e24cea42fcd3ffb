// Quick commands of the binary WebSocket protocol: one request, one result document. The payload
// was checked against the command's field table (ws_protocol.cc), so fields have their types.
#include "server/ws_commands.h"

#include <utility>

#include "server/routes_common.h"
#include "server/service.h"

namespace strata::server::ws {
namespace {

const std::string& Str(const Value& payload, std::string_view field) {
  return payload.Find(field)->as_string();
}

bool Flag(const Value& payload, std::string_view field) {
  const Value* v = payload.Find(field);
  return v != nullptr && v->as_bool();
}

int64_t Int(const Value& payload, std::string_view field) {
  const Value* v = payload.Find(field);
  return v == nullptr ? 0 : v->as_int();
}

// An absent filter matches everything.
Value FilterOf(const Value& payload) {
  const Value* f = payload.Find("filter");
  return f == nullptr ? Value(Object{}) : *f;
}

Value Opt(const Value& payload, std::string_view field) {
  const Value* v = payload.Find(field);
  return v == nullptr ? Value() : *v;
}

Value UpdateResultValue(const UpdateResult& r) {
  Value v = Value::MakeObject({{"matched", static_cast<int64_t>(r.matched)},
                               {"modified", static_cast<int64_t>(r.modified)}});
  if (r.upserted_id) v.Set("upserted_id", *r.upserted_id);
  return v;
}

// Runs a write that creates its collection when missing; when the write fails, the collection it
// created is dropped again, so that a failed command changes nothing (as in the HTTP API).
template <typename Fn>
auto Creating(const CommandContext& ctx, const std::string& name, Fn&& write) -> decltype(write()) {
  if (ctx.known_collections->count(name) != 0) return write();
  Database* db = ctx.service->db();
  bool existed = routes::CollectionExists(db, name);
  auto result = write();
  if (!result.ok()) {
    routes::DropIfCreated(db, name, existed);
  } else if (ctx.known_collections->size() < 1024) {
    ctx.known_collections->insert(name);
  }
  return result;
}

Value Ok() { return Value::MakeObject({{"ok", true}}); }

using TxnLock = std::pair<std::shared_ptr<TxnRegistry::Entry>, std::unique_lock<std::mutex>>;

Result<TxnLock> AcquireTxn(const CommandContext& ctx, const std::string& id) {
  auto entry = ctx.service->txns()->Acquire(id, ctx.principal->id);
  if (!entry.ok()) return entry.status();
  if (entry->first->txn == nullptr) return Status::NotFound("transaction '" + id + "' has ended");
  return std::move(*entry);
}

// A quick command inside the transaction named by the payload's "txn".
Result<Value> RunInTxn(const CommandContext& ctx, const Request& request) {
  const Value& p = request.payload;
  auto lock = AcquireTxn(ctx, Str(p, "txn"));
  if (!lock.ok()) return lock.status();
  Transaction* txn = lock->first->txn.get();
  const std::string& coll = Str(p, "collection");
  switch (request.command) {
    case Command::kGet:
      return txn->Get(coll, *p.Find("id"));
    case Command::kInsert: {
      auto id = txn->Insert(coll, *p.Find("doc"));
      if (!id.ok()) return id.status();
      return Value::MakeObject({{"id", std::move(*id)}});
    }
    case Command::kUpdate: {
      auto r = txn->Update(coll, *p.Find("filter"), *p.Find("update"), Flag(p, "many"),
                           Flag(p, "upsert"));
      if (!r.ok()) return r.status();
      return UpdateResultValue(*r);
    }
    case Command::kDelete: {
      auto n = txn->Delete(coll, *p.Find("filter"), Flag(p, "many"));
      if (!n.ok()) return n.status();
      return Value::MakeObject({{"deleted", static_cast<int64_t>(*n)}});
    }
    default:
      return Status::InvalidArgument(std::string(request.info->name) +
                                     " cannot run inside a transaction");
  }
}

Result<IdStrategy> ParseIdStrategy(const std::string& name) {
  if (name == "generated") return IdStrategy::kGenerated;
  if (name == "autoincrement") return IdStrategy::kAutoIncrement;
  if (name == "user") return IdStrategy::kUser;
  return Status::InvalidArgument("id_strategy must be generated, autoincrement or user, not '" +
                                 name + "'");
}

Result<ValueType> ParseTypeName(const std::string& name) {
  for (ValueType t :
       {ValueType::kNull, ValueType::kBool, ValueType::kInt, ValueType::kDouble, ValueType::kString,
        ValueType::kObject, ValueType::kArray, ValueType::kBinary, ValueType::kDate}) {
    if (ValueTypeName(t) == name) return t;
  }
  return Status::InvalidArgument("unknown type name '" + name + "' in schema");
}

Result<CollectionOptions> ParseCollectionOptions(const Value& p) {
  CollectionOptions options;
  if (const Value* s = p.Find("id_strategy")) {
    auto strategy = ParseIdStrategy(s->as_string());
    if (!strategy.ok()) return strategy.status();
    options.id_strategy = *strategy;
  }
  options.timestamps = Flag(p, "timestamps");
  if (const Value* schema = p.Find("schema")) {
    for (const Value& e : schema->as_array()) {
      FieldSchema f;
      for (const Field& field : e.as_object()) {
        if (field.first == "path" && field.second.is_string()) {
          f.path = field.second.as_string();
        } else if (field.first == "type" && field.second.is_string()) {
          auto type = ParseTypeName(field.second.as_string());
          if (!type.ok()) return type.status();
          f.type = *type;
        } else if (field.first == "required" && field.second.is_bool()) {
          f.required = field.second.as_bool();
        } else {
          return Status::InvalidArgument(
              "schema entries take path (string), type (string) and "
              "required (bool), not '" +
              field.first + "'");
        }
      }
      if (f.path.empty()) return Status::InvalidArgument("schema entry without a path");
      options.schema.push_back(std::move(f));
    }
  }
  return options;
}

Result<Value> CreateIndex(Database* db, const Value& p) {
  std::vector<std::pair<std::string, int>> fields;
  for (const Field& f : p.Find("fields")->as_object()) {
    if (!f.second.is_int() || (f.second.as_int() != 1 && f.second.as_int() != -1)) {
      return Status::InvalidArgument("index field '" + f.first + "' needs direction 1 or -1");
    }
    fields.emplace_back(f.first, static_cast<int>(f.second.as_int()));
  }
  IndexOptions options;
  if (const Value* n = p.Find("name")) options.name = n->as_string();
  options.unique = Flag(p, "unique");
  options.sparse = Flag(p, "sparse");
  if (const Value* k = p.Find("kind")) options.kind = k->as_string();
  STRATA_RETURN_IF_ERROR(db->collection(Str(p, "collection")).CreateIndex(fields, options));
  return Ok();
}

FindOptions FindOptionsOf(const Value& p) {
  FindOptions options;
  options.projection = Opt(p, "projection");
  options.sort = Opt(p, "sort");
  options.skip = Int(p, "skip");
  options.limit = Int(p, "limit");
  return options;
}

}  // namespace

FindOptions FindOptionsFromPayload(const Value& payload) { return FindOptionsOf(payload); }

Status AppendGetResult(const CommandContext& ctx, const Request& request, std::string* out) {
  const Value& p = request.payload;
  const size_t start = BeginFrame(out, Kind::kResult, request.id);
  Status s = ctx.service->db()->collection(Str(p, "collection")).GetEncoded(*p.Find("id"), out);
  if (!s.ok()) {
    out->resize(start);
    return s;
  }
  EndFrame(out, start);
  return Status::OK();
}

Result<Value> RunQuick(const CommandContext& ctx, const Request& request) {
  const Value& p = request.payload;
  Database* db = ctx.service->db();
  bool txn_op = request.command == Command::kGet || request.command == Command::kInsert ||
                request.command == Command::kUpdate || request.command == Command::kDelete;
  if (txn_op && p.Find("txn") != nullptr) return RunInTxn(ctx, request);
  // A GET outside a transaction is AppendGetResult's: it answers with the stored bytes.
  switch (request.command) {
    case Command::kInsert: {
      const std::string& coll = Str(p, "collection");
      auto id = Creating(ctx, coll, [&] { return db->collection(coll).InsertOne(*p.Find("doc")); });
      if (!id.ok()) return id.status();
      return Value::MakeObject({{"id", std::move(*id)}});
    }
    case Command::kInsertMany: {
      const std::string& coll = Str(p, "collection");
      auto ids = Creating(
          ctx, coll, [&] { return db->collection(coll).InsertMany(p.Find("docs")->as_array()); });
      if (!ids.ok()) return ids.status();
      return Value::MakeObject({{"ids", Value(std::move(*ids))}});
    }
    case Command::kUpdate: {
      Collection c = db->collection(Str(p, "collection"));
      auto r = Creating(ctx, c.name(), [&] {
        return Flag(p, "many")
                   ? c.UpdateMany(*p.Find("filter"), *p.Find("update"), Flag(p, "upsert"))
                   : c.UpdateOne(*p.Find("filter"), *p.Find("update"), Flag(p, "upsert"));
      });
      if (!r.ok()) return r.status();
      return UpdateResultValue(*r);
    }
    case Command::kReplace: {
      Collection c = db->collection(Str(p, "collection"));
      auto r = Creating(ctx, c.name(), [&] {
        return c.ReplaceOne(*p.Find("filter"), *p.Find("doc"), Flag(p, "upsert"));
      });
      if (!r.ok()) return r.status();
      return UpdateResultValue(*r);
    }
    case Command::kDelete: {
      Collection c = db->collection(Str(p, "collection"));
      auto n = Flag(p, "many") ? c.DeleteMany(*p.Find("filter")) : c.DeleteOne(*p.Find("filter"));
      if (!n.ok()) return n.status();
      return Value::MakeObject({{"deleted", static_cast<int64_t>(*n)}});
    }
    case Command::kCount: {
      auto n = db->collection(Str(p, "collection")).Count(FilterOf(p));
      if (!n.ok()) return n.status();
      return Value::MakeObject({{"count", static_cast<int64_t>(*n)}});
    }
    case Command::kDistinct: {
      auto values = db->collection(Str(p, "collection")).Distinct(Str(p, "path"), FilterOf(p));
      if (!values.ok()) return values.status();
      return Value::MakeObject({{"values", Value(std::move(*values))}});
    }
    case Command::kExplain: {
      auto e = db->collection(Str(p, "collection")).ExplainFind(FilterOf(p), FindOptionsOf(p));
      if (!e.ok()) return e.status();
      return e->ToValue();
    }
    case Command::kCreateCollection: {
      auto options = ParseCollectionOptions(p);
      if (!options.ok()) return options.status();
      STRATA_RETURN_IF_ERROR(db->CreateCollection(Str(p, "name"), *options));
      return Ok();
    }
    case Command::kDropCollection:
      ctx.known_collections->erase(Str(p, "name"));
      STRATA_RETURN_IF_ERROR(db->DropCollection(Str(p, "name")));
      return Ok();
    case Command::kCreateIndex:
      return CreateIndex(db, p);
    case Command::kDropIndex:
      STRATA_RETURN_IF_ERROR(db->collection(Str(p, "collection")).DropIndex(Str(p, "name")));
      return Ok();
    case Command::kTxnBegin: {
      auto txn = db->BeginTransaction();
      if (!txn.ok()) return txn.status();
      std::string id = ctx.service->txns()->Add(std::move(*txn), ctx.principal->id);
      return Value::MakeObject({{"txn", id}});
    }
    case Command::kTxnCommit:
    case Command::kTxnCancel: {
      const std::string& id = Str(p, "txn");
      auto lock = AcquireTxn(ctx, id);
      if (!lock.ok()) return lock.status();
      std::unique_ptr<Transaction> txn = std::move(lock->first->txn);
      ctx.service->txns()->Remove(id);
      if (request.command == Command::kTxnCancel) {
        txn->Cancel();
        return Ok();
      }
      STRATA_RETURN_IF_ERROR(txn->Commit());
      return Ok();
    }
    default:
      return Status::InvalidArgument(std::string(request.info->name) + " is not a quick command");
  }
}

void CancelTxn(Service* service, const std::string& id, const std::string& owner) {
  auto lock = service->txns()->Acquire(id, owner);
  if (!lock.ok()) return;  // already committed, cancelled or swept
  std::unique_ptr<Transaction> txn = std::move(lock->first->txn);
  service->txns()->Remove(id);
  if (txn != nullptr) txn->Cancel();
}

}  // namespace strata::server::ws
