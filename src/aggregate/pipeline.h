// Aggregation pipelines: $match $project $addFields $group $sort $limit $skip $count $unwind
// $lookup, with accumulators $sum $avg $min $max $first $last $push $addToSet $count and
// expressions (expression.h). Stages pull documents from the stage before them, so $match,
// $project, $addFields, $unwind, $skip, $limit and $lookup stream; $group and $sort hold data and
// fail with ResourceExhausted past options.memory_limit_bytes.
// Thread safety: a parsed Pipeline is immutable; each Execute call has its own state.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "query/filter.h"
#include "strata/status.h"
#include "strata/value.h"

namespace strata::aggregate {

// A stream of documents. Next returns true with *doc filled, false at the end, or an error.
class DocumentSource {
 public:
  virtual ~DocumentSource() = default;
  virtual Result<bool> Next(Value* doc) = 0;
};

// Resolves $lookup: the documents of collection `from` whose `foreign_field` equals (MongoDB
// equality with array semantics) any of `values`. Given by the db layer.
using LookupResolver = std::function<Result<std::vector<Value>>(
    std::string_view from, std::string_view foreign_field, const std::vector<Value>& values)>;

struct PipelineOptions {
  size_t memory_limit_bytes = 100 << 20;  // for $group and $sort
  int64_t now_millis = 0;                 // $$NOW
  LookupResolver lookup;                  // required when the pipeline has $lookup
};

class Stage;

class Pipeline {
 public:
  Pipeline();
  ~Pipeline();
  Pipeline(Pipeline&&) noexcept;
  Pipeline& operator=(Pipeline&&) noexcept;

  // `stages` is an array of one-key stage documents. InvalidArgument names the stage index
  // (0-based) and operator: "stage 2 ($group): unknown accumulator $foo for field 'n'". $set is
  // $addFields; a $sort directly followed by $limit keeps only the top N documents.
  static Result<Pipeline> Parse(const Value& stages);

  // The leading $match stages merged, so the caller can use an index for them; the pipeline
  // still applies them (a cheap re-check).
  const query::Filter* leading_match() const;

  // Wraps `input` in the pipeline's stages. The returned source keeps what it needs (a copy of
  // the options, the parsed stages), so it may outlive this Pipeline. Errors while running
  // name the stage: "stage 1 ($project): $divide: division by zero".
  Result<std::unique_ptr<DocumentSource>> Execute(std::unique_ptr<DocumentSource> input,
                                                  const PipelineOptions& options) const;

 private:
  std::vector<std::shared_ptr<const Stage>> stages_;
  std::vector<std::string> names_;  // each stage's operator, for error messages
  std::unique_ptr<query::Filter> leading_match_;
};

// Runs a pipeline over a vector (tests, small inputs).
Result<std::vector<Value>> RunPipeline(const Pipeline& pipeline, std::vector<Value> input,
                                       const PipelineOptions& options = {});

}  // namespace strata::aggregate
