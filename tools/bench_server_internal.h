// What the files of `bench server` share: the load generators (bench_server_load.cc) and the child
// processes (bench_server_peers.cc). Not a public interface.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "bench_report.h"
#include "bench_server.h"
#include "strata/status.h"
#include "strata/value.h"

namespace strata::tools::server_bench {

inline constexpr const char* kCollection = "bench";

// The server under load.
struct Target {
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  std::string key;
};

enum class Workload { kHttpGet, kHttpInsert, kWsGet, kWsInsert, kMixed };

struct LoadSpec {
  Workload workload = Workload::kHttpGet;
  int connections = 1;
  double seconds = 5;
  int depth = 16;        // WebSocket frames per message
  uint64_t num = 0;      // gets pick ids k0 .. k(num-1)
  int get_percent = 80;  // kMixed: the rest are inserts
  uint64_t seed = 42;
  int run = 0;      // tells this run's inserted ids apart from every other run's
  int threads = 1;  // generator threads (each with its share of the connections)
};

struct LoadResult {
  uint64_t requests = 0;  // completed, each frame of a pipelined message counted
  uint64_t errors = 0;
  double seconds = 0;
  Histogram latency;        // per request (HTTP) or per message (WebSocket), nanoseconds
  std::string first_error;  // the first failure, for the notes
};

// The document of id `id` (about 100 bytes of JSON), as JSON text and as a Value's fields.
std::string DocJson(std::string_view id, uint64_t i);
Value DocValue(std::string_view id, uint64_t i);

// Inserts k0 .. k(num-1) with POST /collections/bench/bulk in batches of 1000.
Status LoadDocuments(const Target& target, uint64_t num, double* seconds);

// Runs one workload for spec.seconds on spec.connections threads (each connects first, then all
// start together). `tick`, when set, is called on the calling thread about once per second,
// first at the start (argument: whole seconds elapsed).
LoadResult RunLoad(const Target& target, const LoadSpec& spec,
                   const std::function<void(int)>& tick = {});

// A child process with pipes to its stdin and stdout (-1 when not asked for).
struct Child {
  pid_t pid = -1;
  int in = -1;
  int out = -1;
};
// Starts `args` (args[0] searched on PATH when it has no '/'). stdout goes to a pipe when
// `pipe_out`, else to `out_file` when set (created or truncated; stderr too), else it is
// inherited; stderr goes to /dev/null when `quiet` and no `out_file` is given.
Result<Child> Spawn(const std::vector<std::string>& args, bool pipe_in, bool pipe_out, bool quiet,
                    const std::string& out_file = "");
// Runs `args` to the end, feeding `input` to its stdin; returns what it printed on stdout.
// Fails when it cannot start or exits with a non-zero status.
Result<std::string> RunCapture(const std::vector<std::string>& args, std::string_view input = {});
// SIGTERM, then SIGKILL after `grace_ms`; reaps the child.
void StopChild(pid_t pid, int grace_ms = 10000);
// True when `name` is an executable on PATH.
bool OnPath(const std::string& name);
// A TCP port on 127.0.0.1 that was free a moment ago.
Result<uint16_t> FreePort();

// A `strata serve` child on a temporary data directory.
struct StartedServer {
  pid_t pid = -1;
  uint16_t port = 0;
  std::string admin_key;
  std::string root;  // holds data/ and serve.log (the child's stdout and stderr)
  bool remove_root = false;
};
Result<StartedServer> StartServer(const ServerBenchConfig& config);
void StopServer(StartedServer* server, bool keep);

// wrk against GET /collections/bench/k<random>; one row.
// wrk runs with `threads` threads (at most one per connection), like the built-in generator.
ServerBenchRow RunWrk(const Target& target, uint64_t num, int connections, double seconds,
                      int threads);

// redis-server on a free port, preloaded with `num` keys, then redis-benchmark GET/SET with -P 16
// and -P 1 at each connection count. Adds rows, notes and redis's peak RSS to *report.
void RunRedisAnchor(const ServerBenchConfig& config, ServerBenchReport* report);

}  // namespace strata::tools::server_bench
