// API keys with roles, kept hashed (SHA-256) in the database's system key space
// (0x01 'a' <key id>), so that `strata key` can manage them offline and the server through its
// API. A key's secret is shown once, at creation; only its hash is stored. Roles are ordered:
// admin includes write, write includes read. Thread safety: all methods are safe from many threads.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "strata/kv.h"
#include "strata/status.h"

namespace strata::server {

enum class Role : uint8_t { kRead = 1, kWrite = 2, kAdmin = 3 };

std::string_view RoleName(Role role);           // "read", "write", "admin"
Result<Role> ParseRole(std::string_view name);  // InvalidArgument for others

struct ApiKeyInfo {
  std::string id;    // public identifier (16 hex), also the secret's prefix
  std::string name;  // what the key is for, given at creation
  Role role = Role::kRead;
  int64_t created_ms = 0;
  bool revoked = false;
};

class ApiKeys {
 public:
  // Loads the keys from `engine` (which must outlive this object).
  static Result<std::unique_ptr<ApiKeys>> Open(kv::Engine* engine);

  // A new key: the secret to hand out (shown once) and its description.
  Result<std::pair<std::string, ApiKeyInfo>> Create(std::string_view name, Role role);
  // Stores a secret chosen elsewhere (STRATA_ADMIN_KEY); AlreadyExists when it is already stored.
  Result<ApiKeyInfo> Import(std::string_view secret, std::string_view name, Role role);
  // The key a secret belongs to; Unauthenticated when unknown, malformed or revoked.
  Result<ApiKeyInfo> Authenticate(std::string_view secret) const;
  // NotFound for an unknown id; revoking twice is fine.
  Status Revoke(std::string_view id);
  std::vector<ApiKeyInfo> List() const;
  bool HasActiveAdmin() const;

 private:
  explicit ApiKeys(kv::Engine* engine) : engine_(engine) {}
  kv::Engine* engine_;
  mutable std::mutex mu_;
  struct Entry {
    ApiKeyInfo info;
    std::string hash;  // SHA-256 of the secret, raw bytes
    // The secret itself once a request has proven it (memory only): later requests compare
    // with it instead of hashing again.
    mutable std::string verified_secret;
  };
  std::unordered_map<std::string, Entry> by_id_;
};

}  // namespace strata::server
