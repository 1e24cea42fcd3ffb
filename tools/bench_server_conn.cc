#include "bench_server_conn.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

#include "codec/json.h"
#include "server/ws_protocol.h"

namespace strata::tools::server_bench {
namespace {

namespace ws = server::ws;

constexpr size_t kMaxHead = 64 << 10;

Status Errno(std::string_view what) {
  return Status::IOError(fmt::format("{}: {}", what, std::strerror(errno)));
}

bool StartsWithNoCase(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(text[i])) != prefix[i]) return false;
  }
  return true;
}

// The number in header `name` (lower case) of a response head; -1 when absent or not a number.
int64_t HeaderNumber(std::string_view head, std::string_view name) {
  size_t at = head.find("\r\n");
  while (at != std::string_view::npos && at + 2 < head.size()) {
    std::string_view line = head.substr(at + 2);
    line = line.substr(0, line.find("\r\n"));
    if (StartsWithNoCase(line, name) && line.size() > name.size() && line[name.size()] == ':') {
      std::string_view number = line.substr(name.size() + 1);
      while (!number.empty() && number.front() == ' ') number.remove_prefix(1);
      int64_t value = -1;
      std::from_chars(number.data(), number.data() + number.size(), value);
      return value;
    }
    at = head.find("\r\n", at + 2);
  }
  return -1;
}

uint64_t Nanos(LoadConnection::Clock::time_point since) {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(LoadConnection::Clock::now() - since)
          .count());
}

}  // namespace

LoadConnection::LoadConnection(const Target& target, const LoadSpec& spec, int index)
    : target_(target),
      spec_(spec),
      index_(index),
      rnd_(spec.seed * 1000003 + static_cast<uint64_t>(index) + 1),
      websocket_(spec.workload == Workload::kWsGet || spec.workload == Workload::kWsInsert) {}

LoadConnection::~LoadConnection() { Close(); }

void LoadConnection::Close() {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
  out_.clear();
  out_off_ = 0;
  in_.clear();
  message_.clear();
}

