// `bench server`'s load generators: blocking HTTP and WebSocket clients, one thread per
// connection. Each thread connects first (untimed); then all start together and run until the
// stop flag, recording each request's (HTTP) or each pipelined message's (WebSocket) latency.
#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>

#include "base/random.h"
#include "bench_server_internal.h"
#include "client/http_client.h"
#include "client/ws_client.h"
#include "codec/json.h"
#include "server/ws_protocol.h"

namespace strata::tools::server_bench {

namespace {

using Clock = std::chrono::steady_clock;
namespace ws = server::ws;

const char* const kCities[] = {"Lisbon", "Porto", "Braga", "Faro", "Coimbra", "Aveiro"};

client::ClientOptions Options(const Target& target) {
  client::ClientOptions o;
  o.host = target.host;
  o.port = target.port;
  o.api_key = target.key;
  o.request_timeout_ms = 10000;
  return o;
}

Value DocValue(std::string_view id, uint64_t i) {
  return Value::MakeObject({{"_id", Value(id)},
                            {"name", Value(fmt::format("user{}", i))},
                            {"age", Value(static_cast<int64_t>(i % 90))},
                            {"city", Value(kCities[i % 6])},
                            {"score", Value(static_cast<double>(i % 1000) / 10.0)},
                            {"pad", Value(std::string(24, 'x'))}});
}

uint64_t Nanos(Clock::time_point since) {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - since).count());
}

// What one thread measured.
struct ThreadResult {
  uint64_t requests = 0;
  uint64_t errors = 0;
  Histogram latency;
  std::string first_error;

  void Fail(std::string why) {
    ++errors;
    if (first_error.empty()) first_error = std::move(why);
  }
};

// Shared by the threads of one run.
struct RunState {
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  std::atomic<bool> stop{false};
};

void WaitForGo(RunState* state) {
  state->ready.fetch_add(1);
  while (!state->go.load(std::memory_order_acquire)) {
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
}

// A short pause after a failure, so that a dead server does not turn into a busy loop.
void Backoff() { std::this_thread::sleep_for(std::chrono::milliseconds(10)); }

void HttpThread(const Target& target, const LoadSpec& spec, int thread, RunState* state,
                ThreadResult* out) {
  client::HttpClient http(Options(target));
  Status connected = http.Connect();
  if (!connected.ok()) out->Fail(connected.ToString());
  Random rnd(spec.seed * 1000003 + static_cast<uint64_t>(thread) + 1);
  const std::string get_prefix = fmt::format("/collections/{}/k", kCollection);
  const std::string insert_path = fmt::format("/collections/{}", kCollection);
  uint64_t inserted = 0;
  std::string target_path, body;
  WaitForGo(state);
  while (!state->stop.load(std::memory_order_relaxed)) {
    bool get = spec.workload == Workload::kHttpGet ||
               (spec.workload == Workload::kMixed &&
                rnd.Uniform(100) < static_cast<uint64_t>(spec.get_percent));
    auto t0 = Clock::now();
    Result<client::Response> r = Status::OK();
    if (get) {
      target_path = get_prefix + std::to_string(spec.num > 0 ? rnd.Uniform(spec.num) : 0);
      r = http.Request("GET", target_path);
    } else {
      const uint64_t i = inserted++;
      body = DocJson(fmt::format("r{}-t{}-{}", spec.run, thread, i), i);
      r = http.Request("POST", insert_path, body);
    }
    const uint64_t ns = Nanos(t0);
    if (!r.ok()) {
      out->Fail(r.status().ToString());
      http.Close();
      Backoff();
      continue;
    }
    if (r->status != (get ? 200 : 201)) {
      out->Fail(fmt::format("HTTP {}: {}", r->status, r->body.substr(0, 200)));
      continue;
    }
    ++out->requests;
    out->latency.Add(ns);
  }
}

void WsThread(const Target& target, const LoadSpec& spec, int thread, RunState* state,
              ThreadResult* out) {
  auto ws_client = std::make_unique<client::WsClient>(Options(target));
  Status connected = ws_client->Connect("/ws");
  if (!connected.ok()) out->Fail(connected.ToString());
  Random rnd(spec.seed * 7919 + static_cast<uint64_t>(thread) + 1);
  const bool get = spec.workload == Workload::kWsGet;
  uint32_t next_id = 1;
  uint64_t inserted = 0;
  std::string message;
  std::vector<ws::Response> answers;
  WaitForGo(state);
  while (!state->stop.load(std::memory_order_relaxed)) {
    if (!ws_client->connected()) {
      ws_client = std::make_unique<client::WsClient>(Options(target));
      Status s = ws_client->Connect("/ws");
      if (!s.ok()) {
        out->Fail(s.ToString());
        Backoff();
        continue;
      }
    }
    message.clear();
    for (int f = 0; f < spec.depth; ++f) {
      if (get) {
        const uint64_t i = spec.num > 0 ? rnd.Uniform(spec.num) : 0;
        ws::AppendRequest(&message, ws::Command::kGet, next_id++,
                          Value::MakeObject({{"collection", Value(kCollection)},
                                             {"id", Value(fmt::format("k{}", i))}}));
      } else {
        const uint64_t i = inserted++;
        ws::AppendRequest(
            &message, ws::Command::kInsert, next_id++,
            Value::MakeObject(
                {{"collection", Value(kCollection)},
                 {"doc", DocValue(fmt::format("r{}-t{}-{}", spec.run, thread, i), i)}}));
      }
    }
    auto t0 = Clock::now();
    Status sent = ws_client->Send(message);
    if (!sent.ok()) {
      out->Fail(sent.ToString());
      ws_client->Close();
      Backoff();
      continue;
    }
    // The server may answer the frames in one message or several.
    int answered = 0, failed = 0;
    Status status;
    while (answered < spec.depth) {
      auto reply = ws_client->Receive();
      if (!reply.ok()) {
        status = reply.status();
        break;
      }
      answers.clear();
      status = ws::DecodeResponses(*reply, &answers);
      if (!status.ok()) break;
      for (const ws::Response& a : answers) {
        ++answered;
        if (a.kind == ws::Kind::kError) {
          ++failed;
          if (out->first_error.empty())
            out->first_error = "ws error frame: " + codec::ToJson(a.payload);
        }
      }
    }
    const uint64_t ns = Nanos(t0);
    if (!status.ok()) {
      out->Fail(status.ToString());
      out->errors += static_cast<uint64_t>(spec.depth - answered - 1);
      ws_client.reset();
      ws_client = std::make_unique<client::WsClient>(Options(target));
      Backoff();
      continue;
    }
    out->errors += static_cast<uint64_t>(failed);
    out->requests += static_cast<uint64_t>(answered - failed);
    out->latency.Add(ns);
  }
  if (ws_client->connected()) (void)ws_client->Close();
}

}  // namespace

