// $sort (stable; with a following $limit it keeps only the top N in a bounded heap), $limit,
// $skip and $count. $sort counts the bytes of the documents it holds and fails with
// ResourceExhausted past the memory limit.
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "aggregate/stage.h"
#include "aggregate/value_ops.h"
#include "query/sort.h"

namespace strata::aggregate {

Result<int64_t> ParseCountArgument(const Value& spec, bool allow_zero) {
  int64_t n;
  if (!IntegralValue(spec, &n)) return Status::InvalidArgument("expects an integer");
  if (n < 0 || (n == 0 && !allow_zero)) {
    return Status::InvalidArgument(allow_zero ? "expects a non-negative integer"
                                              : "expects a positive integer");
  }
  return n;
}

namespace {

struct SortItem {
  std::vector<Value> keys;
  uint64_t seq;  // input order, for stability
  Value doc;
};

class SortStage;

class SortSource final : public DocumentSource {
 public:
  SortSource(std::unique_ptr<DocumentSource> input, const query::SortSpec* spec, int64_t limit,
             const StageContext& ctx)
      : input_(std::move(input)), spec_(spec), limit_(limit), ctx_(ctx) {}

  Result<bool> Next(Value* doc) override {
    if (!sorted_) {
      sorted_ = true;
      STRATA_RETURN_IF_ERROR(Consume());
    }
    if (next_ >= items_.size()) {
      items_.clear();
      return false;
    }
    *doc = std::move(items_[next_++].doc);
    return true;
  }

 private:
  // a before b.
  bool Before(const SortItem& a, const SortItem& b) const {
    const auto& keys = spec_->keys();
    for (size_t i = 0; i < keys.size(); ++i) {
      int c = CompareValues(a.keys[i], b.keys[i]);
      if (c != 0) return keys[i].second > 0 ? c < 0 : c > 0;
    }
    return a.seq < b.seq;
  }

  Status Consume() {
    const size_t limit = ctx_.options->memory_limit_bytes;
    size_t used = 0;
    auto before = [this](const SortItem& a, const SortItem& b) { return Before(a, b); };
    uint64_t seq = 0;
    Value doc;
    while (true) {
      Result<bool> r = input_->Next(&doc);
      if (!r.ok()) return r.status();
      if (!*r) break;
      SortItem item{{}, seq++, std::move(doc)};
      for (const auto& [path, dir] : spec_->keys()) {
        item.keys.push_back(query::SortKeyOf(item.doc, path, dir));
      }
      size_t size = ItemSize(item);
      if (limit_ >= 0 && items_.size() == static_cast<size_t>(limit_)) {
        // Bounded heap: items_.front() is the worst kept document.
        if (!Before(item, items_.front())) continue;
        std::pop_heap(items_.begin(), items_.end(), before);
        used -= ItemSize(items_.back());
        items_.back() = std::move(item);
        std::push_heap(items_.begin(), items_.end(), before);
      } else {
        items_.push_back(std::move(item));
        if (limit_ >= 0) std::push_heap(items_.begin(), items_.end(), before);
      }
      used += size;
      if (used > limit) {
        return ctx_.Wrap(Status::ResourceExhausted(
            "exceeded the memory limit of " + std::to_string(limit) + " bytes (" +
            std::to_string(items_.size()) + " documents held)"));
      }
    }
    if (limit_ >= 0) {
      std::sort_heap(items_.begin(), items_.end(), before);
    } else {
      std::sort(items_.begin(), items_.end(), before);  // seq breaks ties: stable
    }
    return Status::OK();
  }

  static size_t ItemSize(const SortItem& item) {
    size_t size = sizeof(SortItem) + ApproximateBytes(item.doc);
    for (const Value& k : item.keys) size += ApproximateBytes(k);
    return size;
  }

  std::unique_ptr<DocumentSource> input_;
  const query::SortSpec* spec_;
  int64_t limit_;
  StageContext ctx_;
  bool sorted_ = false;
  std::vector<SortItem> items_;
  size_t next_ = 0;
};

class SortStage final : public Stage {
 public:
  SortStage(query::SortSpec spec, int64_t limit) : spec_(std::move(spec)), limit_(limit) {}
  Result<std::unique_ptr<DocumentSource>> Wrap(std::unique_ptr<DocumentSource> input,
                                               const StageContext& ctx) const override {
    return std::unique_ptr<DocumentSource>(new SortSource(std::move(input), &spec_, limit_, ctx));
  }

