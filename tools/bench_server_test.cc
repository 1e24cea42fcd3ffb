// `bench server`'s parts that need no server: option parsing, percentiles of merged per-thread
// histograms, reading wrk's and redis-benchmark's output, the soak summary, the table and JSON.
#include "bench_server.h"

#include <gtest/gtest.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>
#include <vector>

#include "bench_report.h"
#include "codec/json.h"

namespace strata::tools {
namespace {

Status Parse(std::vector<std::string> args, ServerBenchConfig* config) {
  CLI::App app("test");
  std::string connections;
  AddServerBenchOptions(&app, config, &connections);
  std::vector<const char*> argv = {"server"};
  for (const std::string& a : args) argv.push_back(a.c_str());
  try {
    app.parse(static_cast<int>(argv.size()), argv.data());
  } catch (const CLI::ParseError& e) {
    return Status::InvalidArgument(e.what());
  }
  return FinishServerBenchConfig(connections, config);
}

TEST(ServerBenchOptionsTest, Defaults) {
  ServerBenchConfig c;
  ASSERT_TRUE(Parse({}, &c).ok());
  EXPECT_EQ(c.num, 100000u);
  EXPECT_EQ(c.seconds, 5);
  EXPECT_EQ(c.connections, (std::vector<int>{1, 16, 64}));
  EXPECT_EQ(c.depth, 16);
  EXPECT_EQ(c.load_threads, 1);
  EXPECT_EQ(c.soak_seconds, 0);
  EXPECT_TRUE(c.use_wrk);
  EXPECT_TRUE(c.use_redis);
  EXPECT_TRUE(c.url.empty());
}

TEST(ServerBenchOptionsTest, Given) {
  ServerBenchConfig c;
  ASSERT_TRUE(
      Parse({"--num", "500", "--seconds", "0.5", "--connections", "2, 8", "--depth", "4", "--soak",
             "60", "--load-threads", "2", "--no-wrk", "--no-redis", "--json", "/tmp/x.json"},
            &c)
          .ok());
  EXPECT_EQ(c.num, 500u);
  EXPECT_EQ(c.seconds, 0.5);
  EXPECT_EQ(c.connections, (std::vector<int>{2, 8}));
  EXPECT_EQ(c.depth, 4);
  EXPECT_EQ(c.soak_seconds, 60);
  EXPECT_EQ(c.load_threads, 2);
  EXPECT_FALSE(c.use_wrk);
  EXPECT_FALSE(c.use_redis);
  EXPECT_EQ(c.json_path, "/tmp/x.json");
}

TEST(ServerBenchOptionsTest, Refused) {
  ServerBenchConfig c;
  EXPECT_FALSE(Parse({"--connections", "1,,2"}, &c).ok());
  EXPECT_FALSE(Parse({"--connections", "0"}, &c).ok());
  EXPECT_FALSE(Parse({"--connections", "16x"}, &c).ok());
  EXPECT_FALSE(Parse({"--depth", "0"}, &c).ok());
  EXPECT_FALSE(Parse({"--url", "http://127.0.0.1:6969"}, &c).ok());  // no --key
  ServerBenchConfig d;
  EXPECT_TRUE(Parse({"--url", "http://127.0.0.1:6969", "--key", "k"}, &d).ok());
}

TEST(ServerBenchOptionsTest, ConnectionList) {
  EXPECT_EQ(*ParseConnectionList("64"), std::vector<int>{64});
  EXPECT_EQ(*ParseConnectionList("1,16,64"), (std::vector<int>{1, 16, 64}));
  EXPECT_FALSE(ParseConnectionList("").ok());
  EXPECT_FALSE(ParseConnectionList("1,").ok());
  EXPECT_FALSE(ParseConnectionList("-1").ok());
  EXPECT_FALSE(ParseConnectionList("5000").ok());
}

// The load generators keep one histogram per thread and merge them: the percentiles of the merge
// are those of all samples together, within the histogram's 1/128 precision.
TEST(ServerBenchPercentileTest, MergedThreads) {
  std::vector<Histogram> threads(4);
  for (uint64_t us = 1; us <= 1000; ++us) threads[us % 4].Add(us * 1000);
  Histogram all;
  for (const Histogram& h : threads) all.Merge(h);
  EXPECT_EQ(all.count(), 1000u);
  EXPECT_NEAR(all.Percentile(50), 500e3, 500e3 / 128);
  EXPECT_NEAR(all.Percentile(99), 990e3, 990e3 / 128);
  EXPECT_EQ(all.min(), 1000u);
  EXPECT_EQ(all.max(), 1000000u);
  // A tail of slow requests moves p99, not p50.
  Histogram tail = all;
  for (int i = 0; i < 100; ++i) tail.Add(50000000);
  EXPECT_NEAR(tail.Percentile(50), 550e3, 550e3 / 64);
  EXPECT_NEAR(tail.Percentile(99), 50e6, 50e6 / 128);
}

constexpr const char* kWrkOutput = R"(Running 5s test @ http://127.0.0.1:40123/
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   310.52us  202.13us   9.81ms   93.10%
    Req/Sec    26.10k     1.92k   30.02k    71.00%
  Latency Distribution
     50%  275.00us
     75%  340.00us
     90%  450.00us
     99%    1.20ms
  259712 requests in 5.00s, 60.12MB read
  Non-2xx or 3xx responses: 3
  Socket errors: connect 0, read 2, write 0, timeout 1
Requests/sec:  51942.40
Transfer/sec:     12.02MB
)";

TEST(ServerBenchWrkTest, Output) {
  ServerBenchRow row;
  ASSERT_TRUE(ParseWrkOutput(kWrkOutput, &row).ok());
  EXPECT_DOUBLE_EQ(row.rps, 51942.40);
  EXPECT_DOUBLE_EQ(row.p50_us, 275.0);
  EXPECT_DOUBLE_EQ(row.p99_us, 1200.0);
  EXPECT_EQ(row.requests, 259712u);
  EXPECT_DOUBLE_EQ(row.seconds, 5.0);
  EXPECT_EQ(row.errors, 6u);
  EXPECT_FALSE(ParseWrkOutput("unable to connect to 127.0.0.1:1 Connection refused\n", &row).ok());
}

TEST(ServerBenchWrkTest, Durations) {
  EXPECT_DOUBLE_EQ(ParseWrkDuration("12.50us"), 12.5);
  EXPECT_DOUBLE_EQ(ParseWrkDuration(" 1.20ms"), 1200);
  EXPECT_DOUBLE_EQ(ParseWrkDuration("2.00s"), 2e6);
  EXPECT_DOUBLE_EQ(ParseWrkDuration("1.00m"), 60e6);
  EXPECT_LT(ParseWrkDuration("fast"), 0);
  EXPECT_LT(ParseWrkDuration("3parsecs"), 0);
}

TEST(ServerBenchRedisTest, Csv) {
  const char* text =
      "\"test\",\"rps\",\"avg_latency_ms\",\"min_latency_ms\",\"p50_latency_ms\","
      "\"p95_latency_ms\",\"p99_latency_ms\",\"max_latency_ms\"\n"
      "\"SET\",\"39215.69\",\"1.034\",\"0.056\",\"0.175\",\"3.423\",\"22.863\",\"22.879\"\n"
      "\"GET\",\"36363.64\",\"1.542\",\"0.056\",\"0.180\",\"11.063\",\"24.143\",\"27.871\"\n";
  std::vector<ServerBenchRow> rows;
  ASSERT_TRUE(ParseRedisCsv(text, 64, 16, &rows).ok());
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1].workload, "redis GET -P 16");
  EXPECT_EQ(rows[1].system, "redis");
  EXPECT_EQ(rows[1].connections, 64);
  EXPECT_DOUBLE_EQ(rows[1].rps, 36363.64);
  EXPECT_DOUBLE_EQ(rows[1].p50_us, 180);
  EXPECT_DOUBLE_EQ(rows[1].p99_us, 24143);
  // Older redis-benchmark: only the test and the rate.
  rows.clear();
  ASSERT_TRUE(ParseRedisCsv("\"GET\",\"120000.00\"\n", 1, 1, &rows).ok());
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].workload, "redis GET -P 1");
  EXPECT_DOUBLE_EQ(rows[0].rps, 120000);
  EXPECT_EQ(rows[0].p99_us, 0);
  rows.clear();
  EXPECT_FALSE(ParseRedisCsv("Could not connect to Redis at 127.0.0.1:1\n", 1, 1, &rows).ok());
}

