// `bench server`'s child processes: the `strata serve` under test, wrk, and the redis anchor
// (redis-server, redis-cli --pipe for the preload, redis-benchmark).
#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "bench_server_internal.h"
#include "kill_round.h"

namespace strata::tools::server_bench {

namespace {

using Clock = std::chrono::steady_clock;

Status Errno(std::string_view what) {
  return Status::IOError(fmt::format("{}: {}", what, std::strerror(errno)));
}

// True when something accepts TCP connections on 127.0.0.1:port.
bool Accepts(uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  close(fd);
  return ok;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The last `n` lines of `text`, indented, for error messages.
std::string Tail(const std::string& text, int n) {
  size_t pos = text.size();
  while (n-- > 0 && pos > 0) {
    pos = text.rfind('\n', pos - 1);
    if (pos == std::string::npos) {
      pos = 0;
      break;
    }
  }
  return text.substr(pos);
}

// Waits for `pid` up to `ms`; true when it exited (and was reaped).
bool WaitExit(pid_t pid, int ms, int* wstatus) {
  const auto end = Clock::now() + std::chrono::milliseconds(ms);
  while (true) {
    pid_t r = waitpid(pid, wstatus, WNOHANG);
    if (r == pid || (r < 0 && errno == ECHILD)) return true;
    if (Clock::now() >= end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

}  // namespace

Result<Child> Spawn(const std::vector<std::string>& args, bool pipe_in, bool pipe_out, bool quiet,
                    const std::string& out_file) {
  int in_pipe[2] = {-1, -1}, out_pipe[2] = {-1, -1};
  if (pipe_in && pipe2(in_pipe, O_CLOEXEC) != 0) return Errno("pipe");
  if (pipe_out && pipe2(out_pipe, O_CLOEXEC) != 0) return Errno("pipe");
  int file_fd = -1;
  if (!pipe_out && !out_file.empty()) {
    file_fd = open(out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (file_fd < 0) return Errno(out_file);
  }
  // Everything the child needs is built before fork: after it, only async-signal-safe calls.
  std::vector<std::string> copy = args;
  std::vector<char*> argv;
  for (std::string& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = fork();
  if (pid < 0) return Errno("fork");
  if (pid == 0) {
    if (pipe_in) dup2(in_pipe[0], 0);
    if (pipe_out) dup2(out_pipe[1], 1);
    if (file_fd >= 0) {
      dup2(file_fd, 1);
      dup2(file_fd, 2);
    } else if (quiet) {
      int null_fd = open("/dev/null", O_WRONLY);
      if (null_fd >= 0) dup2(null_fd, 2);
    }
    signal(SIGPIPE, SIG_DFL);
    execvp(argv[0], argv.data());
    _exit(127);
  }
  Child child;
  child.pid = pid;
  if (pipe_in) {
    close(in_pipe[0]);
    child.in = in_pipe[1];
  }
  if (pipe_out) {
    close(out_pipe[1]);
    child.out = out_pipe[0];
  }
  if (file_fd >= 0) close(file_fd);
  return child;
}

Result<std::string> RunCapture(const std::vector<std::string>& args, std::string_view input) {
  auto child = Spawn(args, !input.empty(), true, false);
  if (!child.ok()) return child.status();
  // Feed stdin and drain stdout together, so that neither side blocks on a full pipe.
  std::string output;
  size_t written = 0;
  int in = child->in, out = child->out;
  if (in >= 0) fcntl(in, F_SETFL, O_NONBLOCK);
  char buf[65536];
  while (out >= 0) {
    pollfd fds[2];
    int n = 0;
    fds[n++] = {out, POLLIN, 0};
    if (in >= 0) fds[n++] = {in, POLLOUT, 0};
    if (poll(fds, static_cast<nfds_t>(n), -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (n == 2 && (fds[1].revents & (POLLOUT | POLLERR | POLLHUP)) != 0) {
      ssize_t w = write(in, input.data() + written, input.size() - written);
      if (w > 0) written += static_cast<size_t>(w);
      if (w < 0 && errno != EAGAIN) written = input.size();
      if (written == input.size()) {
        close(in);
        in = -1;
      }
    }
    if ((fds[0].revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
      ssize_t r = read(out, buf, sizeof(buf));
      if (r > 0) {
        output.append(buf, static_cast<size_t>(r));
      } else if (r == 0 || errno != EINTR) {
        close(out);
        out = -1;
      }
    }
  }
  if (in >= 0) close(in);
  int wstatus = 0;
  waitpid(child->pid, &wstatus, 0);
  if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0) {
    return Status::IOError(fmt::format("{} failed (status {}): {}", args[0],
                                       WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1,
                                       Tail(output, 5)));
  }
  return output;
}

void StopChild(pid_t pid, int grace_ms) {
  if (pid <= 0) return;
  int wstatus = 0;
  kill(pid, SIGTERM);
  if (!WaitExit(pid, grace_ms, &wstatus)) {
    kill(pid, SIGKILL);
    waitpid(pid, &wstatus, 0);
  }
}

bool OnPath(const std::string& name) {
  const char* path = std::getenv("PATH");
  if (path == nullptr) return false;
  std::string_view dirs(path);
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t colon = dirs.find(':', start);
    if (colon == std::string_view::npos) colon = dirs.size();
    std::string file = std::string(dirs.substr(start, colon - start)) + "/" + name;
    if (access(file.c_str(), X_OK) == 0) return true;
    start = colon + 1;
  }
  return false;
}

Result<uint16_t> FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Errno("socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    Status s = Errno("binding a free port");
    close(fd);
    return s;
  }
  close(fd);
  return ntohs(addr.sin_port);
}

Result<StartedServer> StartServer(const ServerBenchConfig& config) {
  StartedServer server;
  if (config.dir.empty()) {
    char tmpl[] = "/tmp/strata-serverbench-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) return Errno("mkdtemp");
    server.root = tmpl;
    server.remove_root = !config.keep;
  } else {
    server.root = config.dir;
    std::error_code ec;
    std::filesystem::create_directories(server.root, ec);
    if (ec) return Status::IOError(fmt::format("{}: {}", server.root, ec.message()));
  }
  const std::string data = server.root + "/data";
  const std::string log = server.root + "/serve.log";
  auto child = Spawn({SelfExe(), "serve", "--port", "0", "--bind", "127.0.0.1", "--data", data,
                      "--quiet", "--threads", std::to_string(config.threads)},
                     false, false, false, log);
  if (!child.ok()) return child.status();
  server.pid = child->pid;
  // The child prints "strata: listening on http://127.0.0.1:PORT (...)" and, on a first start,
  // "strata: first start: ..." with the admin key on the next line, indented.
  const auto deadline = Clock::now() + std::chrono::seconds(60);
  while (true) {
    const std::string text = ReadFile(log);
    const size_t at = text.find("listening on http://127.0.0.1:");
    if (at != std::string::npos && text.find('\n', at) != std::string::npos) {
      server.port = static_cast<uint16_t>(std::atoi(text.c_str() + at + 30));
      const size_t first = text.find("first start");
      if (first != std::string::npos) {
        const size_t line = text.find('\n', first);
        const size_t line_end = line == std::string::npos ? line : text.find('\n', line + 1);
        if (line_end != std::string::npos) {
          std::string key = text.substr(line + 1, line_end - line - 1);
          key.erase(0, key.find_first_not_of(" \t"));
          key.erase(key.find_last_not_of(" \t\r") + 1);
          server.admin_key = key;
        }
      }
      // Without "first start" the data directory held keys already (then --key names one);
      // with it, wait until the key's line is complete.
      if (first == std::string::npos || !server.admin_key.empty()) return server;
    }
    int wstatus = 0;
    if (waitpid(server.pid, &wstatus, WNOHANG) == server.pid) {
      server.pid = -1;
      StopServer(&server, true);
      return Status::IOError(
          fmt::format("strata serve exited at start (status {}); its output:\n{}",
                      WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1, Tail(text, 10)));
    }
    if (Clock::now() > deadline) {
      StopServer(&server, true);
      return Status::TimedOut(
          fmt::format("strata serve did not start in 60 s; its output:\n{}", Tail(text, 10)));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

void StopServer(StartedServer* server, bool keep) {
  // A clean stop flushes the engine; a big memtable may take a few seconds.
  StopChild(server->pid, 30000);
  server->pid = -1;
  if (server->remove_root && !keep) {
    std::error_code ec;
    std::filesystem::remove_all(server->root, ec);
  }
}

ServerBenchRow RunWrk(const Target& target, uint64_t num, int connections, double seconds,
                      int threads_wanted) {
  ServerBenchRow row;
  row.system = "strata";
  row.workload = "http get";
  row.tool = "wrk";
  row.connections = connections;
  char tmpl[] = "/tmp/strata-wrk-XXXXXX.lua";
  int fd = mkstemps(tmpl, 4);
  if (fd < 0) {
    row.error = Errno("mkstemps").ToString();
    return row;
  }
  // Random ids as the built-in clients pick them (a seed per wrk thread); the key in the header
  // of every request.
  const std::string script = fmt::format(
      "wrk.headers[\"X-API-Key\"] = \"{}\"\n"
      "local threads = 0\n"
      "function setup(thread)\n"
      "  thread:set(\"id\", threads)\n"
      "  threads = threads + 1\n"
      "end\n"
      "function init(args)\n"
      "  math.randomseed(os.time() + 7919 * (id or 0))\n"
      "end\n"
      "local num = {}\n"
      "request = function()\n"
      "  return wrk.format(\"GET\", \"/collections/{}/k\" .. math.random(0, num - 1))\n"
      "end\n",
      target.key, std::max<uint64_t>(num, 1), kCollection);
  const bool wrote = write(fd, script.data(), script.size()) == static_cast<ssize_t>(script.size());
  close(fd);
  if (!wrote) {
    row.error = "writing the wrk script failed";
    unlink(tmpl);
    return row;
  }
  const int threads = std::max(1, std::min(connections, threads_wanted));
  const long duration = std::max(1L, std::lround(seconds));
  auto out = RunCapture({"wrk", "-t", std::to_string(threads), "-c", std::to_string(connections),
                         "-d", fmt::format("{}s", duration), "--latency", "-s", tmpl,
                         fmt::format("http://{}:{}/", target.host, target.port)});
  unlink(tmpl);
  if (!out.ok()) {
    row.error = out.status().ToString();
    return row;
  }
  Status parsed = ParseWrkOutput(*out, &row);
  if (!parsed.ok()) row.error = parsed.ToString() + ": " + Tail(*out, 5);
  if (row.seconds > 0 && row.requests > 0) row.rps = row.requests / row.seconds;
  return row;
}

namespace {

// SETs key:000000000000 .. key:(num-1) (redis-benchmark's -r key names) with a 100-byte value.
Status PreloadRedis(uint16_t port, uint64_t num) {
  std::string input;
  const std::string value(100, 'x');
  for (uint64_t i = 0; i < num; ++i) {
    input += fmt::format("*3\r\n$3\r\nSET\r\n$16\r\nkey:{:012}\r\n$100\r\n{}\r\n", i, value);
  }
  auto out = RunCapture({"redis-cli", "-p", std::to_string(port), "--pipe"}, input);
  return out.ok() ? Status::OK() : out.status();
}

}  // namespace

void RunRedisAnchor(const ServerBenchConfig& config, ServerBenchReport* report) {
  if (!OnPath("redis-server") || !OnPath("redis-benchmark")) {
    report->notes.push_back(
        "redis anchor skipped: redis-server or redis-benchmark is not on PATH (Debian: apt-get "
        "install redis-server redis-tools)");
    return;
  }
  auto port = FreePort();
  if (!port.ok()) {
    report->notes.push_back("redis anchor skipped: " + port.status().ToString());
    return;
  }
  auto redis = Spawn({"redis-server", "--port", std::to_string(*port), "--bind", "127.0.0.1",
                      "--save", "", "--appendonly", "no"},
                     false, false, true, "/dev/null");
  if (!redis.ok()) {
    report->notes.push_back("redis anchor skipped: " + redis.status().ToString());
    return;
  }
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  while (!Accepts(*port) && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const uint64_t keys = std::max<uint64_t>(config.num, 1);
  Status loaded = OnPath("redis-cli") ? PreloadRedis(*port, keys)
                                      : Status::NotFound("redis-cli is not on PATH");
  if (!loaded.ok()) {
    report->notes.push_back("redis preload failed (" + loaded.ToString() +
                            "); its GETs may miss keys");
  }
  std::fprintf(stderr, "redis anchor: redis-server on port %u, %llu keys\n", *port,
               static_cast<unsigned long long>(keys));
  for (int c : config.connections) {
    for (int pipeline : {16, 1}) {
      // Sized to take about a second or two each on a small machine.
      uint64_t n = config.redis_requests;
      if (n == 0) {
        n = pipeline > 1 ? 200000 * static_cast<uint64_t>(std::min(c, 5))
                         : 25000 * static_cast<uint64_t>(std::min(c, 4));
      }
      auto out =
          RunCapture({"redis-benchmark", "-h", "127.0.0.1", "-p", std::to_string(*port), "-t",
                      "get,set", "-n", std::to_string(n), "-c", std::to_string(c), "-P",
                      std::to_string(pipeline), "-r", std::to_string(keys), "-d", "100", "--csv"});
      Status s = out.ok() ? ParseRedisCsv(*out, c, pipeline, &report->rows) : out.status();
      if (!s.ok()) {
        ServerBenchRow row;
        row.system = "redis";
        row.workload = fmt::format("redis GET -P {}", pipeline);
        row.tool = "redis-benchmark";
        row.connections = c;
        row.error = s.ToString();
        report->rows.push_back(row);
      }
      std::fprintf(stderr, "  redis-benchmark -c %d -P %d -n %llu: %s\n", c, pipeline,
                   static_cast<unsigned long long>(n), s.ok() ? "done" : s.ToString().c_str());
    }
  }
  report->redis_peak_rss = ProcessRssBytes(redis->pid, "VmHWM:");
  StopChild(redis->pid, 10000);
}

}  // namespace strata::tools::server_bench
