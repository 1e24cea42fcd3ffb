#include "kill_round.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <climits>
#include <cstdio>
#include <thread>

namespace strata::tools {

const char* CompressionName(kv::Compression c) {
  switch (c) {
    case kv::Compression::kNone:
      return "none";
    case kv::Compression::kLZ4:
      return "lz4";
    case kv::Compression::kZstd:
      return "zstd";
  }
  return "lz4";
}

kv::Compression ParseCompression(const std::string& name) {
  if (name == "zstd") return kv::Compression::kZstd;
  if (name == "none") return kv::Compression::kNone;
  return kv::Compression::kLZ4;
}

std::string SelfExe() {
  char buf[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string("strata");
}

EngineShape RandomEngineShape(Random* rnd) {
  const size_t buffers[] = {64 << 10, 256 << 10, 1 << 20};
  const kv::Compression comps[] = {kv::Compression::kLZ4, kv::Compression::kZstd,
                                   kv::Compression::kNone};
  EngineShape shape;
  shape.write_buffer_size = buffers[rnd->Uniform(3)];
  shape.compression = comps[rnd->Uniform(3)];
  return shape;
}

pid_t SpawnChild(const std::vector<std::string>& args) {
  std::vector<std::string> copy = args;
  pid_t pid = fork();
  if (pid != 0) return pid;
  std::vector<char*> argv;
  for (auto& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  execv(argv[0], argv.data());
  perror("exec");
  _exit(127);
}

bool RunThenKill(pid_t pid, double min_sec, double max_sec, Random* rnd, int round, const char* who,
                 double* ran_sec) {
  *ran_sec = min_sec + (max_sec - min_sec) * (rnd->Uniform(1000) / 1000.0);
  std::this_thread::sleep_for(std::chrono::milliseconds(static_cast<int64_t>(*ran_sec * 1000)));
  int wstatus = 0;
  if (waitpid(pid, &wstatus, WNOHANG) == pid) {
    fprintf(stderr, "%s: round %d: the writer exited before the kill (status %d)\n", who, round,
            WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1);
    return false;
  }
  kill(pid, SIGKILL);
  waitpid(pid, &wstatus, 0);
  return true;
}

}  // namespace strata::tools
