// Results of `strata bench` runs and how they are shown: a latency histogram, the per-workload and
// per-engine result records, the text report (table, ratios, summary) and the JSON output.
//
// Independent of CLI11 and of any engine, so that it can be tested on made-up results.
// Thread safety: none of these types is thread-safe; each run is built by one thread.
#pragma once

#include <array>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace strata::tools {

// A latency histogram over nanoseconds with log-linear buckets: exact below 128 ns, then 64 linear
// sub-buckets per power of two, so a percentile is within 1/128 (0.8%) of the true sample.
// Recording is a few instructions and never allocates, so it can sit in a timed loop.
class Histogram {
 public:
  static constexpr int kSubBits = 6;
  static constexpr int kSub = 1 << kSubBits;
  static constexpr int kBuckets = (64 - kSubBits + 1) * kSub;

  Histogram() { Clear(); }
  void Clear();
  void Add(uint64_t nanos) {
    ++counts_[BucketOf(nanos)];
    ++count_;
    sum_ += nanos;
    if (nanos < min_) min_ = nanos;
    if (nanos > max_) max_ = nanos;
  }
  void Merge(const Histogram& other);

  uint64_t count() const { return count_; }
  uint64_t min() const { return count_ == 0 ? 0 : min_; }
  uint64_t max() const { return max_; }
  double Mean() const { return count_ == 0 ? 0.0 : static_cast<double>(sum_) / count_; }
  // The p-th percentile (0 < p <= 100) in nanoseconds: the middle of the bucket that holds the
  // sample of that rank, clamped to [min, max]. 0 when empty.
  double Percentile(double p) const;

  static int BucketOf(uint64_t v) {
    if (v < 2 * kSub) return static_cast<int>(v);
    const int e = 63 - __builtin_clzll(v);  // v in [2^e, 2^(e+1)), e > kSubBits
    return (e - kSubBits + 1) * kSub + static_cast<int>((v >> (e - kSubBits)) & (kSub - 1));
  }
  // The smallest value of bucket `b` and how many values it holds.
  static uint64_t BucketLow(int b);
  static uint64_t BucketWidth(int b);

 private:
  std::array<uint64_t, kBuckets> counts_;
  uint64_t count_ = 0;
  uint64_t sum_ = 0;
  uint64_t min_ = 0;
  uint64_t max_ = 0;
};

// One workload run on one engine.
struct WorkloadResult {
  std::string workload;
  uint64_t ops = 0;    // operations timed (a seek with its Next calls counts as one)
  uint64_t bytes = 0;  // key + value bytes written or read
  uint64_t found = 0;  // reads that found their key (read and seek workloads)
  double seconds = 0;
  double p50_us = 0, p99_us = 0, p999_us = 0, mean_us = 0, max_us = 0;
  uint64_t disk_bytes = 0;      // size of the engine's directory after the workload
  std::string shape;            // files per level after the workload ("L0:3 L1:1"), when reported
  int64_t anon_rss_after = -1;  // anonymous resident memory after it (progress only); -1: unknown
  int64_t anon_rss_peak = -1;   // the highest anonymous resident memory during it (progress only)
  int64_t peak_allocated = -1;  // the allocator's allocated bytes at that peak (jemalloc only)
  int64_t heap_allocated = -1;  // after it: bytes the allocator handed out (jemalloc only)
  int64_t heap_resident = -1;   // after it: the allocator's resident bytes (jemalloc only)
  int64_t cache_bytes = -1;     // after it: bytes charged to the engine's block cache, if it says
  int64_t memtable_bytes = -1;  // after it: the engine's memtables, if it says
  // FNV-style digest of the keys in the order used, so runs can be checked to be identical.
  uint64_t key_digest = 0;
  std::string error;  // empty when the workload succeeded

  bool ok() const { return error.empty(); }
  double OpsPerSec() const { return seconds > 0 ? ops / seconds : 0; }
  double MbPerSec() const { return seconds > 0 ? bytes / seconds / 1048576.0 : 0; }
};

// Everything measured for one engine.
struct EngineResult {
  std::string engine;
  std::vector<WorkloadResult> workloads;
  std::string error;  // set when the engine could not run at all (or crashed)
  uint64_t max_disk_bytes = 0;
  uint64_t user_bytes_written = 0;
  uint64_t engine_bytes_written = 0;  // 0: the backend does not report it
  // Peak RSS growth over the engine's run; `peak_rss_reset` says whether VmHWM could be reset
  // first (otherwise it is the process-wide high-water mark minus the RSS at the start).
  int64_t peak_rss_growth = 0;
  bool peak_rss_reset = false;
  int64_t rss_delta = 0;  // RSS at the end of the run (engine still open) minus at its start
  // Peak of anonymous resident memory (RssAnon, sampled) over the run minus at its start: the
  // engine's and the benchmark's allocations, without mapped file pages; -1 when unknown.
  int64_t peak_anon_growth = -1;
  std::vector<std::string> notes;

  std::optional<double> WriteAmp() const {
    if (engine_bytes_written == 0 || user_bytes_written == 0) return std::nullopt;
    return static_cast<double>(engine_bytes_written) / user_bytes_written;
  }
  const WorkloadResult* Find(std::string_view workload) const;
};

// A whole run: its parameters and every engine's results.
struct BenchReport {
  uint64_t num = 0;
  int key_size = 0;
  int value_size = 0;
  uint64_t sync_num = 0;
  uint64_t seed = 0;
  std::string compression;  // "" = engine defaults
  std::string dir;
  std::vector<std::string> workloads;  // in run order
  std::vector<EngineResult> engines;
  std::vector<std::string> skipped;  // engines asked for but not built, with the reason
  double raw_fsync_per_sec = 0;      // 0: not measured
  bool isolated = false;             // each engine ran in a child process
  // Strata's memory bound with the options of the run: write buffers + block cache + 64 MiB.
  uint64_t strata_memory_bound = 0;
};

// "1.23x"; "-" when either side is missing or zero.
std::string FormatRatio(double numerator, double denominator);
// "1,234,567" (rounded); "-" when negative or not a number.
std::string FormatThousands(double v);
// "123.4 MiB", "12.0 KiB", "512 B".
std::string FormatBytes(double bytes);
// Latency in microseconds with about three significant digits ("0.42", "12.3", "1234").
std::string FormatMicros(double us);

// Prints the table, the ratio section and the per-engine summary.
void PrintReport(const BenchReport& report, std::FILE* out);

// A JSON array with one object per (engine, workload) with at least engine, workload,
// ops_per_sec, p50_us and p99_us.
std::string ReportToJson(const BenchReport& report);

// Appends `s` as a JSON string literal (quoted, escaped) to `out`.
void AppendJsonString(std::string* out, std::string_view s);

}  // namespace strata::tools
