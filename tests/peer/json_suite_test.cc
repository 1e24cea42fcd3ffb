// JSONTestSuite (nst/JSONTestSuite) against ParseJson: y_ files must be accepted, n_ files refused
// with a positioned error, i_ files either; nothing may crash. Accepted values must also
// round-trip through ToJson and, wrapped in an object, through the binary document format.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "codec/document.h"
#include "codec/json.h"

namespace strata::codec {
namespace {

namespace fs = std::filesystem;

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<fs::path> SuiteFiles(const fs::path& dir) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() == ".json") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

// What an accepted value must survive: JSON out and back, and the document format.
void CheckRoundTrips(const std::string& name, const Value& v) {
  std::string json = ToJson(v);
  auto again = ParseJson(json);
  ASSERT_TRUE(again.ok()) << name << ": " << again.status().ToString() << "\n" << json;
  EXPECT_EQ(ToJson(*again), json) << name;
  Value wrapped = Value::MakeObject({{"v", v}});
  std::string bytes;
  ASSERT_TRUE(EncodeDocument(wrapped, &bytes).ok()) << name;
  Value back;
  ASSERT_TRUE(DecodeDocument(bytes, &back).ok()) << name;
  EXPECT_EQ(ToJson(back), ToJson(wrapped)) << name;
}

TEST(JsonSuiteTest, TestParsing) {
  fs::path dir = fs::path(STRATA_PEER_SUITES) / "json" / "test_parsing";
  if (!fs::is_directory(dir)) {
    GTEST_SKIP() << "JSONTestSuite not found at " << dir
                 << " (expected ../shared/peer-suites/json next to the repository)";
  }
  const std::regex positioned("^line [0-9]+, column [0-9]+: .+");
  int y_pass = 0, y_total = 0, n_pass = 0, n_total = 0, i_accepted = 0, i_refused = 0;
  for (const fs::path& path : SuiteFiles(dir)) {
    std::string name = path.filename().string();
    std::string text = ReadFile(path);
    auto r = ParseJson(text);
    // The README's wrapping check: inside an object, validity must not change.
    auto wrapped = ParseJson("{\"v\": " + text + "}");
    char kind = name[0];
    if (kind == 'y') {
      y_total++;
      EXPECT_TRUE(r.ok()) << name << ": " << r.status().ToString();
      EXPECT_TRUE(wrapped.ok()) << name << " wrapped: " << wrapped.status().ToString();
      if (r.ok() && wrapped.ok()) {
        y_pass++;
        CheckRoundTrips(name, *r);
      }
    } else if (kind == 'n') {
      n_total++;
      EXPECT_FALSE(r.ok()) << name << " was accepted: " << ToJson(*r);
      EXPECT_FALSE(wrapped.ok()) << name << " was accepted when wrapped";
      if (!r.ok()) {
        EXPECT_TRUE(r.status().IsInvalidArgument()) << name;
        EXPECT_TRUE(std::regex_match(r.status().message(), positioned))
            << name << ": " << r.status().message();
        // The scanner must find every fault simdjson finds (no unpositioned fallback).
        EXPECT_EQ(r.status().message().find("invalid JSON ("), std::string::npos)
            << name << ": " << r.status().message();
        if (!wrapped.ok()) n_pass++;
      }
    } else if (kind == 'i') {
      if (r.ok()) {
        i_accepted++;
        CheckRoundTrips(name, *r);
      } else {
        i_refused++;
        EXPECT_TRUE(std::regex_match(r.status().message(), positioned))
            << name << ": " << r.status().message();
      }
    }
  }
  std::cout << "JSONTestSuite test_parsing: y_ accepted " << y_pass << "/" << y_total
            << ", n_ refused " << n_pass << "/" << n_total << ", i_ accepted " << i_accepted
            << " refused " << i_refused << "\n";
  EXPECT_GT(y_total, 0);
  EXPECT_GT(n_total, 0);
}

// test_transform holds texts whose meaning is ambiguous: any answer but a crash will do.
TEST(JsonSuiteTest, TestTransformDoesNotCrash) {
  fs::path dir = fs::path(STRATA_PEER_SUITES) / "json" / "test_transform";
  if (!fs::is_directory(dir)) GTEST_SKIP() << "JSONTestSuite not found at " << dir;
  int accepted = 0, refused = 0;
  for (const fs::path& path : SuiteFiles(dir)) {
    auto r = ParseJson(ReadFile(path));
    if (r.ok()) {
      accepted++;
      CheckRoundTrips(path.filename().string(), *r);
    } else {
      refused++;
    }
  }
  std::cout << "JSONTestSuite test_transform: accepted " << accepted << ", refused " << refused
            << "\n";
}

}  // namespace
}  // namespace strata::codec
