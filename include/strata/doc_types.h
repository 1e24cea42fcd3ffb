// Plain descriptions shared by the document layer and the public API: collection and index
// options, their catalog entries, and the integrity check's report. Values only; no behaviour.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "strata/value.h"

namespace strata {

// How a collection assigns _id when an inserted document has none.
enum class IdStrategy {
  kGenerated,      // 16 hex digits: milliseconds since the epoch, then a counter (time-ordered)
  kAutoIncrement,  // 1, 2, 3... from a counter kept in the catalog
  kUser,           // the document must carry its own _id
};

struct FieldSchema {
  std::string path;
  std::optional<ValueType> type;  // numbers: kInt accepts ints only, kDouble any number
  bool required = false;
};

struct CollectionOptions {
  IdStrategy id_strategy = IdStrategy::kGenerated;
  bool timestamps = false;  // maintain _created_at and _updated_at (dates)
  std::vector<FieldSchema> schema;
};

struct CollectionInfo {
  std::string name;
  CollectionOptions options;
  uint32_t prefix = 0;  // the collection's key prefix id
};

struct IndexOptions {
  std::string name;  // default: fields joined, e.g. "email_1_age_-1"
  bool unique = false;
  bool sparse = false;         // documents missing every indexed field get no entry
  std::string kind = "field";  // the maintainer kind from the index registry
};

struct IndexInfo {
  std::string name;
  std::vector<std::pair<std::string, int>> fields;  // path, 1 or -1
  bool unique = false;
  bool sparse = false;
  bool multikey = false;  // some document had an array at an indexed path
  std::string kind;
  std::string state;                         // "building" or "ready"
  uint64_t build_done = 0, build_total = 0;  // progress while building
};

struct CheckReport {
  struct Finding {
    std::string kind;    // "orphan index entry", "missing index entry", "undecodable record", ...
    std::string where;   // collection / index / id
    std::string action;  // what repair did ("removed", "added", ...), empty when not repairing
  };
  uint64_t collections = 0, records = 0, index_entries = 0;
  std::vector<Finding> findings;
  bool ok() const { return findings.empty(); }
  Value ToValue() const;
};

}  // namespace strata
