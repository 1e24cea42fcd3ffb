// `bench server`'s pure parts: reading wrk's and redis-benchmark's output, the soak summary, the
// table and the JSON. No processes, no sockets (bench_server_test.cc runs them on made-up text).
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <fstream>

#include "base/text.h"
#include "bench_report.h"
#include "bench_server.h"

namespace strata::tools {

namespace {

std::vector<std::string_view> Lines(std::string_view text) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) nl = text.size();
    out.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  return out;
}

// The leading number of `s` (strtod semantics); false when there is none.
bool LeadingNumber(std::string_view s, double* value, size_t* used = nullptr) {
  std::string copy(TrimBlanks(s));
  char* end = nullptr;
  *value = std::strtod(copy.c_str(), &end);
  if (end == copy.c_str()) return false;
  if (used != nullptr) *used = static_cast<size_t>(end - copy.c_str());
  return true;
}

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// Splits one CSV line of redis-benchmark (every field quoted, no commas inside fields).
std::vector<std::string> CsvFields(std::string_view line) {
  std::vector<std::string> out;
  std::string field;
  bool quoted = false;
  for (char c : line) {
    if (c == '"') {
      quoted = !quoted;
    } else if (c == ',' && !quoted) {
      out.push_back(field);
      field.clear();
    } else if (c != '\r') {
      field += c;
    }
  }
  out.push_back(field);
  return out;
}

std::string Bytes(int64_t b) { return b > 0 ? FormatBytes(static_cast<double>(b)) : "-"; }

std::string SignedBytes(int64_t b) {
  return (b > 0 ? "+" : "") + FormatBytes(static_cast<double>(b));
}

void AppendNumber(std::string* out, double v) {
  *out += std::isfinite(v) ? fmt::format("{}", v) : "null";
}

const char* Verdict(bool met) { return met ? "met" : "NOT met"; }

}  // namespace

Result<std::vector<int>> ParseConnectionList(std::string_view text) {
  std::vector<int> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string_view::npos) comma = text.size();
    std::string_view item = TrimBlanks(text.substr(start, comma - start));
    int n = 0;
    auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), n);
    if (item.empty() || ec != std::errc() || end != item.data() + item.size() || n <= 0 ||
        n > 4096) {
      return Status::InvalidArgument(
          fmt::format("connections: \"{}\" is not a list of counts in 1..4096 such as 1,16,64",
                      std::string(text)));
    }
    out.push_back(n);
    start = comma + 1;
  }
  return out;
}

const ServerBenchRow* ServerBenchReport::Find(std::string_view system, std::string_view workload,
                                              std::string_view tool, int connections) const {
  for (const ServerBenchRow& r : rows) {
    if (r.system == system && r.workload == workload && r.tool == tool &&
        r.connections == connections) {
      return &r;
    }
  }
  return nullptr;
}

double ParseWrkDuration(std::string_view text) {
  text = TrimBlanks(text);
  double v = 0;
  size_t used = 0;
  if (!LeadingNumber(text, &v, &used)) return -1;
  std::string_view unit = TrimBlanks(text.substr(used));
  if (unit == "us") return v;
  if (unit == "ms") return v * 1e3;
  if (unit == "s") return v * 1e6;
  if (unit == "m") return v * 60e6;
  if (unit == "h") return v * 3600e6;
  return -1;
}

