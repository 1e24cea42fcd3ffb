#include "aggregate/accumulator.h"

#include <cstdint>
#include <unordered_set>
#include <vector>

#include "aggregate/value_ops.h"

namespace strata::aggregate {
namespace {

// $sum ignores everything that is not a number (arrays too, unlike the expression form).
class SumAcc final : public Accumulator {
 public:
  void Process(const Value& v) override {
    if (v.is_number()) sum_.Add(v);
  }
  Value Finish() const override { return sum_.Total(); }

 private:
  NumberSum sum_;
};

class AvgAcc final : public Accumulator {
 public:
  void Process(const Value& v) override {
    if (!v.is_number()) return;
    sum_.Add(v);
    ++count_;
  }
  Value Finish() const override {
    if (count_ == 0) return Value();
    return Value(sum_.TotalDouble() / static_cast<double>(count_));
  }

 private:
  NumberSum sum_;
  int64_t count_ = 0;
};

// $min (sign -1) and $max (+1): null and missing are skipped; all skipped gives null.
class MinMaxAcc final : public Accumulator {
 public:
  explicit MinMaxAcc(int sign) : sign_(sign) {}
  void Process(const Value& v) override {
    if (IsNullish(v)) return;
    if (!has_ || CompareValues(v, best_) * sign_ > 0) {
      best_ = v;
      has_ = true;
      size_ = ApproximateBytes(best_);
    }
  }
  Value Finish() const override { return has_ ? best_ : Value(); }
  size_t memory() const override { return size_; }

 private:
  int sign_;
  bool has_ = false;
  Value best_;
  size_t size_ = 0;
};

// $first / $last: the operand of the group's first or last document; missing gives null.
class FirstLastAcc final : public Accumulator {
 public:
  explicit FirstLastAcc(bool first) : first_(first) {}
  void Process(const Value& v) override {
    if (first_ && seen_) return;
    seen_ = true;
    value_ = IsMissing(v) ? Value() : v;
    size_ = ApproximateBytes(value_);
  }
  Value Finish() const override { return value_; }
  size_t memory() const override { return size_; }

 private:
  bool first_;
  bool seen_ = false;
  Value value_;
  size_t size_ = 0;
};

class PushAcc final : public Accumulator {
 public:
  void Process(const Value& v) override {
    if (IsMissing(v)) return;
    size_ += ApproximateBytes(v);
    items_.push_back(v);
  }
  Value Finish() const override { return Value(items_); }
  size_t memory() const override { return size_; }

 private:
  Array items_;
  size_t size_ = 0;
};

// $addToSet keeps the first of equal values (1 and 1.0 are equal) in first-seen order.
class AddToSetAcc final : public Accumulator {
 public:
  void Process(const Value& v) override {
    if (IsMissing(v) || seen_.count(v) != 0) return;
    size_ += 2 * ApproximateBytes(v);  // the set and the ordered copy
    seen_.insert(v);
    items_.push_back(v);
  }
  Value Finish() const override { return Value(items_); }
  size_t memory() const override { return size_; }

 private:
  std::unordered_set<Value, ValueHash, ValueEq> seen_;
  Array items_;
  size_t size_ = 0;
};

class CountAcc final : public Accumulator {
 public:
  void Process(const Value&) override { ++count_; }
  Value Finish() const override { return Value(count_); }

 private:
  int64_t count_ = 0;
};

}  // namespace

std::unique_ptr<Accumulator> MakeAccumulator(std::string_view op) {
  if (op == "$sum") return std::make_unique<SumAcc>();
  if (op == "$avg") return std::make_unique<AvgAcc>();
  if (op == "$min") return std::make_unique<MinMaxAcc>(-1);
  if (op == "$max") return std::make_unique<MinMaxAcc>(1);
  if (op == "$first") return std::make_unique<FirstLastAcc>(true);
  if (op == "$last") return std::make_unique<FirstLastAcc>(false);
  if (op == "$push") return std::make_unique<PushAcc>();
  if (op == "$addToSet") return std::make_unique<AddToSetAcc>();
  if (op == "$count") return std::make_unique<CountAcc>();
  return nullptr;
}

}  // namespace strata::aggregate
