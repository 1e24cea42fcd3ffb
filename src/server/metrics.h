// Request counters and latency histograms per route (HTTP) or command (WebSocket), written in the
// Prometheus text format together with the engine's statistics. Series are registered once, at
// start-up; recording is lock-free (atomics).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "strata/kv.h"

namespace strata::server {

class Series {
 public:
  // Upper bounds of the latency buckets, in seconds (the last bucket is +Inf).
  static constexpr std::array<double, 14> kBounds = {
      0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5};
  void Record(int status, uint64_t micros);

 private:
  friend class Metrics;
  std::array<std::atomic<uint64_t>, kBounds.size() + 1> buckets_{};
  std::atomic<uint64_t> sum_micros_{0};
  std::array<std::atomic<uint64_t>, 6> by_class_{};  // status / 100 (0: WebSocket "ok" = 2xx)
};

class Metrics {
 public:
  // The series for a label value (route pattern or command name); created on first use.
  Series* For(const std::string& protocol, const std::string& name);
  void ConnectionOpened() { connections_.fetch_add(1); }
  void ConnectionClosed() { connections_.fetch_sub(1); }
  int64_t connections() const { return connections_.load(); }
  // The Prometheus exposition: strata_requests_total, strata_request_seconds, connections,
  // and the engine's properties when `engine` is given.
  std::string Prometheus(kv::Engine* engine) const;

 private:
  mutable std::mutex mu_;
  std::map<std::pair<std::string, std::string>, std::unique_ptr<Series>> series_;
  std::atomic<int64_t> connections_{0};
};

}  // namespace strata::server
