#include "kv_bench.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <system_error>

#include "base/memory.h"
#include "base/random.h"
#include "kv/peer_engines.h"  // DirectoryBytes
#include "memory_sampler.h"
#include "strata/kv.h"

namespace strata::tools {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

const std::vector<std::string>& AllKvWorkloads() {
  static const std::vector<std::string> all = {
      "fillseq", "fillrandom",  "overwrite",  "readrandom",   "readmissing",
      "readseq", "readreverse", "seekrandom", "deleterandom", "fillsync"};
  return all;
}

KeySequence::KeySequence(uint64_t num, bool sequential, uint64_t seed, uint64_t stream)
    : num_(num), sequential_(sequential) {
  // splitmix64 of (seed, stream): distinct, well-mixed, never-zero starting states.
  uint64_t z = seed * 0x9E3779B97F4A7C15ull + (stream + 1) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  state_ = z == 0 ? 0x9E3779B97F4A7C15ull : z;
}

ValueGenerator::ValueGenerator(uint64_t seed, double compression_ratio, int value_size) {
  Random rnd(seed);
  const size_t total = std::max<size_t>(1 << 20, static_cast<size_t>(value_size));
  const int raw_len = std::max(1, static_cast<int>(100 * compression_ratio));
  std::string raw;
  while (data_.size() < total) {
    // A 100-byte piece: raw_len random printable bytes repeated; compresses to about `ratio`.
    raw.clear();
    for (int i = 0; i < raw_len; ++i) raw += static_cast<char>(' ' + rnd.Uniform(95));
    for (size_t n = 0; n < 100; n += raw.size())
      data_.append(raw, 0, std::min(raw.size(), 100 - n));
  }
}

namespace {

enum class Kind {
  kFillSeq,
  kFillRandom,
  kOverwrite,
  kReadRandom,
  kReadMissing,
  kReadSeq,
  kReadReverse,
  kSeekRandom,
  kDeleteRandom,
  kFillSync
};

constexpr int kSeekNexts = 10;
// The key stream of the untimed load before a read workload that has no data to read.
constexpr uint64_t kPreloadStream = 100;

// Resets VmHWM to the current RSS (Linux >= 4.0); false when the kernel refuses.
bool ResetPeakRss() {
  const int fd = ::open("/proc/self/clear_refs", O_WRONLY);
  if (fd < 0) return false;
  const bool ok = ::write(fd, "5", 1) == 1;
  ::close(fd);
  return ok;
}

// The rate of 100-byte appends, each followed by fdatasync, in `dir`: about 1 s or 1000 ops.
double MeasureRawFsync(const std::string& dir) {
  const std::string path = dir + "/fsync-probe";
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
  if (fd < 0) return 0;
  char buf[100];
  std::memset(buf, 'x', sizeof(buf));
  const auto start = Clock::now();
  int ops = 0;
  double secs = 0;
  for (; ops < 1000 && secs < 1.0; ++ops) {
    if (::write(fd, buf, sizeof(buf)) != sizeof(buf) || ::fdatasync(fd) != 0) break;
    secs = std::chrono::duration<double>(Clock::now() - start).count();
  }
  ::close(fd);
  ::unlink(path.c_str());
  return secs > 0 ? ops / secs : 0;
}

std::vector<std::string> StaticNotes(const std::string& engine) {
  if (engine == "rocksdb") {
    return {
        "Debian's librocksdb is built without NDEBUG (assertions on), so its figures are "
        "pessimistic."};
  }
  if (engine == "memory") {
    return {
        "an in-memory map: nothing reaches the disk, so fillsync is not durable and its data "
        "counts in RSS."};
  }
  if (engine == "lmdb") return {"a memory-mapped B+tree: mapped pages of the file count in RSS."};
  return {};
}

// Runs the workloads on one engine in its own directory.
class EngineRunner {
 public:
  EngineRunner(const KvBenchConfig& config, const kv::Options& options, std::string engine,
               std::string dir, uint64_t sync_num)
      : config_(config),
        options_(options),
        engine_(std::move(engine)),
        dir_(std::move(dir)),
        sync_num_(sync_num),
        values_(config.seed, config.compression_ratio, config.value_size),
        key_(static_cast<size_t>(config.key_size) + 1, '\0') {
    // The extra byte makes readmissing's keys: no written key is that long.
    key_[config.key_size] = '.';
  }

