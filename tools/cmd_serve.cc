// `strata serve`: the HTTP/JSON and WebSocket server (src/server) on a data directory.
#include <pthread.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "commands.h"
#include "server/http_server.h"
#include "server/service.h"

namespace strata::tools {
namespace {

// Log lines go to stdout through stdio's buffer and are flushed once a second and at every
// warning: spdlog's console sinks flush each line, which cost a write() system call and a
// contended lock per request (the access log was an eighth of the server's CPU under load).
class BufferedStdoutSink : public spdlog::sinks::base_sink<std::mutex> {
 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t line;
    formatter_->format(msg, line);
    fwrite(line.data(), 1, line.size(), stdout);
  }
  void flush_() override { fflush(stdout); }
};

void InstallLogger() {
  static char buffer[64 * 1024];
  fflush(stdout);
  setvbuf(stdout, buffer, _IOFBF, sizeof(buffer));
  auto logger = std::make_shared<spdlog::logger>("", std::make_shared<BufferedStdoutSink>());
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(std::move(logger));
  spdlog::flush_every(std::chrono::seconds(1));
}

int Serve(server::ServerOptions options) {
  if (const char* key = std::getenv("STRATA_ADMIN_KEY");
      key != nullptr && options.admin_key.empty()) {
    options.admin_key = key;
  }
  // SIGINT and SIGTERM are taken by one thread with sigwait, so no handler runs inside the server.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  InstallLogger();
  std::string admin_secret;
  auto service = server::Service::Open(options, &admin_secret);
  if (!service.ok()) {
    fprintf(stderr, "serve: %s\n", service.status().ToString().c_str());
    return 1;
  }
  auto http = server::HttpServer::Start(service->get(), options);
  if (!http.ok()) {
    fprintf(stderr, "serve: %s\n", http.status().ToString().c_str());
    return 1;
  }
  std::string scheme = options.tls_cert.empty() ? "http" : "https";
  printf("strata: listening on %s://%s:%u (data %s, backend %s)\n", scheme.c_str(),
         options.bind.c_str(), (*http)->port(), options.data.c_str(), options.backend.c_str());
  if (!admin_secret.empty()) {
    printf("strata: first start: created admin API key (shown once, keep it safe):\n  %s\n",
           admin_secret.c_str());
  }
  fflush(stdout);
  int sig = 0;
  sigwait(&signals, &sig);
  spdlog::info("signal {}: stopping (finishing requests in flight)", sig);
  (*http)->Stop();
  (*http)->Wait();
  http->reset();
  Status closed = (*service)->Close();
  if (!closed.ok()) {
    fprintf(stderr, "serve: close: %s\n", closed.ToString().c_str());
    return 1;
  }
  spdlog::info("stopped cleanly");
  spdlog::default_logger()->flush();
  return 0;
}

}  // namespace

void AddServeCommand(CLI::App& app, int* exit_code) {
  auto options = std::make_shared<server::ServerOptions>();
  auto* cmd = app.add_subcommand("serve", "Run the HTTP/JSON and WebSocket server");
  cmd->add_option("--port", options->port, "TCP port (0: any free port)")->capture_default_str();
  cmd->add_option("--bind", options->bind, "Address to listen on")->capture_default_str();
  cmd->add_option("--data", options->data, "Data directory")->capture_default_str();
  cmd->add_option("--backend", options->backend, "Storage engine")->capture_default_str();
  cmd->add_option("--threads", options->io_threads, "I/O threads")->capture_default_str();
  cmd->add_option("--max-body", options->max_body_bytes,
                  "Largest request body or WebSocket message, bytes")
      ->capture_default_str();
  cmd->add_option("--max-connections", options->max_connections, "Open connections at most")
      ->capture_default_str();
  cmd->add_option("--idle-timeout-ms", options->idle_timeout_ms,
                  "Close a connection idle this long")
      ->capture_default_str();
  cmd->add_option("--request-timeout-ms", options->request_timeout_ms,
                  "Longest time to receive one request")
      ->capture_default_str();
  cmd->add_option("--ws-queue-bytes", options->ws_queue_bytes,
                  "Outbound bytes queued per WebSocket before reads pause")
      ->capture_default_str();
  cmd->add_option("--tls-cert", options->tls_cert, "PEM certificate chain (enables TLS)");
  cmd->add_option("--tls-key", options->tls_key, "PEM private key");
  cmd->add_option("--cors-origin", options->cors_origins,
                  "Allowed CORS origin (repeat; \"*\" for any)");
  cmd->add_flag("--quiet", options->quiet, "No access log");
  cmd->callback([options, exit_code] { *exit_code = Serve(*options); });
}

}  // namespace strata::tools
