#include "query/projection.h"

#include <gtest/gtest.h>

#include "query/query_test_util.h"

namespace strata::query {
namespace {

using testing::Debug;
using testing::J;

std::string Project(const char* spec, const char* doc) {
  Result<Projection> p = Projection::Parse(J(spec));
  if (!p.ok()) return "error: " + p.status().message();
  return Debug(p->Apply(J(doc)));
}
std::string Expect(const char* doc) { return Debug(J(doc)); }

TEST(ProjectionTest, EmptyKeepsEverything) {
  Projection none;
  EXPECT_TRUE(none.empty());
  EXPECT_EQ(Project("{}", "{_id: 1, a: 2}"), Expect("{_id: 1, a: 2}"));
  Result<Projection> p = Projection::Parse(J("{a: 1}"));
  ASSERT_TRUE(p.ok());
  EXPECT_FALSE(p->empty());
}

TEST(ProjectionTest, Inclusion) {
  const char* doc = "{_id: 1, a: 1, b: {c: 2, d: 3}, e: 4}";
  EXPECT_EQ(Project("{a: 1}", doc), Expect("{_id: 1, a: 1}"));
  EXPECT_EQ(Project("{e: 1, a: true}", doc), Expect("{_id: 1, a: 1, e: 4}"));  // document order
  EXPECT_EQ(Project("{a: 1, _id: 0}", doc), Expect("{a: 1}"));
  EXPECT_EQ(Project("{'b.c': 1}", doc), Expect("{_id: 1, b: {c: 2}}"));
  EXPECT_EQ(Project("{'b.x': 1}", doc), Expect("{_id: 1, b: {}}"));
  EXPECT_EQ(Project("{'a.x': 1}", doc), Expect("{_id: 1}"));  // a scalar has no subfield
  EXPECT_EQ(Project("{z: 1}", doc), Expect("{_id: 1}"));
  EXPECT_EQ(Project("{_id: 1}", doc), Expect("{_id: 1}"));
}

TEST(ProjectionTest, InclusionThroughArrays) {
  EXPECT_EQ(Project("{'a.b': 1, _id: 0}", "{a: [{b: 1, c: 2}, 5, {c: 3}, [{b: 4}]]}"),
            Expect("{a: [{b: 1}, {}, [{b: 4}]]}"));
  EXPECT_EQ(Project("{a: 1, _id: 0}", "{a: [1, {b: 2}]}"), Expect("{a: [1, {b: 2}]}"));
}

TEST(ProjectionTest, Exclusion) {
  const char* doc = "{_id: 1, a: 1, b: {c: 2, d: 3}, e: 4}";
  EXPECT_EQ(Project("{a: 0}", doc), Expect("{_id: 1, b: {c: 2, d: 3}, e: 4}"));
  EXPECT_EQ(Project("{'b.c': 0, e: false}", doc), Expect("{_id: 1, a: 1, b: {d: 3}}"));
  EXPECT_EQ(Project("{_id: 0}", doc), Expect("{a: 1, b: {c: 2, d: 3}, e: 4}"));
  EXPECT_EQ(Project("{a: 0, _id: 0}", doc), Expect("{b: {c: 2, d: 3}, e: 4}"));
  EXPECT_EQ(Project("{'a.b': 0}", "{a: [{b: 1, c: 2}, 5, [{b: 3}]]}"),
            Expect("{a: [{c: 2}, 5, [{}]]}"));
}

TEST(ProjectionTest, Errors) {
  EXPECT_EQ(Project("{a: 1, b: 0}", "{}"),
            "error: cannot mix inclusion and exclusion in a projection at 'b'");
  EXPECT_EQ(Project("{a: 1, 'a.b': 1}", "{}"), "error: projection path collision at 'a.b'");
  EXPECT_EQ(Project("{'a.b': 0, a: 0}", "{}"), "error: projection path collision at 'a'");
  EXPECT_EQ(Project("{a: {$slice: 1}}", "{}"),
            "error: projection at 'a': only 0, 1, true and false are supported");
  EXPECT_EQ(Project("{'a..b': 1}", "{}"), "error: invalid projection path 'a..b'");
}

}  // namespace
}  // namespace strata::query