  // Runs `workloads` in order; `on_workload` sees each result as soon as it is known.
  template <typename OnWorkload>
  EngineResult Run(const std::vector<std::string>& workloads, OnWorkload&& on_workload) {
    EngineResult result;
    result.engine = engine_;
    result.notes = StaticNotes(engine_);
    ReleaseFreeMemory();  // hand memory freed by the previous engine back, so RSS starts low
    result.peak_rss_reset = ResetPeakRss();
    const int64_t rss_start = ProcStatusBytes("VmRSS");
    const int64_t hwm_start = ProcStatusBytes("VmHWM");
    MemorySampler anon;
    if (Status s = OpenFresh(); !s.ok()) {
      result.error = "open: " + s.ToString();
      return result;
    }
    for (const std::string& name : workloads) {
      WorkloadResult w = RunWorkload(name);
      w.disk_bytes = kv::DirectoryBytes(dir_);
      if (db_ != nullptr) {
        const kv::Stats stats = db_->GetStats();
        if (stats.block_cache_bytes > 0)
          w.cache_bytes = static_cast<int64_t>(stats.block_cache_bytes);
        if (stats.memtable_bytes > 0) w.memtable_bytes = static_cast<int64_t>(stats.memtable_bytes);
        for (const kv::LevelStats& l : stats.levels) {
          if (l.files > 0)
            w.shape += fmt::format("{}L{}:{}", w.shape.empty() ? "" : " ", l.level, l.files);
        }
      }
      result.max_disk_bytes = std::max(result.max_disk_bytes, w.disk_bytes);
      // Anonymous memory after each workload shows which phase holds the engine's peak.
      w.anon_rss_after = ProcStatusBytes("RssAnon");
      const MemorySampler::WindowPeak window = anon.TakeWindowPeak();
      w.anon_rss_peak = window.anon;
      w.peak_allocated = window.allocated;
      const AllocatorBytes heap = ReadAllocatorBytes();
      w.heap_allocated = heap.allocated;
      w.heap_resident = heap.resident;
      on_workload(w);
      result.workloads.push_back(std::move(w));
      if (db_ == nullptr) break;  // a reopen failed: nothing further can run
    }
    result.rss_delta = ProcStatusBytes("VmRSS") - rss_start;
    result.peak_anon_growth = anon.StopAndPeakGrowth();
    if (Status s = CloseAndAccount(); !s.ok()) result.error = "close: " + s.ToString();
    result.max_disk_bytes = std::max(result.max_disk_bytes, kv::DirectoryBytes(dir_));
    const int64_t hwm_end = ProcStatusBytes("VmHWM");
    // Without a reset, VmHWM says something about this engine only if it raised the peak.
    result.peak_rss_growth = (result.peak_rss_reset || hwm_end > hwm_start)
                                 ? hwm_end - rss_start
                                 : std::max<int64_t>(result.rss_delta, 0);
    result.user_bytes_written = stats_user_bytes_ > 0 ? stats_user_bytes_ : our_user_bytes_;
    result.engine_bytes_written = stats_engine_bytes_;
    if (result.engine_bytes_written == 0) {
      result.notes.push_back("reports no bytes written to files, so no write amplification.");
    }
    return result;
  }

