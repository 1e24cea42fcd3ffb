#include "server/http_dispatch.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

#include "server/http_status.h"
#include "server/metrics.h"
#include "server/service.h"

namespace strata::server {
namespace {

void AddCors(const Service& service, const HttpRequest& request, HttpResponse* response) {
  std::string_view origin = request.Header("origin");
  if (origin.empty()) return;
  const auto& allowed = service.options().cors_origins;
  bool any = std::find(allowed.begin(), allowed.end(), "*") != allowed.end();
  if (!any && std::find(allowed.begin(), allowed.end(), origin) == allowed.end()) return;
  response->headers.emplace_back("Access-Control-Allow-Origin", any ? "*" : std::string(origin));
  if (!any) response->headers.emplace_back("Vary", "Origin");
}

HttpResponse Preflight(const Service& service, const HttpRequest& request) {
  HttpResponse response;
  response.status = 204;
  response.content_type.clear();
  AddCors(service, request, &response);
  if (!response.headers.empty()) {
    response.headers.emplace_back("Access-Control-Allow-Methods",
                                  "GET, POST, PUT, PATCH, DELETE, OPTIONS");
    response.headers.emplace_back("Access-Control-Allow-Headers",
                                  "Content-Type, X-API-Key, Authorization");
    response.headers.emplace_back("Access-Control-Max-Age", "600");
  }
  return response;
}

}  // namespace

std::string_view RequestKey(const HttpRequest& request) {
  std::string_view key = request.Header("x-api-key");
  if (!key.empty()) return key;
  std::string_view auth = request.Header("authorization");
  constexpr std::string_view kBearer = "Bearer ";
  if (auth.size() > kBearer.size() && auth.substr(0, kBearer.size()) == kBearer) {
    return auth.substr(kBearer.size());
  }
  return request.Query("key");
}

HttpResponse Dispatch(Service* service, const Router& router, const HttpRequest& request) {
  auto start = std::chrono::steady_clock::now();
  HttpResponse response;
  Series* series = nullptr;
  if (request.method == "OPTIONS") {
    response = Preflight(*service, request);
  } else {
    Router::Match match = router.Find(request.method, request.path);
    if (match.route == nullptr) {
      response = ErrorResponse(
          match.path_known
              ? Status::NotSupported("method " + request.method + " is not allowed on " +
                                     request.path)
              : Status::NotFound("no route for " + request.method + " " + request.path));
      if (match.path_known) response.status = 405;
    } else {
      const Route& route = *match.route;
      series = route.series;
      RouteContext context{service, request, std::move(match.params), std::nullopt};
      Status denied;
      if (route.needs_key) {
        auto key = service->Authorize(RequestKey(request), route.role);
        if (key.ok()) {
          context.principal = std::move(key).value();
        } else {
          denied = key.status();
        }
      }
      if (!denied.ok()) {
        response = ErrorResponse(denied);
        if (denied.code() == Status::Code::kUnauthenticated) {
          response.headers.emplace_back("WWW-Authenticate", "Bearer");
        }
      } else {
        Result<HttpResponse> result = route.handler(context);
        response = result.ok() ? std::move(result).value() : ErrorResponse(result.status());
      }
    }
    AddCors(*service, request, &response);
  }
  uint64_t micros = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                              std::chrono::steady_clock::now() - start)
                                              .count());
  if (series != nullptr) series->Record(response.status, micros);
  if (!service->options().quiet) {
    spdlog::info("{} \"{} {}\" {} {} {}us", request.remote, request.method, request.path,
                 response.status, response.body.size(), micros);
  }
  return response;
}

}  // namespace strata::server
