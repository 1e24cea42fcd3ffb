// What the route files (routes_*.cc) share: looking up a collection, turning a path segment into
// an _id, reading find options from a body, writing a page of documents. Internal to the server.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "server/router.h"
#include "strata/db.h"

namespace strata::server::routes {

// Limits on how many documents one response may be asked for.
constexpr int64_t kDefaultPageSize = 100;
constexpr int64_t kMaxPageSize = 100000;

// The collection's catalog entry; NotFound ("collection 'x' does not exist") when it does not.
Result<CollectionInfo> FindCollection(Database* db, std::string_view name);

bool CollectionExists(Database* db, std::string_view name);
// Writing to a missing collection creates it; when that write then fails, the collection (still
// empty) is dropped again, so that a failed call changes nothing.
void DropIfCreated(Database* db, std::string_view name, bool existed);

bool AllDigits(std::string_view s);

// The _id a path segment names. Segments are string ids, except in auto-increment collections,
// where a segment of digits is the integer id; in other collections (whose documents may carry
// integer ids of their own) a segment of digits is the string when `exists` says so, else the
// integer.
Value IdFromSegment(const CollectionInfo& info, std::string_view segment,
                    const std::function<bool(const Value&)>& exists);
Value IdFilter(const Value& id);

// FindOptions from a body's projection, sort, skip, limit (and token when allowed).
Result<FindOptions> ParseFindOptions(const Value& body, bool allow_token);

// Reads up to `limit` documents (0: all) and writes {"documents": [...], "token": "..."}; the
// token is there when more documents follow and the query can be resumed. The cursor must have
// been opened with a limit of at least limit + 1 (or none) so that "more" can be seen.
Result<std::string> ReadPage(Cursor* cursor, int64_t limit);
// {"<field>": [...]} for documents already read.
std::string DocumentsJson(const std::vector<Value>& docs, std::string_view field = "documents");

// A body that is a bare array or {"<field>": array} (field then required); any other body is
// refused as "request body must be <shape>".
Result<Value> ArrayOrFieldBody(const HttpRequest& request, const std::string& field,
                               std::string_view shape);
// The body's filter: an object, {} when absent or null (absent is refused when `required`).
Result<Value> BodyFilter(const Value& body, bool required);
// The bodies of update and delete by filter, inside a transaction or not.
struct UpdateBody {
  Value filter;  // required
  Value update;  // required: operators, or a replacement document when not many
  bool many = false;
  bool upsert = false;
};
Result<UpdateBody> ParseUpdateBody(const HttpRequest& request);
struct DeleteBody {
  Value filter;  // required
  bool many = false;
};
Result<DeleteBody> ParseDeleteBody(const HttpRequest& request);

Value UpdateResultValue(const UpdateResult& result);
// An update's body: operators as given; a plain object (no $-field) means {"$set": object}.
Value PatchToUpdate(Value patch);
// A document the body must give: an object.
Status RequireDocument(const Value& doc, std::string_view what = "a document");

void AddRoute(Router* router, std::string method, std::string pattern, Role role,
              std::string summary, Handler handler);

// The route groups AddCollectionRoutes puts together.
void AddDocumentRoutes(Router* router);  // routes_collections.cc
void AddQueryRoutes(Router* router);     // routes_query.cc
void AddIndexRoutes(Router* router);     // routes_indexes.cc

}  // namespace strata::server::routes
