#include "db/operations.h"

#include "db/executor.h"
#include "query/update.h"

namespace strata::db {

std::shared_ptr<const doc::CollectionDef> ReadableCollection(doc::Store* store,
                                                             std::string_view name) {
  if (auto def = store->catalog().Find(name)) return def;
  auto empty = std::make_shared<doc::CollectionDef>();
  empty->info.name = std::string(name);
  empty->info.prefix = 0;
  return empty;
}

Result<std::vector<Value>> FindIn(doc::Store* store, doc::Transaction* txn,
                                  const std::shared_ptr<const doc::CollectionDef>& def,
                                  const Value& filter, const FindOptions& options,
                                  size_t memory_limit) {
  auto spec = MakeQuerySpec(filter, options);
  if (!spec.ok()) return spec.status();
  spec->memory_limit = memory_limit;
  spec->track_reads = !txn->autocommit();
  QueryCursor cursor(store, def, txn, nullptr, std::move(*spec));
  return cursor.ToVector();
}

namespace {

// Matching documents, read before any is changed so that a change cannot make the scan see a
// document twice.
Result<std::vector<Value>> Matches(doc::Store* store, doc::Transaction* txn,
                                   const std::shared_ptr<const doc::CollectionDef>& def,
                                   const Value& filter, bool many) {
  FindOptions options;
  options.limit = many ? 0 : 1;
  return FindIn(store, txn, def, filter, options, QuerySpec().memory_limit);
}

}  // namespace

Result<UpdateResult> UpdateIn(doc::Store* store, doc::Transaction* txn,
                              const std::shared_ptr<const doc::CollectionDef>& def,
                              const Value& filter, const Value& update_spec, bool many, bool upsert,
                              bool replacement_only) {
  auto update = query::Update::Parse(update_spec);
  if (!update.ok()) return update.status();
  if (replacement_only && !update->is_replacement()) {
    return Status::InvalidArgument("a replacement document cannot contain update operators");
  }
  const bool empty_spec = update_spec.is_object() && update_spec.as_object().empty();
  if (many && update->is_replacement() && !empty_spec) {
    return Status::InvalidArgument("updateMany needs update operators ($set, $inc...)");
  }
  auto docs = Matches(store, txn, def, filter, many);
  if (!docs.ok()) return docs.status();
  UpdateResult result;
  int64_t now = store->Now();
  for (const Value& old_doc : *docs) {
    ++result.matched;
    Value updated = old_doc;
    Status s = update->Apply(&updated, now);
    if (!s.ok()) {
      const Value* id = old_doc.Find("_id");
      std::string where =
          id != nullptr && id->is_string() ? " (document _id '" + id->as_string() + "')" : "";
      return Status(s.code(), s.message() + where);
    }
    if (updated == old_doc) continue;
    STRATA_RETURN_IF_ERROR(store->Replace(txn, *def, old_doc, std::move(updated)));
    ++result.modified;
  }
  if (result.matched == 0 && upsert) {
    auto doc = update->MakeUpsertDocument(filter.is_null() ? Value(Object{}) : filter, now);
    if (!doc.ok()) return doc.status();
    auto id = store->Insert(txn, *def, std::move(*doc));
    if (!id.ok()) return id.status();
    result.upserted_id = std::move(*id);
  }
  return result;
}

Result<uint64_t> DeleteIn(doc::Store* store, doc::Transaction* txn,
                          const std::shared_ptr<const doc::CollectionDef>& def, const Value& filter,
                          bool many) {
  auto docs = Matches(store, txn, def, filter, many);
  if (!docs.ok()) return docs.status();
  for (const Value& doc : *docs) STRATA_RETURN_IF_ERROR(store->Remove(txn, *def, doc));
  return static_cast<uint64_t>(docs->size());
}

}  // namespace strata::db
