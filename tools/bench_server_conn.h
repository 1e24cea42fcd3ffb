// One connection of `bench server`'s load generator: a non-blocking socket and the state machine
// of its requests (HTTP/1.1 keep-alive, or WebSocket with pipelined protocol frames). Driven by
// the epoll loop in bench_server_load.cc; plain POSIX, so that the generator costs the machine as
// little as wrk or redis-benchmark do and leaves the cores to the server it measures.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "base/random.h"
#include "bench_server_internal.h"

namespace strata::tools::server_bench {

class LoadConnection {
 public:
  using Clock = std::chrono::steady_clock;

  LoadConnection(const Target& target, const LoadSpec& spec, int index);
  ~LoadConnection();
  LoadConnection(const LoadConnection&) = delete;
  LoadConnection& operator=(const LoadConnection&) = delete;

  // Connects (and for WebSocket, upgrades) in blocking mode, then turns non-blocking.
  Status Connect();
  void Close();
  int fd() const { return fd_; }
  bool connected() const { return fd_ >= 0; }
  // True while bytes wait for the socket to take them (then watch it for writing).
  bool wants_write() const { return out_off_ < out_.size(); }

  // Builds the next request (or pipelined message) and starts sending it.
  Status StartNext();
  // The socket is writable: sends what is left of the request.
  Status OnWritable();
  // The socket is readable: reads what is there and completes answers. Each completed request
  // (HTTP) or message (WebSocket) adds to *requests / *errors and its latency to *latency, and
  // the next one starts at once.
  Status OnReadable(uint64_t* requests, uint64_t* errors, Histogram* latency,
                    std::string* first_error);

 private:
  Status Send();
  Status ParseHttp(uint64_t* requests, uint64_t* errors, Histogram* latency,
                   std::string* first_error, bool* done);
  Status ParseWs(uint64_t* requests, uint64_t* errors, Histogram* latency, std::string* first_error,
                 bool* done);
  void AppendWsFrame(uint8_t opcode, std::string_view payload);

  Target target_;
  LoadSpec spec_;
  int index_;
  int fd_ = -1;
  Random rnd_;
  bool websocket_;
  bool get_ = true;        // HTTP: whether the request in flight is a get
  uint64_t inserted_ = 0;  // documents this connection inserted
  uint32_t next_id_ = 1;   // WebSocket message ids
  std::string out_;        // bytes of the request being sent
  size_t out_off_ = 0;
  std::string in_;       // received, not yet parsed
  std::string message_;  // WebSocket: the data message being assembled from frames
  int answered_ = 0;     // WebSocket: answers of the message in flight
  int failed_ = 0;
  Clock::time_point sent_at_;
};

}  // namespace strata::tools::server_bench
