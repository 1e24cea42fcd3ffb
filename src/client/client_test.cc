// HttpClient and WsClient against a tiny synchronous Beast server inside the test.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "client/http_client.h"
#include "client/ws_client.h"

namespace strata::client {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

// Answers each HTTP request with "METHOD TARGET key=KEY body=BODY"; /close answers with
// Connection: close, /slow waits 500 ms first. /ws upgrades when X-API-Key is "k" and echoes
// every message (with "late" delayed by 500 ms), 401 otherwise.
class TestServer {
 public:
  TestServer() : acceptor_(ioc_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this] { AcceptLoop(); });
  }
  ~TestServer() {
    stop_ = true;
    {  // wakes the blocking accept
      asio::io_context ioc;
      tcp::socket wake(ioc);
      boost::system::error_code ec;
      wake.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_), ec);
    }
    thread_.join();
    std::lock_guard lock(mu_);
    for (auto& t : connections_) t.join();
  }
  uint16_t port() const { return port_; }
  int accepted() const { return accepted_.load(); }

 private:
  void AcceptLoop() {
    while (true) {
      tcp::socket socket(ioc_);
      boost::system::error_code ec;
      acceptor_.accept(socket, ec);
      if (stop_ || ec) return;
      ++accepted_;
      std::lock_guard lock(mu_);
      connections_.emplace_back([this, s = std::move(socket)]() mutable { Serve(std::move(s)); });
    }
  }

  void Serve(tcp::socket socket) {
    beast::flat_buffer buffer;
    while (true) {
      http::request<http::string_body> request;
      boost::system::error_code ec;
      http::read(socket, buffer, request, ec);
      if (ec) return;
      if (websocket::is_upgrade(request)) {
        if (request["X-API-Key"] != "k") {
          http::response<http::string_body> refused{http::status::unauthorized, 11};
          refused.body() = "no key";
          refused.prepare_payload();
          http::write(socket, refused, ec);
          return;
        }
        websocket::stream<tcp::socket> ws(std::move(socket));
        ws.accept(request, ec);
        while (!ec) {
          beast::flat_buffer message;
          ws.read(message, ec);
          if (ec) return;
          std::string text = beast::buffers_to_string(message.data());
          if (text == "late") std::this_thread::sleep_for(std::chrono::milliseconds(500));
          ws.binary(true);
          ws.write(asio::buffer(text), ec);
        }
        return;
      }
      if (request.target() == "/slow") std::this_thread::sleep_for(std::chrono::milliseconds(500));
      http::response<http::string_body> response{http::status::ok, 11};
      if (request.target() == "/missing") response.result(http::status::not_found);
      response.set("X-Test", "yes");
      response.body() = std::string(request.method_string()) + " " + std::string(request.target()) +
                        " key=" + std::string(request["X-API-Key"]) + " body=" + request.body();
      response.keep_alive(request.target() != "/close");
      response.prepare_payload();
      http::write(socket, response, ec);
      if (ec || request.target() == "/close") return;
    }
  }

  asio::io_context ioc_;
  tcp::acceptor acceptor_;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> accepted_{0};
  std::thread thread_;
  std::mutex mu_;
  std::vector<std::thread> connections_;
};

ClientOptions Options(uint16_t port, std::string key = "k") {
  ClientOptions options;
  options.port = port;
  options.api_key = std::move(key);
  return options;
}

TEST(ParseUrlTest, Forms) {
  ClientOptions o;
  ASSERT_TRUE(ParseUrl("http://localhost:7000", &o).ok());
  EXPECT_EQ(o.host, "localhost");
  EXPECT_EQ(o.port, 7000);
  EXPECT_FALSE(o.tls);
  ASSERT_TRUE(ParseUrl("https://example.com/x", &o).ok());
  EXPECT_EQ(o.host, "example.com");
  EXPECT_EQ(o.port, 443);
  EXPECT_TRUE(o.tls);
  ASSERT_TRUE(ParseUrl("10.0.0.1", &o).ok());
  EXPECT_EQ(o.port, 6969);
  ASSERT_TRUE(ParseUrl("ws://[::1]:80", &o).ok());
  EXPECT_EQ(o.host, "::1");
  EXPECT_EQ(o.port, 80);
  EXPECT_FALSE(ParseUrl("ftp://x", &o).ok());
  EXPECT_FALSE(ParseUrl("http://x:99999", &o).ok());
  EXPECT_FALSE(ParseUrl("http://:80", &o).ok());
}

TEST(HttpClientTest, RequestsShareOneConnection) {
  TestServer server;
  HttpClient client(Options(server.port()));
  auto r = client.Request("POST", "/a", "{\"x\":1}");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "POST /a key=k body={\"x\":1}");
  EXPECT_EQ(r->Header("x-test"), "yes");
  r = client.Request("GET", "/missing");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 404);
  r = client.Request("DELETE", "/b");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->body, "DELETE /b key=k body=");
  EXPECT_EQ(server.accepted(), 1);
}

TEST(HttpClientTest, ReconnectsAfterServerCloses) {
  TestServer server;
  HttpClient client(Options(server.port(), ""));
  auto r = client.Request("GET", "/close");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->body, "GET /close key= body=");
  r = client.Request("GET", "/again");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->body, "GET /again key= body=");
  EXPECT_EQ(server.accepted(), 2);
}

TEST(HttpClientTest, TimeoutAndRefusedConnection) {
  TestServer server;
  ClientOptions options = Options(server.port());
  options.request_timeout_ms = 100;
  HttpClient client(options);
  auto r = client.Request("GET", "/slow");
  EXPECT_TRUE(r.status().code() == Status::Code::kTimedOut) << r.status().ToString();
  options.request_timeout_ms = 5000;
  HttpClient again(options);
  r = again.Request("GET", "/fine");
  EXPECT_TRUE(r.ok()) << r.status().ToString();

  // A port nobody listens on (the server's, once it is gone).
  uint16_t port;
  {
    TestServer gone;
    port = gone.port();
  }
  HttpClient refused(Options(port));
  r = refused.Request("GET", "/");
  EXPECT_TRUE(r.status().IsIOError()) << r.status().ToString();
}

TEST(WsClientTest, EchoAndTimeout) {
  TestServer server;
  WsClient ws(Options(server.port()));
  ASSERT_TRUE(ws.Connect().ok());
  std::string binary("a\0b", 3);
  ASSERT_TRUE(ws.Send(binary).ok());
  auto m = ws.Receive();
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(*m, binary);
  ASSERT_TRUE(ws.Send("late").ok());
  m = ws.Receive(100);
  EXPECT_EQ(m.status().code(), Status::Code::kTimedOut) << m.status().ToString();
  EXPECT_FALSE(ws.connected());
  ASSERT_TRUE(ws.Connect().ok());
  ASSERT_TRUE(ws.Send("again").ok());
  m = ws.Receive();
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(*m, "again");
  EXPECT_TRUE(ws.Close().ok());
}

TEST(WsClientTest, RefusedWithoutKey) {
  TestServer server;
  WsClient ws(Options(server.port(), "wrong"));
  Status s = ws.Connect();
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("401"), std::string::npos) << s.ToString();
}

}  // namespace
}  // namespace strata::client
