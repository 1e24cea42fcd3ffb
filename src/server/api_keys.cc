#include "server/api_keys.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <chrono>

#include "base/coding.h"
#include "doc/keyspace.h"

namespace strata::server {
namespace {

// Stored entry: value format version 1 (see src/doc/keyspace.h).
constexpr char kEntryVersion = 1;
constexpr size_t kHashSize = 32;
constexpr size_t kIdHexSize = 16;
constexpr size_t kSecretTailSize = 43;  // base64url of 32 bytes, unpadded
constexpr size_t kFormatSize = 3 + kIdHexSize + 1 + kSecretTailSize;
// Secrets chosen elsewhere (Import) that do not follow the sk_ format.
constexpr size_t kMinFreeSecretSize = 32;
constexpr size_t kMaxSecretSize = 512;
constexpr size_t kMaxNameSize = 256;

std::string KeyPrefix() { return std::string{doc::kSystemSpace, 'a'}; }
std::string EntryKey(std::string_view id) { return KeyPrefix() + std::string(id); }

bool IsLowerHex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }
bool IsBase64Url(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}
bool IsId(std::string_view id) {
  return id.size() == kIdHexSize && std::all_of(id.begin(), id.end(), IsLowerHex);
}

// The id of a secret in the sk_<id>_<tail> format, or empty when it is not in that format.
std::string_view FormatId(std::string_view secret) {
  if (secret.size() != kFormatSize || secret.substr(0, 3) != "sk_" ||
      secret[3 + kIdHexSize] != '_') {
    return {};
  }
  std::string_view id = secret.substr(3, kIdHexSize);
  std::string_view tail = secret.substr(3 + kIdHexSize + 1);
  if (!IsId(id) || !std::all_of(tail.begin(), tail.end(), IsBase64Url)) return {};
  return id;
}

// Printable ASCII without spaces: such secrets travel in HTTP headers and environment variables,
// where surrounding blanks and control characters do not survive reliably.
bool IsFreeSecret(std::string_view secret) {
  return secret.size() >= kMinFreeSecretSize && secret.size() <= kMaxSecretSize &&
         std::all_of(secret.begin(), secret.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

std::string Sha256(std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out, &len, EVP_sha256(), nullptr) != 1 ||
      len != kHashSize) {
    return {};  // never matches a stored hash
  }
  return std::string(reinterpret_cast<char*>(out), len);
}

bool HashEquals(const std::string& a, const std::string& b) {
  return a.size() == kHashSize && b.size() == kHashSize &&
         CRYPTO_memcmp(a.data(), b.data(), kHashSize) == 0;
}

std::string Base64Url(const unsigned char* p, size_t n) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (size_t i = 0; i < n; i++) {
    acc = (acc << 8) | p[i];
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(kAlphabet[(acc >> bits) & 63]);
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(acc << (6 - bits)) & 63]);
  return out;
}

Status RandomBytes(unsigned char* p, size_t n) {
  if (RAND_bytes(p, static_cast<int>(n)) != 1) {
    return Status::IOError("RAND_bytes failed: no randomness for a new API key");
  }
  return Status::OK();
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Status CheckName(std::string_view name) {
  if (name.empty() || name.size() > kMaxNameSize) {
    return Status::InvalidArgument("an API key's name must be 1 to 256 bytes");
  }
  return Status::OK();
}

std::string EncodeEntry(const ApiKeyInfo& info, const std::string& hash) {
  std::string v(1, kEntryVersion);
  PutLengthPrefixedSlice(&v, info.name);
  v.push_back(static_cast<char>(info.role));
  PutFixed64(&v, static_cast<uint64_t>(info.created_ms));
  v.push_back(info.revoked ? 1 : 0);
  v += hash;
  return v;
}

Status DecodeEntry(Slice key, Slice value, ApiKeyInfo* info, std::string* hash) {
  std::string where = "API key entry 0x" + HexString(key);
  Slice id = key;
  id.remove_prefix(2);
  if (!IsId(id.view())) return Status::Corruption(where + ": key is not 0x01 'a' <16 hex id>");
  Slice in = value;
  Slice name;
  uint64_t created = 0;
  if (in.size() < 1 || in[0] != kEntryVersion) {
    return Status::Corruption(where + ": unknown value version");
  }
  in.remove_prefix(1);
  if (!GetLengthPrefixedSlice(&in, &name) || in.size() != 1 + 8 + 1 + kHashSize) {
    return Status::Corruption(where + ": value has the wrong length");
  }
  uint8_t role = static_cast<uint8_t>(in[0]);
  in.remove_prefix(1);
  GetFixed64(&in, &created);
  uint8_t revoked = static_cast<uint8_t>(in[0]);
  in.remove_prefix(1);
  if (role < static_cast<uint8_t>(Role::kRead) || role > static_cast<uint8_t>(Role::kAdmin)) {
    return Status::Corruption(where + ": unknown role " + std::to_string(role));
  }
  if (revoked > 1) return Status::Corruption(where + ": bad revoked flag");
  info->id = id.ToString();
  info->name = name.ToString();
  info->role = static_cast<Role>(role);
  info->created_ms = static_cast<int64_t>(created);
  info->revoked = revoked == 1;
  *hash = in.ToString();
  return Status::OK();
}

}  // namespace

