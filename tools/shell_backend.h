// What the shell and import/export need from a database, with two implementations: a data
// directory opened in this process (through include/strata/db.h) and a server reached over its
// HTTP API (client/http_client.h). The shell's logic is written once against this interface, so
// its tests can run on a temporary data directory.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "client/http_client.h"
#include "strata/db.h"
#include "strata/status.h"
#include "strata/value.h"

namespace strata::tools {

struct FindSpec {
  Value filter;      // null: everything
  Value projection;  // null: whole documents
  Value sort;        // null: _id order
  int64_t skip = 0;
  int64_t limit = 0;  // 0: no limit
  std::string token;  // continue after an earlier page (FindPage::token)
};

struct FindPage {
  std::vector<Value> docs;
  bool more = false;  // `limit` cut the results short: more may follow
  // Continues after this page (FindSpec::token, with skip 0: a token includes the skip). Empty
  // when the query cannot be resumed (an in-memory sort): then run it again without a token,
  // skipping the original skip plus everything read so far.
  std::string token;
};

class ShellBackend {
 public:
  virtual ~ShellBackend() = default;
  virtual std::string Describe() const = 0;  // "data directory ./x", "http://127.0.0.1:6969"

  virtual Result<std::vector<std::string>> ListCollections() = 0;
  virtual Status CreateCollection(std::string_view name) = 0;
  virtual Status DropCollection(std::string_view name) = 0;

  virtual Result<FindPage> Find(std::string_view coll, const FindSpec& spec) = 0;
  virtual Result<uint64_t> Count(std::string_view coll, const Value& filter) = 0;
  virtual Result<std::vector<Value>> Distinct(std::string_view coll, std::string_view field,
                                              const Value& filter) = 0;
  virtual Result<std::vector<Value>> Aggregate(std::string_view coll, const Value& pipeline) = 0;

  // All or none; returns the _ids.
  virtual Result<std::vector<Value>> InsertMany(std::string_view coll, std::vector<Value> docs) = 0;
  virtual Result<UpdateResult> Update(std::string_view coll, const Value& filter,
                                      const Value& update, bool many, bool upsert) = 0;
  virtual Result<UpdateResult> Replace(std::string_view coll, const Value& filter,
                                       Value replacement, bool upsert) = 0;
  virtual Result<uint64_t> Delete(std::string_view coll, const Value& filter, bool many) = 0;

  // keys: {"a": 1, "b": -1}; options: {unique, sparse, name}. Returns the index's name.
  virtual Result<std::string> CreateIndex(std::string_view coll, const Value& keys,
                                          const Value& options) = 0;
  virtual Status DropIndex(std::string_view coll, std::string_view name) = 0;
  // Each {name, fields, unique, sparse, multikey, state} as the HTTP API lists them.
  virtual Result<std::vector<Value>> ListIndexes(std::string_view coll) = 0;
};

// A data directory opened in this process.
Result<std::unique_ptr<ShellBackend>> OpenDirectBackend(const std::string& dir,
                                                        const DatabaseOptions& options = {});
// An already open Database (not owned).
std::unique_ptr<ShellBackend> MakeDirectBackend(Database* db);
// A server's HTTP API.
std::unique_ptr<ShellBackend> MakeHttpBackend(const client::ClientOptions& options);

// --url/--key/--data as the shell and import/export take them (key from STRATA_KEY when empty).
// An https:// server's certificate is verified unless `insecure`.
Result<std::unique_ptr<ShellBackend>> OpenBackend(const std::string& url, std::string key,
                                                  const std::string& data_dir,
                                                  bool insecure = false);

}  // namespace strata::tools
