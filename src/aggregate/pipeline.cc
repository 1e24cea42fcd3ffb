#include "aggregate/pipeline.h"

#include <string>
#include <utility>

#include "aggregate/stage.h"

namespace strata::aggregate {

Status StageContext::Wrap(const Status& s) const {
  if (s.ok()) return s;
  return Status(s.code(), "stage " + std::to_string(index) + " (" + name + "): " + s.message());
}

Pipeline::Pipeline() = default;
Pipeline::~Pipeline() = default;
Pipeline::Pipeline(Pipeline&&) noexcept = default;
Pipeline& Pipeline::operator=(Pipeline&&) noexcept = default;

namespace {

Result<StagePtr> ParseStage(const std::string& name, const Value& spec, const Value* next) {
  if (name == "$match") return ParseMatchStage(spec);
  if (name == "$project") return ParseProjectStage(spec);
  if (name == "$addFields" || name == "$set") return ParseAddFieldsStage(spec);
  if (name == "$group") return ParseGroupStage(spec);
  if (name == "$sort") {
    int64_t limit = -1;
    if (next != nullptr && next->is_object() && next->as_object().size() == 1 &&
        next->as_object()[0].first == "$limit") {
      Result<int64_t> n = ParseCountArgument(next->as_object()[0].second, false);
      if (n.ok()) limit = *n;  // an invalid $limit fails when it is parsed itself
    }
    return ParseSortStage(spec, limit);
  }
  if (name == "$limit") return ParseLimitStage(spec);
  if (name == "$skip") return ParseSkipStage(spec);
  if (name == "$count") return ParseCountStage(spec);
  if (name == "$unwind") return ParseUnwindStage(spec);
  if (name == "$lookup") return ParseLookupStage(spec);
  return Status::InvalidArgument("unknown stage");
}

}  // namespace

Result<Pipeline> Pipeline::Parse(const Value& stages) {
  if (!stages.is_array()) return Status::InvalidArgument("a pipeline must be an array of stages");
  Pipeline p;
  Array leading;
  bool leading_done = false;
  const Array& specs = stages.as_array();
  for (size_t i = 0; i < specs.size(); ++i) {
    const Value& stage = specs[i];
    if (!stage.is_object() || stage.as_object().size() != 1) {
      return Status::InvalidArgument("stage " + std::to_string(i) +
                                     ": a stage must be an object with exactly one field");
    }
    const auto& [name, spec] = stage.as_object()[0];
    const Value* next = i + 1 < specs.size() ? &specs[i + 1] : nullptr;
    Result<StagePtr> parsed = ParseStage(name, spec, next);
    if (!parsed.ok()) {
      const Status& s = parsed.status();
      return Status(s.code(), "stage " + std::to_string(i) + " (" + name + "): " + s.message());
    }
    p.stages_.push_back(std::move(parsed).value());
    p.names_.push_back(name);
    if (name == "$match" && !leading_done) {
      leading.push_back(spec);
    } else {
      leading_done = true;
    }
  }
  if (!leading.empty()) {
    Value merged = leading.size() == 1 ? leading[0] : Value(Object{{"$and", Value(leading)}});
    Result<query::Filter> f = query::Filter::Parse(merged);
    if (!f.ok()) return f.status();
    p.leading_match_ = std::make_unique<query::Filter>(std::move(f).value());
  }
  return p;
}

const query::Filter* Pipeline::leading_match() const { return leading_match_.get(); }

Result<std::unique_ptr<DocumentSource>> Pipeline::Execute(std::unique_ptr<DocumentSource> input,
                                                          const PipelineOptions& options) const {
  auto shared_options = std::make_shared<const PipelineOptions>(options);
  std::unique_ptr<DocumentSource> source = std::move(input);
  for (size_t i = 0; i < stages_.size(); ++i) {
    StageContext ctx{shared_options, stages_[i], static_cast<int>(i), names_[i]};
    Result<std::unique_ptr<DocumentSource>> wrapped = stages_[i]->Wrap(std::move(source), ctx);
    if (!wrapped.ok()) return wrapped.status();
    source = std::move(wrapped).value();
  }
  return source;
}

namespace {

class VectorSource final : public DocumentSource {
 public:
  explicit VectorSource(std::vector<Value> docs) : docs_(std::move(docs)) {}
  Result<bool> Next(Value* doc) override {
    if (next_ >= docs_.size()) return false;
    *doc = std::move(docs_[next_++]);
    return true;
  }

 private:
  std::vector<Value> docs_;
  size_t next_ = 0;
};

}  // namespace

Result<std::vector<Value>> RunPipeline(const Pipeline& pipeline, std::vector<Value> input,
                                       const PipelineOptions& options) {
  Result<std::unique_ptr<DocumentSource>> source =
      pipeline.Execute(std::make_unique<VectorSource>(std::move(input)), options);
  if (!source.ok()) return source.status();
  std::vector<Value> out;
  Value doc;
  while (true) {
    Result<bool> r = (*source)->Next(&doc);
    if (!r.ok()) return r.status();
    if (!*r) break;
    out.push_back(std::move(doc));
  }
  return out;
}

}  // namespace strata::aggregate
