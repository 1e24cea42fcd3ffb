// `strata backup`, `strata restore` and `strata stats`: through a running server (--url, --key)
// or offline on a data directory (--data).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>

#include "client/http_client.h"
#include "codec/json.h"
#include "commands.h"
#include "open_database.h"
#include "server/backup.h"
#include "strata/db.h"

namespace strata::tools {
namespace {

struct Target {
  std::string url, key, data, backend = "strata";
};

void AddTargetOptions(CLI::App* cmd, Target* t) {
  cmd->add_option("--url", t->url, "A running server (http://127.0.0.1:6969)");
  cmd->add_option("--key", t->key, "API key for --url (default: $STRATA_KEY)");
  cmd->add_option("--data", t->data, "A data directory no server holds (offline)");
  cmd->add_option("--backend", t->backend, "Storage engine of --data")->capture_default_str();
}

// Sends one request to the server; prints the JSON answer (pretty) or the error. Exit code.
int ViaServer(const Target& t, const std::string& method, const std::string& target,
              const std::string& body) {
  client::ClientOptions options;
  Status s = client::ParseUrl(t.url, &options);
  if (!s.ok()) {
    fprintf(stderr, "%s\n", s.ToString().c_str());
    return 2;
  }
  options.api_key = t.key;
  if (options.api_key.empty() && std::getenv("STRATA_KEY") != nullptr) {
    options.api_key = std::getenv("STRATA_KEY");
  }
  options.request_timeout_ms = 3600 * 1000;  // a backup of a large database takes a while
  client::HttpClient http(options);
  auto r = http.Request(method, target, body);
  if (!r.ok()) {
    fprintf(stderr, "%s: %s\n", t.url.c_str(), r.status().ToString().c_str());
    return 2;
  }
  auto v = codec::ParseJson(r->body);
  printf("%s\n", v.ok() ? codec::ToJson(*v, {.pretty = true}).c_str() : r->body.c_str());
  return r->status / 100 == 2 ? 0 : 1;
}

bool NeedOne(const Target& t, const char* cmd) {
  if (t.url.empty() == t.data.empty()) {
    fprintf(stderr, "%s: give either --url (a running server) or --data (offline)\n", cmd);
    return false;
  }
  return true;
}

int Backup(const Target& t, const std::string& dir) {
  if (!NeedOne(t, "backup")) return 2;
  if (!t.url.empty()) {
    return ViaServer(t, "POST", "/backup", codec::ToJson(Value::MakeObject({{"dir", Value(dir)}})));
  }
  auto db = OpenExistingDatabase(t.data, t.backend);
  if (!db.ok()) {
    fprintf(stderr, "backup: %s\n", db.status().ToString().c_str());
    return 2;
  }
  auto report = server::BackupTo((*db)->engine(), t.backend, dir);
  if (!report.ok()) {
    fprintf(stderr, "backup: %s\n", report.status().ToString().c_str());
    return 1;
  }
  printf("backup: %llu keys, %llu bytes to %s in %.2f s\n",
         static_cast<unsigned long long>(report->keys),
         static_cast<unsigned long long>(report->bytes), dir.c_str(), report->seconds);
  return (*db)->Close().ok() ? 0 : 1;
}

int Restore(const std::string& backup, const std::string& data, const std::string& backend) {
  auto report = server::RestoreFrom(backup, data, backend);
  if (!report.ok()) {
    fprintf(stderr, "restore: %s\n", report.status().ToString().c_str());
    return 1;
  }
  printf("restore: %llu keys, %llu bytes into %s in %.2f s\n",
         static_cast<unsigned long long>(report->keys),
         static_cast<unsigned long long>(report->bytes), data.c_str(), report->seconds);
  return 0;
}

int Stats(const Target& t) {
  if (!NeedOne(t, "stats")) return 2;
  if (!t.url.empty()) return ViaServer(t, "GET", "/stats", "");
  auto db = OpenExistingDatabase(t.data, t.backend);
  if (!db.ok()) {
    fprintf(stderr, "stats: %s\n", db.status().ToString().c_str());
    return 2;
  }
  for (const CollectionInfo& info : (*db)->ListCollections()) {
    auto n = (*db)->collection(info.name).Count();
    printf("collection %-24s %10lld documents\n", info.name.c_str(),
           n.ok() ? static_cast<long long>(*n) : -1LL);
  }
  auto property = (*db)->engine()->GetProperty("strata.stats");
  if (property) printf("%s\n", property->c_str());
  kv::Stats s = (*db)->engine()->GetStats();
  printf("disk bytes %llu, write amplification %.2f, pending compaction bytes %llu\n",
         static_cast<unsigned long long>(s.disk_bytes), s.write_amplification,
         static_cast<unsigned long long>(s.pending_compaction_bytes));
  return (*db)->Close().ok() ? 0 : 1;
}

}  // namespace

void AddAdminCommands(CLI::App& app, int* exit_code) {
  {
    auto t = std::make_shared<Target>();
    auto dir = std::make_shared<std::string>();
    auto* cmd = app.add_subcommand(
        "backup", "A consistent copy of a database (from one snapshot, while the server runs)");
    cmd->add_option("dir", *dir, "New directory for the copy (on the server's machine)")
        ->required();
    AddTargetOptions(cmd, t.get());
    cmd->callback([=] { *exit_code = Backup(*t, *dir); });
  }
  {
    auto backup = std::make_shared<std::string>();
    auto data = std::make_shared<std::string>();
    auto backend = std::make_shared<std::string>("strata");
    auto* cmd = app.add_subcommand("restore", "Restore a backup into a new data directory");
    cmd->add_option("backup", *backup, "The backup directory")->required();
    cmd->add_option("--data", *data, "The data directory to create (must be new or empty)")
        ->required();
    cmd->add_option("--backend", *backend, "Storage engine")->capture_default_str();
    cmd->callback([=] { *exit_code = Restore(*backup, *data, *backend); });
  }
  {
    auto t = std::make_shared<Target>();
    auto* cmd = app.add_subcommand("stats", "Collections and engine statistics");
    AddTargetOptions(cmd, t.get());
    cmd->callback([=] { *exit_code = Stats(*t); });
  }
}

}  // namespace strata::tools
