// The HTTP transport seen from a raw socket: pipelining, HTTP/1.0, chunked bodies, malformed
// requests, and the idle and request timeouts (which the client library cannot provoke).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

#include "e2e_util.h"

namespace strata::e2e {
namespace {

class RawConnection {
 public:
  explicit RawConnection(uint16_t port) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  }
  ~RawConnection() {
    if (fd_ >= 0) close(fd_);
  }
  bool connected() const { return connected_; }
  bool Send(std::string_view bytes) {
    return send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
           static_cast<ssize_t>(bytes.size());
  }
  // Reads until `stop` returns true for what arrived, the peer closes, or `ms` pass.
  template <typename Stop>
  std::string ReadUntil(Stop stop, int ms, bool* closed) {
    std::string got;
    *closed = false;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    while (!stop(got)) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                            deadline - std::chrono::steady_clock::now())
                            .count();
      if (left <= 0) break;
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, static_cast<int>(left)) <= 0) continue;
      char buf[4096];
      ssize_t n = recv(fd_, buf, sizeof(buf), 0);
      if (n <= 0) {
        *closed = true;
        break;
      }
      got.append(buf, static_cast<size_t>(n));
    }
    return got;
  }
  // Everything until the server closes the connection (or `ms` pass).
  std::string ReadToClose(int ms, bool* closed) {
    return ReadUntil([](const std::string&) { return false; }, ms, closed);
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
};

size_t Count(const std::string& text, std::string_view what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST_F(E2ETest, PipelinedRequestsAreAnsweredInOrderOnOneConnection) {
  RawConnection c(server_->port());
  ASSERT_TRUE(c.connected());
  const std::string key = "X-API-Key: " + admin_ + "\r\n";
  ASSERT_TRUE(
      c.Send("GET /status HTTP/1.1\r\nHost: x\r\n\r\n"
             "POST /collections/p HTTP/1.1\r\nHost: x\r\n" +
             key + "Content-Length: 20\r\n\r\n{\"_id\":\"a\",\"n\": 1}  " +
             "GET /collections/p/a HTTP/1.1\r\nHost: x\r\n" + key + "\r\n"));
  bool closed = false;
  std::string got = c.ReadUntil(
      [](const std::string& s) { return s.find("\"n\":1}") != std::string::npos; }, 5000, &closed);
  EXPECT_EQ(Count(got, "HTTP/1.1 "), 3u) << got;
  const size_t ok = got.find("HTTP/1.1 200");
  const size_t created = got.find("HTTP/1.1 201");
  const size_t read = got.find("HTTP/1.1 200", created);
  EXPECT_TRUE(ok < created && created < read && read != std::string::npos) << got;
  EXPECT_FALSE(closed);
}

TEST_F(E2ETest, Http10WithoutKeepAliveGetsOneAnswerThenClose) {
  RawConnection c(server_->port());
  ASSERT_TRUE(c.Send("GET /status HTTP/1.0\r\n\r\n"));
  bool closed = false;
  std::string got = c.ReadToClose(5000, &closed);
  EXPECT_TRUE(closed);
  EXPECT_EQ(got.rfind("HTTP/1.0 200 OK\r\n", 0), 0u) << got;
  EXPECT_NE(got.find("Connection: close\r\n"), std::string::npos) << got;
  EXPECT_NE(got.find("Content-Length: "), std::string::npos) << got;
}

TEST_F(E2ETest, ChunkedBodiesAreAccepted) {
  RawConnection c(server_->port());
  const std::string doc = R"({"_id": "c", "v": [1, 2, 3]})";
  char size[16];
  snprintf(size, sizeof(size), "%zx", doc.size() - 5);
  ASSERT_TRUE(c.Send("POST /collections/chunky HTTP/1.1\r\nHost: x\r\nX-API-Key: " + admin_ +
                     "\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n" + size + "\r\n" +
                     doc.substr(0, doc.size() - 5) + "\r\n5\r\n" + doc.substr(doc.size() - 5) +
                     "\r\n0\r\n\r\n"));
  bool closed = false;
  std::string got = c.ReadToClose(5000, &closed);
  EXPECT_EQ(got.rfind("HTTP/1.1 201", 0), 0u) << got;
  auto admin = Client(admin_);
  auto r = Call(*admin, "GET", "/collections/chunky/c");
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("[1,2,3]"), std::string::npos) << r.body;
}

