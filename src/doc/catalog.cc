#include "doc/catalog.h"

#include <functional>

#include "base/coding.h"
#include "codec/document.h"
#include "codec/key_codec.h"
#include "doc/index_maintainer.h"
#include "doc/keyspace.h"

namespace strata::doc {

namespace {

std::string_view IdStrategyName(IdStrategy s) {
  switch (s) {
    case IdStrategy::kGenerated:
      return "generated";
    case IdStrategy::kAutoIncrement:
      return "autoincrement";
    case IdStrategy::kUser:
      return "user";
  }
  return "generated";
}

Result<IdStrategy> IdStrategyFromName(std::string_view name) {
  if (name == "generated") return IdStrategy::kGenerated;
  if (name == "autoincrement") return IdStrategy::kAutoIncrement;
  if (name == "user") return IdStrategy::kUser;
  return Status::Corruption("catalog: unknown id strategy '" + std::string(name) + "'");
}

const Value* Field(const Value& v, std::string_view name) {
  return v.is_object() ? v.Find(name) : nullptr;
}

Result<std::string> StringField(const Value& v, std::string_view name) {
  const Value* f = Field(v, name);
  if (f == nullptr || !f->is_string()) {
    return Status::Corruption("catalog: descriptor lacks string field '" + std::string(name) + "'");
  }
  return f->as_string();
}

int64_t IntField(const Value& v, std::string_view name, int64_t def = 0) {
  const Value* f = Field(v, name);
  return f != nullptr && f->is_int() ? f->as_int() : def;
}

bool BoolField(const Value& v, std::string_view name) {
  const Value* f = Field(v, name);
  return f != nullptr && f->is_bool() && f->as_bool();
}

ValueType TypeFromCode(int64_t code) { return static_cast<ValueType>(code); }

}  // namespace

Value CollectionInfoToValue(const CollectionInfo& info) {
  Array schema;
  for (const FieldSchema& f : info.options.schema) {
    Value entry = Value::MakeObject({{"path", f.path}, {"required", f.required}});
    if (f.type) entry.Set("type", static_cast<int64_t>(*f.type));
    schema.push_back(std::move(entry));
  }
  return Value::MakeObject({{"name", info.name},
                            {"prefix", static_cast<int64_t>(info.prefix)},
                            {"id", std::string(IdStrategyName(info.options.id_strategy))},
                            {"timestamps", info.options.timestamps},
                            {"schema", Value(std::move(schema))}});
}

Result<CollectionInfo> CollectionInfoFromValue(const Value& v) {
  CollectionInfo info;
  auto name = StringField(v, "name");
  if (!name.ok()) return name.status();
  info.name = *name;
  info.prefix = static_cast<uint32_t>(IntField(v, "prefix"));
  auto id = StringField(v, "id");
  if (!id.ok()) return id.status();
  auto strategy = IdStrategyFromName(*id);
  if (!strategy.ok()) return strategy.status();
  info.options.id_strategy = *strategy;
  info.options.timestamps = BoolField(v, "timestamps");
  if (const Value* schema = Field(v, "schema"); schema != nullptr && schema->is_array()) {
    for (const Value& e : schema->as_array()) {
      FieldSchema f;
      auto path = StringField(e, "path");
      if (!path.ok()) return path.status();
      f.path = *path;
      f.required = BoolField(e, "required");
      if (const Value* t = Field(e, "type"); t != nullptr && t->is_int()) {
        f.type = TypeFromCode(t->as_int());
      }
      info.options.schema.push_back(std::move(f));
    }
  }
  return info;
}

Value IndexDefToValue(const IndexDef& def) {
  Array fields;
  for (const auto& [path, dir] : def.info.fields) {
    fields.push_back(Value::MakeArray({Value(path), Value(dir)}));
  }
  return Value::MakeObject({{"name", def.info.name},
                            {"prefix", static_cast<int64_t>(def.prefix)},
                            {"fields", Value(std::move(fields))},
                            {"unique", def.info.unique},
                            {"sparse", def.info.sparse},
                            {"multikey", def.info.multikey},
                            {"kind", def.info.kind},
                            {"state", def.info.state}});
}

Result<IndexDef> IndexDefFromValue(const Value& v) {
  IndexDef def;
  auto name = StringField(v, "name");
  if (!name.ok()) return name.status();
  def.info.name = *name;
  def.prefix = static_cast<uint32_t>(IntField(v, "prefix"));
  const Value* fields = Field(v, "fields");
  if (fields == nullptr || !fields->is_array()) {
    return Status::Corruption("catalog: index '" + *name + "' lacks fields");
  }
  for (const Value& f : fields->as_array()) {
    if (!f.is_array() || f.as_array().size() != 2 || !f.as_array()[0].is_string() ||
        !f.as_array()[1].is_int()) {
      return Status::Corruption("catalog: index '" + *name + "' has a malformed field");
    }
    def.info.fields.emplace_back(f.as_array()[0].as_string(),
                                 static_cast<int>(f.as_array()[1].as_int()));
  }
  def.info.unique = BoolField(v, "unique");
  def.info.sparse = BoolField(v, "sparse");
  def.info.multikey = BoolField(v, "multikey");
  auto kind = StringField(v, "kind");
  def.info.kind = kind.ok() ? *kind : "field";
  auto state = StringField(v, "state");
  def.info.state = state.ok() ? *state : "ready";
  return def;
}

Status AttachMaintainers(CollectionDef* def) {
  def->maintainers.clear();
  for (const IndexDef& idx : def->indexes) {
    auto m = MakeIndexMaintainer(idx);
    if (!m.ok()) return m.status();
    def->maintainers.push_back(std::move(*m));
  }
  return Status::OK();
}

namespace {

Status ForEachDescriptor(kv::Engine* engine, const std::string& prefix,
                         const std::function<Status(const Value&)>& fn) {
  kv::ReadOptions ro;
  ro.lower_bound = prefix;
  ro.upper_bound = codec::PrefixSuccessor(prefix);
  auto it = engine->NewIterator(ro);
  for (it->Seek(prefix); it->Valid(); it->Next()) {
    Value v;
    Status s = codec::DecodeDocument(it->value(), &v);
    if (!s.ok()) return s.WithContext("catalog descriptor");
    STRATA_RETURN_IF_ERROR(fn(v));
  }
  return it->status();
}

}  // namespace

Status Catalog::Load(kv::Engine* engine) {
  std::map<std::string, std::shared_ptr<const CollectionDef>, std::less<>> loaded;
  uint32_t max_prefix = 0;
  STRATA_RETURN_IF_ERROR(
      ForEachDescriptor(engine, CollectionDescriptorPrefix(), [&](const Value& v) -> Status {
        auto info = CollectionInfoFromValue(v);
        if (!info.ok()) return info.status();
        auto def = std::make_shared<CollectionDef>();
        def->info = *info;
        max_prefix = std::max(max_prefix, info->prefix);
        STRATA_RETURN_IF_ERROR(ForEachDescriptor(engine, IndexDescriptorPrefix(info->prefix),
                                                 [&](const Value& iv) -> Status {
                                                   auto idx = IndexDefFromValue(iv);
                                                   if (!idx.ok()) return idx.status();
                                                   max_prefix = std::max(max_prefix, idx->prefix);
                                                   def->indexes.push_back(std::move(*idx));
                                                   return Status::OK();
                                                 }));
        STRATA_RETURN_IF_ERROR(AttachMaintainers(def.get()));
        loaded[info->name] = std::move(def);
        return Status::OK();
      }));
  std::string next;
  Status s = engine->Get(kv::ReadOptions(), NextPrefixKey(), &next);
  uint32_t stored_next = 1;
  if (s.ok() && next.size() == 4) {
    stored_next = DecodeFixed32(next.data());
  } else if (!s.ok() && !s.IsNotFound()) {
    return s;
  }
  std::lock_guard<std::mutex> lock(mu_);
  collections_ = std::move(loaded);
  next_prefix_ = std::max(stored_next, max_prefix + 1);
  return Status::OK();
}

std::shared_ptr<const CollectionDef> Catalog::Find(std::string_view name) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = collections_.find(name);
  return it == collections_.end() ? nullptr : it->second;
}

