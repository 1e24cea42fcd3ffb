// The default members of the kv::Engine interface. They sit in base because every engine,
// including Strata's LSM (which is below the kv layer), derives from kv::Engine.
#include "base/kv_limits.h"
#include "strata/kv.h"

namespace strata::kv {

Status Engine::Put(const WriteOptions& options, const Slice& key, const Slice& value) {
  WriteBatch batch;
  batch.Put(key, value);
  return Write(options, batch);
}

void Engine::MultiGet(const ReadOptions& options, std::span<const Slice> keys,
                      std::span<std::string> values, std::span<Status> statuses) {
  ReadOptions at_once = options;
  std::shared_ptr<const Snapshot> snapshot;
  if (at_once.snapshot == nullptr && keys.size() > 1) at_once.snapshot = snapshot = GetSnapshot();
  for (size_t i = 0; i < keys.size(); i++) statuses[i] = Get(at_once, keys[i], &values[i]);
}

Status Engine::Scan(const ReadOptions& options, const Slice& lower, const Slice* upper,
                    FunctionRef<bool(const Slice& key, const Slice& value)> visit) {
  ReadOptions bounded = options;
  bounded.lower_bound = lower.ToString();
  if (upper != nullptr) {
    bounded.upper_bound = upper->ToString();
  } else {
    bounded.upper_bound.reset();
  }
  std::unique_ptr<Iterator> it = NewIterator(bounded);
  it->SeekToFirst();
  return VisitForward(it.get(), visit);
}

Status Engine::Delete(const WriteOptions& options, const Slice& key) {
  WriteBatch batch;
  batch.Delete(key);
  return Write(options, batch);
}

Result<std::string> Engine::Get(const Slice& key) {
  std::string value;
  Status s = Get(ReadOptions(), key, &value);
  if (!s.ok()) return s;
  return value;
}

std::optional<std::string> Engine::GetProperty(std::string_view name) { return std::nullopt; }

Status CheckKeyValueSize(const Options& options, const Slice& key, const Slice* value) {
  if (key.size() > options.max_key_size) {
    return Status::InvalidArgument("key of " + std::to_string(key.size()) +
                                   " bytes exceeds max_key_size " +
                                   std::to_string(options.max_key_size));
  }
  if (value != nullptr && value->size() > options.max_value_size) {
    return Status::InvalidArgument("value of " + std::to_string(value->size()) +
                                   " bytes exceeds max_value_size " +
                                   std::to_string(options.max_value_size));
  }
  return Status::OK();
}

namespace {

class SizeChecker final : public WriteBatch::Handler {
 public:
  explicit SizeChecker(const Options& options) : options_(options) {}
  void Put(const Slice& key, const Slice& value) override { Check(key, &value); }
  void Delete(const Slice& key) override { Check(key, nullptr); }
  Status status;

 private:
  void Check(const Slice& key, const Slice* value) {
    if (status.ok()) {
      status = CheckKeyValueSize(options_, key, value);
      if (!status.ok()) {
        status = Status(status.code(), status.message() + " (operation " + std::to_string(index_) +
                                           " of the batch)");
      }
    }
    index_++;
  }
  const Options& options_;
  size_t index_ = 0;
};

}  // namespace

Status CheckBatchSizes(const Options& options, const WriteBatch& batch) {
  SizeChecker checker(options);
  Status s = batch.Iterate(&checker);
  return s.ok() ? checker.status : s;
}

}  // namespace strata::kv
