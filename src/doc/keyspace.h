// Where the document layer's data lives in the ordered key space (docs/ARCHITECTURE.md, "doc").
//
//   0x01 'a' <key id, 16 hex chars>     API key (server/api_keys.h): version 01, name (varint
//                                       length + bytes), role u8, created_ms fixed64, revoked u8,
//                                       the secret's SHA-256 (32 bytes)
//   0x01 'c' <name>                     collection descriptor (a binary document)
//   0x01 'i' <coll u32> <name>          index descriptor
//   0x01 'k' <coll u32>                 auto-increment counter (fixed64)
//   0x01 'n'                            next free prefix id (fixed32)
//   0x01 'l' <coll u32> <raw key>       lost+found: records that repair could not decode
//   0x02 <coll u32> <_id element>       record -> binary document
//   0x03 <index u32> <key elements> [<_id element>]   index entry
//   0x05 ...                            typed tables (include/strata/table.h)
// Names and ids are key-codec elements, prefixes 4-byte big-endian, so every group is one
// contiguous, ordered range. Thread safety: free functions.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "strata/kv.h"
#include "strata/slice.h"
#include "strata/value.h"

namespace strata::doc {

inline constexpr char kSystemSpace = 0x01;
inline constexpr char kRecordSpace = 0x02;
inline constexpr char kIndexSpace = 0x03;
inline constexpr char kTableSpace = 0x05;

std::string CollectionDescriptorKey(std::string_view name);
std::string CollectionDescriptorPrefix();
std::string IndexDescriptorKey(uint32_t collection, std::string_view name);
std::string IndexDescriptorPrefix(uint32_t collection);
std::string CounterKey(uint32_t collection);
std::string NextPrefixKey();
std::string LostFoundKey(uint32_t collection, Slice raw_key);

std::string RecordPrefix(uint32_t collection);
std::string RecordKey(uint32_t collection, const Value& id);
// The _id element of a record key (after the 5-byte prefix).
Slice RecordIdBytes(Slice record_key);

std::string IndexPrefix(uint32_t index);

// The filter prefix of these keys (kv::Options::prefix_extractor): an index entry stands in
// bloom filters for its index prefix and first key element, so a lookup of one value on an
// index probes one filter per table instead of seeking every table. Other keys (records, the
// catalog) are filtered whole, as point reads need.
std::shared_ptr<const kv::PrefixExtractor> KeyspacePrefixExtractor();

// Appends `n` as 4 big-endian bytes.
void AppendPrefixId(std::string* out, uint32_t n);

}  // namespace strata::doc
