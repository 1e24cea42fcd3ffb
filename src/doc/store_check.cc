// Store::Check: records against index entries and counters, with optional repair.
#include <algorithm>

#include "base/coding.h"
#include "codec/document.h"
#include "codec/key_codec.h"
#include "doc/keyspace.h"
#include "doc/store.h"

namespace strata::doc {

namespace {

// Hex of at most the first 32 bytes, for messages.
std::string Hex(Slice s) {
  if (s.size() <= 32) return HexString(s);
  return HexString(Slice(s.data(), 32)) + "...";
}

std::string IdText(Slice id_element) {
  Slice in = id_element;
  Value id;
  if (!codec::DecodeKeyElement(&in, &id).ok()) return "0x" + Hex(id_element);
  if (id.is_string()) return id.as_string();
  if (id.is_int()) return std::to_string(id.as_int());
  return "0x" + Hex(id_element);
}

}  // namespace

Result<CheckReport> Store::Check(bool repair) {
  std::lock_guard<std::mutex> lock(commit_mu_);  // a quiet, consistent view while checking
  CheckReport report;
  auto add = [&](std::string kind, std::string where, std::string action) {
    report.findings.push_back({std::move(kind), std::move(where), repair ? std::move(action) : ""});
  };
  WriteBatch fixes;
  for (const auto& def : catalog_.List()) {
    ++report.collections;
    const std::string& coll = def->info.name;
    std::string prefix = RecordPrefix(def->info.prefix);
    kv::ReadOptions ro;
    ro.lower_bound = prefix;
    ro.upper_bound = codec::PrefixSuccessor(prefix);
    auto it = engine_->NewIterator(ro);
    int64_t max_int_id = 0;
    std::vector<IndexEntry> entries;
    for (it->Seek(prefix); it->Valid(); it->Next()) {
      ++report.records;
      std::string id_element = RecordIdBytes(it->key()).ToString();
      Value doc;
      Status s = codec::DecodeDocument(it->value(), &doc);
      const Value* id = s.ok() && doc.is_object() ? doc.Find("_id") : nullptr;
      std::string id_check;
      if (id != nullptr) codec::AppendKeyElement(&id_check, *id);
      if (!s.ok() || id == nullptr || id_check != id_element) {
        add("undecodable record",
            coll + " _id " + IdText(id_element) +
                (s.ok() ? ": _id does not match its key" : ": " + s.ToString()),
            "moved to lost+found");
        if (repair) {
          fixes.Put(LostFoundKey(def->info.prefix, it->key()), it->value());
          fixes.Delete(it->key());
        }
        continue;
      }
      if (id->is_int()) max_int_id = std::max(max_int_id, id->as_int());
      for (size_t i = 0; i < def->maintainers.size(); ++i) {
        entries.clear();
        bool multikey = false;
        if (!def->maintainers[i]->Entries(doc, id_element, &entries, &multikey).ok()) continue;
        for (const IndexEntry& e : entries) {
          std::string stored;
          Status g = engine_->Get(kv::ReadOptions(), e.key, &stored);
          if (g.IsNotFound() || (g.ok() && stored != e.value)) {
            add("missing index entry",
                coll + "." + def->indexes[i].info.name + " for _id " + IdText(id_element), "added");
            if (repair) fixes.Put(e.key, e.value);
          } else if (!g.ok()) {
            return g;
          }
        }
      }
    }
    STRATA_RETURN_IF_ERROR(it->status());

    // Every index entry must be one its record would produce.
    for (size_t i = 0; i < def->indexes.size(); ++i) {
      const IndexDef& idx = def->indexes[i];
      std::string ip = IndexPrefix(idx.prefix);
      kv::ReadOptions iro;
      iro.lower_bound = ip;
      iro.upper_bound = codec::PrefixSuccessor(ip);
      auto ii = engine_->NewIterator(iro);
      for (ii->Seek(ip); ii->Valid(); ii->Next()) {
        ++report.index_entries;
        std::string id_element;
        bool live = false;
        if (IndexEntryIdElement(idx, ii->key(), ii->value(), &id_element).ok()) {
          std::string bytes;
          Status g = engine_->Get(kv::ReadOptions(), prefix + id_element, &bytes);
          Value doc;
          if (g.ok() && codec::DecodeDocument(bytes, &doc).ok()) {
            entries.clear();
            bool multikey = false;
            if (def->maintainers[i]->Entries(doc, id_element, &entries, &multikey).ok()) {
              IndexEntry want{ii->key().ToString(), ii->value().ToString()};
              auto at = std::lower_bound(entries.begin(), entries.end(), want);
              live = at != entries.end() && *at == want;
            }
          }
        }
        if (!live) {
          add("orphan index entry", coll + "." + idx.info.name + " key 0x" + Hex(ii->key()),
              "removed");
          if (repair) fixes.Delete(ii->key());
        }
      }
      STRATA_RETURN_IF_ERROR(ii->status());
    }

    if (def->info.options.id_strategy == IdStrategy::kAutoIncrement) {
      int64_t counter = 0;
      {
        std::lock_guard<std::mutex> id_lock(id_mu_);
        auto c = counters_.find(def->info.prefix);
        if (c != counters_.end()) {
          counter = c->second;
        } else {
          STRATA_RETURN_IF_ERROR(LoadCounter(def->info.prefix, &counter));
        }
        if (counter < max_int_id) {
          add("counter behind",
              coll + ": counter " + std::to_string(counter) + " < largest _id " +
                  std::to_string(max_int_id),
              "set to " + std::to_string(max_int_id));
          if (repair) {
            counters_[def->info.prefix] = max_int_id;
            std::string v;
            PutFixed64(&v, static_cast<uint64_t>(max_int_id));
            fixes.Put(CounterKey(def->info.prefix), v);
          }
        }
      }
    }
  }
  if (repair && fixes.Count() > 0) {
    STRATA_RETURN_IF_ERROR(engine_->Write(kv::WriteOptions(), fixes));
    ++commit_seq_;
  }
  return report;
}

}  // namespace strata::doc