Status ParseWrkOutput(std::string_view text, ServerBenchRow* row) {
  bool have_rps = false;
  bool in_distribution = false;
  row->errors = 0;
  for (std::string_view raw : Lines(text)) {
    std::string_view line = TrimBlanks(raw);
    if (StartsWith(line, "Latency Distribution")) {
      in_distribution = true;
      continue;
    }
    if (in_distribution) {
      // "50%  540.00us"
      size_t pct = line.find('%');
      double p = 0;
      if (pct != std::string_view::npos && LeadingNumber(line.substr(0, pct), &p)) {
        double us = ParseWrkDuration(line.substr(pct + 1));
        if (p == 50) row->p50_us = us;
        if (p == 99) row->p99_us = us;
        continue;
      }
      in_distribution = false;
    }
    double v = 0;
    if (StartsWith(line, "Requests/sec:")) {
      have_rps = LeadingNumber(line.substr(13), &v);
      row->rps = v;
    } else if (StartsWith(line, "Non-2xx or 3xx responses:")) {
      if (LeadingNumber(line.substr(25), &v)) row->errors += static_cast<uint64_t>(v);
    } else if (StartsWith(line, "Socket errors:")) {
      // "Socket errors: connect 0, read 0, write 0, timeout 0"
      std::string_view rest = line.substr(14);
      size_t pos = 0;
      while (pos < rest.size()) {
        size_t comma = rest.find(',', pos);
        if (comma == std::string_view::npos) comma = rest.size();
        std::string_view item = TrimBlanks(rest.substr(pos, comma - pos));
        size_t space = item.rfind(' ');
        if (space != std::string_view::npos && LeadingNumber(item.substr(space + 1), &v)) {
          row->errors += static_cast<uint64_t>(v);
        }
        pos = comma + 1;
      }
    } else if (line.find(" requests in ") != std::string_view::npos) {
      // "123456 requests in 5.00s, 12.34MB read"
      size_t in = line.find(" requests in ");
      if (LeadingNumber(line.substr(0, in), &v)) row->requests = static_cast<uint64_t>(v);
      std::string_view rest = line.substr(in + 13);
      double us = ParseWrkDuration(rest.substr(0, rest.find(',')));
      if (us > 0) row->seconds = us / 1e6;
    }
  }
  if (!have_rps) return Status::InvalidArgument("wrk output has no Requests/sec line");
  row->latency_basis = "request";
  return Status::OK();
}

Status ParseRedisCsv(std::string_view text, int connections, int pipeline,
                     std::vector<ServerBenchRow>* rows) {
  int rps_col = 1, p50_col = -1, p99_col = -1;
  size_t added = 0;
  for (std::string_view raw : Lines(text)) {
    std::string_view line = TrimBlanks(raw);
    if (line.empty() || line.front() != '"') continue;
    std::vector<std::string> fields = CsvFields(line);
    if (fields[0] == "test") {
      for (size_t i = 0; i < fields.size(); ++i) {
        if (fields[i] == "rps") rps_col = static_cast<int>(i);
        if (fields[i] == "p50_latency_ms") p50_col = static_cast<int>(i);
        if (fields[i] == "p99_latency_ms") p99_col = static_cast<int>(i);
      }
      continue;
    }
    auto number = [&fields](int col, double* v) {
      return col >= 0 && col < static_cast<int>(fields.size()) && LeadingNumber(fields[col], v);
    };
    ServerBenchRow row;
    row.system = "redis";
    row.tool = "redis-benchmark";
    row.workload = fmt::format("redis {} -P {}", fields[0], pipeline);
    row.connections = connections;
    row.latency_basis = pipeline > 1 ? "tool (per request)" : "tool";
    if (!number(rps_col, &row.rps)) continue;
    double ms = 0;
    if (number(p50_col, &ms)) row.p50_us = ms * 1e3;
    if (number(p99_col, &ms)) row.p99_us = ms * 1e3;
    rows->push_back(std::move(row));
    ++added;
  }
  if (added == 0) return Status::InvalidArgument("redis-benchmark printed no CSV result line");
  return Status::OK();
}

void SummarizeSoak(SoakResult* soak) {
  const std::vector<int64_t>& s = soak->rss_bytes;
  if (s.empty()) return;
  soak->start_rss = s.front();
  soak->end_rss = s.back();
  soak->max_rss = *std::max_element(s.begin(), s.end());
  soak->late_growth = s.back() - s[s.size() / 2];
}

int64_t ProcessRssBytes(int pid, const char* field) {
  std::ifstream in(fmt::format("/proc/{}/status", pid));
  std::string line;
  const std::string_view name(field);
  while (std::getline(in, line)) {
    if (line.compare(0, name.size(), name) == 0) {
      return std::strtoll(line.c_str() + name.size(), nullptr, 10) * 1024;
    }
  }
  return 0;
}