 private:
  // Closes the database (recording its write statistics), empties the directory and reopens.
  Status OpenFresh() {
    STRATA_RETURN_IF_ERROR(CloseAndAccount());
    std::error_code ec;
    fs::remove_all(dir_, ec);
    fs::create_directories(dir_, ec);
    if (ec) return Status::IOError("cannot create " + dir_ + ": " + ec.message());
    auto db = kv::Engine::Open(engine_, dir_, options_);
    if (!db.ok()) return db.status();
    db_ = std::move(db).value();
    has_data_ = false;
    dirty_ = false;
    return Status::OK();
  }

  Status CloseAndAccount() {
    if (db_ == nullptr) return Status::OK();
    // Flush first so that the statistics include what Close would write anyway.
    Status flush = db_->Flush();
    const kv::Stats stats = db_->GetStats();
    stats_user_bytes_ += stats.user_bytes_written;
    stats_engine_bytes_ += stats.engine_bytes_written;
    Status s = db_->Close();
    db_.reset();
    return s.ok() ? flush : s;
  }

  // Times `op` (which returns false to stop early) up to `n` times, one latency sample per call.
  template <typename Op>
  void TimedLoop(uint64_t n, WorkloadResult* w, Op&& op) {
    hist_.Clear();
    const auto start = Clock::now();
    auto t0 = start;
    uint64_t i = 0;
    for (; i < n; ++i) {
      if (!op()) [[unlikely]] {
        break;
      }
      const auto t1 = Clock::now();
      hist_.Add(static_cast<uint64_t>(std::chrono::nanoseconds(t1 - t0).count()));
      t0 = t1;
    }
    w->seconds = std::chrono::duration<double>(t0 - start).count();
    w->ops = i;
    w->p50_us = hist_.Percentile(50) / 1000;
    w->p99_us = hist_.Percentile(99) / 1000;
    w->p999_us = hist_.Percentile(99.9) / 1000;
    w->mean_us = hist_.Mean() / 1000;
    w->max_us = static_cast<double>(hist_.max()) / 1000;
  }

  // Puts (or deletes) `n` keys from `keys`; sync for fillsync.
  void WriteLoop(uint64_t n, KeySequence keys, bool sync, bool del, WorkloadResult* w) {
    kv::WriteOptions wo;
    wo.sync = sync;
    values_.Reset();
    Status status;
    uint64_t digest = 0xcbf29ce484222325ull, bytes = 0;
    const int ks = config_.key_size, vs = config_.value_size;
    char* key = key_.data();
    TimedLoop(n, w, [&] {
      const uint64_t k = keys.Next();
      digest = (digest ^ k) * 0x100000001b3ull;
      MakeKey(k, key, ks);
      status = del ? db_->Delete(wo, Slice(key, ks))
                   : db_->Put(wo, Slice(key, ks), values_.Generate(vs));
      bytes += del ? ks : ks + vs;
      return status.ok();
    });
    w->bytes = bytes;
    w->key_digest = digest;
    our_user_bytes_ += bytes;
    if (!status.ok())
      w->error =
          fmt::format("{} failed at op {}: {}", del ? "Delete" : "Put", w->ops, status.ToString());
    if (w->ops > 0) dirty_ = has_data_ = true;
  }

  void GetLoop(uint64_t n, KeySequence keys, bool missing, WorkloadResult* w) {
    const kv::ReadOptions ro;
    Status status;
    std::string value;  // reused: no allocation per op beyond the engine's
    uint64_t digest = 0xcbf29ce484222325ull, bytes = 0, found = 0;
    const int ks = config_.key_size;
    const Slice key(key_.data(), missing ? ks + 1 : ks);
    TimedLoop(n, w, [&] {
      const uint64_t k = keys.Next();
      digest = (digest ^ k) * 0x100000001b3ull;
      MakeKey(k, key_.data(), ks);
      status = db_->Get(ro, key, &value);
      if (status.ok()) {
        ++found;
        bytes += ks + value.size();
        return true;
      }
      bytes += ks;
      return status.IsNotFound();
    });
    w->bytes = bytes;
    w->found = found;
    w->key_digest = digest;
    if (!status.ok() && !status.IsNotFound()) {
      w->error = fmt::format("Get failed at op {}: {}", w->ops, status.ToString());
    } else if (missing && found > 0) {
      w->error = fmt::format("{} absent keys were found", found);
    }
  }

