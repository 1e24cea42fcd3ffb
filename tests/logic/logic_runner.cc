#include "logic/logic_runner.h"

#include <algorithm>
#include <filesystem>
#include <initializer_list>

#include "codec/json.h"

namespace strata::logic {

namespace {

// Deep enough that the database's own nesting limit (100 levels) is what refuses a document.
constexpr int kParseDepth = 200;

using Lines = std::vector<std::string>;

Status ScriptError(bool* flag, std::string what) {
  *flag = true;
  return Status::InvalidArgument("script: " + what);
}

Lines DocLines(const std::vector<Value>& docs) {
  Lines out;
  for (const Value& d : docs) out.push_back(codec::ToJson(d));
  return out;
}

std::string UpdateLine(const UpdateResult& r) {
  Value v = Value::MakeObject({{"matched", static_cast<int64_t>(r.matched)},
                               {"modified", static_cast<int64_t>(r.modified)}});
  if (r.upserted_id) v.Set("upserted", *r.upserted_id);
  return codec::ToJson(v);
}

std::string CountLine(std::string_view name, uint64_t n) {
  return codec::ToJson(Value::MakeObject({{std::string(name), static_cast<int64_t>(n)}}));
}

// Checks that `options` is an object with only the given keys.
Status CheckKeys(const Value& options, std::initializer_list<std::string_view> allowed,
                 bool* script_error) {
  if (!options.is_object()) return ScriptError(script_error, "options must be an object");
  for (const auto& [key, value] : options.as_object()) {
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      return ScriptError(script_error, "unknown option '" + key + "'");
    }
  }
  return Status::OK();
}

Result<FindOptions> ToFindOptions(const std::vector<Value>& args, size_t at, bool* script_error) {
  FindOptions o;
  if (args.size() <= at) return o;
  const Value& v = args[at];
  STRATA_RETURN_IF_ERROR(CheckKeys(v, {"projection", "sort", "skip", "limit"}, script_error));
  if (const Value* p = v.Find("projection")) o.projection = *p;
  if (const Value* s = v.Find("sort")) o.sort = *s;
  for (auto [name, field] : {std::pair{"skip", &o.skip}, std::pair{"limit", &o.limit}}) {
    if (const Value* n = v.Find(name)) {
      if (!n->is_int()) return ScriptError(script_error, std::string(name) + " must be an integer");
      *field = n->as_int();
    }
  }
  return o;
}

Result<bool> ToUpsert(const std::vector<Value>& args, size_t at, bool* script_error) {
  if (args.size() <= at) return false;
  STRATA_RETURN_IF_ERROR(CheckKeys(args[at], {"upsert"}, script_error));
  const Value* u = args[at].Find("upsert");
  if (u != nullptr && !u->is_bool()) return ScriptError(script_error, "upsert must be a boolean");
  return u != nullptr && u->as_bool();
}

Result<CollectionOptions> ToCollectionOptions(const Value& v, bool* script_error) {
  CollectionOptions o;
  STRATA_RETURN_IF_ERROR(CheckKeys(v, {"id", "timestamps", "schema"}, script_error));
  if (const Value* id = v.Find("id")) {
    std::string s = id->is_string() ? id->as_string() : "";
    if (s == "generated") {
      o.id_strategy = IdStrategy::kGenerated;
    } else if (s == "autoincrement") {
      o.id_strategy = IdStrategy::kAutoIncrement;
    } else if (s == "user") {
      o.id_strategy = IdStrategy::kUser;
    } else {
      return ScriptError(script_error, "id must be generated, autoincrement or user");
    }
  }
  if (const Value* t = v.Find("timestamps")) o.timestamps = t->is_bool() && t->as_bool();
  if (const Value* schema = v.Find("schema")) {
    if (!schema->is_array()) return ScriptError(script_error, "schema must be an array");
    for (const Value& f : schema->as_array()) {
      STRATA_RETURN_IF_ERROR(CheckKeys(f, {"path", "type", "required"}, script_error));
      FieldSchema field;
      if (const Value* p = f.Find("path"); p != nullptr && p->is_string())
        field.path = p->as_string();
      if (const Value* r = f.Find("required")) field.required = r->is_bool() && r->as_bool();
      if (const Value* t = f.Find("type")) {
        bool known = false;
        for (ValueType type : {ValueType::kNull, ValueType::kBool, ValueType::kInt,
                               ValueType::kDouble, ValueType::kString, ValueType::kObject,
                               ValueType::kArray, ValueType::kBinary, ValueType::kDate}) {
          if (t->is_string() && ValueTypeName(type) == t->as_string()) {
            field.type = type;
            known = true;
          }
        }
        if (!known) return ScriptError(script_error, "unknown schema type");
      }
      o.schema.push_back(std::move(field));
    }
  }
  return o;
}

std::string StrategyName(IdStrategy s) {
  switch (s) {
    case IdStrategy::kGenerated:
      return "generated";
    case IdStrategy::kAutoIncrement:
      return "autoincrement";
    case IdStrategy::kUser:
      return "user";
  }
  return "?";
}

std::string IndexLine(const IndexInfo& info) {
  Object key;
  for (const auto& [path, dir] : info.fields) key.emplace_back(path, dir);
  Value v = Value::MakeObject({{"name", info.name}, {"key", Value(std::move(key))}});
  if (info.unique) v.Set("unique", true);
  if (info.sparse) v.Set("sparse", true);
  if (info.multikey) v.Set("multikey", true);
  if (info.kind != "field") v.Set("kind", info.kind);
  if (info.state != "ready") v.Set("state", info.state);
  return codec::ToJson(v);
}

Status WantArgs(const std::vector<Value>& args, size_t min, size_t max, bool* script_error) {
  if (args.size() < min || args.size() > max) {
    return ScriptError(script_error, "expected " + std::to_string(min) + ".." +
                                         std::to_string(max) + " arguments, got " +
                                         std::to_string(args.size()));
  }
  return Status::OK();
}

std::string Indent(const Lines& lines) {
  if (lines.empty()) return "    (nothing)\n";
  std::string out;
  for (const std::string& l : lines) out += "    " + l + "\n";
  return out;
}

}  // namespace

