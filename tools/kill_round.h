// What the crash-test drivers (crashtest, doc-crashtest) share: the engine shape of a round,
// starting this binary as the writer child, and the SIGKILL at a random moment.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "base/random.h"
#include "strata/kv.h"

namespace strata::tools {

const char* CompressionName(kv::Compression c);
// The inverse: "zstd", "none", otherwise LZ4.
kv::Compression ParseCompression(const std::string& name);
// The path of this binary (to start the writer child), or "strata".
std::string SelfExe();

// A random memtable size and compression, so that rounds crash in differently shaped engines.
struct EngineShape {
  size_t write_buffer_size;
  kv::Compression compression;
};
EngineShape RandomEngineShape(Random* rnd);

// Forks and execs `args` (args[0] is the binary); returns the child's pid or -1.
pid_t SpawnChild(const std::vector<std::string>& args);

// Lets the child run for a random time in [min_sec, max_sec], then SIGKILLs and reaps it.
// Returns false (after printing why, prefixed by `who`) when it exited on its own first.
bool RunThenKill(pid_t pid, double min_sec, double max_sec, Random* rnd, int round, const char* who,
                 double* ran_sec);

}  // namespace strata::tools
