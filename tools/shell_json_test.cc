// The relaxed-JSON reader and the command parser of strata shell.
#include "shell_json.h"

#include <gtest/gtest.h>

#include "codec/json.h"
#include "shell_parse.h"

namespace strata::tools {
namespace {

std::string Strict(std::string_view relaxed) {
  auto r = ParseRelaxedJson(relaxed);
  EXPECT_TRUE(r.ok()) << relaxed << ": " << r.status().ToString();
  return r.ok() ? codec::ToJson(*r) : "";
}

std::string ErrorOf(std::string_view relaxed) {
  auto r = ParseRelaxedJson(relaxed);
  EXPECT_FALSE(r.ok()) << relaxed;
  return r.ok() ? "" : r.status().message();
}

TEST(RelaxedJsonTest, MongoshForms) {
  EXPECT_EQ(Strict("{a: 1, 'b': 'x', \"c\": [1, 2,],}"), R"({"a":1,"b":"x","c":[1,2]})");
  EXPECT_EQ(Strict("{age: {$gt: 30}}"), R"({"age":{"$gt":30}})");
  EXPECT_EQ(Strict("{'a.b': -1, x_y: +2, z: .5, w: 5.}"), R"({"a.b":-1,"x_y":2,"z":0.5,"w":5.0})");
  EXPECT_EQ(Strict("'it\\'s \"quoted\"'"), R"("it's \"quoted\"")");
  EXPECT_EQ(Strict("[true, false, null, undefined]"), "[true,false,null,null]");
  EXPECT_EQ(Strict("{n: NaN, i: Infinity, m: -Infinity}"),
            R"({"n":{"$numberDouble":"NaN"},"i":{"$numberDouble":"Infinity"},)"
            R"("m":{"$numberDouble":"-Infinity"}})");
  EXPECT_EQ(
      Strict("{d: ISODate('2024-01-02T03:04:05Z'), e: new Date(0)}"),
      R"({"d":{"$date":"2024-01-02T03:04:05.000Z"},"e":{"$date":"1970-01-01T00:00:00.000Z"}})");
  EXPECT_EQ(Strict("{a: 1, // comment\n b: /* inline */ 2}"), R"({"a":1,"b":2})");
  EXPECT_EQ(Strict("{\"é\": 'ü'}"), R"({"é":"ü"})");
  EXPECT_EQ(Strict("{big: 12345678901234, e: 1e3, f: -2.5E-2}"),
            R"({"big":12345678901234,"e":1000.0,"f":-0.025})");
}

TEST(RelaxedJsonTest, ErrorsSayWhere) {
  EXPECT_EQ(ErrorOf("{a: foo}").substr(0, 10), "column 5: ");
  EXPECT_NE(ErrorOf("{a: foo}").find("'foo'"), std::string::npos);
  EXPECT_EQ(ErrorOf("{a: 'open}").substr(0, 10), "column 5: ");
  EXPECT_EQ(ErrorOf("{a: 1 b: 2}").substr(0, 10), "column 7: ") << ErrorOf("{a: 1 b: 2}");
  EXPECT_EQ(ErrorOf("{a: #}").substr(0, 10), "column 5: ");
  EXPECT_EQ(ErrorOf("").substr(0, 10), "column 1: ");
  auto shifted = ParseRelaxedJson("{a: ?}", 10);
  EXPECT_EQ(shifted.status().message().substr(0, 11), "column 15: ");
}

TEST(ShellParseTest, Calls) {
  auto c =
      ParseShellCommand("db.users.find({age: {$gt: 30}}, {name: 1}).sort({age: -1}).limit(5);");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->kind, ShellCommand::Kind::kCollectionCall);
  EXPECT_EQ(c->collection, "users");
  ASSERT_EQ(c->calls.size(), 3u);
  EXPECT_EQ(c->calls[0].method, "find");
  ASSERT_EQ(c->calls[0].args.size(), 2u);
  EXPECT_EQ(codec::ToJson(c->calls[0].args[0]), R"({"age":{"$gt":30}})");
  EXPECT_EQ(c->calls[1].method, "sort");
  EXPECT_EQ(c->calls[2].method, "limit");
  EXPECT_EQ(c->calls[2].args[0], Value(5));

  c = ParseShellCommand("  db . my_coll-2 . count ( )  ");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->collection, "my_coll-2");
  EXPECT_TRUE(c->calls[0].args.empty());

  c = ParseShellCommand("db.getCollection('odd name').insertOne({s: 'a)b'})");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->collection, "odd name");
  EXPECT_EQ(codec::ToJson(c->calls[0].args[0]), R"({"s":"a)b"})");

  c = ParseShellCommand("db.getCollectionNames()");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->kind, ShellCommand::Kind::kDbCall);
  EXPECT_EQ(c->calls[0].method, "getCollectionNames");

  c = ParseShellCommand("db.t.insertMany([\n {a: 1},\n {a: 2},\n])");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->calls[0].args[0].as_array().size(), 2u);
}

TEST(ShellParseTest, Words) {
  using K = ShellCommand::Kind;
  EXPECT_EQ(ParseShellCommand(".help")->kind, K::kHelp);
  EXPECT_EQ(ParseShellCommand("help")->kind, K::kHelp);
  EXPECT_EQ(ParseShellCommand(".collections")->kind, K::kCollections);
  EXPECT_EQ(ParseShellCommand("show collections")->kind, K::kCollections);
  EXPECT_EQ(ParseShellCommand(".exit")->kind, K::kExit);
  EXPECT_EQ(ParseShellCommand("quit")->kind, K::kExit);
  EXPECT_EQ(ParseShellCommand("it")->kind, K::kMore);
  EXPECT_EQ(ParseShellCommand("")->kind, K::kEmpty);
  EXPECT_EQ(ParseShellCommand("// just a comment")->kind, K::kEmpty);
  auto f = ParseShellCommand(".format table");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->kind, K::kFormat);
  EXPECT_EQ(f->argument, "table");
  EXPECT_FALSE(ParseShellCommand(".format xml").ok());
  EXPECT_FALSE(ParseShellCommand(".nope").ok());
  EXPECT_FALSE(ParseShellCommand(".exit now").ok());
}

TEST(ShellParseTest, ErrorsSayWhere) {
  auto e = ParseShellCommand("db.users.find({a: oops})");
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.status().message(),
            "in the arguments of find: column 19: unexpected word 'oops' (strings need quotes; "
            "keys need a ':' after them)");
  e = ParseShellCommand("db.users.find({a: 1}");
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.status().message().find("column 14: unclosed '('"), std::string::npos)
      << e.status().message();
  e = ParseShellCommand("users.find()");
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.status().message().find("unknown command 'users'"), std::string::npos);
  e = ParseShellCommand("db.users");
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.status().message().find("a method was expected"), std::string::npos);
  e = ParseShellCommand("db.users.find() extra");
  ASSERT_FALSE(e.ok());
  EXPECT_NE(e.status().message().find("column 17"), std::string::npos) << e.status().message();
}

TEST(ShellParseTest, InputComplete) {
  EXPECT_TRUE(InputComplete("db.a.find()"));
  EXPECT_FALSE(InputComplete("db.a.insertMany(["));
  EXPECT_FALSE(InputComplete("db.a.insertOne({s: 'x"));
  EXPECT_TRUE(InputComplete("db.a.insertOne({s: '(['})"));
  EXPECT_TRUE(InputComplete(".help"));
  EXPECT_TRUE(InputComplete("db.a.find() // (unclosed in a comment"));
}

}  // namespace
}  // namespace strata::tools
