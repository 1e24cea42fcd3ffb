// strata shell's logic on a temporary data directory through the direct backend.
#include "shell_session.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>

#include "shell_backend.h"
#include "shell_format.h"
#include "shell_repl.h"
#include "shell_test_util.h"

namespace strata::tools {
namespace {

class ShellSessionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = FreshTestDir("strata_shell_test");
    auto backend = OpenDirectBackend(dir_.string());
    ASSERT_TRUE(backend.ok()) << backend.status().ToString();
    backend_ = std::move(*backend);
    session_ = std::make_unique<ShellSession>(backend_.get(), &out_, &err_);
  }
  void TearDown() override {
    session_.reset();
    backend_.reset();
    std::filesystem::remove_all(dir_);
  }

  // Runs one command; returns what it printed (errors included), and clears the streams.
  std::string Run(std::string_view command) {
    session_->Execute(command);
    std::string s = out_.str() + err_.str();
    out_.str("");
    err_.str("");
    return s;
  }

  std::filesystem::path dir_;
  std::unique_ptr<ShellBackend> backend_;
  std::ostringstream out_, err_;
  std::unique_ptr<ShellSession> session_;
};

TEST_F(ShellSessionTest, InsertFindUpdateDelete) {
  EXPECT_EQ(Run("db.users.insertOne({_id: 1, name: 'ann', age: 31})"),
            "{\n  \"acknowledged\": true,\n  \"insertedId\": 1\n}\n");
  EXPECT_NE(Run("db.users.insertMany([{_id: 2, name: 'bob', age: 25}, {_id: 3, name: 'cy', "
                "age: 40}])")
                .find("\"insertedIds\""),
            std::string::npos);
  EXPECT_EQ(Run("db.users.count()"), "3\n");
  EXPECT_EQ(Run("db.users.count({age: {$gt: 30}})"), "2\n");
  std::string found = Run("db.users.find({age: {$gt: 30}}, {name: 1, _id: 0}).sort({age: -1})");
  EXPECT_EQ(found, "{\n  \"name\": \"cy\"\n}\n{\n  \"name\": \"ann\"\n}\n");
  EXPECT_EQ(Run("db.users.find().sort({age: 1}).skip(1).limit(1).count()"), "1\n");
  EXPECT_EQ(Run("db.users.findOne({name: 'bob'}, {age: 1})"),
            "{\n  \"_id\": 2,\n  \"age\": 25\n}\n");
  EXPECT_EQ(Run("db.users.findOne({name: 'nobody'})"), "null\n");
  EXPECT_NE(Run("db.users.updateOne({_id: 2}, {$inc: {age: 1}})").find("\"modifiedCount\": 1"),
            std::string::npos);
  EXPECT_NE(Run("db.users.updateMany({}, {$set: {ok: true}})").find("\"matchedCount\": 3"),
            std::string::npos);
  EXPECT_NE(Run("db.users.update({_id: 9}, {$set: {x: 1}}, {upsert: true})").find("upsertedId"),
            std::string::npos);
  EXPECT_NE(Run("db.users.replaceOne({_id: 9}, {y: 2})").find("\"modifiedCount\": 1"),
            std::string::npos);
  EXPECT_EQ(Run("db.users.findOne({_id: 9})"), "{\n  \"_id\": 9,\n  \"y\": 2\n}\n");
  EXPECT_EQ(Run("db.users.distinct('age')"), "[\n  26,\n  31,\n  40\n]\n");
  EXPECT_NE(Run("db.users.deleteOne({_id: 9})").find("\"deletedCount\": 1"), std::string::npos);
  EXPECT_NE(Run("db.users.delete({age: {$gte: 31}})").find("\"deletedCount\": 2"),
            std::string::npos);
  EXPECT_EQ(Run("db.users.count()"), "1\n");
  EXPECT_EQ(session_->errors(), 0);
}

TEST_F(ShellSessionTest, AggregateIndexesCollections) {
  Run("db.t.insertMany([{k: 'a', n: 1}, {k: 'b', n: 2}, {k: 'a', n: 3}])");
  EXPECT_EQ(Run("db.t.aggregate([{$group: {_id: '$k', total: {$sum: '$n'}}}, {$sort: {_id: 1}}])"),
            "{\n  \"_id\": \"a\",\n  \"total\": 4\n}\n{\n  \"_id\": \"b\",\n  \"total\": 2\n}\n");
  EXPECT_EQ(Run("db.t.createIndex({k: 1}, {unique: false})"), "\"k_1\"\n");
  std::string indexes = Run("db.t.getIndexes()");
  EXPECT_NE(indexes.find("\"name\": \"k_1\""), std::string::npos) << indexes;
  EXPECT_NE(Run("db.t.dropIndex('k_1')").find("\"dropped\": \"k_1\""), std::string::npos);
  EXPECT_EQ(Run("db.t.createIndex({n: 1}, {unique: true})"), "\"n_1\"\n");
  std::string dup = Run("db.t.insertOne({n: 1})");
  EXPECT_EQ(dup.rfind("error: ", 0), 0u) << dup;
  Run("db.createCollection('empty')");
  EXPECT_EQ(Run(".collections"), "empty\nt\n");
  EXPECT_EQ(Run("db.getCollectionNames()"), "[\n  \"empty\",\n  \"t\"\n]\n");
  EXPECT_EQ(Run("db.empty.drop()"), "true\n");
  EXPECT_EQ(Run("show collections"), "t\n");
}

