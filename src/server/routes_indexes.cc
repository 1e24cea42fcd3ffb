// Index routes: list (with state and build progress), create, drop. Creating an index needs a
// write key (it is built before the call returns, creating the collection when missing);
// dropping one an admin key, like dropping a collection.
#include "server/index_json.h"
#include "server/json_body.h"
#include "server/router.h"
#include "server/routes_common.h"
#include "server/service.h"

namespace strata::server::routes {

namespace {

Result<HttpResponse> ListIndexes(RouteContext& ctx) {
  STRATA_RETURN_IF_ERROR(FindCollection(ctx.service->db(), ctx.params[0]).status());
  auto list = ctx.service->db()->collection(ctx.params[0]).ListIndexes();
  if (!list.ok()) return list.status();
  Array out;
  for (const IndexInfo& info : *list) out.push_back(IndexInfoValue(info));
  return JsonResponse(Value::MakeObject({{"indexes", Value(std::move(out))}}));
}

Result<HttpResponse> CreateIndex(RouteContext& ctx) {
  auto body = ParseObjectBody(ctx.request);
  if (!body.ok()) return body.status();
  STRATA_RETURN_IF_ERROR(CheckFields(*body, {"fields", "unique", "sparse", "name", "kind"}));
  const Value* spec = body->Find("fields");
  auto fields = ParseIndexFields(spec == nullptr ? Value() : *spec);
  if (!fields.ok()) return fields.status();
  IndexOptions options;
  auto unique = GetBool(*body, "unique", false);
  if (!unique.ok()) return unique.status();
  options.unique = *unique;
  auto sparse = GetBool(*body, "sparse", false);
  if (!sparse.ok()) return sparse.status();
  options.sparse = *sparse;
  auto name = GetString(*body, "name");
  if (!name.ok()) return name.status();
  options.name = *name;
  auto kind = GetString(*body, "kind", "field");
  if (!kind.ok()) return kind.status();
  options.kind = *kind;
  Database* db = ctx.service->db();
  bool existed = CollectionExists(db, ctx.params[0]);
  Status s = db->collection(ctx.params[0]).CreateIndex(*fields, options);
  if (!s.ok()) {
    DropIfCreated(db, ctx.params[0], existed);
    return s;
  }
  std::string created = options.name.empty() ? DefaultIndexName(*fields) : options.name;
  auto list = db->collection(ctx.params[0]).ListIndexes();
  if (list.ok()) {
    for (const IndexInfo& info : *list) {
      if (info.name == created) return JsonResponse(IndexInfoValue(info), 201);
    }
  }
  return JsonResponse(Value::MakeObject({{"name", created}}), 201);
}

Result<HttpResponse> DropIndex(RouteContext& ctx) {
  STRATA_RETURN_IF_ERROR(ctx.service->db()->collection(ctx.params[0]).DropIndex(ctx.params[1]));
  return JsonResponse(Value::MakeObject({{"dropped", ctx.params[1]}}));
}

}  // namespace

void AddIndexRoutes(Router* router) {
  AddRoute(router, "GET", "/collections/{name}/indexes", Role::kRead,
           "List indexes with their state and build progress", ListIndexes);
  AddRoute(router, "POST", "/collections/{name}/indexes", Role::kWrite,
           "Create an index (built before the call returns)", CreateIndex);
  AddRoute(router, "DELETE", "/collections/{name}/indexes/{index}", Role::kAdmin, "Drop an index",
           DropIndex);
}

}  // namespace strata::server::routes
