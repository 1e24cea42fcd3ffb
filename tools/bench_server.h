// `strata bench server`: load against a real `strata serve` on loopback, with redis-server as the
// request-rate anchor in the same run.
//
// One run: start the server (this binary as a child, or use --url/--key), load `num` documents,
// then for each connection count run HTTP get by id, HTTP insert, WebSocket pipelined get and
// insert (one message of `depth` frames per round trip), and wrk for the HTTP get when it is on
// PATH; then redis-benchmark GET/SET with -P 16 and -P 1 against a fresh redis-server; then an
// optional soak of mixed HTTP load with the server's RSS sampled once per second.
//
// The load generators are blocking clients, one thread per connection, on the same machine as the
// server: they compete with it for the CPU, as redis-benchmark does with redis.
//
// Files: bench_server.cc (the run), bench_server_load.cc (client threads), bench_server_peers.cc
// (child processes: the server, wrk, redis), bench_server_report.cc (parsing, table, JSON).
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "strata/status.h"

namespace CLI {
class App;
}

namespace strata::tools {

struct ServerBenchConfig {
  uint64_t num = 100000;  // documents loaded before the workloads
  double seconds = 5;     // per workload and connection count
  std::vector<int> connections = {1, 16, 64};
  // Which workloads run: "http-get", "http-insert", "ws-get", "ws-insert" (all by default).
  std::vector<std::string> workloads = {"http-get", "http-insert", "ws-get", "ws-insert"};
  int depth = 16;           // WebSocket frames per message
  int threads = 2;          // the server's I/O threads (when it is started here)
  int load_threads = 1;     // threads of the built-in load generator
  double soak_seconds = 0;  // mixed-load memory run; 0: none
  int soak_connections = 16;
  std::string url;  // a running server; empty: start one
  std::string key;  // its API key (with write role)
  std::string dir;  // the started server's data/ and serve.log; default: a fresh /tmp dir
  std::string json_path;
  bool keep = false;            // keep the data directory
  bool use_wrk = true;          // run wrk too when it is on PATH
  bool use_redis = true;        // run the redis anchor when redis-server is installed
  uint64_t redis_requests = 0;  // per redis-benchmark run; 0: sized per pipelining
  uint64_t seed = 42;
};

// Registers `bench server`'s options on `cmd` (filled into *config when parsed); the connection
// list arrives as text in *connections and is turned into config->connections by
// FinishServerBenchConfig. Split from the callback so that parsing can be tested alone.
void AddServerBenchOptions(CLI::App* cmd, ServerBenchConfig* config, std::string* connections);
Status FinishServerBenchConfig(const std::string& connections, ServerBenchConfig* config);
// Adds the `server` subcommand to `bench` (parse, then RunServerBench).
void AddBenchServerCommand(CLI::App& bench, int* exit_code);

// "1,16,64" -> {1, 16, 64}; InvalidArgument for anything else than positive integers.
Result<std::vector<int>> ParseConnectionList(std::string_view text);

// One row of the table: a workload at one connection count, from one load generator.
struct ServerBenchRow {
  std::string system;    // "strata", "redis"
  std::string workload;  // "http get", "ws get x16", "redis GET -P 16", ...
  std::string tool;      // "strata", "wrk", "redis-benchmark"
  int connections = 0;
  uint64_t requests = 0;  // completed requests (each frame of a pipelined message counts)
  uint64_t errors = 0;    // failed requests, non-2xx answers, socket errors
  double seconds = 0;
  double rps = 0;
  double p50_us = 0, p99_us = 0;
  std::string latency_basis;  // "request", "batch of 16", "tool"
  std::string error;          // the row could not run at all
};

// The soak: the server's RSS once per second under mixed HTTP load.
struct SoakResult {
  double seconds = 0;
  int connections = 0;
  uint64_t requests = 0, errors = 0;
  std::vector<int64_t> rss_bytes;  // one sample per second, the first before the load starts
  int64_t start_rss = 0, max_rss = 0, end_rss = 0;
  // Growth over the second half of the samples (after warm-up: memtables, caches filling).
  int64_t late_growth = 0;
};

struct ServerBenchReport {
  ServerBenchConfig config;
  std::string server;  // URL
  bool started_server = false;
  std::string load_average;  // /proc/loadavg at the start and the end
  int cpus = 0;              // online CPUs of the machine
  double load_seconds = 0;   // loading `num` documents
  std::vector<ServerBenchRow> rows;
  int64_t server_peak_rss = 0;  // VmHWM of the server child; 0 when unknown
  int64_t server_rss = 0;       // VmRSS at the end
  int64_t redis_peak_rss = 0;
  SoakResult soak;
  std::vector<std::string> notes;  // skipped tools and why, failures

  const ServerBenchRow* Find(std::string_view system, std::string_view workload,
                             std::string_view tool, int connections) const;
};

// Parses wrk's output (with --latency): requests/s, p50, p99, errors (non-2xx plus socket
// errors), requests and duration. InvalidArgument when Requests/sec is missing.
Status ParseWrkOutput(std::string_view text, ServerBenchRow* row);
// "123.45us", "1.20ms", "2.00s" -> microseconds; negative when unreadable.
double ParseWrkDuration(std::string_view text);

// Parses `redis-benchmark --csv` (Redis 6+: "test","rps","avg_latency_ms",...,"p50_latency_ms",
// ...,"p99_latency_ms",...). Each test becomes one row with system "redis" and workload
// "redis <TEST> -P <pipeline>".
Status ParseRedisCsv(std::string_view text, int connections, int pipeline,
                     std::vector<ServerBenchRow>* rows);

// The per-second RSS samples -> start, max, end and late growth.
void SummarizeSoak(SoakResult* soak);

// Reads VmRSS / VmHWM of a process from /proc/<pid>/status; 0 when unknown.
int64_t ProcessRssBytes(int pid, const char* field = "VmRSS:");

void PrintServerReport(const ServerBenchReport& report, std::FILE* out);
std::string ServerReportToJson(const ServerBenchReport& report);

// Runs the benchmark and prints the report; returns the process exit code.
int RunServerBench(const ServerBenchConfig& config);

}  // namespace strata::tools
