#include "server/json_body.h"

#include <charconv>
#include <cmath>

#include "codec/json.h"

namespace strata::server {

namespace {

Status Bad(std::string message) { return Status::InvalidArgument(std::move(message)); }

std::string Quoted(std::string_view s) { return "'" + std::string(s) + "'"; }

Status RangeCheck(std::string_view what, int64_t v, int64_t min, int64_t max) {
  if (v < min) return Bad(std::string(what) + " must be at least " + std::to_string(min));
  if (v > max) return Bad(std::string(what) + " must be at most " + std::to_string(max));
  return Status::OK();
}

// Integral doubles within int64 (10.0) are integers too: some clients write every number so.
bool AsInteger(const Value& v, int64_t* out) {
  if (v.is_int()) {
    *out = v.as_int();
    return true;
  }
  if (v.is_double()) {
    double d = v.as_double();
    if (std::isfinite(d) && std::trunc(d) == d && d >= -9.2e18 && d <= 9.2e18) {
      *out = static_cast<int64_t>(d);
      return true;
    }
  }
  return false;
}

}  // namespace

Result<Value> ParseJsonBody(const HttpRequest& request) {
  if (request.body.find_first_not_of(" \t\r\n") == std::string::npos) {
    return Bad("request body is empty; a JSON value is needed");
  }
  auto parsed = codec::ParseJson(request.body);
  if (!parsed.ok()) {
    return Status(parsed.status().code(), "request body: " + parsed.status().message());
  }
  return parsed;
}

Result<Value> ParseObjectBody(const HttpRequest& request, bool allow_empty) {
  if (allow_empty && request.body.find_first_not_of(" \t\r\n") == std::string::npos) {
    return Value(Object{});
  }
  auto parsed = ParseJsonBody(request);
  if (!parsed.ok()) return parsed;
  if (!parsed->is_object()) {
    return Bad("request body must be a JSON object, not " +
               std::string(ValueTypeName(parsed->type())));
  }
  return parsed;
}

Status CheckFields(const Value& object, std::initializer_list<std::string_view> allowed) {
  if (!object.is_object()) return Status::OK();
  for (const auto& [name, value] : object.as_object()) {
    bool known = false;
    for (std::string_view a : allowed) known = known || a == name;
    if (known) continue;
    std::string expected;
    for (std::string_view a : allowed) {
      if (!expected.empty()) expected += ", ";
      expected += a;
    }
    return Bad("unknown field " + Quoted(name) + " in request body" +
               (expected.empty() ? std::string() : "; expected " + expected));
  }
  return Status::OK();
}

Result<bool> GetBool(const Value& object, std::string_view name, bool def) {
  const Value* v = object.is_object() ? object.Find(name) : nullptr;
  if (v == nullptr || v->is_null()) return def;
  if (!v->is_bool()) return Bad(std::string(name) + " must be a boolean");
  return v->as_bool();
}

Result<int64_t> GetInt(const Value& object, std::string_view name, int64_t def, int64_t min,
                       int64_t max) {
  const Value* v = object.is_object() ? object.Find(name) : nullptr;
  if (v == nullptr || v->is_null()) return def;
  int64_t n = 0;
  if (!AsInteger(*v, &n)) return Bad(std::string(name) + " must be an integer");
  STRATA_RETURN_IF_ERROR(RangeCheck(name, n, min, max));
  return n;
}

Result<std::string> GetString(const Value& object, std::string_view name, std::string_view def) {
  const Value* v = object.is_object() ? object.Find(name) : nullptr;
  if (v == nullptr || v->is_null()) return std::string(def);
  if (!v->is_string()) return Bad(std::string(name) + " must be a string");
  return v->as_string();
}

Result<Value> GetObject(const Value& object, std::string_view name) {
  const Value* v = object.is_object() ? object.Find(name) : nullptr;
  if (v == nullptr || v->is_null()) return Value();
  if (!v->is_object()) return Bad(std::string(name) + " must be an object");
  return *v;
}

Result<Value> GetArray(const Value& object, std::string_view name) {
  const Value* v = object.is_object() ? object.Find(name) : nullptr;
  if (v == nullptr || v->is_null()) return Value();
  if (!v->is_array()) return Bad(std::string(name) + " must be an array");
  return *v;
}

Result<int64_t> QueryInt(const HttpRequest& request, std::string_view name, int64_t def,
                         int64_t min, int64_t max) {
  if (!request.HasQuery(name)) return def;
  std::string_view text = request.Query(name);
  int64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
    return Bad("query parameter " + std::string(name) + " must be an integer, not " + Quoted(text));
  }
  STRATA_RETURN_IF_ERROR(RangeCheck("query parameter " + std::string(name), n, min, max));
  return n;
}

Result<bool> QueryBool(const HttpRequest& request, std::string_view name, bool def) {
  if (!request.HasQuery(name)) return def;
  std::string_view text = request.Query(name);
  if (text == "true" || text == "1" || text.empty()) return true;
  if (text == "false" || text == "0") return false;
  return Bad("query parameter " + std::string(name) + " must be true or false, not " +
             Quoted(text));
}

Result<Value> QueryJson(const HttpRequest& request, std::string_view name) {
  if (!request.HasQuery(name)) return Value();
  auto parsed = codec::ParseJson(request.Query(name));
  if (!parsed.ok()) {
    return Status(parsed.status().code(),
                  "query parameter " + std::string(name) + ": " + parsed.status().message());
  }
  return parsed;
}

HttpResponse JsonResponse(const Value& value, int status) {
  HttpResponse response;
  response.status = status;
  codec::AppendJson(value, &response.body);
  return response;
}

HttpResponse JsonTextResponse(std::string json, int status) {
  HttpResponse response;
  response.status = status;
  response.body = std::move(json);
  return response;
}

}  // namespace strata::server
