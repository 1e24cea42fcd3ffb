// A typed table in a few lines: a plain struct, a declaration of its keys, and then put, get,
// lookup by a secondary key, range scans, update and remove over any kv backend.
//
//   typed_table [data-dir [backend]]     (default: a fresh temporary directory, "strata")
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "strata/kv.h"
#include "strata/table.h"

struct User {
  int64_t id = 0;
  std::string email;
  std::string name;
  int32_t age = 0;
};

// The declaration: every field (in storage order), the primary key, the secondary keys.
template <>
struct strata::TableSpec<User> {
  static constexpr std::string_view name = "users";
  static constexpr auto fields = strata::Fields(&User::id, &User::email, &User::name, &User::age);
  static constexpr auto primary = &User::id;
  static constexpr auto secondary = strata::Keys(&User::email, &User::age);
};

namespace {

// Stops the program on an error (an example has no better way out).
void Check(const strata::Status& s, const char* what) {
  if (s.ok()) return;
  std::fprintf(stderr, "%s: %s\n", what, s.ToString().c_str());
  std::exit(1);
}
void Expect(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "unexpected: %s\n", what);
  std::exit(1);
}

void Print(const char* title, const std::vector<User>& users) {
  std::printf("%s\n", title);
  for (const User& u : users) {
    std::printf("  %3lld  %-18s %-8s %d\n", static_cast<long long>(u.id), u.email.c_str(),
                u.name.c_str(), u.age);
  }
}

}  // namespace

int main(int argc, char** argv) {
  bool temporary = argc < 2;
  std::filesystem::path dir = temporary ? std::filesystem::temp_directory_path() /
                                              ("strata_typed_table_" + std::to_string(getpid()))
                                        : std::filesystem::path(argv[1]);
  std::string backend = argc > 2 ? argv[2] : "strata";

  strata::kv::Options options;
  options.create_if_missing = true;
  auto engine = strata::kv::Engine::Open(backend, dir, options);
  Check(engine.status(), "open engine");
  {
    auto users = strata::Table<User>::Open(engine->get());
    Check(users.status(), "open table");

    Check(users->Put(User{1, "ada@example.org", "Ada", 36}), "put");
    Check(users->Put(User{2, "alan@example.org", "Alan", 41}), "put");
    Check(users->Put(User{3, "grace@example.org", "Grace", 36}), "put");
    Check(users->Put(User{-4, "edsger@example.org", "Edsger", 72}), "put");

    auto ada = users->Get(strata::Key<User>{1});
    Check(ada.status(), "get");
    std::printf("Get(1): %s <%s>\n", ada->name.c_str(), ada->email.c_str());
    auto nobody = users->Get(strata::Key<User>{99});
    std::printf("Get(99): %s\n", nobody.status().ToString().c_str());
    Expect(nobody.status().IsNotFound(), "user 99 exists");

    auto by_email = users->Lookup<&User::email>("grace@example.org");
    Check(by_email.status(), "lookup");
    Print("Lookup(email = grace@example.org):", *by_email);

    auto aged_36 = users->Lookup<&User::age>(36);
    Check(aged_36.status(), "lookup");
    Print("Lookup(age = 36):", *aged_36);
    Expect(aged_36->size() == 2, "two users aged 36");

    auto forties_up = users->LookupRange<&User::age>(40, 200);
    Check(forties_up.status(), "lookup range");
    Print("LookupRange(40 <= age < 200), by age:", *forties_up);

    auto all = users->Scan(std::nullopt, std::nullopt);
    Check(all.status(), "scan");
    Print("Scan(all), by id:", *all);
    Expect(all->front().id == -4, "negative ids sort first");

    // An update moves the record's index entries with it, in the same atomic write.
    Check(users->Put(User{1, "ada@lovelace.org", "Ada", 37}), "update");
    Expect(users->Lookup<&User::email>("ada@example.org")->empty(), "old email still indexed");
    Print("After the update, Lookup(age = 36):", *users->Lookup<&User::age>(36));

    Check(users->Remove(strata::Key<User>{2}), "remove");
    auto count = users->Count();
    Check(count.status(), "count");
    std::printf("Count after removing 2: %llu\n", static_cast<unsigned long long>(*count));
    Expect(*count == 3, "three users left");
  }  // table handles go before their engine
  Check((*engine)->Close(), "close");
  if (temporary) std::filesystem::remove_all(dir);
  return 0;
}
