// Fuzz target: one HTTP request through the route table and its handlers (no socket), on an
// in-memory database that lives for the whole run. The input is "METHOD TARGET\nBODY". Every
// answer must be a well-formed response below 500.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "fuzz_service.h"
#include "server/http_dispatch.h"
#include "server/router.h"
#include "server/service.h"

namespace {

struct World {
  std::unique_ptr<strata::server::Service> service;
  strata::server::Router router;
  std::string key;
};

World* TheWorld() {
  static World* world = [] {
    auto* w = new World;
    w->service = strata::fuzz::OpenMemoryService({}, &w->key);
    w->router = strata::server::BuildRouter();
    return w;
  }();
  return world;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  World* w = TheWorld();
  std::string_view input(reinterpret_cast<const char*>(data), size);
  size_t nl = input.find('\n');
  std::string_view line = input.substr(0, nl);
  std::string_view body = nl == std::string_view::npos ? std::string_view() : input.substr(nl + 1);
  size_t sp = line.find(' ');
  if (sp == std::string_view::npos) return 0;
  strata::server::HttpRequest request;
  request.method = std::string(line.substr(0, sp));
  if (!strata::server::ParseTarget(line.substr(sp + 1), &request)) return 0;
  // Keep the run's collections few and small: no drops of everything, no huge bodies.
  if (request.path.find("/backup") != std::string::npos) return 0;
  request.headers.emplace_back("x-api-key", w->key);
  request.body = std::string(body);
  strata::server::HttpResponse response =
      strata::server::Dispatch(w->service.get(), w->router, request);
  if (response.status < 100 || response.status >= 500) {
    fprintf(stderr, "fuzz: %d for %s %s\nbody: %s\nanswer: %s\n", response.status,
            request.method.c_str(), request.target.c_str(), request.body.c_str(),
            response.body.c_str());
    abort();
  }
  return 0;
}
