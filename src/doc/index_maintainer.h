// Index maintainers: each index kind turns a document into the key-value entries it keeps, behind
// one interface with a registry by kind name. The Store diffs a record's old and new entries and
// writes the difference in the record's own batch, so a record and its index entries always change
// together. "field" (single, compound, unique, sparse, multikey) is built in; vector and text
// indexes register their kinds here later. Thread safety: maintainers are immutable.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "doc/catalog.h"
#include "strata/slice.h"
#include "strata/status.h"
#include "strata/value.h"

namespace strata::doc {

struct IndexEntry {
  std::string key;    // full kv key, starting with the index prefix
  std::string value;  // unique indexes: the record's _id element; otherwise empty
  bool operator<(const IndexEntry& o) const { return key < o.key; }
  bool operator==(const IndexEntry& o) const = default;
};

class IndexMaintainer {
 public:
  virtual ~IndexMaintainer() = default;

  // The entries of `doc`, whose _id encodes (key-codec element) as `id_element`, sorted by key and
  // without duplicates. *multikey is set when an indexed path held an array. InvalidArgument
  // when the document cannot be indexed (for example parallel arrays in a compound index).
  virtual Status Entries(const Value& doc, const std::string& id_element,
                         std::vector<IndexEntry>* out, bool* multikey) const = 0;

  // For unique indexes: the part of an entry's key that must not repeat across records (the
  // whole key; non-unique kinds return false).
  virtual bool unique() const = 0;
  const IndexDef& def() const { return def_; }

 protected:
  explicit IndexMaintainer(IndexDef def) : def_(std::move(def)) {}
  IndexDef def_;
};

using IndexFactory = std::function<Result<std::unique_ptr<IndexMaintainer>>(const IndexDef&)>;

// Registers a kind (replacing one of the same name). Safe to call from static initialisers.
void RegisterIndexKind(const std::string& kind, IndexFactory factory);
Result<std::unique_ptr<IndexMaintainer>> MakeIndexMaintainer(const IndexDef& def);

// Field indexes: the key-codec elements of the indexed paths' values (null when missing), each
// inverted bytewise for descending fields, then (non-unique) the _id element. An array at a path
// gives one entry per distinct element; two array paths in one compound index are refused.
std::unique_ptr<IndexMaintainer> NewFieldIndex(const IndexDef& def);

// The _id element of a field index's entry: the value of a unique index's entry, otherwise what
// follows the indexed fields' elements in the key.
Status IndexEntryIdElement(const IndexDef& index, Slice key, Slice value, std::string* id);

// Inverts bytes in place (descending index fields).
void InvertBytes(std::string* s, size_t from);

}  // namespace strata::doc
