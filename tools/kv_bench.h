// `strata bench kv`: a db_bench-style benchmark of kv::Engine backends, run one engine after the
// other on the same keys and values so that Strata's LSM can be compared with its peers.
//
// Workloads (db_bench semantics): fillseq, fillrandom and fillsync start from an empty database;
// overwrite, the reads, seekrandom and deleterandom run on the database left by the workloads
// before them (loaded untimed with a fillrandom when nothing was filled yet). Keys are fixed-size
// zero-padded decimals of integers in [0, num); readmissing looks up the same numbers with one
// extra byte, which no written key has. Values are db_bench's half-compressible random bytes.
// Everything is derived from the seed, so every engine gets the same operations in the same order.
//
// Thread safety: RunKvBench runs one benchmark at a time on the calling thread.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "bench_report.h"
#include "strata/slice.h"

namespace strata::tools {

struct KvBenchConfig {
  uint64_t num = 1000000;
  int key_size = 16;
  int value_size = 100;
  // Backends to run, in order; empty: every built one (kv::Engine::Backends()).
  std::vector<std::string> engines;
  // Workloads to run, in order; empty: AllKvWorkloads().
  std::vector<std::string> benchmarks;
  // Parent of the engines' directories; empty: a fresh /tmp/strata-bench-XXXXXX.
  std::string dir;
  // Keep the databases (and a temp dir) at the end.
  bool keep = false;
  // Where to write the JSON results; empty: nowhere.
  std::string json_path;
  uint64_t seed = 301;
  // "lz4", "zstd", "none", or empty for the engines' defaults.
  std::string compression;
  // Engine settings applied to every engine (as db_bench's --write_buffer_size and
  // --cache_size); 0: each engine's default.
  size_t write_buffer_size = 0;
  size_t block_cache_size = 0;
  // Strata engine tunings, "name=value" (l0_compaction_trigger, max_bytes_for_level_base, ...).
  std::vector<std::string> engine_options;
  // Operations of fillsync; 0: num / 100, at most 10000 (and at least 1).
  uint64_t sync_num = 0;
  // Fraction of each value that is random (the rest repeats it), as db_bench's.
  double compression_ratio = 0.5;
  // Run each engine in a forked child, so that a crash fails only that engine and its memory
  // is measured on its own. Only safe while no engine with background threads (LevelDB,
  // RocksDB, Strata) has been opened in this process: their thread pools do not survive a fork.
  bool isolate = true;
  // Measure the raw fdatasync rate of the bench dir (about a second).
  bool measure_fsync = true;
  // The report goes to `out`, progress lines to `progress` (nullptr: none).
  std::FILE* out = stdout;
  std::FILE* progress = stderr;
};

// The workloads in their default order.
const std::vector<std::string>& AllKvWorkloads();

// Runs the benchmark and fills `report`. Returns a non-empty message when the configuration is
// invalid or the run could not start; an engine that fails is recorded in the report instead.
std::string RunKvBenchCollect(const KvBenchConfig& config, BenchReport* report);

// Runs, prints the report (and writes the JSON file). Returns the process exit code: 0 when every
// engine that was run succeeded, 1 when one failed, 2 for an invalid configuration.
int RunKvBench(const KvBenchConfig& config);

// Writes the db_bench-style key of integer `k` into `buf` (exactly `key_size` bytes): the decimal
// number zero-padded on the left; when the number has more digits than fit, its low digits.
inline void MakeKey(uint64_t k, char* buf, int key_size) {
  for (int i = key_size - 1; i >= 0; --i) {
    buf[i] = static_cast<char>('0' + k % 10);
    k /= 10;
  }
}

// The sequence of key numbers a workload uses: 0, 1, 2, ... when sequential, else uniform draws
// from [0, num) by a generator seeded from (seed, stream), so that the same workload gets the same
// sequence on every engine. Cheap enough to run inside a timed loop.
class KeySequence {
 public:
  KeySequence(uint64_t num, bool sequential, uint64_t seed, uint64_t stream);
  uint64_t Next() {
    if (sequential_) return next_++;
    // xorshift64* and a multiply-shift reduction to [0, num): no division per key.
    state_ ^= state_ >> 12;
    state_ ^= state_ << 25;
    state_ ^= state_ >> 27;
    const uint64_t r = state_ * 0x2545F4914F6CDD1Dull;
    return static_cast<uint64_t>((static_cast<unsigned __int128>(r) * num_) >> 64);
  }

 private:
  uint64_t num_;
  bool sequential_;
  uint64_t next_ = 0;
  uint64_t state_;
};

// db_bench's RandomGenerator: a 1 MiB buffer of values whose first `ratio` of every 100 bytes is
// random printable bytes and the rest a repeat of them; Generate returns successive pieces.
class ValueGenerator {
 public:
  ValueGenerator(uint64_t seed, double compression_ratio, int value_size);
  Slice Generate(size_t len) {
    if (pos_ + len > data_.size()) pos_ = 0;
    pos_ += len;
    return Slice(data_.data() + pos_ - len, len);
  }
  void Reset() { pos_ = 0; }

 private:
  std::string data_;
  size_t pos_ = 0;
};

}  // namespace strata::tools
