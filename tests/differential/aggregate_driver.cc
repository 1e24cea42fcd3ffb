// The Strata side of the aggregation differential test (aggregate_cases.js): reads a JSON file
//   {"docs": [...], "collections": {"name": [...], ...}, "pipelines": [[stage, ...], ...]}
// runs every pipeline over `docs` ($lookup resolves `from` against `collections`) and prints
// {"results": [...]}: for each pipeline its output documents, or {"error": message}.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "aggregate/pipeline.h"
#include "codec/json.h"
#include "codec/path.h"
#include "strata/value.h"

namespace {

using strata::Array;
using strata::Object;
using strata::Result;
using strata::Status;
using strata::Value;

Value Error(const Status& s) { return Value(Object{{"error", Value(s.message())}}); }

// MongoDB's $lookup equality: a foreign document matches when a value its field reaches (an
// array's elements included), or null for a missing field, equals one of the local values.
bool LookupMatches(const Value& doc, std::string_view field, const std::vector<Value>& values) {
  std::vector<const Value*> reached;
  strata::codec::CollectPathValues(doc, field, &reached);
  std::vector<Value> candidates;
  for (const Value* v : reached) {
    candidates.push_back(*v);
    if (v->is_array()) {
      for (const Value& e : v->as_array()) candidates.push_back(e);
    }
  }
  if (reached.empty()) candidates.emplace_back();
  for (const Value& c : candidates) {
    for (const Value& want : values) {
      if (strata::CompareValues(c, want) == 0) return true;
    }
  }
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: aggregate_diff <cases.json>\n";
    return 2;
  }
  std::ifstream in(argv[1], std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  strata::codec::JsonParseOptions options;
  options.extended = false;
  Result<Value> cases = strata::codec::ParseJson(text.str(), options);
  if (!cases.ok()) {
    std::cerr << "aggregate_diff: " << argv[1] << ": " << cases.status().ToString() << "\n";
    return 2;
  }
  const Value* docs = cases->Find("docs");
  const Value* collections = cases->Find("collections");
  const Value* pipelines = cases->Find("pipelines");
  if (docs == nullptr || pipelines == nullptr || !docs->is_array() || !pipelines->is_array() ||
      (collections != nullptr && !collections->is_object())) {
    std::cerr << "aggregate_diff: docs and pipelines must be arrays, collections an object\n";
    return 2;
  }

  strata::aggregate::PipelineOptions run_options;
  run_options.now_millis = 1700000000000;
  run_options.lookup = [collections](
                           std::string_view from, std::string_view field,
                           const std::vector<Value>& values) -> Result<std::vector<Value>> {
    const Value* coll = collections ? collections->Find(from) : nullptr;
    std::vector<Value> out;
    if (coll == nullptr || !coll->is_array()) return out;  // MongoDB: a missing collection is empty
    for (const Value& doc : coll->as_array()) {
      if (LookupMatches(doc, field, values)) out.push_back(doc);
    }
    return out;
  };

  Array results;
  for (const Value& spec : pipelines->as_array()) {
    Result<strata::aggregate::Pipeline> p = strata::aggregate::Pipeline::Parse(spec);
    if (!p.ok()) {
      results.push_back(Error(p.status()));
      continue;
    }
    Result<std::vector<Value>> out =
        strata::aggregate::RunPipeline(*p, docs->as_array(), run_options);
    results.push_back(out.ok() ? Value(Array(std::move(out).value())) : Error(out.status()));
  }
  std::string json = strata::codec::ToJson(Value(Object{{"results", Value(std::move(results))}}));
  std::fwrite(json.data(), 1, json.size(), stdout);
  std::fputc('\n', stdout);
  return 0;
}
