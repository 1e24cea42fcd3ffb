// Shared pieces of the end-to-end tests: a started server per test and JSON helpers.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "client/http_client.h"
#include "codec/json.h"
#include "server_process.h"

namespace strata::e2e {

class E2ETest : public ::testing::Test {
 protected:
  void SetUp() override { StartServer({}); }
  void TearDown() override {
    server_.reset();
    std::error_code ec;
    std::filesystem::remove_all(data_, ec);
  }
  void StartServer(std::vector<std::string> extra) {
    if (data_.empty()) data_ = TempDir("srv");
    server_ = std::make_unique<ServerProcess>(data_, std::move(extra));
    std::string error;
    ASSERT_TRUE(server_->Start(&error)) << error;
    if (!server_->admin_key().empty()) admin_ = server_->admin_key();
  }
  std::unique_ptr<client::HttpClient> Client(const std::string& key) {
    return std::make_unique<client::HttpClient>(server_->Options(key));
  }
  // A request that must get through the network; returns the response.
  client::Response Call(client::HttpClient& c, std::string_view method, std::string_view target,
                        std::string_view body = {}) {
    auto r = c.Request(method, target, body);
    EXPECT_TRUE(r.ok()) << method << " " << target << ": " << r.status().ToString();
    return r.ok() ? std::move(r).value() : client::Response{};
  }
  static Value Json(const client::Response& r) {
    auto v = codec::ParseJson(r.body);
    EXPECT_TRUE(v.ok()) << r.body;
    return v.ok() ? std::move(v).value() : Value();
  }
  std::string CreateKey(const std::string& role) {
    auto admin = Client(admin_);
    auto r = Call(*admin, "POST", "/keys", R"({"name": "t", "role": ")" + role + "\"}");
    EXPECT_EQ(r.status, 201) << r.body;
    Value v = Json(r);
    const Value* secret = v.Find("secret");
    return secret != nullptr && secret->is_string() ? secret->as_string() : "";
  }

  std::string data_;
  std::string admin_;
  std::unique_ptr<ServerProcess> server_;
};

}  // namespace strata::e2e
