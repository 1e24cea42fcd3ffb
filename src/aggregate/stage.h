// Pipeline stages (private to the aggregate layer). A Stage is the parsed, immutable form; Wrap
// builds the per-execution DocumentSource that pulls from the stage before it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "aggregate/pipeline.h"
#include "strata/status.h"
#include "strata/value.h"

namespace strata::aggregate {

class Stage;
using StagePtr = std::shared_ptr<const Stage>;

// What a running stage needs besides its input. Sources keep a copy, so the options and the
// parsed stage outlive the Execute call and the Pipeline object that made them.
struct StageContext {
  std::shared_ptr<const PipelineOptions> options;
  StagePtr stage;    // keeps the parsed stage alive while its source runs
  int index = 0;     // position in the pipeline, 0-based
  std::string name;  // "$group"

  // "stage 2 ($group): <message>", keeping the status code.
  Status Wrap(const Status& s) const;
};

class Stage {
 public:
  virtual ~Stage() = default;
  virtual Result<std::unique_ptr<DocumentSource>> Wrap(std::unique_ptr<DocumentSource> input,
                                                       const StageContext& ctx) const = 0;
};

// Parsers; errors are InvalidArgument without the "stage N" prefix (the pipeline adds it).
Result<StagePtr> ParseMatchStage(const Value& spec);
Result<StagePtr> ParseProjectStage(const Value& spec);    // stage_match_project.cc
Result<StagePtr> ParseAddFieldsStage(const Value& spec);  // also $set
Result<StagePtr> ParseGroupStage(const Value& spec);      // stage_group.cc
// `limit` >= 0 when a $limit follows: the sort then keeps only the top `limit` documents.
Result<StagePtr> ParseSortStage(const Value& spec, int64_t limit);  // stage_sort.cc
Result<StagePtr> ParseLimitStage(const Value& spec);
Result<StagePtr> ParseSkipStage(const Value& spec);
Result<StagePtr> ParseCountStage(const Value& spec);
Result<StagePtr> ParseUnwindStage(const Value& spec);  // stage_unwind_lookup.cc
Result<StagePtr> ParseLookupStage(const Value& spec);

// A positive (or, with allow_zero, non-negative) integral number, for $limit and $skip.
Result<int64_t> ParseCountArgument(const Value& spec, bool allow_zero);

}  // namespace strata::aggregate
