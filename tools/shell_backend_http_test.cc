// The HTTP backend against a real server in this process (Service + HttpServer on a free port):
// the same shell commands and imports give the same output as the direct backend.
#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>

#include "import_export.h"
#include "server/http_server.h"
#include "server/service.h"
#include "shell_backend.h"
#include "shell_session.h"
#include "shell_test_util.h"

namespace strata::tools {
namespace {

constexpr char kKey[] = "shell-test-admin-key-0123456789abcdef";

class HttpBackendTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = FreshTestDir("strata_shell_http_test");
    server::ServerOptions options;
    options.port = 0;
    options.data = (base_ / "server").string();
    options.admin_key = kKey;
    options.quiet = true;
    auto service = server::Service::Open(options, nullptr);
    ASSERT_TRUE(service.ok()) << service.status().ToString();
    service_ = std::move(*service);
    auto http = server::HttpServer::Start(service_.get(), options);
    ASSERT_TRUE(http.ok()) << http.status().ToString();
    http_ = std::move(*http);
    auto remote = OpenBackend("http://127.0.0.1:" + std::to_string(http_->port()), kKey, "");
    ASSERT_TRUE(remote.ok()) << remote.status().ToString();
    remote_ = std::move(*remote);
    auto direct = OpenDirectBackend((base_ / "direct").string());
    ASSERT_TRUE(direct.ok()) << direct.status().ToString();
    direct_ = std::move(*direct);
  }
  void TearDown() override {
    remote_.reset();
    direct_.reset();
    http_.reset();
    if (service_) service_->Close();
    service_.reset();
    std::filesystem::remove_all(base_);
  }

  // What a session prints for `commands` (one per line) on `backend`.
  static std::string Transcript(ShellBackend* backend, const std::vector<std::string>& commands) {
    std::ostringstream out;
    ShellSession session(backend, &out, &out);
    session.set_page_size(2);
    for (const std::string& c : commands) {
      out << "> " << c << "\n";
      session.Execute(c);
    }
    return out.str();
  }

  std::filesystem::path base_;
  std::unique_ptr<server::Service> service_;
  std::unique_ptr<server::HttpServer> http_;
  std::unique_ptr<ShellBackend> remote_, direct_;
};

TEST_F(HttpBackendTest, SameTranscriptAsDirect) {
  std::vector<std::string> commands = {
      "db.createCollection('c')",
      "db.c.insertMany([{_id: 1, n: 'a', v: 3}, {_id: 2, n: 'b', v: 1}, {_id: 3, n: 'c', v: 2}])",
      "db.c.insertOne({_id: 4, n: 'd', tags: ['x', 'y']})",
      "db.c.insertOne({_id: 4})",
      "db.c.find({}, {n: 1})",
      "it",
      "db.c.find().sort({v: -1}).limit(3)",
      "it",
      "db.c.findOne({n: 'c'})",
      "db.c.count({v: {$gte: 2}})",
      "db.c.find({v: {$exists: true}}).count()",
      "db.c.distinct('n', {v: {$lt: 3}})",
      "db.c.aggregate([{$match: {v: {$exists: true}}}, {$group: {_id: null, s: {$sum: '$v'}}}])",
      "db.c.updateOne({_id: 2}, {$set: {v: 10}})",
      "db.c.updateMany({v: {$gt: 0}}, {$inc: {v: 1}})",
      "db.c.updateOne({_id: 9}, {$set: {v: 0}}, {upsert: true})",
      "db.c.replaceOne({_id: 9}, {w: 1})",
      "db.c.replaceOne({_id: 9}, {$set: {w: 1}})",
      "db.c.createIndex({n: 1}, {unique: true, sparse: true})",
      "db.c.getIndexes()",
      "db.c.insertOne({_id: 99, n: 'a'})",
      "db.c.dropIndex({n: 1})",
      "db.c.deleteOne({_id: 9})",
      "db.c.deleteMany({v: {$gt: 3}})",
      "db.c.find()",
      ".format table",
      "db.c.find()",
      ".collections",
      "db.c.drop()",
      "db.getCollectionNames()",
      "db.missing.find()",
      "db.missing.count()",
      "db.missing.distinct('a')",
      "db.missing.aggregate([])",
  };
  std::string direct = Transcript(direct_.get(), commands);
  std::string remote = Transcript(remote_.get(), commands);
  EXPECT_EQ(remote, direct);
  EXPECT_NE(direct.find("\"s\": 6"), std::string::npos) << direct;
}

TEST_F(HttpBackendTest, ImportExportThroughTheServer) {
  std::string csv =
      "_id,name,n\n"
      "1,ann,1\n"
      "2,\"b \"\"q\"\"\",2.5\n"
      "3,bad\n"
      "1,dup,3\n";
  for (ShellBackend* b : {direct_.get(), remote_.get()}) {
    std::istringstream in(csv);
    ImportOptions options;
    options.collection = "people";
    options.format = "csv";
    auto r = ImportDocuments(b, in, options);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->imported, 2u);
    ASSERT_EQ(r->rejected, 2u);
    EXPECT_EQ(r->rejections[0], "line 4: bad CSV: 2 fields, the header has 3");
    EXPECT_EQ(r->rejections[1].substr(0, 22), "line 5: AlreadyExists:") << r->rejections[1];
  }
  std::ostringstream from_direct, from_remote;
  ExportOptions options;
  options.collection = "people";
  options.batch_size = 1;  // pages by token over HTTP too
  ASSERT_TRUE(ExportDocuments(direct_.get(), from_direct, options).ok());
  ASSERT_TRUE(ExportDocuments(remote_.get(), from_remote, options).ok());
  EXPECT_EQ(from_remote.str(), from_direct.str());
  EXPECT_EQ(from_direct.str(),
            "{\"_id\":1,\"name\":\"ann\",\"n\":1}\n"
            "{\"_id\":2,\"name\":\"b \\\"q\\\"\",\"n\":2.5}\n");
}

TEST_F(HttpBackendTest, WrongKeyIsRefused) {
  auto wrong = OpenBackend("http://127.0.0.1:" + std::to_string(http_->port()),
                           "not-the-key-0123456789abcdefghijklmn", "");
  ASSERT_TRUE(wrong.ok());
  auto names = (*wrong)->ListCollections();
  EXPECT_EQ(names.status().code(), Status::Code::kUnauthenticated) << names.status().ToString();
}

}  // namespace
}  // namespace strata::tools
