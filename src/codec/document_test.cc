#include "codec/document.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <functional>
#include <limits>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "codec/document_format.h"
#include "codec/json.h"
#include "codec/random_value_testutil.h"

namespace strata::codec {
namespace {

using testutil::RandomValueOptions;
using testutil::RandomValues;

std::string Encode(const Value& v) {
  std::string out;
  Status s = EncodeDocument(v, &out);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return out;
}

Value Decode(const std::string& bytes) {
  Value v;
  Status s = DecodeDocument(bytes, &v);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return v;
}

std::string Hex(std::string_view s) {
  static const char kHex[] = "0123456789abcdef";
  std::string h;
  for (unsigned char c : s) {
    if (!h.empty()) h.push_back(' ');
    h.push_back(kHex[c >> 4]);
    h.push_back(kHex[c & 15]);
  }
  return h;
}

std::string Unhex(std::string_view h) {
  std::string s;
  int hi = -1;
  for (char c : h) {
    int v = c >= '0' && c <= '9' ? c - '0' : (c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1);
    if (v < 0) continue;
    if (hi < 0) {
      hi = v;
    } else {
      s.push_back(static_cast<char>(hi * 16 + v));
      hi = -1;
    }
  }
  return s;
}

Value Wide(int n) {
  Value v{Object()};
  for (int i = n - 1; i >= 0; i--) v.Set("f" + std::to_string(i), Value(i));
  return v;
}

Value Sample() {
  Array wide_array;
  for (int i = 0; i < 40; i++) wide_array.push_back(Value(std::string(i % 5, 'x')));
  return Value::MakeObject({
      {"null", Value()},
      {"t", Value(true)},
      {"f", Value(false)},
      {"int", Value(int64_t{-123456789012})},
      {"min", Value(std::numeric_limits<int64_t>::min())},
      {"double", Value(1.5)},
      {"negzero", Value(-0.0)},
      {"str", Value("h\xC3\xA9llo")},
      {"empty", Value("")},
      {"bin", Value::Binary(std::string("\x00\xff\x01", 3))},
      {"date", Value::Date(1714567890123)},
      {"obj", Value::MakeObject({{"a", Value(1)}, {"b", Value::MakeArray({Value(2), Value()})}})},
      {"arr", Value::MakeArray({Value(1), Value(2.5), Value("x"), Value(Object())})},
      {"wide", Wide(30)},
      {"wide_array", Value(wide_array)},
      {"", Value("empty name")},
      {"with.dot", Value(7)},
  });
}

TEST(DocumentTest, RoundTripsEveryType) {
  Value doc = Sample();
  std::string bytes = Encode(doc);
  EXPECT_EQ(static_cast<uint8_t>(bytes[0]), kDocumentFormatVersion);
  Value back = Decode(bytes);
  EXPECT_EQ(back, doc);
  EXPECT_TRUE(std::signbit(back.Find("negzero")->as_double()));
  EXPECT_TRUE(back.Find("int")->is_int());
  EXPECT_TRUE(back.Find("double")->is_double());
}

TEST(DocumentTest, EmptyDocumentAndAppend) {
  std::string out = "prefix";
  ASSERT_TRUE(EncodeDocument(Value(Object()), &out).ok());
  EXPECT_EQ(Hex(out.substr(6)), "01 01 00 00 00 00");
  Value v;
  ASSERT_TRUE(DecodeDocument(Slice(out).view().substr(6), &v).ok());
  EXPECT_EQ(v, Value(Object()));
}

TEST(DocumentTest, NanAndInfinityKeepTheirBits) {
  Value doc = Value::MakeObject(
      {{"nan", Value(std::nan(""))}, {"inf", Value(-std::numeric_limits<double>::infinity())}});
  Value back = Decode(Encode(doc));
  EXPECT_TRUE(std::isnan(back.Find("nan")->as_double()));
  EXPECT_EQ(back.Find("inf")->as_double(), -std::numeric_limits<double>::infinity());
}

TEST(DocumentTest, EncodeRefusals) {
  std::string out = "keep";
  Status s = EncodeDocument(Value(1), &out);
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_NE(s.message().find("must be an object"), std::string::npos) << s.message();

  Value doc = Value::MakeObject(
      {{"a", Value::MakeObject({{"b", Value::MakeArray({Value(1), Value::MinKey()})}})}});
  s = EncodeDocument(doc, &out);
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_NE(s.message().find("'a.b.1'"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("minKey"), std::string::npos) << s.message();
  s = EncodeDocument(Value::MakeObject({{"k", Value::MaxKey()}}), &out);
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_EQ(out, "keep");  // nothing left behind on failure
}

Value Nested(int depth) {  // `depth` containers, the document itself included
  Value v{Object()};
  for (int level = depth - 1; level >= 1; level--) {
    if (level > 1 && level % 3 == 0) {
      v = Value(Array{std::move(v)});
    } else {
      Value outer{Object()};
      outer.Set("o", std::move(v));
      v = std::move(outer);
    }
  }
  return v;
}

TEST(DocumentTest, NestingLimit) {
  std::string bytes;
  ASSERT_TRUE(EncodeDocument(Nested(kMaxNestingDepth), &bytes).ok());
  EXPECT_EQ(Decode(bytes), Nested(kMaxNestingDepth));
  std::string out;
  Status s = EncodeDocument(Nested(kMaxNestingDepth + 1), &out);
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_NE(s.message().find("nesting deeper than 100"), std::string::npos) << s.message();
  EXPECT_TRUE(out.empty());

  // A hand-made document one level too deep: 101 nested empty arrays.
  std::string deep(1, '\x01');
  std::vector<size_t> lens;
  for (int i = 0; i < kMaxNestingDepth + 1; i++) {
    if (i == 1)
      deep.append(
          "\x01"
          "a"
          "\x04");                      // the document's field "a": an array
    if (i > 1) deep.push_back('\x04');  // an array element that is an array
    lens.push_back(deep.size());
    deep.append(4, '\0');
    deep.push_back(i < kMaxNestingDepth ? '\x01' : '\x00');  // count
  }
  for (size_t i = 0; i < lens.size(); i++) {
    uint32_t len = static_cast<uint32_t>(deep.size() - lens[i] - 4);
    EncodeFixed32(&deep[lens[i]], len);
  }
  Status d = DocView::Open(deep).status();
  EXPECT_TRUE(d.IsCorruption());
  EXPECT_NE(d.message().find("nesting deeper"), std::string::npos) << d.message();
}

TEST(DocumentTest, GetByPath) {
  std::string bytes = Encode(Sample());
  auto view = DocView::Open(bytes);
  ASSERT_TRUE(view.ok()) << view.status().ToString();
  EXPECT_EQ(view->Get("int"), Value(int64_t{-123456789012}));
  EXPECT_EQ(view->Get("obj.b.0"), Value(2));
  EXPECT_EQ(view->Get("obj.b"), Value::MakeArray({Value(2), Value()}));
  EXPECT_EQ(view->Get("arr.3"), Value(Object()));
  EXPECT_EQ(view->Get("wide.f17"), Value(17));
  EXPECT_EQ(view->Get("wide.f0"), Value(0));
  EXPECT_EQ(view->Get("wide_array.37"), Value("xx"));
  EXPECT_EQ(view->Get(""), Value("empty name"));
  EXPECT_FALSE(view->Get("with.dot").has_value());  // a dot is always a step
  EXPECT_FALSE(view->Get("wide.f30").has_value());
  EXPECT_FALSE(view->Get("wide.f").has_value());
  EXPECT_FALSE(view->Get("wide_array.40").has_value());
  EXPECT_FALSE(view->Get("arr.x").has_value());
  EXPECT_FALSE(view->Get("int.0").has_value());
  EXPECT_FALSE(view->Get("missing").has_value());
  EXPECT_EQ(view->Get("date"), Value::Date(1714567890123));

  ValueType type;
  Slice raw = view->GetRaw("obj.a", &type);
  EXPECT_EQ(type, ValueType::kInt);
  EXPECT_EQ(Hex(raw.view()), "12 02");  // type 18, zigzag(1) = 2
  raw = view->GetRaw("null", &type);
  EXPECT_EQ(type, ValueType::kNull);
  EXPECT_EQ(raw.size(), 1u);
  raw = view->GetRaw("nope", &type);
  EXPECT_TRUE(raw.empty());
  EXPECT_EQ(type, ValueType::kMinKey);

  auto sub = view->GetView("obj");
  ASSERT_TRUE(sub.has_value());
  EXPECT_EQ(sub->type(), ValueType::kObject);
  EXPECT_EQ(sub->Get("b.1"), Value());
  auto arr = view->GetView("wide_array");
  ASSERT_TRUE(arr.has_value());
  EXPECT_EQ(arr->type(), ValueType::kArray);
  EXPECT_EQ(arr->Get("4"), Value("xxxx"));
  EXPECT_FALSE(view->GetView("int").has_value());
}

TEST(DocumentTest, DuplicateNamesFindTheFirst) {
  for (int n : {3, 20}) {  // with and without an offset table
    Value doc = Wide(n);
    doc.as_object().emplace_back("f1", Value("second"));
    doc.as_object().insert(doc.as_object().begin(), Field("f2", Value("first")));
    std::string bytes = Encode(doc);
    EXPECT_EQ(Decode(bytes), doc);
    auto view = DocView::Open(bytes);
    ASSERT_TRUE(view.ok());
    EXPECT_EQ(view->Get("f1"), Value(1)) << n;
    EXPECT_EQ(view->Get("f2"), Value("first")) << n;
    EXPECT_EQ(*view->Get("f1"), *doc.FindPath("f1"));
  }
}

TEST(DocumentTest, ForEachField) {
  Value doc = Sample();
  std::string bytes = Encode(doc);
  auto view = DocView::Open(bytes);
  ASSERT_TRUE(view.ok());
  std::vector<std::string> names;
  view->ForEachField([&](std::string_view name, const Value& v) {
    names.emplace_back(name);
    EXPECT_EQ(v, *doc.Find(name));
  });
  ASSERT_EQ(names.size(), doc.as_object().size());
  for (size_t i = 0; i < names.size(); i++) EXPECT_EQ(names[i], doc.as_object()[i].first);

  int seen = 0;
  view->ForEachField([&](std::string_view, const Value&) { return ++seen < 3; });
  EXPECT_EQ(seen, 3);

  auto arr = view->GetView("arr");
  std::string joined;
  arr->ForEachField(
      [&](std::string_view name, const Value&) { joined += std::string(name) + ","; });
  EXPECT_EQ(joined, "0,1,2,3,");
}

// Every path of a random document agrees with Value::FindPath.
TEST(DocumentTest, RandomDocumentsAgreeWithFindPath) {
  RandomValues gen(42, RandomValueOptions{.utf8_strings = false, .nan = false});
  for (int iter = 0; iter < 300; iter++) {
    Value doc = gen.Object();
    std::string bytes = Encode(doc);
    ASSERT_EQ(Decode(bytes), doc);
    auto view = DocView::Open(bytes);
    ASSERT_TRUE(view.ok()) << view.status().ToString();
    // Paths: every real path plus some made-up ones.
    std::vector<std::string> paths;
    std::function<void(const Value&, const std::string&)> collect = [&](const Value& v,
                                                                        const std::string& p) {
      if (!p.empty() || &v != &doc) paths.push_back(p);
      std::string prefix = &v == &doc ? "" : p + ".";
      if (v.is_object()) {
        for (const auto& [n, c] : v.as_object()) collect(c, prefix + n);
      } else if (v.is_array()) {
        for (size_t i = 0; i < v.as_array().size(); i++) {
          collect(v.as_array()[i], prefix + std::to_string(i));
        }
      }
    };
    collect(doc, "");
    size_t real = paths.size();
    for (size_t i = 0; i < real; i++) {
      paths.push_back(paths[i] + ".0");
      paths.push_back(paths[i] + ".zz");
      paths.push_back(paths[i] + "x");
    }
    for (const std::string& p : paths) {
      const Value* want = doc.FindPath(p);
      std::optional<Value> got = view->Get(p);
      ASSERT_EQ(want != nullptr, got.has_value()) << p;
      if (want != nullptr) {
        ASSERT_EQ(*want, *got) << p;
        ValueType type;
        Slice raw = view->GetRaw(p, &type);
        ASSERT_EQ(type, want->type());
        ASSERT_FALSE(raw.empty());
      }
    }
  }
}

// An id written ahead of the fields gives the same bytes as a document that holds it first, for
// small objects and for ones with an offset table (the id counts as one of the entries).
TEST(DocumentTest, IdWrittenAheadMatchesAnIdFirstDocument) {
  RandomValues gen(7, RandomValueOptions{.utf8_strings = false, .nan = false});
  for (int iter = 0; iter < 200; iter++) {
    Value doc = gen.Object();
    Object& fields = doc.as_object();
    std::erase_if(fields, [](const Field& f) { return f.first == "_id"; });
    // Widths around the offset table's threshold: 15 fields plus the id make 16.
    const size_t want = iter % 4 == 0   ? document_internal::kIndexedMinEntries - 1
                        : iter % 4 == 1 ? 30
                                        : 0;
    while (fields.size() < want) fields.emplace_back("f" + std::to_string(fields.size()), iter);
    Value id = iter % 2 == 0 ? Value(int64_t{iter}) : gen.Scalar();
    std::string ahead;
    ASSERT_TRUE(EncodeDocumentWithId(doc, &id, &ahead).ok());
    Value first = doc;
    first.as_object().insert(first.as_object().begin(), Field("_id", id));
    ASSERT_EQ(Hex(ahead), Hex(Encode(first))) << iter;
    Value back = Decode(ahead);
    ASSERT_EQ(back, first);
    auto view = DocView::Open(ahead);
    ASSERT_TRUE(view.ok());
    ASSERT_EQ(view->Get("_id"), id);
  }
  std::string out = "keep";
  Value id(1);
  EXPECT_TRUE(EncodeDocumentWithId(Value(2), &id, &out).IsInvalidArgument());
  EXPECT_EQ(out, "keep");
}

// Mutated documents: never a crash or an out-of-bounds read (run under ASan too); whatever still
// validates is canonical (re-encodes to the same bytes) and answers lookups.
TEST(DocumentTest, RandomMutationsAreCaughtOrHarmless) {
  RandomValues gen(7, RandomValueOptions{.utf8_strings = false});
  Random& rng = gen.rng();
  int rejected = 0, accepted = 0;
  for (int iter = 0; iter < 4000; iter++) {
    Value doc = gen.Object();
    std::string good = Encode(doc);
    std::string bad = good;
    switch (rng.Uniform(5)) {
      case 0:  // flip a few bytes
      case 1:
        for (uint64_t k = 1 + rng.Uniform(3); k > 0; k--) {
          bad[rng.Uniform(bad.size())] ^= static_cast<char>(1 + rng.Uniform(255));
        }
        break;
      case 2:  // truncate
        bad.resize(rng.Uniform(bad.size()));
        break;
      case 3:  // append or insert bytes
        bad.insert(rng.Uniform(bad.size() + 1), std::string(1 + rng.Uniform(4), '\x7f'));
        break;
      default:  // a huge length somewhere
        if (bad.size() > 5) {
          size_t at = rng.Uniform(bad.size() - 4);
          EncodeFixed32(&bad[at], 0xFFFFFFF0u - static_cast<uint32_t>(rng.Uniform(16)));
        }
    }
    // Copy into an exactly sized buffer so ASan sees any read past the end.
    std::unique_ptr<char[]> buf(new char[bad.size() + 1]);
    memcpy(buf.get(), bad.data(), bad.size());
    Slice input(buf.get(), bad.size());
    auto view = DocView::Open(input);
    Value decoded;
    Status ds = DecodeDocument(input, &decoded);
    ASSERT_EQ(view.ok(), ds.ok());
    if (!view.ok()) {
      rejected++;
      ASSERT_TRUE(view.status().IsCorruption());
      ASSERT_NE(view.status().message().find("at offset"), std::string::npos)
          << view.status().message();
      continue;
    }
    accepted++;
    std::string again;
    ASSERT_TRUE(EncodeDocument(decoded, &again).ok());
    ASSERT_EQ(Hex(again), Hex(bad)) << "a valid document must be canonical";
    size_t i = 0;
    view->ForEachField([&](std::string_view name, const Value& v) {
      EXPECT_EQ(name, decoded.as_object()[i].first);
      EXPECT_EQ(ToJson(v), ToJson(decoded.as_object()[i].second));
      i++;
    });
    ASSERT_EQ(i, decoded.as_object().size());
    for (const auto& [name, v] : decoded.as_object()) {
      if (name.find('.') != std::string::npos) continue;
      std::optional<Value> got = view->Get(name);
      ASSERT_TRUE(got.has_value());
      ASSERT_EQ(ToJson(*got), ToJson(*decoded.Find(name)));
    }
  }
  EXPECT_GT(rejected, 3000);
  EXPECT_GT(accepted, 10);  // flips inside strings and numbers stay valid
}

TEST(DocumentTest, CorruptionMessagesNameTheOffset) {
  std::string good = Encode(Value::MakeObject({{"a", Value(true)}, {"s", Value("xyz")}}));
  // 01 | len(4) | count 02 | 01 'a' 08 01 | 01 's' 02 03 'xyz'
  auto open = [](std::string b) { return DocView::Open(b).status(); };
  auto expect = [&](std::string b, const char* what) {
    Status s = open(std::move(b));
    EXPECT_TRUE(s.IsCorruption()) << what;
    EXPECT_NE(s.message().find(what), std::string::npos) << s.message();
  };
  expect("", "empty input at offset 0");
  std::string b = good;
  b[0] = 2;
  expect(b, "unsupported format version 2 (expected 1) at offset 0");
  expect(good + "x", "1 trailing bytes after the document at offset 17");
  b = good;
  b[9] = 2;
  expect(b, "boolean byte is neither 0 nor 1 at offset 9");
  b = good;
  b[8] = 0;
  expect(b, "unknown type byte 0x00 at offset 8");
  b = good;
  b[8] = 127;
  expect(b, "unknown type byte 0x7f at offset 8");
  b = good;
  b[13] = 100;
  expect(b, "string or binary length 100 runs past the end at offset 14");
  b = good;
  EncodeFixed32(&b[1], 1000);
  expect(b, "length 1000 runs past the end (12 bytes left) at offset 1");
  b = good.substr(0, 3);
  expect(b, "truncated object or array length at offset 1");
  // Non-canonical varint: count 02 written as 82 00.
  b = good;
  b.replace(5, 1, "\x82\x00", 2);
  EncodeFixed32(&b[1], 13);
  expect(b, "entry count is not minimally encoded at offset 5");
}

TEST(DocumentTest, OffsetTableDamageIsCaught) {
  std::string good = Encode(Wide(20));
  // 01 | len(4) | count 14 | table 20 x 4 bytes at offset 6
  std::string b = good;
  std::swap(b[6], b[10]);  // two table entries swapped: order broken
  EXPECT_TRUE(DocView::Open(b).status().IsCorruption());
  b = good;
  b[6] ^= 1;  // an entry pointing into the middle of a field
  Status s = DocView::Open(b).status();
  EXPECT_TRUE(s.IsCorruption());
  EXPECT_NE(s.message().find("offset table"), std::string::npos) << s.message();

  Array items;
  items.reserve(20);
  for (int i = 0; i < 20; i++) items.emplace_back(i);
  Value doc{Object()};
  doc.Set("a", Value(std::move(items)));
  good = Encode(doc);
  b = good;
  b[14] ^= 1;  // the array's table (after 01 len 01 | 01 'a' 04 len count)
  s = DocView::Open(b).status();
  EXPECT_TRUE(s.IsCorruption());
  EXPECT_NE(s.message().find("offset table entry 0"), std::string::npos) << s.message();
}

// The test vectors in docs/formats/documents.md: "json:" lines and the "hex:" lines after them.
TEST(DocumentTest, FormatDocumentVectors) {
  std::string here = __FILE__;
  std::string root = here.substr(0, here.rfind("src/codec/"));
  std::ifstream in(root + "docs/formats/documents.md");
  ASSERT_TRUE(in.good()) << "cannot read " << root << "docs/formats/documents.md";
  std::string line, json, hex;
  int checked = 0;
  auto check = [&] {
    if (json.empty()) return;
    auto v = ParseJson(json);
    ASSERT_TRUE(v.ok()) << json << ": " << v.status().ToString();
    EXPECT_EQ(Hex(Encode(*v)), hex) << json;
    EXPECT_EQ(Decode(Unhex(hex)), *v) << json;
    checked++;
    json.clear();
    hex.clear();
  };
  while (std::getline(in, line)) {
    if (line.rfind("json: ", 0) == 0) {
      check();
      json = line.substr(6);
    } else if (line.rfind("hex:  ", 0) == 0 || line.rfind("      ", 0) == 0) {
      if (json.empty()) continue;
      std::string part = line.substr(6);
      hex += hex.empty() ? part : " " + part;
    } else {
      check();
    }
  }
  check();
  EXPECT_GE(checked, 5);
}

}  // namespace
}  // namespace strata::codec
