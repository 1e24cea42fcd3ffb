// TLS (--tls-cert/--tls-key, with a self-signed certificate made by the openssl command for the
// test) and CORS (--cors-origin) end to end.
#include <cstdlib>
#include <filesystem>

#include "client/ws_client.h"
#include "e2e_util.h"

namespace strata::e2e {
namespace {

TEST_F(E2ETest, TlsServesHttpsAndWss) {
  std::string dir = TempDir("tls");
  std::filesystem::create_directories(dir);
  std::string cert = dir + "/cert.pem", key = dir + "/key.pem";
  std::string cmd = "openssl req -x509 -newkey rsa:2048 -nodes -keyout " + key + " -out " + cert +
                    " -days 1 -subj /CN=127.0.0.1 >/dev/null 2>&1";
  if (std::system(cmd.c_str()) != 0) GTEST_SKIP() << "the openssl command is not available";
  server_.reset();
  StartServer({"--tls-cert", cert, "--tls-key", key});
  client::ClientOptions options = server_->Options(admin_);
  options.tls = true;  // self-signed: not verified
  client::HttpClient https(options);
  auto r = https.Request("POST", "/collections/secure", R"({"_id": "s", "v": 1})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, 201) << r->body;
  auto back = https.Request("GET", "/collections/secure/s");
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->status, 200);
  client::WsClient wss(options);
  EXPECT_TRUE(wss.Connect().ok());
  // Plain HTTP to the TLS port is not served.
  client::ClientOptions plain = server_->Options(admin_);
  plain.request_timeout_ms = 3000;
  client::HttpClient http(plain);
  auto refused = http.Request("GET", "/status");
  EXPECT_TRUE(!refused.ok() || refused->status >= 400);
  std::filesystem::remove_all(dir);
}

TEST_F(E2ETest, CorsAllowsOnlyConfiguredOrigins) {
  server_.reset();
  StartServer({"--cors-origin", "http://app.example"});
  auto c = Client(admin_);
  auto pre =
      c->Request("OPTIONS", "/collections/x", {},
                 {{"Origin", "http://app.example"}, {"Access-Control-Request-Method", "POST"}});
  ASSERT_TRUE(pre.ok());
  EXPECT_EQ(pre->status, 204);
  EXPECT_EQ(pre->Header("access-control-allow-origin"), "http://app.example");
  EXPECT_NE(pre->Header("access-control-allow-headers").find("X-API-Key"), std::string::npos);
  auto get = c->Request("GET", "/status", {}, {{"Origin", "http://app.example"}});
  ASSERT_TRUE(get.ok());
  EXPECT_EQ(get->Header("access-control-allow-origin"), "http://app.example");
  auto other = c->Request("GET", "/status", {}, {{"Origin", "http://evil.example"}});
  ASSERT_TRUE(other.ok());
  EXPECT_TRUE(other->Header("access-control-allow-origin").empty());
}

}  // namespace
}  // namespace strata::e2e
