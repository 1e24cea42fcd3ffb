// A `strata serve` child process for end-to-end tests: started on 127.0.0.1 with port 0 and a
// temporary data directory, its chosen port and first-start admin key read from its stdout, and
// stopped with SIGTERM (or SIGKILL) by the test.
#pragma once

#include <sys/types.h>

#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "client/http_client.h"

namespace strata::e2e {

class ServerProcess {
 public:
  // `data`: the data directory (kept across restarts); `extra`: more `strata serve` flags.
  explicit ServerProcess(std::string data, std::vector<std::string> extra = {});
  ~ServerProcess();  // kills the server if still running

  // Starts and waits for the listening line; false (with *error) when it does not come.
  bool Start(std::string* error);
  // SIGTERM, then waits; returns the exit status (-1 when it had to be killed after `wait_ms`).
  int Stop(int wait_ms = 20000);
  void Kill();

  uint16_t port() const { return port_; }
  // The admin key printed on first start (empty on later starts).
  const std::string& admin_key() const { return admin_key_; }
  client::ClientOptions Options(const std::string& key) const;
  std::string log() const;

 private:
  std::string data_;
  std::vector<std::string> extra_;
  pid_t pid_ = -1;
  int out_fd_ = -1;
  uint16_t port_ = 0;
  std::string admin_key_;
  void StartDrain();
  void StopDrain();
  mutable std::mutex log_mu_;
  std::string log_;
  std::thread drain_;  // keeps reading the child's output so it never blocks on the pipe
};

// A fresh, empty temporary directory path (not created).
std::string TempDir(const std::string& tag);

}  // namespace strata::e2e
