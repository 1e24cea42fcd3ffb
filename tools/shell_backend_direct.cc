// ShellBackend over a Database in this process.
#include <cstdlib>

#include "server/index_json.h"
#include "shell_backend.h"

namespace strata::tools {

namespace {

Value OrEmpty(const Value& v) { return v.is_null() ? Value(Object{}) : v; }

// The shell takes keys as an object only, like the mongo shell.
Result<server::IndexFieldList> IndexKeys(const Value& keys) {
  if (!keys.is_object() || keys.as_object().empty()) {
    return Status::InvalidArgument("index keys must be an object such as {email: 1}");
  }
  return server::ParseIndexFields(keys);
}

class DirectBackend : public ShellBackend {
 public:
  DirectBackend(Database* db, std::unique_ptr<Database> owned, std::string dir)
      : db_(db), owned_(std::move(owned)), dir_(std::move(dir)) {}
  ~DirectBackend() override {
    if (owned_) owned_->Close();
  }

  std::string Describe() const override {
    return dir_.empty() ? "an open database" : "data directory " + dir_;
  }

  Result<std::vector<std::string>> ListCollections() override {
    std::vector<std::string> names;
    for (const CollectionInfo& info : db_->ListCollections()) names.push_back(info.name);
    return names;
  }
  Status CreateCollection(std::string_view name) override { return db_->CreateCollection(name); }
  Status DropCollection(std::string_view name) override { return db_->DropCollection(name); }

  Result<FindPage> Find(std::string_view coll, const FindSpec& spec) override {
    FindOptions options;
    options.projection = spec.projection;
    options.sort = spec.sort;
    options.skip = spec.skip;
    options.limit = spec.limit > 0 ? spec.limit + 1 : 0;  // one more: does another page follow?
    options.resume_token = spec.token;
    auto cursor = db_->collection(coll).Find(OrEmpty(spec.filter), options);
    if (!cursor.ok()) return cursor.status();
    FindPage page;
    Value doc;
    for (int64_t n = 0;; ++n) {
      std::string candidate;
      if (spec.limit > 0 && n == spec.limit) candidate = (*cursor)->ResumeToken();
      auto more = (*cursor)->Next(&doc);
      if (!more.ok()) return more.status();
      if (!*more) break;
      if (spec.limit > 0 && n == spec.limit) {
        page.token = std::move(candidate);
        page.more = true;
        break;
      }
      page.docs.push_back(std::move(doc));
    }
    return page;
  }

  Result<uint64_t> Count(std::string_view coll, const Value& filter) override {
    return db_->collection(coll).Count(OrEmpty(filter));
  }
  Result<std::vector<Value>> Distinct(std::string_view coll, std::string_view field,
                                      const Value& filter) override {
    return db_->collection(coll).Distinct(field, OrEmpty(filter));
  }
  Result<std::vector<Value>> Aggregate(std::string_view coll, const Value& pipeline) override {
    return db_->collection(coll).Aggregate(pipeline);
  }

  Result<std::vector<Value>> InsertMany(std::string_view coll, std::vector<Value> docs) override {
    return db_->collection(coll).InsertMany(std::move(docs));
  }
  Result<UpdateResult> Update(std::string_view coll, const Value& filter, const Value& update,
                              bool many, bool upsert) override {
    Collection c = db_->collection(coll);
    return many ? c.UpdateMany(OrEmpty(filter), update, upsert)
                : c.UpdateOne(OrEmpty(filter), update, upsert);
  }
  Result<UpdateResult> Replace(std::string_view coll, const Value& filter, Value replacement,
                               bool upsert) override {
    return db_->collection(coll).ReplaceOne(OrEmpty(filter), std::move(replacement), upsert);
  }
  Result<uint64_t> Delete(std::string_view coll, const Value& filter, bool many) override {
    Collection c = db_->collection(coll);
    return many ? c.DeleteMany(OrEmpty(filter)) : c.DeleteOne(OrEmpty(filter));
  }

  Result<std::string> CreateIndex(std::string_view coll, const Value& keys,
                                  const Value& options) override {
    auto fields = IndexKeys(keys);
    if (!fields.ok()) return fields.status();
    IndexOptions opts;
    if (options.is_object()) {
      for (const auto& [name, v] : options.as_object()) {
        if (name == "unique" && v.is_bool()) {
          opts.unique = v.as_bool();
        } else if (name == "sparse" && v.is_bool()) {
          opts.sparse = v.as_bool();
        } else if (name == "name" && v.is_string()) {
          opts.name = v.as_string();
        } else {
          return Status::InvalidArgument("createIndex option '" + name +
                                         "' is not understood (unique, sparse, name)");
        }
      }
    } else if (!options.is_null()) {
      return Status::InvalidArgument("createIndex options must be an object");
    }
    STRATA_RETURN_IF_ERROR(db_->collection(coll).CreateIndex(*fields, opts));
    if (!opts.name.empty()) return opts.name;
    return server::DefaultIndexName(*fields);
  }
  Status DropIndex(std::string_view coll, std::string_view name) override {
    return db_->collection(coll).DropIndex(name);
  }
  Result<std::vector<Value>> ListIndexes(std::string_view coll) override {
    auto list = db_->collection(coll).ListIndexes();
    if (!list.ok()) return list.status();
    std::vector<Value> out;
    for (const IndexInfo& info : *list) out.push_back(server::IndexInfoValue(info));
    return out;
  }

 private:
  Database* db_;
  std::unique_ptr<Database> owned_;
  std::string dir_;
};

}  // namespace

Result<std::unique_ptr<ShellBackend>> OpenDirectBackend(const std::string& dir,
                                                        const DatabaseOptions& options) {
  auto db = Database::Open(dir, options);
  if (!db.ok()) return db.status().WithContext("opening " + dir);
  Database* raw = db->get();
  return std::unique_ptr<ShellBackend>(new DirectBackend(raw, std::move(*db), dir));
}

std::unique_ptr<ShellBackend> MakeDirectBackend(Database* db) {
  return std::make_unique<DirectBackend>(db, nullptr, "");
}

Result<std::unique_ptr<ShellBackend>> OpenBackend(const std::string& url, std::string key,
                                                  const std::string& data_dir, bool insecure) {
  if (!data_dir.empty()) {
    if (!url.empty()) return Status::InvalidArgument("give --url or --data, not both");
    return OpenDirectBackend(data_dir);
  }
  client::ClientOptions options;
  STRATA_RETURN_IF_ERROR(client::ParseUrl(url.empty() ? "http://127.0.0.1:6969" : url, &options));
  if (key.empty()) {
    if (const char* env = std::getenv("STRATA_KEY"); env != nullptr) key = env;
  }
  options.api_key = std::move(key);
  options.tls_verify = options.tls && !insecure;
  return MakeHttpBackend(options);
}

}  // namespace strata::tools
