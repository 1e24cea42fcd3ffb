#include "doc_bench.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>

#include "base/memory.h"
#include "base/random.h"
#include "bench_report.h"
#include "doc_bench_systems.h"
#include "memory_sampler.h"

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

// A workload's row with the latencies of every timed call so far (reads run in slices).
struct TimedRow {
  Row row;
  Histogram hist;
};

// Times `ops` more calls of fn(i) into *t; fn returns a Status.
Status Timed(uint64_t ops, uint64_t docs_per_op,
             const std::function<Status(uint64_t, uint64_t*)>& fn, TimedRow* t) {
  auto start = Clock::now();
  for (uint64_t i = 0; i < ops; ++i) {
    auto t0 = Clock::now();
    Status s = fn(i, &t->row.rows);
    if (!s.ok()) return s.WithContext(t->row.workload);
    t->hist.Add(static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - t0).count()));
  }
  t->row.seconds += std::chrono::duration<double>(Clock::now() - start).count();
  t->row.ops += ops * docs_per_op;
  t->row.p50_us = t->hist.Percentile(50) / 1000.0;
  t->row.p99_us = t->hist.Percentile(99) / 1000.0;
  return Status::OK();
}

void PrintRate(const Row& row) {
  std::fprintf(stderr, "  %-34s %10.0f docs/s\n", row.workload.c_str(),
               row.seconds > 0 ? row.ops / row.seconds : 0);
}

Status Load(DocSystem* sys, const DocBenchConfig& c, const std::string& dir, bool indexes,
            bool batched, std::vector<Row>* rows, bool keep_open) {
  std::filesystem::create_directories(dir);
  STRATA_RETURN_IF_ERROR(sys->Open(dir, indexes));
  TimedRow t;
  t.row.workload = Workloads()[(indexes ? 2 : 0) + (batched ? 1 : 0)];
  Status s;
  if (batched) {
    std::vector<Person> batch;
    s = Timed(
        c.num / 100, 100,
        [&](uint64_t b, uint64_t*) {
          batch.clear();
          for (uint64_t i = b * 100; i < (b + 1) * 100; ++i)
            batch.push_back(MakePerson(i, c.num, c.seed));
          return sys->InsertBatch(batch);
        },
        &t);
  } else {
    s = Timed(
        c.num, 1,
        [&](uint64_t i, uint64_t*) { return sys->InsertOne(MakePerson(i, c.num, c.seed)); }, &t);
  }
  if (s.ok()) {
    rows->push_back(t.row);
    PrintRate(t.row);
  }
  if (!keep_open || !s.ok()) {
    Status closed = sys->Close();
    if (s.ok()) s = closed;
  }
  return s;
}

// The read workloads (index 4 on) of one loaded system, run in slices the parent asks for, each
// workload with its own random sequence (the same for every system).
class ReadPhase {
 public:
  ReadPhase(DocSystem* sys, const DocBenchConfig& c) : sys_(sys), c_(c) {}

  Status RunSlice(size_t w, uint64_t ops) {
    auto [it, fresh] = state_.try_emplace(w, c_.seed + w);
    State& st = it->second;
    if (fresh) st.timed.row.workload = Workloads()[w];
    Random& rnd = st.rnd;
    DocSystem* sys = sys_;
    const DocBenchConfig& c = c_;
    std::function<Status(uint64_t, uint64_t*)> op;
    switch (w) {
      case 4:
        op = [&](uint64_t, uint64_t* found) {
          return sys->GetById(static_cast<int64_t>(1 + rnd.Uniform(c.num)), found);
        };
        break;
      case 5:
        op = [&](uint64_t, uint64_t* found) {
          return sys->FindEmail(MakePerson(rnd.Uniform(c.num), c.num, c.seed).email, found);
        };
        break;
      case 6:
        op = [&](uint64_t, uint64_t* found) {
          double lo = static_cast<double>(rnd.Uniform(c.num > 100 ? c.num - 100 : 1));
          return sys->FindScoreRange(lo, lo + 100, found);
        };
        break;
      case 7:
        op = [&](uint64_t, uint64_t* found) {
          return sys->ScanFilter(80, CityName(static_cast<int>(st.calls++ % 100)), found);
        };
        break;
      case 8:
        op = [&](uint64_t, uint64_t* groups) { return sys->GroupByCity(groups); };
        break;
      case 9:
        op = [&](uint64_t, uint64_t* updated) {
          return sys->UpdateCity(CityName(static_cast<int>(st.calls++ % 100)), updated);
        };
        break;
      default:
        return Status::InvalidArgument("no read workload " + std::to_string(w));
    }
    return Timed(ops, 1, op, &st.timed);
  }

