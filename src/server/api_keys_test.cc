#include "server/api_keys.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>
#include <set>
#include <thread>

#include "base/coding.h"

namespace strata::server {
namespace {

std::unique_ptr<kv::Engine> MemoryEngine() {
  kv::Options o;
  o.create_if_missing = true;
  return kv::Engine::Open("memory", "", o).value();
}

std::string EntryKey(std::string_view id) { return std::string{0x01, 'a'} + std::string(id); }

class ApiKeysTest : public ::testing::Test {
 protected:
  void SetUp() override {
    engine_ = MemoryEngine();
    Reopen();
  }
  void Reopen() {
    keys_.reset();
    auto r = ApiKeys::Open(engine_.get());
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    keys_ = std::move(r.value());
  }
  std::pair<std::string, ApiKeyInfo> Create(std::string_view name, Role role) {
    auto r = keys_->Create(name, role);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r.value() : std::pair<std::string, ApiKeyInfo>{};
  }
  Status::Code AuthCode(std::string_view secret) {
    return keys_->Authenticate(secret).status().code();
  }

  std::unique_ptr<kv::Engine> engine_;
  std::unique_ptr<ApiKeys> keys_;
};

TEST(RoleTest, ParseNameAndOrder) {
  for (Role r : {Role::kRead, Role::kWrite, Role::kAdmin}) {
    auto parsed = ParseRole(RoleName(r));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, r);
  }
  EXPECT_EQ(RoleName(Role::kRead), "read");
  EXPECT_EQ(RoleName(Role::kWrite), "write");
  EXPECT_EQ(RoleName(Role::kAdmin), "admin");
  for (std::string_view bad : {"", "Admin", "root", "reader", "write "}) {
    EXPECT_TRUE(ParseRole(bad).status().IsInvalidArgument()) << bad;
  }
  // Roles are ordered: a check "role >= needed" lets admin write and write read.
  EXPECT_LT(Role::kRead, Role::kWrite);
  EXPECT_LT(Role::kWrite, Role::kAdmin);
}

TEST_F(ApiKeysTest, CreateAuthenticateRevokeList) {
  EXPECT_TRUE(keys_->List().empty());
  auto [reader_secret, reader] = Create("dashboard", Role::kRead);
  auto [admin_secret, admin] = Create("ops", Role::kAdmin);
  EXPECT_EQ(reader.name, "dashboard");
  EXPECT_EQ(reader.role, Role::kRead);
  EXPECT_FALSE(reader.revoked);
  EXPECT_GT(reader.created_ms, 1600000000000);
  EXPECT_NE(reader.id, admin.id);

  auto auth = keys_->Authenticate(reader_secret);
  ASSERT_TRUE(auth.ok()) << auth.status().ToString();
  EXPECT_EQ(auth->id, reader.id);
  EXPECT_EQ(auth->role, Role::kRead);
  // Once proven, a secret is remembered: another secret with the same id still fails, and
  // the proven one still passes.
  std::string forged = reader_secret;
  forged.back() = forged.back() == 'A' ? 'B' : 'A';
  EXPECT_EQ(AuthCode(forged), Status::Code::kUnauthenticated);
  EXPECT_EQ(AuthCode(reader_secret.substr(0, reader_secret.size() - 1)),
            Status::Code::kUnauthenticated);
  EXPECT_TRUE(keys_->Authenticate(reader_secret).ok());
  auth = keys_->Authenticate(admin_secret);
  ASSERT_TRUE(auth.ok());
  EXPECT_EQ(auth->role, Role::kAdmin);

  auto list = keys_->List();
  ASSERT_EQ(list.size(), 2u);
  // Oldest first; two keys made in the same millisecond are ordered by id.
  bool reader_first = reader.created_ms != admin.created_ms ? reader.created_ms < admin.created_ms
                                                            : reader.id < admin.id;
  size_t r = reader_first ? 0 : 1, a = 1 - r;
  EXPECT_EQ(list[r].id, reader.id);
  EXPECT_EQ(list[a].id, admin.id);

  ASSERT_TRUE(keys_->Revoke(reader.id).ok());
  EXPECT_TRUE(keys_->Revoke(reader.id).ok());  // twice is fine
  EXPECT_EQ(AuthCode(reader_secret), Status::Code::kUnauthenticated);
  EXPECT_TRUE(keys_->Authenticate(admin_secret).ok());
  list = keys_->List();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_TRUE(list[r].revoked);
  EXPECT_FALSE(list[a].revoked);

  EXPECT_TRUE(keys_->Revoke("0123456789abcdef").IsNotFound());
  EXPECT_TRUE(keys_->Revoke("").IsNotFound());
}

TEST_F(ApiKeysTest, SecretFormat) {
  static const std::regex kFormat("sk_([0-9a-f]{16})_[A-Za-z0-9_-]{43}");
  std::set<std::string> secrets;
  for (int i = 0; i < 20; i++) {
    auto [secret, info] = Create("k" + std::to_string(i), Role::kWrite);
    std::smatch m;
    ASSERT_TRUE(std::regex_match(secret, m, kFormat)) << secret;
    EXPECT_EQ(m[1].str(), info.id);
    secrets.insert(secret);
  }
  EXPECT_EQ(secrets.size(), 20u);
}

TEST_F(ApiKeysTest, BadNamesRefused) {
  EXPECT_TRUE(keys_->Create("", Role::kRead).status().IsInvalidArgument());
  EXPECT_TRUE(keys_->Create(std::string(257, 'n'), Role::kRead).status().IsInvalidArgument());
  EXPECT_TRUE(keys_->Create(std::string(256, 'n'), Role::kRead).ok());
}

TEST_F(ApiKeysTest, WrongOrMalformedSecretsAreUnauthenticated) {
  auto [secret, info] = Create("app", Role::kWrite);
  auto [other_secret, other] = Create("other", Role::kWrite);
  const auto kUnauth = Status::Code::kUnauthenticated;
  EXPECT_EQ(AuthCode(""), kUnauth);
  EXPECT_EQ(AuthCode("sk_"), kUnauth);
  EXPECT_EQ(AuthCode(secret.substr(0, secret.size() - 1)), kUnauth);  // truncated
  EXPECT_EQ(AuthCode(secret + "A"), kUnauth);                         // extended
  std::string flipped = secret;
  flipped.back() = flipped.back() == 'A' ? 'B' : 'A';
  EXPECT_EQ(AuthCode(flipped), kUnauth);
  // The right id with another key's random part, and the reverse.
  EXPECT_EQ(AuthCode(secret.substr(0, 20) + other_secret.substr(20)), kUnauth);
  EXPECT_EQ(AuthCode(other_secret.substr(0, 20) + secret.substr(20)), kUnauth);
  // Unknown id.
  EXPECT_EQ(AuthCode("sk_0000000000000000_" + secret.substr(20)), kUnauth);
  // Upper-case hex, a bad separator, a character outside base64url.
  std::string upper = secret;
  for (size_t i = 3; i < 19; i++) upper[i] = static_cast<char>(toupper(upper[i]));
  if (upper != secret) {
    EXPECT_EQ(AuthCode(upper), kUnauth);
  }
  std::string sep = secret;
  sep[19] = '-';
  EXPECT_EQ(AuthCode(sep), kUnauth);
  std::string plus = secret;
  plus[30] = '+';
  EXPECT_EQ(AuthCode(plus), kUnauth);
  // Short, binary and very long inputs.
  EXPECT_EQ(AuthCode("password"), kUnauth);
  EXPECT_EQ(AuthCode(std::string("\0\xff\n", 3)), kUnauth);
  EXPECT_EQ(AuthCode(std::string(1 << 20, 'x')), kUnauth);
  EXPECT_EQ(AuthCode(std::string(40, 'x')), kUnauth);  // well-formed free-form, unknown
  // The stored keys still work.
  EXPECT_TRUE(keys_->Authenticate(secret).ok());
  EXPECT_TRUE(keys_->Authenticate(other_secret).ok());
}

TEST_F(ApiKeysTest, PersistsAcrossReopen) {
  auto [secret, info] = Create("app", Role::kWrite);
  auto [revoked_secret, revoked] = Create("old", Role::kAdmin);
  ASSERT_TRUE(keys_->Revoke(revoked.id).ok());
  Reopen();
  auto auth = keys_->Authenticate(secret);
  ASSERT_TRUE(auth.ok());
  EXPECT_EQ(auth->id, info.id);
  EXPECT_EQ(auth->name, "app");
  EXPECT_EQ(auth->role, Role::kWrite);
  EXPECT_EQ(auth->created_ms, info.created_ms);
  EXPECT_EQ(AuthCode(revoked_secret), Status::Code::kUnauthenticated);
  EXPECT_EQ(keys_->List().size(), 2u);
  EXPECT_FALSE(keys_->HasActiveAdmin());
}

TEST(ApiKeysDiskTest, PersistsInStrataEngineWithoutSecretsInFiles) {
  std::filesystem::path dir =
      std::filesystem::path(::testing::TempDir()) / ("strata_api_keys_" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  kv::Options o;
  o.create_if_missing = true;
  std::string secret, free_secret, id;
  {
    auto engine = kv::Engine::Open("strata", dir.string(), o).value();
    auto keys = ApiKeys::Open(engine.get()).value();
    auto created = keys->Create("app", Role::kAdmin).value();
    secret = created.first;
    id = created.second.id;
    free_secret = "correct-horse-battery-staple-0123456789";
    ASSERT_TRUE(keys->Import(free_secret, "env", Role::kAdmin).ok());
    ASSERT_TRUE(engine->Close().ok());
  }
  // Nothing on disk (WAL, tables, manifest) holds either secret or its random part.
  for (const auto& f : std::filesystem::recursive_directory_iterator(dir)) {
    if (!f.is_regular_file()) continue;
    std::ifstream in(f.path(), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(bytes.find(secret.substr(20)), std::string::npos) << f.path();
    EXPECT_EQ(bytes.find(free_secret), std::string::npos) << f.path();
  }
  {
    auto engine = kv::Engine::Open("strata", dir.string(), o).value();
    auto keys = ApiKeys::Open(engine.get()).value();
    auto auth = keys->Authenticate(secret);
    ASSERT_TRUE(auth.ok()) << auth.status().ToString();
    EXPECT_EQ(auth->id, id);
    EXPECT_TRUE(keys->Authenticate(free_secret).ok());
    EXPECT_TRUE(keys->HasActiveAdmin());
    ASSERT_TRUE(engine->Close().ok());
  }
  kv::Engine::Destroy("strata", dir.string(), o);
  std::filesystem::remove_all(dir);
}

// Import (STRATA_ADMIN_KEY) accepts a secret in the sk_ format, whose id it keeps, or any 32 to
// 512 printable ASCII characters without spaces, which get a random id.
TEST_F(ApiKeysTest, ImportFormatSecret) {
  std::string secret = "sk_0123456789abcdef_" + std::string(43, 'Q');
  auto r = keys_->Import(secret, "env", Role::kAdmin);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->id, "0123456789abcdef");
  EXPECT_EQ(r->role, Role::kAdmin);
  auto auth = keys_->Authenticate(secret);
  ASSERT_TRUE(auth.ok());
  EXPECT_EQ(auth->id, "0123456789abcdef");
  EXPECT_TRUE(keys_->Import(secret, "again", Role::kRead).status().IsAlreadyExists());
  // Same id, another random part: the id is taken.
  EXPECT_TRUE(keys_->Import("sk_0123456789abcdef_" + std::string(43, 'R'), "x", Role::kRead)
                  .status()
                  .IsAlreadyExists());
  // A key created here can be imported elsewhere (another data directory) and works there.
  auto [created, info] = Create("made here", Role::kWrite);
  auto other_engine = MemoryEngine();
  auto other = ApiKeys::Open(other_engine.get()).value();
  auto imported = other->Import(created, "copied", Role::kWrite);
  ASSERT_TRUE(imported.ok());
  EXPECT_EQ(imported->id, info.id);
  EXPECT_TRUE(other->Authenticate(created).ok());
}

TEST_F(ApiKeysTest, ImportFreeFormSecret) {
  std::string secret = "0123456789abcdefghijklmnopqrstu!";  // 32 characters
  ASSERT_EQ(secret.size(), 32u);
  auto r = keys_->Import(secret, "env", Role::kAdmin);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(std::regex_match(r->id, std::regex("[0-9a-f]{16}")));
  EXPECT_EQ(secret.find(r->id), std::string::npos);
  auto auth = keys_->Authenticate(secret);
  ASSERT_TRUE(auth.ok());
  EXPECT_EQ(auth->id, r->id);
  EXPECT_TRUE(keys_->Import(secret, "again", Role::kRead).status().IsAlreadyExists());
  EXPECT_EQ(AuthCode(secret.substr(1) + "?"), Status::Code::kUnauthenticated);
  Reopen();
  EXPECT_TRUE(keys_->Authenticate(secret).ok());
  // Proven once, then remembered: a second request matches, a same-length near miss does not.
  EXPECT_TRUE(keys_->Authenticate(secret).ok());
  std::string near = secret;
  near.back() = '?';
  EXPECT_EQ(AuthCode(near), Status::Code::kUnauthenticated);
  ASSERT_TRUE(keys_->Revoke(r->id).ok());
  EXPECT_EQ(AuthCode(secret), Status::Code::kUnauthenticated);
}

TEST_F(ApiKeysTest, ImportRefusesWeakOrUnprintableSecrets) {
  for (const std::string& bad :
       {std::string(), std::string(31, 'a'), std::string("sk_0123456789abcdef_short"),
        std::string(40, 'a') + " ", std::string(16, 'a') + " " + std::string(16, 'a'),
        std::string(40, 'a') + "\n", std::string(40, 'a') + "\x7f",
        std::string(40, 'a') + "\xc3\xa9", std::string(513, 'a')}) {
    EXPECT_TRUE(keys_->Import(bad, "env", Role::kAdmin).status().IsInvalidArgument()) << bad;
  }
  EXPECT_TRUE(keys_->Import(std::string(512, 'a'), "env", Role::kAdmin).ok());
  EXPECT_TRUE(keys_->Import(std::string(40, 'b'), "", Role::kAdmin).status().IsInvalidArgument());
  EXPECT_EQ(keys_->List().size(), 1u);
}

TEST_F(ApiKeysTest, HasActiveAdmin) {
  EXPECT_FALSE(keys_->HasActiveAdmin());
  Create("writer", Role::kWrite);
  EXPECT_FALSE(keys_->HasActiveAdmin());
  auto [secret, admin] = Create("admin", Role::kAdmin);
  EXPECT_TRUE(keys_->HasActiveAdmin());
  ASSERT_TRUE(keys_->Revoke(admin.id).ok());
  EXPECT_FALSE(keys_->HasActiveAdmin());
  ASSERT_TRUE(keys_->Import(std::string(32, 'z'), "env", Role::kAdmin).ok());
  EXPECT_TRUE(keys_->HasActiveAdmin());
  Reopen();
  EXPECT_TRUE(keys_->HasActiveAdmin());
}

TEST_F(ApiKeysTest, CorruptedEntryGivesCorruptionOnOpen) {
  auto [secret, info] = Create("app", Role::kRead);
  std::string good = engine_->Get(EntryKey(info.id)).value();
  // Version 1, name "app", role, created_ms, revoked, 32-byte hash.
  ASSERT_EQ(good.size(), 1u + 1 + 3 + 1 + 8 + 1 + 32);
  auto with_byte = [&](size_t pos, char c) {
    std::string v = good;
    v[pos] = c;
    return v;
  };
  std::vector<std::pair<std::string, std::string>> bad = {
      {EntryKey(info.id), ""},
      {EntryKey(info.id), with_byte(0, 2)},     // unknown version
      {EntryKey(info.id), with_byte(1, 100)},   // name longer than the value
      {EntryKey(info.id), with_byte(5, 0)},     // role 0
      {EntryKey(info.id), with_byte(5, 4)},     // role 4
      {EntryKey(info.id), with_byte(14, 2)},    // revoked flag 2
      {EntryKey(info.id), good.substr(0, 40)},  // truncated hash
      {EntryKey(info.id), good + "x"},          // trailing byte
      {EntryKey("xyz"), good},                  // id not 16 hex
      {EntryKey("0123456789ABCDEF"), good},     // upper-case id
      {EntryKey("0123456789abcdef0"), good},    // id too long
      {std::string{0x01, 'a'}, good},           // no id
  };
  for (const auto& [key, value] : bad) {
    auto engine = MemoryEngine();
    ASSERT_TRUE(engine->Put(key, value).ok());
    auto r = ApiKeys::Open(engine.get());
    ASSERT_FALSE(r.ok()) << HexString(key) << " " << HexString(value);
    EXPECT_TRUE(r.status().IsCorruption()) << r.status().ToString();
  }
  // Neighbouring system keys are not API keys.
  auto engine = MemoryEngine();
  ASSERT_TRUE(engine->Put(std::string{0x01, '`'}, "x").ok());
  ASSERT_TRUE(engine->Put(std::string{0x01, 'b'}, "x").ok());
  ASSERT_TRUE(engine->Put(std::string{0x01, 'c', 'x'}, "x").ok());
  auto r = ApiKeys::Open(engine.get());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r.value()->List().empty());
}

TEST_F(ApiKeysTest, NoSecretStoredInClear) {
  std::vector<std::string> secrets;
  for (Role role : {Role::kRead, Role::kWrite, Role::kAdmin}) {
    secrets.push_back(Create(RoleName(role), role).first);
  }
  secrets.push_back("my-own-admin-key-from-the-environment-42");
  ASSERT_TRUE(keys_->Import(secrets.back(), "env", Role::kAdmin).ok());
  ASSERT_TRUE(keys_->Revoke(keys_->List()[0].id).ok());
  size_t entries = 0;
  auto it = engine_->NewIterator(kv::ReadOptions());
  for (it->SeekToFirst(); it->Valid(); it->Next(), entries++) {
    std::string kv = it->key().ToString() + it->value().ToString();
    for (const std::string& s : secrets) {
      // The whole secret, its random part, and any 16-character piece of the random part.
      size_t tail_start = s.rfind('_') == std::string::npos ? 0 : s.rfind('_') + 1;
      std::string tail = s.substr(tail_start);
      for (size_t i = 0; i + 16 <= tail.size(); i++) {
        EXPECT_EQ(kv.find(tail.substr(i, 16)), std::string::npos) << s;
      }
    }
  }
  EXPECT_EQ(entries, 4u);
}

TEST_F(ApiKeysTest, ConcurrentAuthenticateAndCreate) {
  auto [secret, info] = Create("shared", Role::kRead);
  std::atomic<bool> failed{false};
  std::vector<std::thread> readers;
  for (int t = 0; t < 4; t++) {
    readers.emplace_back([&, s = secret] {
      for (int i = 0; i < 2000; i++) {
        if (!keys_->Authenticate(s).ok()) failed = true;
        if (keys_->Authenticate("sk_0000000000000000_" + s.substr(20)).ok()) failed = true;
      }
    });
  }
  for (int i = 0; i < 50; i++) {
    auto [s, k] = Create("n" + std::to_string(i), Role::kWrite);
    if (i % 2 == 0) {
      EXPECT_TRUE(keys_->Revoke(k.id).ok());
    }
    (void)keys_->HasActiveAdmin();
    (void)keys_->List();
  }
  for (auto& t : readers) t.join();
  EXPECT_FALSE(failed);
  EXPECT_EQ(keys_->List().size(), 51u);
}

}  // namespace
}  // namespace strata::server