TEST_F(E2ETest, ExpectContinueGetsItsGoAheadBeforeTheBody) {
  RawConnection c(server_->port());
  const std::string body = R"({"_id": "e", "v": 1})";
  ASSERT_TRUE(c.Send("POST /collections/ex HTTP/1.1\r\nHost: x\r\nX-API-Key: " + admin_ +
                     "\r\nExpect: 100-continue\r\nContent-Length: " + std::to_string(body.size()) +
                     "\r\n\r\n"));
  bool closed = false;
  std::string got = c.ReadUntil(
      [](const std::string& s) { return s.find("\r\n\r\n") != std::string::npos; }, 5000, &closed);
  EXPECT_EQ(got, "HTTP/1.1 100 Continue\r\n\r\n");
  ASSERT_TRUE(c.Send(body));
  got = c.ReadUntil([](const std::string& s) { return s.find("\"_id\"") != std::string::npos; },
                    5000, &closed);
  EXPECT_EQ(got.rfind("HTTP/1.1 201", 0), 0u) << got;
}

TEST_F(E2ETest, MalformedRequestsGetA400ThenClose) {
  RawConnection c(server_->port());
  ASSERT_TRUE(c.Send("GET /status HTTP/1.1\r\nHost x-without-colon\r\n\r\n"));
  bool closed = false;
  std::string got = c.ReadToClose(5000, &closed);
  EXPECT_TRUE(closed);
  EXPECT_EQ(got.rfind("HTTP/1.1 400", 0), 0u) << got;
  EXPECT_NE(got.find("malformed HTTP request"), std::string::npos) << got;
  EXPECT_NE(got.find("Connection: close"), std::string::npos) << got;
}

TEST_F(E2ETest, IdleAndSlowConnectionsAreClosedAtTheirTimeouts) {
  server_.reset();
  StartServer({"--idle-timeout-ms", "300", "--request-timeout-ms", "600"});
  const auto start = std::chrono::steady_clock::now();
  auto elapsed_ms = [&] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                 start)
        .count();
  };
  // Says nothing: closed after the idle timeout, with nothing sent.
  RawConnection idle(server_->port());
  // Sends a header promising 100 bytes of body, then only 10: closed after the request timeout.
  RawConnection slow(server_->port());
  ASSERT_TRUE(slow.Send("POST /collections/s HTTP/1.1\r\nHost: x\r\nX-API-Key: " + admin_ +
                        "\r\nContent-Length: 100\r\n\r\n{\"_id\": 1,"));
  bool closed = false;
  EXPECT_EQ(idle.ReadToClose(10000, &closed), "");
  EXPECT_TRUE(closed);
  EXPECT_GE(elapsed_ms(), 250);
  EXPECT_EQ(slow.ReadToClose(10000, &closed), "");
  EXPECT_TRUE(closed);
  EXPECT_GE(elapsed_ms(), 550);
  // A connection in use is not idle: requests 200 ms apart keep it open past the idle timeout.
  RawConnection busy(server_->port());
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(busy.Send("GET /status HTTP/1.1\r\nHost: x\r\n\r\n"));
    std::string got =
        busy.ReadUntil([](const std::string& s) { return s.find("\r\n\r\n") != std::string::npos; },
                       5000, &closed);
    EXPECT_FALSE(closed) << "request " << i;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  // Nothing was written by the slow request.
  auto admin = Client(admin_);
  EXPECT_EQ(Call(*admin, "GET", "/collections/s/1").status, 404);
}

}  // namespace
}  // namespace strata::e2e
