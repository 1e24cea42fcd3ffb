// Everything the request handlers of both protocols share: the open Database, the API keys, the
// metrics and the transactions clients hold open across requests. No transport code here.
// Thread safety: all members are safe from many threads.
#pragma once

#include <memory>
#include <string>

#include "server/api_keys.h"
#include "server/metrics.h"
#include "server/server_options.h"
#include "server/txn_registry.h"
#include "strata/db.h"

namespace strata::server {

class Service {
 public:
  // Opens the database in options.data and its keys. When no admin key exists yet, one is made
  // (or options.admin_key is stored) and its secret returned in *new_admin_secret.
  static Result<std::unique_ptr<Service>> Open(const ServerOptions& options,
                                               std::string* new_admin_secret);
  ~Service();

  Database* db() { return db_.get(); }
  ApiKeys* keys() { return keys_.get(); }
  Metrics* metrics() { return &metrics_; }
  TxnRegistry* txns() { return &txns_; }
  const ServerOptions& options() const { return options_; }

  // Checks the request's key (X-API-Key or Authorization: Bearer) and its role.
  // Unauthenticated (401) without a valid key, PermissionDenied (403) when the role is too low.
  Result<ApiKeyInfo> Authorize(std::string_view secret, Role needed) const;

  Status Close();  // flushes and closes the database

 private:
  explicit Service(const ServerOptions& options) : options_(options) {}
  ServerOptions options_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<ApiKeys> keys_;
  Metrics metrics_;
  TxnRegistry txns_;
};

}  // namespace strata::server
