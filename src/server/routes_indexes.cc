// Index routes: list (with state and build progress), create, drop. Creating an index needs a
// write key (it is built before the call returns, creating the collection when missing);
// dropping one an admin key, like dropping a collection.
#include "server/json_body.h"
#include "server/router.h"
#include "server/routes_common.h"
#include "server/service.h"

namespace strata::server::routes {

namespace {

Result<int> Direction(const std::string& path, const Value& v) {
  if (v.is_number() && (v.as_number() == 1 || v.as_number() == -1)) {
    return static_cast<int>(v.as_number());
  }
  return Status::InvalidArgument("index field '" + path + "': direction must be 1 or -1");
}

// {"a": 1, "b": -1} or [["a", 1], ["b", -1]] (or ["a", "b"], ascending).
Result<std::vector<std::pair<std::string, int>>> IndexFields(const Value& spec) {
  std::vector<std::pair<std::string, int>> fields;
  if (spec.is_object()) {
    for (const auto& [path, dir] : spec.as_object()) {
      auto d = Direction(path, dir);
      if (!d.ok()) return d.status();
      fields.emplace_back(path, *d);
    }
  } else if (spec.is_array()) {
    for (const Value& e : spec.as_array()) {
      if (e.is_string()) {
        fields.emplace_back(e.as_string(), 1);
        continue;
      }
      if (!e.is_array() || e.as_array().size() != 2 || !e.as_array()[0].is_string()) {
        return Status::InvalidArgument("fields entries must be [path, 1 or -1]");
      }
      const std::string& path = e.as_array()[0].as_string();
      auto d = Direction(path, e.as_array()[1]);
      if (!d.ok()) return d.status();
      fields.emplace_back(path, *d);
    }
  } else if (spec.is_null()) {
    return Status::InvalidArgument("fields is required, e.g. {\"email\": 1}");
  } else {
    return Status::InvalidArgument("fields must be an object {path: 1 or -1} or an array");
  }
  if (fields.empty()) return Status::InvalidArgument("an index needs at least one field");
  return fields;
}

std::string DefaultName(const std::vector<std::pair<std::string, int>>& fields) {
  std::string name;
  for (const auto& [path, dir] : fields) {
    if (!name.empty()) name += '_';
    name += path + "_" + std::to_string(dir);
  }
  return name;
}

Value IndexValue(const IndexInfo& info) {
  Object fields;
  for (const auto& [path, dir] : info.fields) fields.emplace_back(path, Value(dir));
  Value v = Value::MakeObject({{"name", info.name},
                               {"fields", Value(std::move(fields))},
                               {"unique", info.unique},
                               {"sparse", info.sparse},
                               {"multikey", info.multikey},
                               {"kind", info.kind},
                               {"state", info.state}});
  if (info.state == "building") {
    v.Set("progress", Value::MakeObject({{"done", static_cast<int64_t>(info.build_done)},
                                         {"total", static_cast<int64_t>(info.build_total)}}));
  }
  return v;
}

Result<HttpResponse> ListIndexes(RouteContext& ctx) {
  STRATA_RETURN_IF_ERROR(FindCollection(ctx.service->db(), ctx.params[0]).status());
  auto list = ctx.service->db()->collection(ctx.params[0]).ListIndexes();
  if (!list.ok()) return list.status();
  Array out;
  for (const IndexInfo& info : *list) out.push_back(IndexValue(info));
  return JsonResponse(Value::MakeObject({{"indexes", Value(std::move(out))}}));
}

Result<HttpResponse> CreateIndex(RouteContext& ctx) {
  auto body = ParseObjectBody(ctx.request);
  if (!body.ok()) return body.status();
  STRATA_RETURN_IF_ERROR(CheckFields(*body, {"fields", "unique", "sparse", "name", "kind"}));
  const Value* spec = body->Find("fields");
  auto fields = IndexFields(spec == nullptr ? Value() : *spec);
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
  std::string created = options.name.empty() ? DefaultName(*fields) : options.name;
  auto list = db->collection(ctx.params[0]).ListIndexes();
  if (list.ok()) {
    for (const IndexInfo& info : *list) {
      if (info.name == created) return JsonResponse(IndexValue(info), 201);
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
