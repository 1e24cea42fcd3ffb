#include "server/index_json.h"

namespace strata::server {

namespace {

Result<int> Direction(const std::string& path, const Value& v) {
  if (v.is_number() && (v.as_number() == 1 || v.as_number() == -1)) {
    return static_cast<int>(v.as_number());
  }
  return Status::InvalidArgument("index field '" + path + "': direction must be 1 or -1");
}

}  // namespace

Result<IndexFieldList> ParseIndexFields(const Value& spec) {
  IndexFieldList fields;
  if (spec.is_object()) {
    for (const auto& [path, dir] : spec.as_object()) {
      auto d = Direction(path, dir);
      if (!d.ok()) return d.status();
      fields.emplace_back(path, *d);
    }
  } else if (spec.is_array()) {
    for (const Value& e : spec.as_array()) {
      if (e.is_string()) {
        fields.emplace_back(e.as_string(), 1);
        continue;
      }
      if (!e.is_array() || e.as_array().size() != 2 || !e.as_array()[0].is_string()) {
        return Status::InvalidArgument("fields entries must be [path, 1 or -1]");
      }
      const std::string& path = e.as_array()[0].as_string();
      auto d = Direction(path, e.as_array()[1]);
      if (!d.ok()) return d.status();
      fields.emplace_back(path, *d);
    }
  } else if (spec.is_null()) {
    return Status::InvalidArgument("fields is required, e.g. {\"email\": 1}");
  } else {
    return Status::InvalidArgument("fields must be an object {path: 1 or -1} or an array");
  }
  if (fields.empty()) return Status::InvalidArgument("an index needs at least one field");
  return fields;
}

std::string DefaultIndexName(const IndexFieldList& fields) {
  std::string name;
  for (const auto& [path, dir] : fields) {
    if (!name.empty()) name += '_';
    name += path + "_" + std::to_string(dir);
  }
  return name;
}

Value IndexInfoValue(const IndexInfo& info) {
  Object fields;
  for (const auto& [path, dir] : info.fields) fields.emplace_back(path, Value(dir));
  Value v = Value::MakeObject({{"name", info.name},
                               {"fields", Value(std::move(fields))},
                               {"unique", info.unique},
                               {"sparse", info.sparse},
                               {"multikey", info.multikey},
                               {"kind", info.kind},
                               {"state", info.state}});
  if (info.state == "building") {
    v.Set("progress", Value::MakeObject({{"done", static_cast<int64_t>(info.build_done)},
                                         {"total", static_cast<int64_t>(info.build_total)}}));
  }
  return v;
}

}  // namespace strata::server