  void ScanLoop(bool reverse, WorkloadResult* w) {
    std::unique_ptr<Iterator> it = db_->NewIterator(kv::ReadOptions());
    uint64_t bytes = 0;
    if (reverse) {
      it->SeekToLast();
    } else {
      it->SeekToFirst();
    }
    TimedLoop(config_.num, w, [&] {
      if (!it->Valid()) return false;
      bytes += it->key().size() + it->value().size();
      if (reverse) {
        it->Prev();
      } else {
        it->Next();
      }
      return true;
    });
    w->bytes = bytes;
    if (!it->status().ok()) w->error = "iterator: " + it->status().ToString();
  }

  void SeekLoop(KeySequence keys, WorkloadResult* w) {
    std::unique_ptr<Iterator> it = db_->NewIterator(kv::ReadOptions());
    uint64_t digest = 0xcbf29ce484222325ull, bytes = 0, found = 0;
    const int ks = config_.key_size;
    const Slice key(key_.data(), ks);
    TimedLoop(config_.num, w, [&] {
      const uint64_t k = keys.Next();
      digest = (digest ^ k) * 0x100000001b3ull;
      MakeKey(k, key_.data(), ks);
      it->Seek(key);
      if (it->Valid() && it->key() == key) ++found;
      for (int j = 0; j < kSeekNexts && it->Valid(); ++j) {
        bytes += it->key().size() + it->value().size();
        it->Next();
      }
      return it->status().ok();
    });
    w->bytes = bytes;
    w->found = found;
    w->key_digest = digest;
    if (!it->status().ok()) w->error = "iterator: " + it->status().ToString();
  }

  WorkloadResult RunWorkload(const std::string& name) {
    WorkloadResult w;
    w.workload = name;
    const auto& all = AllKvWorkloads();
    const auto kind = static_cast<Kind>(std::find(all.begin(), all.end(), name) - all.begin());
    const uint64_t stream = static_cast<uint64_t>(kind);
    const uint64_t num = config_.num, seed = config_.seed;
    const bool fresh =
        kind == Kind::kFillSeq || kind == Kind::kFillRandom || kind == Kind::kFillSync;
    if (fresh && dirty_) {
      if (Status s = OpenFresh(); !s.ok()) {
        w.error = "reopen: " + s.ToString();
        return w;
      }
    }
    if (!fresh && !has_data_) {
      // db_bench semantics: reads need data; load it untimed like fillrandom would.
      WorkloadResult load;
      WriteLoop(num, KeySequence(num, false, seed, kPreloadStream), false, false, &load);
      if (!load.ok()) {
        w.error = "untimed load: " + load.error;
        return w;
      }
    }
    switch (kind) {
      case Kind::kFillSeq:
        WriteLoop(num, KeySequence(num, true, seed, stream), false, false, &w);
        break;
      case Kind::kFillRandom:
      case Kind::kOverwrite:
        WriteLoop(num, KeySequence(num, false, seed, stream), false, false, &w);
        break;
      case Kind::kFillSync:
        WriteLoop(sync_num_, KeySequence(num, false, seed, stream), true, false, &w);
        break;
      case Kind::kDeleteRandom:
        WriteLoop(num, KeySequence(num, false, seed, stream), false, true, &w);
        break;
      case Kind::kReadRandom:
        GetLoop(num, KeySequence(num, false, seed, stream), false, &w);
        break;
      case Kind::kReadMissing:
        GetLoop(num, KeySequence(num, false, seed, stream), true, &w);
        break;
      case Kind::kReadSeq:
        ScanLoop(false, &w);
        break;
      case Kind::kReadReverse:
        ScanLoop(true, &w);
        break;
      case Kind::kSeekRandom:
        SeekLoop(KeySequence(num, false, seed, stream), &w);
        break;
    }
    return w;
  }

