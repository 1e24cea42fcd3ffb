// ShellBackend over a server's HTTP API: one kept-alive connection, JSON bodies, and the API's
// {"error": {"code", "message"}} turned back into a Status of the same kind.
#include <cctype>
#include <memory>

#include "client/http_client.h"
#include "codec/json.h"
#include "server/http_status.h"
#include "shell_backend.h"

namespace strata::tools {

namespace {

// The Status code of a server error's "code": the inverse of server::ErrorCodeFor, so that the two
// cannot drift apart; IOError for a name it does not know.
Status::Code CodeFor(std::string_view name) {
  using C = Status::Code;
  // kUnauthenticated is the last code.
  for (int i = static_cast<int>(C::kNotFound); i <= static_cast<int>(C::kUnauthenticated); ++i) {
    auto code = static_cast<C>(i);
    if (server::ErrorCodeFor(Status(code, "")) == name) return code;
  }
  return C::kIOError;
}

// Percent-encodes a path segment (collection or index names).
std::string Segment(std::string_view s) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

uint64_t AsCount(const Value& v, std::string_view field) {
  const Value* n = v.is_object() ? v.Find(field) : nullptr;
  return n != nullptr && n->is_number() ? static_cast<uint64_t>(n->as_number()) : 0;
}

std::vector<Value> AsList(Value v, std::string_view field) {
  if (v.is_array()) return std::move(v.as_array());
  if (v.is_object()) {
    if (Value* list = v.Find(field); list != nullptr && list->is_array()) {
      return std::move(list->as_array());
    }
  }
  return {};
}

UpdateResult AsUpdateResult(const Value& v) {
  UpdateResult r;
  r.matched = AsCount(v, "matched");
  r.modified = AsCount(v, "modified");
  if (const Value* id = v.is_object() ? v.Find("upsertedId") : nullptr; id != nullptr) {
    r.upserted_id = *id;
  }
  return r;
}

class HttpBackend : public ShellBackend {
 public:
  explicit HttpBackend(const client::ClientOptions& options) : http_(options) {}

  std::string Describe() const override {
    const auto& o = http_.options();
    return std::string(o.tls ? "https://" : "http://") + o.host + ":" + std::to_string(o.port);
  }

  Result<std::vector<std::string>> ListCollections() override {
    auto r = Call("GET", "/collections", Value());
    if (!r.ok()) return r.status();
    std::vector<std::string> names;
    for (Value& c : AsList(std::move(*r), "collections")) {
      if (c.is_string()) {
        names.push_back(c.as_string());
      } else if (const Value* n = c.is_object() ? c.Find("name") : nullptr;
                 n != nullptr && n->is_string()) {
        names.push_back(n->as_string());
      }
    }
    return names;
  }
  Status CreateCollection(std::string_view name) override {
    return Call("POST", "/collections", Value::MakeObject({{"name", std::string(name)}})).status();
  }
  Status DropCollection(std::string_view name) override {
    return Call("DELETE", Path(name), Value()).status();
  }

  Result<FindPage> Find(std::string_view coll, const FindSpec& spec) override {
    Value body{Object{}};
    if (!spec.filter.is_null()) body.Set("filter", spec.filter);
    if (!spec.projection.is_null()) body.Set("projection", spec.projection);
    if (!spec.sort.is_null()) body.Set("sort", spec.sort);
    if (spec.skip > 0) body.Set("skip", spec.skip);
    if (spec.limit > 0) body.Set("limit", spec.limit);
    if (!spec.token.empty()) body.Set("token", spec.token);
    auto r = Read(Path(coll, "/query"), body);
    if (!r.ok()) return r.status();
    FindPage page;
    if (const Value* token = r->is_object() ? r->Find("token") : nullptr;
        token != nullptr && token->is_string()) {
      page.token = token->as_string();
    }
    page.docs = AsList(std::move(*r), "documents");
    page.more = !page.token.empty();
    if (page.token.empty() && spec.token.empty() && spec.limit > 0 &&
        page.docs.size() == static_cast<size_t>(spec.limit)) {
      // A full first page without a token: either exactly the end, or a query that cannot be
      // resumed (an in-memory sort). One document past the page tells which. (A query that was
      // resumed by token would have returned a token if more followed.)
      FindSpec probe = spec;
      probe.projection = Value::MakeObject({{"_id", 1}});
      probe.skip = spec.skip + spec.limit;
      probe.limit = 1;
      auto next = Find(coll, probe);
      if (!next.ok()) return next.status();
      page.more = !next->docs.empty();
    }
    return page;
  }

  Result<uint64_t> Count(std::string_view coll, const Value& filter) override {
    auto r = Read(Path(coll, "/count"), WithFilter(filter));
    if (!r.ok()) return r.status();
    return AsCount(*r, "count");
  }
  Result<std::vector<Value>> Distinct(std::string_view coll, std::string_view field,
                                      const Value& filter) override {
    Value body = WithFilter(filter);
    body.Set("field", std::string(field));
    auto r = Read(Path(coll, "/distinct"), body);
    if (!r.ok()) return r.status();
    return AsList(std::move(*r), "values");
  }
  Result<std::vector<Value>> Aggregate(std::string_view coll, const Value& pipeline) override {
    auto r = Read(Path(coll, "/aggregate"), Value::MakeObject({{"pipeline", pipeline}}));
    if (!r.ok()) return r.status();
    return AsList(std::move(*r), "documents");
  }