  // Rows of the workloads run, in workload order.
  void Finish(std::vector<Row>* rows) const {
    for (const auto& [w, st] : state_) {
      rows->push_back(st.timed.row);
      PrintRate(st.timed.row);
    }
  }

 private:
  struct State {
    explicit State(uint64_t seed) : rnd(seed) {}
    Random rnd;
    uint64_t calls = 0;
    TimedRow timed;
  };
  DocSystem* sys_;
  const DocBenchConfig& c_;
  std::map<size_t, State> state_;
};

// The child's side of the slice protocol: after its loads it writes "READY", then answers each
// "RUN <workload> <ops>" line with "OK" (after a failure it runs nothing more and still answers)
// until "END", when it reports.
Status ServeReads(DocSystem* sys, const DocBenchConfig& c, FILE* commands, int out_fd,
                  std::vector<Row>* rows) {
  auto say = [&](const char* line) {
    for (size_t off = 0, n = std::strlen(line); off < n;) {
      ssize_t k = write(out_fd, line + off, n - off);
      if (k <= 0) return;
      off += static_cast<size_t>(k);
    }
  };
  say("READY\n");
  ReadPhase reads(sys, c);
  Status failed;
  char line[128];
  while (std::fgets(line, sizeof(line), commands) != nullptr) {
    size_t w = 0;
    unsigned long long ops = 0;
    if (std::sscanf(line, "RUN %zu %llu", &w, &ops) != 2) break;  // END, or the parent is gone
    if (failed.ok()) failed = reads.RunSlice(w, ops);
    say("OK\n");
  }
  reads.Finish(rows);
  return failed;
}

