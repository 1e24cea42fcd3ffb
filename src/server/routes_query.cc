// Routes that take a filter in a POST body: query, aggregate, count, distinct, explain, and
// update and delete by filter. Reads of a missing collection are 404; so are updates and deletes
// without upsert (which would otherwise create the collection).
#include "codec/json.h"
#include "server/json_body.h"
#include "server/router.h"
#include "server/routes_common.h"
#include "server/service.h"

namespace strata::server::routes {

namespace {

Result<HttpResponse> Query(RouteContext& ctx) {
  auto body = ParseObjectBody(ctx.request, /*allow_empty=*/true);
  if (!body.ok()) return body.status();
  STRATA_RETURN_IF_ERROR(
      CheckFields(*body, {"filter", "projection", "sort", "skip", "limit", "token"}));
  auto filter = BodyFilter(*body, false);
  if (!filter.ok()) return filter.status();
  auto options = ParseFindOptions(*body, /*allow_token=*/true);
  if (!options.ok()) return options.status();
  STRATA_RETURN_IF_ERROR(FindCollection(ctx.service->db(), ctx.params[0]).status());
  int64_t limit = options->limit;
  if (limit > 0) options->limit = limit + 1;  // one more shows whether another page follows
  auto cursor = ctx.service->db()->collection(ctx.params[0]).Find(*filter, *options);
  if (!cursor.ok()) return cursor.status();
  auto page = ReadPage(cursor->get(), limit);
  if (!page.ok()) return page.status();
  return JsonTextResponse(std::move(*page));
}

// {"pipeline": [...]} or the bare array.
Result<HttpResponse> Aggregate(RouteContext& ctx) {
  auto body = ArrayOrFieldBody(ctx.request, "pipeline", "a pipeline array or {pipeline}");
  if (!body.ok()) return body.status();
  Value pipeline = std::move(*body);
  STRATA_RETURN_IF_ERROR(FindCollection(ctx.service->db(), ctx.params[0]).status());
  auto docs = ctx.service->db()->collection(ctx.params[0]).Aggregate(pipeline);
  if (!docs.ok()) return docs.status();
  return JsonTextResponse(DocumentsJson(*docs));
}

Result<HttpResponse> Count(RouteContext& ctx) {
  auto body = ParseObjectBody(ctx.request, /*allow_empty=*/true);
  if (!body.ok()) return body.status();
  STRATA_RETURN_IF_ERROR(CheckFields(*body, {"filter"}));
  auto filter = BodyFilter(*body, false);
  if (!filter.ok()) return filter.status();
  STRATA_RETURN_IF_ERROR(FindCollection(ctx.service->db(), ctx.params[0]).status());
  auto n = ctx.service->db()->collection(ctx.params[0]).Count(*filter);
  if (!n.ok()) return n.status();
  return JsonResponse(Value::MakeObject({{"count", static_cast<int64_t>(*n)}}));
}

Result<HttpResponse> Distinct(RouteContext& ctx) {
  auto body = ParseObjectBody(ctx.request);
  if (!body.ok()) return body.status();
  STRATA_RETURN_IF_ERROR(CheckFields(*body, {"field", "filter"}));
  auto field = GetString(*body, "field");
  if (!field.ok()) return field.status();
  if (field->empty()) return Status::InvalidArgument("field is required");
  auto filter = BodyFilter(*body, false);
  if (!filter.ok()) return filter.status();
  STRATA_RETURN_IF_ERROR(FindCollection(ctx.service->db(), ctx.params[0]).status());
  auto values = ctx.service->db()->collection(ctx.params[0]).Distinct(*field, *filter);
  if (!values.ok()) return values.status();
  return JsonTextResponse(DocumentsJson(*values, "values"));
}

Result<HttpResponse> Explain(RouteContext& ctx) {
  auto body = ParseObjectBody(ctx.request, /*allow_empty=*/true);
  if (!body.ok()) return body.status();
  STRATA_RETURN_IF_ERROR(CheckFields(*body, {"filter", "projection", "sort", "skip", "limit"}));
  auto filter = BodyFilter(*body, false);
  if (!filter.ok()) return filter.status();
  auto options = ParseFindOptions(*body, /*allow_token=*/false);
  if (!options.ok()) return options.status();
  STRATA_RETURN_IF_ERROR(FindCollection(ctx.service->db(), ctx.params[0]).status());
  auto explain = ctx.service->db()->collection(ctx.params[0]).ExplainFind(*filter, *options);
  if (!explain.ok()) return explain.status();
  return JsonResponse(explain->ToValue());
}

// {"filter", "update", "many", "upsert"}: update operators, or a replacement document when
// many is false.
Result<HttpResponse> Update(RouteContext& ctx) {
  auto b = ParseUpdateBody(ctx.request);
  if (!b.ok()) return b.status();
  Database* db = ctx.service->db();
  bool existed = CollectionExists(db, ctx.params[0]);
  if (!existed && !b->upsert) {
    return Status::NotFound("collection '" + ctx.params[0] + "' does not exist");
  }
  Collection c = db->collection(ctx.params[0]);
  auto r = b->many ? c.UpdateMany(b->filter, b->update, b->upsert)
                   : c.UpdateOne(b->filter, b->update, b->upsert);
  if (!r.ok()) {
    DropIfCreated(db, ctx.params[0], existed);
    return r.status();
  }
  return JsonResponse(UpdateResultValue(*r));
}

Result<HttpResponse> Delete(RouteContext& ctx) {
  auto b = ParseDeleteBody(ctx.request);
  if (!b.ok()) return b.status();
  STRATA_RETURN_IF_ERROR(FindCollection(ctx.service->db(), ctx.params[0]).status());
  Collection c = ctx.service->db()->collection(ctx.params[0]);
  auto n = b->many ? c.DeleteMany(b->filter) : c.DeleteOne(b->filter);
  if (!n.ok()) return n.status();
  return JsonResponse(Value::MakeObject({{"deleted", static_cast<int64_t>(*n)}}));
}

}  // namespace

void AddQueryRoutes(Router* router) {
  AddRoute(router, "POST", "/collections/{name}/query", Role::kRead,
           "Find documents (filter, projection, sort, skip, limit, token)", Query);
  AddRoute(router, "POST", "/collections/{name}/aggregate", Role::kRead,
           "Run an aggregation pipeline", Aggregate);
  AddRoute(router, "POST", "/collections/{name}/count", Role::kRead,
           "Count documents matching a filter", Count);
  AddRoute(router, "POST", "/collections/{name}/distinct", Role::kRead,
           "Distinct values of a field among matching documents", Distinct);
  AddRoute(router, "POST", "/collections/{name}/explain", Role::kRead, "Explain a query's plan",
           Explain);
  AddRoute(router, "POST", "/collections/{name}/update", Role::kWrite,
           "Update documents matching a filter (many, upsert)", Update);
  AddRoute(router, "POST", "/collections/{name}/delete", Role::kWrite,
           "Delete documents matching a filter", Delete);
}

}  // namespace strata::server::routes
