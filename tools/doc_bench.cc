#include "doc_bench.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>

#include "base/random.h"
#include "bench_report.h"
#include "doc_bench_systems.h"

namespace strata::tools {

namespace {

using Clock = std::chrono::steady_clock;

struct Row {
  std::string workload;
  uint64_t ops = 0;   // timed calls (a batch of 100 counts as 100 documents, see docs)
  uint64_t rows = 0;  // documents found or changed
  double seconds = 0;
  double p50_us = 0, p99_us = 0;
};

struct SystemRun {
  std::string system;
  std::vector<Row> rows;
  int64_t peak_rss = 0;
  std::string error;
};

const std::vector<std::string>& Workloads() {
  static const std::vector<std::string> names = {"insert, no index, 1 per call",
                                                 "insert, no index, 100 per call",
                                                 "insert, 2 indexes, 1 per call",
                                                 "insert, 2 indexes, 100 per call",
                                                 "get by id",
                                                 "find by indexed email",
                                                 "find indexed score range (~100)",
                                                 "unindexed filtered scan",
                                                 "group by city (all docs)",
                                                 "update many (1 city)"};
  return names;
}

int64_t PeakRssBytes() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::strtoll(line.c_str() + 6, nullptr, 10) * 1024;
  }
  return 0;
}

// Times `ops` calls of fn(i); fn returns a Status.
Status Timed(const std::string& name, uint64_t ops, uint64_t docs_per_op,
             const std::function<Status(uint64_t, uint64_t*)>& fn, std::vector<Row>* out) {
  Histogram hist;
  Row row;
  row.workload = name;
  auto start = Clock::now();
  for (uint64_t i = 0; i < ops; ++i) {
    auto t0 = Clock::now();
    Status s = fn(i, &row.rows);
    if (!s.ok()) return s.WithContext(name);
    hist.Add(static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - t0).count()));
  }
  row.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  row.ops = ops * docs_per_op;
  row.p50_us = hist.Percentile(50) / 1000.0;
  row.p99_us = hist.Percentile(99) / 1000.0;
  out->push_back(row);
  std::fprintf(stderr, "  %-34s %10.0f docs/s\n", name.c_str(),
               row.seconds > 0 ? row.ops / row.seconds : 0);
  return Status::OK();
}

Status Load(DocSystem* sys, const DocBenchConfig& c, const std::string& dir, bool indexes,
            bool batched, std::vector<Row>* rows, bool keep_open) {
  std::filesystem::create_directories(dir);
  STRATA_RETURN_IF_ERROR(sys->Open(dir, indexes));
  const std::string name = Workloads()[(indexes ? 2 : 0) + (batched ? 1 : 0)];
  Status s;
  if (batched) {
    std::vector<Person> batch;
    s = Timed(
        name, c.num / 100, 100,
        [&](uint64_t b, uint64_t*) {
          batch.clear();
          for (uint64_t i = b * 100; i < (b + 1) * 100; ++i)
            batch.push_back(MakePerson(i, c.num, c.seed));
          return sys->InsertBatch(batch);
        },
        rows);
  } else {
    s = Timed(
        name, c.num, 1,
        [&](uint64_t i, uint64_t*) { return sys->InsertOne(MakePerson(i, c.num, c.seed)); }, rows);
  }
  if (!keep_open || !s.ok()) {
    Status closed = sys->Close();
    if (s.ok()) s = closed;
  }
  return s;
}