std::string DocJson(std::string_view id, uint64_t i) {
  return fmt::format(
      R"({{"_id":"{}","name":"user{}","age":{},"city":"{}","score":{:.1f},"pad":"{}"}})", id, i,
      i % 90, kCities[i % 6], static_cast<double>(i % 1000) / 10.0, std::string(24, 'x'));
}

Status LoadDocuments(const Target& target, uint64_t num, double* seconds) {
  client::HttpClient http(Options(target));
  auto start = Clock::now();
  const std::string path = fmt::format("/collections/{}/bulk", kCollection);
  std::string body;
  for (uint64_t first = 0; first < num; first += 1000) {
    const uint64_t end = std::min(num, first + 1000);
    body = "[";
    for (uint64_t i = first; i < end; ++i) {
      if (i > first) body += ',';
      body += DocJson(fmt::format("k{}", i), i);
    }
    body += ']';
    auto r = http.Request("POST", path, body);
    if (!r.ok()) return r.status().WithContext("loading documents");
    if (r->status != 201) {
      return Status::IOError(
          fmt::format("loading documents: HTTP {}: {}", r->status, r->body.substr(0, 300)));
    }
  }
  *seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return Status::OK();
}

LoadResult RunLoad(const Target& target, const LoadSpec& spec,
                   const std::function<void(int)>& tick) {
  RunState state;
  std::vector<ThreadResult> results(static_cast<size_t>(spec.connections));
  std::vector<std::thread> threads;
  const bool websocket = spec.workload == Workload::kWsGet || spec.workload == Workload::kWsInsert;
  for (int t = 0; t < spec.connections; ++t) {
    threads.emplace_back([&, t] {
      if (websocket) {
        WsThread(target, spec, t, &state, &results[static_cast<size_t>(t)]);
      } else {
        HttpThread(target, spec, t, &state, &results[static_cast<size_t>(t)]);
      }
    });
  }
  while (state.ready.load() < spec.connections) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  const auto start = Clock::now();
  state.go.store(true, std::memory_order_release);
  const auto end = start + std::chrono::duration_cast<Clock::duration>(
                               std::chrono::duration<double>(spec.seconds));
  for (int second = 0;; ++second) {
    if (tick) tick(second);
    const auto next = start + std::chrono::seconds(second + 1);
    if (next >= end) {
      std::this_thread::sleep_until(end);
      break;
    }
    std::this_thread::sleep_until(next);
  }
  state.stop.store(true);
  LoadResult result;
  result.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  for (std::thread& t : threads) t.join();
  for (ThreadResult& r : results) {
    result.requests += r.requests;
    result.errors += r.errors;
    result.latency.Merge(r.latency);
    if (result.first_error.empty()) result.first_error = r.first_error;
  }
  return result;
}

}  // namespace strata::tools::server_bench