Status LoadConnection::Connect() {
  Close();
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const std::string port = std::to_string(target_.port);
  if (int rc = getaddrinfo(target_.host.c_str(), port.c_str(), &hints, &found); rc != 0) {
    return Status::IOError(fmt::format("resolve {}: {}", target_.host, gai_strerror(rc)));
  }
  int fd = socket(found->ai_family, SOCK_STREAM, 0);
  if (fd < 0) {
    freeaddrinfo(found);
    return Errno("socket");
  }
  const bool ok = connect(fd, found->ai_addr, found->ai_addrlen) == 0;
  freeaddrinfo(found);
  if (!ok) {
    Status s = Errno(fmt::format("connect {}:{}", target_.host, target_.port));
    close(fd);
    return s;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  fd_ = fd;
  if (websocket_) {
    // The upgrade, blocking: a fixed key is fine for a load generator (RFC 6455 4.1).
    const std::string upgrade = fmt::format(
        "GET /ws HTTP/1.1\r\nHost: {}:{}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
        "X-API-Key: {}\r\n\r\n",
        target_.host, target_.port, target_.key);
    if (send(fd_, upgrade.data(), upgrade.size(), MSG_NOSIGNAL) !=
        static_cast<ssize_t>(upgrade.size())) {
      Status s = Errno("WebSocket upgrade");
      Close();
      return s;
    }
    size_t end = std::string::npos;
    while ((end = in_.find("\r\n\r\n")) == std::string::npos) {
      char buf[4096];
      ssize_t n = recv(fd_, buf, sizeof(buf), 0);
      if (n <= 0 || in_.size() > kMaxHead) {
        Close();
        return Status::IOError("WebSocket upgrade: no complete answer");
      }
      in_.append(buf, static_cast<size_t>(n));
    }
    if (in_.compare(0, 12, "HTTP/1.1 101") != 0) {
      Status s = Status::IOError("WebSocket upgrade refused: " + in_.substr(0, in_.find("\r\n")));
      Close();
      return s;
    }
    in_.erase(0, end + 4);
  }
  if (fcntl(fd_, F_SETFL, fcntl(fd_, F_GETFL, 0) | O_NONBLOCK) != 0) {
    Status s = Errno("fcntl");
    Close();
    return s;
  }
  return Status::OK();
}

void LoadConnection::AppendWsFrame(uint8_t opcode, std::string_view payload) {
  // Client frames are masked (RFC 6455 5.3); FIN set, one frame per message.
  out_.push_back(static_cast<char>(0x80 | opcode));
  const uint64_t n = payload.size();
  if (n < 126) {
    out_.push_back(static_cast<char>(0x80 | n));
  } else if (n <= 0xFFFF) {
    out_.push_back(static_cast<char>(0x80 | 126));
    out_.push_back(static_cast<char>(n >> 8));
    out_.push_back(static_cast<char>(n));
  } else {
    out_.push_back(static_cast<char>(0x80 | 127));
    for (int shift = 56; shift >= 0; shift -= 8) out_.push_back(static_cast<char>(n >> shift));
  }
  const uint32_t mask = static_cast<uint32_t>(rnd_.Next());
  char key[4];
  std::memcpy(key, &mask, 4);
  out_.append(key, 4);
  const size_t start = out_.size();
  out_.append(payload);
  for (size_t i = 0; i < n; ++i) out_[start + i] = static_cast<char>(out_[start + i] ^ key[i % 4]);
}

Status LoadConnection::StartNext() {
  out_.erase(0, out_off_);  // a pong may still wait to go out first
  out_off_ = 0;
  if (websocket_) {
    const bool get = spec_.workload == Workload::kWsGet;
    std::string payload;
    for (int f = 0; f < spec_.depth; ++f) {
      if (get) {
        const uint64_t i = spec_.num > 0 ? rnd_.Uniform(spec_.num) : 0;
        ws::AppendRequest(&payload, ws::Command::kGet, next_id_++,
                          Value::MakeObject({{"collection", Value(kCollection)},
                                             {"id", Value(fmt::format("k{}", i))}}));
      } else {
        const uint64_t i = inserted_++;
        ws::AppendRequest(
            &payload, ws::Command::kInsert, next_id_++,
            Value::MakeObject(
                {{"collection", Value(kCollection)},
                 {"doc", DocValue(fmt::format("r{}-c{}-{}", spec_.run, index_, i), i)}}));
      }
    }
    AppendWsFrame(0x2, payload);
    answered_ = failed_ = 0;
  } else {
    get_ = spec_.workload == Workload::kHttpGet ||
           (spec_.workload == Workload::kMixed &&
            rnd_.Uniform(100) < static_cast<uint64_t>(spec_.get_percent));
    if (get_) {
      out_ = fmt::format("GET /collections/{}/k{} HTTP/1.1\r\nHost: {}:{}\r\nX-API-Key: {}\r\n\r\n",
                         kCollection, spec_.num > 0 ? rnd_.Uniform(spec_.num) : 0, target_.host,
                         target_.port, target_.key);
    } else {
      const uint64_t i = inserted_++;
      const std::string body = DocJson(fmt::format("r{}-c{}-{}", spec_.run, index_, i), i);
      out_ = fmt::format(
          "POST /collections/{} HTTP/1.1\r\nHost: {}:{}\r\nX-API-Key: {}\r\n"
          "Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{}",
          kCollection, target_.host, target_.port, target_.key, body.size(), body);
    }
  }
  sent_at_ = Clock::now();
  return Send();
}

Status LoadConnection::Send() {
  while (out_off_ < out_.size()) {
    ssize_t n = send(fd_, out_.data() + out_off_, out_.size() - out_off_, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) return Status::OK();  // wants_write()
      if (errno == EINTR) continue;
      return Errno("send");
    }
    out_off_ += static_cast<size_t>(n);
  }
  return Status::OK();
}

Status LoadConnection::OnWritable() { return Send(); }

Status LoadConnection::OnReadable(uint64_t* requests, uint64_t* errors, Histogram* latency,
                                  std::string* first_error) {
  char buf[64 << 10];
  while (true) {
    ssize_t n = recv(fd_, buf, sizeof(buf), 0);
    if (n == 0) return Status::IOError("the server closed the connection");
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      if (errno == EINTR) continue;
      return Errno("recv");
    }
    in_.append(buf, static_cast<size_t>(n));
    if (static_cast<size_t>(n) < sizeof(buf)) break;
  }
  bool done = false;
  Status s = websocket_ ? ParseWs(requests, errors, latency, first_error, &done)
                        : ParseHttp(requests, errors, latency, first_error, &done);
  if (!s.ok()) return s;
  return done ? StartNext() : Status::OK();
}

