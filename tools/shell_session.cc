// ShellSession: one command at a time. Methods take mongosh's argument order; their results
// print in mongosh's shapes ({acknowledged, insertedId}, {matchedCount, modifiedCount}, ...).
#include "shell_session.h"

#include <algorithm>
#include <ostream>

#include "codec/json.h"
#include "shell_format.h"

namespace strata::tools {

namespace {

const Value& Arg(const ShellCall& c, size_t i) {
  static const Value kNull;
  return i < c.args.size() ? c.args[i] : kNull;
}

Status ArgCount(const ShellCall& c, size_t min, size_t max) {
  if (c.args.size() < min || c.args.size() > max) {
    std::string range =
        min == max ? std::to_string(min) : std::to_string(min) + " to " + std::to_string(max);
    return Status::InvalidArgument(c.method + " takes " + range + " argument" +
                                   (max == 1 ? "" : "s") + ", not " +
                                   std::to_string(c.args.size()));
  }
  return Status::OK();
}

// Argument i must be an object (or absent when optional).
Status NeedObject(const ShellCall& c, size_t i, std::string_view what, bool optional = true) {
  const Value& v = Arg(c, i);
  if (v.is_object() || (optional && v.is_null())) return Status::OK();
  return Status::InvalidArgument(c.method + ": the " + std::string(what) +
                                 " must be an object, not " +
                                 (v.is_null() ? "missing" : std::string(ValueTypeName(v.type()))));
}

// find(filter, projection) and findOne(filter, projection): both optional objects.
Result<FindSpec> FindArgs(const ShellCall& c) {
  STRATA_RETURN_IF_ERROR(ArgCount(c, 0, 2));
  STRATA_RETURN_IF_ERROR(NeedObject(c, 0, "filter"));
  STRATA_RETURN_IF_ERROR(NeedObject(c, 1, "projection"));
  FindSpec spec;
  spec.filter = Arg(c, 0);
  spec.projection = Arg(c, 1);
  return spec;
}

Result<int64_t> NeedCount(const ShellCall& c) {
  STRATA_RETURN_IF_ERROR(ArgCount(c, 1, 1));
  const Value& v = c.args[0];
  if (!v.is_number() || v.as_number() < 0 || v.as_number() != static_cast<int64_t>(v.as_number())) {
    return Status::InvalidArgument(c.method + " takes a whole number >= 0");
  }
  return static_cast<int64_t>(v.as_number());
}

// The boolean options of an options object ({upsert: true}); others refused by name.
Result<bool> BoolOption(const ShellCall& c, size_t i, std::string_view name,
                        const std::vector<std::string_view>& allowed) {
  const Value& o = Arg(c, i);
  if (o.is_null()) return false;
  if (!o.is_object()) return Status::InvalidArgument(c.method + ": options must be an object");
  bool result = false;
  for (const auto& [key, v] : o.as_object()) {
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      return Status::InvalidArgument(c.method + ": option '" + key + "' is not understood");
    }
    if (!v.is_bool()) return Status::InvalidArgument(c.method + ": " + key + " must be true/false");
    if (key == name) result = v.as_bool();
  }
  return result;
}

Value UpdateValue(const UpdateResult& r) {
  Value v = Value::MakeObject({{"acknowledged", true},
                               {"matchedCount", static_cast<int64_t>(r.matched)},
                               {"modifiedCount", static_cast<int64_t>(r.modified)}});
  if (r.upserted_id) v.Set("upsertedId", *r.upserted_id);
  return v;
}

const std::vector<std::string>& CollectionMethods() {
  static const std::vector<std::string> kMethods = {
      "find",      "findOne",    "insert",      "insertOne",  "insertMany",
      "update",    "updateOne",  "updateMany",  "replaceOne", "delete",
      "deleteOne", "deleteMany", "remove",      "count",      "countDocuments",
      "distinct",  "aggregate",  "createIndex", "dropIndex",  "getIndexes",
      "drop"};
  return kMethods;
}

const std::vector<std::string>& CursorMethods() {
  static const std::vector<std::string> kMethods = {"sort",  "limit",  "skip",
                                                    "count", "pretty", "toArray"};
  return kMethods;
}

const std::vector<std::string>& DbMethods() {
  static const std::vector<std::string> kMethods = {"getCollectionNames", "getCollection",
                                                    "createCollection"};
  return kMethods;
}

}  // namespace

