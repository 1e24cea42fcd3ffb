// `strata bench server`: the options and the run (see bench_server.h for what it measures).
#include "bench_server.h"

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <csignal>
#include <ctime>
#include <fstream>
#include <memory>
#include <thread>

#include "bench_server_internal.h"
#include "client/http_client.h"

namespace strata::tools {

using server_bench::LoadResult;
using server_bench::LoadSpec;
using server_bench::Target;
using server_bench::Workload;

void AddServerBenchOptions(CLI::App* cmd, ServerBenchConfig* config, std::string* connections) {
  *connections = "1,16,64";
  cmd->add_option("--num", config->num, "Documents loaded before the workloads")
      ->capture_default_str();
  cmd->add_option("--seconds", config->seconds, "Seconds per workload and connection count")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 3600.0));
  cmd->add_option("--connections", *connections, "Comma-separated connection counts")
      ->capture_default_str();
  cmd->add_option("--workloads", config->workloads,
                  "Workloads to run: http-get, http-insert, ws-get, ws-insert")
      ->delimiter(',')
      ->check(CLI::IsMember({"http-get", "http-insert", "ws-get", "ws-insert"}))
      ->capture_default_str();
  cmd->add_option("--depth", config->depth, "WebSocket pipelining: frames per message")
      ->capture_default_str()
      ->check(CLI::Range(1, 1024));
  cmd->add_option("--threads", config->threads, "I/O threads of the server started here")
      ->capture_default_str()
      ->check(CLI::Range(1, 256));
  cmd->add_option("--load-threads", config->load_threads,
                  "Threads of the built-in load generator (one epoll loop each; one, like "
                  "redis-benchmark, leaves the most of the machine to the server)")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  cmd->add_option("--soak", config->soak_seconds,
                  "Seconds of mixed HTTP load with the server's RSS sampled every second (0: no "
                  "soak; 60 for the issue's claim)")
      ->capture_default_str();
  cmd->add_option("--soak-connections", config->soak_connections, "Connections of the soak")
      ->capture_default_str()
      ->check(CLI::Range(1, 4096));
  cmd->add_option("--url", config->url,
                  "A running server (http://host:port) instead of starting one here");
  cmd->add_option("--key", config->key,
                  "API key with the write role (default with a server started here: its admin "
                  "key)");
  cmd->add_option("--dir", config->dir,
                  "Directory of the started server's data/ and serve.log; default: a fresh /tmp "
                  "dir, removed at the end");
  cmd->add_option("--json", config->json_path, "Also write the results as JSON to this file");
  cmd->add_flag("--keep", config->keep, "Keep the started server's directory");
  cmd->add_flag("!--no-wrk", config->use_wrk, "Do not run wrk even when it is on PATH");
  cmd->add_flag("!--no-redis", config->use_redis, "Do not run the redis-server anchor");
  cmd->add_option("--redis-requests", config->redis_requests,
                  "Requests per redis-benchmark run (0: sized per pipelining)")
      ->capture_default_str();
  cmd->add_option("--seed", config->seed, "Seed of the random ids")->capture_default_str();
}

Status FinishServerBenchConfig(const std::string& connections, ServerBenchConfig* config) {
  auto list = ParseConnectionList(connections);
  if (!list.ok()) return list.status();
  config->connections = std::move(*list);
  if (config->soak_seconds < 0) return Status::InvalidArgument("--soak must be >= 0");
  if (!config->url.empty() && config->key.empty()) {
    return Status::InvalidArgument("--url needs --key (an API key with the write role)");
  }
  return Status::OK();
}

void AddBenchServerCommand(CLI::App& bench, int* exit_code) {
  CLI::App* cmd = bench.add_subcommand(
      "server",
      "Load on a real `strata serve` over loopback (HTTP get/insert, WebSocket pipelined "
      "get/insert, wrk), with redis-server/redis-benchmark as the anchor");
  auto config = std::make_shared<ServerBenchConfig>();
  auto connections = std::make_shared<std::string>();
  AddServerBenchOptions(cmd, config.get(), connections.get());
  cmd->callback([config, connections, exit_code] {
    Status s = FinishServerBenchConfig(*connections, config.get());
    if (!s.ok()) {
      std::fprintf(stderr, "bench server: %s\n", s.ToString().c_str());
      *exit_code = 2;
      return;
    }
    *exit_code = RunServerBench(*config);
  });
}