std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kRead:
      return "read";
    case Role::kWrite:
      return "write";
    case Role::kAdmin:
      return "admin";
  }
  return "unknown";
}

Result<Role> ParseRole(std::string_view name) {
  if (name == "read") return Role::kRead;
  if (name == "write") return Role::kWrite;
  if (name == "admin") return Role::kAdmin;
  return Status::InvalidArgument("unknown role '" + std::string(name) +
                                 "': expected read, write or admin");
}

Result<std::unique_ptr<ApiKeys>> ApiKeys::Open(kv::Engine* engine) {
  std::unique_ptr<ApiKeys> keys(new ApiKeys(engine));
  kv::ReadOptions ro;
  ro.lower_bound = KeyPrefix();
  ro.upper_bound = std::string{doc::kSystemSpace, 'b'};
  std::unique_ptr<Iterator> it = engine->NewIterator(ro);
  for (it->Seek(*ro.lower_bound); it->Valid(); it->Next()) {
    Entry e;
    STRATA_RETURN_IF_ERROR(DecodeEntry(it->key(), it->value(), &e.info, &e.hash));
    std::string id = e.info.id;
    keys->by_id_.emplace(std::move(id), std::move(e));
  }
  STRATA_RETURN_IF_ERROR(it->status());
  return keys;
}

Result<std::pair<std::string, ApiKeyInfo>> ApiKeys::Create(std::string_view name, Role role) {
  STRATA_RETURN_IF_ERROR(CheckName(name));
  unsigned char secret_bytes[32];
  STRATA_RETURN_IF_ERROR(RandomBytes(secret_bytes, sizeof(secret_bytes)));
  std::string tail = Base64Url(secret_bytes, sizeof(secret_bytes));
  OPENSSL_cleanse(secret_bytes, sizeof(secret_bytes));
  std::lock_guard<std::mutex> lock(mu_);
  std::string id;
  do {
    unsigned char id_bytes[kIdHexSize / 2];
    STRATA_RETURN_IF_ERROR(RandomBytes(id_bytes, sizeof(id_bytes)));
    id = HexString(Slice(reinterpret_cast<char*>(id_bytes), sizeof(id_bytes)));
  } while (by_id_.count(id) > 0);
  std::string secret = "sk_" + id + "_" + tail;
  Entry e;
  e.info = ApiKeyInfo{id, std::string(name), role, NowMs(), false};
  e.hash = Sha256(secret);
  if (e.hash.empty()) return Status::IOError("SHA-256 failed");
  kv::WriteOptions wo;
  wo.sync = true;
  STRATA_RETURN_IF_ERROR(engine_->Put(wo, EntryKey(id), EncodeEntry(e.info, e.hash)));
  ApiKeyInfo info = e.info;
  by_id_.emplace(id, std::move(e));
  return std::make_pair(std::move(secret), std::move(info));
}

