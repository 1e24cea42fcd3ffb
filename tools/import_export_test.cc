// strata import / export on a temporary data directory: round trips, rejected lines and their
// numbers, and RFC 4180's corners.
#include "import_export.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <sstream>

#include "codec/json.h"
#include "csv.h"
#include "shell_backend.h"
#include "shell_test_util.h"

namespace strata::tools {
namespace {

std::vector<std::vector<CsvField>> ReadAll(const std::string& text,
                                           std::vector<std::string>* errors = nullptr,
                                           std::vector<uint64_t>* lines = nullptr) {
  std::istringstream in(text);
  CsvReader reader(in);
  std::vector<std::vector<CsvField>> out;
  std::vector<CsvField> fields;
  uint64_t line = 0;
  while (true) {
    auto more = reader.Next(&fields, &line);
    if (!more.ok()) {
      if (errors != nullptr) errors->push_back(more.status().message());
      continue;
    }
    if (!*more) break;
    out.push_back(fields);
    if (lines != nullptr) lines->push_back(line);
  }
  return out;
}

std::vector<std::string> Texts(const std::vector<CsvField>& fields) {
  std::vector<std::string> out;
  for (const auto& f : fields) out.push_back(f.text);
  return out;
}

using S = std::vector<std::string>;

TEST(CsvTest, Rfc4180) {
  std::vector<uint64_t> lines;
  auto rows = ReadAll(
      "a,b,c\r\n"
      "1,\"x, y\",\"say \"\"hi\"\"\"\r\n"
      "2,\"two\nlines\",\r\n"
      "\n"
      "3,,\"\"\n"
      "\"last\",no newline,end",
      nullptr, &lines);
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_EQ(Texts(rows[0]), (S{"a", "b", "c"}));
  EXPECT_EQ(Texts(rows[1]), (S{"1", "x, y", "say \"hi\""}));
  EXPECT_EQ(Texts(rows[2]), (S{"2", "two\nlines", ""}));
  EXPECT_EQ(Texts(rows[3]), (S{"3", "", ""}));
  EXPECT_FALSE(rows[3][1].quoted);
  EXPECT_TRUE(rows[3][2].quoted);
  EXPECT_EQ(Texts(rows[4]), (S{"last", "no newline", "end"}));
  EXPECT_EQ(lines, (std::vector<uint64_t>{1, 2, 3, 6, 7}));
}

TEST(CsvTest, MalformedRecordsAreSkipped) {
  std::vector<std::string> errors;
  auto rows = ReadAll("a,b\nx\"y,1\n\"q\"z,2\nok,3\n\"never closed,4\n", &errors);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(Texts(rows[1]), (S{"ok", "3"}));
  ASSERT_EQ(errors.size(), 3u);
  EXPECT_EQ(errors[0].substr(0, 8), "line 2: ");
  EXPECT_EQ(errors[1].substr(0, 8), "line 3: ");
  EXPECT_EQ(errors[2].substr(0, 8), "line 5: ");
}

TEST(CsvTest, ByteOrderMark) {
  auto rows = ReadAll("\xEF\xBB\xBFid,name\n1,x\n");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0][0].text, "id");
  rows = ReadAll("\xEF\xBC\x81,b\n");  // a field that starts with the BOM's first byte
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0][0].text, "\xEF\xBC\x81");
}

TEST(CsvTest, CellsReadBackAsTheSameValue) {
  Value values[] = {
      Value(int64_t{42}),   Value(-7),      Value(2.5),
      Value(1.0),           Value(true),    Value(),
      Value("007"),         Value("true"),  Value(""),
      Value("a,b\"c\nd"),   Value(" pad "), Value::MakeObject({{"x", Value::MakeArray({1, "y"})}}),
      Value::Date(86400000)};
  for (const Value& v : values) {
    std::string cell = CsvCell(v);
    auto rows = ReadAll("h\n" + cell + "\n");
    ASSERT_EQ(rows.size(), 2u) << cell;
    bool present = false;
    Value back = CsvValue(rows[1][0], &present);
    EXPECT_TRUE(present) << cell;
    EXPECT_EQ(back, v) << cell << " read back as " << codec::ToJson(back);
  }
}

class ImportExportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = FreshTestDir("strata_import_test");
    auto backend = OpenDirectBackend(dir_.string());
    ASSERT_TRUE(backend.ok()) << backend.status().ToString();
    backend_ = std::move(*backend);
  }
  void TearDown() override {
    backend_.reset();
    std::filesystem::remove_all(dir_);
  }

  ImportReport Import(const std::string& coll, const std::string& format, const std::string& text,
                      size_t batch = 1000) {
    std::istringstream in(text);
    ImportOptions options;
    options.collection = coll;
    options.format = format;
    options.batch_size = batch;
    auto r = ImportDocuments(backend_.get(), in, options);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : ImportReport{};
  }

  std::string Export(const std::string& coll, const std::string& format, size_t batch = 1000) {
    std::ostringstream out;
    ExportOptions options;
    options.collection = coll;
    options.format = format;
    options.batch_size = batch;
    auto n = ExportDocuments(backend_.get(), out, options);
    EXPECT_TRUE(n.ok()) << n.status().ToString();
    return out.str();
  }

  std::filesystem::path dir_;
  std::unique_ptr<ShellBackend> backend_;
};