std::vector<std::shared_ptr<const CollectionDef>> Catalog::List() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::shared_ptr<const CollectionDef>> out;
  for (const auto& [name, def] : collections_) out.push_back(def);
  return out;
}

void Catalog::Publish(const std::string& name, std::shared_ptr<const CollectionDef> def) {
  std::lock_guard<std::mutex> lock(mu_);
  if (def == nullptr) {
    collections_.erase(name);
  } else {
    collections_[name] = std::move(def);
  }
}

uint32_t Catalog::AllocatePrefix(WriteBatch* batch) {
  std::lock_guard<std::mutex> lock(mu_);
  uint32_t id = next_prefix_++;
  std::string v;
  PutFixed32(&v, next_prefix_);
  batch->Put(NextPrefixKey(), v);
  return id;
}

Status Catalog::StageDescriptors(const CollectionDef& def, WriteBatch* batch) {
  std::string bytes;
  STRATA_RETURN_IF_ERROR(codec::EncodeDocument(CollectionInfoToValue(def.info), &bytes));
  batch->Put(CollectionDescriptorKey(def.info.name), bytes);
  for (const IndexDef& idx : def.indexes) {
    bytes.clear();
    STRATA_RETURN_IF_ERROR(codec::EncodeDocument(IndexDefToValue(idx), &bytes));
    batch->Put(IndexDescriptorKey(def.info.prefix, idx.info.name), bytes);
  }
  return Status::OK();
}

}  // namespace strata::doc
