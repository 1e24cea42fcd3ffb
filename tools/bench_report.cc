#include "bench_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "base/memory.h"

namespace strata::tools {

void Histogram::Clear() {
  counts_.fill(0);
  count_ = 0;
  sum_ = 0;
  min_ = UINT64_MAX;
  max_ = 0;
}

void Histogram::Merge(const Histogram& other) {
  for (int b = 0; b < kBuckets; ++b) counts_[b] += other.counts_[b];
  count_ += other.count_;
  sum_ += other.sum_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
}

uint64_t Histogram::BucketLow(int b) {
  if (b < 2 * kSub) return b;
  const int e = b / kSub + kSubBits - 1;
  return (static_cast<uint64_t>(kSub + b % kSub)) << (e - kSubBits);
}

uint64_t Histogram::BucketWidth(int b) {
  if (b < 2 * kSub) return 1;
  return uint64_t{1} << (b / kSub - 1);
}

double Histogram::Percentile(double p) const {
  if (count_ == 0) return 0;
  // The rank of the sample that the percentile names (1-based, nearest-rank definition).
  auto rank = static_cast<uint64_t>(std::ceil(p / 100.0 * count_));
  rank = std::clamp<uint64_t>(rank, 1, count_);
  uint64_t seen = 0;
  for (int b = 0; b < kBuckets; ++b) {
    seen += counts_[b];
    if (seen >= rank) {
      const uint64_t width = BucketWidth(b);
      double v = width == 1 ? static_cast<double>(BucketLow(b)) : BucketLow(b) + width / 2.0;
      return std::clamp(v, static_cast<double>(min_), static_cast<double>(max_));
    }
  }
  return static_cast<double>(max_);
}

const WorkloadResult* EngineResult::Find(std::string_view workload) const {
  for (const WorkloadResult& w : workloads) {
    if (w.workload == workload) return &w;
  }
  return nullptr;
}

std::string FormatRatio(double numerator, double denominator) {
  if (!(numerator > 0) || !(denominator > 0)) return "-";
  return fmt::format("{:.2f}x", numerator / denominator);
}

std::string FormatThousands(double v) {
  if (!(v >= 0)) return "-";
  auto n = static_cast<uint64_t>(std::llround(v));
  std::string digits = fmt::format("{}", n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string FormatBytes(double bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  const double sign = bytes < 0 ? -1 : 1;
  bytes *= sign;
  while (bytes >= 1024 && u < 4) {
    bytes /= 1024;
    ++u;
  }
  if (u == 0) return fmt::format("{:.0f} B", sign * bytes);
  return fmt::format("{:.1f} {}", sign * bytes, units[u]);
}

std::string FormatMicros(double us) {
  if (us < 10) return fmt::format("{:.2f}", us);
  if (us < 100) return fmt::format("{:.1f}", us);
  return fmt::format("{:.0f}", us);
}

namespace {

// Column widths of one engine's group in the main table: ops/s, MB/s, p50, p99.
constexpr int kOpsW = 11, kMbW = 8, kLatW = 9;
constexpr int kGroupW = kOpsW + kMbW + 2 * kLatW;
constexpr int kNameW = 12;

// The engine the ratios compare against: "strata" when it ran, else the first engine that did.
const EngineResult* RatioBase(const BenchReport& report) {
  const EngineResult* first = nullptr;
  for (const EngineResult& e : report.engines) {
    if (!e.error.empty() || e.workloads.empty()) continue;
    if (e.engine == "strata") return &e;
    if (first == nullptr) first = &e;
  }
  return first;
}

void PrintTable(const BenchReport& report, std::FILE* out) {
  std::string line1 = fmt::format("{:<{}}", "", kNameW);
  std::string line2 = fmt::format("{:<{}}", "workload", kNameW);
  for (const EngineResult& e : report.engines) {
    line1 += fmt::format(" | {:^{}}", e.engine, kGroupW);
    line2 += fmt::format(" | {:>{}}{:>{}}{:>{}}{:>{}}", "ops/s", kOpsW, "MB/s", kMbW, "p50 us",
                         kLatW, "p99 us", kLatW);
  }
  fmt::print(out, "{}\n{}\n{}\n", line1, line2, std::string(line2.size(), '-'));
  std::vector<std::string> errors;
  for (const std::string& name : report.workloads) {
    std::string row = fmt::format("{:<{}}", name, kNameW);
    for (const EngineResult& e : report.engines) {
      const WorkloadResult* w = e.Find(name);
      if (w == nullptr || !w->ok()) {
        row += fmt::format(" | {:^{}}", e.error.empty() ? "error" : "engine failed", kGroupW);
        if (w != nullptr) errors.push_back(fmt::format("{} {}: {}", e.engine, name, w->error));
        continue;
      }
      row += fmt::format(" | {:>{}}{:>{}.1f}{:>{}}{:>{}}", FormatThousands(w->OpsPerSec()), kOpsW,
                         w->MbPerSec(), kMbW, FormatMicros(w->p50_us), kLatW,
                         FormatMicros(w->p99_us), kLatW);
    }
    fmt::print(out, "{}\n", row);
  }
  for (const EngineResult& e : report.engines) {
    if (!e.error.empty()) errors.push_back(fmt::format("{}: {}", e.engine, e.error));
  }
  if (!errors.empty()) {
    fmt::print(out, "\nerrors:\n");
    for (const std::string& err : errors) fmt::print(out, "  {}\n", err);
  }
}

void PrintRatios(const BenchReport& report, std::FILE* out) {
  const EngineResult* base = RatioBase(report);
  if (base == nullptr || report.engines.size() < 2) return;
  std::vector<const EngineResult*> peers;
  bool strata_failed = false;
  for (const EngineResult& e : report.engines) {
    if (e.engine == "strata" && &e != base) strata_failed = true;
    // An engine that produced nothing would only add a column of dashes.
    if (&e != base && !e.workloads.empty()) peers.push_back(&e);
  }
  if (peers.empty()) return;
  std::string why;
  if (base->engine != "strata") {
    why = strata_failed ? "  [strata failed: ratios to the first engine that ran]"
                        : "  [strata was not run: ratios to the first engine]";
  }
  fmt::print(out, "\nops/s ratio {} / peer (above 1.00x: {} is faster){}\n", base->engine,
             base->engine, why);
  std::string head = fmt::format("{:<{}}", "workload", kNameW);
  for (const EngineResult* p : peers) head += fmt::format(" {:>{}}", p->engine, kLatW + 1);
  fmt::print(out, "{}\n", head);
  for (const std::string& name : report.workloads) {
    const WorkloadResult* b = base->Find(name);
    std::string row = fmt::format("{:<{}}", name, kNameW);
    for (const EngineResult* p : peers) {
      const WorkloadResult* w = p->Find(name);
      const bool both = b != nullptr && b->ok() && w != nullptr && w->ok();
      row += fmt::format(" {:>{}}", both ? FormatRatio(b->OpsPerSec(), w->OpsPerSec()) : "-",
                         kLatW + 1);
    }
    fmt::print(out, "{}\n", row);
  }
}

void PrintSummary(const BenchReport& report, std::FILE* out) {
  fmt::print(out, "\n{:<{}} {:>12} {:>10} {:>12} {:>12} {:>12} {:>16}\n", "engine", kNameW,
             "disk (max)", "write amp", "peak RSS +", "anon peak +", "RSS delta", "fillsync/fsync");
  bool any_unreset = false;
  for (const EngineResult& e : report.engines) {
    if (!e.error.empty() && e.workloads.empty()) {
      fmt::print(out, "{:<{}} (failed)\n", e.engine, kNameW);
      continue;
    }
    const std::optional<double> wa = e.WriteAmp();
    const WorkloadResult* sync = e.Find("fillsync");
    std::string sync_ratio = "-";
    if (sync != nullptr && sync->ok() && report.raw_fsync_per_sec > 0) {
      sync_ratio = FormatRatio(sync->OpsPerSec(), report.raw_fsync_per_sec);
    }
    std::string peak = FormatBytes(static_cast<double>(e.peak_rss_growth));
    if (!e.peak_rss_reset) {
      peak += "*";
      any_unreset = true;
    }
    const std::string anon =
        e.peak_anon_growth < 0 ? "-" : FormatBytes(static_cast<double>(e.peak_anon_growth));
    fmt::print(out, "{:<{}} {:>12} {:>10} {:>12} {:>12} {:>12} {:>16}\n", e.engine, kNameW,
               FormatBytes(static_cast<double>(e.max_disk_bytes)),
               wa ? fmt::format("{:.2f}", *wa) : "-", peak, anon,
               FormatBytes(static_cast<double>(e.rss_delta)), sync_ratio);
  }
  fmt::print(out,
             "\ndisk (max): largest size of the engine's directory measured after each workload.\n"
             "write amp: bytes the engine wrote to files / key+value bytes handed to it, over the "
             "whole run\n  (\"-\": the backend does not report it).\n"
             "peak RSS +: growth of the process's peak resident memory (VmHWM) during the "
             "engine's run,\n  with VmHWM reset first through /proc/self/clear_refs{}.\n"
             "anon peak +: growth of anonymous resident memory (RssAnon, sampled every 10 ms): the "
             "engine's own\n  allocations and the benchmark's, without pages of mapped files.\n"
             "RSS delta: resident memory at the end of the engine's run (engine open) minus at "
             "its start.\n",
             report.isolated ? " (each engine runs in its own child process)" : "");
  for (const EngineResult& e : report.engines) {
    if (e.engine != "strata" || e.peak_anon_growth < 0 || report.strata_memory_bound == 0) continue;
    fmt::print(out,
               "strata memory bound (write buffers + block cache + 64 MiB): {}; anon peak + {}: "
               "{}\n",
               FormatBytes(static_cast<double>(report.strata_memory_bound)),
               FormatBytes(static_cast<double>(e.peak_anon_growth)),
               static_cast<uint64_t>(e.peak_anon_growth) <= report.strata_memory_bound ? "within"
                                                                                       : "OVER");
  }
  if (any_unreset) {
    fmt::print(out,
               "  *: VmHWM could not be reset: exact when the engine raised the process's peak, "
               "else a lower\n     bound (its RSS delta).\n");
  }
  if (report.raw_fsync_per_sec > 0) {
    fmt::print(out,
               "fillsync/fsync: fillsync ops/s over the raw rate of 100-byte appends + fdatasync "
               "in the bench dir\n  ({} ops/s).\n",
               FormatThousands(report.raw_fsync_per_sec));
  }
  bool header = false;
  for (const EngineResult& e : report.engines) {
    for (const std::string& note : e.notes) {
      if (!header) fmt::print(out, "\nnotes:\n");
      header = true;
      fmt::print(out, "  {}: {}\n", e.engine, note);
    }
  }
}

void AppendJsonNumber(std::string* out, double v) {
  if (!std::isfinite(v)) {
    *out += "null";
  } else {
    *out += fmt::format("{}", v);
  }
}

}  // namespace

void PrintReport(const BenchReport& report, std::FILE* out) {
  fmt::print(out,
             "\nstrata bench kv: num={} key={} B value={} B sync_num={} seed={} compression={}\n",
             report.num, report.key_size, report.value_size, report.sync_num, report.seed,
             report.compression.empty() ? "engine defaults" : report.compression);
  fmt::print(out, "dir: {}{}\nallocator: {} (every engine in this process uses it)\n", report.dir,
             report.isolated ? " (each engine in its own child process)" : "", AllocatorName());
  for (const std::string& s : report.skipped) fmt::print(out, "skipped: {}\n", s);
  fmt::print(out, "\n");
  PrintTable(report, out);
  PrintRatios(report, out);
  PrintSummary(report, out);
  std::fflush(out);
}

void AppendJsonString(std::string* out, std::string_view s) {
  *out += '"';
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        *out += "\\\"";
        break;
      case '\\':
        *out += "\\\\";
        break;
      case '\n':
        *out += "\\n";
        break;
      case '\r':
        *out += "\\r";
        break;
      case '\t':
        *out += "\\t";
        break;
      default:
        if (c < 0x20) {
          *out += fmt::format("\\u{:04x}", c);
        } else {
          *out += static_cast<char>(c);
        }
    }
  }
  *out += '"';
}

std::string ReportToJson(const BenchReport& report) {
  std::string out = "[";
  bool first = true;
  for (const EngineResult& e : report.engines) {
    for (const std::string& name : report.workloads) {
      const WorkloadResult* w = e.Find(name);
      WorkloadResult missing;
      if (w == nullptr) {
        missing.workload = name;
        missing.error = e.error.empty() ? "not run" : e.error;
        w = &missing;
      }
      out += first ? "\n  {" : ",\n  {";
      first = false;
      auto key = [&out](std::string_view k, bool comma = true) {
        if (comma) out += ", ";
        AppendJsonString(&out, k);
        out += ": ";
      };
      key("engine", false);
      AppendJsonString(&out, e.engine);
      key("workload");
      AppendJsonString(&out, name);
      const std::pair<const char*, double> numbers[] = {
          {"ops_per_sec", w->OpsPerSec()},
          {"mb_per_sec", w->MbPerSec()},
          {"p50_us", w->p50_us},
          {"p99_us", w->p99_us},
          {"p999_us", w->p999_us},
          {"mean_us", w->mean_us},
          {"max_us", w->max_us},
          {"seconds", w->seconds},
          {"ops", static_cast<double>(w->ops)},
          {"bytes", static_cast<double>(w->bytes)},
          {"found", static_cast<double>(w->found)},
          {"disk_bytes", static_cast<double>(w->disk_bytes)},
          {"num", static_cast<double>(report.num)},
          {"key_size", static_cast<double>(report.key_size)},
          {"value_size", static_cast<double>(report.value_size)},
          {"engine_max_disk_bytes", static_cast<double>(e.max_disk_bytes)},
          {"engine_peak_rss_growth_bytes", static_cast<double>(e.peak_rss_growth)},
          {"engine_rss_delta_bytes", static_cast<double>(e.rss_delta)},
          {"engine_peak_anon_growth_bytes", static_cast<double>(e.peak_anon_growth)},
      };
      for (const auto& [k, v] : numbers) {
        key(k);
        AppendJsonNumber(&out, v);
      }
      key("engine_write_amp");
      if (auto wa = e.WriteAmp()) {
        AppendJsonNumber(&out, *wa);
      } else {
        out += "null";
      }
      key("engine_peak_rss_reset");
      out += e.peak_rss_reset ? "true" : "false";
      key("compression");
      AppendJsonString(&out, report.compression.empty() ? "default" : report.compression);
      key("error");
      if (w->ok()) {
        out += "null";
      } else {
        AppendJsonString(&out, w->error);
      }
      out += "}";
    }
  }
  out += first ? "]\n" : "\n]\n";
  return out;
}

}  // namespace strata::tools
