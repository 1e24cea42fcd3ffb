#include "server/service.h"

namespace strata::server {

Result<std::unique_ptr<Service>> Service::Open(const ServerOptions& options,
                                               std::string* new_admin_secret) {
  std::unique_ptr<Service> service(new Service(options));
  DatabaseOptions db_options;
  db_options.backend = options.backend;
  db_options.max_document_size = options.max_body_bytes;
  auto db = Database::Open(options.data, db_options);
  if (!db.ok()) return db.status().WithContext(options.data);
  service->db_ = std::move(db).value();
  auto keys = ApiKeys::Open(service->db_->engine());
  if (!keys.ok()) return keys.status();
  service->keys_ = std::move(keys).value();
  if (new_admin_secret != nullptr) new_admin_secret->clear();
  if (!options.admin_key.empty()) {
    // STRATA_ADMIN_KEY: stored on every start where it is new (a restart with it is a no-op).
    auto imported =
        service->keys_->Import(options.admin_key, "admin (STRATA_ADMIN_KEY)", Role::kAdmin);
    if (!imported.ok() && !imported.status().IsAlreadyExists()) return imported.status();
  } else if (!service->keys_->HasActiveAdmin()) {
    // First start (or every admin key revoked): an admin key, shown once by the caller.
    auto created = service->keys_->Create("admin (first start)", Role::kAdmin);
    if (!created.ok()) return created.status();
    if (new_admin_secret != nullptr) *new_admin_secret = created->first;
  }
  return service;
}

Service::~Service() { Close(); }

Result<ApiKeyInfo> Service::Authorize(std::string_view secret, Role needed) const {
  if (secret.empty()) {
    return Status::Unauthenticated("an API key is required (X-API-Key or Authorization: Bearer)");
  }
  auto key = keys_->Authenticate(secret);
  if (!key.ok()) return key.status();
  if (static_cast<int>(key->role) < static_cast<int>(needed)) {
    return Status::PermissionDenied("key '" + key->id + "' has role " +
                                    std::string(RoleName(key->role)) + "; this needs " +
                                    std::string(RoleName(needed)));
  }
  return key;
}

Status Service::Close() {
  if (db_ == nullptr) return Status::OK();
  txns_.Clear();
  keys_.reset();
  Status s = db_->Close();
  db_.reset();
  return s;
}

}  // namespace strata::server