// Runs every workload on one system (in the child process).
Status RunSystem(const std::string& system, const DocBenchConfig& c, const std::string& root,
                 std::vector<Row>* rows) {
  auto make = [&]() {
    return system == "sqlite" ? NewSqliteDocSystem() : NewStrataDocSystem(c.backend);
  };
  int n = 0;
  for (bool indexes : {false, true}) {
    for (bool batched : {false, true}) {
      auto sys = make();
      std::string dir = root + "/" + system + "-" + std::to_string(n++);
      bool last = indexes && batched;
      STRATA_RETURN_IF_ERROR(Load(sys.get(), c, dir, indexes, batched, rows, last));
      if (!last) {
        std::filesystem::remove_all(dir);
        continue;
      }
      Random rnd(c.seed);
      const auto& w = Workloads();
      STRATA_RETURN_IF_ERROR(Timed(
          w[4], c.reads, 1,
          [&](uint64_t, uint64_t* found) {
            return sys->GetById(static_cast<int64_t>(1 + rnd.Uniform(c.num)), found);
          },
          rows));
      STRATA_RETURN_IF_ERROR(Timed(
          w[5], c.reads, 1,
          [&](uint64_t, uint64_t* found) {
            return sys->FindEmail(MakePerson(rnd.Uniform(c.num), c.num, c.seed).email, found);
          },
          rows));
      STRATA_RETURN_IF_ERROR(Timed(
          w[6], c.range_finds, 1,
          [&](uint64_t, uint64_t* found) {
            double lo = static_cast<double>(rnd.Uniform(c.num > 100 ? c.num - 100 : 1));
            return sys->FindScoreRange(lo, lo + 100, found);
          },
          rows));
      STRATA_RETURN_IF_ERROR(Timed(
          w[7], static_cast<uint64_t>(c.scans), 1,
          [&](uint64_t i, uint64_t* found) {
            return sys->ScanFilter(80, CityName(static_cast<int>(i % 100)), found);
          },
          rows));
      STRATA_RETURN_IF_ERROR(Timed(
          w[8], static_cast<uint64_t>(c.scans), 1,
          [&](uint64_t, uint64_t* groups) { return sys->GroupByCity(groups); }, rows));
      STRATA_RETURN_IF_ERROR(Timed(
          w[9], static_cast<uint64_t>(c.scans), 1,
          [&](uint64_t i, uint64_t* updated) {
            return sys->UpdateCity(CityName(static_cast<int>(i % 100)), updated);
          },
          rows));
      STRATA_RETURN_IF_ERROR(sys->Close());
      if (!c.keep) std::filesystem::remove_all(dir);
    }
  }
  return Status::OK();
}

// The child's report: one line per row, then the peak RSS, or an error line.
std::string Serialize(const std::vector<Row>& rows, const Status& s) {
  std::string out;
  char buf[512];
  for (const Row& r : rows) {
    std::snprintf(buf, sizeof(buf), "R\t%s\t%llu\t%llu\t%.9f\t%.3f\t%.3f\n", r.workload.c_str(),
                  static_cast<unsigned long long>(r.ops), static_cast<unsigned long long>(r.rows),
                  r.seconds, r.p50_us, r.p99_us);
    out += buf;
  }
  out += "M\t" + std::to_string(PeakRssBytes()) + "\n";
  if (!s.ok()) out += "E\t" + s.ToString() + "\n";
  return out;
}

SystemRun Parse(const std::string& system, const std::string& text) {
  SystemRun run;
  run.system = system;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(pos, end - pos);
    pos = end + 1;
    std::vector<std::string> f;
    size_t s = 0;
    while (true) {
      size_t t = line.find('\t', s);
      f.push_back(line.substr(s, t == std::string::npos ? std::string::npos : t - s));
      if (t == std::string::npos) break;
      s = t + 1;
    }
    if (f[0] == "R" && f.size() == 7) {
      Row r;
      r.workload = f[1];
      r.ops = std::strtoull(f[2].c_str(), nullptr, 10);
      r.rows = std::strtoull(f[3].c_str(), nullptr, 10);
      r.seconds = std::strtod(f[4].c_str(), nullptr);
      r.p50_us = std::strtod(f[5].c_str(), nullptr);
      r.p99_us = std::strtod(f[6].c_str(), nullptr);
      run.rows.push_back(r);
    } else if (f[0] == "M" && f.size() == 2) {
      run.peak_rss = std::strtoll(f[1].c_str(), nullptr, 10);
    } else if (f[0] == "E" && f.size() >= 2) {
      run.error = f[1];
    }
  }
  return run;
}

SystemRun RunInChild(const std::string& system, const DocBenchConfig& c, const std::string& root) {
  int fds[2];
  if (pipe(fds) != 0) return SystemRun{system, {}, 0, "pipe failed"};
  std::fflush(nullptr);
  pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    std::fprintf(stderr, "%s:\n", system.c_str());
    std::vector<Row> rows;
    Status s = RunSystem(system, c, root, &rows);
    std::string out = Serialize(rows, s);
    size_t off = 0;
    while (off < out.size()) {
      ssize_t n = write(fds[1], out.data() + off, out.size() - off);
      if (n <= 0) break;
      off += static_cast<size_t>(n);
    }
    close(fds[1]);
    _exit(s.ok() ? 0 : 1);
  }
  close(fds[1]);
  std::string text;
  char buf[4096];
  ssize_t n;
  while ((n = read(fds[0], buf, sizeof(buf))) > 0) text.append(buf, static_cast<size_t>(n));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  SystemRun run = Parse(system, text);
  if (run.error.empty() && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
    run.error = "the child process failed (status " + std::to_string(status) + ")";
  }
  return run;
}

