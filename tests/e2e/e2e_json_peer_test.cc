// The JSON peer suite through the API: every n_ file as a request body gets a 4xx (never a 5xx,
// never a crash), and every y_ value wrapped in a document reads back unchanged.
#include <filesystem>
#include <fstream>
#include <sstream>

#include "e2e_util.h"

namespace strata::e2e {
namespace {

std::string ReadFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST_F(E2ETest, JsonPeerSuiteThroughTheApi) {
  std::filesystem::path dir = std::filesystem::path(STRATA_SOURCE_DIR) / ".." / "shared" /
                              "peer-suites" / "json" / "test_parsing";
  if (!std::filesystem::exists(dir)) GTEST_SKIP() << "peer suite not found at " << dir;
  auto c = Client(admin_);
  int refused = 0, accepted = 0, i_files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    std::string name = entry.path().filename().string();
    std::string text = ReadFile(entry.path());
    if (name.starts_with("n_")) {
      auto r = c->Request("POST", "/collections/peer", text);
      ASSERT_TRUE(r.ok()) << name << ": " << r.status().ToString();
      EXPECT_GE(r->status, 400) << name;
      EXPECT_LT(r->status, 500) << name << ": " << r->body;
      ++refused;
    } else if (name.starts_with("y_")) {
      // Wrapped as {"_id": name, "v": <value>}; what reads back must equal what the codec parses.
      auto expected = codec::ParseJson(text);
      ASSERT_TRUE(expected.ok()) << name;
      std::string body = R"({"_id": ")" + name + R"(", "v": )" + text + "}";
      auto r = c->Request("POST", "/collections/peer", body);
      ASSERT_TRUE(r.ok()) << name;
      ASSERT_EQ(r->status, 201) << name << ": " << r->body;
      auto back = c->Request("GET", "/collections/peer/" + name);
      ASSERT_TRUE(back.ok());
      ASSERT_EQ(back->status, 200) << name;
      auto doc = codec::ParseJson(back->body);
      ASSERT_TRUE(doc.ok()) << back->body;
      EXPECT_EQ(*doc->Find("v"), *expected) << name << ": " << back->body;
      ++accepted;
    } else {
      auto r = c->Request("POST", "/collections/peer", text);
      ASSERT_TRUE(r.ok()) << name;
      EXPECT_LT(r->status, 500) << name << ": " << r->body;
      ++i_files;
    }
  }
  EXPECT_GT(refused, 100);
  EXPECT_GT(accepted, 50);
  RecordProperty("refused", refused);
  RecordProperty("accepted", accepted);
}

}  // namespace
}  // namespace strata::e2e