namespace {

std::string LoadAverage() {
  std::ifstream in("/proc/loadavg");
  std::string a, b, c;
  in >> a >> b >> c;
  return a.empty() ? std::string("?") : a + " " + b + " " + c;
}

const char* WorkloadName(Workload w) {
  switch (w) {
    case Workload::kHttpGet:
      return "http get";
    case Workload::kHttpInsert:
      return "http insert";
    case Workload::kWsGet:
      return "ws get";
    case Workload::kWsInsert:
      return "ws insert";
    case Workload::kMixed:
      return "http mixed";
  }
  return "?";
}

ServerBenchRow RowOf(Workload w, const LoadSpec& spec, const LoadResult& r) {
  const bool websocket = w == Workload::kWsGet || w == Workload::kWsInsert;
  ServerBenchRow row;
  row.system = "strata";
  row.workload =
      websocket ? fmt::format("{} x{}", WorkloadName(w), spec.depth) : std::string(WorkloadName(w));
  row.tool = "strata";
  row.connections = spec.connections;
  row.requests = r.requests;
  row.errors = r.errors;
  row.seconds = r.seconds;
  row.rps = r.seconds > 0 ? r.requests / r.seconds : 0;
  row.p50_us = r.latency.Percentile(50) / 1e3;
  row.p99_us = r.latency.Percentile(99) / 1e3;
  row.latency_basis = websocket ? fmt::format("batch of {}", spec.depth) : "request";
  if (r.requests == 0) row.error = r.first_error.empty() ? "no request completed" : r.first_error;
  return row;
}

// True when k(num-1) is already there (a running server loaded by an earlier run).
bool AlreadyLoaded(const Target& target, uint64_t num) {
  client::ClientOptions o;
  o.host = target.host;
  o.port = target.port;
  o.api_key = target.key;
  client::HttpClient http(o);
  auto r = http.Request(
      "GET", fmt::format("/collections/{}/k{}", server_bench::kCollection, num == 0 ? 0 : num - 1));
  return r.ok() && r->status == 200;
}

void Progress(const ServerBenchRow& row) {
  if (!row.error.empty()) {
    std::fprintf(stderr, "  %-16s %-6s %3d conns: failed: %s\n", row.workload.c_str(),
                 row.tool.c_str(), row.connections, row.error.c_str());
    return;
  }
  std::fprintf(stderr,
               "  %-16s %-6s %3d conns: %10.0f req/s  p50 %8.1f us  p99 %8.1f us  %llu errors\n",
               row.workload.c_str(), row.tool.c_str(), row.connections, row.rps, row.p50_us,
               row.p99_us, static_cast<unsigned long long>(row.errors));
}

}  // namespace

