#include "doc/keyspace.h"

#include "codec/key_codec.h"

namespace strata::doc {

void AppendPrefixId(std::string* out, uint32_t n) {
  out->push_back(static_cast<char>(n >> 24));
  out->push_back(static_cast<char>(n >> 16));
  out->push_back(static_cast<char>(n >> 8));
  out->push_back(static_cast<char>(n));
}

std::string CollectionDescriptorPrefix() { return std::string{kSystemSpace, 'c'}; }

std::string CollectionDescriptorKey(std::string_view name) {
  std::string key = CollectionDescriptorPrefix();
  codec::AppendKeyElement(&key, Value(name));
  return key;
}

std::string IndexDescriptorPrefix(uint32_t collection) {
  std::string key{kSystemSpace, 'i'};
  AppendPrefixId(&key, collection);
  return key;
}

std::string IndexDescriptorKey(uint32_t collection, std::string_view name) {
  std::string key = IndexDescriptorPrefix(collection);
  codec::AppendKeyElement(&key, Value(name));
  return key;
}

std::string CounterKey(uint32_t collection) {
  std::string key{kSystemSpace, 'k'};
  AppendPrefixId(&key, collection);
  return key;
}

std::string NextPrefixKey() { return std::string{kSystemSpace, 'n'}; }

std::string LostFoundKey(uint32_t collection, Slice raw_key) {
  std::string key{kSystemSpace, 'l'};
  AppendPrefixId(&key, collection);
  key.append(raw_key.data(), raw_key.size());
  return key;
}

std::string RecordPrefix(uint32_t collection) {
  std::string key(1, kRecordSpace);
  AppendPrefixId(&key, collection);
  return key;
}

std::string RecordKey(uint32_t collection, const Value& id) {
  std::string key = RecordPrefix(collection);
  codec::AppendKeyElement(&key, id);
  return key;
}

Slice RecordIdBytes(Slice record_key) {
  if (record_key.size() < 5) return Slice();
  record_key.remove_prefix(5);
  return record_key;
}

std::string IndexPrefix(uint32_t index) {
  std::string key(1, kIndexSpace);
  AppendPrefixId(&key, index);
  return key;
}

}  // namespace strata::doc