Status LoadConnection::ParseHttp(uint64_t* requests, uint64_t* errors, Histogram* latency,
                                 std::string* first_error, bool* done) {
  const size_t head_end = in_.find("\r\n\r\n");
  if (head_end == std::string::npos) {
    return in_.size() > kMaxHead ? Status::IOError("response head too long") : Status::OK();
  }
  std::string_view head(in_.data(), head_end);
  if (head.size() < 12 || head.compare(0, 5, "HTTP/") != 0) {
    return Status::IOError("not an HTTP response: " + std::string(head.substr(0, 80)));
  }
  const int status = std::atoi(in_.c_str() + 9);
  const int64_t length = HeaderNumber(head, "content-length");
  if (length < 0) return Status::IOError("response without Content-Length");
  const size_t total = head_end + 4 + static_cast<size_t>(length);
  if (in_.size() < total) return Status::OK();
  const uint64_t ns = Nanos(sent_at_);
  if (status == (get_ ? 200 : 201)) {
    ++*requests;
    latency->Add(ns);
  } else {
    ++*errors;
    if (first_error->empty()) {
      *first_error = fmt::format("HTTP {}: {}", status, in_.substr(head_end + 4, 200));
    }
  }
  if (in_.size() > total) return Status::IOError("bytes after the response (none was asked for)");
  in_.clear();
  *done = true;
  return Status::OK();
}

Status LoadConnection::ParseWs(uint64_t* requests, uint64_t* errors, Histogram* latency,
                               std::string* first_error, bool* done) {
  size_t at = 0;
  while (in_.size() - at >= 2) {
    const auto* p = reinterpret_cast<const unsigned char*>(in_.data() + at);
    const bool fin = (p[0] & 0x80) != 0;
    const uint8_t opcode = p[0] & 0x0F;
    const bool masked = (p[1] & 0x80) != 0;
    uint64_t n = p[1] & 0x7F;
    size_t head = 2;
    if (n == 126) {
      if (in_.size() - at < 4) break;
      n = (uint64_t{p[2]} << 8) | p[3];
      head = 4;
    } else if (n == 127) {
      if (in_.size() - at < 10) break;
      n = 0;
      for (int i = 0; i < 8; ++i) n = (n << 8) | p[2 + i];
      head = 10;
    }
    if (masked) return Status::IOError("the server masked a frame (RFC 6455 5.1 forbids it)");
    if (in_.size() - at - head < n) break;
    std::string_view payload(in_.data() + at + head, static_cast<size_t>(n));
    at += head + static_cast<size_t>(n);
    if (opcode == 0x8) return Status::IOError("the server closed the WebSocket");
    if (opcode == 0x9) {  // ping: answer with a pong after the request being sent
      std::string copy(payload);
      AppendWsFrame(0xA, copy);
      STRATA_RETURN_IF_ERROR(Send());
      continue;
    }
    if (opcode == 0xA) continue;
    message_.append(payload);
    if (!fin) continue;
    // One message of the server: count its protocol frames (u32 length, kind, id, payload).
    std::vector<std::string_view> bodies;
    ws::DecodeError error;
    if (!ws::SplitFrames(message_, message_.size(), ws::kResponseHeader, &bodies, &error)) {
      return Status::IOError("bad answer message: " + error.status.ToString());
    }
    for (std::string_view body : bodies) {
      ++answered_;
      if (static_cast<ws::Kind>(body[0]) == ws::Kind::kError) {
        ++failed_;
        if (first_error->empty()) {
          std::vector<ws::Response> decoded;
          *first_error = "ws error frame";
          if (ws::DecodeResponses(message_, &decoded).ok()) {
            for (const ws::Response& r : decoded) {
              if (r.kind == ws::Kind::kError) {
                *first_error += ": " + codec::ToJson(r.payload);
                break;
              }
            }
          }
        }
      }
    }
    message_.clear();
  }
  in_.erase(0, at);
  if (answered_ < spec_.depth) return Status::OK();
  latency->Add(Nanos(sent_at_));
  *requests += static_cast<uint64_t>(answered_ - failed_);
  *errors += static_cast<uint64_t>(failed_);
  if (!in_.empty()) return Status::IOError("answers beyond the message's requests");
  *done = true;
  return Status::OK();
}

}  // namespace strata::tools::server_bench