  const KvBenchConfig& config_;
  const kv::Options options_;
  const std::string engine_;
  const std::string dir_;
  const uint64_t sync_num_;
  ValueGenerator values_;
  std::string key_;  // the key buffer every loop reuses
  Histogram hist_;
  std::unique_ptr<kv::Engine> db_;
  bool has_data_ = false;  // the open database holds data that reads can find
  bool dirty_ = false;     // the open database was written to
  uint64_t stats_user_bytes_ = 0, stats_engine_bytes_ = 0, our_user_bytes_ = 0;
};

void PrintProgress(const KvBenchConfig& config, const std::string& engine,
                   const WorkloadResult& w) {
  if (config.progress == nullptr) return;
  if (!w.ok()) {
    fmt::print(config.progress, "{:<8} {:<12} error: {}\n", engine, w.workload, w.error);
    return;
  }
  fmt::print(
      config.progress, "{:<8} {:<12} {:>10.0f} ops/s {:>7.1f} MB/s  p50 {} us  p99 {} us{}\n",
      engine, w.workload, w.OpsPerSec(), w.MbPerSec(), FormatMicros(w.p50_us),
      FormatMicros(w.p99_us), w.found > 0 ? fmt::format("  ({} of {} found)", w.found, w.ops) : "");
  std::string after;
  if (!w.shape.empty()) after = "files per level: " + w.shape;
  auto add = [&after](const char* what, int64_t bytes) {
    if (bytes < 0) return;
    after += fmt::format("{}{} {}", after.empty() ? "" : "; ", what,
                         FormatBytes(static_cast<double>(bytes)));
  };
  add("anon RSS", w.anon_rss_after);
  add("peak during", w.anon_rss_peak);
  add("allocated at that peak", w.peak_allocated);
  add("heap allocated", w.heap_allocated);
  add("resident", w.heap_resident);
  add("block cache", w.cache_bytes);
  add("memtables", w.memtable_bytes);
  if (!after.empty()) fmt::print(config.progress, "{:<8} {:<12} {}\n", "", "", after);
}

// Results travel from a child to the parent as tab-separated lines: "W" per workload (sent as
// soon as it ends, so a crash keeps what finished), then "E" for the engine and "N" per note.
std::string Clean(std::string s) {
  std::replace_if(
      s.begin(), s.end(), [](char c) { return c == '\t' || c == '\n' || c == '\r'; }, ' ');
  return s;
}

std::string SerializeWorkload(const WorkloadResult& w) {
  return fmt::format(
      "W\t{}\t{}\t{}\t{}\t{:.17g}\t{:.17g}\t{:.17g}\t{:.17g}\t{:.17g}\t{:.17g}\t{}\t{}\t{}\n",
      Clean(w.workload), w.ops, w.bytes, w.found, w.seconds, w.p50_us, w.p99_us, w.p999_us,
      w.mean_us, w.max_us, w.disk_bytes, w.key_digest, Clean(w.error));
}

std::string SerializeEngine(const EngineResult& e) {
  std::string out =
      fmt::format("E\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\n", e.max_disk_bytes, e.user_bytes_written,
                  e.engine_bytes_written, e.peak_rss_growth, e.peak_rss_reset ? 1 : 0, e.rss_delta,
                  e.peak_anon_growth, Clean(e.error));
  for (const std::string& note : e.notes) out += "N\t" + Clean(note) + "\n";
  return out;
}

std::vector<std::string> SplitTabs(const std::string& line) {
  std::vector<std::string> fields;
  size_t start = 0;
  for (size_t tab; (tab = line.find('\t', start)) != std::string::npos; start = tab + 1) {
    fields.push_back(line.substr(start, tab - start));
  }
  fields.push_back(line.substr(start));
  return fields;
}

// Fills `e` from a child's lines; true when the final "E" line arrived.
bool ParseChildOutput(const std::string& data, EngineResult* e) {
  bool complete = false;
  size_t start = 0;
  for (size_t nl; (nl = data.find('\n', start)) != std::string::npos; start = nl + 1) {
    const std::vector<std::string> f = SplitTabs(data.substr(start, nl - start));
    auto u = [&f](size_t i) { return std::strtoull(f[i].c_str(), nullptr, 10); };
    auto d = [&f](size_t i) { return std::strtod(f[i].c_str(), nullptr); };
    if (f[0] == "W" && f.size() == 14) {
      WorkloadResult w;
      w.workload = f[1];
      w.ops = u(2), w.bytes = u(3), w.found = u(4);
      w.seconds = d(5), w.p50_us = d(6), w.p99_us = d(7), w.p999_us = d(8), w.mean_us = d(9);
      w.max_us = d(10), w.disk_bytes = u(11), w.key_digest = u(12), w.error = f[13];
      e->workloads.push_back(std::move(w));
    } else if (f[0] == "E" && f.size() == 9) {
      e->max_disk_bytes = u(1), e->user_bytes_written = u(2), e->engine_bytes_written = u(3);
      e->peak_rss_growth = std::strtoll(f[4].c_str(), nullptr, 10);
      e->peak_rss_reset = f[5] == "1";
      e->rss_delta = std::strtoll(f[6].c_str(), nullptr, 10);
      e->peak_anon_growth = std::strtoll(f[7].c_str(), nullptr, 10);
      e->error = f[8];
      complete = true;
    } else if (f[0] == "N" && f.size() == 2) {
      e->notes.push_back(f[1]);
    }
  }
  return complete;
}

void WriteAll(int fd, const std::string& s) {
  for (size_t done = 0; done < s.size();) {
    const ssize_t n = ::write(fd, s.data() + done, s.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    done += static_cast<size_t>(n);
  }
}

// Runs one engine in a forked child: a crash (or an assertion) fails that engine only, and its
// memory is measured in a process of its own.
EngineResult RunIsolated(const KvBenchConfig& config, const kv::Options& options,
                         const std::string& engine, const std::string& dir, uint64_t sync_num,
                         const std::vector<std::string>& workloads) {
  EngineResult result;
  result.engine = engine;
  int fds[2];
  if (::pipe(fds) != 0) {
    result.error = fmt::format("pipe: {}", std::strerror(errno));
    return result;
  }
  std::fflush(nullptr);  // or the child would print the parent's buffered output again
  const pid_t pid = ::fork();
  if (pid < 0) {
    result.error = fmt::format("fork: {}", std::strerror(errno));
    ::close(fds[0]);
    ::close(fds[1]);
    return result;
  }
  if (pid == 0) {
    ::close(fds[0]);
    EngineRunner runner(config, options, engine, dir, sync_num);
    EngineResult r = runner.Run(workloads, [&](const WorkloadResult& w) {
      PrintProgress(config, engine, w);
      WriteAll(fds[1], SerializeWorkload(w));
    });
    WriteAll(fds[1], SerializeEngine(r));
    if (config.progress != nullptr) std::fflush(config.progress);
    ::_exit(0);
  }
  ::close(fds[1]);
  std::string data;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fds[0], buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    data.append(buf, static_cast<size_t>(n));
  }
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!ParseChildOutput(data, &result)) {
    result.error =
        WIFSIGNALED(status)
            ? fmt::format("crashed with signal {} ({})", WTERMSIG(status),
                          ::strsignal(WTERMSIG(status)))
            : fmt::format("child exited with code {} before reporting", WEXITSTATUS(status));
  }
  return result;
}

int DecimalDigits(uint64_t v) {
  int d = 1;
  for (; v >= 10; v /= 10) ++d;
  return d;
}

// Applies one "name=value" tuning of Strata's engine (the peers ignore these fields).
std::string ApplyEngineOption(const std::string& setting, kv::Options* options) {
  const size_t eq = setting.find('=');
  if (eq == std::string::npos)
    return fmt::format("--engine-option \"{}\" is not name=value", setting);
  const std::string name = setting.substr(0, eq);
  uint64_t value = 0;
  try {
    value = std::stoull(setting.substr(eq + 1));
  } catch (...) {
    return fmt::format("--engine-option {}: \"{}\" is not a number", name, setting.substr(eq + 1));
  }
  if (name == "l0_compaction_trigger") {
    options->l0_compaction_trigger = static_cast<int>(value);
  } else if (name == "l0_slowdown_trigger") {
    options->l0_slowdown_trigger = static_cast<int>(value);
  } else if (name == "l0_stop_trigger") {
    options->l0_stop_trigger = static_cast<int>(value);
  } else if (name == "memtables_per_flush") {
    options->memtables_per_flush = static_cast<int>(value);
  } else if (name == "max_immutable_memtables") {
    options->max_immutable_memtables = static_cast<int>(value);
  } else if (name == "target_file_size") {
    options->target_file_size = value;
  } else if (name == "max_bytes_for_level_base") {
    options->max_bytes_for_level_base = value;
  } else if (name == "level_size_multiplier") {
    options->level_size_multiplier = static_cast<int>(value);
  } else if (name == "block_size") {
    options->block_size = value;
  } else if (name == "block_restart_interval") {
    options->block_restart_interval = static_cast<int>(value);
  } else if (name == "bloom_bits_per_key") {
    options->bloom_bits_per_key = static_cast<int>(value);
  } else {
    return fmt::format("unknown --engine-option \"{}\"", name);
  }
  return "";
}

// Checks the configuration and resolves the defaults into `options` and `workloads`.
std::string Validate(const KvBenchConfig& config, kv::Options* options,
                     std::vector<std::string>* workloads) {
  if (config.num == 0) return "--num must be at least 1";
  if (config.key_size < 1 || config.key_size > 1024) return "--key-size must be in [1, 1024]";
  if (DecimalDigits(config.num - 1) > config.key_size) {
    return fmt::format("--key-size {} cannot hold the {}-digit key numbers of --num {}",
                       config.key_size, DecimalDigits(config.num - 1), config.num);
  }
  if (config.value_size < 0 || config.value_size > (64 << 20)) {
    return "--value-size must be in [0, 64 MiB]";
  }
  if (!(config.compression_ratio > 0 && config.compression_ratio <= 1)) {
    return "the compression ratio must be in (0, 1]";
  }
  options->create_if_missing = true;
  if (config.write_buffer_size != 0) options->write_buffer_size = config.write_buffer_size;
  if (config.block_cache_size != 0) options->block_cache_size = config.block_cache_size;
  for (const std::string& setting : config.engine_options) {
    if (std::string err = ApplyEngineOption(setting, options); !err.empty()) return err;
  }
  if (config.compression == "lz4") {
    options->compression = kv::Compression::kLZ4;
  } else if (config.compression == "zstd") {
    options->compression = kv::Compression::kZstd;
  } else if (config.compression == "none") {
    options->compression = kv::Compression::kNone;
  } else if (!config.compression.empty()) {
    return fmt::format("unknown --compression \"{}\" (lz4, zstd or none)", config.compression);
  }
  const auto& all = AllKvWorkloads();
  *workloads = config.benchmarks.empty() ? all : config.benchmarks;
  for (const std::string& w : *workloads) {
    if (std::find(all.begin(), all.end(), w) == all.end()) {
      return fmt::format("unknown benchmark \"{}\"; known: {}", w, fmt::join(all, ","));
    }
  }
  return "";
}

}  // namespace