TEST_F(ImportExportTest, JsonLinesRoundTrip) {
  std::string text;
  for (int i = 0; i < 2500; ++i) {
    text += "{\"_id\":" + std::to_string(i) + ",\"name\":\"n" + std::to_string(i) +
            "\",\"tags\":[1,2.5,\"x\"],\"sub\":{\"ok\":true,\"none\":null}}\n";
  }
  ImportReport r = Import("docs", "jsonl", text, 1000);
  EXPECT_EQ(r.imported, 2500u);
  EXPECT_EQ(r.rejected, 0u);
  EXPECT_EQ(*backend_->Count("docs", Value()), 2500u);
  EXPECT_EQ(Export("docs", "jsonl", 300), text);  // paged, in _id order
}

TEST_F(ImportExportTest, RejectedLinesAreReportedAndSkipped) {
  ImportReport r = Import("docs", "jsonl",
                          "{\"_id\": 1}\n"
                          "{\"_id\": 2,\n"  // line 2: bad JSON
                          "\n"              // blank: skipped, not rejected
                          "[1, 2]\n"        // line 4: not an object
                          "{\"_id\": 1}\n"  // line 5: duplicate _id, refused by the database
                          "{\"_id\": 6}\r\n",
                          2);
  EXPECT_EQ(r.imported, 2u);
  EXPECT_EQ(r.rejected, 3u);
  ASSERT_EQ(r.rejections.size(), 3u);
  EXPECT_EQ(r.rejections[0].substr(0, 18), "line 2: bad JSON: ") << r.rejections[0];
  EXPECT_EQ(r.rejections[1], "line 4: not a JSON object but array");
  EXPECT_EQ(r.rejections[2].substr(0, 8), "line 5: ") << r.rejections[2];
  EXPECT_EQ(*backend_->Count("docs", Value()), 2u);
}

TEST_F(ImportExportTest, CsvTypesAndRejections) {
  ImportReport r = Import("people", "csv",
                          "_id,name,age,score,member,address.city,note\n"
                          "1,ann,31,9.5,true,Oslo,\"likes, commas\"\n"
                          "2,bob,x25,,false,,\"multi\nline\"\n"
                          "3,cy,40\n"              // line 5: too few fields
                          "4,\"d\"x,1,1,true,,\n"  // line 6: text after a quote
                          "5,\"007\",1,1,null,,\n");
  EXPECT_EQ(r.imported, 3u);
  ASSERT_EQ(r.rejected, 2u);
  EXPECT_EQ(r.rejections[0], "line 5: bad CSV: 3 fields, the header has 7");
  EXPECT_EQ(r.rejections[1].substr(0, 17), "line 6: bad CSV: ") << r.rejections[1];
  auto page = backend_->Find("people", FindSpec{});
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->docs.size(), 3u);
  EXPECT_EQ(codec::ToJson(page->docs[0]),
            R"({"_id":1,"name":"ann","age":31,"score":9.5,"member":true,)"
            R"("address":{"city":"Oslo"},"note":"likes, commas"})");
  EXPECT_EQ(codec::ToJson(page->docs[1]),
            R"({"_id":2,"name":"bob","age":"x25","member":false,"note":"multi\nline"})");
  EXPECT_EQ(codec::ToJson(page->docs[2]),
            R"({"_id":5,"name":"007","age":1,"score":1,"member":null})");
}

TEST_F(ImportExportTest, CsvRoundTrip) {
  std::string jsonl =
      "{\"_id\":1,\"s\":\"plain\",\"n\":3,\"d\":0.5,\"b\":false,\"o\":{\"x\":[1,\"a,b\"]}}\n"
      "{\"_id\":2,\"s\":\"12\",\"q\":\"he said \\\"hi\\\"\\nbye\",\"e\":\"\",\"z\":null}\n"
      "{\"_id\":3,\"d\":2.0,\"when\":{\"$date\":\"2024-05-06T07:08:09.010Z\"}}\n";
  Import("src", "jsonl", jsonl);
  std::string csv = Export("src", "csv");
  EXPECT_EQ(csv.substr(0, csv.find('\n')), "_id,s,n,d,b,o,q,e,z,when");
  ImportReport r = Import("dst", "csv", csv);
  EXPECT_EQ(r.imported, 3u);
  EXPECT_EQ(r.rejected, 0u) << (r.rejections.empty() ? "" : r.rejections[0]);
  EXPECT_EQ(Export("dst", "jsonl"), jsonl);
  EXPECT_EQ(Export("dst", "csv"), csv);
}

TEST_F(ImportExportTest, BadCsvHeaderStopsTheImport) {
  std::istringstream in("a,,b\n1,2,3\n");
  ImportOptions csv;
  csv.collection = "x";
  csv.format = "csv";
  auto r = ImportDocuments(backend_.get(), in, csv);
  EXPECT_FALSE(r.ok());
  std::istringstream dup("a,a\n1,2\n");
  r = ImportDocuments(backend_.get(), dup, csv);
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("'a' appears twice"), std::string::npos);
}

TEST_F(ImportExportTest, ExportOfNothing) {
  EXPECT_EQ(Export("missing", "csv"), "");
  EXPECT_EQ(Export("missing", "jsonl"), "");
}

}  // namespace
}  // namespace strata::tools
