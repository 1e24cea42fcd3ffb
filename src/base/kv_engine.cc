// The default members of the kv::Engine interface. They sit in base because every engine,
// including Strata's LSM (which is below the kv layer), derives from kv::Engine.
#include "strata/kv.h"

namespace strata::kv {

Status Engine::Put(const WriteOptions& options, const Slice& key, const Slice& value) {
  WriteBatch batch;
  batch.Put(key, value);
  return Write(options, batch);
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

}  // namespace strata::kv