  Result<std::vector<Value>> InsertMany(std::string_view coll, std::vector<Value> docs) override {
    auto r = Call("POST", Path(coll, "/bulk"),
                  Value::MakeObject({{"documents", Value(std::move(docs))}}));
    if (!r.ok()) return r.status();
    return AsList(std::move(*r), "ids");
  }
  Result<UpdateResult> Update(std::string_view coll, const Value& filter, const Value& update,
                              bool many, bool upsert) override {
    Value body = WithFilter(filter);
    body.Set("update", update);
    body.Set("many", many);
    body.Set("upsert", upsert);
    auto r = Call("POST", Path(coll, "/update"), body);
    if (!r.ok()) return r.status();
    return AsUpdateResult(*r);
  }
  Result<UpdateResult> Replace(std::string_view coll, const Value& filter, Value replacement,
                               bool upsert) override {
    // The update route takes a replacement document when many is false.
    for (const auto& [name, v] : replacement.is_object() ? replacement.as_object() : Object{}) {
      if (!name.empty() && name[0] == '$') {
        // The route would take it as an update; refuse it as ReplaceOne does.
        return Status::InvalidArgument("a replacement document cannot contain update operators");
      }
    }
    return Update(coll, filter, replacement, false, upsert);
  }
  Result<uint64_t> Delete(std::string_view coll, const Value& filter, bool many) override {
    Value body = WithFilter(filter);
    body.Set("many", many);
    auto r = Call("POST", Path(coll, "/delete"), body);
    if (!r.ok()) return r.status();
    return AsCount(*r, "deleted");
  }

  Result<std::string> CreateIndex(std::string_view coll, const Value& keys,
                                  const Value& options) override {
    Value body = Value::MakeObject({{"fields", keys}});
    if (options.is_object()) {
      for (const auto& [name, v] : options.as_object()) body.Set(name, v);
    } else if (!options.is_null()) {
      return Status::InvalidArgument("createIndex options must be an object");
    }
    auto r = Call("POST", Path(coll, "/indexes"), body);
    if (!r.ok()) return r.status();
    const Value* name = r->is_object() ? r->Find("name") : nullptr;
    return name != nullptr && name->is_string() ? name->as_string() : std::string();
  }
  Status DropIndex(std::string_view coll, std::string_view name) override {
    return Call("DELETE", Path(coll, "/indexes/" + Segment(name)), Value()).status();
  }
  Result<std::vector<Value>> ListIndexes(std::string_view coll) override {
    auto r = Call("GET", Path(coll, "/indexes"), Value());
    if (!r.ok()) return r.status();
    return AsList(std::move(*r), "indexes");
  }

 private:
  static std::string Path(std::string_view coll, std::string_view suffix = {}) {
    return "/collections/" + Segment(coll) + std::string(suffix);
  }
  static Value WithFilter(const Value& filter) {
    Value body{Object{}};
    body.Set("filter", filter.is_null() ? Value(Object{}) : filter);
    return body;
  }

  // A read: a missing collection reads as empty ({} answers as no documents, count 0), as
  // it does on a data directory.
  Result<Value> Read(const std::string& target, const Value& body) {
    auto r = Call("POST", target, body);
    if (r.status().IsNotFound()) return Value(Object{});
    return r;
  }

  // One request; the response body parsed, or the API's error as a Status.
  Result<Value> Call(std::string_view method, const std::string& target, const Value& body) {
    std::string text = body.is_null() ? std::string() : codec::ToJson(body);
    auto r = http_.Request(method, target, text);
    if (!r.ok()) return r.status();
    Result<Value> parsed = r->body.empty() ? Result<Value>(Value()) : codec::ParseJson(r->body);
    if (r->status >= 200 && r->status < 300) {
      if (!parsed.ok()) {
        return Status::IOError(std::string(method) + " " + target +
                               ": the server's answer is not JSON: " + parsed.status().message());
      }
      return parsed;
    }
    if (parsed.ok() && parsed->is_object()) {
      if (const Value* e = parsed->Find("error"); e != nullptr && e->is_object()) {
        const Value* code = e->Find("code");
        const Value* message = e->Find("message");
        return Status(code != nullptr && code->is_string() ? CodeFor(code->as_string())
                                                           : Status::Code::kIOError,
                      message != nullptr && message->is_string() ? message->as_string() : r->body);
      }
    }
    return Status::IOError(std::string(method) + " " + target + ": HTTP " +
                           std::to_string(r->status) + ": " + r->body.substr(0, 200));
  }

  client::HttpClient http_;
};

}  // namespace

std::unique_ptr<ShellBackend> MakeHttpBackend(const client::ClientOptions& options) {
  return std::make_unique<HttpBackend>(options);
}

}  // namespace strata::tools
