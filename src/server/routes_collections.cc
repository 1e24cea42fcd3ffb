// Routes for collections (list, create, drop) and single documents (insert, bulk insert, list
// by page, get, replace, update, delete). Reads need a read key; writes and creating a
// collection a write key; dropping a collection an admin key.
#include <array>

#include "codec/json.h"
#include "server/json_body.h"
#include "server/router.h"
#include "server/routes_common.h"
#include "server/service.h"

namespace strata::server {

namespace routes {

namespace {

constexpr std::array<ValueType, 9> kSchemaTypes = {
    ValueType::kNull,   ValueType::kBool,   ValueType::kInt,
    ValueType::kDouble, ValueType::kString, ValueType::kObject,
    ValueType::kArray,  ValueType::kBinary, ValueType::kDate};

Result<ValueType> SchemaType(std::string_view path, std::string_view name) {
  for (ValueType t : kSchemaTypes) {
    if (ValueTypeName(t) == name) return t;
  }
  if (name == "int" || name == "integer") return ValueType::kInt;
  if (name == "number") return ValueType::kDouble;
  if (name == "boolean") return ValueType::kBool;
  if (name == "binary") return ValueType::kBinary;
  return Status::InvalidArgument(
      "schema field '" + std::string(path) + "': unknown type '" + std::string(name) +
      "'; use null, bool, long (or int), double (or number: any number), string, object, array, "
      "binData or date");
}

// One field rule: {"type": "string", "required": true} or just the type name.
Result<FieldSchema> SchemaField(std::string path, const Value& spec) {
  FieldSchema field;
  field.path = std::move(path);
  if (field.path.empty()) return Status::InvalidArgument("schema: a field path is empty");
  if (spec.is_string()) {
    auto type = SchemaType(field.path, spec.as_string());
    if (!type.ok()) return type.status();
    field.type = *type;
    return field;
  }
  if (!spec.is_object()) {
    return Status::InvalidArgument("schema field '" + field.path +
                                   "' must be a type name or an object {type, required}");
  }
  STRATA_RETURN_IF_ERROR(CheckFields(spec, {"path", "type", "required"}));
  auto type = GetString(spec, "type");
  if (!type.ok()) return type.status();
  if (!type->empty()) {
    auto t = SchemaType(field.path, *type);
    if (!t.ok()) return t.status();
    field.type = *t;
  }
  auto required = GetBool(spec, "required", false);
  if (!required.ok()) return required.status();
  field.required = *required;
  return field;
}

// {"id": "generated"|"autoincrement"|"user", "timestamps": bool, "schema": [...] or {...}}.
Result<CollectionOptions> ParseCollectionOptions(const Value& spec) {
  CollectionOptions options;
  if (spec.is_null()) return options;
  STRATA_RETURN_IF_ERROR(CheckFields(spec, {"id", "timestamps", "schema"}));
  auto id = GetString(spec, "id", "generated");
  if (!id.ok()) return id.status();
  if (*id == "generated") {
    options.id_strategy = IdStrategy::kGenerated;
  } else if (*id == "autoincrement") {
    options.id_strategy = IdStrategy::kAutoIncrement;
  } else if (*id == "user") {
    options.id_strategy = IdStrategy::kUser;
  } else {
    return Status::InvalidArgument("options.id must be generated, autoincrement or user, not '" +
                                   *id + "'");
  }
  auto timestamps = GetBool(spec, "timestamps", false);
  if (!timestamps.ok()) return timestamps.status();
  options.timestamps = *timestamps;
  const Value* schema = spec.Find("schema");
  if (schema == nullptr || schema->is_null()) return options;
  if (schema->is_array()) {
    for (const Value& entry : schema->as_array()) {
      if (!entry.is_object()) {
        return Status::InvalidArgument("schema entries must be objects {path, type, required}");
      }
      auto path = GetString(entry, "path");
      if (!path.ok()) return path.status();
      auto field = SchemaField(*path, entry);
      if (!field.ok()) return field.status();
      options.schema.push_back(std::move(*field));
    }
  } else if (schema->is_object()) {
    for (const auto& [path, rule] : schema->as_object()) {
      auto field = SchemaField(path, rule);
      if (!field.ok()) return field.status();
      options.schema.push_back(std::move(*field));
    }
  } else {
    return Status::InvalidArgument("options.schema must be an array or an object");
  }
  return options;
}

std::string_view IdStrategyName(IdStrategy s) {
  switch (s) {
    case IdStrategy::kAutoIncrement:
      return "autoincrement";
    case IdStrategy::kUser:
      return "user";
    case IdStrategy::kGenerated:
      break;
  }
  return "generated";
}

Value CollectionValue(const CollectionInfo& info) {
  Array schema;
  for (const FieldSchema& f : info.options.schema) {
    Value entry = Value::MakeObject({{"path", f.path}});
    if (f.type) entry.Set("type", std::string(ValueTypeName(*f.type)));
    entry.Set("required", f.required);
    schema.push_back(std::move(entry));
  }
  Value options = Value::MakeObject({{"id", std::string(IdStrategyName(info.options.id_strategy))},
                                     {"timestamps", info.options.timestamps},
                                     {"schema", Value(std::move(schema))}});
  return Value::MakeObject({{"name", info.name}, {"options", std::move(options)}});
}

// ---- collections ------------------------------------------------------------------------------

Result<HttpResponse> ListCollections(RouteContext& ctx) {
  auto counts = QueryBool(ctx.request, "counts", false);
  if (!counts.ok()) return counts.status();
  Database* db = ctx.service->db();
  Array list;
  for (const CollectionInfo& info : db->ListCollections()) {
    Value v = CollectionValue(info);
    if (*counts) {
      auto n = db->collection(info.name).Count();
      if (!n.ok()) return n.status();
      v.Set("count", static_cast<int64_t>(*n));
    }
    list.push_back(std::move(v));
  }
  return JsonResponse(Value::MakeObject({{"collections", Value(std::move(list))}}));
}

Result<HttpResponse> CreateCollection(RouteContext& ctx) {
  auto body = ParseObjectBody(ctx.request);
  if (!body.ok()) return body.status();
  STRATA_RETURN_IF_ERROR(CheckFields(*body, {"name", "options"}));
  auto name = GetString(*body, "name");
  if (!name.ok()) return name.status();
  if (name->empty()) return Status::InvalidArgument("name is required");
  auto spec = GetObject(*body, "options");
  if (!spec.ok()) return spec.status();
  auto options = ParseCollectionOptions(*spec);
  if (!options.ok()) return options.status();
  STRATA_RETURN_IF_ERROR(ctx.service->db()->CreateCollection(*name, *options));
  auto info = FindCollection(ctx.service->db(), *name);
  if (!info.ok()) return info.status();
  return JsonResponse(CollectionValue(*info), 201);
}

Result<HttpResponse> DropCollection(RouteContext& ctx) {
  STRATA_RETURN_IF_ERROR(ctx.service->db()->DropCollection(ctx.params[0]));
  return JsonResponse(Value::MakeObject({{"dropped", ctx.params[0]}}));
}

// ---- documents --------------------------------------------------------------------------------

// GET /collections/{name}?limit=&token=&filter=&sort=&projection=&skip=
Result<HttpResponse> ListDocuments(RouteContext& ctx) {
  const HttpRequest& req = ctx.request;
  FindOptions options;
  auto limit = QueryInt(req, "limit", kDefaultPageSize, 1, kMaxPageSize);
  if (!limit.ok()) return limit.status();
  auto skip = QueryInt(req, "skip", 0, 0);
  if (!skip.ok()) return skip.status();
  auto filter = QueryJson(req, "filter");
  if (!filter.ok()) return filter.status();
  auto sort = QueryJson(req, "sort");
  if (!sort.ok()) return sort.status();
  auto projection = QueryJson(req, "projection");
  if (!projection.ok()) return projection.status();
  if (!filter->is_null() && !filter->is_object()) {
    return Status::InvalidArgument("query parameter filter must be a JSON object");
  }
  if (!sort->is_null() && !sort->is_object()) {
    return Status::InvalidArgument("query parameter sort must be a JSON object");
  }
  if (!projection->is_null() && !projection->is_object()) {
    return Status::InvalidArgument("query parameter projection must be a JSON object");
  }
  options.skip = *skip;
  options.limit = *limit + 1;  // one more shows whether another page follows
  options.sort = std::move(*sort);
  options.projection = std::move(*projection);
  options.resume_token = std::string(req.Query("token"));
  auto info = FindCollection(ctx.service->db(), ctx.params[0]);
  if (!info.ok()) return info.status();
  auto cursor = ctx.service->db()->collection(ctx.params[0]).Find(*filter, options);
  if (!cursor.ok()) return cursor.status();
  auto page = ReadPage(cursor->get(), *limit);
  if (!page.ok()) return page.status();
  return JsonTextResponse(std::move(*page));
}

Result<HttpResponse> InsertDocument(RouteContext& ctx) {
  auto doc = ParseJsonBody(ctx.request);
  if (!doc.ok()) return doc.status();
  STRATA_RETURN_IF_ERROR(RequireDocument(*doc));
  Database* db = ctx.service->db();
  bool existed = CollectionExists(db, ctx.params[0]);
  auto id = db->collection(ctx.params[0]).InsertOne(std::move(*doc));
  if (!id.ok()) {
    DropIfCreated(db, ctx.params[0], existed);
    return id.status();
  }
  return JsonResponse(Value::MakeObject({{"_id", std::move(*id)}}), 201);
}

// An array of documents, or {"documents": [...]}; all are inserted or none.
Result<HttpResponse> BulkInsert(RouteContext& ctx) {
  auto body = ArrayOrFieldBody(ctx.request, "documents", "an array of documents or {documents}");
  if (!body.ok()) return body.status();
  Value docs = std::move(*body);
  for (size_t i = 0; i < docs.as_array().size(); ++i) {
    STRATA_RETURN_IF_ERROR(RequireDocument(docs.as_array()[i], "document " + std::to_string(i)));
  }
  Database* db = ctx.service->db();
  bool existed = CollectionExists(db, ctx.params[0]);
  auto ids = db->collection(ctx.params[0]).InsertMany(std::move(docs.as_array()));
  if (!ids.ok()) {
    DropIfCreated(db, ctx.params[0], existed);
    return ids.status();
  }
  int64_t n = static_cast<int64_t>(ids->size());
  return JsonResponse(Value::MakeObject({{"inserted", n}, {"ids", Value(Array(std::move(*ids)))}}),
                      201);
}

// The collection (404 when missing) and the _id the path names.
Result<std::pair<CollectionInfo, Value>> TargetDocument(RouteContext& ctx) {
  auto info = FindCollection(ctx.service->db(), ctx.params[0]);
  if (!info.ok()) return info.status();
  Collection c = ctx.service->db()->collection(ctx.params[0]);
  Value id = IdFromSegment(*info, ctx.params[1],
                           [&c](const Value& candidate) { return c.Get(candidate).ok(); });
  return std::make_pair(std::move(*info), std::move(id));
}

Status NoDocument(const RouteContext& ctx) {
  return Status::NotFound("no document with _id " + codec::ToJson(Value(ctx.params[1])) + " in '" +
                          ctx.params[0] + "'");
}

Result<HttpResponse> GetDocument(RouteContext& ctx) {
  Collection c = ctx.service->db()->collection(ctx.params[0]);
  Value id;
  if (AllDigits(ctx.params[1])) {  // only then can the id strategy change the id's type
    auto target = TargetDocument(ctx);
    if (!target.ok()) return target.status();
    id = std::move(target->second);
  } else {
    id = Value(ctx.params[1]);
  }
  auto doc = c.Get(id);
  if (!doc.ok()) return doc.status();
  return JsonResponse(*doc);
}

// PUT: the body replaces the document (its _id, when given, must be the path's).
Result<HttpResponse> ReplaceDocument(RouteContext& ctx) {
  auto doc = ParseJsonBody(ctx.request);
  if (!doc.ok()) return doc.status();
  STRATA_RETURN_IF_ERROR(RequireDocument(*doc));
  auto target = TargetDocument(ctx);
  if (!target.ok()) return target.status();
  const Value& id = target->second;
  if (const Value* given = doc->Find("_id"); given != nullptr && *given != id) {
    return Status::InvalidArgument("the body's _id " + codec::ToJson(*given) +
                                   " differs from the path's " + codec::ToJson(id));
  }
  for (const auto& [field, value] : doc->as_object()) {
    if (!field.empty() && field[0] == '$') {
      return Status::InvalidArgument("a replacement document cannot contain operators ('" + field +
                                     "'); use PATCH");
    }
  }
  auto r = ctx.service->db()->collection(ctx.params[0]).ReplaceOne(IdFilter(id), std::move(*doc));
  if (!r.ok()) return r.status();
  if (r->matched == 0) return NoDocument(ctx);
  return JsonResponse(UpdateResultValue(*r));
}

// PATCH: update operators, or a plain object of fields to set.
Result<HttpResponse> PatchDocument(RouteContext& ctx) {
  auto patch = ParseObjectBody(ctx.request);
  if (!patch.ok()) return patch.status();
  auto target = TargetDocument(ctx);
  if (!target.ok()) return target.status();
  auto r = ctx.service->db()
               ->collection(ctx.params[0])
               .UpdateOne(IdFilter(target->second), PatchToUpdate(std::move(*patch)));
  if (!r.ok()) return r.status();
  if (r->matched == 0) return NoDocument(ctx);
  return JsonResponse(UpdateResultValue(*r));
}

Result<HttpResponse> DeleteDocument(RouteContext& ctx) {
  auto target = TargetDocument(ctx);
  if (!target.ok()) return target.status();
  auto n = ctx.service->db()->collection(ctx.params[0]).DeleteOne(IdFilter(target->second));
  if (!n.ok()) return n.status();
  if (*n == 0) return NoDocument(ctx);
  return JsonResponse(Value::MakeObject({{"deleted", static_cast<int64_t>(*n)}}));
}

}  // namespace

void AddDocumentRoutes(Router* router) {
  AddRoute(router, "GET", "/collections", Role::kRead,
           "List collections (?counts=true adds counts)", ListCollections);
  AddRoute(router, "POST", "/collections", Role::kWrite, "Create a collection with options",
           CreateCollection);
  AddRoute(router, "DELETE", "/collections/{name}", Role::kAdmin,
           "Drop a collection, its documents and indexes", DropCollection);
  AddRoute(router, "GET", "/collections/{name}", Role::kRead,
           "List documents by page (limit, token, filter, sort, projection, skip)", ListDocuments);
  AddRoute(router, "POST", "/collections/{name}", Role::kWrite, "Insert one document",
           InsertDocument);
  AddRoute(router, "POST", "/collections/{name}/bulk", Role::kWrite,
           "Insert many documents atomically", BulkInsert);
  AddRoute(router, "GET", "/collections/{name}/{id}", Role::kRead, "Get a document by _id",
           GetDocument);
  AddRoute(router, "PUT", "/collections/{name}/{id}", Role::kWrite, "Replace a document by _id",
           ReplaceDocument);
  AddRoute(router, "PATCH", "/collections/{name}/{id}", Role::kWrite,
           "Update a document by _id with operators (or fields to set)", PatchDocument);
  AddRoute(router, "DELETE", "/collections/{name}/{id}", Role::kWrite, "Delete a document by _id",
           DeleteDocument);
}

}  // namespace routes

void AddCollectionRoutes(Router* router) {
  routes::AddDocumentRoutes(router);
  routes::AddQueryRoutes(router);
  routes::AddIndexRoutes(router);
}

}  // namespace strata::server
