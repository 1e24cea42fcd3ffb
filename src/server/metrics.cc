#include "server/metrics.h"

#include <fmt/format.h>

namespace strata::server {

void Series::Record(int status, uint64_t micros) {
  double seconds = static_cast<double>(micros) / 1e6;
  size_t b = 0;
  while (b < kBounds.size() && seconds > kBounds[b]) ++b;
  buckets_[b].fetch_add(1, std::memory_order_relaxed);
  sum_micros_.fetch_add(micros, std::memory_order_relaxed);
  size_t cls = static_cast<size_t>(status / 100);
  if (cls >= by_class_.size()) cls = 0;
  by_class_[cls].fetch_add(1, std::memory_order_relaxed);
}

Series* Metrics::For(const std::string& protocol, const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& slot = series_[{protocol, name}];
  if (slot == nullptr) slot = std::make_unique<Series>();
  return slot.get();
}

namespace {

// Label values escape backslash, quote and newline (the exposition format's rule).
std::string Label(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '\\' || c == '"') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  return out;
}

}  // namespace

std::string Metrics::Prometheus(kv::Engine* engine) const {
  std::string out;
  out +=
      "# HELP strata_requests_total Requests handled, by protocol, route or command, and status "
      "class.\n# TYPE strata_requests_total counter\n";
  std::lock_guard<std::mutex> lock(mu_);
  static const char* kClasses[] = {"ok", "1xx", "2xx", "3xx", "4xx", "5xx"};
  for (const auto& [key, series] : series_) {
    for (size_t c = 0; c < series->by_class_.size(); ++c) {
      uint64_t n = series->by_class_[c].load(std::memory_order_relaxed);
      if (n == 0) continue;
      out += fmt::format("strata_requests_total{{protocol=\"{}\",route=\"{}\",status=\"{}\"}} {}\n",
                         key.first, Label(key.second), kClasses[c], n);
    }
  }
  out +=
      "# HELP strata_request_seconds Request latency.\n# TYPE strata_request_seconds histogram\n";
  for (const auto& [key, series] : series_) {
    uint64_t cumulative = 0;
    std::string labels = fmt::format("protocol=\"{}\",route=\"{}\"", key.first, Label(key.second));
    for (size_t b = 0; b < series->buckets_.size(); ++b) {
      cumulative += series->buckets_[b].load(std::memory_order_relaxed);
      std::string le = b < Series::kBounds.size() ? fmt::format("{}", Series::kBounds[b]) : "+Inf";
      out +=
          fmt::format("strata_request_seconds_bucket{{{},le=\"{}\"}} {}\n", labels, le, cumulative);
    }
    out += fmt::format("strata_request_seconds_sum{{{}}} {}\n", labels,
                       static_cast<double>(series->sum_micros_.load()) / 1e6);
    out += fmt::format("strata_request_seconds_count{{{}}} {}\n", labels, cumulative);
  }
  out += "# HELP strata_connections Open client connections.\n# TYPE strata_connections gauge\n";
  out += fmt::format("strata_connections {}\n", connections_.load());
  if (engine != nullptr) {
    kv::Stats s = engine->GetStats();
    auto gauge = [&](const char* name, const char* help, double v) {
      out += fmt::format(
          "# HELP strata_engine_{0} {1}\n# TYPE strata_engine_{0} gauge\n"
          "strata_engine_{0} {2}\n",
          name, help, v);
    };
    gauge("user_bytes_written", "Key and value bytes written by clients.",
          static_cast<double>(s.user_bytes_written));
    gauge("bytes_written", "Bytes the engine wrote to files.",
          static_cast<double>(s.engine_bytes_written));
    gauge("write_amplification", "Engine bytes written per user byte.", s.write_amplification);
    gauge("memtable_bytes", "Bytes in memtables.", static_cast<double>(s.memtable_bytes));
    gauge("block_cache_hit_rate", "Block cache hits per lookup.", s.block_cache_hit_rate);
    gauge("block_cache_bytes", "Bytes charged to the block cache.",
          static_cast<double>(s.block_cache_bytes));
    gauge("pending_compaction_bytes", "Bytes waiting for compaction.",
          static_cast<double>(s.pending_compaction_bytes));
    gauge("disk_bytes", "Bytes of live files.", static_cast<double>(s.disk_bytes));
    gauge("write_stall_seconds", "Time writers were slowed or stopped.",
          static_cast<double>(s.write_stall_micros) / 1e6);
    out +=
        "# HELP strata_engine_level_files Files per level.\n"
        "# TYPE strata_engine_level_files gauge\n";
    for (size_t l = 0; l < s.levels.size(); ++l) {
      out += fmt::format("strata_engine_level_files{{level=\"{}\"}} {}\n", l, s.levels[l].files);
    }
  }
  return out;
}

}  // namespace strata::server
