#include "doc/index_maintainer.h"

#include <algorithm>
#include <map>
#include <mutex>

#include "codec/key_codec.h"
#include "codec/path.h"
#include "doc/keyspace.h"

namespace strata::doc {

namespace {

std::mutex& RegistryMutex() {
  static std::mutex mu;
  return mu;
}

std::map<std::string, IndexFactory>& Registry() {
  static std::map<std::string, IndexFactory> registry = {
      {"field",
       [](const IndexDef& def) -> Result<std::unique_ptr<IndexMaintainer>> {
         return NewFieldIndex(def);
       }},
  };
  return registry;
}

// Index keys compare numbers by value: an integral double in int64's range is keyed as the
// int, so 1 and 1.0 are one key (a unique index refuses the second; an equality scan finds both).
Value KeyValue(const Value& v) {
  if (v.is_double()) {
    double d = v.as_double();
    if (d >= -9223372036854775808.0 && d < 9223372036854775808.0 &&
        d == static_cast<double>(static_cast<int64_t>(d))) {
      return Value(static_cast<int64_t>(d));
    }
    return v;
  }
  if (v.is_array()) {
    Array out;
    for (const Value& e : v.as_array()) out.push_back(KeyValue(e));
    return Value(std::move(out));
  }
  if (v.is_object()) {
    Object out;
    for (const auto& [k, e] : v.as_object()) out.emplace_back(k, KeyValue(e));
    return Value(std::move(out));
  }
  return v;
}

bool NeedsKeyValue(const Value& v) { return v.is_double() || v.is_array() || v.is_object(); }

class FieldIndex : public IndexMaintainer {
 public:
  explicit FieldIndex(const IndexDef& def)
      : IndexMaintainer(def), prefix_(IndexPrefix(def.prefix)) {}

  bool unique() const override { return def_.info.unique; }

  Status Entries(const Value& doc, const std::string& id_element, std::vector<IndexEntry>* out,
                 bool* multikey) const override {
    const auto& fields = def_.info.fields;
    // Values per field: arrays expand to their distinct elements.
    std::vector<std::vector<const Value*>> values(fields.size());
    static const Value kNull;
    bool all_missing = true;
    int array_fields = 0;
    std::vector<const Value*> found;
    for (size_t i = 0; i < fields.size(); ++i) {
      found.clear();
      codec::CollectPathValues(doc, fields[i].first, &found);
      bool is_multi = found.size() > 1;
      for (const Value* v : found) {
        if (v->is_array() && !v->as_array().empty()) {
          is_multi = true;
          for (const Value& e : v->as_array()) values[i].push_back(&e);
        } else {
          values[i].push_back(v);
        }
      }
      if (!found.empty()) all_missing = false;
      if (values[i].empty()) values[i].push_back(&kNull);
      if (is_multi) {
        ++array_fields;
        *multikey = true;
        std::sort(values[i].begin(), values[i].end(),
                  [](const Value* a, const Value* b) { return CompareValues(*a, *b) < 0; });
        values[i].erase(std::unique(values[i].begin(), values[i].end(),
                                    [](const Value* a, const Value* b) {
                                      return CompareValues(*a, *b) == 0 && a->type() == b->type();
                                    }),
                        values[i].end());
      }
    }
    if (def_.info.sparse && all_missing) return Status::OK();
    if (array_fields > 1) {
      return Status::InvalidArgument("index '" + def_.info.name +
                                     "': cannot index parallel arrays in one document");
    }
    // At most one field has several values: one entry per value of that field.
    size_t multi = fields.size();
    for (size_t i = 0; i < fields.size(); ++i) {
      if (values[i].size() > 1) multi = i;
    }
    size_t n = multi == fields.size() ? 1 : values[multi].size();
    for (size_t k = 0; k < n; ++k) {
      IndexEntry e;
      e.key = prefix_;
      for (size_t i = 0; i < fields.size(); ++i) {
        size_t start = e.key.size();
        const Value& v = *values[i][i == multi ? k : 0];
        if (NeedsKeyValue(v)) {
          codec::AppendKeyElement(&e.key, KeyValue(v));
        } else {
          codec::AppendKeyElement(&e.key, v);
        }
        if (fields[i].second < 0) InvertBytes(&e.key, start);
      }
      if (unique()) {
        e.value = id_element;
      } else {
        e.key += id_element;
      }
      out->push_back(std::move(e));
    }
    std::sort(out->begin(), out->end());
    out->erase(std::unique(out->begin(), out->end(),
                           [](const IndexEntry& a, const IndexEntry& b) { return a.key == b.key; }),
               out->end());
    return Status::OK();
  }

 private:
  std::string prefix_;
};

}  // namespace

Status IndexEntryIdElement(const IndexDef& index, Slice key, Slice value, std::string* id) {
  if (index.info.unique) {
    id->assign(value.data(), value.size());
    return Status::OK();
  }
  key.remove_prefix(5);  // the index prefix
  std::string inverted;
  for (const auto& [path, dir] : index.info.fields) {
    Slice in = key;
    if (dir < 0) {
      inverted.assign(key.data(), key.size());
      InvertBytes(&inverted, 0);
      in = Slice(inverted);
    }
    // Measured, not decoded: only the _id after the fields is wanted.
    const size_t n = codec::KeyElementLength(in);
    if (n == 0) {
      Value ignored;
      Status s = codec::DecodeKeyElement(&in, &ignored);
      if (s.ok()) s = Status::Corruption("malformed key element");
      return s.WithContext("index '" + index.info.name + "' entry");
    }
    key.remove_prefix(n);
  }
  id->assign(key.data(), key.size());
  return Status::OK();
}

void InvertBytes(std::string* s, size_t from) {
  for (size_t i = from; i < s->size(); ++i) (*s)[i] = static_cast<char>(~(*s)[i]);
}

std::unique_ptr<IndexMaintainer> NewFieldIndex(const IndexDef& def) {
  return std::make_unique<FieldIndex>(def);
}

void RegisterIndexKind(const std::string& kind, IndexFactory factory) {
  std::lock_guard<std::mutex> lock(RegistryMutex());
  Registry()[kind] = std::move(factory);
}

Result<std::unique_ptr<IndexMaintainer>> MakeIndexMaintainer(const IndexDef& def) {
  IndexFactory factory;
  {
    std::lock_guard<std::mutex> lock(RegistryMutex());
    auto it = Registry().find(def.info.kind);
    if (it == Registry().end()) {
      return Status::InvalidArgument("unknown index kind '" + def.info.kind + "'");
    }
    factory = it->second;
  }
  return factory(def);
}

}  // namespace strata::doc
