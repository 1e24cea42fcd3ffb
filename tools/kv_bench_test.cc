#include "kv_bench.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "bench_report.h"
#include "strata/kv.h"

namespace strata::tools {
namespace {

// A strict little JSON parser, enough to check that the writer's output is valid JSON.
struct Json {
  enum Type { kNull, kBool, kNumber, kString, kArray, kObject } type = kNull;
  double number = 0;
  bool boolean = false;
  std::string str;
  std::vector<Json> array;
  std::map<std::string, Json> object;
};

class JsonParser {
 public:
  explicit JsonParser(const std::string& s) : s_(s) {}
  bool Parse(Json* out) {
    if (!Value(out)) return false;
    Ws();
    return i_ == s_.size();
  }

 private:
  void Ws() {
    while (i_ < s_.size() &&
           (s_[i_] == ' ' || s_[i_] == '\n' || s_[i_] == '\t' || s_[i_] == '\r')) {
      ++i_;
    }
  }
  bool Lit(const char* lit) {
    const std::string l(lit);
    if (s_.compare(i_, l.size(), l) != 0) return false;
    i_ += l.size();
    return true;
  }
  bool String(std::string* out) {
    if (i_ >= s_.size() || s_[i_] != '"') return false;
    for (++i_; i_ < s_.size(); ++i_) {
      const unsigned char c = s_[i_];
      if (c == '"') {
        ++i_;
        return true;
      }
      if (c < 0x20) return false;
      if (c != '\\') {
        *out += static_cast<char>(c);
        continue;
      }
      if (++i_ >= s_.size()) return false;
      const char e = s_[i_];
      if (e == 'u') {
        if (i_ + 4 >= s_.size()) return false;
        for (int k = 1; k <= 4; ++k) {
          if (!isxdigit(static_cast<unsigned char>(s_[i_ + k]))) return false;
        }
        *out += static_cast<char>(std::stoi(s_.substr(i_ + 1, 4), nullptr, 16));
        i_ += 4;
      } else if (std::string("\"\\/bfnrt").find(e) != std::string::npos) {
        const std::map<char, char> m = {{'"', '"'},  {'\\', '\\'}, {'/', '/'},  {'b', '\b'},
                                        {'f', '\f'}, {'n', '\n'},  {'r', '\r'}, {'t', '\t'}};
        *out += m.at(e);
      } else {
        return false;
      }
    }
    return false;
  }
  bool Value(Json* out) {
    Ws();
    if (i_ >= s_.size()) return false;
    const char c = s_[i_];
    if (c == '{') {
      out->type = Json::kObject;
      ++i_;
      Ws();
      if (i_ < s_.size() && s_[i_] == '}') return ++i_, true;
      for (;;) {
        Ws();
        std::string key;
        if (!String(&key)) return false;
        Ws();
        if (i_ >= s_.size() || s_[i_++] != ':') return false;
        if (!Value(&out->object[key])) return false;
        Ws();
        if (i_ >= s_.size()) return false;
        if (s_[i_] == '}') return ++i_, true;
        if (s_[i_++] != ',') return false;
      }
    }
    if (c == '[') {
      out->type = Json::kArray;
      ++i_;
      Ws();
      if (i_ < s_.size() && s_[i_] == ']') return ++i_, true;
      for (;;) {
        out->array.emplace_back();
        if (!Value(&out->array.back())) return false;
        Ws();
        if (i_ >= s_.size()) return false;
        if (s_[i_] == ']') return ++i_, true;
        if (s_[i_++] != ',') return false;
      }
    }
    if (c == '"') {
      out->type = Json::kString;
      return String(&out->str);
    }
    if (Lit("null")) return true;
    if (Lit("true") || Lit("false")) {
      out->type = Json::kBool;
      out->boolean = s_[i_ - 1] == 'e' && s_[i_ - 2] == 'u';
      return true;
    }
    // -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
    const size_t start = i_;
    if (s_[i_] == '-') ++i_;
    auto digits = [&] {
      const size_t from = i_;
      while (i_ < s_.size() && isdigit(static_cast<unsigned char>(s_[i_]))) ++i_;
      return i_ > from;
    };
    if (i_ < s_.size() && s_[i_] == '0') {
      ++i_;
    } else if (!digits()) {
      return false;
    }
    if (i_ < s_.size() && s_[i_] == '.' && (++i_, !digits())) return false;
    if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
      ++i_;
      if (i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-')) ++i_;
      if (!digits()) return false;
    }
    out->type = Json::kNumber;
    out->number = std::stod(s_.substr(start, i_ - start));
    return true;
  }

