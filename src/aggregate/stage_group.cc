// $group: reads its whole input, grouping by the _id expression under MongoDB equality (1 and
// 1.0 form one group, a missing key is null), then emits one document per group in the order
// the groups were first seen. It counts the bytes its keys and accumulators hold and fails
// with ResourceExhausted past the memory limit.
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "aggregate/accumulator.h"
#include "aggregate/expression.h"
#include "aggregate/stage.h"
#include "aggregate/value_ops.h"

namespace strata::aggregate {
namespace {

struct AccumulatorSpec {
  std::string field;
  std::string op;
  std::unique_ptr<Expression> expr;  // nullptr for $count
};

struct Group {
  Value key;
  std::vector<std::unique_ptr<Accumulator>> accs;
};

class GroupStage;

class GroupSource final : public DocumentSource {
 public:
  GroupSource(std::unique_ptr<DocumentSource> input, const GroupStage* stage,
              const StageContext& ctx)
      : input_(std::move(input)), stage_(stage), ctx_(ctx) {}

  Result<bool> Next(Value* doc) override;

 private:
  Status Consume();

  std::unique_ptr<DocumentSource> input_;
  const GroupStage* stage_;
  StageContext ctx_;
  bool consumed_ = false;
  std::vector<Group> groups_;
  size_t next_ = 0;
};

class GroupStage final : public Stage {
 public:
  GroupStage(std::unique_ptr<Expression> id, std::vector<AccumulatorSpec> accs)
      : id_(std::move(id)), accs_(std::move(accs)) {}

  Result<std::unique_ptr<DocumentSource>> Wrap(std::unique_ptr<DocumentSource> input,
                                               const StageContext& ctx) const override {
    return std::unique_ptr<DocumentSource>(new GroupSource(std::move(input), this, ctx));
  }

  const Expression& id() const { return *id_; }
  const std::vector<AccumulatorSpec>& accs() const { return accs_; }

 private:
  std::unique_ptr<Expression> id_;
  std::vector<AccumulatorSpec> accs_;
};

Status GroupSource::Consume() {
  std::unordered_map<Value, size_t, ValueHash, ValueEq> index;
  const size_t limit = ctx_.options->memory_limit_bytes;
  size_t used = 0;
  Value doc;
  while (true) {
    Result<bool> r = input_->Next(&doc);
    if (!r.ok()) return r.status();
    if (!*r) break;
    Variables vars{&doc, &doc, ctx_.options->now_millis};
    Result<Value> key = stage_->id().Evaluate(vars);
    if (!key.ok()) return ctx_.Wrap(key.status());
    if (IsMissing(*key)) *key = Value();
    auto [it, inserted] = index.try_emplace(*key, groups_.size());
    if (inserted) {
      Group g{std::move(key).value(), {}};
      for (const AccumulatorSpec& spec : stage_->accs()) g.accs.push_back(MakeAccumulator(spec.op));
      used += 2 * ApproximateBytes(g.key) + sizeof(Group) +
              g.accs.size() * (sizeof(Accumulator) + 2 * sizeof(void*));
      groups_.push_back(std::move(g));
    }
    Group& g = groups_[it->second];
    for (size_t i = 0; i < g.accs.size(); ++i) {
      const AccumulatorSpec& spec = stage_->accs()[i];
      Accumulator* acc = g.accs[i].get();
      size_t before = acc->memory();
      if (spec.expr == nullptr) {
        acc->Process(Value());
      } else {
        Result<Value> v = spec.expr->Evaluate(vars);
        if (!v.ok()) return ctx_.Wrap(v.status());
        acc->Process(*v);
      }
      used = used + acc->memory() - before;
    }
    if (used > limit) {
      return ctx_.Wrap(Status::ResourceExhausted("exceeded the memory limit of " +
                                                 std::to_string(limit) + " bytes (" +
                                                 std::to_string(groups_.size()) + " groups)"));
    }
  }
  return Status::OK();
}

Result<bool> GroupSource::Next(Value* doc) {
  if (!consumed_) {
    consumed_ = true;
    STRATA_RETURN_IF_ERROR(Consume());
  }
  if (next_ >= groups_.size()) {
    groups_.clear();
    return false;
  }
  Group& g = groups_[next_++];
  Object out;
  out.reserve(g.accs.size() + 1);
  out.emplace_back("_id", std::move(g.key));
  for (size_t i = 0; i < g.accs.size(); ++i) {
    out.emplace_back(stage_->accs()[i].field, g.accs[i]->Finish());
  }
  g.accs.clear();  // release what the group held as soon as it is emitted
  *doc = Value(std::move(out));
  return true;
}

}  // namespace

Result<StagePtr> ParseGroupStage(const Value& spec) {
  if (!spec.is_object()) return Status::InvalidArgument("the specification must be an object");
  std::unique_ptr<Expression> id;
  std::vector<AccumulatorSpec> accs;
  for (const auto& [field, value] : spec.as_object()) {
    if (field == "_id") {
      Result<std::unique_ptr<Expression>> e = Expression::Parse(value);
      if (!e.ok()) return e.status().WithContext("_id");
      id = std::move(e).value();
      continue;
    }
    if (field.empty() || field[0] == '$' || field.find('.') != std::string::npos) {
      return Status::InvalidArgument("invalid output field name '" + field + "'");
    }
    if (!value.is_object() || value.as_object().size() != 1) {
      return Status::InvalidArgument("field '" + field +
                                     "' must be an object with exactly one accumulator");
    }
    const auto& [op, arg] = value.as_object()[0];
    if (MakeAccumulator(op) == nullptr) {
      return Status::InvalidArgument("unknown accumulator " + op + " for field '" + field + "'");
    }
    AccumulatorSpec acc{field, op, nullptr};
    if (op == "$count") {
      if (!arg.is_object() || !arg.as_object().empty()) {
        return Status::InvalidArgument("$count for field '" + field + "' takes an empty object");
      }
    } else {
      if (arg.is_array()) {
        return Status::InvalidArgument("the " + op + " accumulator for field '" + field +
                                       "' takes one expression, not an array");
      }
      Result<std::unique_ptr<Expression>> e = Expression::Parse(arg);
      if (!e.ok()) return e.status().WithContext("field '" + field + "'");
      acc.expr = std::move(e).value();
    }
    for (const AccumulatorSpec& other : accs) {
      if (other.field == field) return Status::InvalidArgument("duplicate field '" + field + "'");
    }
    accs.push_back(std::move(acc));
  }
  if (id == nullptr) return Status::InvalidArgument("a group specification must include an _id");
  return StagePtr(new GroupStage(std::move(id), std::move(accs)));
}

}  // namespace strata::aggregate
