// Transactions held open across requests: begin, operations inside one, commit, cancel. Only
// the key that began a transaction may use it. Beginning, reading, committing and cancelling
// need a read key (a read-only transaction reads one snapshot); operations that write need a
// write key. A commit that fails (Conflict: 409) ends the transaction all the same.
#include "server/json_body.h"
#include "server/router.h"
#include "server/routes_common.h"
#include "server/service.h"

namespace strata::server {

namespace {

using routes::AddRoute;

std::string Owner(const RouteContext& ctx) { return ctx.principal ? ctx.principal->id : ""; }

// The transaction of the path's {txn}, locked for this request.
struct Held {
  std::shared_ptr<TxnRegistry::Entry> entry;
  std::unique_lock<std::mutex> lock;
  Transaction* txn() { return entry->txn.get(); }
};

Result<Held> Hold(RouteContext& ctx) {
  auto acquired = ctx.service->txns()->Acquire(ctx.params[0], Owner(ctx));
  if (!acquired.ok()) return acquired.status();
  // Acquire refuses a transaction another request ended while this one waited for it.
  return Held{std::move(acquired->first), std::move(acquired->second)};
}

// The transaction and the collection named by the path ({txn}, {name}); the collection must
// exist unless the operation may create it.
Result<Held> HoldFor(RouteContext& ctx, bool may_create) {
  auto held = Hold(ctx);
  if (!held.ok() || may_create) return held;
  STRATA_RETURN_IF_ERROR(routes::FindCollection(ctx.service->db(), ctx.params[1]).status());
  return held;
}

Result<Value> PathId(RouteContext& ctx, Transaction* txn) {
  auto info = routes::FindCollection(ctx.service->db(), ctx.params[1]);
  if (!info.ok()) return info.status();
  const std::string& name = ctx.params[1];
  return routes::IdFromSegment(
      *info, ctx.params[2], [&](const Value& candidate) { return txn->Get(name, candidate).ok(); });
}

Status NoDocument(const RouteContext& ctx) {
  return Status::NotFound("no document with _id '" + ctx.params[2] + "' in '" + ctx.params[1] +
                          "'");
}

Result<HttpResponse> Begin(RouteContext& ctx) {
  auto txn = ctx.service->db()->BeginTransaction();
  if (!txn.ok()) return txn.status();
  std::string id = ctx.service->txns()->Add(std::move(*txn), Owner(ctx));
  return JsonResponse(Value::MakeObject({{"txn", id}}), 201);
}

Result<HttpResponse> Commit(RouteContext& ctx) {
  auto held = Hold(ctx);
  if (!held.ok()) return held.status();
  Status s = held->txn()->Commit();
  held->entry->txn.reset();
  ctx.service->txns()->Remove(ctx.params[0]);
  if (!s.ok()) return s;
  return JsonResponse(Value::MakeObject({{"committed", true}}));
}

Result<HttpResponse> Cancel(RouteContext& ctx) {
  auto held = Hold(ctx);
  if (!held.ok()) return held.status();
  held->txn()->Cancel();
  held->entry->txn.reset();
  ctx.service->txns()->Remove(ctx.params[0]);
  return JsonResponse(Value::MakeObject({{"cancelled", true}}));
}

Result<HttpResponse> Insert(RouteContext& ctx) {
  auto doc = ParseJsonBody(ctx.request);
  if (!doc.ok()) return doc.status();
  STRATA_RETURN_IF_ERROR(routes::RequireDocument(*doc));
  auto held = HoldFor(ctx, /*may_create=*/true);
  if (!held.ok()) return held.status();
  Database* db = ctx.service->db();
  bool existed = routes::CollectionExists(db, ctx.params[1]);
  auto id = held->txn()->Insert(ctx.params[1], std::move(*doc));
  if (!id.ok()) {
    routes::DropIfCreated(db, ctx.params[1], existed);
    return id.status();
  }
  return JsonResponse(Value::MakeObject({{"_id", std::move(*id)}}), 201);
}

Result<HttpResponse> Get(RouteContext& ctx) {
  auto held = HoldFor(ctx, false);
  if (!held.ok()) return held.status();
  auto id = PathId(ctx, held->txn());
  if (!id.ok()) return id.status();
  auto doc = held->txn()->Get(ctx.params[1], *id);
  if (!doc.ok()) return doc.status();
  return JsonResponse(*doc);
}

Result<HttpResponse> Replace(RouteContext& ctx) {
  auto doc = ParseObjectBody(ctx.request);
  if (!doc.ok()) return doc.status();
  for (const auto& [field, value] : doc->as_object()) {
    if (!field.empty() && field[0] == '$') {
      return Status::InvalidArgument("a replacement document cannot contain operators ('" + field +
                                     "'); use PATCH");
    }
  }
  auto held = HoldFor(ctx, false);
  if (!held.ok()) return held.status();
  auto id = PathId(ctx, held->txn());
  if (!id.ok()) return id.status();
  if (const Value* given = doc->Find("_id"); given != nullptr && *given != *id) {
    return Status::InvalidArgument("the body's _id differs from the path's");
  }
  auto r = held->txn()->Update(ctx.params[1], routes::IdFilter(*id), *doc);
  if (!r.ok()) return r.status();
  if (r->matched == 0) return NoDocument(ctx);
  return JsonResponse(routes::UpdateResultValue(*r));
}

Result<HttpResponse> Patch(RouteContext& ctx) {
  auto patch = ParseObjectBody(ctx.request);
  if (!patch.ok()) return patch.status();
  auto held = HoldFor(ctx, false);
  if (!held.ok()) return held.status();
  auto id = PathId(ctx, held->txn());
  if (!id.ok()) return id.status();
  auto r = held->txn()->Update(ctx.params[1], routes::IdFilter(*id),
                               routes::PatchToUpdate(std::move(*patch)));
  if (!r.ok()) return r.status();
  if (r->matched == 0) return NoDocument(ctx);
  return JsonResponse(routes::UpdateResultValue(*r));
}

Result<HttpResponse> DeleteOne(RouteContext& ctx) {
  auto held = HoldFor(ctx, false);
  if (!held.ok()) return held.status();
  auto id = PathId(ctx, held->txn());
  if (!id.ok()) return id.status();
  auto n = held->txn()->Delete(ctx.params[1], routes::IdFilter(*id));
  if (!n.ok()) return n.status();
  if (*n == 0) return NoDocument(ctx);
  return JsonResponse(Value::MakeObject({{"deleted", static_cast<int64_t>(*n)}}));
}

Result<HttpResponse> Query(RouteContext& ctx) {
  auto body = ParseObjectBody(ctx.request, /*allow_empty=*/true);
  if (!body.ok()) return body.status();
  STRATA_RETURN_IF_ERROR(CheckFields(*body, {"filter", "projection", "sort", "skip", "limit"}));
  auto filter = GetObject(*body, "filter");
  if (!filter.ok()) return filter.status();
  auto options = routes::ParseFindOptions(*body, /*allow_token=*/false);
  if (!options.ok()) return options.status();
  auto held = HoldFor(ctx, false);
  if (!held.ok()) return held.status();
  auto docs = held->txn()->Find(ctx.params[1], *filter, *options);
  if (!docs.ok()) return docs.status();
  return JsonTextResponse(routes::DocumentsJson(*docs));
}

Result<HttpResponse> Update(RouteContext& ctx) {
  auto b = routes::ParseUpdateBody(ctx.request);
  if (!b.ok()) return b.status();
  auto held = HoldFor(ctx, b->upsert);
  if (!held.ok()) return held.status();
  Database* db = ctx.service->db();
  bool existed = routes::CollectionExists(db, ctx.params[1]);
  auto r = held->txn()->Update(ctx.params[1], b->filter, b->update, b->many, b->upsert);
  if (!r.ok()) {
    routes::DropIfCreated(db, ctx.params[1], existed);
    return r.status();
  }
  return JsonResponse(routes::UpdateResultValue(*r));
}

Result<HttpResponse> Delete(RouteContext& ctx) {
  auto b = routes::ParseDeleteBody(ctx.request);
  if (!b.ok()) return b.status();
  auto held = HoldFor(ctx, false);
  if (!held.ok()) return held.status();
  auto n = held->txn()->Delete(ctx.params[1], b->filter, b->many);
  if (!n.ok()) return n.status();
  return JsonResponse(Value::MakeObject({{"deleted", static_cast<int64_t>(*n)}}));
}

}  // namespace

void AddTxnRoutes(Router* router) {
  AddRoute(router, "POST", "/txn", Role::kRead, "Begin a transaction", Begin);
  AddRoute(router, "POST", "/txn/{txn}/commit", Role::kRead,
           "Commit a transaction (409 on conflict; it ends either way)", Commit);
  AddRoute(router, "POST", "/txn/{txn}/cancel", Role::kRead, "Cancel a transaction", Cancel);
  AddRoute(router, "DELETE", "/txn/{txn}", Role::kRead, "Cancel a transaction", Cancel);
  AddRoute(router, "POST", "/txn/{txn}/collections/{name}", Role::kWrite,
           "Insert a document inside a transaction", Insert);
  AddRoute(router, "GET", "/txn/{txn}/collections/{name}/{id}", Role::kRead,
           "Get a document by _id inside a transaction", Get);
  AddRoute(router, "PUT", "/txn/{txn}/collections/{name}/{id}", Role::kWrite,
           "Replace a document by _id inside a transaction", Replace);
  AddRoute(router, "PATCH", "/txn/{txn}/collections/{name}/{id}", Role::kWrite,
           "Update a document by _id inside a transaction", Patch);
  AddRoute(router, "DELETE", "/txn/{txn}/collections/{name}/{id}", Role::kWrite,
           "Delete a document by _id inside a transaction", DeleteOne);
  AddRoute(router, "POST", "/txn/{txn}/collections/{name}/query", Role::kRead,
           "Find documents inside a transaction", Query);
  AddRoute(router, "POST", "/txn/{txn}/collections/{name}/update", Role::kWrite,
           "Update documents matching a filter inside a transaction", Update);
  AddRoute(router, "POST", "/txn/{txn}/collections/{name}/delete", Role::kWrite,
           "Delete documents matching a filter inside a transaction", Delete);
}

}  // namespace strata::server
