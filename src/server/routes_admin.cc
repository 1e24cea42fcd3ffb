// Administrative routes: /status (no key), /stats, /metrics, /check, /keys and /backup.
#include <chrono>

#include "server/backup.h"
#include "server/json_body.h"
#include "server/router.h"
#include "server/service.h"

namespace strata::server {
namespace {

const auto kStarted = std::chrono::steady_clock::now();

Value KeyToValue(const ApiKeyInfo& key) {
  Object o;
  o.emplace_back("id", Value(key.id));
  o.emplace_back("name", Value(key.name));
  o.emplace_back("role", Value(std::string(RoleName(key.role))));
  o.emplace_back("created_ms", Value(key.created_ms));
  o.emplace_back("revoked", Value(key.revoked));
  return Value(std::move(o));
}

Result<HttpResponse> GetStatus(RouteContext& ctx) {
  Object o;
  o.emplace_back("status", Value("ok"));
  o.emplace_back("backend", Value(ctx.service->options().backend));
  o.emplace_back(
      "uptime_seconds",
      Value(std::chrono::duration<double>(std::chrono::steady_clock::now() - kStarted).count()));
  return JsonResponse(Value(std::move(o)));
}

Result<HttpResponse> GetStats(RouteContext& ctx) {
  Database* db = ctx.service->db();
  kv::Stats s = db->engine()->GetStats();
  Object engine;
  engine.emplace_back("backend", Value(std::string(db->engine()->Name())));
  engine.emplace_back("user_bytes_written", Value(static_cast<int64_t>(s.user_bytes_written)));
  engine.emplace_back("engine_bytes_written", Value(static_cast<int64_t>(s.engine_bytes_written)));
  engine.emplace_back("write_amplification", Value(s.write_amplification));
  engine.emplace_back("memtable_bytes", Value(static_cast<int64_t>(s.memtable_bytes)));
  engine.emplace_back("block_cache_hit_rate", Value(s.block_cache_hit_rate));
  engine.emplace_back("block_cache_bytes", Value(static_cast<int64_t>(s.block_cache_bytes)));
  engine.emplace_back("pending_compaction_bytes",
                      Value(static_cast<int64_t>(s.pending_compaction_bytes)));
  engine.emplace_back("disk_bytes", Value(static_cast<int64_t>(s.disk_bytes)));
  Array levels;
  for (const kv::LevelStats& l : s.levels) {
    levels.push_back(Value::MakeObject({{"level", Value(l.level)},
                                        {"files", Value(static_cast<int64_t>(l.files))},
                                        {"bytes", Value(static_cast<int64_t>(l.bytes))}}));
  }
  engine.emplace_back("levels", Value(std::move(levels)));
  Object o;
  o.emplace_back("collections", Value(static_cast<int64_t>(db->ListCollections().size())));
  o.emplace_back("connections", Value(ctx.service->metrics()->connections()));
  o.emplace_back("open_transactions", Value(static_cast<int64_t>(ctx.service->txns()->size())));
  o.emplace_back("engine", Value(std::move(engine)));
  return JsonResponse(Value(std::move(o)));
}

Result<HttpResponse> GetMetrics(RouteContext& ctx) {
  HttpResponse response;
  response.content_type = "text/plain; version=0.0.4";
  response.body = ctx.service->metrics()->Prometheus(ctx.service->db()->engine());
  return response;
}

Result<HttpResponse> PostCheck(RouteContext& ctx) {
  auto body = ParseObjectBody(ctx.request, /*allow_empty=*/true);
  if (!body.ok()) return body.status();
  auto repair = GetBool(*body, "repair", false);
  if (!repair.ok()) return repair.status();
  auto report = ctx.service->db()->Check(*repair);
  if (!report.ok()) return report.status();
  return JsonResponse(report->ToValue());
}

Result<HttpResponse> ListKeys(RouteContext& ctx) {
  Array keys;
  for (const ApiKeyInfo& key : ctx.service->keys()->List()) keys.push_back(KeyToValue(key));
  return JsonResponse(Value::MakeObject({{"keys", Value(std::move(keys))}}));
}

Result<HttpResponse> CreateKey(RouteContext& ctx) {
  auto body = ParseObjectBody(ctx.request, /*allow_empty=*/true);
  if (!body.ok()) return body.status();
  auto name = GetString(*body, "name");
  if (!name.ok()) return name.status();
  auto role = GetString(*body, "role");
  if (!role.ok()) return role.status();
  auto parsed = ParseRole(*role);  // names the three roles when absent or unknown
  if (!parsed.ok()) return parsed.status();
  auto created = ctx.service->keys()->Create(*name, *parsed);
  if (!created.ok()) return created.status();
  Value out = KeyToValue(created->second);
  out.as_object().emplace_back("secret", Value(created->first));
  return JsonResponse(out, 201);
}

Result<HttpResponse> RevokeKey(RouteContext& ctx) {
  STRATA_RETURN_IF_ERROR(ctx.service->keys()->Revoke(ctx.params[0]));
  return JsonResponse(Value::MakeObject({{"revoked", Value(ctx.params[0])}}));
}

Result<HttpResponse> PostBackup(RouteContext& ctx) {
  auto body = ParseObjectBody(ctx.request, /*allow_empty=*/true);
  if (!body.ok()) return body.status();
  auto dir = GetString(*body, "dir");
  if (!dir.ok()) return dir.status();
  if (dir->empty()) {
    return Status::InvalidArgument("dir must be a directory path (on the server's machine)");
  }
  auto report = BackupTo(ctx.service->db()->engine(), ctx.service->options().backend, *dir);
  if (!report.ok()) return report.status();
  return JsonResponse(Value::MakeObject({{"dir", Value(*dir)},
                                         {"keys", Value(static_cast<int64_t>(report->keys))},
                                         {"bytes", Value(static_cast<int64_t>(report->bytes))},
                                         {"seconds", Value(report->seconds)}}));
}

}  // namespace

void AddAdminRoutes(Router* router) {
  router->Add({"GET", "/status", false, Role::kRead, "Liveness: no key needed.", GetStatus});
  router->Add({"GET", "/stats", true, Role::kRead, "Engine and server statistics.", GetStats});
  router->Add({"GET", "/metrics", true, Role::kRead, "Prometheus metrics.", GetMetrics});
  router->Add(
      {"POST", "/check", true, Role::kAdmin, "Integrity check, optionally repairing.", PostCheck});
  router->Add({"GET", "/keys", true, Role::kAdmin, "List API keys.", ListKeys});
  router->Add({"POST", "/keys", true, Role::kAdmin, "Create an API key.", CreateKey});
  router->Add({"DELETE", "/keys/{id}", true, Role::kAdmin, "Revoke an API key.", RevokeKey});
  router->Add({"POST", "/backup", true, Role::kAdmin,
               "Consistent copy of the database from a snapshot.", PostBackup});
}

}  // namespace strata::server
