// `bench server`'s load generator: every connection non-blocking (bench_server_conn.h), driven by
// one epoll loop per generator thread (one by default, like redis-benchmark: on two cores a
// second generator thread preempts the server's threads and shows up in the measured tail),
// so that the generator costs about what wrk and redis-benchmark cost.
// Connections connect first (untimed); then all start together and run until the stop flag,
// recording each request's (HTTP) or each pipelined message's (WebSocket) latency.
#include <fmt/format.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <memory>
#include <thread>

#include "bench_server_conn.h"
#include "bench_server_internal.h"
#include "client/http_client.h"

namespace strata::tools::server_bench {

namespace {

using Clock = std::chrono::steady_clock;

const char* const kCities[] = {"Lisbon", "Porto", "Braga", "Faro", "Coimbra", "Aveiro"};

client::ClientOptions Options(const Target& target) {
  client::ClientOptions o;
  o.host = target.host;
  o.port = target.port;
  o.api_key = target.key;
  o.request_timeout_ms = 10000;
  return o;
}

// What one generator thread measured.
struct ThreadResult {
  uint64_t requests = 0;
  uint64_t errors = 0;
  Histogram latency;
  std::string first_error;

  void Fail(const Status& why) {
    ++errors;
    if (first_error.empty()) first_error = why.ToString();
  }
};

// Shared by the threads of one run.
struct RunState {
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  std::atomic<bool> stop{false};
};

// One generator thread: its connections (every threads-th one) in one epoll set.
void GeneratorThread(const Target& target, const LoadSpec& spec, int thread, int threads,
                     RunState* state, ThreadResult* out) {
  std::vector<std::unique_ptr<LoadConnection>> conns;
  for (int c = thread; c < spec.connections; c += threads) {
    conns.push_back(std::make_unique<LoadConnection>(target, spec, c));
  }
  const int ep = epoll_create1(EPOLL_CLOEXEC);
  // Watches a connection: readable always, writable while a request waits to go out.
  auto watch = [&](size_t i, int op) {
    epoll_event ev{};
    ev.events = conns[i]->wants_write() ? EPOLLIN | EPOLLOUT : EPOLLIN;
    ev.data.u64 = i;
    epoll_ctl(ep, op, conns[i]->fd(), &ev);
  };
  std::vector<Clock::time_point> retry_at(conns.size(), Clock::time_point::min());
  for (auto& c : conns) {
    Status s = c->Connect();
    if (!s.ok()) out->Fail(s);
  }
  state->ready.fetch_add(1);
  while (!state->go.load(std::memory_order_acquire)) {
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  // A failed connection is closed and connected again after a short pause, so that a dead server
  // does not turn into a busy loop.
  auto fail = [&](size_t i, const Status& why) {
    out->Fail(why);
    if (conns[i]->connected()) epoll_ctl(ep, EPOLL_CTL_DEL, conns[i]->fd(), nullptr);
    conns[i]->Close();
    retry_at[i] = Clock::now() + std::chrono::milliseconds(10);
  };
  auto start = [&](size_t i) {
    Status s = conns[i]->StartNext();
    if (!s.ok()) return fail(i, s);
    watch(i, EPOLL_CTL_ADD);
  };
  for (size_t i = 0; i < conns.size(); ++i) {
    if (conns[i]->connected()) start(i);
  }
  std::vector<epoll_event> events(256);
  while (!state->stop.load(std::memory_order_relaxed)) {
    bool any_down = false;
    for (size_t i = 0; i < conns.size(); ++i) {
      if (conns[i]->connected()) continue;
      any_down = true;
      if (Clock::now() < retry_at[i]) continue;
      Status s = conns[i]->Connect();
      if (s.ok()) {
        start(i);
      } else {
        fail(i, s);
      }
    }
    const int n =
        epoll_wait(ep, events.data(), static_cast<int>(events.size()), any_down ? 10 : 50);
    for (int e = 0; e < n; ++e) {
      const size_t i = static_cast<size_t>(events[e].data.u64);
      LoadConnection* c = conns[i].get();
      if (!c->connected()) continue;  // failed earlier in this round
      const bool wanted_write = c->wants_write();
      Status s;
      if ((events[e].events & EPOLLOUT) != 0) s = c->OnWritable();
      if (s.ok() && (events[e].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) != 0) {
        s = c->OnReadable(&out->requests, &out->errors, &out->latency, &out->first_error);
      }
      if (!s.ok()) {
        fail(i, s);
      } else if (wanted_write != c->wants_write()) {
        watch(i, EPOLL_CTL_MOD);
      }
    }
  }
  close(ep);
}

}  // namespace

std::string DocJson(std::string_view id, uint64_t i) {
  return fmt::format(
      R"({{"_id":"{}","name":"user{}","age":{},"city":"{}","score":{:.1f},"pad":"{}"}})", id, i,
      i % 90, kCities[i % 6], static_cast<double>(i % 1000) / 10.0, std::string(24, 'x'));
}

Value DocValue(std::string_view id, uint64_t i) {
  return Value::MakeObject({{"_id", Value(id)},
                            {"name", Value(fmt::format("user{}", i))},
                            {"age", Value(static_cast<int64_t>(i % 90))},
                            {"city", Value(kCities[i % 6])},
                            {"score", Value(static_cast<double>(i % 1000) / 10.0)},
                            {"pad", Value(std::string(24, 'x'))}});
}

Status LoadDocuments(const Target& target, uint64_t num, double* seconds) {
  client::HttpClient http(Options(target));
  auto start = Clock::now();
  const std::string path = fmt::format("/collections/{}/bulk", kCollection);
  std::string body;
  for (uint64_t first = 0; first < num; first += 1000) {
    const uint64_t end = std::min(num, first + 1000);
    body.assign(1, '[');
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
  const int threads = std::max(1, std::min(spec.connections, spec.threads));
  std::vector<ThreadResult> results(static_cast<size_t>(threads));
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      GeneratorThread(target, spec, t, threads, &state, &results[static_cast<size_t>(t)]);
    });
  }
  while (state.ready.load() < threads) {
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
  for (std::thread& t : workers) t.join();
  for (ThreadResult& r : results) {
    result.requests += r.requests;
    result.errors += r.errors;
    result.latency.Merge(r.latency);
    if (result.first_error.empty()) result.first_error = r.first_error;
  }
  return result;
}

}  // namespace strata::tools::server_bench