ShellSession::ShellSession(ShellBackend* backend, std::ostream* out, std::ostream* err)
    : backend_(backend), out_(out), err_(err) {}

std::string ShellSession::HelpText() {
  return R"(Commands (arguments are JSON; keys may go unquoted and strings in single quotes):
  db.NAME.find({age: {$gt: 30}}, {name: 1}).sort({age: -1}).skip(10).limit(5)
  db.NAME.findOne(filter, projection)          db.NAME.count(filter)
  db.NAME.insertOne({...})  insertMany([...])  insert({...} or [...])
  db.NAME.updateOne(filter, {$set: {...}}, {upsert: true})  updateMany(...)
  db.NAME.update(filter, update, {upsert, multi})           replaceOne(filter, doc, {upsert})
  db.NAME.deleteOne(filter)  deleteMany(filter)  delete(filter, {justOne}) (all by default)
  db.NAME.distinct('field', filter)            db.NAME.aggregate([{$match: ...}, ...])
  db.NAME.createIndex({email: 1}, {unique: true, sparse, name})
  db.NAME.dropIndex('email_1')  getIndexes()  drop()
  db.getCollectionNames()  db.createCollection('NAME')  db.getCollection('odd name').find()
  it                 the next page of the last find
  .collections       list collections (also: show collections)
  .format json|table how results print
  .help              this text
  .exit              leave (also: exit, quit, Ctrl-D)
)";
}

bool ShellSession::Execute(std::string_view input) {
  auto cmd = ParseShellCommand(input);
  if (!cmd.ok()) {
    ++errors_;
    *err_ << "error: " << cmd.status().message() << "\n";
    return true;
  }
  if (cmd->kind == ShellCommand::Kind::kExit) return false;
  Status s = Run(*cmd);
  if (!s.ok()) {
    ++errors_;
    *err_ << "error: " << s.ToString() << "\n";
  }
  out_->flush();
  return true;
}

Status ShellSession::Run(const ShellCommand& cmd) {
  switch (cmd.kind) {
    case ShellCommand::Kind::kEmpty:
    case ShellCommand::Kind::kExit:
      return Status::OK();
    case ShellCommand::Kind::kHelp:
      *out_ << HelpText();
      return Status::OK();
    case ShellCommand::Kind::kCollections: {
      auto names = backend_->ListCollections();
      if (!names.ok()) return names.status();
      for (const std::string& n : *names) *out_ << n << "\n";
      collections_ = *names;
      collections_stale_ = false;
      return Status::OK();
    }
    case ShellCommand::Kind::kFormat:
      if (cmd.argument == "table") {
        format_ = Format::kTable;
      } else if (cmd.argument == "json") {
        format_ = Format::kJson;
      }
      *out_ << "format: " << (format_ == Format::kTable ? "table" : "json") << "\n";
      return Status::OK();
    case ShellCommand::Kind::kMore:
      return NextPage();
    case ShellCommand::Kind::kDbCall:
      return RunDbCall(cmd.calls[0]);
    case ShellCommand::Kind::kCollectionCall:
      return RunCollectionCall(cmd.collection, cmd.calls);
  }
  return Status::OK();
}

Status ShellSession::RunDbCall(const ShellCall& call) {
  if (call.method == "getCollectionNames") {
    STRATA_RETURN_IF_ERROR(ArgCount(call, 0, 0));
    auto names = backend_->ListCollections();
    if (!names.ok()) return names.status();
    Array list(names->begin(), names->end());
    PrintValue(Value(std::move(list)));
    return Status::OK();
  }
  if (call.method == "createCollection") {
    STRATA_RETURN_IF_ERROR(ArgCount(call, 1, 1));
    if (!call.args[0].is_string()) {
      return Status::InvalidArgument("createCollection takes the collection's name");
    }
    STRATA_RETURN_IF_ERROR(backend_->CreateCollection(call.args[0].as_string()));
    collections_stale_ = true;
    PrintValue(Value::MakeObject({{"ok", 1}}));
    return Status::OK();
  }
  if (call.method == "help") {
    *out_ << HelpText();
    return Status::OK();
  }
  return Status::InvalidArgument("db." + call.method +
                                 "() is not a shell method (try .help); for a collection named '" +
                                 call.method + "' use db." + call.method + ".find()");
}

