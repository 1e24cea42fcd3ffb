// What the server fuzz targets share: a Service on an in-memory database, opened once per run.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "server/service.h"

namespace strata::fuzz {

// Opens a quiet Service on the memory backend with `options` otherwise as given, and stores the
// admin key's secret in `*secret`; a failure ends the run (nothing can be fuzzed without it).
inline std::unique_ptr<server::Service> OpenMemoryService(server::ServerOptions options,
                                                          std::string* secret) {
  options.backend = "memory";
  options.data = "/tmp/strata-fuzz-memory";  // the memory backend writes nothing there
  options.quiet = true;
  auto service = server::Service::Open(options, secret);
  if (!service.ok()) {
    fprintf(stderr, "fuzz: %s\n", service.status().ToString().c_str());
    abort();
  }
  return std::move(service).value();
}

}  // namespace strata::fuzz