const Row* FindRow(const SystemRun& run, const std::string& workload) {
  for (const Row& r : run.rows) {
    if (r.workload == workload) return &r;
  }
  return nullptr;
}

void Print(const std::vector<SystemRun>& runs, const DocBenchConfig& c) {
  std::printf("\nstrata bench doc: %llu documents per load, backend %s\n\n",
              static_cast<unsigned long long>(c.num), c.backend.c_str());
  std::printf("%-34s", "workload (docs/s)");
  for (const SystemRun& r : runs) std::printf("%14s", r.system.c_str());
  if (runs.size() == 2) std::printf("%16s", (runs[0].system + "/" + runs[1].system).c_str());
  std::printf("%12s%12s\n", "p50 us", "p99 us");
  for (const std::string& w : Workloads()) {
    std::printf("%-34s", w.c_str());
    std::vector<double> rates;
    for (const SystemRun& r : runs) {
      const Row* row = FindRow(r, w);
      double rate = row != nullptr && row->seconds > 0 ? row->ops / row->seconds : 0;
      rates.push_back(rate);
      if (rate > 0) {
        std::printf("%14.0f", rate);
      } else {
        std::printf("%14s", "-");
      }
    }
    if (runs.size() == 2) std::printf("%16s", FormatRatio(rates[0], rates[1]).c_str());
    const Row* first = runs.empty() ? nullptr : FindRow(runs[0], w);
    if (first != nullptr)
      std::printf("%12s%12s", FormatMicros(first->p50_us).c_str(),
                  FormatMicros(first->p99_us).c_str());
    std::printf("\n");
  }
  std::printf("\npeak RSS:");
  for (const SystemRun& r : runs)
    std::printf("  %s %s", r.system.c_str(), FormatBytes(static_cast<double>(r.peak_rss)).c_str());
  std::printf(
      "\n(latencies are the first system's; a batch call counts its 100 documents in docs/s)\n");
  for (const SystemRun& r : runs) {
    if (!r.error.empty()) std::printf("%s failed: %s\n", r.system.c_str(), r.error.c_str());
  }
}

std::string ToJson(const std::vector<SystemRun>& runs) {
  std::string out = "[";
  bool first = true;
  for (const SystemRun& r : runs) {
    for (const Row& row : r.rows) {
      if (!first) out += ",";
      first = false;
      out += "\n  {\"system\": ";
      AppendJsonString(&out, r.system);
      out += ", \"workload\": ";
      AppendJsonString(&out, row.workload);
      char buf[256];
      std::snprintf(buf, sizeof(buf),
                    ", \"docs\": %llu, \"rows\": %llu, \"seconds\": %.6f, \"docs_per_sec\": %.1f, "
                    "\"p50_us\": %.3f, \"p99_us\": %.3f, \"peak_rss\": %lld}",
                    static_cast<unsigned long long>(row.ops),
                    static_cast<unsigned long long>(row.rows), row.seconds,
                    row.seconds > 0 ? row.ops / row.seconds : 0.0, row.p50_us, row.p99_us,
                    static_cast<long long>(r.peak_rss));
      out += buf;
    }
  }
  return out + "\n]\n";
}

}  // namespace

int RunDocBench(const DocBenchConfig& config) {
  std::string root = config.dir;
  bool temp = root.empty();
  if (temp) {
    char tmpl[] = "/tmp/strata-docbench-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) {
      std::perror("bench doc: mkdtemp");
      return 1;
    }
    root = tmpl;
  }
  std::vector<SystemRun> runs;
  for (const std::string& system : config.systems) {
    if (system != "strata" && system != "sqlite") {
      std::fprintf(stderr, "bench doc: unknown system '%s' (strata, sqlite)\n", system.c_str());
      return 2;
    }
    runs.push_back(RunInChild(system, config, root));
  }
  Print(runs, config);
  if (!config.json_path.empty()) {
    std::ofstream(config.json_path) << ToJson(runs);
  }
  if (temp && !config.keep) std::filesystem::remove_all(root);
  for (const SystemRun& r : runs) {
    if (!r.error.empty()) return 1;
  }
  return 0;
}

}  // namespace strata::tools