Status ShellSession::RunCollectionCall(const std::string& coll,
                                       const std::vector<ShellCall>& calls) {
  const ShellCall& c = calls[0];
  if (c.method == "find") return RunFind(coll, calls);
  if (calls.size() > 1) {
    return Status::InvalidArgument("." + calls[1].method + "() cannot follow " + c.method +
                                   "() (only find() takes cursor methods)");
  }
  const std::string& m = c.method;
  if (m == "findOne") {
    auto spec = FindArgs(c);
    if (!spec.ok()) return spec.status();
    spec->limit = 1;
    auto page = backend_->Find(coll, *spec);
    if (!page.ok()) return page.status();
    if (page->docs.empty()) {
      *out_ << "null\n";
    } else {
      PrintDocs({page->docs[0]});
    }
    return Status::OK();
  }
  if (m == "insert" || m == "insertOne" || m == "insertMany") {
    STRATA_RETURN_IF_ERROR(ArgCount(c, 1, 1));
    const Value& arg = c.args[0];
    bool many = m == "insertMany" || (m == "insert" && arg.is_array());
    std::vector<Value> docs;
    if (many) {
      if (!arg.is_array()) return Status::InvalidArgument(m + " takes an array of documents");
      docs = arg.as_array();
    } else {
      STRATA_RETURN_IF_ERROR(NeedObject(c, 0, "document", false));
      docs.push_back(arg);
    }
    for (size_t i = 0; i < docs.size(); ++i) {
      if (!docs[i].is_object()) {
        return Status::InvalidArgument(m + ": document " + std::to_string(i) + " is not an object");
      }
    }
    auto ids = backend_->InsertMany(coll, std::move(docs));
    if (!ids.ok()) return ids.status();
    collections_stale_ = true;
    if (many) {
      PrintValue(Value::MakeObject({{"acknowledged", true}, {"insertedIds", Value(*ids)}}));
    } else {
      PrintValue(Value::MakeObject(
          {{"acknowledged", true}, {"insertedId", ids->empty() ? Value() : (*ids)[0]}}));
    }
    return Status::OK();
  }
  if (m == "update" || m == "updateOne" || m == "updateMany" || m == "replaceOne") {
    STRATA_RETURN_IF_ERROR(ArgCount(c, 2, 3));
    STRATA_RETURN_IF_ERROR(NeedObject(c, 0, "filter", false));
    STRATA_RETURN_IF_ERROR(NeedObject(c, 1, m == "replaceOne" ? "replacement" : "update", false));
    std::vector<std::string_view> allowed = {"upsert"};
    if (m == "update") allowed.push_back("multi");
    auto upsert = BoolOption(c, 2, "upsert", allowed);
    if (!upsert.ok()) return upsert.status();
    auto multi = BoolOption(c, 2, "multi", allowed);
    if (!multi.ok()) return multi.status();
    Result<UpdateResult> r =
        m == "replaceOne"
            ? backend_->Replace(coll, c.args[0], c.args[1], *upsert)
            : backend_->Update(coll, c.args[0], c.args[1], m == "updateMany" || *multi, *upsert);
    if (!r.ok()) return r.status();
    collections_stale_ = true;
    PrintValue(UpdateValue(*r));
    return Status::OK();
  }
  if (m == "delete" || m == "remove" || m == "deleteOne" || m == "deleteMany") {
    STRATA_RETURN_IF_ERROR(ArgCount(c, 1, m == "delete" || m == "remove" ? 2 : 1));
    STRATA_RETURN_IF_ERROR(NeedObject(c, 0, "filter", false));
    auto just_one = BoolOption(c, 1, "justOne", {"justOne"});
    if (!just_one.ok()) return just_one.status();
    bool many = m == "deleteMany" || ((m == "delete" || m == "remove") && !*just_one);
    auto n = backend_->Delete(coll, c.args[0], many);
    if (!n.ok()) return n.status();
    PrintValue(
        Value::MakeObject({{"acknowledged", true}, {"deletedCount", static_cast<int64_t>(*n)}}));
    return Status::OK();
  }
  if (m == "count" || m == "countDocuments") {
    STRATA_RETURN_IF_ERROR(ArgCount(c, 0, 1));
    STRATA_RETURN_IF_ERROR(NeedObject(c, 0, "filter"));
    auto n = backend_->Count(coll, Arg(c, 0));
    if (!n.ok()) return n.status();
    *out_ << *n << "\n";
    return Status::OK();
  }
  if (m == "distinct") {
    STRATA_RETURN_IF_ERROR(ArgCount(c, 1, 2));
    if (!c.args[0].is_string()) return Status::InvalidArgument("distinct takes a field name first");
    STRATA_RETURN_IF_ERROR(NeedObject(c, 1, "filter"));
    auto values = backend_->Distinct(coll, c.args[0].as_string(), Arg(c, 1));
    if (!values.ok()) return values.status();
    PrintValue(Value(std::move(*values)));
    return Status::OK();
  }
  if (m == "aggregate") {
    STRATA_RETURN_IF_ERROR(ArgCount(c, 1, 1));
    if (!c.args[0].is_array()) {
      return Status::InvalidArgument("aggregate takes a pipeline: an array of stages");
    }
    auto docs = backend_->Aggregate(coll, c.args[0]);
    if (!docs.ok()) return docs.status();
    if (!docs->empty() || format_ == Format::kTable) PrintDocs(*docs);
    return Status::OK();
  }
  if (m == "createIndex") {
    STRATA_RETURN_IF_ERROR(ArgCount(c, 1, 2));
    STRATA_RETURN_IF_ERROR(NeedObject(c, 0, "index keys", false));
    STRATA_RETURN_IF_ERROR(NeedObject(c, 1, "options"));
    auto name = backend_->CreateIndex(coll, c.args[0], Arg(c, 1));
    if (!name.ok()) return name.status();
    collections_stale_ = true;
    PrintValue(Value(*name));
    return Status::OK();
  }
  if (m == "dropIndex") {
    STRATA_RETURN_IF_ERROR(ArgCount(c, 1, 1));
    std::string name;
    if (c.args[0].is_string()) {
      name = c.args[0].as_string();
    } else if (c.args[0].is_object()) {  // by its keys, as the default name is made
      for (const auto& [path, dir] : c.args[0].as_object()) {
        if (!name.empty()) name += '_';
        name += path + "_" + (dir.is_number() ? std::to_string(dir.as_int()) : std::string("?"));
      }
    } else {
      return Status::InvalidArgument("dropIndex takes the index's name or its keys");
    }
    STRATA_RETURN_IF_ERROR(backend_->DropIndex(coll, name));
    PrintValue(Value::MakeObject({{"ok", 1}, {"dropped", name}}));
    return Status::OK();
  }
  if (m == "getIndexes") {
    STRATA_RETURN_IF_ERROR(ArgCount(c, 0, 0));
    auto list = backend_->ListIndexes(coll);
    if (!list.ok()) return list.status();
    if (format_ == Format::kTable) {
      PrintDocs(*list);
    } else {
      PrintValue(Value(std::move(*list)));
    }
    return Status::OK();
  }
  if (m == "drop") {
    STRATA_RETURN_IF_ERROR(ArgCount(c, 0, 0));
    STRATA_RETURN_IF_ERROR(backend_->DropCollection(coll));
    collections_stale_ = true;
    *out_ << "true\n";
    return Status::OK();
  }
  return Status::InvalidArgument("unknown method '" + m + "' (try .help)");
}