  const std::string& s_;
  size_t i_ = 0;
};

TEST(KvBenchKeys, MakeKeyIsZeroPaddedDecimal) {
  char buf[16];
  MakeKey(42, buf, 16);
  EXPECT_EQ(std::string(buf, 16), "0000000000000042");
  MakeKey(1234567, buf, 4);  // too many digits: the low ones
  EXPECT_EQ(std::string(buf, 4), "4567");
}

TEST(KvBenchKeys, SequencesAreDeterministicAndInRange) {
  KeySequence seq(1000, true, 7, 0);
  for (uint64_t i = 0; i < 5; ++i) EXPECT_EQ(seq.Next(), i);

  KeySequence a(1000, false, 7, 3), b(1000, false, 7, 3), other_stream(1000, false, 7, 4),
      other_seed(1000, false, 8, 3);
  int diff_stream = 0, diff_seed = 0;
  std::set<uint64_t> seen;
  for (int i = 0; i < 10000; ++i) {
    const uint64_t k = a.Next();
    ASSERT_EQ(k, b.Next());
    ASSERT_LT(k, 1000u);
    seen.insert(k);
    diff_stream += k != other_stream.Next();
    diff_seed += k != other_seed.Next();
  }
  EXPECT_GT(seen.size(), 990u);  // uniform: 10000 draws cover nearly all of 1000 keys
  EXPECT_GT(diff_stream, 9000);
  EXPECT_GT(diff_seed, 9000);
}

TEST(KvBenchKeys, ValuesAreDeterministicAndHalfCompressible) {
  ValueGenerator a(301, 0.5, 100), b(301, 0.5, 100);
  const std::string first = a.Generate(100).ToString();
  EXPECT_EQ(first, b.Generate(100).ToString());
  // Each 100-byte piece is 50 random bytes then the same 50 again.
  EXPECT_EQ(first.substr(0, 50), first.substr(50, 50));
  EXPECT_NE(first, a.Generate(100).ToString());
  a.Reset();
  EXPECT_EQ(first, a.Generate(100).ToString());
}

TEST(KvBenchHistogram, BucketsCoverValuesContiguously) {
  for (uint64_t v :
       {0ull, 1ull, 127ull, 128ull, 129ull, 1000ull, 123456789ull, 1ull << 40, ~0ull}) {
    const int b = Histogram::BucketOf(v);
    ASSERT_LT(b, Histogram::kBuckets);
    EXPECT_LE(Histogram::BucketLow(b), v) << v;
    EXPECT_LE(v - Histogram::BucketLow(b), Histogram::BucketWidth(b) - 1) << v;
  }
  for (int b = 1; b < Histogram::kBuckets; ++b) {
    ASSERT_EQ(Histogram::BucketLow(b - 1) + Histogram::BucketWidth(b - 1), Histogram::BucketLow(b))
        << b;
  }
}

TEST(KvBenchHistogram, PercentilesWithinTwoPercent) {
  Histogram h;
  EXPECT_EQ(h.Percentile(50), 0);
  for (uint64_t v = 1; v <= 100000; ++v) h.Add(v * 10);  // 10 ns .. 1 ms, uniform
  EXPECT_EQ(h.count(), 100000u);
  EXPECT_NEAR(h.Percentile(50), 500000, 500000 * 0.02);
  EXPECT_NEAR(h.Percentile(99), 990000, 990000 * 0.02);
  EXPECT_NEAR(h.Percentile(99.9), 999000, 999000 * 0.02);
  EXPECT_NEAR(h.Mean(), 500005, 1);
  EXPECT_EQ(h.Percentile(100), 1000000);  // clamped to the max

  Histogram small;
  for (int i = 0; i < 90; ++i) small.Add(5);
  for (int i = 0; i < 10; ++i) small.Add(100);
  EXPECT_EQ(small.Percentile(50), 5);  // exact below 128 ns
  EXPECT_EQ(small.Percentile(90), 5);
  EXPECT_EQ(small.Percentile(91), 100);

  Histogram merged;
  merged.Merge(small);
  merged.Merge(small);
  EXPECT_EQ(merged.count(), 200u);
  EXPECT_EQ(merged.Percentile(50), 5);
}

TEST(KvBenchReport, Formatting) {
  EXPECT_EQ(FormatRatio(246, 200), "1.23x");
  EXPECT_EQ(FormatRatio(1, 0), "-");
  EXPECT_EQ(FormatBytes(512), "512 B");
  EXPECT_EQ(FormatBytes(1536), "1.5 KiB");
  EXPECT_EQ(FormatMicros(1.234), "1.23");
  EXPECT_EQ(FormatMicros(12.34), "12.3");
  EXPECT_EQ(FormatMicros(1234.4), "1234");
}

void ExpectValidReportJson(const std::string& text, size_t rows) {
  Json root;
  ASSERT_TRUE(JsonParser(text).Parse(&root)) << text;
  ASSERT_EQ(root.type, Json::kArray);
  ASSERT_EQ(root.array.size(), rows);
  for (const Json& row : root.array) {
    ASSERT_EQ(row.type, Json::kObject);
    for (const char* key : {"engine", "workload", "ops_per_sec", "p50_us", "p99_us", "p999_us",
                            "mb_per_sec", "num", "error"}) {
      EXPECT_TRUE(row.object.count(key)) << key;
    }
    EXPECT_EQ(row.object.at("engine").type, Json::kString);
    EXPECT_EQ(row.object.at("ops_per_sec").type, Json::kNumber);
    EXPECT_EQ(row.object.at("p99_us").type, Json::kNumber);
  }
}

TEST(KvBenchReport, JsonIsValidAndEscaped) {
  BenchReport report;
  report.num = 10;
  report.workloads = {"fillseq", "readrandom"};
  EngineResult e;
  e.engine = "we\"ird\n\x01";
  WorkloadResult w;
  w.workload = "fillseq";
  w.ops = 10;
  w.seconds = 0.5;
  w.p50_us = 1.5;
  w.p99_us = 1e-7;
  e.workloads.push_back(w);
  w.workload = "readrandom";
  w.error = "Get failed: \"x\"\t\\";
  e.workloads.push_back(w);
  report.engines.push_back(e);
  EngineResult failed;
  failed.engine = "broken";
  failed.error = "open: IOError";
  report.engines.push_back(failed);

  const std::string text = ReportToJson(report);
  ExpectValidReportJson(text, 4);
  Json root;
  ASSERT_TRUE(JsonParser(text).Parse(&root));
  EXPECT_EQ(root.array[0].object.at("engine").str, e.engine);
  EXPECT_EQ(root.array[0].object.at("ops_per_sec").number, 20);
  EXPECT_EQ(root.array[0].object.at("error").type, Json::kNull);
  EXPECT_EQ(root.array[1].object.at("error").str, "Get failed: \"x\"\t\\");
  EXPECT_EQ(root.array[3].object.at("error").str, "open: IOError");
  EXPECT_EQ(ReportToJson(BenchReport()), "[]\n");
}

KvBenchConfig SmallConfig() {
  KvBenchConfig config;
  config.num = 2000;
  config.engines = {"memory"};
  config.isolate = false;
  config.measure_fsync = false;
  config.progress = nullptr;
  return config;
}

TEST(KvBenchRun, EveryWorkloadOnMemory) {
  KvBenchConfig config = SmallConfig();
  BenchReport report;
  ASSERT_EQ(RunKvBenchCollect(config, &report), "");
  ASSERT_EQ(report.engines.size(), 1u);
  const EngineResult& e = report.engines[0];
  EXPECT_EQ(e.error, "");
  ASSERT_EQ(report.workloads, AllKvWorkloads());
  ASSERT_EQ(e.workloads.size(), AllKvWorkloads().size());
  for (const WorkloadResult& w : e.workloads) {
    EXPECT_TRUE(w.ok()) << w.workload << ": " << w.error;
    EXPECT_GT(w.ops, 0u) << w.workload;
    EXPECT_GT(w.OpsPerSec(), 0) << w.workload;
    EXPECT_GT(w.p99_us, 0) << w.workload;
    EXPECT_LE(w.p50_us, w.p99_us) << w.workload;
  }
  EXPECT_EQ(e.Find("fillseq")->ops, 2000u);
  EXPECT_EQ(e.Find("fillsync")->ops, 20u);  // num / 100
  EXPECT_EQ(e.Find("readmissing")->found, 0u);
  // After fillrandom + overwrite about 86% of the keys exist.
  EXPECT_GT(e.Find("readrandom")->found, 1000u);
  EXPECT_LT(e.Find("readrandom")->found, 2000u);
  EXPECT_EQ(e.Find("readseq")->ops, e.Find("readreverse")->ops);
  EXPECT_EQ(e.Find("seekrandom")->ops, 2000u);
  EXPECT_GE(e.user_bytes_written, 2000u * (16 + 100));

  // The report prints without trouble and its JSON is valid.
  std::FILE* devnull = std::fopen("/dev/null", "w");
  ASSERT_NE(devnull, nullptr);
  PrintReport(report, devnull);
  std::fclose(devnull);
  ExpectValidReportJson(ReportToJson(report), AllKvWorkloads().size());
}

TEST(KvBenchRun, ReadsWithoutFillLoadFirstAndUnknownEnginesAreSkipped) {
  KvBenchConfig config = SmallConfig();
  config.engines = {"memory", "no-such-engine"};
  config.benchmarks = {"readrandom", "readmissing"};
  BenchReport report;
  ASSERT_EQ(RunKvBenchCollect(config, &report), "");
  ASSERT_EQ(report.skipped.size(), 1u);
  EXPECT_NE(report.skipped[0].find("no-such-engine"), std::string::npos);
  ASSERT_EQ(report.engines.size(), 1u);
  const WorkloadResult* r = report.engines[0].Find("readrandom");
  ASSERT_NE(r, nullptr);
  EXPECT_TRUE(r->ok()) << r->error;
  EXPECT_GT(r->found, 1000u);  // the untimed fillrandom loaded about 63% of the keys
}

TEST(KvBenchRun, InvalidConfigurations) {
  BenchReport report;
  KvBenchConfig config = SmallConfig();
  config.benchmarks = {"fillseq", "nosuch"};
  EXPECT_NE(RunKvBenchCollect(config, &report).find("nosuch"), std::string::npos);
  config = SmallConfig();
  config.key_size = 3;  // 2000 keys need 4 digits
  EXPECT_NE(RunKvBenchCollect(config, &report), "");
  config = SmallConfig();
  config.compression = "snappy";
  EXPECT_NE(RunKvBenchCollect(config, &report), "");
}

// Every engine gets the same keys in the same order, in this process or a child. The child run
// comes first and uses only "memory": LevelDB's and RocksDB's background threads, once started
// in a process, do not survive a fork.
TEST(KvBenchRun, SameKeysAcrossEnginesAndProcesses) {
  KvBenchConfig config = SmallConfig();
  config.num = 500;
  config.isolate = true;
  BenchReport isolated;
  ASSERT_EQ(RunKvBenchCollect(config, &isolated), "");
  ASSERT_EQ(isolated.engines.size(), 1u);
  EXPECT_TRUE(isolated.isolated);
  EXPECT_EQ(isolated.engines[0].workloads.size(), AllKvWorkloads().size());

  config.isolate = false;
  const std::vector<std::string> built = kv::Engine::Backends();
  if (std::find(built.begin(), built.end(), "leveldb") != built.end()) {
    config.engines.push_back("leveldb");
  }
  BenchReport in_process;
  ASSERT_EQ(RunKvBenchCollect(config, &in_process), "");
  const EngineResult& base = isolated.engines[0];
  for (const EngineResult& e : in_process.engines) {
    EXPECT_EQ(e.error, "") << e.engine;
    ASSERT_EQ(e.workloads.size(), base.workloads.size()) << e.engine;
    for (size_t i = 0; i < e.workloads.size(); ++i) {
      const WorkloadResult& w = e.workloads[i];
      const WorkloadResult& b = base.workloads[i];
      EXPECT_TRUE(w.ok()) << e.engine << " " << w.workload << ": " << w.error;
      EXPECT_EQ(w.workload, b.workload);
      EXPECT_EQ(w.key_digest, b.key_digest) << e.engine << " " << w.workload;
      EXPECT_EQ(w.ops, b.ops) << e.engine << " " << w.workload;
      EXPECT_EQ(w.found, b.found) << e.engine << " " << w.workload;
    }
  }
}

}  // namespace
}  // namespace strata::tools