Result<ApiKeyInfo> ApiKeys::Import(std::string_view secret, std::string_view name, Role role) {
  STRATA_RETURN_IF_ERROR(CheckName(name));
  std::string_view format_id = FormatId(secret);
  if (format_id.empty() && !IsFreeSecret(secret)) {
    return Status::InvalidArgument(
        "an imported API key must look like sk_<16 hex>_<43 base64url> or be 32 to 512 "
        "printable ASCII characters without spaces");
  }
  Entry e;
  e.hash = Sha256(secret);
  if (e.hash.empty()) return Status::IOError("SHA-256 failed");
  std::lock_guard<std::mutex> lock(mu_);
  std::string id(format_id);
  if (!id.empty()) {
    if (by_id_.count(id) > 0) return Status::AlreadyExists("API key " + id + " already exists");
  } else {
    for (const auto& [other_id, other] : by_id_) {
      if (HashEquals(other.hash, e.hash)) {
        return Status::AlreadyExists("this secret is already stored as API key " + other_id);
      }
    }
    // A free-form secret carries no id: give it a random one, unrelated to the secret.
    do {
      unsigned char id_bytes[kIdHexSize / 2];
      STRATA_RETURN_IF_ERROR(RandomBytes(id_bytes, sizeof(id_bytes)));
      id = HexString(Slice(reinterpret_cast<char*>(id_bytes), sizeof(id_bytes)));
    } while (by_id_.count(id) > 0);
  }
  e.info = ApiKeyInfo{id, std::string(name), role, NowMs(), false};
  kv::WriteOptions wo;
  wo.sync = true;
  STRATA_RETURN_IF_ERROR(engine_->Put(wo, EntryKey(id), EncodeEntry(e.info, e.hash)));
  ApiKeyInfo info = e.info;
  by_id_.emplace(id, std::move(e));
  return info;
}

Result<ApiKeyInfo> ApiKeys::Authenticate(std::string_view secret) const {
  std::string_view id = FormatId(secret);
  if (id.empty() && !IsFreeSecret(secret)) return Status::Unauthenticated("malformed API key");
  const Entry* found = nullptr;
  // A secret that matched its hash before matches again: compare it with the remembered one
  // (in constant time) and spare the SHA-256, which was the largest cost of a small request.
  auto remembered = [&secret](const Entry& e) {
    return e.verified_secret.size() == secret.size() &&
           CRYPTO_memcmp(e.verified_secret.data(), secret.data(), secret.size()) == 0;
  };
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!id.empty()) {
      auto it = by_id_.find(std::string(id));
      if (it != by_id_.end() && remembered(it->second)) found = &it->second;
    } else {
      // Free-form secrets carry no id; there are few keys, so compare with each.
      for (const auto& [unused, e] : by_id_) {
        if (remembered(e)) found = &e;
      }
    }
  }
  std::string hash;
  if (found == nullptr) hash = Sha256(secret);
  std::lock_guard<std::mutex> lock(mu_);
  if (found != nullptr) {
    // by_id_ only grows (revoking sets a flag), so the entry is still there.
  } else if (!id.empty()) {
    auto it = by_id_.find(std::string(id));
    if (it != by_id_.end() && HashEquals(it->second.hash, hash)) {
      found = &it->second;
      it->second.verified_secret = std::string(secret);
    }
  } else {
    for (const auto& [unused, e] : by_id_) {
      if (HashEquals(e.hash, hash)) {
        found = &e;
        e.verified_secret = std::string(secret);
      }
    }
  }
  if (found == nullptr) return Status::Unauthenticated("unknown API key");
  if (found->info.revoked) {
    return Status::Unauthenticated("API key " + found->info.id + " is revoked");
  }
  return found->info;
}

Status ApiKeys::Revoke(std::string_view id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = by_id_.find(std::string(id));
  if (it == by_id_.end()) return Status::NotFound("no API key with id '" + std::string(id) + "'");
  if (it->second.info.revoked) return Status::OK();
  ApiKeyInfo info = it->second.info;
  info.revoked = true;
  kv::WriteOptions wo;
  wo.sync = true;
  STRATA_RETURN_IF_ERROR(engine_->Put(wo, EntryKey(info.id), EncodeEntry(info, it->second.hash)));
  it->second.info.revoked = true;
  return Status::OK();
}

std::vector<ApiKeyInfo> ApiKeys::List() const {
  std::vector<ApiKeyInfo> out;
  {
    std::lock_guard<std::mutex> lock(mu_);
    out.reserve(by_id_.size());
    for (const auto& [unused, e] : by_id_) out.push_back(e.info);
  }
  std::sort(out.begin(), out.end(), [](const ApiKeyInfo& a, const ApiKeyInfo& b) {
    return a.created_ms != b.created_ms ? a.created_ms < b.created_ms : a.id < b.id;
  });
  return out;
}

bool ApiKeys::HasActiveAdmin() const {
  std::lock_guard<std::mutex> lock(mu_);
  return std::any_of(by_id_.begin(), by_id_.end(), [](const auto& kv) {
    return kv.second.info.role == Role::kAdmin && !kv.second.info.revoked;
  });
}

}  // namespace strata::server