 private:
  query::SortSpec spec_;
  int64_t limit_;
};

// $limit (skip == false) and $skip.
class LimitSkipSource final : public DocumentSource {
 public:
  LimitSkipSource(std::unique_ptr<DocumentSource> input, int64_t n, bool skip,
                  const StageContext& ctx)
      : input_(std::move(input)), n_(n), skip_(skip), ctx_(ctx) {}

  Result<bool> Next(Value* doc) override {
    if (skip_) {
      for (; n_ > 0; --n_) {
        Result<bool> r = input_->Next(doc);
        if (!r.ok() || !*r) return r;
      }
      return input_->Next(doc);
    }
    if (n_ <= 0) return false;
    --n_;
    return input_->Next(doc);
  }

 private:
  std::unique_ptr<DocumentSource> input_;
  int64_t n_;
  bool skip_;
  StageContext ctx_;
};

class LimitSkipStage final : public Stage {
 public:
  LimitSkipStage(int64_t n, bool skip) : n_(n), skip_(skip) {}
  Result<std::unique_ptr<DocumentSource>> Wrap(std::unique_ptr<DocumentSource> input,
                                               const StageContext& ctx) const override {
    return std::unique_ptr<DocumentSource>(new LimitSkipSource(std::move(input), n_, skip_, ctx));
  }

 private:
  int64_t n_;
  bool skip_;
};

class CountSource final : public DocumentSource {
 public:
  CountSource(std::unique_ptr<DocumentSource> input, const std::string* field,
              const StageContext& ctx)
      : input_(std::move(input)), field_(field), ctx_(ctx) {}

  Result<bool> Next(Value* doc) override {
    if (done_) return false;
    done_ = true;
    int64_t n = 0;
    while (true) {
      Result<bool> r = input_->Next(doc);
      if (!r.ok()) return r;
      if (!*r) break;
      ++n;
    }
    if (n == 0) return false;  // as MongoDB: no input, no output document
    *doc = Value(Object{{*field_, Value(n)}});
    return true;
  }

 private:
  std::unique_ptr<DocumentSource> input_;
  const std::string* field_;
  StageContext ctx_;
  bool done_ = false;
};

class CountStage final : public Stage {
 public:
  explicit CountStage(std::string field) : field_(std::move(field)) {}
  Result<std::unique_ptr<DocumentSource>> Wrap(std::unique_ptr<DocumentSource> input,
                                               const StageContext& ctx) const override {
    return std::unique_ptr<DocumentSource>(new CountSource(std::move(input), &field_, ctx));
  }

 private:
  std::string field_;
};

}  // namespace

Result<StagePtr> ParseSortStage(const Value& spec, int64_t limit) {
  if (!spec.is_object()) return Status::InvalidArgument("the specification must be an object");
  Result<query::SortSpec> s = query::SortSpec::Parse(spec);
  if (!s.ok()) return s.status();
  return StagePtr(new SortStage(std::move(s).value(), limit));
}

Result<StagePtr> ParseLimitStage(const Value& spec) {
  Result<int64_t> n = ParseCountArgument(spec, false);
  if (!n.ok()) return n.status();
  return StagePtr(new LimitSkipStage(*n, false));
}

Result<StagePtr> ParseSkipStage(const Value& spec) {
  Result<int64_t> n = ParseCountArgument(spec, true);
  if (!n.ok()) return n.status();
  return StagePtr(new LimitSkipStage(*n, true));
}

Result<StagePtr> ParseCountStage(const Value& spec) {
  if (!spec.is_string() || spec.as_string().empty()) {
    return Status::InvalidArgument("expects a non-empty field name");
  }
  const std::string& f = spec.as_string();
  if (f[0] == '$' || f.find('.') != std::string::npos) {
    return Status::InvalidArgument("the field name '" + f +
                                   "' may not start with '$' or contain '.'");
  }
  return StagePtr(new CountStage(f));
}

}  // namespace strata::aggregate
