// `strata key create|list|revoke`: manage API keys offline on a data directory. A running server
// holds the directory's LOCK, so these refuse with that error; use the server's API instead.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <ctime>
#include <memory>
#include <string>

#include "commands.h"
#include "open_database.h"
#include "server/api_keys.h"
#include "strata/db.h"

namespace strata::tools {
namespace {

struct KeyArgs {
  std::string data;
  std::string backend = "strata";
  std::string name;
  std::string role;
  std::string id;
};

// Runs `fn` on the API keys of `args.data`; returns the exit code.
template <typename Fn>
int WithKeys(const KeyArgs& args, bool must_exist, Fn fn) {
  DatabaseOptions options;
  options.backend = args.backend;
  auto db = must_exist ? OpenExistingDatabase(args.data, args.backend)
                       : Database::Open(args.data, options);
  if (!db.ok()) {
    fprintf(stderr, "strata key: cannot open %s: %s\n", args.data.c_str(),
            db.status().ToString().c_str());
    if (db.status().IsBusy()) {
      fprintf(stderr, "(manage keys through the running server's API, or stop it first)\n");
    }
    return 1;
  }
  int code = 1;
  auto keys = server::ApiKeys::Open((*db)->engine());
  if (!keys.ok()) {
    fprintf(stderr, "strata key: %s\n", keys.status().ToString().c_str());
  } else {
    code = fn(**keys);
  }
  Status s = (*db)->Close();
  if (!s.ok()) {
    fprintf(stderr, "strata key: closing %s: %s\n", args.data.c_str(), s.ToString().c_str());
    code = 1;
  }
  return code;
}

std::string FormatTime(int64_t ms) {
  time_t secs = static_cast<time_t>(ms / 1000);
  struct tm tm;
  char buf[32];
  if (gmtime_r(&secs, &tm) == nullptr ||
      strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) {
    return std::to_string(ms);
  }
  return buf;
}

int Create(const KeyArgs& args) {
  auto role = server::ParseRole(args.role);
  if (!role.ok()) {
    fprintf(stderr, "strata key create: %s\n", role.status().message().c_str());
    return 1;
  }
  return WithKeys(args, false, [&](server::ApiKeys& keys) {
    auto created = keys.Create(args.name, *role);
    if (!created.ok()) {
      fprintf(stderr, "strata key create: %s\n", created.status().ToString().c_str());
      return 1;
    }
    const auto& [secret, info] = *created;
    // The secret alone goes to stdout so that scripts can capture it.
    fprintf(stderr, "Created API key %s (name \"%s\", role %s).\n", info.id.c_str(),
            info.name.c_str(), std::string(server::RoleName(info.role)).c_str());
    fprintf(stderr,
            "WARNING: this is the only time the secret is shown; only its hash is stored. "
            "Keep it now:\n");
    printf("%s\n", secret.c_str());
    return 0;
  });
}

int List(const KeyArgs& args) {
  return WithKeys(args, true, [&](server::ApiKeys& keys) {
    auto list = keys.List();
    if (list.empty()) {
      printf("no API keys\n");
      return 0;
    }
    printf("%-16s  %-5s  %-7s  %-20s  %s\n", "ID", "ROLE", "STATUS", "CREATED", "NAME");
    for (const auto& k : list) {
      printf("%-16s  %-5s  %-7s  %-20s  %s\n", k.id.c_str(),
             std::string(server::RoleName(k.role)).c_str(), k.revoked ? "revoked" : "active",
             FormatTime(k.created_ms).c_str(), k.name.c_str());
    }
    return 0;
  });
}

int Revoke(const KeyArgs& args) {
  return WithKeys(args, true, [&](server::ApiKeys& keys) {
    Status s = keys.Revoke(args.id);
    if (!s.ok()) {
      fprintf(stderr, "strata key revoke: %s\n", s.ToString().c_str());
      return 1;
    }
    printf("API key %s is revoked\n", args.id.c_str());
    return 0;
  });
}

void AddDataOptions(CLI::App* cmd, KeyArgs* args) {
  cmd->add_option("--data", args->data, "Data directory (the server must not be running on it)")
      ->required();
  cmd->add_option("--backend", args->backend, "Storage engine of the data directory")
      ->capture_default_str();
}

}  // namespace

void AddKeyCommand(CLI::App& app, int* exit_code) {
  auto* key = app.add_subcommand(
      "key", "Manage API keys offline on a data directory (create, list, revoke)");
  key->require_subcommand(1);
  auto args = std::make_shared<KeyArgs>();

  auto* create = key->add_subcommand("create", "Create a key and print its secret once");
  create->add_option("--name", args->name, "What the key is for")->required();
  create->add_option("--role", args->role, "read, write or admin")
      ->required()
      ->check(CLI::IsMember({"read", "write", "admin"}));
  AddDataOptions(create, args.get());
  create->callback([=]() { *exit_code = Create(*args); });

  auto* list = key->add_subcommand("list", "List the keys (id, role, status, creation, name)");
  AddDataOptions(list, args.get());
  list->callback([=]() { *exit_code = List(*args); });

  auto* revoke = key->add_subcommand("revoke", "Revoke a key by its id");
  revoke->add_option("id", args->id, "The key's id (16 hex characters, from `strata key list`)")
      ->required();
  AddDataOptions(revoke, args.get());
  revoke->callback([=]() { *exit_code = Revoke(*args); });
}

}  // namespace strata::tools
