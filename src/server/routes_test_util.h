// A Service on a temporary directory and a Router with the collection and transaction routes,
// called without sockets: requests go through Router::Find and the handler, and a failed
// handler's Status becomes the error response the transport would send.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <string>

#include "codec/json.h"
#include "server/http_status.h"
#include "server/router.h"
#include "server/service.h"

namespace strata::server {

struct Reply {
  int status = 0;
  Value body;        // the parsed JSON body (null when not JSON)
  std::string text;  // the raw body
  // The error code of an error body ("not_found"), empty otherwise.
  std::string code() const {
    const Value* e = body.is_object() ? body.Find("error") : nullptr;
    const Value* c = e != nullptr && e->is_object() ? e->Find("code") : nullptr;
    return c != nullptr && c->is_string() ? c->as_string() : "";
  }
  std::string message() const {
    const Value* e = body.is_object() ? body.Find("error") : nullptr;
    const Value* m = e != nullptr && e->is_object() ? e->Find("message") : nullptr;
    return m != nullptr && m->is_string() ? m->as_string() : "";
  }
};

inline std::ostream& operator<<(std::ostream& os, const Reply& r) {
  return os << r.status << " " << r.text;
}

class RoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    static std::atomic<int> counter{0};
    dir_ = std::filesystem::temp_directory_path() /
           ("strata_routes_" + std::to_string(getpid()) + "_" + std::to_string(counter++));
    std::filesystem::remove_all(dir_);
    ServerOptions options;
    options.data = dir_.string();
    options.max_body_bytes = 64 << 10;  // also the document size limit
    options.quiet = true;
    std::string secret;
    auto service = Service::Open(options, &secret);
    ASSERT_TRUE(service.ok()) << service.status().ToString();
    service_ = std::move(service).value();
    ASSERT_FALSE(secret.empty());
    auto admin = service_->keys()->Authenticate(secret);
    ASSERT_TRUE(admin.ok()) << admin.status().ToString();
    admin_ = *admin;
    AddCollectionRoutes(&router_);
    AddTxnRoutes(&router_);
  }

  void TearDown() override {
    if (service_) (void)service_->Close();
    service_.reset();
    std::filesystem::remove_all(dir_);
  }

  Reply Call(const std::string& method, const std::string& target, const std::string& body = "",
             std::optional<ApiKeyInfo> principal = std::nullopt) {
    HttpRequest request;
    request.method = method;
    if (!ParseTarget(target, &request)) {
      ADD_FAILURE() << "bad target " << target;
      return {};
    }
    request.body = body;
    Router::Match match = router_.Find(method, request.path);
    HttpResponse response;
    if (match.route == nullptr) {
      response.status = match.path_known ? 405 : 404;
    } else {
      RouteContext ctx{service_.get(), request, match.params, principal ? principal : admin_};
      Result<HttpResponse> r = match.route->handler(ctx);
      response = r.ok() ? std::move(r).value() : ErrorResponse(r.status());
    }
    Reply reply;
    reply.status = response.status;
    reply.text = response.body;
    auto parsed = codec::ParseJson(response.body);
    if (parsed.ok()) reply.body = std::move(*parsed);
    return reply;
  }

  Reply Get(const std::string& target) { return Call("GET", target); }
  Reply Post(const std::string& target, const std::string& body) {
    return Call("POST", target, body);
  }

  // Every document of a collection in _id order, as JSON text (for "nothing changed" checks).
  std::string Snapshot(const std::string& collection) {
    auto cursor = service_->db()->collection(collection).Find(Value());
    if (!cursor.ok()) return "error: " + cursor.status().ToString();
    auto docs = (*cursor)->ToVector();
    if (!docs.ok()) return "error: " + docs.status().ToString();
    return codec::ToJson(Value(Array(std::move(*docs))));
  }

  std::filesystem::path dir_;
  std::unique_ptr<Service> service_;
  ApiKeyInfo admin_;
  Router router_;
};

}  // namespace strata::server
