#include "server_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <random>
#include <thread>

namespace strata::e2e {

std::string TempDir(const std::string& tag) {
  static std::mt19937_64 rng{std::random_device{}()};
  auto dir = std::filesystem::temp_directory_path() /
             ("strata-e2e-" + tag + "-" + std::to_string(getpid()) + "-" + std::to_string(rng()));
  return dir.string();
}

ServerProcess::ServerProcess(std::string data, std::vector<std::string> extra)
    : data_(std::move(data)), extra_(std::move(extra)) {}

ServerProcess::~ServerProcess() { Kill(); }

bool ServerProcess::Start(std::string* error) {
  int fds[2];
  if (pipe(fds) != 0) {
    *error = "pipe failed";
    return false;
  }
  std::vector<std::string> args = {STRATA_BIN, "serve",     "--port", "0",
                                   "--bind",   "127.0.0.1", "--data", data_};
  args.insert(args.end(), extra_.begin(), extra_.end());
  pid_ = fork();
  if (pid_ == 0) {
    dup2(fds[1], 1);
    dup2(fds[1], 2);
    close(fds[0]);
    close(fds[1]);
    unsetenv("STRATA_ADMIN_KEY");
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(fds[1]);
  out_fd_ = fds[0];
  admin_key_.clear();
  port_ = 0;
  // Read until the listening line (and the key line after "first start", when there is one).
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  bool want_key = false;
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{out_fd_, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    char buf[4096];
    ssize_t n = read(out_fd_, buf, sizeof(buf));
    if (n <= 0) break;
    log_.append(buf, static_cast<size_t>(n));
    size_t at = log_.find("listening on http");
    if (at != std::string::npos && port_ == 0) {
      size_t colon = log_.find(':', log_.find("://", at) + 3);
      port_ = static_cast<uint16_t>(std::stoi(log_.substr(colon + 1)));
      want_key = true;
    }
    if (want_key) {
      size_t first = log_.find("first start");
      if (first == std::string::npos) {
        // The key line comes in the same write as the listening line, or not at all.
        if (log_.find('\n', at) != std::string::npos) {
          StartDrain();
          return true;
        }
        continue;
      }
      size_t line = log_.find('\n', first);
      size_t end = line == std::string::npos ? std::string::npos : log_.find('\n', line + 1);
      if (end == std::string::npos) continue;
      std::string key = log_.substr(line + 1, end - line - 1);
      key.erase(0, key.find_first_not_of(' '));
      admin_key_ = key;
      StartDrain();
      return true;
    }
  }
  *error = "server did not start; output:\n" + log_;
  Kill();
  return false;
}

int ServerProcess::Stop(int wait_ms) {
  if (pid_ <= 0) return -1;
  kill(pid_, SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(wait_ms);
  int status = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      StopDrain();
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  Kill();
  return -1;
}

void ServerProcess::StartDrain() {
  drain_ = std::thread([this] {
    char buf[4096];
    ssize_t n;
    while ((n = read(out_fd_, buf, sizeof(buf))) > 0) {
      std::lock_guard<std::mutex> lock(log_mu_);
      log_.append(buf, static_cast<size_t>(n));
    }
  });
}

void ServerProcess::StopDrain() {
  // The child is gone, so the pipe reaches end of file and the thread ends.
  if (drain_.joinable()) drain_.join();
  if (out_fd_ >= 0) {
    close(out_fd_);
    out_fd_ = -1;
  }
}

std::string ServerProcess::log() const {
  std::lock_guard<std::mutex> lock(log_mu_);
  return log_;
}

void ServerProcess::Kill() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  StopDrain();
}

client::ClientOptions ServerProcess::Options(const std::string& key) const {
  client::ClientOptions options;
  options.host = "127.0.0.1";
  options.port = port_;
  options.api_key = key;
  options.request_timeout_ms = 20000;
  return options;
}

}  // namespace strata::e2e