std::string Canonical(const std::string& line) {
  codec::JsonParseOptions options;
  options.max_depth = kParseDepth;
  auto v = codec::ParseJson(line, options);
  return v.ok() ? codec::ToJson(*v) : line;
}

Runner::Runner(std::string backend, std::string dir)
    : backend_(std::move(backend)), dir_(std::move(dir)) {
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

Runner::~Runner() {
  txns_.clear();
  db_.reset();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

Status Runner::Open() {
  DatabaseOptions options;
  options.backend = backend_;
  auto db = Database::Open(dir_, options);
  if (!db.ok()) return db.status();
  db_ = std::move(db).value();
  return Status::OK();
}

Status Runner::Restart() {
  txns_.clear();  // open transactions do not survive; they cancel themselves
  Status s = db_->Close();
  db_.reset();
  if (!s.ok()) return s.WithContext("close");
  return Open();
}

Result<Lines> Runner::Execute(const Command& command, bool* script_error) {
  auto call = SplitCall(command.text);
  if (!call.ok()) return ScriptError(script_error, call.status().message());
  std::vector<Value> args;
  codec::JsonParseOptions parse;
  parse.max_depth = kParseDepth;
  for (size_t i = 0; i < call->args.size(); ++i) {
    auto v = codec::ParseJson(call->args[i], parse);
    if (!v.ok()) return v.status().WithContext("argument " + std::to_string(i + 1));
    args.push_back(std::move(*v));
  }
  if (call->target != "db") {
    auto it = txns_.find(call->target);
    if (it == txns_.end()) return ScriptError(script_error, "no transaction " + call->target);
    return TransactionCall(it->second.get(), *call, args, script_error);
  }
  if (call->collection.empty()) return DbCall(*call, args, script_error);
  return CollectionCall(*call, args, script_error);
}

Result<Lines> Runner::DbCall(const Call& call, const std::vector<Value>& args, bool* script_error) {
  const std::string& m = call.method;
  if (m == "createCollection" || m == "dropCollection") {
    STRATA_RETURN_IF_ERROR(WantArgs(args, 1, m == "createCollection" ? 2 : 1, script_error));
    if (!args[0].is_string()) return ScriptError(script_error, "the name must be a string");
    if (m == "dropCollection") {
      STRATA_RETURN_IF_ERROR(db_->DropCollection(args[0].as_string()));
      return Lines{};
    }
    CollectionOptions options;
    if (args.size() > 1) {
      auto o = ToCollectionOptions(args[1], script_error);
      if (!o.ok()) return o.status();
      options = std::move(*o);
    }
    STRATA_RETURN_IF_ERROR(db_->CreateCollection(args[0].as_string(), options));
    return Lines{};
  }
  if (m == "collections") {
    STRATA_RETURN_IF_ERROR(WantArgs(args, 0, 0, script_error));
    Lines out;
    for (const CollectionInfo& info : db_->ListCollections()) {
      Value v =
          Value::MakeObject({{"name", info.name}, {"id", StrategyName(info.options.id_strategy)}});
      if (info.options.timestamps) v.Set("timestamps", true);
      out.push_back(codec::ToJson(v));
    }
    std::sort(out.begin(), out.end());
    return out;
  }
  if (m == "check") {
    STRATA_RETURN_IF_ERROR(WantArgs(args, 0, 0, script_error));
    auto report = db_->Check();
    if (!report.ok()) return report.status();
    return Lines{codec::ToJson(report->ToValue())};
  }
  return ScriptError(script_error, "unknown database method '" + m + "'");
}

Result<Lines> Runner::CollectionCall(const Call& call, const std::vector<Value>& args,
                                     bool* script_error) {
  Collection c = db_->collection(call.collection);
  const std::string& m = call.method;
  Value filter = args.empty() ? Value(Object{}) : args[0];
  if (m == "insert") {
    STRATA_RETURN_IF_ERROR(WantArgs(args, 1, 1, script_error));
    auto id = c.InsertOne(args[0]);
    if (!id.ok()) return id.status();
    return Lines{codec::ToJson(*id)};
  }
  if (m == "insertMany") {
    STRATA_RETURN_IF_ERROR(WantArgs(args, 1, 1, script_error));
    if (!args[0].is_array()) return ScriptError(script_error, "insertMany takes an array");
    auto ids = c.InsertMany(args[0].as_array());
    if (!ids.ok()) return ids.status();
    return DocLines(*ids);
  }
  if (m == "get") {
    STRATA_RETURN_IF_ERROR(WantArgs(args, 1, 1, script_error));
    auto doc = c.Get(args[0]);
    if (!doc.ok()) return doc.status();
    return Lines{codec::ToJson(*doc)};
  }
  if (m == "find" || m == "findOne" || m == "explain") {
    STRATA_RETURN_IF_ERROR(WantArgs(args, 0, 2, script_error));
    auto options = ToFindOptions(args, 1, script_error);
    if (!options.ok()) return options.status();
    if (m == "explain") {
      auto ex = c.ExplainFind(filter, *options);
      if (!ex.ok()) return ex.status();
      return Lines{ex->plan};
    }
    if (m == "findOne") {
      auto doc = c.FindOne(filter, *options);
      if (!doc.ok()) return doc.status();
      return *doc ? Lines{codec::ToJson(**doc)} : Lines{};
    }
    auto cursor = c.Find(filter, *options);
    if (!cursor.ok()) return cursor.status();
    auto docs = (*cursor)->ToVector();
    if (!docs.ok()) return docs.status();
    return DocLines(*docs);
  }
  if (m == "count") {
    STRATA_RETURN_IF_ERROR(WantArgs(args, 0, 1, script_error));
    auto n = c.Count(filter);
    if (!n.ok()) return n.status();
    return Lines{std::to_string(*n)};
  }
  if (m == "distinct") {
    STRATA_RETURN_IF_ERROR(WantArgs(args, 1, 2, script_error));
    if (!args[0].is_string()) return ScriptError(script_error, "distinct takes a field path");
    auto values = c.Distinct(args[0].as_string(), args.size() > 1 ? args[1] : Value(Object{}));
    if (!values.ok()) return values.status();
    return DocLines(*values);
  }
  if (m == "update" || m == "updateMany" || m == "replace") {
    STRATA_RETURN_IF_ERROR(WantArgs(args, 2, 3, script_error));
    auto upsert = ToUpsert(args, 2, script_error);
    if (!upsert.ok()) return upsert.status();
    auto r = m == "update"       ? c.UpdateOne(args[0], args[1], *upsert)
             : m == "updateMany" ? c.UpdateMany(args[0], args[1], *upsert)
                                 : c.ReplaceOne(args[0], args[1], *upsert);
    if (!r.ok()) return r.status();
    return Lines{UpdateLine(*r)};
  }
  if (m == "delete" || m == "deleteMany") {
    STRATA_RETURN_IF_ERROR(WantArgs(args, 1, 1, script_error));
    auto n = m == "delete" ? c.DeleteOne(args[0]) : c.DeleteMany(args[0]);
    if (!n.ok()) return n.status();
    return Lines{CountLine("deleted", *n)};
  }
  if (m == "aggregate") {
    STRATA_RETURN_IF_ERROR(WantArgs(args, 1, 1, script_error));
    auto docs = c.Aggregate(args[0]);
    if (!docs.ok()) return docs.status();
    return DocLines(*docs);
  }
  if (m == "createIndex") {
    STRATA_RETURN_IF_ERROR(WantArgs(args, 1, 2, script_error));
    if (!args[0].is_object()) return ScriptError(script_error, "createIndex takes {path: 1|-1}");
    std::vector<std::pair<std::string, int>> fields;
    for (const auto& [path, dir] : args[0].as_object()) {
      // Anything but a number reaches the database as direction 0, which it must refuse.
      fields.emplace_back(path, dir.is_number() ? static_cast<int>(dir.as_number()) : 0);
    }
    IndexOptions options;
    if (args.size() > 1) {
      const Value& o = args[1];
      STRATA_RETURN_IF_ERROR(CheckKeys(o, {"unique", "sparse", "name", "kind"}, script_error));
      if (const Value* v = o.Find("unique")) options.unique = v->is_bool() && v->as_bool();
      if (const Value* v = o.Find("sparse")) options.sparse = v->is_bool() && v->as_bool();
      if (const Value* v = o.Find("name"); v != nullptr && v->is_string())
        options.name = v->as_string();
      if (const Value* v = o.Find("kind"); v != nullptr && v->is_string())
        options.kind = v->as_string();
    }
    STRATA_RETURN_IF_ERROR(c.CreateIndex(fields, options));
    return Lines{};
  }
  if (m == "dropIndex") {
    STRATA_RETURN_IF_ERROR(WantArgs(args, 1, 1, script_error));
    if (!args[0].is_string()) return ScriptError(script_error, "dropIndex takes a name");
    STRATA_RETURN_IF_ERROR(c.DropIndex(args[0].as_string()));
    return Lines{};
  }
  if (m == "indexes") {
    STRATA_RETURN_IF_ERROR(WantArgs(args, 0, 0, script_error));
    auto list = c.ListIndexes();
    if (!list.ok()) return list.status();
    Lines out;
    for (const IndexInfo& info : *list) out.push_back(IndexLine(info));
    return out;
  }
  if (m == "drop") {
    STRATA_RETURN_IF_ERROR(WantArgs(args, 0, 0, script_error));
    STRATA_RETURN_IF_ERROR(db_->DropCollection(call.collection));
    return Lines{};
  }
  return ScriptError(script_error, "unknown collection method '" + m + "'");
}

Result<Lines> Runner::TransactionCall(Transaction* txn, const Call& call,
                                      const std::vector<Value>& args, bool* script_error) {
  const std::string& m = call.method;
  const std::string& coll = call.collection;
  if (coll.empty()) return ScriptError(script_error, "expected <txn>.<collection>.<method>");
  if (m == "insert") {
    STRATA_RETURN_IF_ERROR(WantArgs(args, 1, 1, script_error));
    auto id = txn->Insert(coll, args[0]);
    if (!id.ok()) return id.status();
    return Lines{codec::ToJson(*id)};
  }
  if (m == "get") {
    STRATA_RETURN_IF_ERROR(WantArgs(args, 1, 1, script_error));
    auto doc = txn->Get(coll, args[0]);
    if (!doc.ok()) return doc.status();
    return Lines{codec::ToJson(*doc)};
  }
  if (m == "find") {
    STRATA_RETURN_IF_ERROR(WantArgs(args, 0, 2, script_error));
    auto options = ToFindOptions(args, 1, script_error);
    if (!options.ok()) return options.status();
    auto docs = txn->Find(coll, args.empty() ? Value(Object{}) : args[0], *options);
    if (!docs.ok()) return docs.status();
    return DocLines(*docs);
  }
  if (m == "update" || m == "updateMany") {
    STRATA_RETURN_IF_ERROR(WantArgs(args, 2, 3, script_error));
    auto upsert = ToUpsert(args, 2, script_error);
    if (!upsert.ok()) return upsert.status();
    auto r = txn->Update(coll, args[0], args[1], m == "updateMany", *upsert);
    if (!r.ok()) return r.status();
    return Lines{UpdateLine(*r)};
  }
  if (m == "delete" || m == "deleteMany") {
    STRATA_RETURN_IF_ERROR(WantArgs(args, 1, 1, script_error));
    auto n = txn->Delete(coll, args[0], m == "deleteMany");
    if (!n.ok()) return n.status();
    return Lines{CountLine("deleted", *n)};
  }
  return ScriptError(script_error, "unknown transaction method '" + m + "'");
}

Outcome Runner::RunTransactionStep(const Record& r) {
  Outcome out;
  if (r.kind == Record::Kind::kBegin) {
    auto txn = db_->BeginTransaction();
    if (!txn.ok()) {
      out.passed = false;
      out.failure = "begin failed: " + txn.status().ToString();
      return out;
    }
    txns_[r.txn] = std::move(txn).value();
    return out;
  }
  auto it = txns_.find(r.txn);
  if (it == txns_.end()) {
    out.passed = false;
    out.failure = "script: no transaction " + r.txn;
    return out;
  }
  if (r.kind == Record::Kind::kCancel) {
    it->second->Cancel();
    return out;
  }
  Status s = r.kind == Record::Kind::kCommit ? it->second->Commit() : it->second->Prepare();
  if (r.expect_error) {
    if (s.ok()) {
      out.passed = false;
      out.failure = "expected an error containing '" + r.error + "', but it succeeded";
    } else if (s.ToString().find(r.error) == std::string::npos) {
      out.passed = false;
      out.failure = "expected an error containing '" + r.error + "', got: " + s.ToString();
    }
  } else if (!s.ok()) {
    out.passed = false;
    out.failure = "failed: " + s.ToString();
  }
  return out;
}

Outcome Runner::Run(const Record& r) {
  Outcome out;
  if (!r.RunsOn(backend_)) {
    out.skipped = true;
    return out;
  }
  switch (r.kind) {
    case Record::Kind::kHalt:
      return out;
    case Record::Kind::kRestart: {
      if (backend_ == "memory") {  // nothing survives a close: keep the database open
        out.skipped = true;
        return out;
      }
      Status s = Restart();
      if (!s.ok()) {
        out.passed = false;
        out.failure = "restart failed: " + s.ToString();
      }
      return out;
    }
    case Record::Kind::kBegin:
    case Record::Kind::kCommit:
    case Record::Kind::kPrepare:
    case Record::Kind::kCancel:
      return RunTransactionStep(r);
    case Record::Kind::kStatement:
    case Record::Kind::kQuery:
      break;
  }
  for (const Command& command : r.commands) {
    bool script_error = false;
    auto result = Execute(command, &script_error);
    std::string where = "line " + std::to_string(command.line) + ": " + command.text + "\n";
    if (script_error) {
      out.passed = false;
      out.failure += where + "  " + result.status().message() + "\n";
      continue;
    }
    if (r.expect_error) {
      if (result.ok()) {
        out.passed = false;
        out.failure += where + "  expected an error containing '" + r.error +
                       "', but it succeeded with:\n" + Indent(*result);
      } else if (result.status().ToString().find(r.error) == std::string::npos) {
        out.passed = false;
        out.failure += where + "  expected an error containing '" + r.error +
                       "'\n  got: " + result.status().ToString() + "\n";
      }
      continue;
    }
    if (!result.ok()) {
      out.passed = false;
      out.failure += where + "  failed: " + result.status().ToString() + "\n";
      continue;
    }
    if (r.kind != Record::Kind::kQuery) continue;
    out.has_actual = true;
    out.actual = *result;
    Lines expected, actual = *result;
    for (const std::string& line : r.expected) expected.push_back(Canonical(line));
    if (r.sorted) {
      std::sort(expected.begin(), expected.end());
      std::sort(actual.begin(), actual.end());
    }
    if (expected != actual) {
      out.passed = false;
      out.failure += where + "  expected" + (r.sorted ? " (sorted)" : "") + ":\n" +
                     Indent(expected) + "  actual" + (r.sorted ? " (sorted)" : "") + ":\n" +
                     Indent(actual);
    }
  }
  return out;
}

}  // namespace strata::logic
