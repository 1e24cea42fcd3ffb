// `strata bench server`'s load generator against a real server: every workload completes
// requests without errors, and its inserts really reach the server.
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "e2e_util.h"

namespace strata::e2e {
namespace {

TEST_F(E2ETest, BenchServerLoadGeneratorDrivesEveryWorkload) {
  const std::string json = data_ + "-bench.json";
  const std::string command = std::string(STRATA_BIN) + " bench server --url http://127.0.0.1:" +
                              std::to_string(server_->port()) + " --key " + admin_ +
                              " --num 200 --connections 1,3 --seconds 0.4 --depth 4 --no-wrk"
                              " --no-redis --json " +
                              json + " >/dev/null 2>&1";
  ASSERT_EQ(std::system(command.c_str()), 0) << command;
  std::ifstream in(json);
  std::stringstream text;
  text << in.rdbuf();
  std::filesystem::remove(json);
  auto report = codec::ParseJson(text.str());
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  const Value* rows = report->Find("rows");
  ASSERT_NE(rows, nullptr);
  ASSERT_EQ(rows->as_array().size(), 8u) << text.str();  // 4 workloads x 2 connection counts
  for (const Value& row : rows->as_array()) {
    SCOPED_TRACE(codec::ToJson(row));
    EXPECT_GT(row.Find("requests")->as_int(), 0);
    EXPECT_EQ(row.Find("errors")->as_int(), 0);
    EXPECT_TRUE(row.Find("error")->is_null());
    EXPECT_GT(row.Find("p99_us")->as_number(), 0);
  }
  // The preload and the inserts are in the collection.
  auto admin = Client(admin_);
  auto count = Call(*admin, "POST", "/collections/bench/count", "{}");
  ASSERT_EQ(count.status, 200) << count.body;
  const Value v = Json(count);
  const Value* n = v.Find("count");
  ASSERT_NE(n, nullptr) << count.body;
  EXPECT_GT(n->as_int(), 200);
}

}  // namespace
}  // namespace strata::e2e
