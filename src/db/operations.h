// The document operations shared by Collection (autocommit) and Transaction (explicit): each
// runs inside a doc::Transaction, so a failure leaves nothing written.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "doc/store.h"
#include "strata/db.h"

namespace strata::db {

// For reads: the collection's definition, or an empty stand-in (prefix 0, which no collection
// uses) when it does not exist, so that reading never creates a collection.
std::shared_ptr<const doc::CollectionDef> ReadableCollection(doc::Store* store,
                                                             std::string_view name);

Result<std::vector<Value>> FindIn(doc::Store* store, doc::Transaction* txn,
                                  const std::shared_ptr<const doc::CollectionDef>& def,
                                  const Value& filter, const FindOptions& options,
                                  size_t memory_limit);

Result<UpdateResult> UpdateIn(doc::Store* store, doc::Transaction* txn,
                              const std::shared_ptr<const doc::CollectionDef>& def,
                              const Value& filter, const Value& update, bool many, bool upsert,
                              bool replacement_only);

Result<uint64_t> DeleteIn(doc::Store* store, doc::Transaction* txn,
                          const std::shared_ptr<const doc::CollectionDef>& def, const Value& filter,
                          bool many);

}  // namespace strata::db
