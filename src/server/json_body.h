// Helpers the HTTP handlers share to read JSON request bodies and query parameters and to write
// JSON responses. Every error is InvalidArgument naming the body position (line, column), the
// field or the query parameter at fault, so that bad input becomes a 400 that says why.
// Thread safety: free functions.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <limits>
#include <string>
#include <string_view>

#include "server/http_types.h"
#include "strata/status.h"
#include "strata/value.h"

namespace strata::server {

// The body as JSON (extended forms such as {"$date": ...} accepted). Errors: "request body is
// empty", "request body: line L, column C: ...".
Result<Value> ParseJsonBody(const HttpRequest& request);
// The body as a JSON object; an empty body counts as {} when allow_empty.
Result<Value> ParseObjectBody(const HttpRequest& request, bool allow_empty = false);

// Refuses fields of `object` not in `allowed`, so that a misspelt option ("filtr") is an error
// rather than silently ignored (a delete without its filter would delete everything).
Status CheckFields(const Value& object, std::initializer_list<std::string_view> allowed);

// Typed fields of a body object. An absent or null field gives the default; a field of another
// type is "<name> must be a boolean" (an integer, a string, an object, an array).
Result<bool> GetBool(const Value& object, std::string_view name, bool def);
// Integral doubles (10.0) count as integers.
Result<int64_t> GetInt(const Value& object, std::string_view name, int64_t def,
                       int64_t min = std::numeric_limits<int64_t>::min(),
                       int64_t max = std::numeric_limits<int64_t>::max());
Result<std::string> GetString(const Value& object, std::string_view name,
                              std::string_view def = {});
// The field's value when it is an object; null when absent or null.
Result<Value> GetObject(const Value& object, std::string_view name);
// The field's value when it is an array; null when absent or null.
Result<Value> GetArray(const Value& object, std::string_view name);

// Query parameters. Absent gives the default; "limit must be an integer" and the like otherwise.
Result<int64_t> QueryInt(const HttpRequest& request, std::string_view name, int64_t def,
                         int64_t min = std::numeric_limits<int64_t>::min(),
                         int64_t max = std::numeric_limits<int64_t>::max());
// "true"/"1" and "false"/"0".
Result<bool> QueryBool(const HttpRequest& request, std::string_view name, bool def);
// A parameter holding JSON (?filter={"a":1}); null when absent.
Result<Value> QueryJson(const HttpRequest& request, std::string_view name);

// A response whose body is `value` as JSON.
HttpResponse JsonResponse(const Value& value, int status = 200);
// A response whose body is already JSON text.
HttpResponse JsonTextResponse(std::string json, int status = 200);

}  // namespace strata::server