TEST(ServerBenchSoakTest, Summary) {
  SoakResult s;
  s.rss_bytes = {100, 180, 200, 210, 205, 206};
  SummarizeSoak(&s);
  EXPECT_EQ(s.start_rss, 100);
  EXPECT_EQ(s.max_rss, 210);
  EXPECT_EQ(s.end_rss, 206);
  EXPECT_EQ(s.late_growth, 206 - 210);  // from sample 3 of 6 to the end
  SoakResult empty;
  SummarizeSoak(&empty);
  EXPECT_EQ(empty.max_rss, 0);
}

ServerBenchReport MadeUpReport() {
  ServerBenchReport r;
  r.server = "http://127.0.0.1:40123";
  r.started_server = true;
  r.load_average = "1.00 0.50 0.25 at the start, 2.00 1.00 0.50 at the end";
  r.load_seconds = 1.5;
  auto add = [&r](std::string system, std::string workload, std::string tool, int c, double rps,
                  double p99) {
    ServerBenchRow row;
    row.system = std::move(system);
    row.workload = std::move(workload);
    row.tool = std::move(tool);
    row.connections = c;
    row.rps = rps;
    row.p50_us = p99 / 4;
    row.p99_us = p99;
    row.latency_basis = row.workload.rfind("ws", 0) == 0 ? "batch of 16" : "request";
    r.rows.push_back(row);
  };
  add("strata", "http get", "strata", 1, 20000, 90);
  add("strata", "http get", "strata", 64, 60000, 4000);
  add("strata", "http get", "wrk", 64, 70000, 3000);
  add("strata", "ws get x16", "strata", 64, 400000, 6000);
  add("redis", "redis GET -P 16", "redis-benchmark", 64, 1000000, 2000);
  ServerBenchRow failed;
  failed.system = "strata";
  failed.workload = "ws insert x16";
  failed.tool = "strata";
  failed.connections = 64;
  failed.error = "connection \"refused\"";
  r.rows.push_back(failed);
  r.server_peak_rss = 64 << 20;
  r.redis_peak_rss = 32 << 20;
  r.soak.seconds = 60;
  r.soak.connections = 16;
  r.soak.requests = 600000;
  r.soak.rss_bytes = {50 << 20, 60 << 20, 61 << 20, 61 << 20};
  SummarizeSoak(&r.soak);
  r.notes.push_back("a note");
  return r;
}