Status ShellSession::RunFind(const std::string& coll, const std::vector<ShellCall>& calls) {
  auto find = FindArgs(calls[0]);
  if (!find.ok()) return find.status();
  FindSpec spec = std::move(*find);
  int64_t limit = 0;
  bool count = false, all = false;
  for (size_t i = 1; i < calls.size(); ++i) {
    const ShellCall& m = calls[i];
    if (count) return Status::InvalidArgument("nothing can follow count()");
    if (m.method == "sort") {
      STRATA_RETURN_IF_ERROR(ArgCount(m, 1, 1));
      STRATA_RETURN_IF_ERROR(NeedObject(m, 0, "sort", false));
      spec.sort = m.args[0];
    } else if (m.method == "limit" || m.method == "skip") {
      auto n = NeedCount(m);
      if (!n.ok()) return n.status();
      (m.method == "limit" ? limit : spec.skip) = *n;
    } else if (m.method == "count" || m.method == "size" || m.method == "itcount") {
      count = true;
    } else if (m.method == "toArray") {
      all = true;
    } else if (m.method != "pretty") {
      return Status::InvalidArgument("unknown cursor method '" + m.method +
                                     "' (sort, limit, skip, count, toArray, pretty)");
    }
  }
  if (count) {
    if (spec.skip == 0 && limit == 0) {
      auto n = backend_->Count(coll, spec.filter);
      if (!n.ok()) return n.status();
      *out_ << *n << "\n";
      return Status::OK();
    }
    spec.limit = limit;
    auto page = backend_->Find(coll, spec);
    if (!page.ok()) return page.status();
    *out_ << page->docs.size() << "\n";
    return Status::OK();
  }
  paging_ = Paging();
  paging_.active = true;
  paging_.collection = coll;
  paging_.spec = spec;
  paging_.remaining = limit;
  paging_.first_skip = spec.skip;
  if (all) {  // every document at once
    paging_.spec.limit = limit;
    auto page = backend_->Find(coll, paging_.spec);
    paging_.active = false;
    if (!page.ok()) return page.status();
    PrintDocs(page->docs);
    return Status::OK();
  }
  return NextPage();
}

