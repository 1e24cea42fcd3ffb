// The catalog: collections and their indexes, kept in the database's system key space and cached
// in memory as immutable snapshots (a writer publishes a new CollectionDef; readers keep the one
// they took). Thread safety: Find/List are safe from any thread; changes are made by the Store
// under its commit mutex, which also orders them with record writes.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "strata/doc_types.h"
#include "strata/kv.h"
#include "strata/status.h"
#include "strata/write_batch.h"

namespace strata::doc {

struct IndexDef {
  uint32_t prefix = 0;
  IndexInfo info;
};

class IndexMaintainer;

struct CollectionDef {
  CollectionInfo info;
  std::vector<IndexDef> indexes;
  // One per index, same order; built by AttachMaintainers.
  std::vector<std::shared_ptr<const IndexMaintainer>> maintainers;
};

// Builds def->maintainers from def->indexes through the index registry.
Status AttachMaintainers(CollectionDef* def);

// Conversions between descriptors and the documents stored for them.
Value CollectionInfoToValue(const CollectionInfo& info);
Result<CollectionInfo> CollectionInfoFromValue(const Value& v);
Value IndexDefToValue(const IndexDef& def);
Result<IndexDef> IndexDefFromValue(const Value& v);

class Catalog {
 public:
  // Reads every descriptor from the engine.
  Status Load(kv::Engine* engine);

  std::shared_ptr<const CollectionDef> Find(std::string_view name) const;
  std::vector<std::shared_ptr<const CollectionDef>> List() const;

  // Publishes a new or changed collection (nullptr removes it). The caller writes the
  // descriptors in the same batch as whatever else changed.
  void Publish(const std::string& name, std::shared_ptr<const CollectionDef> def);

  // Takes the next prefix id and stages the bumped counter into `batch`.
  uint32_t AllocatePrefix(WriteBatch* batch);

  // Stages the descriptors of `def` (collection and all indexes) into `batch`.
  static Status StageDescriptors(const CollectionDef& def, WriteBatch* batch);

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<const CollectionDef>, std::less<>> collections_;
  uint32_t next_prefix_ = 1;
};

}  // namespace strata::doc