std::string RunKvBenchCollect(const KvBenchConfig& config, BenchReport* report) {
  kv::Options options;
  std::vector<std::string> workloads;
  if (std::string err = Validate(config, &options, &workloads); !err.empty()) return err;

  const std::vector<std::string> built = kv::Engine::Backends();
  std::vector<std::string> engines;
  for (const std::string& name : config.engines.empty() ? built : config.engines) {
    if (std::find(engines.begin(), engines.end(), name) != engines.end()) continue;
    if (std::find(built.begin(), built.end(), name) != built.end()) {
      engines.push_back(name);
      continue;
    }
    std::string why = name + ": unknown backend";
    for (const std::string& missing : kv::Engine::MissingBackends()) {
      if (missing.rfind(name + ":", 0) == 0) why = missing;
    }
    report->skipped.push_back(why);
  }
  if (engines.empty())
    return "no engine to run (built: " + fmt::format("{}", fmt::join(built, ",")) + ")";

  std::string dir = config.dir;
  bool temp_dir = false;
  std::error_code ec;
  if (dir.empty()) {
    char tmpl[] = "/tmp/strata-bench-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) return fmt::format("mkdtemp: {}", std::strerror(errno));
    dir = tmpl;
    temp_dir = true;
  } else if (fs::create_directories(dir, ec); ec) {
    return fmt::format("cannot create --dir {}: {}", dir, ec.message());
  }

  report->num = config.num;
  report->key_size = config.key_size;
  report->value_size = config.value_size;
  report->sync_num =
      config.sync_num > 0 ? config.sync_num : std::clamp<uint64_t>(config.num / 100, 1, 10000);
  report->seed = config.seed;
  report->compression = config.compression;
  report->dir = dir;
  report->workloads = workloads;
  report->isolated = config.isolate;
  // The bound of kv::Options' comment: every write buffer full, the block cache full, 64 MiB.
  report->strata_memory_bound =
      options.write_buffer_size.value_or(kv::Options::kStrataWriteBufferSize) *
          (1 + static_cast<uint64_t>(options.max_immutable_memtables)) +
      options.block_cache_size.value_or(kv::Options::kStrataBlockCacheSize) + (64ull << 20);
  if (config.measure_fsync) report->raw_fsync_per_sec = MeasureRawFsync(dir);

  for (const std::string& engine : engines) {
    const std::string engine_dir = dir + "/" + engine;
    EngineResult r;
    if (config.isolate) {
      r = RunIsolated(config, options, engine, engine_dir, report->sync_num, workloads);
    } else {
      EngineRunner runner(config, options, engine, engine_dir, report->sync_num);
      r = runner.Run(workloads, [&](const WorkloadResult& w) { PrintProgress(config, engine, w); });
    }
    if (!r.error.empty() && config.progress != nullptr) {
      fmt::print(config.progress, "{:<8} failed: {}\n", engine, r.error);
    }
    report->engines.push_back(std::move(r));
    if (!config.keep) fs::remove_all(engine_dir, ec);
  }
  if (config.keep) {
    if (config.progress != nullptr) fmt::print(config.progress, "kept the databases in {}\n", dir);
  } else if (temp_dir) {
    fs::remove_all(dir, ec);
  }
  return "";
}

int RunKvBench(const KvBenchConfig& config) {
  BenchReport report;
  if (std::string err = RunKvBenchCollect(config, &report); !err.empty()) {
    fmt::print(stderr, "strata bench kv: {}\n", err);
    return 2;
  }
  PrintReport(report, config.out);
  int code = 0;
  for (const EngineResult& e : report.engines) {
    if (!e.error.empty()) code = 1;
    for (const WorkloadResult& w : e.workloads) {
      if (!w.ok()) code = 1;
    }
  }
  if (!config.json_path.empty()) {
    std::ofstream json(config.json_path, std::ios::trunc);
    json << ReportToJson(report);
    json.close();
    if (!json) {
      fmt::print(stderr, "strata bench kv: cannot write {}\n", config.json_path);
      return 1;
    }
  }
  return code;
}

}  // namespace strata::tools