Status ShellSession::NextPage() {
  if (!paging_.active) return Status::InvalidArgument("no find to continue ('it' follows a find)");
  Paging& p = paging_;
  bool limited = p.remaining > 0;
  p.spec.limit = limited ? std::min(p.remaining, page_size_) : page_size_;
  auto page = backend_->Find(p.collection, p.spec);
  if (!page.ok()) {
    p.active = false;
    return page.status();
  }
  int64_t got = static_cast<int64_t>(page->docs.size());
  if (got > 0 || format_ == Format::kTable) PrintDocs(page->docs);
  if (limited) p.remaining -= got;
  bool more = page->more && got > 0 && (!limited || p.remaining > 0);
  if (!more) {
    p.active = false;
    return Status::OK();
  }
  // Continue after this page: by token when the query can be resumed, else by skipping.
  p.read += got;
  p.spec.token = page->token;
  p.spec.skip = p.spec.token.empty() ? p.first_skip + p.read : 0;
  *out_ << "Type \"it\" for more\n";
  return Status::OK();
}

void ShellSession::PrintDocs(const std::vector<Value>& docs) {
  *out_ << (format_ == Format::kTable ? FormatTable(docs) : FormatJson(docs));
}

void ShellSession::PrintValue(const Value& v) {
  *out_ << codec::ToJson(v, codec::JsonWriteOptions{.pretty = true}) << "\n";
}

const std::vector<std::string>& ShellSession::CollectionNames() {
  if (collections_stale_) {
    auto names = backend_->ListCollections();
    if (names.ok()) collections_ = std::move(*names);
    collections_stale_ = false;
  }
  return collections_;
}

std::vector<std::string> ShellSession::Complete(std::string_view word, bool line_start) {
  std::vector<std::string> out;
  auto add = [&](std::string_view prefix, std::string_view typed, const std::string& candidate,
                 std::string_view suffix) {
    if (candidate.compare(0, typed.size(), typed) == 0) {
      out.push_back(std::string(prefix) + candidate + std::string(suffix));
    }
  };
  if (!word.empty() && word[0] == '.') {
    if (line_start) {
      for (const char* dot : {".help", ".collections", ".exit", ".format"}) add("", word, dot, "");
    } else {  // a cursor method after find(...)
      for (const std::string& m : CursorMethods()) add(".", word.substr(1), m, "(");
    }
    return out;
  }
  size_t first = word.find('.');
  if (first == std::string_view::npos) {
    for (const char* w : {"db", "help", "exit", "quit", "it", "show"}) add("", word, w, "");
    return out;
  }
  if (word.substr(0, first) != "db") return out;
  std::string_view rest = word.substr(first + 1);
  size_t second = rest.find('.');
  if (second == std::string_view::npos) {
    for (const std::string& c : CollectionNames()) add("db.", rest, c, "");
    for (const std::string& m : DbMethods()) add("db.", rest, m, "(");
    return out;
  }
  std::string prefix = "db." + std::string(rest.substr(0, second)) + ".";
  for (const std::string& m : CollectionMethods()) add(prefix, rest.substr(second + 1), m, "(");
  return out;
}

}  // namespace strata::tools