TEST(ServerBenchReportTest, Table) {
  ServerBenchReport r = MadeUpReport();
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  PrintServerReport(r, f);
  std::rewind(f);
  std::string text;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0) text.append(buf, n);
  std::fclose(f);
  EXPECT_NE(text.find("60,000"), std::string::npos) << text;
  EXPECT_NE(text.find("0.40x"), std::string::npos) << text;  // 400k / 1M
  EXPECT_NE(text.find("target >= 0.5x: NOT met"), std::string::npos) << text;
  EXPECT_NE(text.find("target >= 50,000 req/s: met"), std::string::npos) << text;
  // The requests' p99 is under 5 ms; the WebSocket batch's 6 ms is shown, not judged.
  EXPECT_NE(text.find("target < 5 ms: met"), std::string::npos) << text;
  EXPECT_NE(text.find("6.00 ms (batch of 16, not judged)"), std::string::npos) << text;
  EXPECT_NE(text.find("failed: connection"), std::string::npos) << text;
  EXPECT_NE(text.find("redis-server peak RSS 32.0 MiB"), std::string::npos) << text;
  EXPECT_NE(text.find("RSS start 50.0 MiB, max 61.0 MiB, end 61.0 MiB"), std::string::npos) << text;
  EXPECT_NE(text.find("a note"), std::string::npos) << text;
  // One request row over 5 ms fails the target.
  r.rows[1].p99_us = 5500;
  f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  PrintServerReport(r, f);
  std::rewind(f);
  text.clear();
  while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0) text.append(buf, n);
  std::fclose(f);
  EXPECT_NE(text.find("target < 5 ms: NOT met"), std::string::npos) << text;
}

TEST(ServerBenchReportTest, Json) {
  ServerBenchReport r = MadeUpReport();
  auto parsed = codec::ParseJson(ServerReportToJson(r));
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  const Value* rows = parsed->Find("rows");
  ASSERT_NE(rows, nullptr);
  ASSERT_EQ(rows->as_array().size(), r.rows.size());
  const Value& first = rows->as_array()[0];
  ASSERT_NE(first.Find("rps"), nullptr);
  EXPECT_EQ(first.Find("workload")->as_string(), "http get");
  EXPECT_TRUE(rows->as_array().back().Find("error")->is_string());
  const Value* soak = parsed->Find("soak");
  ASSERT_NE(soak, nullptr);
  EXPECT_EQ(soak->Find("rss_bytes")->as_array().size(), 4u);
  // Empty report: still valid JSON.
  EXPECT_TRUE(codec::ParseJson(ServerReportToJson(ServerBenchReport{})).ok());
}

}  // namespace
}  // namespace strata::tools