namespace {

void PrintRows(const ServerBenchReport& report, std::FILE* out) {
  // Workloads in order of first appearance; within one, by connections then tool.
  std::vector<std::string> order;
  for (const ServerBenchRow& r : report.rows) {
    if (std::find(order.begin(), order.end(), r.workload) == order.end()) {
      order.push_back(r.workload);
    }
  }
  const std::string head =
      fmt::format("{:<22} {:<16} {:>5} {:>12} {:>9} {:>9} {:>7}  {}", "workload", "load by",
                  "conns", "req/s", "p50 us", "p99 us", "errors", "latency of");
  fmt::print(out, "{}\n{}\n", head, std::string(head.size(), '-'));
  for (const std::string& w : order) {
    std::vector<const ServerBenchRow*> group;
    for (const ServerBenchRow& r : report.rows) {
      if (r.workload == w) group.push_back(&r);
    }
    std::stable_sort(group.begin(), group.end(), [](const auto* a, const auto* b) {
      return a->connections != b->connections ? a->connections < b->connections : a->tool < b->tool;
    });
    for (const ServerBenchRow* r : group) {
      if (!r->error.empty()) {
        fmt::print(out, "{:<22} {:<16} {:>5}  failed: {}\n", r->workload, r->tool, r->connections,
                   r->error);
        continue;
      }
      fmt::print(out, "{:<22} {:<16} {:>5} {:>12} {:>9} {:>9} {:>7}  {}\n", r->workload, r->tool,
                 r->connections, FormatThousands(r->rps), FormatMicros(r->p50_us),
                 FormatMicros(r->p99_us), r->errors, r->latency_basis);
    }
  }
}

// The best rate of a workload over the connection counts (nullptr when it never ran).
const ServerBenchRow* Best(const ServerBenchReport& report, std::string_view workload,
                           std::string_view tool) {
  const ServerBenchRow* best = nullptr;
  for (const ServerBenchRow& r : report.rows) {
    if (r.workload != workload || r.tool != tool || !r.error.empty()) continue;
    if (best == nullptr || r.rps > best->rps) best = &r;
  }
  return best;
}

void PrintTargets(const ServerBenchReport& report, std::FILE* out) {
  const ServerBenchConfig& c = report.config;
  const std::string ws_get = fmt::format("ws get x{}", c.depth);
  fmt::print(out, "\ntargets (issue 4):\n");
  // 1. WebSocket pipelined get against redis GET -P 16.
  const ServerBenchRow* ws_best = Best(report, ws_get, "strata");
  const ServerBenchRow* redis_best = Best(report, "redis GET -P 16", "redis-benchmark");
  if (ws_best != nullptr && redis_best != nullptr) {
    std::string per_conn;
    for (int n : c.connections) {
      const ServerBenchRow* a = report.Find("strata", ws_get, "strata", n);
      const ServerBenchRow* b = report.Find("redis", "redis GET -P 16", "redis-benchmark", n);
      if (a == nullptr || b == nullptr || !a->error.empty() || !b->error.empty()) continue;
      per_conn += fmt::format("{}{} conns {}", per_conn.empty() ? "" : ", ", n,
                              FormatRatio(a->rps, b->rps));
    }
    const double ratio = redis_best->rps > 0 ? ws_best->rps / redis_best->rps : 0;
    fmt::print(out,
               "  {} / redis GET -P 16, best vs best: {} ({} vs {} req/s); target >= 0.5x: {}\n"
               "    same connections: {}\n",
               ws_get, FormatRatio(ws_best->rps, redis_best->rps), FormatThousands(ws_best->rps),
               FormatThousands(redis_best->rps), Verdict(ratio >= 0.5), per_conn);
  } else {
    fmt::print(out, "  {} / redis GET -P 16: not measured (see notes)\n", ws_get);
  }
  // 2. HTTP keep-alive get by id.
  const ServerBenchRow* http_best = Best(report, "http get", "strata");
  const ServerBenchRow* wrk_best = Best(report, "http get", "wrk");
  double best_rps = 0;
  std::string by;
  for (const ServerBenchRow* r : {http_best, wrk_best}) {
    if (r == nullptr) continue;
    by += fmt::format("{}{} {} req/s at {} conns", by.empty() ? "" : "; ", r->tool,
                      FormatThousands(r->rps), r->connections);
    best_rps = std::max(best_rps, r->rps);
  }
  if (!by.empty()) {
    fmt::print(out, "  http get by id: {}; target >= 50,000 req/s: {}\n", by,
               Verdict(best_rps >= 50000));
  }
  // 3. p99 of a request at 64 connections (or the largest count run). A pipelined WebSocket row
  // times a batch of `depth` requests, not a request: shown, but not judged against the target.
  const int most =
      c.connections.empty() ? 0 : *std::max_element(c.connections.begin(), c.connections.end());
  std::string p99s;
  bool all_under = true, any_request = false;
  for (const ServerBenchRow& r : report.rows) {
    if (r.system != "strata" || r.connections != most || !r.error.empty()) continue;
    const bool request = r.latency_basis == "request";
    p99s += fmt::format("{}    {:<14} {:<7} {:>8} ms ({}{})", p99s.empty() ? "" : "\n", r.workload,
                        r.tool, fmt::format("{:.2f}", r.p99_us / 1e3), r.latency_basis,
                        request ? "" : ", not judged");
    if (!request) continue;
    any_request = true;
    all_under = all_under && r.p99_us < 5000;
  }
  if (!p99s.empty()) {
    fmt::print(out, "  p99 of a request at {} connections; target < 5 ms: {}\n{}\n", most,
               any_request ? Verdict(all_under && most >= 64) : "not measured", p99s);
    if (most < 64) fmt::print(out, "    (64 connections were not run)\n");
  }
}

void PrintMemory(const ServerBenchReport& report, std::FILE* out) {
  fmt::print(
      out, "\nmemory:\n  server peak RSS (VmHWM) {}, RSS at the end {}; redis-server peak RSS {}\n",
      Bytes(report.server_peak_rss), Bytes(report.server_rss), Bytes(report.redis_peak_rss));
  const SoakResult& s = report.soak;
  if (s.rss_bytes.empty()) {
    if (report.config.soak_seconds > 0) fmt::print(out, "  soak: no RSS samples (see notes)\n");
    return;
  }
  fmt::print(out,
             "  soak {:.0f} s, {} connections, HTTP 80% get / 20% insert: {} req/s, {} errors\n"
             "    RSS start {}, max {}, end {}; growth {} (end - start), {} over the second half\n",
             s.seconds, s.connections, FormatThousands(s.seconds > 0 ? s.requests / s.seconds : 0),
             s.errors, Bytes(s.start_rss), Bytes(s.max_rss), Bytes(s.end_rss),
             SignedBytes(s.end_rss - s.start_rss), SignedBytes(s.late_growth));
  std::string samples;
  for (size_t i = 0; i < s.rss_bytes.size(); ++i) {
    if (i % 10 == 0) samples += fmt::format("\n    {:>3} s:", i);
    samples += fmt::format(" {:.1f}", static_cast<double>(s.rss_bytes[i]) / 1048576.0);
  }
  fmt::print(out, "    RSS MiB per second:{}\n", samples);
}

}  // namespace