TEST_F(ShellSessionTest, PagingWithIt) {
  session_->set_page_size(3);
  std::string docs = "[";
  for (int i = 0; i < 7; ++i) docs += "{_id: " + std::to_string(i) + "},";
  Run("db.p.insertMany(" + docs + "])");
  EXPECT_EQ(Run("db.p.find({}, {_id: 1})"),
            "{\n  \"_id\": 0\n}\n{\n  \"_id\": 1\n}\n{\n  \"_id\": 2\n}\nType \"it\" for more\n");
  EXPECT_EQ(Run("it"),
            "{\n  \"_id\": 3\n}\n{\n  \"_id\": 4\n}\n{\n  \"_id\": 5\n}\nType \"it\" for more\n");
  EXPECT_EQ(Run("it"), "{\n  \"_id\": 6\n}\n");
  EXPECT_EQ(Run("it").rfind("error: ", 0), 0u);
  // A limit is honoured across pages; an in-memory sort pages by skipping.
  EXPECT_EQ(Run("db.p.find().sort({_id: -1}).limit(4)"),
            "{\n  \"_id\": 6\n}\n{\n  \"_id\": 5\n}\n{\n  \"_id\": 4\n}\nType \"it\" for more\n");
  EXPECT_EQ(Run("it"), "{\n  \"_id\": 3\n}\n");
  EXPECT_EQ(Run("db.p.find().toArray()").find("Type"), std::string::npos);
}

TEST_F(ShellSessionTest, TableFormat) {
  Run("db.t.insertMany([{_id: 1, name: 'ann', tags: ['a', 'b']}, {_id: 2, age: 3}])");
  Run(".format table");
  EXPECT_EQ(Run("db.t.find()"),
            "+-----+------+-----------+-----+\n"
            "| _id | name | tags      | age |\n"
            "+-----+------+-----------+-----+\n"
            "| 1   | ann  | [\"a\",\"b\"] |     |\n"
            "| 2   |      |           | 3   |\n"
            "+-----+------+-----------+-----+\n");
  EXPECT_EQ(Run(".format"), "format: table\n");
  EXPECT_EQ(FormatCell(nullptr, 5), "");
  Value long_text("abcdéfghij");
  EXPECT_EQ(FormatCell(&long_text, 5), "abcd\u2026");
}

TEST_F(ShellSessionTest, ErrorsDoNotStopTheSession) {
  EXPECT_EQ(Run("db.t.find({a: nope})"),
            "error: in the arguments of find: column 15: unexpected word 'nope' (strings need "
            "quotes; keys need a ':' after them)\n");
  EXPECT_EQ(Run("db.t.insertOne(1)"),
            "error: InvalidArgument: insertOne: the document must be an object, not long\n");
  EXPECT_EQ(Run("db.t.frobnicate()"),
            "error: InvalidArgument: unknown method 'frobnicate' (try .help)\n");
  EXPECT_EQ(Run("db.t.find().sort({a: 1}).nope()").rfind("error: ", 0), 0u);
  EXPECT_EQ(Run("db.t.update({}, {$set: {a: 1}}, {sideways: true})").rfind("error: ", 0), 0u);
  EXPECT_EQ(session_->errors(), 5);
  EXPECT_NE(Run(".help").find("db.NAME.find"), std::string::npos);
  EXPECT_FALSE(session_->Execute(".exit"));
}

TEST_F(ShellSessionTest, ScriptFromAStream) {
  std::istringstream script(
      "db.s.insertMany([\n  {_id: 1},\n  {_id: 2},\n])\n\ndb.s.count()\n.exit\ndb.s.count()\n");
  EXPECT_EQ(RunShellScript(session_.get(), script), 0);
  std::string out = out_.str();
  EXPECT_NE(out.find("insertedIds"), std::string::npos);
  EXPECT_EQ(out.substr(out.size() - 2), "2\n");  // nothing after .exit
}

TEST_F(ShellSessionTest, Completion) {
  Run("db.users.insertOne({a: 1})");
  Run("db.orders.insertOne({a: 1})");
  using V = std::vector<std::string>;
  EXPECT_EQ(session_->Complete("db.us", true), V{"db.users"});
  EXPECT_EQ(session_->Complete("db.getC", true),
            (V{"db.getCollectionNames(", "db.getCollection("}));
  EXPECT_EQ(session_->Complete("db.users.fin", true), (V{"db.users.find(", "db.users.findOne("}));
  EXPECT_EQ(session_->Complete(".he", true), V{".help"});
  EXPECT_EQ(session_->Complete(".so", false), V{".sort("});
  EXPECT_EQ(session_->Complete("d", true), V{"db"});
}

}  // namespace
}  // namespace strata::tools
