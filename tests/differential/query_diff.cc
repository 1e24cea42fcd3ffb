// The Strata side of the differential test (run.mjs): reads a JSON file of cases
//   {"docs": [...], "filters": [...], "updates": [{"update": {...}, "doc": <index>}, ...]}
// and prints one JSON object: for each filter the indexes of the matching documents (or
// {"error": message}), and for each update the updated document (or {"error": message}).
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "codec/json.h"
#include "query/filter.h"
#include "query/update.h"
#include "strata/value.h"

namespace {

using strata::Array;
using strata::Object;
using strata::Value;

Value Error(const strata::Status& s) { return Value(Object{{"error", Value(s.message())}}); }

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: query_diff <cases.json>\n";
    return 2;
  }
  std::ifstream in(argv[1], std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  strata::codec::JsonParseOptions options;
  options.extended = false;
  strata::Result<Value> cases = strata::codec::ParseJson(text.str(), options);
  if (!cases.ok()) {
    std::cerr << "query_diff: " << argv[1] << ": " << cases.status().ToString() << "\n";
    return 2;
  }
  const Value* docs = cases->Find("docs");
  const Value* filters = cases->Find("filters");
  const Value* updates = cases->Find("updates");
  if (docs == nullptr || filters == nullptr || updates == nullptr || !docs->is_array() ||
      !filters->is_array() || !updates->is_array()) {
    std::cerr << "query_diff: docs, filters and updates must be arrays\n";
    return 2;
  }
  const int64_t now = 1700000000000;

  Array filter_results;
  for (const Value& spec : filters->as_array()) {
    strata::Result<strata::query::Filter> f = strata::query::Filter::Parse(spec);
    if (!f.ok()) {
      filter_results.push_back(Error(f.status()));
      continue;
    }
    Array matches;
    for (size_t i = 0; i < docs->as_array().size(); ++i) {
      if (f->Matches(docs->as_array()[i])) matches.push_back(Value(static_cast<int64_t>(i)));
    }
    filter_results.push_back(Value(std::move(matches)));
  }

  Array update_results;
  for (const Value& c : updates->as_array()) {
    const Value* spec = c.Find("update");
    const Value* index = c.Find("doc");
    if (spec == nullptr || index == nullptr || !index->is_int() || index->as_int() < 0 ||
        static_cast<size_t>(index->as_int()) >= docs->as_array().size()) {
      std::cerr << "query_diff: bad update case\n";
      return 2;
    }
    strata::Result<strata::query::Update> u = strata::query::Update::Parse(*spec);
    if (!u.ok()) {
      update_results.push_back(Error(u.status()));
      continue;
    }
    Value doc = docs->as_array()[static_cast<size_t>(index->as_int())];
    strata::Status s = u->Apply(&doc, now);
    update_results.push_back(s.ok() ? std::move(doc) : Error(s));
  }

  Value out(Object{{"filters", Value(std::move(filter_results))},
                   {"updates", Value(std::move(update_results))}});
  std::string json = strata::codec::ToJson(out);
  std::fwrite(json.data(), 1, json.size(), stdout);
  std::fputc('\n', stdout);
  return 0;
}