void PrintServerReport(const ServerBenchReport& report, std::FILE* out) {
  const ServerBenchConfig& c = report.config;
  fmt::print(out, "\nstrata bench server: {} ({}), {} documents loaded in {:.1f} s\n",
             report.server,
             report.started_server ? fmt::format("started here, {} I/O threads", c.threads)
                                   : std::string("already running"),
             FormatThousands(static_cast<double>(c.num)), report.load_seconds);
  fmt::print(out,
             "{:g} s per row; WebSocket rows send {} frames per message; {} CPUs, load "
             "average {}\n\n",
             c.seconds, c.depth, report.cpus, report.load_average);
  PrintRows(report, out);
  fmt::print(out,
             "\nlatency of: \"request\" = each request timed alone; \"batch of {}\" = one "
             "pipelined message, send to last answer;\n  \"tool\" = as redis-benchmark reports it "
             "(per request, pipelined ones included).\n",
             c.depth);
  PrintTargets(report, out);
  PrintMemory(report, out);
  if (!report.notes.empty()) {
    fmt::print(out, "\nnotes:\n");
    for (const std::string& n : report.notes) fmt::print(out, "  {}\n", n);
  }
  std::fflush(out);
}

std::string ServerReportToJson(const ServerBenchReport& report) {
  const ServerBenchConfig& c = report.config;
  std::string out = "{\n  \"server\": ";
  AppendJsonString(&out, report.server);
  out += ",\n  \"started_server\": ";
  out += report.started_server ? "true" : "false";
  out += ",\n  \"load_average\": ";
  AppendJsonString(&out, report.load_average);
  out += fmt::format(",\n  \"cpus\": {}", report.cpus);
  out += fmt::format(
      ",\n  \"num\": {},\n  \"seconds\": {},\n  \"depth\": {},\n  \"threads\": {},\n"
      "  \"load_seconds\": ",
      c.num, c.seconds, c.depth, c.threads);
  AppendNumber(&out, report.load_seconds);
  out += ",\n  \"rows\": [";
  bool first = true;
  for (const ServerBenchRow& r : report.rows) {
    out += first ? "\n    {" : ",\n    {";
    first = false;
    out += "\"system\": ";
    AppendJsonString(&out, r.system);
    out += ", \"workload\": ";
    AppendJsonString(&out, r.workload);
    out += ", \"tool\": ";
    AppendJsonString(&out, r.tool);
    out += fmt::format(", \"connections\": {}, \"requests\": {}, \"errors\": {}, \"seconds\": ",
                       r.connections, r.requests, r.errors);
    AppendNumber(&out, r.seconds);
    out += ", \"rps\": ";
    AppendNumber(&out, r.rps);
    out += ", \"p50_us\": ";
    AppendNumber(&out, r.p50_us);
    out += ", \"p99_us\": ";
    AppendNumber(&out, r.p99_us);
    out += ", \"latency_basis\": ";
    AppendJsonString(&out, r.latency_basis);
    out += ", \"error\": ";
    if (r.error.empty()) {
      out += "null";
    } else {
      AppendJsonString(&out, r.error);
    }
    out += "}";
  }
  out += first ? "]" : "\n  ]";
  out += fmt::format(
      ",\n  \"server_peak_rss_bytes\": {},\n  \"server_rss_bytes\": {},\n"
      "  \"redis_peak_rss_bytes\": {},\n",
      report.server_peak_rss, report.server_rss, report.redis_peak_rss);
  const SoakResult& s = report.soak;
  out += "  \"soak\": {\"seconds\": ";
  AppendNumber(&out, s.seconds);
  out += fmt::format(
      ", \"connections\": {}, \"requests\": {}, \"errors\": {}, \"start_rss_bytes\": {}, "
      "\"max_rss_bytes\": {}, \"end_rss_bytes\": {}, \"late_growth_bytes\": {}, \"rss_bytes\": [",
      s.connections, s.requests, s.errors, s.start_rss, s.max_rss, s.end_rss, s.late_growth);
  for (size_t i = 0; i < s.rss_bytes.size(); ++i) {
    out += fmt::format("{}{}", i == 0 ? "" : ", ", s.rss_bytes[i]);
  }
  out += "]},\n  \"notes\": [";
  for (size_t i = 0; i < report.notes.size(); ++i) {
    if (i > 0) out += ", ";
    AppendJsonString(&out, report.notes[i]);
  }
  out += "]\n}\n";
  return out;
}

}  // namespace strata::tools
