// `strata backup` through the running server while writers go on, then `strata restore` into a
// new data directory and a server on it: every document acknowledged before the backup began is
// there, and the copy is consistent (its document check finds nothing).
#include <sys/wait.h>

#include <atomic>
#include <cstdlib>
#include <thread>

#include "e2e_util.h"

namespace strata::e2e {
namespace {

int RunCommand(const std::string& command) {
  int status = std::system((command + " >/dev/null 2>&1").c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST_F(E2ETest, BackupWhileWritingThenRestore) {
  auto c = Client(admin_);
  ASSERT_EQ(Call(*c, "POST", "/collections/b/indexes", R"({"fields": {"n": 1}})").status, 201);
  for (int i = 0; i < 200; ++i) {
    ASSERT_EQ(
        Call(*c, "POST", "/collections/b",
             R"({"_id": "before)" + std::to_string(i) + R"(", "n": )" + std::to_string(i) + "}")
            .status,
        201);
  }
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    auto w = Client(admin_);
    for (int i = 0; !stop; ++i) {
      (void)w->Request("POST", "/collections/b",
                       R"({"_id": "during)" + std::to_string(i) + R"(", "n": -1})");
    }
  });
  std::string backup = TempDir("backup"), restored = TempDir("restored");
  std::string url = "http://127.0.0.1:" + std::to_string(server_->port());
  int backup_exit = RunCommand(std::string(STRATA_BIN) + " backup " + backup + " --url " + url +
                               " --key " + admin_);
  stop = true;
  writer.join();
  ASSERT_EQ(backup_exit, 0);
  // A second backup into the same directory is refused.
  EXPECT_NE(RunCommand(std::string(STRATA_BIN) + " backup " + backup + " --url " + url + " --key " +
                       admin_),
            0);
  ASSERT_EQ(RunCommand(std::string(STRATA_BIN) + " restore " + backup + " --data " + restored), 0);
  EXPECT_EQ(RunCommand(std::string(STRATA_BIN) + " check " + restored), 0);

  ServerProcess copy(restored);
  std::string error;
  ASSERT_TRUE(copy.Start(&error)) << error;
  EXPECT_TRUE(copy.admin_key().empty()) << "the keys came along";
  client::HttpClient h(copy.Options(admin_));
  for (int i = 0; i < 200; ++i) {
    auto r = h.Request("GET", "/collections/b/before" + std::to_string(i));
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r->status, 200) << i;
  }
  auto q = h.Request("POST", "/collections/b/count", R"({"filter": {"n": {"$gte": 0}}})");
  ASSERT_TRUE(q.ok());
  EXPECT_NE(q->body.find("\"count\":200"), std::string::npos) << q->body;
  EXPECT_EQ(copy.Stop(), 0);
  std::filesystem::remove_all(backup);
  std::filesystem::remove_all(restored);
}

}  // namespace
}  // namespace strata::e2e