int RunServerBench(const ServerBenchConfig& config) {
  // A peer closing a socket or pipe must be an error code here, not a signal.
  std::signal(SIGPIPE, SIG_IGN);
  ServerBenchReport report;
  report.config = config;
  report.cpus = static_cast<int>(std::thread::hardware_concurrency());
  const std::string load_start = LoadAverage();

  Target target;
  server_bench::StartedServer started;
  if (!config.url.empty()) {
    client::ClientOptions o;
    Status s = client::ParseUrl(config.url, &o);
    if (!s.ok() || o.tls) {
      std::fprintf(stderr, "bench server: %s\n",
                   s.ok() ? "TLS servers are not supported" : s.ToString().c_str());
      return 2;
    }
    target.host = o.host;
    target.port = o.port;
    target.key = config.key;
    report.server = fmt::format("http://{}:{}", target.host, target.port);
  } else {
    auto server = server_bench::StartServer(config);
    if (!server.ok()) {
      std::fprintf(stderr, "bench server: %s\n", server.status().ToString().c_str());
      return 1;
    }
    started = std::move(*server);
    report.started_server = true;
    target.port = started.port;
    target.key = config.key.empty() ? started.admin_key : config.key;
    report.server = fmt::format("http://127.0.0.1:{}", started.port);
    if (target.key.empty()) {
      std::fprintf(stderr, "bench server: %s held keys already: pass --key\n",
                   started.root.c_str());
      server_bench::StopServer(&started, config.keep);
      return 2;
    }
  }
  std::fprintf(stderr, "bench server: %s, loading %llu documents\n", report.server.c_str(),
               static_cast<unsigned long long>(config.num));

  int exit_code = 0;
  if (config.num > 0 && !report.started_server && AlreadyLoaded(target, config.num)) {
    report.notes.push_back("the documents were there already: loading skipped");
  } else if (config.num > 0) {
    Status loaded = server_bench::LoadDocuments(target, config.num, &report.load_seconds);
    if (!loaded.ok()) {
      std::fprintf(stderr, "bench server: %s\n", loaded.ToString().c_str());
      if (report.started_server) server_bench::StopServer(&started, true);
      return 1;
    }
  }

  // Insert ids differ between runs (and between runs of this process) so that none collide.
  const int run_base = static_cast<int>(std::time(nullptr) % 100000) * 100;
  int run = 0;
  const bool wrk = config.use_wrk && server_bench::OnPath("wrk");
  if (config.use_wrk && !wrk) report.notes.push_back("wrk is not on PATH: no wrk rows");
  const std::pair<Workload, const char*> kWorkloads[] = {{Workload::kHttpGet, "http-get"},
                                                         {Workload::kHttpInsert, "http-insert"},
                                                         {Workload::kWsGet, "ws-get"},
                                                         {Workload::kWsInsert, "ws-insert"}};
  for (const auto& [w, name] : kWorkloads) {
    if (std::find(config.workloads.begin(), config.workloads.end(), name) ==
        config.workloads.end()) {
      continue;
    }
    for (int c : config.connections) {
      LoadSpec spec;
      spec.workload = w;
      spec.connections = c;
      spec.seconds = config.seconds;
      spec.depth = config.depth;
      spec.num = config.num;
      spec.seed = config.seed;
      spec.run = run_base + run++;
      spec.threads = config.load_threads;
      ServerBenchRow row = RowOf(w, spec, server_bench::RunLoad(target, spec));
      Progress(row);
      if (row.errors > 0 && row.error.empty()) {
        report.notes.push_back(
            fmt::format("{} at {} conns: {} errors", row.workload, c, row.errors));
      }
      report.rows.push_back(std::move(row));
      if (w == Workload::kHttpGet && wrk) {
        ServerBenchRow wrk_row =
            server_bench::RunWrk(target, config.num, c, config.seconds, config.load_threads);
        Progress(wrk_row);
        report.rows.push_back(std::move(wrk_row));
      }
    }
  }

  if (config.soak_seconds > 0) {
    SoakResult& soak = report.soak;
    soak.connections = config.soak_connections;
    LoadSpec spec;
    spec.workload = Workload::kMixed;
    spec.connections = config.soak_connections;
    spec.seconds = config.soak_seconds;
    spec.num = config.num;
    spec.seed = config.seed + 1;
    spec.run = run_base + run++;
    spec.threads = config.load_threads;
    std::fprintf(stderr, "  soak: %.0f s of mixed HTTP load on %d connections\n",
                 config.soak_seconds, config.soak_connections);
    const pid_t pid = started.pid;
    LoadResult r = server_bench::RunLoad(target, spec, [&](int) {
      if (pid > 0) soak.rss_bytes.push_back(ProcessRssBytes(pid));
    });
    if (pid > 0) soak.rss_bytes.push_back(ProcessRssBytes(pid));
    soak.seconds = r.seconds;
    soak.requests = r.requests;
    soak.errors = r.errors;
    SummarizeSoak(&soak);
    if (pid <= 0) report.notes.push_back("soak: RSS is only sampled for a server started here");
    if (r.errors > 0) {
      report.notes.push_back(fmt::format("soak: {} errors, first: {}", r.errors, r.first_error));
    }
  }

  if (report.started_server) {
    report.server_peak_rss = ProcessRssBytes(started.pid, "VmHWM:");
    report.server_rss = ProcessRssBytes(started.pid);
    std::fprintf(stderr, "bench server: stopping the server\n");
    server_bench::StopServer(&started, config.keep);
    if (config.keep) report.notes.push_back("server directory kept: " + started.root);
  }
  if (config.use_redis) server_bench::RunRedisAnchor(config, &report);
  report.load_average = fmt::format("{} at the start, {} at the end", load_start, LoadAverage());

  PrintServerReport(report, stdout);
  if (!config.json_path.empty()) {
    std::ofstream out(config.json_path);
    out << ServerReportToJson(report);
    if (!out) {
      std::fprintf(stderr, "bench server: cannot write %s\n", config.json_path.c_str());
      exit_code = 1;
    }
  }
  return exit_code;
}

}  // namespace strata::tools