// Runs the loads of one system (in the child process), then its reads as the parent directs.
Status RunSystem(const std::string& system, const DocBenchConfig& c, const std::string& root,
                 FILE* commands, int out_fd, std::vector<Row>* rows) {
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
      Status s = ServeReads(sys.get(), c, commands, out_fd, rows);
      Status closed = sys->Close();
      if (!c.keep) std::filesystem::remove_all(dir);
      STRATA_RETURN_IF_ERROR(s);
      STRATA_RETURN_IF_ERROR(closed);
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
  out += "M\t" + std::to_string(std::max<int64_t>(0, ProcStatusBytes("VmHWM"))) + "\n";
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

// One system in its child process: started, loaded, then driven slice by slice.
class Child {
 public:
  Child(std::string system, const DocBenchConfig& c, const std::string& root,
        const std::vector<int>& inherited)
      : system_(std::move(system)) {
    int to_child[2], from_child[2];
    if (pipe(to_child) != 0 || pipe(from_child) != 0) {
      error_ = "pipe failed";
      return;
    }
    std::fflush(nullptr);
    pid_ = fork();
    if (pid_ == 0) {
      for (int fd : inherited) close(fd);  // the other children's pipes
      close(to_child[1]);
      close(from_child[0]);
      std::fprintf(stderr, "%s:\n", system_.c_str());
      FILE* commands = fdopen(to_child[0], "r");
      std::vector<Row> rows;
      Status s = RunSystem(system_, c, root, commands, from_child[1], &rows);
      std::string out = "REPORT\n" + Serialize(rows, s);
      for (size_t off = 0; off < out.size();) {
        ssize_t n = write(from_child[1], out.data() + off, out.size() - off);
        if (n <= 0) break;
        off += static_cast<size_t>(n);
      }
      _exit(s.ok() ? 0 : 1);
    }
    close(to_child[0]);
    close(from_child[1]);
    cmd_fd_ = to_child[1];
    out_fd_ = from_child[0];
    if (pid_ < 0) error_ = "fork failed";
  }

  std::vector<int> fds() const { return {cmd_fd_, out_fd_}; }
  bool ready() { return alive_ = error_.empty() && ReadLine() == "READY"; }

  // Runs `ops` more calls of workload `w` in the child and waits until they are done.
  void Run(size_t w, uint64_t ops) {
    if (!alive_) return;
    const std::string cmd = "RUN " + std::to_string(w) + " " + std::to_string(ops) + "\n";
    alive_ = write(cmd_fd_, cmd.data(), cmd.size()) == static_cast<ssize_t>(cmd.size()) &&
             ReadLine() == "OK";
  }

  // Ends the reads and collects the child's report.
  SystemRun Finish() {
    if (cmd_fd_ >= 0) {
      if (write(cmd_fd_, "END\n", 4) != 4) alive_ = false;
      close(cmd_fd_);
    }
    std::string text = pending_;
    char buf[4096];
    ssize_t n;
    while (out_fd_ >= 0 && (n = read(out_fd_, buf, sizeof(buf))) > 0) {
      text.append(buf, static_cast<size_t>(n));
    }
    if (out_fd_ >= 0) close(out_fd_);
    int status = 0;
    if (pid_ > 0) waitpid(pid_, &status, 0);
    const size_t report = text.find("REPORT\n");
    SystemRun run = Parse(system_, report == std::string::npos ? "" : text.substr(report + 7));
    if (run.error.empty() && !error_.empty()) run.error = error_;
    if (run.error.empty() && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
      run.error = "the child process failed (status " + std::to_string(status) + ")";
    }
    return run;
  }

 private:
  // The next line from the child; "" at its end. Bytes after the line stay in pending_.
  std::string ReadLine() {
    while (true) {
      const size_t nl = pending_.find('\n');
      if (nl != std::string::npos) {
        std::string line = pending_.substr(0, nl);
        if (line == "REPORT") return "";  // the child ended early: keep its report
        pending_.erase(0, nl + 1);
        return line;
      }
      char buf[256];
      ssize_t n = read(out_fd_, buf, sizeof(buf));
      if (n <= 0) return "";
      pending_.append(buf, static_cast<size_t>(n));
    }
  }

  std::string system_;
  pid_t pid_ = -1;
  int cmd_fd_ = -1, out_fd_ = -1;
  bool alive_ = false;
  std::string pending_, error_;
};

// Every system loads in turn (each then idles, so background work after its loads settles),
// then the read workloads run in slices alternating between the systems: a change in the
// machine's speed during the run (other tenants, turbo) falls on all systems alike.
std::vector<SystemRun> RunSystems(const DocBenchConfig& c, const std::string& root) {
  constexpr uint64_t kSlices = 10;
  std::signal(SIGPIPE, SIG_IGN);  // a child that died shows as a failed write, not our death
  std::vector<std::unique_ptr<Child>> children;
  std::vector<int> inherited;
  for (const std::string& system : c.systems) {
    children.push_back(std::make_unique<Child>(system, c, root, inherited));
    for (int fd : children.back()->fds()) inherited.push_back(fd);
    children.back()->ready();
  }
  const uint64_t total[] = {c.reads,
                            c.reads,
                            c.range_finds,
                            static_cast<uint64_t>(c.scans),
                            static_cast<uint64_t>(c.scans),
                            static_cast<uint64_t>(c.scans)};
  for (size_t w = 4; w < Workloads().size(); ++w) {
    const uint64_t n = total[w - 4];
    const uint64_t slices = std::min(kSlices, n);
    for (uint64_t k = 0; k < slices; ++k) {
      const uint64_t ops = n * (k + 1) / slices - n * k / slices;
      for (auto& child : children) child->Run(w, ops);
    }
  }
  std::vector<SystemRun> runs;
  for (auto& child : children) runs.push_back(child->Finish());
  return runs;
}

const Row* FindRow(const SystemRun& run, const std::string& workload) {
  for (const Row& r : run.rows) {
    if (r.workload == workload) return &r;
  }
  return nullptr;
}

void Print(const std::vector<SystemRun>& runs, const DocBenchConfig& c) {
  std::printf(
      "\nstrata bench doc: %llu documents per load, backend %s, allocator %s (SQLite: "
      "glibc malloc)\n\n",
      static_cast<unsigned long long>(c.num), c.backend.c_str(), AllocatorName());
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
  for (const std::string& system : config.systems) {
    if (system != "strata" && system != "sqlite") {
      std::fprintf(stderr, "bench doc: unknown system '%s' (strata, sqlite)\n", system.c_str());
      return 2;
    }
  }
  std::vector<SystemRun> runs = RunSystems(config, root);
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
