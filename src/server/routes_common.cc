#include "server/routes_common.h"

#include <charconv>

#include "codec/json.h"
#include "server/json_body.h"

namespace strata::server::routes {

Result<CollectionInfo> FindCollection(Database* db, std::string_view name) {
  for (CollectionInfo& info : db->ListCollections()) {
    if (info.name == name) return std::move(info);
  }
  return Status::NotFound("collection '" + std::string(name) + "' does not exist");
}

bool CollectionExists(Database* db, std::string_view name) { return db->HasCollection(name); }

void DropIfCreated(Database* db, std::string_view name, bool existed) {
  if (existed) return;
  // Atomic: a concurrent writer's document in the collection keeps it.
  (void)db->DropCollectionIfEmpty(name);
}

bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

Value IdFromSegment(const CollectionInfo& info, std::string_view segment,
                    const std::function<bool(const Value&)>& exists) {
  if (!AllDigits(segment)) return Value(segment);
  int64_t n = 0;
  auto [end, ec] = std::from_chars(segment.data(), segment.data() + segment.size(), n);
  if (ec != std::errc() || end != segment.data() + segment.size()) return Value(segment);
  if (info.options.id_strategy != IdStrategy::kAutoIncrement && exists && exists(Value(segment))) {
    return Value(segment);
  }
  return Value(n);
}

Value IdFilter(const Value& id) { return Value::MakeObject({{"_id", id}}); }

Result<FindOptions> ParseFindOptions(const Value& body, bool allow_token) {
  FindOptions options;
  auto projection = GetObject(body, "projection");
  if (!projection.ok()) return projection.status();
  options.projection = std::move(*projection);
  auto sort = GetObject(body, "sort");
  if (!sort.ok()) return sort.status();
  options.sort = std::move(*sort);
  auto skip = GetInt(body, "skip", 0, 0);
  if (!skip.ok()) return skip.status();
  options.skip = *skip;
  auto limit = GetInt(body, "limit", 0, 0, kMaxPageSize);
  if (!limit.ok()) return limit.status();
  options.limit = *limit;
  if (allow_token) {
    auto token = GetString(body, "token");
    if (!token.ok()) return token.status();
    options.resume_token = std::move(*token);
  }
  return options;
}

Result<std::string> ReadPage(Cursor* cursor, int64_t limit) {
  std::string out = "{\"documents\":[";
  std::string token;
  Value doc;
  for (int64_t n = 0;; ++n) {
    std::string candidate;
    if (limit > 0 && n == limit) candidate = cursor->ResumeToken();  // before peeking further
    auto more = cursor->Next(&doc);
    if (!more.ok()) return more.status();
    if (!*more) break;
    if (limit > 0 && n == limit) {
      token = std::move(candidate);
      break;
    }
    if (n > 0) out += ',';
    codec::AppendJson(doc, &out);
  }
  out += ']';
  if (!token.empty()) {
    out += ",\"token\":";
    codec::AppendJson(Value(token), &out);
  }
  out += '}';
  return out;
}

std::string DocumentsJson(const std::vector<Value>& docs, std::string_view field) {
  std::string out = "{";
  codec::AppendJson(Value(field), &out);
  out += ":[";
  for (size_t i = 0; i < docs.size(); ++i) {
    if (i > 0) out += ',';
    codec::AppendJson(docs[i], &out);
  }
  out += "]}";
  return out;
}

Value UpdateResultValue(const UpdateResult& result) {
  Value v = Value::MakeObject({{"matched", static_cast<int64_t>(result.matched)},
                               {"modified", static_cast<int64_t>(result.modified)}});
  if (result.upserted_id) v.Set("upsertedId", *result.upserted_id);
  return v;
}

Value PatchToUpdate(Value patch) {
  if (!patch.is_object() || patch.as_object().empty()) return patch;
  for (const auto& [name, value] : patch.as_object()) {
    if (!name.empty() && name[0] == '$') return patch;
  }
  return Value::MakeObject({{"$set", std::move(patch)}});
}

Status RequireDocument(const Value& doc, std::string_view what) {
  if (doc.is_object()) return Status::OK();
  return Status::InvalidArgument(std::string(what) + " must be a JSON object, not " +
                                 std::string(ValueTypeName(doc.type())));
}

void AddRoute(Router* router, std::string method, std::string pattern, Role role,
              std::string summary, Handler handler) {
  Route route;
  route.method = std::move(method);
  route.pattern = std::move(pattern);
  route.role = role;
  route.summary = std::move(summary);
  // A feature the query language lacks (a positional operator, say) is bad input for this
  // request, not a server fault: 400 rather than the 501 NotSupported maps to.
  route.handler = [handler = std::move(handler)](RouteContext& ctx) -> Result<HttpResponse> {
    Result<HttpResponse> r = handler(ctx);
    if (r.ok() || !r.status().IsNotSupported()) return r;
    return Status::InvalidArgument(r.status().message());
  };
  router->Add(std::move(route));
}

Result<Value> ArrayOrFieldBody(const HttpRequest& request, const std::string& field,
                               std::string_view shape) {
  auto body = ParseJsonBody(request);
  if (!body.ok()) return body.status();
  if (body->is_array()) return std::move(*body);
  if (!body->is_object()) {
    return Status::InvalidArgument("request body must be " + std::string(shape));
  }
  STRATA_RETURN_IF_ERROR(CheckFields(*body, {field}));
  auto list = GetArray(*body, field);
  if (!list.ok()) return list.status();
  if (list->is_null()) return Status::InvalidArgument(field + " is required");
  return std::move(*list);
}

Result<Value> BodyFilter(const Value& body, bool required) {
  const Value* f = body.Find("filter");
  if (f == nullptr && required) {
    return Status::InvalidArgument("filter is required (use {} to match every document)");
  }
  auto filter = GetObject(body, "filter");
  if (!filter.ok()) return filter.status();
  if (filter->is_null()) return Value(Object{});
  return filter;
}

Result<UpdateBody> ParseUpdateBody(const HttpRequest& request) {
  auto body = ParseObjectBody(request);
  if (!body.ok()) return body.status();
  STRATA_RETURN_IF_ERROR(CheckFields(*body, {"filter", "update", "many", "upsert"}));
  UpdateBody out;
  auto filter = BodyFilter(*body, true);
  if (!filter.ok()) return filter.status();
  out.filter = std::move(*filter);
  auto update = GetObject(*body, "update");
  if (!update.ok()) return update.status();
  if (update->is_null()) return Status::InvalidArgument("update is required");
  out.update = std::move(*update);
  auto many = GetBool(*body, "many", false);
  if (!many.ok()) return many.status();
  out.many = *many;
  auto upsert = GetBool(*body, "upsert", false);
  if (!upsert.ok()) return upsert.status();
  out.upsert = *upsert;
  return out;
}

Result<DeleteBody> ParseDeleteBody(const HttpRequest& request) {
  auto body = ParseObjectBody(request);
  if (!body.ok()) return body.status();
  STRATA_RETURN_IF_ERROR(CheckFields(*body, {"filter", "many"}));
  DeleteBody out;
  auto filter = BodyFilter(*body, true);
  if (!filter.ok()) return filter.status();
  out.filter = std::move(*filter);
  auto many = GetBool(*body, "many", false);
  if (!many.ok()) return many.status();
  out.many = *many;
  return out;
}

}  // namespace strata::server::routes
